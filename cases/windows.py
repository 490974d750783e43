"""When QAPRs are due, and whether a child's have been done: pure functions, no queries.

Gloucestershire's rules (PROTOCOLS.md):
- child in care: one QAPR between the 1st and 2nd care review and between each later pair;
  none between the initial review and the 1st (the reviews are numbered from the initial one);
- child protection: one between every pair of statutory reviews (the initial conference and the
  review conferences), and at least 3 in the first year on a plan and 2 in each later year.
A QAPR counts for the window it was finalised in: after the earlier review, up to and including
the day of the later one. The last window is open: it ends when the next review is due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .models import ChildStatus, ReviewRule
from .schedule import Rules, add_months


@dataclass
class Window:
    start: dt.date
    end: dt.date | None  # None: the next review date is not known yet
    is_open: bool
    done: list[dt.date] = field(default_factory=list)

    def status(self, today: dt.date) -> str:
        if self.done:
            return "done"
        if not self.is_open:
            return "missed"
        if self.end is not None and self.end < today:
            return "overdue"
        return "due"


@dataclass
class PlanYear:
    number: int
    start: dt.date
    end: dt.date  # the last day of the year
    required: int
    done: int

    def status(self, today: dt.date) -> str:
        if self.done >= self.required:
            return "met"
        return "not met" if self.end < today else "in progress"


@dataclass
class Compliance:
    applies: bool
    windows: list[Window] = field(default_factory=list)
    years: list[PlanYear] = field(default_factory=list)
    due_on: dt.date | None = None  # when the next QAPR must be finalised by
    due_reason: str = ""

    def windows_due(self, today: dt.date) -> int:
        """Windows that have closed, or whose deadline has passed: each needed a QAPR."""
        return sum(1 for w in self.windows if w.status(today) in ("done", "missed", "overdue"))

    def windows_done(self) -> int:
        return sum(1 for w in self.windows if w.done)

    def is_compliant(self, today: dt.date) -> bool:
        missed = any(w.status(today) in ("missed", "overdue") for w in self.windows)
        short = any(y.status(today) == "not met" for y in self.years)
        return not (missed or short)


def _windows(boundaries: list[dt.date], first: int, next_due, completed) -> list[Window]:
    windows = []
    for i in range(first, len(boundaries)):
        is_open = i == len(boundaries) - 1
        end = next_due if is_open else boundaries[i + 1]
        start = boundaries[i]
        done = [d for d in completed if d > start and (is_open or d <= end)]
        windows.append(Window(start=start, end=end, is_open=is_open, done=done))
    return windows


def _plan_years(plan_start: dt.date, completed, rules: Rules, today: dt.date) -> list[PlanYear]:
    years, number = [], 1
    while True:
        start = add_months(plan_start, 12 * (number - 1))
        if start > today:
            return years
        end = add_months(plan_start, 12 * number) - dt.timedelta(days=1)
        code = (
            ReviewRule.Code.QAPR_CP_FIRST_YEAR
            if number == 1
            else ReviewRule.Code.QAPR_CP_LATER_YEARS
        )
        done = sum(1 for d in completed if start <= d <= end)
        years.append(PlanYear(number, start, end, rules[code][0], done))
        number += 1


def compliance_for(
    status: str,
    *,
    review_dates: list[dt.date],
    next_review_due: dt.date | None,
    completed: list[dt.date],
    rules: Rules,
    today: dt.date,
) -> Compliance:
    """`review_dates`: this episode's statutory reviews (for child protection, the initial
    conference first), oldest first. `completed`: the dates the child's QAPRs were finalised."""
    completed = sorted(completed)
    if status == ChildStatus.CHILD_IN_CARE:
        result = Compliance(True, _windows(review_dates, 1, next_review_due, completed))
    elif status == ChildStatus.CHILD_PROTECTION:
        result = Compliance(True, _windows(review_dates, 0, next_review_due, completed))
        if review_dates:
            result.years = _plan_years(review_dates[0], completed, rules, today)
    else:
        return Compliance(False)
    _set_due(result)
    return result


def _set_due(result: Compliance) -> None:
    candidates = []
    current = result.windows[-1] if result.windows else None
    if current is not None and current.is_open and not current.done and current.end is not None:
        candidates.append((current.end, "One QAPR before the next statutory review"))
    year = result.years[-1] if result.years else None
    if year is not None and year.done < year.required:
        left = year.required - year.done
        candidates.append(
            (
                year.end,
                f"{year.required} QAPRs in year {year.number} on the plan: {left} more needed",
            )
        )
    if candidates:
        result.due_on, result.due_reason = min(candidates)
