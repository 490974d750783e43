"""Changes to children's records. Each is one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from prp import workdays
from prp.audit import (
    CHANGED,
    create_recorded,
    entries_recorded,
    update_recorded,
    update_rows_recorded,
)
from prp.bulk import create_rows, snapshot
from prp.locking import lock_row
from prp.models import Team, User

from . import messages, permissions, schedule
from .models import (
    CIC_CHANGE_KINDS,
    CP_CHANGE_KINDS,
    Allocation,
    Child,
    ChildLog,
    ChildStatus,
    KeyDate,
    PlannedReview,
    PlannedStep,
    Review,
    ReviewRule,
    ReviewStep,
    SignificantChange,
)
from .reviewer import Reviewer, reviewer_for
from .windows import compliance_for

_CHILD_FIELD = {
    Allocation.Kind.REVIEWING_OFFICER: "reviewing_officer",
    Allocation.Kind.SOCIAL_WORKER: "social_worker",
    Allocation.Kind.TEAM: "team",
}


@transaction.atomic
def child_allocate(
    *,
    child: Child,
    kind: str,
    start_date: dt.date,
    recorded_by: User | None,
    worker: User | None = None,
    team: Team | None = None,
) -> Allocation:
    """Allocate a worker (or team) to a child from `start_date`, ending the current one."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    current = Allocation.objects.filter(child=child, kind=kind, end_date__isnull=True).first()
    if current is not None:
        if start_date < current.start_date:
            raise ValidationError(
                {"start_date": "The new allocation must start on or after the current one."}
            )
        current.end_date = start_date
        current.full_clean()
        current.save(update_fields=["end_date"])
    allocation = Allocation(
        child=child,
        kind=kind,
        worker=worker if kind != Allocation.Kind.TEAM else None,
        team=team if kind == Allocation.Kind.TEAM else None,
        start_date=start_date,
        recorded_by=recorded_by,
    )
    allocation.full_clean()
    allocation.save()
    field = _CHILD_FIELD[kind]
    setattr(child, field, allocation.holder)
    # A step on the version, so an admin form loaded before this allocation is refused.
    child.lock_version += 1
    child.save(update_fields=[field, "updated_at", "lock_version"])
    if kind != Allocation.Kind.TEAM:
        _planned_owners_follow(child)
    return allocation


@transaction.atomic
def child_sync_current_allocation(*, child: Child) -> Child:
    """Set the child's current team and workers from their open allocations."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    current = {a.kind: a for a in child.allocations.filter(end_date__isnull=True)}
    for kind, field in _CHILD_FIELD.items():
        allocation = current.get(kind)
        setattr(child, field, allocation.holder if allocation else None)
    child.save(update_fields=[*_CHILD_FIELD.values(), "updated_at"])
    return child


# Reviews, key dates and significant changes ----------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def log(child: Child, actor: User | None, summary: str, **data) -> ChildLog:
    """A line in the child's history (reviews, key dates, changes, QAPRs)."""
    return ChildLog.objects.create(child=child, actor=actor, summary=summary[:300], data=data)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _not_in_future(day: dt.date, field: str, what: str) -> None:
    if day > _today():
        raise ValidationError({field: f"The date {what} must be today or in the past."})


def early_reviews(child: Child) -> list[schedule.EarlyReview]:
    decided = child.significant_changes.filter(decision=SignificantChange.Decision.EARLY_REVIEW)
    return [
        schedule.EarlyReview(c.decided_on, c.early_review_by, c.get_kind_display()) for c in decided
    ]


def child_schedule(child: Child, *, rules=None, today: dt.date | None = None) -> schedule.Schedule:
    """The child's review schedule, worked out from what is recorded now."""
    return schedule.schedule_for(
        child.status,
        key_dates=list(child.key_dates.all()),
        reviews=list(child.reviews.all()),
        early=early_reviews(child),
        rules=rules or schedule.load_rules(),
        today=today or _today(),
    )


def child_compliance(child: Child, plan: schedule.Schedule, *, rules=None, today=None):
    """The child's QAPR windows and yearly counts, from the schedule and finalised QAPRs."""
    completed = child.qaprs.finalised_dates()
    return compliance_for(
        child.status,
        review_dates=[r.held_on for r in plan.held],
        next_review_due=plan.next_due.on if plan.next_due else None,
        completed=completed,
        rules=rules or schedule.load_rules(),
        today=today or _today(),
    )


def child_refresh_schedule(*, child: Child, rules=None) -> schedule.Schedule:
    """Work out when the next review and QAPR are due and keep them on the child's row."""
    rules = rules or schedule.load_rules()
    plan = child_schedule(child, rules=rules)
    compliance = child_compliance(child, plan, rules=rules)
    update_recorded(
        Child.objects.filter(pk=child.pk),
        review_due_on=plan.next_due.on if plan.next_due else None,
        review_due_reason=plan.next_due.reason[:300] if plan.next_due else plan.missing,
        qapr_due_on=compliance.due_on,
        qapr_windows_due=compliance.windows_due(_today()) if compliance.applies else 0,
        qapr_windows_done=compliance.windows_done() if compliance.applies else 0,
    )
    _plan_next_review(child, plan, rules)
    return plan


# Before the next review (seed 004) -------------------------------------------------------------

P = PlannedStep.Kind


def _next_review_kind(child: Child, plan: schedule.Schedule) -> tuple[str, bool] | None:
    """The kind of the review the schedule says is due next, and whether it is an initial one."""
    if not plan.applies or plan.next_due is None:
        return None
    if child.status == ChildStatus.CHILD_IN_CARE:
        return Review.Kind.CIC_REVIEW, not plan.held
    if child.status == ChildStatus.CHILD_PROTECTION:
        if not plan.held:
            return Review.Kind.CP_INITIAL, True
        return Review.Kind.CP_REVIEW, False
    return None


def _planned_owners(child: Child, kind: str) -> dict[str, User | None]:
    """Who does each step before the review, from the child's allocations. A child protection
    conference has its own set: the seed's consultation 20 working days before and the IRO's
    visit are for children in care (an initial conference is itself due 15 working days after
    the strategy discussion)."""
    reviewer, social_worker = child.reviewing_officer, child.social_worker
    if kind == Review.Kind.CIC_REVIEW:
        return {
            P.CHILD_CONSULTED: social_worker,
            P.INVITATIONS_SENT: reviewer,
            P.DOCUMENTS_SENT: social_worker,
            P.IRO_VISIT: reviewer,
            P.VISIT_NOTE: reviewer,
        }
    return {P.INVITATIONS_SENT: reviewer, P.DOCUMENTS_SENT: social_worker}


