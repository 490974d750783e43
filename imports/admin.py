from django.contrib import admin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Runs are a record: read here, never edited or deleted."""

    list_display = ["started_at", "kind", "source", "started_by", "status", "created", "updated"]
    list_filter = ["kind", "status", "source"]
    search_fields = ["file_names"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
