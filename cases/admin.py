import logging

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from kombu.exceptions import KombuError

from prp.admin_locking import VersionedAdminMixin
from prp.models import Protocol

from .models import (
    Allocation,
    Child,
    ChildLog,
    KeyDate,
    Review,
    ReviewRule,
    ReviewStep,
    RuleUnit,
    SiblingGroup,
    SignificantChange,
)

log = logging.getLogger(__name__)


class RestrictedChildrenHidden:
    """Leaves out of an admin's lists, pages and searches every record about a restricted child
    the signed-in person is neither allocated to nor named on (cases.selectors, the rule of the
    service's own pages). Superusers see everything: they keep the records in order.
    `child_path` is the path from the admin's model to the child ("" when it is the child)."""

    child_path = "child"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        from .selectors import restricted_hidden_from

        field = f"{self.child_path}__in" if self.child_path else "pk__in"
        return queryset.exclude(**{field: restricted_hidden_from(request.user)})


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    fields = ("kind", "worker", "team", "start_date", "end_date", "recorded_by")
    readonly_fields = ("recorded_by",)
    autocomplete_fields = ("worker", "team")
    ordering = ("-start_date",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Child)
class ChildAdmin(RestrictedChildrenHidden, VersionedAdminMixin, admin.ModelAdmin):
    child_path = ""
    list_display = ("full_name", "reference", "date_of_birth", "status", "team", "restricted")
    list_filter = ("status", "legal_status", "restricted", "team")
    search_fields = ("first_name", "last_name", "reference")
    list_select_related = ("team",)
    autocomplete_fields = (
        "sibling_group",
        "team",
        "social_worker",
        "reviewing_officer",
        "named_users",
    )
    readonly_fields = ("team", "social_worker", "reviewing_officer", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "date_of_birth", "reference")}),
        ("Status", {"fields": ("status", "legal_status", "sibling_group")}),
        ("Current allocation (change it below)", {"fields": readonly_fields[:3]}),
        (
            "Restricted record",
            {
                "fields": ("restricted", "named_users"),
                "description": "A restricted record is seen only by the people allocated to it "
                "or named on it, here in the admin too (superusers excepted): name yourself to "
                "go on managing it.",
            },
        ),
        ("Record", {"fields": ("archived_at", "created_at", "updated_at")}),
    )
    inlines = [AllocationInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset(self, request, form, formset, change):
        # Keep the child's current allocation in step with the history edited here.
        from .services import child_sync_current_allocation

        instances = formset.save(commit=False)
        for allocation in instances:
            if allocation.recorded_by_id is None:
                allocation.recorded_by = request.user
            allocation.save()
        formset.save_m2m()
        child_sync_current_allocation(child=form.instance)


@admin.register(SiblingGroup)
class SiblingGroupAdmin(admin.ModelAdmin):
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        # Case data: a group is left empty, not deleted, so past concerns keep their meaning.
        return False


# Review timescales ------------------------------------------------------------------------------

# The QAPR rules count how many a year; every other rule is a time limit.
COUNT_RULES = {ReviewRule.Code.QAPR_CP_FIRST_YEAR, ReviewRule.Code.QAPR_CP_LATER_YEARS}


def queue_schedule_refresh() -> None:
    """Ask a worker to work out every child's review dates again. If the broker is down the
    admin still saves; the dates follow when someone runs `manage.py refresh_schedules`."""
    from .tasks import refresh_schedules

    try:
        refresh_schedules.delay()
    except (KombuError, OSError) as error:
        log.warning("Could not queue the review schedule refresh: %s", error)


class ReviewRuleForm(forms.ModelForm):
    class Meta:
        model = ReviewRule
        fields = ("amount", "unit")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 1:
            raise forms.ValidationError("Enter 1 or more.")
        return amount

    def clean(self):
        data = super().clean()
        unit = data.get("unit")
        counts = self.instance.code in COUNT_RULES
        if unit and counts and unit != RuleUnit.TIMES_A_YEAR:
            self.add_error("unit", "This rule counts QAPRs: choose times a year.")
        elif unit and not counts and unit == RuleUnit.TIMES_A_YEAR:
            self.add_error("unit", "This rule is a time limit: choose days or months.")
        return data


@admin.register(ReviewRule)
class ReviewRuleAdmin(VersionedAdminMixin, admin.ModelAdmin):
    """The authority's timescales. The rules themselves are fixed; only their times change."""

    form = ReviewRuleForm
    list_display = ("rule", "amount", "unit", "set_by", "updated_at")
    list_display_links = ("rule",)
    fields = ("rule", "amount", "unit", "updated_at")
    readonly_fields = ("rule", "updated_at")
    ordering = ("code",)

    @admin.display(description="Rule", ordering="code")
    def rule(self, obj):
        return obj.get_code_display()

    @admin.display(description="Set by")
    def set_by(self, obj):
        """Whether the active protocol brought this timescale (Blackpool counts days, the other
        presets calendar months) or it is the authority's own."""
        protocol = getattr(self, "_active_protocol", None)
        if protocol and obj.code in (protocol.review_rules or {}):
            return f"{protocol.authority} protocol ({obj.get_unit_display()})"
        return "Statutory default or set here"

    def get_queryset(self, request):
        # Read once per page for the "Set by" column (not a view override: no new URL).
        self._active_protocol = Protocol.objects.filter(is_active=True).first()
        return super().get_queryset(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(queue_schedule_refresh)
        self.message_user(
            request,
            "Every child's next review and QAPR dates are being worked out again.",
            messages.INFO,
        )


# What happened to each child: read-only, for inspection ------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record of what was done: changed only through the service, never here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    extra = 0
    fields = ("kind", "assignee", "due_on", "done_on", "done_by", "outcome", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KeyDate)
class KeyDateAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    list_display = ("child", "kind", "on", "recorded_by", "recorded_at")
    list_filter = ("kind",)
    search_fields = ("child__first_name", "child__last_name", "child__reference")
    list_select_related = ("child", "recorded_by")
    date_hierarchy = "on"


@admin.register(Review)
class ReviewAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    list_display = ("child", "kind", "held_on", "chair", "early", "recorded_by")
    list_filter = ("kind", "early")
    search_fields = ("child__first_name", "child__last_name", "child__reference")
    list_select_related = ("child", "chair", "recorded_by")
    date_hierarchy = "held_on"
    inlines = [ReviewStepInline]


@admin.register(SignificantChange)
class SignificantChangeAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    list_display = ("child", "kind", "occurred_on", "recorded_by", "reviewing_officer", "decision")
    list_filter = ("kind", "decision")
    search_fields = ("child__first_name", "child__last_name", "child__reference")
    list_select_related = ("child", "recorded_by", "reviewing_officer")
    date_hierarchy = "occurred_on"


@admin.register(ChildLog)
class ChildLogAdmin(RestrictedChildrenHidden, ReadOnlyAdmin):
    list_display = ("at", "child", "actor", "summary")
    search_fields = ("child__first_name", "child__last_name", "child__reference", "summary")
    list_select_related = ("child", "actor")
    date_hierarchy = "at"
