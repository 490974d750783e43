"""The dashboard's figures: SQL aggregates over what a person's figures count.

Every function takes the person (whose scope, from dashboards.scope, decides which concerns
and children count: their span, never a restricted child) and the chosen `Filters`, and returns
plain data. Each does a fixed number of queries whatever the amount of data: counts and sums
are grouped in the database over the denormalised fields the services keep (Concern.team,
child_status, closed_level, formal_working_days; Stage.working_days_taken; Child.review_due_on,
qapr_due_on, qapr_windows_due/done), never Python loops over rows.

What the filters mean:
- the period (date_from to date_to) narrows the figures about things that happened: concerns
  raised or closed, stages decided, QAPRs finalised, good practice notes written. Figures
  about now (open concerns, overdue responses, reviews and QAPRs overdue) are as of today;
- service and team: the team of the concern's primary child when it was raised (Concern.team),
  the child's current team for reviews and QAPRs, the note's team for good practice;
- child type: the child's status (as it was when a concern was raised);
- stage: the stage a concern is at now, or ended at (a concern referred to CAFCASS is with
  CAFCASS, not at a stage); for times taken and decisions, the level of the stage itself;
- category: concerns with a sub-concern in that category; good practice notes filed under it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import Child
from escalations import rules
from escalations.models import (
    CLOSED_STATES,
    LIVE_STATES,
    OPEN_STATES,
    Concern,
    ConcernState,
    FormalLimit,
    GoodPracticeNote,
    Outcome,
    Stage,
    SubConcern,
    Task,
    TaskState,
)
from prp import workdays
from prp.hierarchy import span_team_ids
from prp.models import ProtocolStage, User
from prp.permissions import may_see_dashboards
from qapr.models import Grade, Qapr, QaprState

from . import scope

# The formal stages together should take no longer than this (working days).
TOP_PEOPLE = 20
TREND_MONTHS = 12


def formal_target_days() -> int:
    return rules.formal_target_days()


# The filters ---------------------------------------------------------------------------------


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 12 months: from the first day of the month 11 months ago to today."""
    today = today or timezone.localdate()
    return add_months(today.replace(day=1), -(TREND_MONTHS - 1)), today


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    service_id: int | None = None
    team_id: int | None = None
    child_status: str = ""
    level: int | None = None
    category_id: int | None = None

    @classmethod
    def default(cls, today: dt.date | None = None, **chosen) -> Filters:
        date_from, date_to = default_period(today)
        return cls(date_from=date_from, date_to=date_to, **chosen)

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return (self.date_from, self.date_to)


def concerns(user: User, filters: Filters, *, by_current_level: bool = True) -> QuerySet[Concern]:
    """The raised concerns the person's figures count, narrowed by the filters.

    `by_current_level=False` leaves the stage filter out, for figures that take it from the
    stage itself (times taken, decisions).
    """
    return narrow_concerns(scope.concern_scope(user), filters, by_current_level=by_current_level)


def narrow_concerns(
    qs: QuerySet[Concern], filters: Filters, *, by_current_level: bool = True
) -> QuerySet[Concern]:
    if filters.team_id is not None:
        qs = qs.filter(team_id=filters.team_id)
    if filters.service_id is not None:
        qs = qs.filter(team__unit_id=filters.service_id)
    if filters.child_status:
        qs = qs.filter(child_status=filters.child_status)
    if filters.level is not None and by_current_level:
        qs = qs.filter(current_stage__level=filters.level).exclude(state=ConcernState.REFERRED)
    if filters.category_id is not None:
        qs = qs.filter(
            Exists(
                SubConcern.objects.filter(
                    concern_id=OuterRef("pk"),
                    category_id=filters.category_id,
                    archived_at__isnull=True,
                )
            )
        )
    return qs


def children(user: User, filters: Filters) -> QuerySet[Child]:
    """The children whose reviews and QAPRs the person's figures count."""
    qs = scope.child_scope(user)
    if filters.team_id is not None:
        qs = qs.filter(team_id=filters.team_id)
    if filters.service_id is not None:
        qs = qs.filter(team__unit_id=filters.service_id)
    if filters.child_status:
        qs = qs.filter(status=filters.child_status)
    return qs


def notes(user: User, filters: Filters) -> QuerySet[GoodPracticeNote]:
    """Good practice notes the person's figures count: in their span, never about a
    restricted child."""
    qs = GoodPracticeNote.objects.exclude(child__restricted=True)
    if not may_see_dashboards(user):
        return qs.none()
    if not user.is_service_wide:
        qs = qs.filter(team_id__in=span_team_ids(user))
    if filters.team_id is not None:
        qs = qs.filter(team_id=filters.team_id)
    if filters.service_id is not None:
        qs = qs.filter(team__unit_id=filters.service_id)
    if filters.child_status:
        qs = qs.filter(child__status=filters.child_status)
    if filters.category_id is not None:
        qs = qs.filter(category_id=filters.category_id)
    return qs


