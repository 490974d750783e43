"""Who may see the dashboards and reports: the managers of the hierarchy, the reviewing
service's managers, performance staff and administrators. It lives in the core because the
navigation (prp.context_processors) asks it on every page; what each of them counts is decided
above, in dashboards.scope."""

from __future__ import annotations

from .models import DASHBOARD_ROLES, RoleCode, User

DASHBOARD_VIEWERS = DASHBOARD_ROLES | {RoleCode.REVIEWING_TEAM_MANAGER}


def may_see_dashboards(user: User) -> bool:
    return user.is_authenticated and (
        bool(user.role_codes & DASHBOARD_VIEWERS) or user.is_superuser
    )
