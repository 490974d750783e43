"""Demo reviews for the demo authority: key dates, statutory reviews and conferences, the work
after each review, and significant changes, made through the same services the pages use.

Everything is dated back from the day it is loaded, so whatever the day the demo shows reviews
overdue, due soon and well in hand. Each family's history is planned first (when the child came
into care or the strategy discussion was held, when each review was held, following the
authority's timescales) and then played forward in date order, one service call per event. The
services refuse only dates in the future, so every date here is today or earlier; afterwards the
history lines, messages and "recorded at" times are moved back to the day each thing happened.

QAPRs come from demo.qaprs, played in the same date order so each lands in the window between
the reviews it belongs to. The random generator is seeded, so the same day gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import (
    Allocation,
    Child,
    ChildLog,
    ChildStatus,
    KeyDate,
    LegalStatus,
    PlannedReview,
    PlannedStep,
    Review,
    ReviewStep,
    SignificantChange,
)
from cases.schedule import add_months, on_or_before_working_day
from notifications.models import Notification
from prp import workdays
from prp.models import User
from qapr.models import Qapr

from . import qaprs as qapr_story
from .authority import demo_is_loaded
from .clock import (
    CHANGE,
    DUE_SOON,
    IN_HAND,
    KEY_DATE,
    OVERDUE,
    PROFILE_WEIGHTS,
    RECENT,
    REVIEW,
    STEP,
    at,
    backdate_messages,
    dated,
    days,
    one_wake_up,
    working_on_or_after,
)

SEED = 2027
DEMO_IRO = "iro@demo.example.org"
DEMO_CP_CHAIR = "cp.chair@demo.example.org"

# The families and their plans --------------------------------------------------------------------


@dataclass
class Family:
    """Brothers and sisters reviewed together (or one child), as the demo authority made them."""

    children: list[Child]
    anchor: dt.date  # when the current team started working with them
    came_into_care: bool  # moved from a child protection team into care on `anchor`

    @property
    def eldest(self) -> Child:
        return self.children[0]

    @property
    def status(self) -> str:
        return self.eldest.status

    @property
    def is_cp(self) -> bool:
        return self.status == ChildStatus.CHILD_PROTECTION

    @property
    def reviewer(self) -> User:
        return self.eldest.reviewing_officer

    @property
    def restricted(self) -> bool:
        return self.eldest.restricted

    @property
    def placement_order(self) -> bool:
        return self.eldest.legal_status == LegalStatus.PLACEMENT_ORDER

    @property
    def youngest_born(self) -> dt.date:
        return max(c.date_of_birth for c in self.children)


@dataclass
class Plan:
    """What happens to a family, and how its story is told."""

    profile: str
    qaprs: str = "random"  # the QAPR story: see demo.qaprs
    not_placed: bool = False  # placement order: not placed 9 months on
    placed: bool = False  # placement order: placed for adoption since
    changes: list[tuple[str, int, str | None]] = field(default_factory=list)
    # (kind, working days ago, decision): None waits for the reviewing officer's decision.
    open_steps: bool = False  # leave some of the last review's work open


@dataclass
class Timeline:
    start: dt.date  # came into care, or the strategy discussion
    reviews: list[dt.date]  # held, oldest first
    carer_changes: list[dt.date] = field(default_factory=list)
    placement_order: dt.date | None = None
    placed: dt.date | None = None


def families() -> list[Family]:
    children = list(
        Child.objects.filter(
            status__in=[ChildStatus.CHILD_IN_CARE, ChildStatus.CHILD_PROTECTION],
            reviewing_officer__isnull=False,
            team__isnull=False,
            social_worker__isnull=False,
        )
        .select_related("team__manager", "social_worker", "reviewing_officer")
        .order_by("date_of_birth", "id")
    )
    teams: dict[int, list[Allocation]] = {}
    for allocation in Allocation.objects.filter(
        kind=Allocation.Kind.TEAM, child__in=children
    ).order_by("start_date", "id"):
        teams.setdefault(allocation.child_id, []).append(allocation)
    grouped: dict[tuple, list[Child]] = {}
    for child in children:
        key = ("group", child.sibling_group_id) if child.sibling_group_id else ("child", child.pk)
        grouped.setdefault(key, []).append(child)
    found = []
    for members in grouped.values():
        history = teams.get(members[0].pk, [])
        current = [a for a in history if a.end_date is None]
        anchor = current[0].start_date if current else members[0].created_at.date()
        moved = len(history) > 1 and members[0].status == ChildStatus.CHILD_IN_CARE
        found.append(Family(members, anchor, moved))
    return sorted(found, key=lambda f: min(c.pk for c in f.children))


def assign_plans(found: list[Family], rng: random.Random) -> dict[int, Plan]:
    """The demo IRO and CP Chair get a scripted picture; everyone else a random one."""
    plans: dict[int, Plan] = {}
    by_anchor = sorted(found, key=lambda f: (f.anchor, f.eldest.pk))

    def mine(email: str) -> list[Family]:
        return [f for f in by_anchor if f.reviewer.email == email]

    # The demo IRO: one family overdue (with its QAPR), one reviewed three weeks ago (a QAPR
    # that needed improvement last time and a draft for this time; an early review decided
    # after going missing since), one whose carer has just changed (the change waits for a
    # decision), one who came into care from a protection plan this year.
    iro_scripts = [
        Plan(OVERDUE, qaprs="none_current"),
        Plan(
            RECENT,
            qaprs="ri_previous",
            open_steps=True,
            changes=[(SignificantChange.Kind.MISSING, 8, "early_review")],
        ),
        Plan(DUE_SOON, changes=[(SignificantChange.Kind.PLACEMENT_CHANGE, 4, None)]),
    ]
    iro = mine(DEMO_IRO)
    for family in [f for f in iro if f.came_into_care]:
        plans[id(family)] = Plan(
            IN_HAND,
            qaprs="ri_current",
            changes=[(SignificantChange.Kind.EXCLUSION, 14, "no_early_review")],
        )
    for family in [f for f in iro if f.restricted]:
        plans[id(family)] = Plan(IN_HAND)
    others = [f for f in iro if id(f) not in plans]
    for family, plan in zip(others, iro_scripts, strict=False):
        plans[id(family)] = plan

    # The demo CP Chair: a conference due soon, an Inadequate QAPR with its formal concern, a
    # worrying change waiting for a decision, and a draft QAPR.
    chair_scripts = [
        Plan(DUE_SOON, changes=[(SignificantChange.Kind.CARER_ADDRESS, 20, "no_early_review")]),
        Plan(IN_HAND, qaprs="inadequate_current", open_steps=True),
        Plan(
            IN_HAND,
            qaprs="draft_current",
            changes=[(SignificantChange.Kind.CONCERNS_INCREASED, 2, None)],
        ),
    ]
    chair = [f for f in mine(DEMO_CP_CHAIR) if not f.restricted]
    for family, plan in zip(chair, chair_scripts, strict=False):
        plans[id(family)] = plan

    # Placement orders: the longest known family has waited more than 9 months to be placed;
    # the family of brothers and sisters has been placed with adopters.
    orders = [f for f in by_anchor if f.placement_order]
    for i, family in enumerate(orders):
        plan = plans.setdefault(id(family), Plan(IN_HAND))
        plan.not_placed = i == 0
        plan.placed = i > 0 and len(family.children) > 1

    random_changes = [
        SignificantChange.Kind.HEALTH,
        SignificantChange.Kind.SOCIAL_WORKER_CHANGE,
        SignificantChange.Kind.COURT_ORDER,
        SignificantChange.Kind.COMPLAINT,
    ]
    for family in found:
        if id(family) in plans:
            continue
        profiles, weights = zip(*PROFILE_WEIGHTS.items(), strict=True)
        plan = Plan(rng.choices(profiles, weights=weights)[0], open_steps=rng.random() < 0.3)
        if not family.is_cp and random_changes and rng.random() < 0.35:
            kind = random_changes.pop(0)
            plan.changes.append((kind, rng.randint(3, 25), rng.choice([None, "no_early_review"])))
        plans[id(family)] = plan
    return plans


def _target_last(profile: str, reviews_held: int, rng: random.Random, today: dt.date):
    """When the last of `reviews_held` reviews was held, so the next falls due as the profile
    says (a recent review: held three weeks ago)."""
    if profile == RECENT:
        return on_or_before_working_day(workdays.add_working_days(today, -rng.randint(12, 16)))
    due = {
        OVERDUE: today - days(rng.randint(6, 14)),
        DUE_SOON: today + days(rng.randint(6, 20)),
        IN_HAND: today + days(rng.randint(60, 140)),
    }[profile]
    months = 3 if reviews_held == 1 else 6
    return working_on_or_after(add_months(due, -months))


def plan_timeline(family: Family, plan: Plan, rng: random.Random, today: dt.date) -> Timeline:
    first_gap = (6, 14) if family.is_cp else (10, 19)  # rule: 15 / 20 working days
    floor = max(family.anchor, family.youngest_born + days(14))
    yesterday = today - days(1)
    timeline = None
    if not family.came_into_care:
        # A child waiting for adopters has been in care a good while; a QAPR story needs a
        # window before this one (a child in care has none until the second review).
        most = rng.randint(2, 3)
        if plan.not_placed or plan.qaprs in ("ri_previous", "none_current"):
            most = 4 if plan.not_placed else 3
        timeline = _backward(plan, most, first_gap, floor, rng, today)
        if timeline is None and plan.profile == DUE_SOON and not family.placement_order:
            start = workdays.add_working_days(today, -rng.randint(5, 9))
            timeline = Timeline(start, []) if start >= floor else None  # first review soon
    if timeline is None:
        start = family.anchor if family.came_into_care else floor + days(rng.randint(0, 20))
        timeline = _forward(start, first_gap, rng, yesterday)
    if not family.is_cp and not family.placement_order:
        _add_carer_change(timeline, rng)
    if family.placement_order:
        _add_placement_order(timeline, plan, rng, today)
    return timeline


def _backward(plan, most, first_gap, floor, rng, today) -> Timeline | None:
    """Reviews held on time, counted back from where the profile puts the last one."""
    for held in range(most, 0, -1):
        last = _target_last(plan.profile, held, rng, today)
        if last >= today:
            continue
        reviews = [last]
        for number in range(held - 1, 0, -1):  # the review before, back to the first
            months, slack = (3, 12) if number == 1 else (6, 20)
            earlier = add_months(reviews[0], -months) + days(rng.randint(3, slack))
            reviews.insert(0, working_on_or_after(earlier))
        start = workdays.add_working_days(reviews[0], -rng.randint(*first_gap))
        if start >= floor:
            return Timeline(start, reviews)
    return None


def _forward(start, first_gap, rng, last_day) -> Timeline:
    """Every review held on time from `start` up to `last_day`."""
    reviews = []
    held = workdays.add_working_days(start, rng.randint(*first_gap))
    while held <= last_day:
        reviews.append(held)
        months = 3 if len(reviews) == 1 else 6
        held = on_or_before_working_day(add_months(held, months) - days(rng.randint(3, 20)))
    return Timeline(start, reviews)


def _add_carer_change(timeline: Timeline, rng: random.Random) -> None:
    """A move of carer between two reviews, reviewed within 20 working days."""
    if len(timeline.reviews) < 2 or rng.random() > 0.4:
        return
    k = rng.randrange(1, len(timeline.reviews))
    moved = workdays.add_working_days(timeline.reviews[k], -rng.randint(6, 16))
    if moved > timeline.reviews[k - 1] + days(7):
        timeline.carer_changes.append(moved)


def _add_placement_order(timeline: Timeline, plan: Plan, rng: random.Random, today) -> None:
    back = rng.randint(290, 320) if plan.not_placed else rng.randint(120, 220)
    order = max(today - days(back), timeline.start + days(30))
    order = on_or_before_working_day(order)
    if order >= today:
        return
    timeline.placement_order = order
    # The first review after the order is within 3 months of it.
    review_by = add_months(order, 3)
    if not any(order < held <= review_by for held in timeline.reviews):
        extra = on_or_before_working_day(order + days(rng.randint(45, 80)))
        if extra < today and extra not in timeline.reviews:
            timeline.reviews = sorted([*timeline.reviews, extra])
    if plan.placed:
        placed = order + days(rng.randint(60, 120))
        if placed < today - days(7):
            timeline.placed = on_or_before_working_day(placed)


# Playing the plan forward ------------------------------------------------------------------------

Event = tuple[dt.date, int, Callable[[], object]]

REVIEW_NOTES = {
    Review.Kind.CIC_REVIEW: [
        "{name} chose to meet the IRO before the review rather than attend. Care plan endorsed.",
        "Held at the carers' home. {name} joined for the first half and spoke about school.",
        "{name} attended with their advocate. Family time to continue as agreed.",
        "Review held in two parts so {name} could attend without their parents present.",
        "Carers, school and health visitor contributed. Plan for permanence discussed.",
    ],
    Review.Kind.CP_INITIAL: [
        "Conference agreed a child protection plan under the category of neglect.",
        "Conference agreed a child protection plan under the category of emotional abuse.",
        "Conference agreed a child protection plan under the category of physical abuse.",
    ],
    Review.Kind.CP_REVIEW: [
        "Plan to continue. Core group to meet every four weeks.",
        "Some progress with home conditions; the plan continues.",
        "Parents engaged well. Plan continues with a focus on school attendance.",
        "Concerns remain about supervision at home. Plan continues.",
    ],
}

CHANGE_DETAILS = {
    SignificantChange.Kind.PLACEMENT_CHANGE: (
        "The foster carers gave notice after a difficult few weeks. {name} moved to new carers "
        "in the same town and is still at the same school."
    ),
    SignificantChange.Kind.MISSING: (
        "{name} was missing overnight and was found by the police the next morning at a "
        "friend's house. A return home interview has been offered."
    ),
    SignificantChange.Kind.EXCLUSION: (
        "{name} was excluded from school for two days after an argument with a teacher."
    ),
    SignificantChange.Kind.CARER_ADDRESS: (
        "Mother and her partner have moved to a flat across town. The children have moved with "
        "them and stay at the same schools."
    ),
    SignificantChange.Kind.CONCERNS_INCREASED: (
        "The school reported bruising to {name}'s arm this week. A strategy discussion is being "
        "arranged."
    ),
    SignificantChange.Kind.HEALTH: (
        "{name} has been referred to the paediatric clinic after hearing tests at school."
    ),
    SignificantChange.Kind.SOCIAL_WORKER_CHANGE: (
        "Social worker changing at the end of the month because of a team move; a joint visit "
        "is booked to introduce the new worker."
    ),
    SignificantChange.Kind.COURT_ORDER: (
        "The court has extended the interim order for another four weeks."
    ),
    SignificantChange.Kind.COMPLAINT: (
        "{name}'s mother has made a complaint about how family time is being arranged."
    ),
}

NO_EARLY_REVIEW_REASONS = [
    "Discussed with the social worker: the plan still meets the child's needs and the next "
    "review is soon enough.",
    "The change is being managed within the plan; I will check on it at the next review.",
]


class Player:
    """Records one family's plan through the services, event by event in date order."""

    def __init__(self, family: Family, plan: Plan, timeline: Timeline, rng, today: dt.date):
        self.family, self.plan, self.timeline = family, plan, timeline
        self.rng, self.today = rng, today
        self.counts = {"key dates": 0, "reviews": 0, "changes": 0}
        self.pending: list[Event] = []  # work planned while playing, played in its turn
        # The work before each review has a generator of its own, so the rest of the demo is
        # the same as before it was added.
        self.prep_rng = random.Random(f"{SEED}:{family.eldest.reference}")

    def events(self, child: Child) -> list[Event]:
        t = self.timeline
        events: list[Event] = []
        start_kind = (
            KeyDate.Kind.STRATEGY_DISCUSSION if self.family.is_cp else KeyDate.Kind.CAME_INTO_CARE
        )
        key_dates = [(t.start, start_kind, "")]
        key_dates += [
            (d, KeyDate.Kind.CARER_CHANGE, "Moved to new foster carers") for d in t.carer_changes
        ]
        if t.placement_order:
            key_dates.append(
                (t.placement_order, KeyDate.Kind.PLACEMENT_ORDER, "Made at the family court")
            )
        if t.placed:
            key_dates.append((t.placed, KeyDate.Kind.PLACED_FOR_ADOPTION, "Placed with adopters"))
        for on, kind, note in key_dates:
            events.append((on, KEY_DATE, self._key_date(child, kind, on, note)))
        for number, held in enumerate(t.reviews, start=1):
            last = number == len(t.reviews)
            events.append((held, REVIEW, self._review(child, number, held, last)))
        for kind, ago, decision in self.plan.changes:
            if child.pk == self.family.eldest.pk:
                occurred = workdays.add_working_days(self.today, -ago)
                events.append((occurred, CHANGE, self._change(child, kind, occurred, decision)))
        events += qapr_story.events(
            child,
            is_cp=self.family.is_cp,
            reviews=t.reviews,
            story=self.plan.qaprs,
            profile=self.plan.profile,
            eldest=child.pk == self.family.eldest.pk,
            rng=self.rng,
            today=self.today,
        )
        return events

    def play(self) -> dict[str, int]:
        for child in self.family.children:
            queue = sorted(self.events(child), key=lambda e: (e[0], e[1]))
            while queue or self.pending:
                # Work that follows a review joins the queue in date order as it is planned.
                queue = sorted(queue + self.pending, key=lambda e: (e[0], e[1]))
                self.pending = []
                _day, _order, action = queue.pop(0)
                action()
            # The next review's preparation: what was due more than a week ago is mostly done.
            self._prepare(child, until=self.today - days(7), everything=False)
        return self.counts

    def _prepare(self, child: Child, *, until: dt.date, everything: bool) -> None:
        """The work before the child's next review (issue 14 rule 13): done by its date or a
        little before, now and then a day late; the IRO's visit before its note."""
        planned = PlannedReview.objects.filter(child=child, closed_on__isnull=True).first()
        if planned is None:
            return
        rng = self.prep_rng
        order = sorted(
            planned.steps.filter(done_on__isnull=True),
            key=lambda s: (
                s.kind == PlannedStep.Kind.VISIT_NOTE,
                s.kind != PlannedStep.Kind.IRO_VISIT,
            ),
        )
        for pending in order:
            step = PlannedStep.objects.get(pk=pending.pk)
            if step.due_on is None:
                continue  # a visit note whose visit was not recorded
            if step.kind == PlannedStep.Kind.VISIT_NOTE:
                visit = planned.steps.get(kind=PlannedStep.Kind.IRO_VISIT)
                done_on = workdays.add_working_days(visit.done_on, rng.randint(1, 2))
            else:
                if not everything and (step.due_on > until or rng.random() < 0.15):
                    continue  # still to do
                early = workdays.add_working_days(step.due_on, -rng.randint(0, 3))
                late = workdays.add_working_days(step.due_on, 1)
                done_on = min(late if rng.random() < 0.1 else early, until)
            if done_on > self.today:
                continue
            by = step.assignee
            if by is None:
                continue  # nobody allocated: left for the page to show
            with dated(done_on, 12, 0):
                services.planned_step_complete(
                    step=step, by=by, lock_version=step.lock_version, done_on=done_on
                )

    def _key_date(self, child: Child, kind: str, on: dt.date, note: str):
        def record():
            with dated(on, 9, 30):
                key_date = services.key_date_record(
                    child=child, by=child.social_worker, kind=kind, on=on, note=note
                )
            KeyDate.objects.filter(pk=key_date.pk).update(recorded_at=at(on, 9, 30))
            self.counts["key dates"] += 1

        return record

    def _review(self, child: Child, number: int, held: dt.date, last: bool):
        def record():
            if self.family.is_cp:
                kind = Review.Kind.CP_INITIAL if number == 1 else Review.Kind.CP_REVIEW
            else:
                kind = Review.Kind.CIC_REVIEW
            chair = child.reviewing_officer
            notes = self.rng.choice(REVIEW_NOTES[kind]).format(name=child.first_name)
            self._prepare(child, until=held, everything=True)
            with dated(held, 15, 30):
                review = services.review_record(
                    child=child, by=chair, kind=kind, held_on=held, notes=notes
                )
            Review.objects.filter(pk=review.pk).update(recorded_at=at(held, 15, 30))
            self.counts["reviews"] += 1
            self._plan_steps(review, last)

        return record

    def _plan_steps(self, review: Review, last: bool) -> None:
        """When each piece of work after the review was done (or that it is still open)."""
        rng, held = self.rng, review.held_on
        # Work still open after the latest review, if it was recent enough to be believable.
        leave_open = last and self.plan.open_steps and held >= self.today - days(45)
        steps = {s.kind: s for s in review.steps.all()}
        K = ReviewStep.Kind
        plan = {
            K.DECISIONS_CIRCULATED: workdays.add_working_days(held, rng.randint(1, 6)),
            K.FULL_RECORD: workdays.add_working_days(held, rng.randint(8, 17)),
            K.CARE_PLAN_UPDATED: workdays.add_working_days(held, rng.randint(4, 12)),
        }
        if leave_open:
            # The record is still being written and the care plan waits for the social worker.
            plan.pop(K.FULL_RECORD)
            plan.pop(K.CARE_PLAN_UPDATED, None)
        for kind, done_on in plan.items():
            if kind in steps and done_on < self.today:
                self.pending.append((done_on, STEP, self._step(steps[kind], done_on)))
        circulated = plan[K.DECISIONS_CIRCULATED]
        answer = rng.random()
        if circulated < self.today and answer < 0.8:
            # The team manager answers in time; otherwise the decisions stand by silence.
            answered = workdays.add_working_days(circulated, rng.randint(1, 5))
            if answered < self.today:
                outcome = (
                    ReviewStep.Outcome.AGREED if answer < 0.75 else ReviewStep.Outcome.NOT_AGREED
                )
                step = steps[K.DECISIONS_CONSIDERED]
                self.pending.append((answered, STEP, self._step(step, answered, outcome)))

    def _step(self, step: ReviewStep, done_on: dt.date, outcome=ReviewStep.Outcome.DONE):
        def complete():
            fresh = ReviewStep.objects.select_related("review__child", "assignee").get(pk=step.pk)
            by = fresh.assignee or fresh.review.chair
            note = ""
            if outcome == ReviewStep.Outcome.NOT_AGREED:
                note = "The plan for family time needs more thought: I will talk to the IRO."
            with dated(done_on, 14, 0):
                services.review_step_complete(
                    step=fresh,
                    by=by,
                    lock_version=fresh.lock_version,
                    done_on=done_on,
                    outcome=outcome,
                    note=note,
                )

        return complete

    def _change(self, child: Child, kind: str, occurred: dt.date, decision: str | None):
        def record():
            details = CHANGE_DETAILS[kind].format(name=child.first_name)
            with dated(occurred, 11, 15):
                change = services.significant_change_record(
                    child=child,
                    by=child.social_worker,
                    kind=kind,
                    occurred_on=occurred,
                    details=details,
                )
            SignificantChange.objects.filter(pk=change.pk).update(recorded_at=at(occurred, 11, 15))
            # A move of carer also starts a review clock: that date was recorded with it.
            moves = KeyDate.objects.filter(child=child, kind=KeyDate.Kind.CARER_CHANGE, on=occurred)
            moves.update(recorded_at=at(occurred, 11, 15))
            self.counts["changes"] += 1
            if decision is None:
                return
            decided = min(workdays.add_working_days(occurred, 1), self.today)
            change = SignificantChange.objects.get(pk=change.pk)
            early_by = None
            if decision == SignificantChange.Decision.EARLY_REVIEW:
                early_by = workdays.add_working_days(self.today, self.rng.randint(8, 12))
            with dated(decided, 16, 0):
                services.significant_change_decide(
                    change=change,
                    by=child.reviewing_officer,
                    lock_version=change.lock_version,
                    decision=decision,
                    early_review_by=early_by,
                    reason="" if early_by else self.rng.choice(NO_EARLY_REVIEW_REASONS),
                )
            SignificantChange.objects.filter(pk=change.pk).update(decided_on=decided)

        return record