def _planned_dates(planned: PlannedReview, rules) -> dict[str, dt.date]:
    """The date each step is due by, counted back from the date the review is due by. The
    visit note is not here: it counts from the visit."""
    Code = ReviewRule.Code
    on = planned.due_on
    documents = rules[Code.DOCUMENTS_INITIAL if planned.initial else Code.DOCUMENTS_LATER]
    return {
        P.CHILD_CONSULTED: schedule.before(on, rules[Code.CHILD_CONSULTED]),
        P.INVITATIONS_SENT: schedule.before(on, rules[Code.INVITATIONS_SENT]),
        P.DOCUMENTS_SENT: schedule.before(on, documents),
        # "The IRO will visit and spend time with Our Child prior to every review."
        P.IRO_VISIT: workdays.add_working_days(on, -1),
    }


def _close_planned(planned: PlannedReview, *, held: Review | None, reason: str) -> None:
    planned.closed_on = held.held_on if held is not None else _today()
    planned.held_review = held
    planned.closed_reason = reason[:300]
    planned.lock_version += 1
    planned.save()


def _plan_next_review(child: Child, plan: schedule.Schedule, rules) -> PlannedReview | None:
    """Keep the child's next review, and the steps before it, in step with the schedule: made
    when a review is next due, moved when its date moves, closed when it is held or no longer
    due. Steps already done stay done."""
    current = (
        PlannedReview.objects.select_for_update(of=("self",))
        .select_related("after_review")
        .filter(child=child, closed_on__isnull=True)
        .first()
    )
    return _plan_next_review_from(child, plan, rules, current)


def _plan_next_review_from(
    child: Child, plan: schedule.Schedule, rules, current: PlannedReview | None
) -> PlannedReview | None:
    """_plan_next_review with the child's open review planned (locked) or None, read already."""
    wanted = _next_review_kind(child, plan)
    last_held = plan.held[-1] if plan.held else None
    if current is not None:
        if wanted is None:
            _close_planned(current, held=None, reason="No longer due")
            current = None
        elif (last_held.pk if last_held else None) != current.after_review_id:
            before = current.after_review
            if last_held is not None and (before is None or last_held.held_on > before.held_on):
                _close_planned(current, held=last_held, reason=f"Held: {last_held}")
            else:
                _close_planned(current, held=None, reason="The review schedule started again")
            current = None
        elif wanted[0] != current.kind:
            _close_planned(current, held=None, reason="No longer due")
            current = None
    if wanted is None:
        return None
    kind, initial = wanted
    due = plan.next_due
    if current is None:
        current = PlannedReview(
            child=child,
            kind=kind,
            due_on=due.on,
            reason=due.reason[:300],
            initial=initial,
            after_review=last_held,
        )
        current.full_clean()
        current.save()
        dates = _planned_dates(current, rules)
        create_recorded(
            PlannedStep,
            (
                PlannedStep(planned=current, kind=step, assignee=owner, due_on=dates.get(step))
                for step, owner in _planned_owners(child, kind).items()
            ),
        )
        return current
    if (current.due_on, current.initial) != (due.on, initial):
        current.due_on, current.initial, current.reason = due.on, initial, due.reason[:300]
        current.lock_version += 1
        current.save()
        dates = _planned_dates(current, rules)
        for step in current.steps.select_for_update().filter(done_on__isnull=True):
            if step.kind in dates and step.due_on != dates[step.kind]:
                step.due_on = dates[step.kind]
                step.lock_version += 1
                step.save()
    return current


def _planned_owners_follow(child: Child) -> None:
    """A new social worker or reviewing officer takes over the open steps before the review."""
    planned = PlannedReview.objects.filter(child=child, closed_on__isnull=True).first()
    if planned is None:
        return
    owners = _planned_owners(child, planned.kind)
    for step in planned.steps.select_for_update().filter(done_on__isnull=True):
        owner = owners.get(step.kind)
        if step.assignee_id != (owner.pk if owner else None):
            step.assignee = owner
            step.lock_version += 1
            step.save()


@transaction.atomic
def planned_step_complete(
    *, step: PlannedStep, by: User, lock_version: int, done_on: dt.date, note: str = ""
) -> PlannedStep:
    """Mark a step before a review as done. The IRO's visit starts the note's clock: due in 2
    working days of the visit, and never more than 5 (seed 004)."""
    step = lock_row(PlannedStep, step, lock_version, "task", related=("planned__child",))
    if step.is_done:
        raise ValidationError("This task has already been done.")
    _require(permissions.may_complete_planned_step(by, step), "You cannot complete this task.")
    _not_in_future(done_on, "done_on", "it was done")
    planned = step.planned
    if step.kind == P.VISIT_NOTE:
        visit = planned.steps.filter(kind=P.IRO_VISIT).first()
        if visit is None or not visit.is_done:
            raise ValidationError("Record the visit first.")
        if done_on < visit.done_on:
            raise ValidationError({"done_on": "The date must be on or after the visit."})
    step.done_on, step.done_by, step.note = done_on, by, note
    step.full_clean()
    step.save()
    log(planned.child, by, f"Before the {planned}: {step.get_kind_display().lower()}, done.")
    if step.kind == P.IRO_VISIT:
        rules = schedule.load_rules()
        for written in planned.steps.select_for_update().filter(
            kind=P.VISIT_NOTE, done_on__isnull=True
        ):
            written.due_on = schedule.deadline(done_on, rules[ReviewRule.Code.VISIT_NOTE])
            written.latest_on = schedule.deadline(done_on, rules[ReviewRule.Code.VISIT_NOTE_LATEST])
            written.lock_version += 1
            written.save()
    return step


# Recorded by the council's system, not a person: no `recorded_by`, and no chair when the
# child has no IRO or CP Chair allocated yet.
_SYSTEM = ["recorded_by", "chair"]


