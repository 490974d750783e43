"""Who may record what about a child's reviews. Views first fetch the child through the
visibility selector (404 for anyone who may not see them); these rules then decide the action."""

from __future__ import annotations

from prp.models import OPERATIONAL_ROLES, RAISER_ROLES, RoleCode, User

from .models import Child, ChildStatus, PlannedStep, ReviewStep, SignificantChange

# Operational managers who may answer for a team (the team manager and those above).
OPERATIONAL_MANAGERS = OPERATIONAL_ROLES - {RoleCode.SOCIAL_WORKER}


def _reviewing(user: User) -> bool:
    return bool(user.role_codes & RAISER_ROLES) or user.is_administrator


def may_record_review(user: User, child: Child) -> bool:
    """The child's IRO or CP Chair, or a colleague in the reviewing service covering for them."""
    return user.pk == child.reviewing_officer_id or _reviewing(user)


def may_record_key_date(user: User, child: Child) -> bool:
    return _reviewing(user) or bool(user.role_codes & OPERATIONAL_ROLES)


def may_record_change(user: User, child: Child) -> bool:
    """The social worker and their managers tell the reviewing officer of significant changes."""
    return (
        user.pk == child.social_worker_id
        or bool(user.role_codes & OPERATIONAL_ROLES)
        or user.is_administrator
    )


def may_decide_change(user: User, change: SignificantChange) -> bool:
    return not change.is_decided and (
        user.pk == change.child.reviewing_officer_id or _reviewing(user)
    )


REVIEWING_MANAGER_ROLES = frozenset(
    {
        RoleCode.REVIEWING_TEAM_MANAGER,
        RoleCode.REVIEWING_SERVICE_MANAGER,
        RoleCode.REVIEWING_HEAD_OF_SERVICE,
    }
)


def may_allocate_reviewer(user: User) -> bool:
    """The reviewing service's managers allocate its IROs and CP Chairs."""
    return bool(user.role_codes & REVIEWING_MANAGER_ROLES) or user.is_administrator


def reviewer_roles_for(child: Child) -> tuple[str, ...]:
    if child.status == ChildStatus.CHILD_PROTECTION:
        return (RoleCode.CP_CHAIR,)
    return (RoleCode.IRO,)


REVIEWING_STEPS = {
    ReviewStep.Kind.DECISIONS_CIRCULATED,
    ReviewStep.Kind.FULL_RECORD,
    ReviewStep.Kind.COPIES_SENT,
}


def may_complete_step(user: User, step: ReviewStep) -> bool:
    if step.is_done:
        return False
    if step.assignee_id == user.pk:
        return True
    if step.kind in REVIEWING_STEPS:
        return _reviewing(user)
    if step.kind == ReviewStep.Kind.DECISIONS_CONSIDERED:
        # Waits until the decisions have been circulated; then the team's managers answer.
        return step.due_on is not None and bool(user.role_codes & OPERATIONAL_MANAGERS)
    return bool(user.role_codes & OPERATIONAL_ROLES)


# Before a review: the reviewing officer's steps, which a colleague in the reviewing service may
# record for them; the social worker's, which their managers may.
REVIEWING_PLANNED_STEPS = {
    PlannedStep.Kind.INVITATIONS_SENT,
    PlannedStep.Kind.IRO_VISIT,
    PlannedStep.Kind.VISIT_NOTE,
}


def may_complete_planned_step(user: User, step: PlannedStep) -> bool:
    if step.is_done:
        return False
    # The visit note waits for the visit.
    if step.kind == PlannedStep.Kind.VISIT_NOTE and step.due_on is None:
        return False
    if step.assignee_id == user.pk:
        return True
    if step.kind in REVIEWING_PLANNED_STEPS:
        return _reviewing(user)
    return bool(user.role_codes & OPERATIONAL_ROLES)