def _late_task(today: dt.date) -> Exists:
    return Exists(
        Task.objects.filter(
            stage__concern_id=OuterRef("pk"), state=TaskState.ACTIVE, due_on__lt=today
        )
    )


def _stage_labels() -> dict[int, str]:
    """Stage names by level, from the active protocol (one query)."""
    return dict(
        ProtocolStage.objects.filter(protocol__is_active=True).values_list("level", "label")
    )


def _label(labels: dict[int, str], level: int) -> str:
    return labels.get(level) or ("Informal stage" if level == 0 else f"Formal stage {level}")


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# Where concerns are waiting ----------------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    level: int | None  # None: referred to CAFCASS
    label: str
    count: int


def open_by_stage(user: User, filters: Filters) -> list[StageCount]:
    """Open concerns by the stage they are at, every stage of the active protocol shown, then
    those referred to CAFCASS (still tracked). Two queries."""
    rows = (
        concerns(user, filters)
        .filter(state__in=LIVE_STATES)
        .values("current_stage__level")
        .annotate(
            at_stage=Count("pk", filter=Q(state__in=OPEN_STATES)),
            referred=Count("pk", filter=Q(state=ConcernState.REFERRED)),
        )
        .order_by()
    )
    at_stage: dict[int, int] = {}
    referred = 0
    for row in rows:
        if row["at_stage"]:
            at_stage[row["current_stage__level"]] = row["at_stage"]
        referred += row["referred"]
    labels = _stage_labels()
    levels = sorted(set(labels) | set(at_stage))
    if filters.level is not None:
        levels = [filters.level]
    result = [StageCount(level, _label(labels, level), at_stage.get(level, 0)) for level in levels]
    if filters.level is None:
        result.append(StageCount(None, "Referred to CAFCASS", referred))
    return result


@dataclass(frozen=True)
class CategoryCount:
    category_id: int
    name: str
    count: int


def open_by_category(user: User, filters: Filters) -> list[CategoryCount]:
    """Open concerns by the categories of their sub-concerns (a concern with sub-concerns in
    two categories counts in both). One query."""
    subs = SubConcern.objects.filter(
        archived_at__isnull=True,
        concern__in=concerns(user, filters).filter(state__in=LIVE_STATES),
    )
    if filters.category_id is not None:
        subs = subs.filter(category_id=filters.category_id)
    rows = (
        subs.values("category_id", "category__name", "category__position")
        .annotate(count=Count("concern_id", distinct=True))
        .order_by("-count", "category__position", "category__name")
    )
    return [CategoryCount(r["category_id"], r["category__name"], r["count"]) for r in rows]


@dataclass(frozen=True)
class OverduePerson:
    user_id: int
    name: str
    team: str
    count: int
    oldest_due_on: dt.date
    working_days_late: int


@dataclass(frozen=True)
class OverdueTasks:
    count: int
    people: list[OverduePerson] = field(default_factory=list)


@dataclass(frozen=True)
class PastFormalLimit:
    over: int  # the limit was used up: a stage got its own days
    agreed: int  # a date agreed beyond the limit, with a reason


def past_formal_limit(user: User, filters: Filters) -> PastFormalLimit:
    """Open concerns past their protocol's limit for the formal stages (issue 14 rule 3)."""
    totals = (
        concerns(user, filters)
        .filter(state__in=LIVE_STATES)
        .aggregate(
            over=Count("pk", filter=Q(formal_limit=FormalLimit.OVER)),
            agreed=Count("pk", filter=Q(formal_limit=FormalLimit.AGREED)),
        )
    )
    return PastFormalLimit(over=totals["over"], agreed=totals["agreed"])


def overdue_tasks(user: User, filters: Filters, today: dt.date | None = None) -> OverdueTasks:
    """Responses waiting past their due date: how many, and the 20 people with the most (then
    the longest waiting). Two queries; working days late only for the rows shown."""
    today = _today(today)
    tasks = Task.objects.filter(
        state=TaskState.ACTIVE,
        due_on__lt=today,
        stage__concern__in=concerns(user, filters).filter(state__in=LIVE_STATES),
    )
    count = tasks.count()
    rows = (
        tasks.values("assignee_id", "assignee__full_name", "assignee__team__name")
        .annotate(count=Count("pk"), oldest=Min("due_on"))
        .order_by("-count", "oldest", "assignee__full_name", "assignee_id")[:TOP_PEOPLE]
    )
    people = [
        OverduePerson(
            user_id=r["assignee_id"],
            name=r["assignee__full_name"],
            team=r["assignee__team__name"] or "",
            count=r["count"],
            oldest_due_on=r["oldest"],
            working_days_late=workdays.working_days_between(r["oldest"], today),
        )
        for r in rows
    ]
    return OverdueTasks(count=count, people=people)


