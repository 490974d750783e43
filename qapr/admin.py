from django.contrib import admin

from cases.admin import RestrictedChildrenHidden

from .models import Qapr, Recommendation


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0
    can_delete = False
    readonly_fields = ["text", "owner", "due_on", "done_on", "done_by", "done_note"]


@admin.register(Qapr)
class QaprAdmin(RestrictedChildrenHidden, admin.ModelAdmin):
    """Read-only: QAPRs change only through the service, so the rules and history hold."""

    list_display = ["__str__", "child", "author", "state", "grade", "completed_on"]
    list_filter = ["state", "grade", "variant"]
    search_fields = ["child__last_name", "child__reference", "author__full_name"]
    inlines = [RecommendationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
