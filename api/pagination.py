from rest_framework.pagination import CursorPagination


class UpdatedCursor(CursorPagination):
    """Oldest change first, so a system pulling `updated_since` its last run walks forward and
    a record changed mid-walk comes round again at the end rather than being skipped."""

    ordering = ("updated_at", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
