"""Reminders and chases about statutory reviews, the work that follows them, QAPRs and QAPR
recommendations, queued by the chase scan for the working day a run works for.

- Decisions the team manager did not consider in time are taken as agreed (the service records
  that and tells the team manager and the chair).
- Work after a review (`ReviewStep`): a reminder the working day before it is due and a note on
  the day, to the person it is assigned to; then a chase while it is overdue.
- Work before a review (`PlannedStep`: invitations, consulting the child, the social worker's
  report, the IRO's visit and its note; seed 004): the same reminder, note and chase.
- A child's next review or conference, and their next QAPR: a heads-up to the reviewing officer
  10 working days before it is due, then a chase while it is overdue.
- A recommendation from a finalised QAPR not done by its date: a chase to its owner and, in a
  message of its own, to the QAPR's author.

These rows have no "last chased" column. Whether a day is a chase day is worked out from how
many working days late the thing is (see `is_chase_day`), and each message's key names the day,
so a second run for the same working day (a rerun, the night before and the morning, two at
once) selects the same rows and queues nothing new.

Each selection is one query over an indexed date (ReviewStep (done_on, due_on), Child
review_due_on and qapr_due_on, Recommendation (done_on, due_on)); the rows that qualify are
loaded in chunks with everything their messages need, so the queries do not grow with the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from cases.models import Child, ChildStatus, PlannedStep, ReviewStep
from cases.reviewer import Reviewer, reviewers_for
from cases.services import review_steps_agree_by_silence
from notifications.models import Kind, Notification
from notifications.services import Message
from prp import workdays
from prp.models import User
from qapr.models import Qapr, QaprState, Recommendation

from .chase import _chunks, _queue

# The heads-up before a child's review or QAPR is due, in working days.
HEADS_UP_WORKING_DAYS = 10

REVIEWED_STATUSES = (ChildStatus.CHILD_IN_CARE, ChildStatus.CHILD_PROTECTION)


def review_scan(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """Queue the review, QAPR and recommendation messages for the working day `day`, to be
    sent no earlier than `send_after`. Adds how many of each kind were queued to `counts`."""
    _agree_by_silence(day, send_after, counts)
    _steps_due(day, send_after, counts)
    _steps_overdue(day, send_after, counts)
    _planned_steps_due(day, send_after, counts)
    _planned_steps_overdue(day, send_after, counts)
    _children_due(day, send_after, counts)
    _recommendations_overdue(day, send_after, counts)


# Helpers -------------------------------------------------------------------------------------


def is_chase_day(due_on: dt.date, day: dt.date) -> bool:
    """Chased on the first working day late and every N working days after (1, 1 + N,
    1 + 2N, ... working days late), N being settings.CHASE_EVERY_WORKING_DAYS.

    Counted from the due date, not from when the last chase went: the rows have no column to
    stamp, and the count gives the same answer however often the scan runs on a day. If the
    scan does not run on a chase day, that chase is missed and the next comes N working days on.
    """
    late = workdays.working_days_between(due_on, day)
    every = max(settings.CHASE_EVERY_WORKING_DAYS, 1)
    return late >= 1 and (late - 1) % every == 0


def _heads_up_dates(day: dt.date) -> dict:
    """Due dates that are HEADS_UP_WORKING_DAYS working days after `day` (with the closed days
    just before that working day, so a date on a weekend still gets its one heads-up)."""
    return {
        "gt": workdays.add_working_days(day, HEADS_UP_WORKING_DAYS - 1),
        "lte": workdays.add_working_days(day, HEADS_UP_WORKING_DAYS),
    }


def _chase_ids(selection: QuerySet, field: str, day: dt.date) -> list[int]:
    """The ids of the overdue rows whose chase day is `day`: one query for the dates."""
    rows = selection.order_by(field, "pk").values_list("pk", field)
    return [pk for pk, due_on in rows if is_chase_day(due_on, day)]


def _run(
    selection: QuerySet, ids: list[int], build: Callable[[list], list[Message]], counts: Counter
) -> None:
    """Load the rows chunk by chunk and queue their messages, each chunk in one transaction."""
    for chunk in _chunks(ids):
        with transaction.atomic():
            rows = list(selection.filter(pk__in=chunk).order_by("pk"))
            if rows:
                _queue(build(rows), counts)


def named_on(children: list[Child]) -> dict[int, set[int]]:
    """The people named on each restricted child's record, in one query (none if there are no
    restricted children)."""
    restricted = [child.pk for child in children if child.restricted]
    named: dict[int, set[int]] = {}
    if restricted:
        through = Child.named_users.through
        pairs = through.objects.filter(child_id__in=restricted).values_list("child_id", "user_id")
        for child_id, user_id in pairs:
            named.setdefault(child_id, set()).add(user_id)
    return named


def may_hear(person: User | None, child: Child, named: dict[int, set[int]]) -> bool:
    """Nothing about a restricted child goes to anyone but the people allocated to them or
    named on their record: the rule that decides who may see the child (cases.selectors)."""
    if person is None:
        return False
    if not child.restricted:
        return True
    allocated = (child.social_worker_id, child.reviewing_officer_id)
    return person.pk in allocated or person.pk in named.get(child.pk, set())


def meeting_name(child: Child) -> str:
    if child.status == ChildStatus.CHILD_PROTECTION:
        return "child protection conference"
    return "child in care review"


def _step_url(step: ReviewStep) -> str:
    return reverse("cases:step_complete", args=[step.pk])


def _reviews_url(child: Child) -> str:
    return reverse("cases:child_reviews", args=[child.pk])


def _qapr_url(qapr_pk: int) -> str:
    return reverse("qapr:qapr_detail", args=[qapr_pk])


# Review decisions taken as agreed --------------------------------------------------------------


def _agree_by_silence(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """Decisions not considered by their date are taken as agreed. The service records it and
    queues the messages (to the team manager and the chair); they are counted here by key."""
    late = list(
        ReviewStep.objects.filter(
            kind=ReviewStep.Kind.DECISIONS_CONSIDERED, done_on__isnull=True, due_on__lt=day
        ).values_list("pk", "assignee_id", "review__chair_id")
    )
    if not late:
        return
    review_steps_agree_by_silence(today=day, send_after=send_after)
    # The keys cases.messages.agreed_by_silence gives its messages.
    keys = [
        f"agreed_by_silence:step:{pk}:{person}"
        for pk, assignee, chair in late
        for person in {assignee, chair} - {None}
    ]
    queued = Notification.objects.filter(key__in=keys).count()
    if queued:
        counts[str(Kind.AGREED_BY_SILENCE)] += queued


# Work after a review ---------------------------------------------------------------------------


def _open_steps() -> QuerySet:
    return ReviewStep.objects.filter(
        done_on__isnull=True,
        assignee__isnull=False,
        review__child__archived_at__isnull=True,
    ).select_related("assignee", "review__chair", "review__child")


def _step_messages(steps, kind: str, day: dt.date, send_after, **extra) -> list[Message]:
    """Messages about work after a review (ReviewStep)."""
    named = named_on([step.review.child for step in steps])
    messages = []
    for step in steps:
        review, child = step.review, step.review.child
        if not may_hear(step.assignee, child, named):
            continue
        context = {
            "step": step,
            "review": review,
            "child": child,
            "chase_every": settings.CHASE_EVERY_WORKING_DAYS,
            "days_late": workdays.working_days_between(step.due_on, day),
            "due_today": step.due_on == day,
            **extra,
        }
        messages.append(
            Message(
                step.assignee,
                kind,
                f"{kind}:step:{step.pk}:{day.isoformat()}:{step.assignee_id}",
                context,
                url=_step_url(step),
                child=child,
                send_after=send_after,
            )
        )
    return messages


def _steps_due(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """A reminder the working day before (a date on a weekend is reminded on the Friday) and a
    note on the day, to the person the step is assigned to."""
    tomorrow = workdays.add_working_days(day, 1)
    selection = _open_steps().filter(due_on__gte=day, due_on__lte=tomorrow)
    ids = list(selection.order_by("due_on", "pk").values_list("pk", flat=True))

    def build(steps):
        return _step_messages(steps, Kind.REVIEW_STEP_DUE, day, send_after)

    _run(selection, ids, build, counts)


def _steps_overdue(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """Chase the assignee on each chase day. Decisions not considered in time are not chased:
    they have just been taken as agreed."""
    selection = (
        _open_steps().filter(due_on__lt=day).exclude(kind=ReviewStep.Kind.DECISIONS_CONSIDERED)
    )

    def build(steps):
        return _step_messages(steps, Kind.REVIEW_STEP_OVERDUE, day, send_after)

    _run(selection, _chase_ids(selection, "due_on", day), build, counts)


# Work before a review (seed 004) ----------------------------------------------------------------


def _open_planned_steps() -> QuerySet:
    """Steps of the child's next review; and, once that review is held, a visit note still to
    write (it counts from the visit, not the review)."""
    return (
        PlannedStep.objects.filter(
            done_on__isnull=True,
            assignee__isnull=False,
            planned__child__archived_at__isnull=True,
            # As for the review itself: a child no longer in care or on a plan is not chased.
            planned__child__status__in=REVIEWED_STATUSES,
        )
        .filter(
            Q(planned__closed_on__isnull=True)
            | Q(kind=PlannedStep.Kind.VISIT_NOTE, planned__held_review__isnull=False)
        )
        .select_related("assignee", "planned__child")
    )


def _visits(steps) -> dict[int, dt.date]:
    """When the IRO visited, for the notes about those visits (one query)."""
    planned = [s.planned_id for s in steps if s.kind == PlannedStep.Kind.VISIT_NOTE]
    if not planned:
        return {}
    visits = PlannedStep.objects.filter(
        planned_id__in=planned, kind=PlannedStep.Kind.IRO_VISIT, done_on__isnull=False
    )
    return dict(visits.values_list("planned_id", "done_on"))


def _planned_messages(steps, kind: str, day: dt.date, send_after) -> list[Message]:
    named = named_on([step.planned.child for step in steps])
    visits = _visits(steps)
    messages = []
    for step in steps:
        planned, child = step.planned, step.planned.child
        if not may_hear(step.assignee, child, named):
            continue
        context = {
            "step": step,
            "planned": planned,
            "child": child,
            "visit_on": visits.get(planned.pk)
            if step.kind == PlannedStep.Kind.VISIT_NOTE
            else None,
            "beyond_latest": step.is_beyond_latest_on(day),
            "chase_every": settings.CHASE_EVERY_WORKING_DAYS,
            "days_late": workdays.working_days_between(step.due_on, day),
            "due_today": step.due_on == day,
        }
        messages.append(
            Message(
                step.assignee,
                kind,
                f"{kind}:planned:{step.pk}:{day.isoformat()}:{step.assignee_id}",
                context,
                url=reverse("cases:planned_step_complete", args=[step.pk]),
                child=child,
                send_after=send_after,
            )
        )
    return messages


def _planned_steps_due(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    tomorrow = workdays.add_working_days(day, 1)
    selection = _open_planned_steps().filter(due_on__gte=day, due_on__lte=tomorrow)
    ids = list(selection.order_by("due_on", "pk").values_list("pk", flat=True))

    def build(steps):
        return _planned_messages(steps, Kind.REVIEW_STEP_DUE, day, send_after)

    _run(selection, ids, build, counts)


def _planned_steps_overdue(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    selection = _open_planned_steps().filter(due_on__lt=day)

    def build(steps):
        return _planned_messages(steps, Kind.REVIEW_STEP_OVERDUE, day, send_after)

    _run(selection, _chase_ids(selection, "due_on", day), build, counts)


# Reviews and QAPRs coming due ------------------------------------------------------------------


def _children_due(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """The reviewing officer hears 10 working days before the child's next review (or QAPR) is
    due, and on each chase day while it is overdue."""
    children = Child.objects.filter(
        status__in=REVIEWED_STATUSES,
        archived_at__isnull=True,
    ).select_related("reviewing_officer")
    drafts = Qapr.objects.filter(child=OuterRef("pk"), state=QaprState.DRAFT).order_by(
        "-created_at", "-pk"
    )
    dates = _heads_up_dates(day)
    for kind, field in ((Kind.REVIEW_DUE, "review_due_on"), (Kind.QAPR_DUE, "qapr_due_on")):
        soon = children.filter(**{f"{field}__gt": dates["gt"], f"{field}__lte": dates["lte"]})
        late = children.filter(**{f"{field}__lt": day})
        if kind == Kind.QAPR_DUE:
            # A draft already started is named in the message, and the link goes to it.
            soon = soon.annotate(draft_pk=Subquery(drafts.values("pk")[:1]))
            late = late.annotate(draft_pk=Subquery(drafts.values("pk")[:1]))

        def build(rows, kind=kind, field=field):
            reviewers = reviewers_for(rows)
            return [
                _child_message(child, reviewers[child.pk], person, kind, field, day, send_after)
                for child in rows
                for person in reviewers[child.pk].people
            ]

        soon_ids = list(soon.order_by(field, "pk").values_list("pk", flat=True))
        _run(soon, soon_ids, build, counts)
        _run(late, _chase_ids(late, field, day), build, counts)


def _child_message(
    child: Child, reviewer: Reviewer, officer: User, kind: str, field: str, day: dt.date, send_after
) -> Message:
    """To the reviewing officer, or the service manager standing in (cases.reviewer), who is
    told why it came to them."""
    due_on = getattr(child, field)
    draft_pk = getattr(child, "draft_pk", None)
    context = {
        "child": child,
        "due_on": due_on,
        "overdue": due_on < day,
        "days_late": workdays.working_days_between(due_on, day),
        "days_left": HEADS_UP_WORKING_DAYS,
        "meeting": meeting_name(child),
        "reason": child.review_due_reason if kind == Kind.REVIEW_DUE else "",
        "has_draft": draft_pk is not None,
        "chase_every": settings.CHASE_EVERY_WORKING_DAYS,
        "reviewer": reviewer,
    }
    if kind == Kind.QAPR_DUE:
        url = _qapr_url(draft_pk) if draft_pk else reverse("qapr:qapr_due")
    else:
        url = _reviews_url(child)
    return Message(
        officer,
        kind,
        f"{kind}:child:{child.pk}:{day.isoformat()}:{officer.pk}:{due_on.isoformat()}",
        context,
        url=url,
        child=child,
        send_after=send_after,
    )


# QAPR recommendations --------------------------------------------------------------------------


def _recommendations_overdue(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """The owner, and the QAPR's author in a message of their own, on each chase day."""
    selection = Recommendation.objects.filter(
        done_on__isnull=True,
        archived_at__isnull=True,
        due_on__lt=day,
        qapr__state=QaprState.FINALISED,
        qapr__child__archived_at__isnull=True,
    ).select_related("owner", "qapr__author", "qapr__child")

    def build(recommendations):
        named = named_on([r.qapr.child for r in recommendations])
        messages = []
        for recommendation in recommendations:
            qapr, child = recommendation.qapr, recommendation.qapr.child
            context = {
                "recommendation": recommendation,
                "qapr": qapr,
                "child": child,
                "days_late": workdays.working_days_between(recommendation.due_on, day),
                "chase_every": settings.CHASE_EVERY_WORKING_DAYS,
            }
            people = {p.pk: p for p in (recommendation.owner, qapr.author)}
            messages += [
                Message(
                    person,
                    Kind.RECOMMENDATION_OVERDUE,
                    f"recommendation_overdue:rec:{recommendation.pk}:{day.isoformat()}:{person.pk}",
                    context,
                    url=_qapr_url(qapr.pk),
                    child=child,
                    send_after=send_after,
                )
                for person in people.values()
                if may_hear(person, child, named)
            ]
        return messages

    _run(selection, _chase_ids(selection, "due_on", day), build, counts)