@transaction.atomic
def key_date_record(
    *, child: Child, by: User | None, kind: str, on: dt.date, note: str = ""
) -> KeyDate:
    """`by` is None for the council's case-management system (the API checked its scope)."""
    _require(
        by is None or permissions.may_record_key_date(by, child),
        "You cannot record dates for this child.",
    )
    _not_in_future(on, "on", "it happened")
    key_date = KeyDate(child=child, kind=kind, on=on, note=note, recorded_by=by)
    key_date.full_clean(exclude=_SYSTEM if by is None else None)
    key_date.save()
    log(child, by, f"{key_date} recorded.", key_date=key_date.pk)
    child_refresh_schedule(child=child)
    return key_date


def _step_assignees(child: Child, review: Review) -> dict[str, User | None]:
    reviewer = review.chair or child.reviewing_officer
    manager = child.team.manager if child.team_id else None
    steps = {
        ReviewStep.Kind.DECISIONS_CIRCULATED: reviewer,
        ReviewStep.Kind.FULL_RECORD: reviewer,
        ReviewStep.Kind.DECISIONS_CONSIDERED: manager,
        # "The Safeguarding Quality and Review Service will send copies out … within 20 working
        # days" (seed 004): the chair, for the reviewing service.
        ReviewStep.Kind.COPIES_SENT: reviewer,
    }
    # A child protection conference has its own steps: no care plan to update (seed 004 sets
    # "care plan updated within 10 working days" for children in care only).
    if review.kind == Review.Kind.CIC_REVIEW:
        steps[ReviewStep.Kind.CARE_PLAN_UPDATED] = child.social_worker
    return steps


def _create_steps(child: Child, review: Review, rules) -> None:
    Code = ReviewRule.Code
    counted = {
        ReviewStep.Kind.DECISIONS_CIRCULATED: Code.DECISIONS_CIRCULATED,
        ReviewStep.Kind.FULL_RECORD: Code.FULL_RECORD,
        ReviewStep.Kind.CARE_PLAN_UPDATED: Code.CARE_PLAN_UPDATED,
        ReviewStep.Kind.COPIES_SENT: Code.COPIES_SENT,
    }
    create_recorded(
        ReviewStep,
        (
            ReviewStep(
                review=review,
                kind=kind,
                assignee=assignee,
                # The team manager's five days start when the decisions reach them.
                due_on=schedule.deadline(review.held_on, rules[counted[kind]])
                if kind in counted
                else None,
            )
            for kind, assignee in _step_assignees(child, review).items()
        ),
    )


@transaction.atomic
def review_record(
    *,
    child: Child,
    by: User | None,
    kind: str,
    held_on: dt.date,
    chair: User | None = None,
    early: bool = False,
    notes: str = "",
) -> Review:
    """Record a review or conference that was held, and start the work that follows it.
    `by` is None for the council's case-management system (the API checked its scope)."""
    _require(
        by is None or permissions.may_record_review(by, child),
        "You cannot record reviews for this child.",
    )
    _not_in_future(held_on, "held_on", "it was held")
    if held_on < child.date_of_birth:
        raise ValidationError({"held_on": "The date must be after the child's date of birth."})
    if Review.objects.filter(child=child, kind=kind, held_on=held_on).exists():
        raise ValidationError({"held_on": "This review has already been recorded for that date."})
    review = Review(
        child=child,
        kind=kind,
        held_on=held_on,
        chair=chair or child.reviewing_officer or by,
        early=early,
        notes=notes,
        recorded_by=by,
    )
    review.full_clean(exclude=_SYSTEM if by is None else None)
    review.save()
    rules = schedule.load_rules()
    _create_steps(child, review, rules)
    log(child, by, f"{review} recorded.", review=review.pk)
    child_refresh_schedule(child=child, rules=rules)
    return review


STEP_OUTCOMES = {
    ReviewStep.Kind.DECISIONS_CONSIDERED: {
        ReviewStep.Outcome.AGREED,
        ReviewStep.Outcome.NOT_AGREED,
    },
}


@transaction.atomic
def review_step_complete(
    *,
    step: ReviewStep,
    by: User,
    lock_version: int,
    done_on: dt.date,
    outcome: str = ReviewStep.Outcome.DONE,
    note: str = "",
) -> ReviewStep:
    step = lock_row(ReviewStep, step, lock_version, "task")
    if step.is_done:
        raise ValidationError("This task has already been done.")
    _require(permissions.may_complete_step(by, step), "You cannot complete this task.")
    allowed = STEP_OUTCOMES.get(step.kind, {ReviewStep.Outcome.DONE})
    if outcome not in allowed:
        raise ValidationError({"outcome": "Choose an answer."})
    if outcome == ReviewStep.Outcome.NOT_AGREED and not note.strip():
        raise ValidationError({"note": "Say which decisions you do not agree with, and why."})
    _not_in_future(done_on, "done_on", "it was done")
    review = step.review
    if done_on < review.held_on:
        raise ValidationError({"done_on": "The date must be on or after the review."})
    step.done_on, step.done_by, step.outcome, step.note = done_on, by, outcome, note
    step.full_clean()
    step.save()
    log(review.child, by, f"{step.get_kind_display()}: {step.get_outcome_display().lower()}.")
    if step.kind == ReviewStep.Kind.DECISIONS_CIRCULATED:
        _decisions_reached_manager(review, done_on, by)
    return step


def _decisions_reached_manager(review: Review, received_on: dt.date, by: User) -> None:
    """The team manager's five working days to consider the decisions start now."""
    consider = review.steps.select_for_update().filter(
        kind=ReviewStep.Kind.DECISIONS_CONSIDERED, done_on__isnull=True
    )
    rule = schedule.load_rules()[ReviewRule.Code.DECISIONS_CONSIDERED]
    for step in consider:
        step.due_on = schedule.deadline(received_on, rule)
        step.lock_version += 1
        step.save(update_fields=["due_on", "lock_version"])
        messages.review_decisions(step)