# How long it takes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTiming:
    level: int
    label: str
    count: int  # stages decided in the period
    median: float | None  # working days
    p90: int | None  # working days


def _ranks(n: int) -> tuple[int, int, int]:
    """0-based positions in the sorted values: the two middle ones (the median is their mean)
    and the 90th percentile by the nearest-rank method."""
    return (n - 1) // 2, n // 2, max(math.ceil(0.9 * n) - 1, 0)


def _value_at(buckets: list[tuple[int, int]], rank: int) -> int:
    """The value at `rank` (from 0) of the sorted values a histogram of (value, count) holds."""
    seen = 0
    for value, count in buckets:
        seen += count
        if rank < seen:
            return value
    raise IndexError(rank)


def resolution_times(user: User, filters: Filters) -> list[StageTiming]:
    """Working days from a stage opening to its outcome, per stage level, for stages decided in
    the period: the median and the 90th percentile.

    One query: a histogram (level, working days, how many) grouped in SQL. Working days take few
    distinct values, so the percentiles are read off the histogram exactly, without sorting or
    fetching the stages themselves (which at national scale took seconds)."""
    stages = Stage.objects.filter(
        concern__in=concerns(user, filters, by_current_level=False),
        working_days_taken__isnull=False,
        outcome_on__range=filters.period,
    )
    if filters.level is not None:
        stages = stages.filter(level=filters.level)
    labels = _stage_labels()
    return [
        StageTiming(level=level, label=_label(labels, level), count=n, median=median, p90=p90)
        for level, (n, median, p90) in percentiles_by_level(stages).items()
    ]


def percentiles_by_level(stages) -> dict[int, tuple[int, float, int]]:
    """For stages with their working days taken: per level, how many, the median and the 90th
    percentile, read exactly off one histogram query (level, working days, how many)."""
    histogram: dict[int, list[tuple[int, int]]] = {}
    rows = (
        stages.values_list("level", "working_days_taken")
        .annotate(n=Count("pk"))
        .order_by("level", "working_days_taken")
    )
    for level, days, n in rows:
        histogram.setdefault(level, []).append((days, n))
    found = {}
    for level, buckets in histogram.items():
        n = sum(count for _, count in buckets)
        low, high, p90 = _ranks(n)
        median = (_value_at(buckets, low) + _value_at(buckets, high)) / 2
        found[level] = (n, median, _value_at(buckets, p90))
    return found


@dataclass(frozen=True)
class Share:
    """`part` of `whole`, e.g. 7 of 10 closed formal concerns."""

    part: int
    whole: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.part / self.whole) if self.whole else None


def formal_within_target(user: User, filters: Filters) -> Share:
    """Of the concerns closed in the period after reaching a formal stage, how many had their
    formal stages done within the target (20 working days unless the authority sets
    DASHBOARD_FORMAL_TARGET_DAYS). One query."""
    totals = (
        concerns(user, filters)
        .filter(state__in=CLOSED_STATES, closed_level__gte=1, closed_on__range=filters.period)
        .aggregate(
            whole=Count("pk"),
            part=Count("pk", filter=Q(formal_working_days__lte=formal_target_days())),
        )
    )
    return Share(part=totals["part"], whole=totals["whole"])


def resolved_informally(user: User, filters: Filters) -> Share:
    """Of the concerns resolved in the period, how many were resolved at the informal stage.
    One query."""
    totals = (
        concerns(user, filters)
        .filter(state=ConcernState.RESOLVED, closed_on__range=filters.period)
        .aggregate(whole=Count("pk"), part=Count("pk", filter=Q(closed_level=0)))
    )
    return Share(part=totals["part"], whole=totals["whole"])


# Over time -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    month: dt.date  # the first of the month
    raised: int
    resolved: int

    @property
    def last_day(self) -> dt.date:
        return add_months(self.month, 1) - dt.timedelta(days=1)


