"""The outbox for administrators: see what was sent, why a message failed, and send it again.

Nobody edits or deletes a message: it is the record of what a person was told. Failed messages
are put back in the queue with the retry action.
"""

from django.contrib import admin, messages
from django.db.models.functions import Length
from django.template.defaultfilters import filesizeformat, pluralize, truncatechars
from django.utils.html import format_html

from . import audience, services
from .models import UNDELIVERED, Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "recipient",
        "kind",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "delivery_status",
        "read_at",
        "error",
    )
    list_filter = ("status", "delivery_status", "kind", "by_digest")
    search_fields = ("recipient__full_name", "recipient__email", "subject")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    actions = ["retry_failed"]
    fieldsets = (
        ("Message", {"fields": ("recipient", "kind", "subject", "url", "body_text", "files")}),
        (
            "Sending",
            {
                "fields": (
                    ("status", "by_digest"),
                    "not_needed_reason",
                    ("attempts", "last_error"),
                    ("created_at", "send_after"),
                    ("claimed_by", "claimed_at"),
                    "sent_at",
                    ("notify_id", "delivery_status", "delivery_updated_at"),
                    "read_at",
                )
            },
        ),
        ("About", {"fields": ("concern", "task", "child", "digest", "key")}),
        ("Email as HTML", {"classes": ("collapse",), "fields": ("body_html",)}),
        (
            "GOV.UK Notify template fields",
            {"classes": ("collapse",), "fields": ("personalisation",)},
        ),
    )
    readonly_fields = (*(field.name for field in Notification._meta.fields), "files")

    @admin.display(description="Attached files")
    def files(self, obj):
        """The files sent with it (a pack's PDF): name and size, never the content."""
        sizes = obj.attachments.annotate(size=Length("content")).values_list("filename", "size")
        names = [f"{filename} ({filesizeformat(size)})" for filename, size in sizes]
        return ", ".join(names) or "None"

    @admin.display(description="Last error")
    def error(self, obj):
        return truncatechars(obj.last_error, 80)

    @admin.action(description="Retry the selected failed messages", permissions=["change"])
    def retry_failed(self, request, queryset):
        selected = queryset.count()
        count = services.retry(queryset)
        if count == 0:
            self.message_user(
                request,
                "None of the selected messages had failed. Nothing was retried.",
                messages.WARNING,
            )
            return
        skipped = selected - count
        note = f" {skipped} had not failed and were left alone." if skipped else ""
        self.message_user(
            request,
            f"{count} failed message{'s' if count != 1 else ''} put back in the queue.{note}",
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        """Emails GOV.UK Notify could not deliver are said at the top of the list, with a link
        to them: the address is wrong, or the inbox refused them, and the person was not told."""
        undelivered = self.get_queryset(request).filter(delivery_status__in=UNDELIVERED)
        count = undelivered.count()
        if count and "delivery_status__exact" not in request.GET:
            permanent = undelivered.filter(delivery_status=Delivery.PERMANENT_FAILURE).count()
            link = f"?delivery_status__exact={Delivery.PERMANENT_FAILURE.value}"
            self.message_user(
                request,
                format_html(
                    "{} email{} could not be delivered by GOV.UK Notify, {} of them to an"
                    ' address that does not exist. <a href="{}">See the addresses that do not'
                    " exist</a>.",
                    count,
                    pluralize(count),
                    permanent,
                    link,
                ),
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        """Every message, but for a non-superuser none about a child (or a concern about one)
        they may not hear about: the outbox's own rule (notifications.audience)."""
        queryset = super().get_queryset(request).select_related("recipient")
        if request.user.is_superuser:
            return queryset
        return queryset.exclude(audience.unheard_by_anyone(request.user.pk))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Change permission is what lets an administrator retry from the list; a single message
        # is only ever shown, never edited.
        return obj is None and super().has_change_permission(request)
