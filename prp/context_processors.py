from django.conf import settings
from django.urls import reverse

from .models import OPERATIONAL_ROLES, RAISER_ROLES
from .permissions import may_see_dashboards


def service(request):
    """The service's name and phase for the header, and the navigation for this person."""
    return {
        "service_name": settings.SERVICE_NAME,
        "authority_name": settings.AUTHORITY_NAME,
        "service_phase": settings.PHASE,
        "navigation": _navigation(request),
    }


def _navigation(request) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = [("Home", reverse("home"))]
    if user.role_codes & OPERATIONAL_ROLES:
        items.append(("My tasks", reverse("escalations:task_inbox")))
    if user.role_codes & (RAISER_ROLES | OPERATIONAL_ROLES) or user.is_service_wide:
        items.append(("Concerns", reverse("escalations:concern_list")))
    items.append(("Children", reverse("cases:child_list")))
    if user.role_codes & (RAISER_ROLES | OPERATIONAL_ROLES):
        items.append(("Reviews", reverse("cases:reviews_due")))
    if user.role_codes & RAISER_ROLES or user.is_service_wide:
        items.append(("QAPRs", reverse("qapr:qapr_due")))
    if may_see_dashboards(user):
        items.append(("Dashboard", reverse("dashboards:dashboard")))
    if user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    path = request.path
    return [
        {"label": label, "url": url, "active": path == url or (url != "/" and path.startswith(url))}
        for label, url in items
    ]
