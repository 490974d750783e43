"""Every change to a QAPR. Each is one transaction: permission, state, history, messages.

Finalising enforces what the grade obliges (Gloucestershire):
- Inadequate: a formal concern must have been raised from it;
- Requires improvement: a recorded decision (informal or formal concern raised, or none with a
  reason); its recommendations stay on the author's tracking list until done;
- Good or Outstanding: a good practice note goes to the social worker, copying their manager.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Child, ChildStatus
from cases.selectors import may_see_child
from cases.services import (
    child_compliance,
    child_refresh_schedule,
    child_schedule,
    lock_row,
    log,
)
from escalations import rules as concern_rules
from escalations import services as concern_services
from escalations.models import Concern, ConcernState
from prp.models import ProtocolCategory, User

from . import messages, permissions
from .models import (
    CELEBRATED_GRADES,
    SECTIONS,
    Grade,
    Qapr,
    QaprState,
    Recommendation,
    RiDecision,
    Variant,
)

# The fields the author fills in, in the order the form shows them.
EDITABLE_FIELDS = (
    *(f"{name}_{part}" for name, _ in SECTIONS for part in ("rating", "rationale")),
    "safer",
    "safer_rationale",
    "social_worker_invited_on",
    "views_child",
    "views_parents",
    "views_carers",
    "views_network",
    "views_summary",
    "grade",
    "grade_rationale",
    "impact_on_child",
    "ri_decision",
    "ri_decision_reason",
    "good_practice_category",
    "good_practice_text",
)


def _today() -> dt.date:
    return timezone.localdate()


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _lock(qapr: Qapr, lock_version: int | None) -> Qapr:
    return lock_row(Qapr, qapr, lock_version, "QAPR", related=("child", "author"))


def _save(qapr: Qapr, *fields: str) -> None:
    qapr.save(update_fields=["lock_version", "updated_at", *fields])


@transaction.atomic
def qapr_start(*, child: Child, by: User) -> Qapr:
    """Start a QAPR for the child in the window now open (or carry on the draft already begun)."""
    _require(permissions.may_author(by, child), "Only a reviewing officer can start a QAPR.")
    if child.status not in (ChildStatus.CHILD_IN_CARE, ChildStatus.CHILD_PROTECTION):
        raise ValidationError("QAPRs are for children in care and children on a protection plan.")
    Child.objects.select_for_update().filter(pk=child.pk).first()
    draft = child.qaprs.filter(state=QaprState.DRAFT).first()
    if draft is not None:
        return draft
    plan = child_schedule(child)
    compliance = child_compliance(child, plan)
    window = compliance.windows[-1] if compliance.windows else None
    qapr = Qapr(
        child=child,
        author=by,
        variant=Variant.CHILD_PROTECTION
        if child.status == ChildStatus.CHILD_PROTECTION
        else Variant.CHILD_IN_CARE,
        window_start=window.start if window else None,
        window_end=window.end if window else None,
    )
    qapr.full_clean(exclude=["state"])
    qapr.save()
    log(child, by, f"{qapr.reference} started.", qapr=qapr.pk)
    return qapr


def _check_draft_values(values: dict) -> None:
    invited = values.get("social_worker_invited_on")
    if invited is not None and invited > _today():
        raise ValidationError(
            {
                "social_worker_invited_on": "The date the social worker was invited must be today "
                "or in the past."
            }
        )
    category = values.get("good_practice_category")
    protocol = concern_rules.active_protocol()
    if category is not None and (protocol is None or category.protocol_id != protocol.pk):
        raise ValidationError({"good_practice_category": "Choose a category from the list."})


@transaction.atomic
def qapr_save(*, qapr: Qapr, by: User, lock_version: int, **values) -> Qapr:
    """Save the author's answers. Nothing is checked for completeness until it is finalised."""
    qapr = _lock(qapr, lock_version)
    _require(permissions.may_edit(by, qapr), "Only the author can change a draft QAPR.")
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not QAPR answers: {', '.join(sorted(unknown))}")
    _check_draft_values(values)
    for name, value in values.items():
        setattr(qapr, name, value)
    qapr.full_clean(exclude=["state"])
    _save(qapr, *values)
    return qapr


@transaction.atomic
def recommendation_add(
    *, qapr: Qapr, by: User, text: str, owner: User, due_on: dt.date
) -> Recommendation:
    qapr = _lock(qapr, None)
    _require(by.pk == qapr.author_id, "Only the author can add recommendations.")
    if not may_see_child(owner, qapr.child):
        # They could not open it (or be reminded of it) without seeing the child's record.
        raise ValidationError(
            {
                "owner": f"{owner} cannot see {qapr.child.full_name}'s record, so cannot be "
                "given a recommendation about them. Choose someone who can."
            }
        )
    if due_on < _today():
        raise ValidationError({"due_on": "The date must be today or in the future."})
    recommendation = Recommendation(qapr=qapr, text=text, owner=owner, due_on=due_on)
    recommendation.full_clean()
    recommendation.save()
    _save(qapr)
    log(qapr.child, by, f"Recommendation added to {qapr.reference}.", qapr=qapr.pk)
    return recommendation


