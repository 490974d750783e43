"""When each child's next statutory review or conference is due, from what has happened.

Pure functions over plain values (no queries), so the rules are easy to test with worked dates
and cheap to run for a whole list of children. `cases.services` loads the facts and the
authority's rules and stores the answer on the child.

The rules (PROTOCOLS.md; the amounts are data the authority can change, see ReviewRule):
- child in care: first review within 20 working days of coming into care, the second within
  3 months of the first, then at most every 6 months; after a change of carer, a review within
  20 working days of the move; after a placement order, a review within 3 months of the order,
  then 6-monthly, and a flag if the child is not placed 9 months after the order;
- child protection: initial conference within 15 working days of the strategy discussion, the
  first review conference within 3 months of it, then at most every 6 months;
- an early review the reviewing officer decided on after a significant change.
A review is due by the earliest of the deadlines that apply.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prp import workdays

from .models import ChildStatus, KeyDate, Review, ReviewRule, RuleUnit

Code = ReviewRule.Code

DEFAULT_RULES: dict[str, tuple[int, str]] = {
    Code.CIC_FIRST: (20, RuleUnit.WORKING_DAYS),
    Code.CIC_SECOND: (3, RuleUnit.MONTHS),
    Code.CIC_LATER: (6, RuleUnit.MONTHS),
    Code.CIC_CARER_CHANGE: (20, RuleUnit.WORKING_DAYS),
    Code.PLACEMENT_ORDER_FIRST: (3, RuleUnit.MONTHS),
    Code.PLACEMENT_ORDER_LATER: (6, RuleUnit.MONTHS),
    Code.PLACEMENT_ORDER_NOT_PLACED: (9, RuleUnit.MONTHS),
    Code.CP_INITIAL: (15, RuleUnit.WORKING_DAYS),
    Code.CP_FIRST_REVIEW: (3, RuleUnit.MONTHS),
    Code.CP_LATER: (6, RuleUnit.MONTHS),
    Code.DECISIONS_CIRCULATED: (5, RuleUnit.WORKING_DAYS),
    Code.FULL_RECORD: (15, RuleUnit.WORKING_DAYS),
    Code.DECISIONS_CONSIDERED: (5, RuleUnit.WORKING_DAYS),
    Code.CARE_PLAN_UPDATED: (10, RuleUnit.WORKING_DAYS),
    Code.COPIES_SENT: (20, RuleUnit.WORKING_DAYS),
    # Before a review (seed 004), counted back from the date it is due by.
    Code.CHILD_CONSULTED: (20, RuleUnit.WORKING_DAYS),
    Code.INVITATIONS_SENT: (14, RuleUnit.CALENDAR_DAYS),
    Code.DOCUMENTS_INITIAL: (3, RuleUnit.WORKING_DAYS),
    Code.DOCUMENTS_LATER: (5, RuleUnit.WORKING_DAYS),
    # The IRO's visit note, counted from the visit: due in 2 working days, never more than 5.
    Code.VISIT_NOTE: (2, RuleUnit.WORKING_DAYS),
    Code.VISIT_NOTE_LATEST: (5, RuleUnit.WORKING_DAYS),
    Code.QAPR_CP_FIRST_YEAR: (3, RuleUnit.TIMES_A_YEAR),
    Code.QAPR_CP_LATER_YEARS: (2, RuleUnit.TIMES_A_YEAR),
}

Rules = Mapping[str, tuple[int, str]]


def load_rules() -> dict[str, tuple[int, str]]:
    """The authority's rules (one query), with the defaults for any it has not set."""
    rules = dict(DEFAULT_RULES)
    rules.update({r.code: (r.amount, r.unit) for r in ReviewRule.objects.all()})
    return rules


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months on; the month's last day if it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def on_or_before_working_day(day: dt.date) -> dt.date:
    """A deadline on a weekend or bank holiday is brought forward, so it can still be met."""
    return day if workdays.is_working_day(day) else workdays.add_working_days(day, -1)


