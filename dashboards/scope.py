"""What a person's dashboards and reports count: one rule, like the selectors for lists.

Reviewing-service managers, performance staff and administrators see the whole authority;
other managers see their span of the hierarchy (the concerns about children in teams they
manage, and those raised by people in teams they manage). Restricted children are left out of
every figure, so a count can never reveal one.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cases.models import Child
from escalations.models import Concern, ConcernState
from prp.hierarchy import span_team_ids
from prp.models import RoleCode, User
from prp.permissions import may_see_dashboards


class WholeAuthority:
    """The council's reporting system (an API client with figures:read), counted as a
    performance officer counts: the whole authority, never a restricted child. It stands where
    a person would, so the figures come from the same rule and cannot drift from the pages."""

    pk = None
    team_id = None
    is_authenticated = True
    is_superuser = False
    is_service_wide = True
    role_codes = frozenset({RoleCode.PERFORMANCE})


def concern_scope(user: User) -> QuerySet[Concern]:
    """Raised concerns (not drafts) this person's figures count."""
    concerns = Concern.objects.exclude(state=ConcernState.DRAFT).filter(
        about_restricted_child=False
    )
    if not may_see_dashboards(user):
        return concerns.none()
    if user.is_service_wide:
        return concerns
    span = span_team_ids(user)
    return concerns.filter(Q(team_id__in=span) | Q(raised_by__team_id__in=span))


def child_scope(user: User) -> QuerySet[Child]:
    """Children this person's figures count (reviews, QAPRs), never a restricted one."""
    children = Child.objects.filter(restricted=False, archived_at__isnull=True)
    if not may_see_dashboards(user):
        return children.none()
    if user.is_service_wide:
        return children
    span = span_team_ids(user)
    return children.filter(Q(team_id__in=span) | Q(reviewing_officer__team_id__in=span))