@transaction.atomic
def recommendation_complete(
    *, recommendation: Recommendation, by: User, lock_version: int, done_on: dt.date, note: str = ""
) -> Recommendation:
    fresh = lock_row(
        Recommendation, recommendation, lock_version, "recommendation", related=("qapr__child",)
    )
    if fresh.is_done:
        raise ValidationError("This recommendation has already been marked as done.")
    _require(permissions.may_complete_recommendation(by, fresh), "You cannot complete this.")
    if done_on > _today():
        raise ValidationError({"done_on": "The date must be today or in the past."})
    if done_on < fresh.qapr.created_at.date():
        raise ValidationError({"done_on": "The date must be after the QAPR was started."})
    fresh.done_on, fresh.done_by, fresh.done_note = done_on, by, note
    fresh.full_clean()
    fresh.save()
    log(
        fresh.qapr.child,
        by,
        f"Recommendation from {fresh.qapr.reference} done.",
        qapr=fresh.qapr_id,
    )
    return fresh


# Concerns raised from a QAPR -------------------------------------------------------------------


def concern_level(concern: Concern | None) -> str:
    """ "formal", "informal" or "" (none, or not raised yet, or withdrawn)."""
    if concern is None or concern.state in (ConcernState.DRAFT, ConcernState.WITHDRAWN):
        return ""
    if concern.state in (ConcernState.FORMAL, ConcernState.REFERRED):
        return "formal"
    if concern.stages.filter(protocol_stage__level__gt=0).exists():
        return "formal"
    return "informal"


def start_stage_for(by: User, level: str):
    """The stage a concern from a QAPR starts at: informal, or the first formal stage the
    author may raise at."""
    protocol = concern_rules.active_protocol()
    if protocol is None:
        raise ValidationError("No resolution protocol is active. Ask your administrator.")
    stages = concern_rules.raisable_stages(by, protocol)
    wanted = [s for s in stages if s.is_informal == (level == "informal")]
    if not wanted:
        raise ValidationError({"level": f"You cannot raise an {level} concern."})
    return wanted[0]


@transaction.atomic
def qapr_start_concern(
    *, qapr: Qapr, by: User, lock_version: int, level: str, category: ProtocolCategory
) -> Concern:
    """A draft concern pre-filled from the QAPR (child, grade, rationale, impact), linked to it.
    The author checks it and raises it from the concern's page."""
    qapr = _lock(qapr, lock_version)
    _require(permissions.may_edit(by, qapr), "Only the author can raise a concern from this QAPR.")
    if qapr.concern_id and qapr.concern.state != ConcernState.WITHDRAWN:
        raise ValidationError(f"{qapr.concern.reference} is already linked to this QAPR.")
    if level not in ("informal", "formal"):
        raise ValidationError({"level": "Choose informal or formal."})
    stage = start_stage_for(by, level)
    grade = qapr.get_grade_display() or "not graded yet"
    concern = concern_services.concern_create_draft(
        raised_by=by,
        children=[qapr.child],
        title=f"QAPR graded {grade.lower()} for {qapr.child.full_name}"[:200],
        start_level=stage.level,
    )
    concern_services.sub_concern_add(
        concern=concern,
        by=by,
        category=category,
        description=qapr.grade_rationale or f"From {qapr.reference}.",
        impact_on_child=qapr.impact_on_child or "To be completed.",
        child_views=qapr.views_summary if qapr.views_child else "",
    )
    qapr.concern = concern
    _save(qapr, "concern")
    log(qapr.child, by, f"{concern.reference} started from {qapr.reference}.", qapr=qapr.pk)
    return concern


# Finalising and reopening ----------------------------------------------------------------------


def _missing_answers(qapr: Qapr) -> dict[str, str]:
    problems = {}
    for name, title in SECTIONS:
        if not getattr(qapr, f"{name}_rating"):
            problems[f"{name}_rating"] = f"Choose a rating for {title.split(':')[0].lower()}."
        if not getattr(qapr, f"{name}_rationale").strip():
            problems[f"{name}_rationale"] = f"Give the rationale for {title.split(':')[0].lower()}."
    if qapr.is_child_protection:
        if not qapr.safer:
            problems["safer"] = (
                "Answer whether the child is safer as a result of our interventions."
            )
        if not qapr.safer_rationale.strip():
            problems["safer_rationale"] = "Say why you think the child is, or is not, safer."
    if qapr.social_worker_invited_on is None:
        problems["social_worker_invited_on"] = "Enter the date the social worker was invited."
    if not qapr.grade:
        problems["grade"] = "Choose a grade."
    if not qapr.grade_rationale.strip():
        problems["grade_rationale"] = "Give the rationale for the grade."
    if not qapr.impact_on_child.strip():
        problems["impact_on_child"] = "Describe the impact on the child."
    return problems