def deadline(start: dt.date, rule: tuple[int, str]) -> dt.date:
    """`start` plus the rule's time: "within N working days of D" is the Nth working day after
    D; a deadline in months or calendar days that lands on a closed day moves to the working
    day before it."""
    amount, unit = rule
    if unit == RuleUnit.WORKING_DAYS:
        return workdays.add_working_days(start, amount)
    if unit == RuleUnit.MONTHS:
        return on_or_before_working_day(add_months(start, amount))
    if unit == RuleUnit.CALENDAR_DAYS:
        return on_or_before_working_day(start + dt.timedelta(days=amount))
    raise ValueError(f"A {unit} rule is not a time limit.")


def before(meeting: dt.date, rule: tuple[int, str]) -> dt.date:
    """The latest day something must be done `rule` before `meeting`: "N working days before"
    is the Nth working day before it; "2 weeks before" in calendar days, brought forward to
    the working day before when it lands on a closed day."""
    amount, unit = rule
    if unit == RuleUnit.WORKING_DAYS:
        return workdays.add_working_days(meeting, -amount)
    if unit == RuleUnit.CALENDAR_DAYS:
        return on_or_before_working_day(meeting - dt.timedelta(days=amount))
    if unit == RuleUnit.MONTHS:
        return on_or_before_working_day(add_months(meeting, -amount))
    raise ValueError(f"A {unit} rule is not a time limit.")


def describe(rule: tuple[int, str]) -> str:
    amount, unit = rule
    label = dict(RuleUnit.choices)[unit]
    if amount == 1:
        label = {"working days": "working day", "calendar days": "day", "calendar months": "month"}[
            label
        ]
    return f"{amount} {label}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Due:
    on: dt.date
    rule: str
    reason: str


@dataclass(frozen=True)
class EarlyReview:
    """A reviewing officer's decision, after a significant change, to hold an early review."""

    decided_on: dt.date
    by: dt.date
    what: str


@dataclass
class Schedule:
    """What the schedule knows about one child."""

    applies: bool
    held: list = field(default_factory=list)  # this episode's statutory reviews, oldest first
    next_due: Due | None = None
    deadlines: list[Due] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    missing: str = ""  # what must be recorded before a date can be worked out
    plan_start: dt.date | None = None  # child protection: the initial conference

    def is_overdue(self, today: dt.date) -> bool:
        return self.next_due is not None and self.next_due.on < today


def _latest(dates: Iterable[KeyDate], kind: str, after: dt.date | None = None):
    found = [d.on for d in dates if d.kind == kind and (after is None or d.on >= after)]
    return max(found) if found else None


def _reviews_from(reviews: Iterable[Review], kinds: set[str], start: dt.date | None) -> list:
    return sorted(
        (r for r in reviews if r.kind in kinds and (start is None or r.held_on >= start)),
        key=lambda r: (r.held_on, r.pk or 0),
    )


def _early(early_reviews: Iterable[EarlyReview], held: list) -> list[Due]:
    last = held[-1].held_on if held else None
    return [
        Due(e.by, "early_review", f"Early review decided on {long_date(e.decided_on)}: {e.what}")
        for e in early_reviews
        if last is None or last < e.decided_on
    ]


def child_in_care(
    key_dates: list[KeyDate], reviews: list[Review], early: list[EarlyReview], rules: Rules, today
) -> Schedule:
    start = _latest(key_dates, KeyDate.Kind.CAME_INTO_CARE)
    held = _reviews_from(reviews, {Review.Kind.CIC_REVIEW}, start)
    schedule = Schedule(applies=True, held=held)
    deadlines = _early(early, held)
    if not held:
        if start is None:
            schedule.missing = "Record the date the child came into care."
        else:
            on = deadline(start, rules[Code.CIC_FIRST])
            deadlines.append(
                Due(
                    on,
                    Code.CIC_FIRST,
                    f"First review: within {describe(rules[Code.CIC_FIRST])} of coming into "
                    f"care on {long_date(start)}",
                )
            )
    else:
        last = held[-1].held_on
        code = Code.CIC_SECOND if len(held) == 1 else Code.CIC_LATER
        which = "Second review" if len(held) == 1 else "Next review"
        deadlines.append(
            Due(
                deadline(last, rules[code]),
                code,
                f"{which}: within {describe(rules[code])} of the review on {long_date(last)}",
            )
        )
    deadlines += _carer_change(key_dates, held, start, rules)
    placement, flags = _placement_order(key_dates, held, rules, today)
    deadlines += placement
    schedule.flags = flags
    schedule.deadlines = sorted(deadlines, key=lambda d: d.on)
    schedule.next_due = schedule.deadlines[0] if schedule.deadlines else None
    return schedule