# Loading ----------------------------------------------------------------------------------------


def demo_reviews_loaded() -> bool:
    return Review.objects.exists()


def load_demo_reviews(stdout: TextIO | None = None) -> dict[str, int]:
    """Reviews, key dates, changes and QAPRs for the demo children, in one transaction.
    Returns how many of each it made: nothing if they are already there."""
    if not demo_is_loaded() or demo_reviews_loaded():
        return {}
    with transaction.atomic(), one_wake_up():
        totals = _load(timezone.localdate(), random.Random(SEED))
    totals["QAPRs"] = Qapr.objects.count()
    if stdout is not None:
        stdout.write(
            f"Loaded {totals['reviews']} demo reviews, {totals['key dates']} key dates, "
            f"{totals['changes']} significant changes and {totals['QAPRs']} QAPRs.\n"
        )
    return totals


def _load(today: dt.date, rng: random.Random) -> dict[str, int]:
    totals = {"key dates": 0, "reviews": 0, "changes": 0}
    found = families()
    plans = assign_plans(found, rng)
    for family in found:
        plan = plans[id(family)]
        timeline = plan_timeline(family, plan, rng, today)
        for name, count in Player(family, plan, timeline, rng, today).play().items():
            totals[name] += count
    _agree_by_silence(today)
    for family in found:
        for child in family.children:
            services.child_refresh_schedule(child=child)
    return totals


def _agree_by_silence(today: dt.date) -> None:
    """The nightly job: decisions nobody answered in time stand. Each is dated the night after
    its deadline, as if the job had run every night."""
    began = timezone.now()
    services.review_steps_agree_by_silence(today=today)
    agreed = ReviewStep.objects.filter(outcome=ReviewStep.Outcome.AGREED_BY_SILENCE).select_related(
        "review__child"
    )
    for step in agreed:
        day = step.due_on + days(1)  # the job runs every night
        when = at(day, 6, 0) if day < today else began - dt.timedelta(microseconds=1)
        ChildLog.objects.filter(
            at__gte=began,
            child=step.review.child,
            summary=f"Review decisions of {step.review} taken as agreed.",
        ).update(at=when)
        messages = Notification.objects.filter(
            created_at__gte=began, key__startswith=f"agreed_by_silence:step:{step.pk}:"
        )
        backdate_messages(messages, day, when)
