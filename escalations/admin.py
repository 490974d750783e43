"""Read-only views of the pathway's records for administrators. Changes go through the app's
pages and services, so every change keeps its history; nothing is deleted."""

from django.contrib import admin

from cases.admin import RestrictedChildrenHidden

from .models import Concern, Event, ExternalAgencyNote, GoodPracticeNote, Stage, Task


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("protocol_stage", "raised_by", "opened_on", "due_on", "outcome", "outcome_on")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Concern)
class ConcernAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    child_path = "concern_children__child"
    list_display = ("reference", "title", "state", "raised_by", "opened_on", "closed_on")
    list_filter = ("state", "protocol")
    search_fields = ("title", "raised_by__full_name")
    list_select_related = ("raised_by",)
    inlines = [StageInline]


@admin.register(Task)
class TaskAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    child_path = "stage__concern__concern_children__child"
    list_display = ("__str__", "assignee", "state", "due_on", "responded_at")
    list_filter = ("state",)
    list_select_related = ("stage__protocol_stage", "stage__concern", "assignee")
    search_fields = ("assignee__full_name",)


@admin.register(Event)
class EventAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    child_path = "concern__concern_children__child"
    list_display = ("at", "concern", "kind", "actor", "summary")
    list_filter = ("kind",)
    list_select_related = ("concern", "actor")


@admin.register(GoodPracticeNote)
class GoodPracticeNoteAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    list_display = ("created_at", "author", "recipient", "category", "direction")
    list_select_related = ("author", "recipient", "category")


@admin.register(ExternalAgencyNote)
class ExternalAgencyNoteAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    list_display = ("recorded_on", "child", "agency", "level", "recorded_by")
    list_select_related = ("child", "recorded_by")
