from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from .models import ClosureDay, JobHeartbeat, OrgUnit, Post, Team, User


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "job_title")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "is_reviewing_service")
    list_filter = ("kind", "is_reviewing_service")
    search_fields = ("name",)
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = [PostInline, TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "unit", "manager", "is_active")
    list_filter = ("kind", "is_active", "unit")
    search_fields = ("name",)
    list_select_related = ("unit", "manager")
    autocomplete_fields = ("unit", "manager")


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