@transaction.atomic
def review_steps_agree_by_silence(
    *, today: dt.date | None = None, send_after: dt.datetime | None = None
) -> int:
    """Decisions the team manager did not answer in time are taken as agreed (and recorded).

    `send_after`: when the messages may go out (the chase scan, run at night, holds them until
    the next working morning)."""
    today = today or _today()
    late = (
        # Only the steps are locked: PostgreSQL cannot lock the nullable side of a join.
        ReviewStep.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(kind=ReviewStep.Kind.DECISIONS_CONSIDERED, done_on__isnull=True, due_on__lt=today)
        .select_related("review__child", "review__chair", "assignee")
    )
    count = 0
    for step in late:
        step.done_on = step.due_on
        step.outcome = ReviewStep.Outcome.AGREED_BY_SILENCE
        step.note = f"No reply by {schedule.long_date(step.due_on)}: taken as agreed."
        step.lock_version += 1
        step.save(update_fields=["done_on", "outcome", "note", "lock_version"])
        log(step.review.child, None, f"Review decisions of {step.review} taken as agreed.")
        messages.agreed_by_silence(step, send_after=send_after)
        count += 1
    return count


def change_kinds_for(child: Child) -> list:
    """The fixed list of significant changes for this child (child protection has its own)."""
    if child.status == ChildStatus.CHILD_PROTECTION:
        return CP_CHANGE_KINDS
    return CIC_CHANGE_KINDS


@transaction.atomic
def significant_change_record(
    *, child: Child, by: User, kind: str, occurred_on: dt.date, details: str
) -> SignificantChange:
    """Tell the reviewing officer, at once, of a significant change in the child's life."""
    _require(permissions.may_record_change(by, child), "You cannot record changes for this child.")
    if kind not in change_kinds_for(child):
        raise ValidationError({"kind": "Choose a change from the list."})
    _not_in_future(occurred_on, "occurred_on", "it happened")
    change = SignificantChange(
        child=child,
        kind=kind,
        occurred_on=occurred_on,
        details=details,
        recorded_by=by,
    )
    reviewer = reviewer_for(child)
    if not reviewer.is_fallback:
        change.reviewing_officer = reviewer.people[0]
    change.full_clean()
    change.save()
    log(child, by, f"Significant change recorded: {change.get_kind_display()}.", change=change.pk)
    if kind == SignificantChange.Kind.PLACEMENT_CHANGE:
        # A move of carer starts its own review clock.
        KeyDate.objects.create(
            child=child,
            kind=KeyDate.Kind.CARER_CHANGE,
            on=occurred_on,
            note="From a significant change",
            recorded_by=by,
        )
        child_refresh_schedule(child=child)
    messages.significant_change(change, reviewer=reviewer)
    # Who was told, for the page that confirms it.
    change.reviewer = reviewer
    return change


@transaction.atomic
def child_reviewer_allocate(*, child: Child, by: User, officer: User) -> Allocation:
    """A reviewing manager allocates an IRO or CP Chair to a child who has none; changes still
    waiting for a decision go to them, and they are told of each."""
    _require(permissions.may_allocate_reviewer(by), "You cannot allocate a reviewing officer.")
    if not officer.is_active or not officer.has_role(*permissions.reviewer_roles_for(child)):
        raise ValidationError({"officer": f"Select {child.a_reviewing_officer}"})
    allocation = child_allocate(
        child=child,
        kind=Allocation.Kind.REVIEWING_OFFICER,
        start_date=_today(),
        recorded_by=by,
        worker=officer,
    )
    child.refresh_from_db()
    log(child, by, f"{officer} allocated as {child.reviewing_officer_title}.", officer=officer.pk)
    waiting = list(child.significant_changes.filter(decision="", reviewing_officer__isnull=True))
    told = Reviewer((officer,), child.reviewing_officer_title, is_fallback=False)
    for change in waiting:
        change.reviewing_officer = officer
        change.lock_version += 1
        change.save(update_fields=["reviewing_officer", "lock_version"])
        messages.significant_change(change, reviewer=told)
    return allocation


@transaction.atomic
def significant_change_decide(
    *,
    change: SignificantChange,
    by: User,
    lock_version: int,
    decision: str,
    early_review_by: dt.date | None = None,
    reason: str = "",
) -> SignificantChange:
    """The reviewing officer records whether the change needs an early review."""
    change = lock_row(SignificantChange, change, lock_version, "change")
    if change.is_decided:
        raise ValidationError("This change has already been decided.")
    _require(permissions.may_decide_change(by, change), "You cannot decide on this change.")
    if decision == SignificantChange.Decision.EARLY_REVIEW:
        if early_review_by is None:
            raise ValidationError({"early_review_by": "Enter the date the early review is due by."})
        if early_review_by < _today():
            raise ValidationError({"early_review_by": "The date must be today or in the future."})
    elif decision == SignificantChange.Decision.NO_EARLY_REVIEW:
        early_review_by = None
        if not reason.strip():
            raise ValidationError({"reason": "Say why no early review is needed."})
    else:
        raise ValidationError({"decision": "Choose whether an early review is needed."})
    change.decision, change.early_review_by, change.decision_reason = (
        decision,
        early_review_by,
        reason,
    )
    change.decided_by, change.decided_on = by, _today()
    change.full_clean()
    change.save()
    log(change.child, by, f"{change.get_kind_display()}: {change.get_decision_display().lower()}.")
    child_refresh_schedule(child=change.child)
    messages.early_review_decision(change)
    return change


@transaction.atomic
def review_rules_apply_protocol(protocol) -> list[ReviewRule]:
    """Make the review timescales those the newly active protocol brings (issue 14 rule 14:
    Blackpool counts 3 months as 91 days and 6 months as 183; the others calendar months),
    then work every child's dates out again."""
    changed = []
    for code, (amount, unit) in (protocol.review_rules or {}).items():
        if code not in ReviewRule.Code.values:
            continue
        rule, _ = ReviewRule.objects.get_or_create(
            code=code, defaults={"amount": amount, "unit": unit}
        )
        if (rule.amount, rule.unit) != (amount, unit):
            rule.amount, rule.unit = amount, unit
            rule.lock_version += 1
            rule.full_clean()
            rule.save()
            changed.append(rule)
    if changed:
        from .admin import queue_schedule_refresh

        transaction.on_commit(queue_schedule_refresh)
    return changed


# Records loaded from the council's own systems (the imports app calls these) -----------------

MADE_FROM_RECORDS = "Record made from the council's records."
CHILD_DETAILS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "status",
    "legal_status",
    "restricted",
)


