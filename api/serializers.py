"""What the API shows and accepts. Unknown fields are refused, not silently dropped: a sender
with a typo in a field name must hear about it."""

from __future__ import annotations

from rest_framework import serializers

from cases.models import Child
from escalations.models import Concern, Stage, Task


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field is not one the API accepts."] for name in unknown}
                )
        return super().to_internal_value(data)


class ChildSerializer(StrictSerializer, serializers.ModelSerializer):
    version = serializers.IntegerField(source="lock_version", read_only=True)

    class Meta:
        model = Child
        fields = [
            "id",
            "reference",
            "first_name",
            "last_name",
            "date_of_birth",
            "status",
            "legal_status",
            "restricted",
            "team",
            "social_worker",
            "reviewing_officer",
            "review_due_on",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = [
            "id",
            "restricted",
            "team",
            "social_worker",
            "reviewing_officer",
            "review_due_on",
            "created_at",
            "updated_at",
        ]

    def validate_reference(self, value):
        if self.instance is not None and value != self.instance.reference:
            raise serializers.ValidationError("A child's reference cannot be changed.")
        return value


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.full_name", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "assignee", "delegated_at", "due_on", "state", "responded_at"]


class StageSerializer(serializers.ModelSerializer):
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta:
        model = Stage
        fields = [
            "id",
            "level",
            "opened_on",
            "due_on",
            "outcome",
            "outcome_on",
            "working_days_taken",
            "tasks",
        ]


class ConcernSerializer(serializers.ModelSerializer):
    children = serializers.SlugRelatedField(slug_field="reference", many=True, read_only=True)
    stages = StageSerializer(many=True, read_only=True)
    version = serializers.IntegerField(source="lock_version", read_only=True)

    class Meta:
        model = Concern
        fields = [
            "id",
            "title",
            "state",
            "children",
            "start_level",
            "date_of_concern",
            "opened_on",
            "closed_on",
            "stages",
            "created_at",
            "updated_at",
            "version",
        ]