def _grade_problems(qapr: Qapr) -> dict[str, str]:
    level = concern_level(qapr.concern)
    if qapr.grade == Grade.INADEQUATE and level != "formal":
        return {"concern": _concern_needed(qapr, "An Inadequate grade needs a formal concern")}
    if qapr.grade == Grade.REQUIRES_IMPROVEMENT:
        return _ri_problems(qapr, level)
    if qapr.grade in CELEBRATED_GRADES and qapr.good_practice_note_id is None:
        return _celebration_problems(qapr)
    return {}


def _concern_needed(qapr: Qapr, opening: str) -> str:
    if qapr.concern_id and qapr.concern.state == ConcernState.DRAFT:
        return f"{opening}: raise {qapr.concern.reference}, then finalise this QAPR."
    return f"{opening}. Raise one from this QAPR, then finalise it."


def _ri_problems(qapr: Qapr, level: str) -> dict[str, str]:
    if not qapr.ri_decision:
        return {
            "ri_decision": "Record what you decided to do about the Requires improvement grade."
        }
    if qapr.ri_decision == RiDecision.NONE and not qapr.ri_decision_reason.strip():
        return {"ri_decision_reason": "Say why no concern is being raised."}
    if qapr.ri_decision == RiDecision.FORMAL and level != "formal":
        return {"concern": _concern_needed(qapr, "You decided to raise a formal concern")}
    if qapr.ri_decision == RiDecision.INFORMAL and not level:
        return {"concern": _concern_needed(qapr, "You decided to raise an informal concern")}
    return {}


def _celebration_problems(qapr: Qapr) -> dict[str, str]:
    problems = {}
    if qapr.child.social_worker_id is None:
        problems["good_practice_text"] = (
            "The child has no social worker allocated to send the good practice note to."
        )
    if not qapr.good_practice_text.strip():
        problems["good_practice_text"] = "Write the good practice note to the social worker."
    if qapr.good_practice_category_id is None:
        problems["good_practice_category"] = "Choose a category for the good practice note."
    return problems


def finalise_problems(qapr: Qapr) -> dict[str, str]:
    """What stops the QAPR being finalised, by field (empty when it can be)."""
    return _missing_answers(qapr) or _grade_problems(qapr)


@transaction.atomic
def qapr_finalise(*, qapr: Qapr, by: User, lock_version: int) -> Qapr:
    qapr = _lock(qapr, lock_version)
    _require(permissions.may_edit(by, qapr), "Only the author can finalise this QAPR.")
    problems = finalise_problems(qapr)
    if problems:
        raise ValidationError(problems)
    qapr.finalise(by=by, at=timezone.now(), on=_today())
    if qapr.grade in CELEBRATED_GRADES and qapr.good_practice_note_id is None:
        qapr.good_practice_note = concern_services.good_practice_note_send(
            author=qapr.author,
            recipient=qapr.child.social_worker,
            category=qapr.good_practice_category,
            note=qapr.good_practice_text,
            impact_on_child=qapr.impact_on_child,
            child=qapr.child,
        )
    _save(qapr, "state", "finalised_by", "finalised_at", "completed_on", "good_practice_note")
    log(qapr.child, by, f"{qapr.reference} finalised: {qapr.get_grade_display()}.", qapr=qapr.pk)
    child_refresh_schedule(child=qapr.child)
    return qapr


@transaction.atomic
def qapr_reopen(*, qapr: Qapr, by: User, lock_version: int, reason: str) -> Qapr:
    """The author's manager sends a finalised QAPR back to its author as a draft."""
    qapr = _lock(qapr, lock_version)
    _require(permissions.may_reopen(by, qapr), "Only the author's manager can reopen a QAPR.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the QAPR is being reopened."})
    qapr.reopen(by=by, at=timezone.now(), reason=reason)
    # A draft is not done: its window is open again until it is finalised again.
    qapr.completed_on = None
    _save(qapr, "state", "reopened_by", "reopened_at", "reopen_reason", "completed_on")
    log(qapr.child, by, f"{qapr.reference} reopened: {reason}", qapr=qapr.pk)
    child_refresh_schedule(child=qapr.child)
    messages.reopened(qapr)
    return qapr