def monthly_trend(user: User, filters: Filters) -> list[MonthCount]:
    """Concerns raised and resolved in each of the 12 months up to the end of the period.
    Two queries."""
    first = add_months(filters.date_to, -(TREND_MONTHS - 1))
    last = add_months(filters.date_to, 1) - dt.timedelta(days=1)
    base = concerns(user, filters)
    raised = dict(
        base.filter(opened_on__range=(first, last))
        .annotate(month=TruncMonth("opened_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    resolved = dict(
        base.filter(state=ConcernState.RESOLVED, closed_on__range=(first, last))
        .annotate(month=TruncMonth("closed_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    months = [add_months(first, n) for n in range(TREND_MONTHS)]
    return [
        MonthCount(month, _month_get(raised, month), _month_get(resolved, month))
        for month in months
    ]


def _month_get(counts: dict, month: dt.date) -> int:
    # TruncMonth gives a date (or, on some backends, a datetime) for the first of the month.
    for key, value in counts.items():
        day = key.date() if isinstance(key, dt.datetime) else key
        if day == month:
            return value
    return 0


# Across the authority ------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    id: int | None
    name: str
    open: int
    overdue: int  # open concerns with a response overdue
    raised: int  # in the period


def _team_groups(user: User, filters: Filters, today: dt.date | None) -> list[dict]:
    """Open, overdue and raised per team, with each team's service: the one query both the
    by-team and by-service figures are summed from (a team is in one service)."""
    today = _today(today)
    live = Q(state__in=LIVE_STATES)
    in_period = Q(opened_on__range=filters.period)
    return list(
        concerns(user, filters)
        .filter(live | in_period)
        .values("team_id", "team__name", "team__unit_id", "team__unit__name")
        .annotate(
            open=Count("pk", filter=live),
            overdue=Count("pk", filter=live & Q(_late_task(today))),
            raised=Count("pk", filter=in_period),
        )
        .order_by()
    )


def _summed(groups: list[dict], key: str, name: str) -> list[GroupRow]:
    totals: dict[int | None, GroupRow] = {}
    for group in groups:
        row = totals.get(group[key])
        totals[group[key]] = GroupRow(
            group[key],
            group[name] or "No team recorded",
            group["open"] + (row.open if row else 0),
            group["overdue"] + (row.overdue if row else 0),
            group["raised"] + (row.raised if row else 0),
        )
    return sorted(totals.values(), key=lambda r: (-r.open, r.name, r.id is None, r.id or 0))


def by_team(user: User, filters: Filters, today: dt.date | None = None) -> list[GroupRow]:
    """Per team (of the child when the concern was raised): open, overdue, raised in the
    period. One query."""
    return _summed(_team_groups(user, filters, today), "team_id", "team__name")


def by_service(user: User, filters: Filters, today: dt.date | None = None) -> list[GroupRow]:
    """Per service (the unit the child's team is in): open, overdue, raised in the period.
    One query."""
    return _summed(_team_groups(user, filters, today), "team__unit_id", "team__unit__name")


# Good practice, QAPRs, reviews and decisions ---------------------------------------------------


@dataclass(frozen=True)
class LabelledCount:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class GoodPractice:
    count: int
    by_direction: list[LabelledCount]


# The rows behind a figure: the figure counts them, and the list its link opens shows them
# (dashboards.list_views), so the two always agree.


def period_notes(user: User, filters: Filters, direction: str = "") -> QuerySet[GoodPracticeNote]:
    """Good practice notes written in the period (of one direction, if given)."""
    qs = notes(user, filters).filter(created_at__date__range=filters.period)
    return qs.filter(direction=direction) if direction else qs


def review_overdue_children(user: User, filters: Filters, today=None) -> QuerySet[Child]:
    return children(user, filters).filter(review_due_on__lt=_today(today))


def qapr_overdue_children(user: User, filters: Filters, today=None) -> QuerySet[Child]:
    return children(user, filters).filter(qapr_due_on__lt=_today(today))


def qapr_window_children(user: User, filters: Filters) -> QuerySet[Child]:
    """Children with QAPR windows that needed a QAPR (the compliance figure sums them)."""
    return children(user, filters).filter(qapr_windows_due__gt=0)


def period_qaprs(user: User, filters: Filters, grade: str = "") -> QuerySet[Qapr]:
    """QAPRs finalised in the period (of one grade, if given)."""
    qs = Qapr.objects.filter(
        state=QaprState.FINALISED,
        completed_on__range=filters.period,
        child__in=children(user, filters),
    )
    return qs.filter(grade=grade) if grade else qs


def good_practice(user: User, filters: Filters) -> GoodPractice:
    """Good practice notes written in the period, by who sent them to whom. One query."""
    counts = dict(
        period_notes(user, filters).values_list("direction").annotate(n=Count("pk")).order_by()
    )
    rows = [
        LabelledCount(value, label, counts.get(value, 0))
        for value, label in GoodPracticeNote.Direction.choices
    ]
    return GoodPractice(count=sum(counts.values()), by_direction=rows)


@dataclass(frozen=True)
class QaprCompliance:
    windows_due: int
    windows_done: int
    overdue: int  # children whose QAPR due date has passed

    @property
    def share(self) -> Share:
        return Share(part=self.windows_done, whole=self.windows_due)


def qapr_compliance(user: User, filters: Filters, today: dt.date | None = None) -> QaprCompliance:
    """QAPR windows that needed a QAPR and how many had one, summed over the children, and the
    children whose QAPR is overdue. Two queries."""
    totals = qapr_window_children(user, filters).aggregate(
        due=Sum("qapr_windows_due"),
        done=Sum("qapr_windows_done"),
    )
    overdue = qapr_overdue_children(user, filters, today).count()
    return QaprCompliance(
        windows_due=totals["due"] or 0,
        windows_done=totals["done"] or 0,
        overdue=overdue,
    )


def qapr_grades(user: User, filters: Filters) -> list[LabelledCount]:
    """Finalised QAPRs completed in the period, by grade (every grade shown). One query."""
    counts = dict(
        period_qaprs(user, filters).values_list("grade").annotate(n=Count("pk")).order_by()
    )
    return [LabelledCount(value, label, counts.get(value, 0)) for value, label in Grade.choices]


@dataclass(frozen=True)
class Decisions:
    referred_to_cafcass: int  # concerns referred to CAFCASS in the period
    legal_advice_sought: int  # concerns where legal advice was sought at a stage decided then


def decisions(user: User, filters: Filters) -> Decisions:
    """Concerns referred to CAFCASS, and those where legal advice was sought, at a stage whose
    outcome was recorded in the period. One query."""
    stages = Stage.objects.filter(
        concern__in=concerns(user, filters, by_current_level=False),
        outcome_on__range=filters.period,
    )
    if filters.level is not None:
        stages = stages.filter(level=filters.level)
    totals = stages.aggregate(
        cafcass=Count("concern_id", distinct=True, filter=Q(outcome=Outcome.REFER_CAFCASS)),
        legal=Count("concern_id", distinct=True, filter=Q(legal_advice_sought=True)),
    )
    return Decisions(referred_to_cafcass=totals["cafcass"], legal_advice_sought=totals["legal"])


def reviews_overdue(user: User, filters: Filters, today: dt.date | None = None) -> int:
    """Children whose statutory review (or conference) is overdue. One query."""
    return review_overdue_children(user, filters, today).count()


# Everything on the page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    today: dt.date
    open_by_stage: list[StageCount]
    open_by_category: list[CategoryCount]
    overdue_tasks: OverdueTasks
    past_formal_limit: PastFormalLimit
    resolution_times: list[StageTiming]
    formal_within_target: Share
    resolved_informally: Share
    monthly_trend: list[MonthCount]
    by_team: list[GroupRow]
    by_service: list[GroupRow]
    good_practice: GoodPractice
    qapr_compliance: QaprCompliance
    qapr_grades: list[LabelledCount]
    decisions: Decisions
    reviews_overdue: int

    @property
    def open_total(self) -> int:
        return sum(row.count for row in self.open_by_stage)


FIGURES = (
    "open_by_stage",
    "open_by_category",
    "overdue_tasks",
    "past_formal_limit",
    "resolution_times",
    "formal_within_target",
    "resolved_informally",
    "monthly_trend",
    "by_team",
    "by_service",
    "good_practice",
    "qapr_compliance",
    "qapr_grades",
    "decisions",
    "reviews_overdue",
)
_BY_UNIT = {"by_team", "by_service"}
_TAKES_TODAY = {"overdue_tasks", "by_team", "by_service", "qapr_compliance", "reviews_overdue"}


def figure(name: str, user: User, filters: Filters, today: dt.date | None = None):
    """One figure by name (for downloading a single table)."""
    function = globals()[name]
    if name in _TAKES_TODAY:
        return function(user, filters, _today(today))
    return function(user, filters)


def dashboard(user: User, filters: Filters, today: dt.date | None = None) -> Dashboard:
    today = _today(today)
    values = {name: figure(name, user, filters, today) for name in FIGURES if name not in _BY_UNIT}
    # By team and by service come from one grouped query, read once for the page.
    groups = _team_groups(user, filters, today)
    values["by_team"] = _summed(groups, "team_id", "team__name")
    values["by_service"] = _summed(groups, "team__unit_id", "team__unit__name")
    return Dashboard(filters=filters, today=today, **values)
