"""The chase scan: reminders, due-today notes, overdue chases, formal-limit warnings and overdue
actions, queued in the outbox for the working day a run works for.

Every selection is an indexed query over due dates (Task (state, due_on), Action (done_on,
due_on)); only the rows that qualify are loaded, in chunks, each chunk in its own transaction.
Running the scan twice, or two at once, queues nothing new: each message's key names its task or
concern, its day and its recipient, and the overdue chase and the action warning also stamp the
day on the row (re-checked under a row lock), so a second run does not even select them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from cases.reviewer import reviewers_for
from escalations.models import (
    LIVE_STATES,
    Action,
    Concern,
    ConcernChild,
    ConcernState,
    Task,
    TaskState,
)
from notifications.models import Kind, Notification
from notifications.services import Message, notify
from prp import workdays
from prp.models import Protocol, RoleCode, User

from . import schedule

# Rows locked, rendered and queued per transaction: short enough that the SQLite write lock
# (and PostgreSQL's row locks) are held for well under a second.
CHUNK = 200


# Helpers -------------------------------------------------------------------------------------


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def children_by_concern(concern_ids: Iterable[int]) -> dict[int, list]:
    """The children of each concern, primary first, in one query."""
    children: dict[int, list] = {}
    links = (
        ConcernChild.objects.filter(concern_id__in=set(concern_ids))
        .select_related("child")
        .order_by("concern_id", "-is_primary", "id")
    )
    for link in links:
        children.setdefault(link.concern_id, []).append(link.child)
    return children


def _context(concern: Concern, children: dict[int, list], **extra) -> dict:
    kids = children.get(concern.pk, [])
    return {"concern": concern, "child": kids[0] if kids else None, "children": kids, **extra}


def _task_url(task: Task) -> str:
    return reverse("escalations:task_detail", args=[task.pk])


def _concern_url(concern: Concern) -> str:
    return reverse("escalations:concern_detail", args=[concern.pk])


def _queue(messages: list[Message], counts: Counter) -> None:
    """Queue the messages not queued before (so a re-run renders nothing) and count them."""
    if not messages:
        return
    existing = set(
        Notification.objects.filter(key__in=[m.key[:200] for m in messages]).values_list(
            "key", flat=True
        )
    )
    fresh = [m for m in messages if m.key[:200] not in existing]
    for message in fresh:
        if message.recipient is not None and message.recipient.is_active:
            counts[str(message.kind)] += 1
    notify(*fresh)


def _process(
    selection: QuerySet,
    build: Callable[[list], list[Message]],
    counts: Counter,
    *,
    stamp: dict | None = None,
) -> None:
    """Load the qualifying rows chunk by chunk, queue their messages, and stamp them.

    Each chunk is re-selected under a row lock inside its own transaction, so a concurrent scan
    that already stamped a row (and committed) no longer selects it.
    """
    # In due-date order, as the (state, due_on) and (done_on, due_on) indexes hold them; one
    # order for every scan, so two scans at once lock rows in the same order.
    ids = list(selection.order_by("due_on", "pk").values_list("pk", flat=True))
    for chunk in _chunks(ids):
        with transaction.atomic():
            rows = list(
                selection.filter(pk__in=chunk)
                .order_by("due_on", "pk")
                .select_for_update(of=("self",))
            )
            if not rows:
                continue
            _queue(build(rows), counts)
            if stamp:
                selection.model.objects.filter(pk__in=[row.pk for row in rows]).update(**stamp)


def _task_rows(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "assignee__line_manager",
        "assignee__team__manager",
        "stage__protocol_stage",
        "stage__concern__raised_by",
    )


def manager_of(person: User) -> User | None:
    """Who is copied on a chase: the person's line manager, else their team's manager."""
    if person.line_manager_id and person.line_manager.is_active:
        return person.line_manager
    team = person.team
    if team is not None and team.manager_id and team.manager_id != person.pk:
        return team.manager
    return None


def _started_by(day: dt.date, working_days: int) -> dt.date:
    """The latest start date from which at least `working_days` working days have passed by
    `day` (a working day), counting as prp.workdays.working_days_between does."""
    if working_days <= 0:
        return day
    return workdays.add_working_days(day, -(working_days - 1)) - dt.timedelta(days=1)


# The scan ------------------------------------------------------------------------------------


def chase_scan(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue every reminder and chase for the working day a run at `now` works for (those
    about reviews, QAPRs and their recommendations are in notifications.review_chase).

    A run at night, at a weekend or on a bank holiday works for the next working day and its
    messages wait for that morning. Returns how many messages of each kind were queued.
    """
    now = now or timezone.now()
    day = schedule.work_date(now)
    send_after = schedule.send_time(now)
    counts: Counter = Counter()
    _due_soon(day, send_after, counts)
    _overdue(day, send_after, counts)
    _formal_limits(day, send_after, counts)
    _overdue_actions(day, send_after, counts)
    # Imported here: the review scan builds on this module's helpers.
    from .review_chase import review_scan

    review_scan(day, send_after, counts)
    return dict(counts)