@transaction.atomic
def child_create(*, reference: str, by: User | None, team: Team | None = None, **details) -> Child:
    """A child from the council's case-management records, with their team from today."""
    if details.get("date_of_birth"):
        _not_in_future(details["date_of_birth"], "date_of_birth", "the child was born")
    child = Child(reference=reference, **{k: v for k, v in details.items() if k in CHILD_DETAILS})
    child.full_clean()
    child.save()
    log(child, by, MADE_FROM_RECORDS)
    if team is not None:
        child_allocate(
            child=child, kind=Allocation.Kind.TEAM, team=team, start_date=_today(), recorded_by=by
        )
    return child


@transaction.atomic
def children_create_many(*, rows: list[dict], by: User | None) -> list[Child]:
    """Many children at once from the council's records (the API's upsert), with the same
    details and history line as `child_create` in three statements and an audit entry each,
    instead of several statements each. The caller has found which references are held; two
    senders racing with the same new reference meet the database's unique constraint."""
    children = []
    for row in rows:
        details = {k: v for k, v in row.items() if k in CHILD_DETAILS}
        if details.get("date_of_birth"):
            _not_in_future(details["date_of_birth"], "date_of_birth", "the child was born")
        child = Child(reference=row["reference"], **details)
        # The uniqueness is the caller's look-up and the database's constraint, not a query each.
        child.full_clean(validate_unique=False, validate_constraints=False)
        children.append(child)
    made = create_recorded(Child, children)
    create_rows(
        ChildLog,
        [ChildLog(child=child, actor=by, summary=MADE_FROM_RECORDS, data={}) for child in made],
        ids=False,
    )
    return made


@transaction.atomic
def child_update_details(
    *, child: Child, by: User | None, lock_version: int | None = None, **changes
) -> Child:
    """Change a child's details from the council's records. A restricted child stays
    restricted: only a person, in the admin, lifts a restriction. With `lock_version` (the API's
    If-Match), a record changed since the sender read it is refused (StaleEdit)."""
    child = lock_row(Child, child, lock_version, "child's record")
    changes = {k: v for k, v in changes.items() if k in CHILD_DETAILS}
    if changes.get("date_of_birth"):
        _not_in_future(changes["date_of_birth"], "date_of_birth", "the child was born")
    if child.restricted:
        changes.pop("restricted", None)
    for field, value in changes.items():
        setattr(child, field, value)
    child.full_clean()
    child.save()
    log(child, by, "Details updated from the council's records.", fields=sorted(changes))
    return child


@transaction.atomic
def child_record_history(
    *,
    child: Child,
    by: User | None,
    key_dates: set[tuple[str, dt.date]] = frozenset(),
    reviews: set[tuple[str, dt.date]] = frozenset(),
) -> tuple[int, int]:
    """Key dates and reviews held, from the council's records: those not recorded yet are
    added, nothing is removed. The steps after a review are not started (they were done in
    the case-management system at the time). Returns how many of each were added."""
    known_dates = set(child.key_dates.values_list("kind", "on"))
    known_reviews = set(child.reviews.values_list("kind", "held_on"))
    new_dates = sorted(set(key_dates) - known_dates, key=lambda pair: pair[1])
    new_reviews = sorted(set(reviews) - known_reviews, key=lambda pair: pair[1])
    for kind, on in new_dates:
        _not_in_future(on, "on", "it happened")
        key_date = KeyDate(child=child, kind=kind, on=on, recorded_by=by, note="Imported")
        # No one recorded it here when a scheduled job loads it.
        key_date.full_clean(exclude=["recorded_by"])
        key_date.save()
    for kind, held_on in new_reviews:
        _not_in_future(held_on, "held_on", "it was held")
        review = Review(child=child, kind=kind, held_on=held_on, recorded_by=by, notes="Imported")
        # The returns do not say who chaired it.
        review.full_clean(exclude=["recorded_by", "chair"])
        review.save()
    if new_dates or new_reviews:
        log(
            child,
            by,
            f"{len(new_dates)} key dates and {len(new_reviews)} reviews added from the "
            "council's records.",
        )
        child_refresh_schedule(child=child)
    return len(new_dates), len(new_reviews)


# Many records at once: an import's first load ------------------------------------------------
#
# The same checks, records, history lines and audit entries as child_create, child_allocate,
# child_record_history and child_refresh_schedule, for a batch of children in a few statements
# instead of a few dozen each. Only for what is new: a child not held yet, or a child's first
# allocation of a kind. A change to a held record goes through the services above.


# Foreign keys to rows the bulk path holds (just made, or read and locked): full_clean would
# look each one up again, a query a field a row.
_HELD = ["child", "worker", "team", "recorded_by"]


@dataclass
class NewChild:
    """A child to make from the council's records, with what the records say about them."""

    reference: str
    details: dict
    # (kind, worker or team, from): each the child's first of its kind.
    allocations: list = dataclasses.field(default_factory=list)
    key_dates: set = dataclasses.field(default_factory=set)
    reviews: set = dataclasses.field(default_factory=set)


@transaction.atomic
def children_load(*, rows: list[NewChild], by: User | None, rules=None) -> list[Child]:
    """Make these children, their first allocations, key dates and reviews held, and work out
    their review schedule and QAPR windows."""
    rules = rules or schedule.load_rules()
    made = children_create_many(
        rows=[{"reference": row.reference, **row.details} for row in rows], by=by
    )
    unwritten: list[tuple[list[Child], list[str]]] = []
    _allocate_first(
        [
            (child, kind, holder, start)
            for child, row in zip(made, rows, strict=True)
            for kind, holder, start in row.allocations
        ],
        by,
        unwritten=unwritten,
    )
    _history_many(list(zip(made, rows, strict=True)), by)
    children_refresh_schedule_many(children=made, rules=rules, unwritten=unwritten)
    return made


@transaction.atomic
def allocations_first_many(*, items: list[tuple], by: User | None) -> None:
    """Each child's first allocation of a kind: (child id, kind, worker or team, from). The
    children are read again, locked: one allocated since the import was checked is refused,
    and the whole import with it."""
    wanted = {child_id for child_id, *_ in items}
    children = Child.objects.select_for_update().in_bulk(wanted)
    held = set(
        Allocation.objects.filter(child__in=list(children), end_date__isnull=True).values_list(
            "child_id", "kind"
        )
    )
    if len(children) < len(wanted) or any((pk, kind) in held for pk, kind, *_ in items):
        raise IntegrityError("The children or their allocations changed while importing.")
    _allocate_first([(children[child_id], *rest) for child_id, *rest in items], by)


