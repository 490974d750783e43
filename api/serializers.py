"""What the API shows and accepts. Unknown fields are refused, not silently dropped: a sender
with a typo in a field name must hear about it."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from cases.models import Allocation, Child, ChildStatus, KeyDate, Review
from dashboards.metrics import Filters
from escalations.models import Concern, Stage, Task
from prp.models import OrgUnit, ProtocolCategory, Team, User


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


class ActiveEmail(serializers.SlugRelatedField):
    """A member of staff by their email address: accounts that are switched off are not found."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="email", queryset=User.objects.filter(is_active=True), **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(str(data).strip().lower())


class AllocationSerializer(StrictSerializer, serializers.ModelSerializer):
    worker = ActiveEmail(required=False, allow_null=True)
    team = serializers.SlugRelatedField(
        slug_field="name", queryset=Team.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Allocation
        fields = ["id", "kind", "worker", "team", "start_date", "end_date"]
        read_only_fields = ["id", "end_date"]

    def validate(self, attrs):
        holder = "team" if attrs["kind"] == Allocation.Kind.TEAM else "worker"
        if not attrs.get(holder):
            raise serializers.ValidationError({holder: ["Give the " + holder + " to allocate."]})
        other = "worker" if holder == "team" else "team"
        if attrs.get(other):
            raise serializers.ValidationError(
                {other: [f"A {attrs['kind'].replace('_', ' ')} allocation has no {other}."]}
            )
        return attrs


class KeyDateSerializer(StrictSerializer, serializers.ModelSerializer):
    class Meta:
        model = KeyDate
        fields = ["id", "kind", "on", "note", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]


class ReviewSerializer(StrictSerializer, serializers.ModelSerializer):
    chair = ActiveEmail(required=False, allow_null=True)

    class Meta:
        model = Review
        fields = ["id", "kind", "held_on", "chair", "early", "notes", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]


class FiguresQuery(StrictSerializer):
    """The dashboard's filters, as query parameters: a period in ISO dates and the ids of a
    service, team or category. Left out, each is the dashboard's default."""

    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    service = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.SERVICE), required=False
    )
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    child_status = serializers.ChoiceField(choices=ChildStatus.choices, required=False)
    level = serializers.IntegerField(required=False, min_value=1, max_value=10)
    category = serializers.PrimaryKeyRelatedField(
        queryset=ProtocolCategory.objects.all(), required=False
    )

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"date_to": ["The end of the period must be the same as or after the start."]}
            )
        return attrs

    def filters(self) -> Filters:
        data = self.validated_data
        default = Filters.default()
        return Filters(
            date_from=data.get("date_from", default.date_from),
            date_to=data.get("date_to", default.date_to),
            service_id=data["service"].pk if "service" in data else None,
            team_id=data["team"].pk if "team" in data else None,
            child_status=data.get("child_status", ""),
            level=data.get("level"),
            category_id=data["category"].pk if "category" in data else None,
        )


UPSERT_LIMIT = 1000


class ChildUpsertItem(StrictSerializer, serializers.ModelSerializer):
    """One child of an upsert, found by its reference. `version` is the one read: needed to
    change a child already held (as If-Match is for one child), so nothing is overwritten
    unseen; a child sent unchanged needs none."""

    version = serializers.IntegerField(required=False, min_value=0)

    class Meta:
        model = Child
        fields = [
            "reference",
            "first_name",
            "last_name",
            "date_of_birth",
            "status",
            "legal_status",
            "version",
        ]
        # Held or not is the upsert's question, not an error.
        extra_kwargs = {"reference": {"validators": []}}

    def validate_date_of_birth(self, value):
        # Checked here, with the child's place in the list, as well as by the service.
        if value > timezone.localdate():
            raise serializers.ValidationError(
                "The date the child was born must be today or in the past."
            )
        return value


class ChildUpsertSerializer(StrictSerializer):
    children = ChildUpsertItem(many=True, allow_empty=False, max_length=UPSERT_LIMIT)

    def validate_children(self, items):
        seen: dict[str, int] = {}
        errors = {}
        for index, item in enumerate(items):
            earlier = seen.setdefault(item["reference"], index)
            if earlier != index:
                errors[index] = {"reference": [f"This reference is also child {earlier}."]}
        if errors:
            raise serializers.ValidationError(errors)
        return items
