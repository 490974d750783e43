"""The audit trail in the admin: every entry, read-only, filtered by kind of record and refusals;
a person who may not see a restricted child does not see the entries about them."""

from auditlog.mixins import LogEntryAdminMixin
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst

from cases.selectors import restricted_hidden_from
from prp.audit import entries_about
from prp.models import Download

from .selectors import records_about_children


class RecordTypeFilter(admin.SimpleListFilter):
    """The kinds of record that are audited (read from the registry, not from the whole log)."""

    title = "record type"
    parameter_name = "record_type"

    def lookups(self, request, model_admin):
        types = ContentType.objects.get_for_models(*auditlog.get_models())
        # Downloads are about lists, not one record: their entries carry a type of their own.
        types[Download] = ContentType.objects.get_for_model(Download, for_concrete_model=False)
        return sorted(
            ((str(ct.pk), capfirst(model._meta.verbose_name)) for model, ct in types.items()),
            key=lambda pair: pair[1],
        )

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if self.value() else queryset


class RefusedFilter(admin.SimpleListFilter):
    title = "refused attempts"
    parameter_name = "refused"

    def lookups(self, request, model_admin):
        return [("yes", "Only refused attempts")]

    def queryset(self, request, queryset):
        return queryset.filter(additional_data__refused=True) if self.value() == "yes" else queryset


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditEntryAdmin(LogEntryAdminMixin, admin.ModelAdmin):
    """Who opened or changed what, when and from where. Nobody can add, change or delete an
    entry here: the permissions below are refused even to superusers, so the add, change and
    delete pages and the delete action are not there."""

    date_hierarchy = "timestamp"
    list_select_related = ["content_type", "actor"]
    list_display = [
        "created",
        "resource_url",
        "action",
        "refused",
        "msg_short",
        "user_url",
        "remote_addr",
    ]
    list_filter = [
        "action",
        RefusedFilter,
        RecordTypeFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        "timestamp",
    ]
    search_fields = ["object_repr", "actor__email", "actor__full_name", "remote_addr"]
    readonly_fields = ["created", "resource_url", "action", "user_url", "remote_addr", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "remote_addr", "resource_url", "cid"]}),
        ("Changes", {"fields": ["action", "msg"]}),
    ]

    @admin.display(boolean=True, description="refused")
    def refused(self, entry):
        return bool((entry.additional_data or {}).get("refused"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        self.request = request  # LogEntryAdminMixin builds links from it
        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        # Not the trail of a restricted child the person may not see, nor of anything about
        # them: the entries name the child and quote what was written.
        hidden = entries_about(records_about_children(restricted_hidden_from(request.user)))
        return entries.exclude(pk__in=hidden.order_by().values("pk"))