def _allocations_created(items: list[tuple], by: User | None) -> list[Allocation]:
    """Each (child, kind, worker or team, from) checked and written with its audit entry. No
    current allocation of the kind stands: the caller made sure (a new child, or one ended).
    The child, worker and team are rows held here: not looked up again one by one."""
    allocations = []
    for child, kind, holder, start in items:
        allocation = Allocation(
            child=child,
            kind=kind,
            worker=holder if kind != Allocation.Kind.TEAM else None,
            team=holder if kind == Allocation.Kind.TEAM else None,
            start_date=start,
            recorded_by=by,
        )
        allocation.full_clean(exclude=_HELD, validate_unique=False, validate_constraints=False)
        allocations.append(allocation)
    create_recorded(Allocation, allocations)
    return allocations


def _allocate_first(items: list[tuple], by: User | None, *, unwritten=None) -> None:
    """The allocations, their entries and the children's current holders. With `unwritten`
    (a list), the children's rows are left for the caller's schedule pass to write with their
    schedule (see children_refresh_schedule_many), so each is written once."""
    if not items:
        return
    allocations = _allocations_created(items, by)
    now, changes, touched = timezone.now(), [], {}
    for allocation in allocations:
        child, name = allocation.child, _CHILD_FIELD[allocation.kind]
        before = snapshot(child)
        setattr(child, name, allocation.holder)
        child.lock_version += 1
        child.updated_at = now
        changes.append((CHANGED, snapshot(child), before, [name, "updated_at", "lock_version"]))
        touched[child.pk] = child
    fields = [*_CHILD_FIELD.values(), "updated_at", "lock_version"]
    if unwritten is None:
        update_rows_recorded(Child, list(touched.values()), fields, changes)
    else:
        entries_recorded(changes)
        unwritten.append((list(touched.values()), fields))
    _planned_owners_follow_many(list(touched.values()))


def _planned_owners_follow_many(children: list[Child]) -> None:
    by_id = {child.pk: child for child in children}
    steps = PlannedStep.objects.select_for_update(of=("self",)).filter(
        planned__child__in=list(by_id), planned__closed_on__isnull=True, done_on__isnull=True
    )
    steps = list(steps.select_related("planned"))
    _with_workers({by_id[step.planned.child_id] for step in steps})
    for step in steps:
        owner = _planned_owners(by_id[step.planned.child_id], step.planned.kind).get(step.kind)
        if step.assignee_id != (owner.pk if owner else None):
            step.assignee = owner
            step.lock_version += 1
            step.save()


def _history_many(pairs: list[tuple[Child, NewChild]], by: User | None):
    """child_record_history for new children: every key date and review is new."""
    dates: dict[int, list] = {child.pk: [] for child, _ in pairs}
    reviews: dict[int, list] = {child.pk: [] for child, _ in pairs}
    lines = []
    for child, row in pairs:
        for kind, on in sorted(row.key_dates, key=lambda pair: pair[1]):
            _not_in_future(on, "on", "it happened")
            key_date = KeyDate(child=child, kind=kind, on=on, recorded_by=by, note="Imported")
            key_date.full_clean(exclude=_HELD, validate_unique=False, validate_constraints=False)
            dates[child.pk].append(key_date)
        for kind, held_on in sorted(row.reviews, key=lambda pair: pair[1]):
            _not_in_future(held_on, "held_on", "it was held")
            review = Review(
                child=child, kind=kind, held_on=held_on, recorded_by=by, notes="Imported"
            )
            review.full_clean(
                exclude=[*_HELD, "chair"], validate_unique=False, validate_constraints=False
            )
            reviews[child.pk].append(review)
        if row.key_dates or row.reviews:
            summary = (
                f"{len(row.key_dates)} key dates and {len(row.reviews)} reviews added from the "
                "council's records."
            )
            lines.append(ChildLog(child=child, actor=by, summary=summary, data={}))
    create_recorded(KeyDate, [d for items in dates.values() for d in items])
    create_recorded(Review, [r for items in reviews.values() for r in items])
    create_rows(ChildLog, lines, ids=False)


_SCHEDULE_FIELDS = (
    "review_due_on",
    "review_due_reason",
    "qapr_due_on",
    "qapr_windows_due",
    "qapr_windows_done",
)


def children_refresh_schedule_many(*, children: list[Child], rules=None, unwritten=()) -> None:
    """child_refresh_schedule for many children, from a few queries for all of them: their key
    dates, reviews, early reviews decided and finalised QAPRs. The children are rows read (and
    locked) in this transaction. `unwritten`: (children, fields) the caller changed on these same
    objects, its entries written, but not the rows: they are written here, in the one UPDATE
    with the schedule."""
    rules = rules or schedule.load_rules()
    today = _today()
    ids = [child.pk for child in children]
    dates: dict[int, list] = {pk: [] for pk in ids}
    reviews: dict[int, list] = {pk: [] for pk in ids}
    early: dict[int, list] = {pk: [] for pk in ids}
    for key_date in KeyDate.objects.filter(child__in=ids):
        dates[key_date.child_id].append(key_date)
    for review in Review.objects.filter(child__in=ids):
        reviews[review.child_id].append(review)
    decided = SignificantChange.objects.filter(
        child__in=ids, decision=SignificantChange.Decision.EARLY_REVIEW
    )
    for c in decided:
        early[c.child_id].append(
            schedule.EarlyReview(c.decided_on, c.early_review_by, c.get_kind_display())
        )
    # Child.qaprs: the QAPR app's rows (cases sits below it and does not import it).
    completed = Child.qaprs.field.model.objects.filter(child__in=ids).finalised_dates_by_child()
    changes, plans, changed = [], [], []
    for child in children:
        plan = schedule.schedule_for(
            child.status,
            key_dates=dates[child.pk],
            reviews=reviews[child.pk],
            early=early[child.pk],
            rules=rules,
            today=today,
        )
        compliance = compliance_for(
            child.status,
            review_dates=[r.held_on for r in plan.held],
            next_review_due=plan.next_due.on if plan.next_due else None,
            completed=completed.get(child.pk, []),
            rules=rules,
            today=today,
        )
        values = {
            "review_due_on": plan.next_due.on if plan.next_due else None,
            "review_due_reason": plan.next_due.reason[:300] if plan.next_due else plan.missing,
            "qapr_due_on": compliance.due_on,
            "qapr_windows_due": compliance.windows_due(today) if compliance.applies else 0,
            "qapr_windows_done": compliance.windows_done() if compliance.applies else 0,
        }
        plans.append((child, plan))
        if all(getattr(child, name) == value for name, value in values.items()):
            continue
        before = snapshot(child)
        for name, value in values.items():
            setattr(child, name, value)
        changes.append((CHANGED, snapshot(child), before, list(values)))
        changed.append(child)
    rows = {child.pk: child for batch, _ in unwritten for child in batch}
    rows.update((child.pk, child) for child in changed)
    fields = dict.fromkeys(name for _, names in unwritten for name in names)
    fields.update(dict.fromkeys(_SCHEDULE_FIELDS))
    update_rows_recorded(Child, list(rows.values()), list(fields), changes)
    _plan_next_reviews(plans, rules)