def _carer_change(key_dates, held, start, rules) -> list[Due]:
    moved = _latest(key_dates, KeyDate.Kind.CARER_CHANGE, after=start)
    if moved is None or (held and held[-1].held_on >= moved):
        return []
    rule = rules[Code.CIC_CARER_CHANGE]
    return [
        Due(
            deadline(moved, rule),
            Code.CIC_CARER_CHANGE,
            f"Change of carer on {long_date(moved)}: review within {describe(rule)} of the move",
        )
    ]


def _placement_order(key_dates, held, rules, today) -> tuple[list[Due], list[str]]:
    order = _latest(key_dates, KeyDate.Kind.PLACEMENT_ORDER)
    if order is None:
        return [], []
    after_order = [r for r in held if r.held_on >= order]
    if after_order:
        last, code = after_order[-1].held_on, Code.PLACEMENT_ORDER_LATER
        reason = f"Placement order: next review within {describe(rules[code])} of {long_date(last)}"
    else:
        last, code = order, Code.PLACEMENT_ORDER_FIRST
        reason = (
            f"Placement order made on {long_date(order)}: review within {describe(rules[code])}"
        )
    deadlines = [Due(deadline(last, rules[code]), code, reason)]
    flags = []
    placed = _latest(key_dates, KeyDate.Kind.PLACED_FOR_ADOPTION, after=order)
    not_placed_by = add_months(order, rules[Code.PLACEMENT_ORDER_NOT_PLACED][0])
    if placed is None and today >= not_placed_by:
        flags.append(
            f"Not placed {describe(rules[Code.PLACEMENT_ORDER_NOT_PLACED])} after the placement "
            f"order of {long_date(order)}: the next review must reconsider the plan."
        )
    return deadlines, flags


def child_protection(
    key_dates: list[KeyDate], reviews: list[Review], early: list[EarlyReview], rules: Rules
) -> Schedule:
    ended = _latest(key_dates, KeyDate.Kind.CP_PLAN_ENDED)
    discussions = sorted(
        d.on
        for d in key_dates
        if d.kind == KeyDate.Kind.STRATEGY_DISCUSSION and (ended is None or d.on > ended)
    )
    start = discussions[0] if discussions else (ended and ended + dt.timedelta(days=1))
    initial = _reviews_from(reviews, {Review.Kind.CP_INITIAL}, start)[:1]
    held = initial + (
        _reviews_from(reviews, {Review.Kind.CP_REVIEW}, initial[0].held_on) if initial else []
    )
    schedule = Schedule(applies=True, held=held, plan_start=initial[0].held_on if initial else None)
    deadlines = _early(early, held)
    if not held:
        if not discussions:
            schedule.missing = "Record the date of the strategy discussion."
        else:
            rule = rules[Code.CP_INITIAL]
            deadlines.append(
                Due(
                    deadline(discussions[0], rule),
                    Code.CP_INITIAL,
                    f"Initial conference: within {describe(rule)} of the strategy discussion on "
                    f"{long_date(discussions[0])}",
                )
            )
    else:
        last = held[-1].held_on
        code = Code.CP_FIRST_REVIEW if len(held) == 1 else Code.CP_LATER
        which = "First review conference" if len(held) == 1 else "Next review conference"
        deadlines.append(
            Due(
                deadline(last, rules[code]),
                code,
                f"{which}: within {describe(rules[code])} of the conference on {long_date(last)}",
            )
        )
    schedule.deadlines = sorted(deadlines, key=lambda d: d.on)
    schedule.next_due = schedule.deadlines[0] if schedule.deadlines else None
    return schedule


def schedule_for(
    status: str,
    *,
    key_dates: list[KeyDate],
    reviews: list[Review],
    early: list[EarlyReview],
    rules: Rules,
    today: dt.date,
) -> Schedule:
    if status == ChildStatus.CHILD_IN_CARE:
        return child_in_care(key_dates, reviews, early, rules, today)
    if status == ChildStatus.CHILD_PROTECTION:
        return child_protection(key_dates, reviews, early, rules)
    return Schedule(applies=False)