def _due_soon(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """A reminder the working day before a response is due, and a note on the day."""
    tomorrow = workdays.add_working_days(day, 1)
    for kind, dates in (
        # Due after today up to the next working day (an agreed date may fall on a weekend).
        (Kind.REMINDER, Q(due_on__gt=day, due_on__lte=tomorrow)),
        (Kind.DUE_TODAY, Q(due_on=day)),
    ):
        selection = _task_rows(Task.objects.filter(dates, state=TaskState.ACTIVE))

        def build(tasks, kind=kind):
            children = children_by_concern(t.stage.concern_id for t in tasks)
            return [
                Message(
                    task.assignee,
                    kind,
                    f"{kind}:task:{task.pk}:{day.isoformat()}",
                    _context(
                        task.stage.concern,
                        children,
                        task=task,
                        stage=task.stage,
                        assignee=task.assignee,
                        chase_every=settings.CHASE_EVERY_WORKING_DAYS,
                    ),
                    url=_task_url(task),
                    concern=task.stage.concern,
                    task=task,
                    send_after=send_after,
                )
                for task in tasks
            ]

        _process(selection, build, counts)


def overdue_selection(day: dt.date) -> QuerySet:
    """Active tasks past their due date that were never chased, or not for N working days."""
    every = settings.CHASE_EVERY_WORKING_DAYS
    chase_again = workdays.add_working_days(day, -every)
    return Task.objects.filter(
        Q(last_chased_on__isnull=True) | Q(last_chased_on__lte=chase_again),
        state=TaskState.ACTIVE,
        due_on__lt=day,
    )


def _overdue(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """Chase the assignee, copy their manager, and prompt the raiser to consider escalating."""
    stamp = day.isoformat()

    def build(tasks):
        children = children_by_concern(t.stage.concern_id for t in tasks)
        messages = []
        for task in tasks:
            concern = task.stage.concern
            assignee = task.assignee
            raiser = concern.raised_by
            manager = manager_of(assignee)
            if manager is not None and manager.pk in (assignee.pk, raiser.pk):
                manager = None  # the raiser hears through the prompt; nobody copies themself
            context = _context(
                concern,
                children,
                task=task,
                stage=task.stage,
                assignee=assignee,
                manager=manager,
                raiser=raiser,
                days_late=workdays.working_days_between(task.due_on, day),
                chase_every=settings.CHASE_EVERY_WORKING_DAYS,
            )
            common = {"concern": concern, "task": task, "send_after": send_after}
            messages.append(
                Message(
                    assignee,
                    Kind.OVERDUE,
                    f"overdue:task:{task.pk}:{stamp}:{assignee.pk}",
                    context,
                    url=_task_url(task),
                    **common,
                )
            )
            if manager is not None:
                messages.append(
                    Message(
                        manager,
                        Kind.OVERDUE_COPY,
                        f"overdue_copy:task:{task.pk}:{stamp}:{manager.pk}",
                        context,
                        url=_concern_url(concern),
                        **common,
                    )
                )
            if raiser.pk != assignee.pk:
                messages.append(
                    Message(
                        raiser,
                        Kind.ESCALATE_PROMPT,
                        f"escalate_prompt:task:{task.pk}:{stamp}:{raiser.pk}",
                        context,
                        url=_concern_url(concern),
                        **common,
                    )
                )
        return messages

    _process(_task_rows(overdue_selection(day)), build, counts, stamp={"last_chased_on": day})


def formal_selection(day: dt.date) -> tuple[QuerySet, QuerySet]:
    """Open formal concerns near the protocol's limit, and past it, not yet warned about.

    One aggregate query each: the first formal stage's opening date (Min over stages above the
    informal level) against the latest start that has used up the limit by `day`, for each
    limit the protocols use (a handful).
    """
    warning = settings.FORMAL_LIMIT_WARNING_DAYS
    limits = set(Protocol.objects.values_list("formal_limit_days", flat=True))
    near_q, passed_q = Q(pk__in=[]), Q(pk__in=[])
    for limit in limits:
        near_q |= Q(limit=limit, formal_start__lte=_started_by(day, limit - warning))
        passed_q |= Q(limit=limit, formal_start__lte=_started_by(day, limit + 1))

    def warned(*kinds):
        return Exists(Notification.objects.filter(concern=OuterRef("pk"), kind__in=kinds))

    formal = (
        Concern.objects.filter(state=ConcernState.FORMAL)
        .annotate(
            limit=F("protocol__formal_limit_days"),
            formal_start=Min("stages__opened_on", filter=Q(stages__level__gt=0)),
        )
        .select_related("raised_by", "current_stage__protocol_stage")
        .order_by("pk")
    )
    passed = formal.filter(passed_q).exclude(warned(Kind.FORMAL_LIMIT_PASSED))
    near = (
        formal.filter(near_q)
        .exclude(passed_q)
        .exclude(warned(Kind.FORMAL_LIMIT_NEAR, Kind.FORMAL_LIMIT_PASSED))
    )
    return near, passed


def _formal_limits(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """Warn every reviewing service manager once when a concern's formal stages near the
    limit, and once when they pass it."""
    managers = list(
        User.objects.filter(is_active=True, roles__code=RoleCode.REVIEWING_SERVICE_MANAGER)
        .distinct()
        .order_by("pk")
    )
    if not managers:
        return
    near, passed = formal_selection(day)
    for kind, selection in ((Kind.FORMAL_LIMIT_NEAR, near), (Kind.FORMAL_LIMIT_PASSED, passed)):
        concerns = list(selection)
        if not concerns:
            continue
        children = children_by_concern(c.pk for c in concerns)
        messages = []
        for concern in concerns:
            formal_days = workdays.working_days_between(concern.formal_start, day)
            context = _context(
                concern,
                children,
                stage=concern.current_stage,
                formal_days=formal_days,
                limit=concern.limit,
                limit_date=workdays.add_working_days(concern.formal_start, concern.limit),
                days_left=max(concern.limit - formal_days, 0),
                days_over=max(formal_days - concern.limit, 0),
                formal_start=concern.formal_start,
            )
            messages += [
                Message(
                    manager,
                    kind,
                    f"{kind}:concern:{concern.pk}:{manager.pk}",
                    context,
                    url=_concern_url(concern),
                    concern=concern,
                    send_after=send_after,
                )
                for manager in managers
            ]
        with transaction.atomic():
            _queue(messages, counts)


def action_selection(day: dt.date) -> QuerySet:
    """Agreed actions past their date, never chased or not for N working days: chased until
    done, also once the concern is resolved (the IRO monitors them, seed 004)."""
    chase_again = workdays.add_working_days(day, -settings.CHASE_EVERY_WORKING_DAYS)
    return Action.objects.filter(
        Q(last_chased_on__isnull=True) | Q(last_chased_on__lte=chase_again),
        done_on__isnull=True,
        due_on__lt=day,
        archived_at__isnull=True,
        concern__state__in=(*LIVE_STATES, ConcernState.RESOLVED),
    )


def _overdue_actions(day: dt.date, send_after: dt.datetime, counts: Counter) -> None:
    """Chase the action's owner (if they use the service) and the raiser."""

    def build(actions):
        children = children_by_concern(a.concern_id for a in actions)
        # The IRO / CP Chair monitors the actions (seed 004). When the raiser no longer uses
        # the service, the child's reviewer does: their IRO or CP Chair, or the reviewing
        # service manager standing in (cases.reviewer, seed 000 §6).
        orphaned = [
            children[a.concern_id][0]
            for a in actions
            if not a.concern.raised_by.is_active and children.get(a.concern_id)
        ]
        reviewers = reviewers_for(list({c.pk: c for c in orphaned}.values()))
        messages = []
        for action in actions:
            concern = action.concern
            monitors = [concern.raised_by]
            standing_in = None
            if not concern.raised_by.is_active and children.get(concern.pk):
                standing_in = reviewers[children[concern.pk][0].pk]
                monitors = list(standing_in.people)
            people = {p.pk: p for p in (action.owner, *monitors) if p is not None}
            context = _context(
                concern,
                children,
                action=action,
                days_late=workdays.working_days_between(action.due_on, day),
                chase_every=settings.CHASE_EVERY_WORKING_DAYS,
            )
            messages += [
                Message(
                    person,
                    Kind.ACTION_OVERDUE,
                    f"action_overdue:action:{action.pk}:{day.isoformat()}:{person.pk}",
                    {**context, "reviewer": standing_in if person in monitors else None},
                    url=_concern_url(concern),
                    concern=concern,
                    send_after=send_after,
                )
                for person in people.values()
            ]
        return messages

    selection = action_selection(day).select_related("owner", "concern__raised_by")
    _process(selection, build, counts, stamp={"last_chased_on": day})
