from django.contrib import admin

from .models import Allocation, Child, SiblingGroup


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
class ChildAdmin(admin.ModelAdmin):
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
        ("Restricted record", {"fields": ("restricted", "named_users")}),
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