def _with_workers(children) -> None:
    """Read the children's social workers and reviewing officers in two queries, not one a
    child when _planned_owners asks for them (those read already are not read again)."""
    prefetch_related_objects(list(children), "social_worker", "reviewing_officer")


def _plan_next_reviews(plans: list[tuple[Child, schedule.Schedule]], rules) -> None:
    """_plan_next_review for many children: a child with a review planned already goes through
    it; for the others the reviews planned and their steps are written together."""
    _with_workers(child for child, _ in plans)
    # A child has one open at most (cases_planned_review_one_open): read and locked together.
    open_now = {
        planned.child_id: planned
        for planned in PlannedReview.objects.select_for_update(of=("self",))
        .select_related("after_review")
        .filter(child__in=[child.pk for child, _ in plans], closed_on__isnull=True)
    }
    planned = []
    for child, plan in plans:
        if child.pk in open_now:
            _plan_next_review_from(child, plan, rules, open_now[child.pk])
            continue
        wanted = _next_review_kind(child, plan)
        if wanted is None:
            continue
        kind, initial = wanted
        review = PlannedReview(
            child=child,
            kind=kind,
            due_on=plan.next_due.on,
            reason=plan.next_due.reason[:300],
            initial=initial,
            after_review=plan.held[-1] if plan.held else None,
        )
        review.full_clean(
            exclude=["child", "after_review"], validate_unique=False, validate_constraints=False
        )
        planned.append(review)
    create_recorded(PlannedReview, planned)
    create_recorded(
        PlannedStep,
        [
            PlannedStep(planned=review, kind=step, assignee=owner, due_on=dates.get(step))
            for review in planned
            for dates in [_planned_dates(review, rules)]
            for step, owner in _planned_owners(review.child, review.kind).items()
        ],
    )


@transaction.atomic
def children_add_history(*, items: list[tuple], by: User | None, rules=None) -> None:
    """child_update_details and child_record_history for many held children at once:
    (child id, details changed, key dates, reviews held), then their schedules. What is
    recorded already is not added again; a restricted child stays restricted."""
    rules = rules or schedule.load_rules()
    children = Child.objects.select_for_update().in_bulk([pk for pk, *_ in items])
    if len(children) < len({pk for pk, *_ in items}):
        raise IntegrityError("The children changed while importing.")
    known = {pk: (set(), set()) for pk in children}
    for pk, kind, on in KeyDate.objects.filter(child__in=list(children)).values_list(
        "child_id", "kind", "on"
    ):
        known[pk][0].add((kind, on))
    for pk, kind, held_on in Review.objects.filter(child__in=list(children)).values_list(
        "child_id", "kind", "held_on"
    ):
        known[pk][1].add((kind, held_on))
    now, entries, updated, lines, pairs = timezone.now(), [], [], [], []
    for pk, changes, key_dates, reviews in items:
        child = children[pk]
        changes = {k: v for k, v in changes.items() if k in CHILD_DETAILS}
        if child.restricted:
            changes.pop("restricted", None)
        if changes:
            if changes.get("date_of_birth"):
                _not_in_future(changes["date_of_birth"], "date_of_birth", "the child was born")
            before = snapshot(child)
            for name, value in changes.items():
                setattr(child, name, value)
            child.lock_version += 1  # as lock_row
            child.updated_at = now
            child.full_clean(
                exclude=["team", "social_worker", "reviewing_officer"],
                validate_unique=False,  # the id is not among the details changed
                validate_constraints=False,
            )
            entries.append((CHANGED, snapshot(child), before, None))
            updated.append(child)
            lines.append(
                ChildLog(
                    child=child,
                    actor=by,
                    summary="Details updated from the council's records.",
                    data={"fields": sorted(changes)},
                )
            )
        new = NewChild(
            child.reference,
            {},
            key_dates=set(key_dates) - known[pk][0],
            reviews=set(reviews) - known[pk][1],
        )
        pairs.append((child, new))
    entries_recorded(entries)  # the rows are written with their schedule, below
    create_rows(ChildLog, lines, ids=False)
    _history_many(pairs, by)
    children_refresh_schedule_many(
        children=list(children.values()),
        rules=rules,
        unwritten=[(updated, [*CHILD_DETAILS, "updated_at", "lock_version"])],
    )


# Changes to held records in batches: an import of files already loaded -----------------------
#
# What child_update_details, child_allocate and child_refresh_schedule do for each changed row
# of a file, for a batch of held children in a few statements instead of a dozen or so each:
# the same checks, records, history lines and audit entries.

DETAILS_UPDATED = "Details updated from the council's records."


def _children_locked(ids, *, holders: bool = False) -> dict[int, Child]:
    """These children read again and locked for the transaction (with their social worker and
    IRO when `holders`, who own the steps before a review). One gone since the import was
    checked is refused, and the whole import with it."""
    wanted = set(ids)
    rows = Child.objects.select_for_update(of=("self",))
    if holders:
        rows = rows.select_related("social_worker", "reviewing_officer")
    children = rows.in_bulk(wanted)
    if len(children) < len(wanted):
        raise IntegrityError("The children changed while importing.")
    return children


