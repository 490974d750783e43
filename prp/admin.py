from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from . import frozen, presets
from .admin_locking import VersionedAdminMixin
from .models import (
    ClosureDay,
    JobHeartbeat,
    OrgUnit,
    Post,
    Protocol,
    ProtocolCategory,
    ProtocolStage,
    ResponseOption,
    Team,
    User,
)
from .security import admin_locks


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "job_title")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(VersionedAdminMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("full_name",)
    list_display = ("full_name", "email", "job_title", "team", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "roles", "team")
    search_fields = ("full_name", "email", "job_title")
    list_select_related = ("team",)
    filter_horizontal = ("roles", "groups", "user_permissions")
    autocomplete_fields = ("team", "line_manager")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("About this person", {"fields": ("full_name", "job_title", "team", "line_manager")}),
        ("Roles in the pathway", {"fields": ("roles",)}),
        ("Notifications", {"fields": ("wants_daily_digest",)}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "job_title", "password1", "password2"),
            },
        ),
    )

    def has_delete_permission(self, request, obj=None):
        # People are made inactive, never deleted: their records keep their history.
        return False


class PostInline(admin.TabularInline):
    model = Post
    extra = 1
    autocomplete_fields = ("holder",)


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ("name", "kind", "manager", "is_active")
    autocomplete_fields = ("manager",)
    show_change_link = True


@admin.register(OrgUnit)
class OrgUnitAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "is_reviewing_service")
    list_filter = ("kind", "is_reviewing_service")
    search_fields = ("name",)
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = [PostInline, TeamInline]


@admin.register(Team)
class TeamAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "unit", "manager", "is_active")
    list_filter = ("kind", "is_active", "unit")
    search_fields = ("name",)
    list_select_related = ("unit", "manager")
    autocomplete_fields = ("unit", "manager")

    def has_delete_permission(self, request, obj=None):
        # A team people work in is made inactive, not deleted (deleting would leave them with no
        # team); one with children, allocations or concerns is protected by the database too.
        if obj is not None and obj.members.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Deleting in bulk would skip the check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason")
    date_hierarchy = "date"
    search_fields = ("reason",)


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_success_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Protocols -----------------------------------------------------------------------------------


def _in_use(protocol) -> bool:
    return protocol is not None and frozen.in_use([protocol.pk])


class FrozenWhenInUse:
    """A protocol version that concerns use cannot change: copy it to a new version instead."""

    def has_change_permission(self, request, obj=None):
        protocol = getattr(obj, "protocol", obj)
        return super().has_change_permission(request, obj) and not _in_use(protocol)

    def has_add_permission(self, request, obj=None):
        if isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request, obj) and not _in_use(obj)
        return super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _in_use(obj)


class ProtocolStageInline(FrozenWhenInUse, admin.StackedInline):
    model = ProtocolStage
    extra = 0
    filter_horizontal = ("raised_by", "copy_to", "may_pass_to")
    fields = (
        ("level", "label"),
        "raised_by",
        (
            "delegate_role_child_protection",
            "delegate_role_child_in_care",
            "delegate_role_other",
        ),
        ("response_days", "guideline_days"),
        "copy_to",
        "may_pass_to",
        ("external_body", "delegation_optional", "unresolved_tells_reviewer"),
        "guidance",
    )


class ProtocolCategoryInline(FrozenWhenInUse, admin.TabularInline):
    model = ProtocolCategory
    extra = 0
    fields = ("name", "position", "is_suggestion")


class ResponseOptionInline(FrozenWhenInUse, admin.TabularInline):
    model = ResponseOption
    extra = 0


@admin.register(Protocol)
class ProtocolAdmin(VersionedAdminMixin, FrozenWhenInUse, admin.ModelAdmin):
    list_display = ("authority", "name", "version", "is_active", "formal_limit_days")
    list_filter = ("is_active", "authority")
    readonly_fields = ("is_active", "created_at")
    filter_horizontal = ("cafcass_told_roles",)
    fields = (
        ("authority", "name", "version"),
        "description",
        "formal_limit_days",
        "cafcass_consult_role",
        "cafcass_told_roles",
        ("informal_guideline_days", "informal_limit_days", "write_up_days"),
        "resolution_records_impact",
        "review_rules",
        "sign_off_after_actions",
        "immediate_safeguarding",
        ("is_active", "created_at"),
    )
    inlines = [ProtocolStageInline, ProtocolCategoryInline, ResponseOptionInline]
    actions = ["make_active", "copy_as_new_version"]

    @admin.action(description="Make the selected protocol the active one")
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one protocol.", messages.ERROR)
            return
        protocol = presets.activate(queryset.get())
        self.message_user(request, f"New concerns will use {protocol}. Open concerns keep theirs.")

    @admin.action(description="Copy as a new version to edit")
    def copy_as_new_version(self, request, queryset):
        for protocol in queryset:
            copy = presets.copy_as_new_version(protocol)
            self.message_user(request, f"Created {copy}. Edit it, then make it active.")


# The audit trail (django-auditlog): read-only for everyone, superusers included ------------------


# Failed sign-ins: django-axes' list, headed by what is locked now.
admin_locks.register()
