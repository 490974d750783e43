"""Who may do what with a QAPR. Views fetch the QAPR through qapr.selectors first (404 for
anyone who may not see the child); these rules then decide the action."""

from __future__ import annotations

from cases.models import Child
from prp.models import RoleCode, User

from .models import Qapr, QaprState, Recommendation

AUTHOR_ROLES = frozenset({RoleCode.IRO, RoleCode.CP_CHAIR})
# Managers in the reviewing service who may reopen any QAPR they can see.
REVIEWING_MANAGERS = frozenset(
    {RoleCode.REVIEWING_SERVICE_MANAGER, RoleCode.REVIEWING_HEAD_OF_SERVICE}
)


def may_author(user: User, child: Child) -> bool:
    """The child's IRO or CP Chair, or a colleague covering for them."""
    return user.pk == child.reviewing_officer_id or bool(user.role_codes & AUTHOR_ROLES)


def may_edit(user: User, qapr: Qapr) -> bool:
    return qapr.state == QaprState.DRAFT and user.pk == qapr.author_id


def is_manager_of(user: User, person: User) -> bool:
    if user.pk == person.pk:
        return False
    if person.line_manager_id == user.pk:
        return True
    team = person.team
    return team is not None and team.manager_id == user.pk


def may_reopen(user: User, qapr: Qapr) -> bool:
    if qapr.state != QaprState.FINALISED:
        return False
    return is_manager_of(user, qapr.author) or bool(user.role_codes & REVIEWING_MANAGERS)


def may_complete_recommendation(user: User, recommendation: Recommendation) -> bool:
    if recommendation.is_done:
        return False
    return user.pk in (recommendation.owner_id, recommendation.qapr.author_id)