@transaction.atomic
def children_update_many(*, items: list[tuple], by: User | None, rules=None) -> None:
    """What the children file does to each held child that changed, for many at once:
    child_update_details with the details changed, a new team from today (child_allocate), and
    child_refresh_schedule. Each item is (child id, details changed, the new team or None)."""
    rules = rules or schedule.load_rules()
    children = _children_locked([pk for pk, *_ in items], holders=True)
    _details_update_many([(children[pk], changes) for pk, changes, _ in items if changes], by)
    today = _today()
    _allocations_change(
        [(children[pk], Allocation.Kind.TEAM, team, today) for pk, _, team in items if team],
        by,
    )
    children_refresh_schedule_many(children=list(children.values()), rules=rules)


@transaction.atomic
def allocations_change_many(*, items: list[tuple], by: User | None) -> None:
    """child_allocate for many held children at once: (child id, kind, worker or team, from).
    Each child's current allocation of the kind ends the day the new one starts; the child's
    current team and workers, and the steps before their next review, follow."""
    children = _children_locked([pk for pk, *_ in items], holders=True)
    _allocations_change([(children[pk], *rest) for pk, *rest in items], by)


def _details_update_many(pairs: list[tuple[Child, dict]], by: User | None) -> None:
    """child_update_details for these locked children: one audit entry and history line each."""
    now, entries, lines = timezone.now(), [], []
    for child, changes in pairs:
        changes = {k: v for k, v in changes.items() if k in CHILD_DETAILS}
        if changes.get("date_of_birth"):
            _not_in_future(changes["date_of_birth"], "date_of_birth", "the child was born")
        if child.restricted:
            changes.pop("restricted", None)  # only a person, in the admin, lifts it
        before = snapshot(child)
        for name, value in changes.items():
            setattr(child, name, value)
        child.lock_version += 1  # as lock_row
        child.updated_at = now
        # Its team and workers are rows held here, and its id is not among the details.
        child.full_clean(
            exclude=["team", "social_worker", "reviewing_officer"],
            validate_unique=False,
            validate_constraints=False,
        )
        entries.append((CHANGED, snapshot(child), before, None))
        fields = {"fields": sorted(changes)}
        lines.append(ChildLog(child=child, actor=by, summary=DETAILS_UPDATED, data=fields))
    written = [child for child, _ in pairs]
    update_rows_recorded(Child, written, [*CHILD_DETAILS, "updated_at", "lock_version"], entries)
    ChildLog.objects.bulk_create(lines, batch_size=2000)


def _allocations_change(items: list[tuple], by: User | None) -> None:
    """child_allocate for each (locked child, kind, holder, from). A child with two changes (a
    social worker and an IRO) has them in turns, each seeing what the one before wrote, as one
    call after the other would."""
    for turn in _turns(items):
        _allocations_end(turn)
        _allocations_start(turn, by)


def _turns(items: list[tuple]) -> list[list[tuple]]:
    """The items in turns, each child at most once a turn, in the order given."""
    turns: list[list[tuple]] = []
    seen: dict[int, int] = {}
    for item in items:
        turn = seen.get(item[0].pk, 0)
        seen[item[0].pk] = turn + 1
        if turn == len(turns):
            turns.append([])
        turns[turn].append(item)
    return turns


def _allocations_end(items: list[tuple]) -> None:
    """The current allocation of each item's kind ends on the day the new one starts."""
    current = {
        (allocation.child_id, allocation.kind): allocation
        for allocation in Allocation.objects.filter(
            child__in=[child.pk for child, *_ in items], end_date__isnull=True
        ).select_related("worker", "team")  # its name, for the audit entry
    }
    ended, entries = [], []
    for child, kind, _holder, start in items:
        allocation = current.get((child.pk, kind))
        if allocation is None:
            continue
        if start < allocation.start_date:
            raise ValidationError(
                {"start_date": "The new allocation must start on or after the current one."}
            )
        before = snapshot(allocation)
        allocation.end_date = start
        allocation.full_clean(exclude=_HELD, validate_unique=False, validate_constraints=False)
        entries.append((CHANGED, snapshot(allocation), before, ["end_date"]))
        ended.append(allocation)
    update_rows_recorded(Allocation, ended, ["end_date"], entries)


def _allocations_start(items: list[tuple], by: User | None) -> None:
    """The new allocations, each the child's current one of its kind (the one before has ended):
    the child's team or worker set, and the steps before the next review following a worker."""
    allocations = _allocations_created(items, by)
    now, entries, followed = timezone.now(), [], {}
    for allocation in allocations:
        child, name = allocation.child, _CHILD_FIELD[allocation.kind]
        before = snapshot(child)
        setattr(child, name, allocation.holder)
        child.lock_version += 1  # an admin form loaded before this allocation is refused
        child.updated_at = now
        entries.append((CHANGED, snapshot(child), before, [name, "updated_at", "lock_version"]))
        if allocation.kind != Allocation.Kind.TEAM:
            followed[child.pk] = child
    update_rows_recorded(
        Child,
        [allocation.child for allocation in allocations],
        [*_CHILD_FIELD.values(), "updated_at", "lock_version"],
        entries,
    )
    _planned_owners_follow_batch(list(followed.values()))


def _planned_owners_follow_batch(children: list[Child]) -> None:
    """_planned_owners_follow for many children: the open steps before their next review that
    change owner are written together, with the audit entry step.save() would give each."""
    if not children:
        return
    by_id = {child.pk: child for child in children}
    steps = (
        PlannedStep.objects.select_for_update(of=("self",))
        .select_related("planned")
        .filter(
            planned__child__in=list(by_id), planned__closed_on__isnull=True, done_on__isnull=True
        )
    )
    changed, entries = [], []
    for step in steps:
        owner = _planned_owners(by_id[step.planned.child_id], step.planned.kind).get(step.kind)
        if step.assignee_id == (owner.pk if owner else None):
            continue
        before = snapshot(step)
        step.assignee = owner
        step.lock_version += 1
        entries.append((CHANGED, snapshot(step), before, None))
        changed.append(step)
    update_rows_recorded(PlannedStep, changed, ["assignee", "lock_version"], entries)
