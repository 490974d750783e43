"""The reports: the monthly themes report, the weekly clinic pack and the IRO annual report.

Every figure is an SQL aggregate (or one fixed query) over what the person's figures count
(dashboards.scope), so a page does the same number of queries whatever the data size and a
restricted child is never counted, quoted or named. The clinic pack lists concerns, so it goes
through the concern list's visibility rule (escalations.selectors) and also leaves out every
concern about a restricted child: the pack is printed and handed round.

Each report is a set of `Table`s: the page shows them as GOV.UK tables and the same rows are
downloaded as CSV or Excel, so a download always matches the page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import Truncator

from cases.models import Child, Review, SignificantChange
from cases.selectors import child_queryset
from escalations.models import (
    Concern,
    ConcernChild,
    ConcernState,
    GoodPracticeNote,
    Outcome,
    Stage,
    SubConcern,
    Task,
    TaskState,
)
from escalations.selectors import concern_queryset
from prp import workdays
from prp.hierarchy import span_team_ids
from prp.models import ProtocolCategory, ProtocolStage, User
from prp.permissions import may_see_dashboards
from qapr.models import Grade, Qapr, QaprState

from .metrics import percentiles_by_level
from .scope import child_scope, concern_scope

NO_TEAM = "No team recorded"
EXAMPLES_PER_CATEGORY = 3
EXAMPLE_LENGTH = 300
CHILD_PLACEHOLDER = "[the child]"
SURNAME_PLACEHOLDER = "[surname]"


# Tables: what a page shows and a download contains --------------------------------------------


@dataclass
class Table:
    """One table of a report: its caption, column headings and rows of plain values.

    `links` (optional, one per row) is where the first cell of each row links to on the page;
    `total` is a last row shown in bold and included in downloads.
    """

    key: str
    caption: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()
    total: list | None = None
    links: list[str | None] = field(default_factory=list)
    empty: str = "None."
    # Set when the page shows only the first rows: how many there are in all (downloads have
    # every row).
    total_rows: int | None = None

    def download_rows(self) -> list[list]:
        return [*self.rows, self.total] if self.total else list(self.rows)

    @property
    def display_rows(self) -> list[list[tuple[str, bool, str | None]]]:
        """Each row as (text, numeric, link) cells for the template."""
        shown = []
        for number, row in enumerate(self.rows):
            link = self.links[number] if number < len(self.links) else None
            shown.append(
                [
                    (display(value), index in self.numeric, link if index == 0 else None)
                    for index, value in enumerate(row)
                ]
            )
        return shown

    @property
    def display_total(self) -> list[tuple[str, bool]] | None:
        if not self.total:
            return None
        return [(display(value), index in self.numeric) for index, value in enumerate(self.total)]

    @property
    def header_cells(self) -> list[tuple[str, bool]]:
        return [(header, index in self.numeric) for index, header in enumerate(self.headers)]


def display(value) -> str:
    """A cell as the page shows it: dates as "8 December 2023", nothing as a blank."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return dateformat.format(timezone.localtime(value), "j F Y")
    if isinstance(value, dt.date):
        return dateformat.format(value, "j F Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def share(part: int, whole: int) -> float | None:
    """A percentage to one decimal place, or None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


# Periods --------------------------------------------------------------------------------------


def month_end(month_start: dt.date) -> dt.date:
    following = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def last_complete_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def reporting_year_of(day: dt.date) -> int:
    """The reporting year (April to March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def reporting_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def default_reporting_year(user: User, today: dt.date) -> int:
    """The year the annual report opens on: the last complete reporting year, the one a report
    is written about, unless no concern this person counts was raised in it (a service new to
    the system, or the demo): then the latest year with one, so the page never opens empty."""
    last_complete = reporting_year_of(today) - 1
    raised = concern_scope(user).filter(opened_on__lte=today)
    if raised.filter(opened_on__range=reporting_year_bounds(last_complete)).exists():
        return last_complete
    latest = raised.aggregate(day=Max("opened_on"))["day"]
    return reporting_year_of(latest) if latest else last_complete


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# Stage labels ---------------------------------------------------------------------------------


def stage_labels() -> dict[int, str]:
    """The active protocol's name for each level (one query)."""
    return dict(
        ProtocolStage.objects.filter(protocol__is_active=True).values_list("level", "label")
    )


def level_label(labels: dict[int, str], level: int | None) -> str:
    if level is None:
        return "Not known"
    if level in labels:
        return labels[level]
    return "Informal stage" if level == 0 else f"Formal stage {level}"


# 1. The monthly themes report -----------------------------------------------------------------


@dataclass
class ThemesReport:
    month_start: dt.date
    month_end: dt.date
    teams: Table
    examples: Table
    total: int

    @property
    def tables(self) -> list[Table]:
        return [self.teams, self.examples]


def protocol_category_positions() -> dict[str, int]:
    """The categories of the protocols active now, by name, with their place in the list."""
    positions: dict[str, int] = {}
    active = ProtocolCategory.objects.filter(protocol__is_active=True)
    for name, position in active.values_list("name", "position"):
        positions[name] = min(positions.get(name, position), position)
    return positions


def themes_report(user: User, month_start: dt.date) -> ThemesReport:
    """Sub-concerns in the concerns raised in the month, by team and category, and for each
    category up to three of the newest impact statements, with children's names taken out."""
    end = month_end(month_start)
    concerns = concern_scope(user).filter(opened_on__range=(month_start, end))
    subs = SubConcern.objects.filter(archived_at__isnull=True, concern__in=concerns)

    counts = list(
        subs.values("category__name", "concern__team_id", "concern__team__name")
        .annotate(n=Count("id"), position=Min("category__position"))
        .order_by()
    )
    # Every category of the protocol in use, in its order, so the columns are the same every
    # month; a category found only in older versions' concerns follows in its own place.
    positions = protocol_category_positions()
    for row in counts:
        name = row["category__name"]
        positions[name] = min(positions.get(name, row["position"]), row["position"])
    categories = sorted(positions, key=lambda name: (positions[name], name))
    teams: dict[int | None, str] = {
        row["concern__team_id"]: row["concern__team__name"] or NO_TEAM for row in counts
    }
    team_order = sorted(teams, key=lambda pk: (pk is None, teams[pk].lower()))
    cells = {(row["concern__team_id"], row["category__name"]): row["n"] for row in counts}

    rows = []
    for team_id in team_order:
        values = [cells.get((team_id, name), 0) for name in categories]
        rows.append([teams[team_id], *values, sum(values)])
    column_totals = [sum(cells.get((t, name), 0) for t in team_order) for name in categories]
    total = sum(column_totals)
    numeric = frozenset(range(1, len(categories) + 2))
    table = Table(
        key="teams",
        caption="Sub-concerns by team and category",
        headers=["Team", *categories, "Total"],
        rows=rows,
        numeric=numeric,
        total=["Total", *column_totals, total] if rows else None,
        empty="No concerns were raised in this month.",
    )
    return ThemesReport(
        month_start=month_start,
        month_end=end,
        teams=table,
        examples=_impact_examples(subs, categories),
        total=total,
    )


def _impact_examples(subs: QuerySet[SubConcern], categories: list[str]) -> Table:
    newest = Window(
        RowNumber(),
        partition_by=[F("category__name")],
        order_by=[F("created_at").desc(), F("id").desc()],
    )
    examples = list(
        subs.annotate(rank=newest)
        .filter(rank__lte=EXAMPLES_PER_CATEGORY)
        .values("concern_id", "category__name", "impact_on_child", "concern__team__name")
        .order_by("category__name", "rank")
    )
    names: dict[int, list[tuple[str, str]]] = {}
    for concern_id, first, last in ConcernChild.objects.filter(
        concern_id__in={row["concern_id"] for row in examples}
    ).values_list("concern_id", "child__first_name", "child__last_name"):
        names.setdefault(concern_id, []).append((first, last))
    order = {name: index for index, name in enumerate(categories)}
    examples.sort(key=lambda row: order.get(row["category__name"], len(order)))
    return Table(
        key="examples",
        caption="Examples of the impact on children, newest first",
        headers=["Category", "Team", "Impact on the child (example)"],
        rows=[
            [
                row["category__name"],
                row["concern__team__name"] or NO_TEAM,
                Truncator(
                    without_names(row["impact_on_child"], names.get(row["concern_id"], []))
                ).chars(EXAMPLE_LENGTH),
            ]
            for row in examples
        ],
        empty="No concerns were raised in this month.",
    )


def without_names(text: str, children: list[tuple[str, str]]) -> str:
    """The statement with the children's names replaced, so an example names nobody."""
    for first, last in children:
        for pattern, placeholder in (
            (rf"{re.escape(first)}\s+{re.escape(last)}", CHILD_PLACEHOLDER),
            (re.escape(first), CHILD_PLACEHOLDER),
            (re.escape(last), SURNAME_PLACEHOLDER),
        ):
            if pattern:
                text = re.sub(rf"\b{pattern}\b", placeholder, text, flags=re.IGNORECASE)
    return text


# 2. The weekly clinic pack --------------------------------------------------------------------


def pack_concerns(user: User) -> QuerySet[Concern]:
    """The concerns the pack may list: raised ones this person can see, none about a
    restricted child. For people who see the whole authority that is the dashboards' scope,
    plain column filters; for others, the concern list's visibility rule."""
    if user.is_service_wide and may_see_dashboards(user):
        visible = concern_scope(user)
    else:
        visible = concern_queryset(user)
    return (
        visible.exclude(state=ConcernState.DRAFT)
        .filter(about_restricted_child=False)
        .select_related("raised_by", "current_stage__protocol_stage")
        .prefetch_related("concern_children__child")
    )


def pack_notes(user: User) -> QuerySet[GoodPracticeNote]:
    """Good practice notes the pack may list: as the weekly clinic finds them (party to the
    note, or in the person's span; every note for service-wide roles), about a child they may
    see or no child, and never about a restricted child."""
    if user.is_service_wide:
        in_reach = Q()
    else:
        span = span_team_ids(user)
        in_reach = (
            Q(author=user)
            | Q(recipient=user)
            | Q(copied_to=user)
            | Q(author__team_id__in=span)
            | Q(recipient__team_id__in=span)
        )
    visible_children = child_queryset(user).filter(restricted=False).values("pk")
    return (
        GoodPracticeNote.objects.filter(in_reach)
        .filter(Q(child__isnull=True) | Q(child__in=visible_children))
        .distinct()
        .select_related("author", "recipient", "category", "child")
    )


def _children(concern: Concern) -> str:
    return ", ".join(link.child.full_name for link in concern.concern_children.all())


def _stage(concern: Concern) -> str:
    if concern.state == ConcernState.REFERRED:
        return "Referred to CAFCASS"
    if concern.current_stage is None:
        return concern.get_state_display()
    return concern.current_stage.protocol_stage.label


def _concern_url(pk: int) -> str:
    return reverse("escalations:concern_detail", args=[pk])


@dataclass
class ClinicPack:
    week_start: dt.date
    week_end: dt.date
    as_at: dt.date
    tables: list[Table]


# The page lists at most this many rows per table (oldest first); downloads have them all.
PACK_ROWS_SHOWN = 200


def clinic_pack(
    user: User, monday: dt.date, today: dt.date | None = None, *, limit: int | None = None
) -> ClinicPack:
    """New, open, overdue and resolved concerns and good practice for the week beginning
    `monday`. Open and overdue are as they stood at the end of the week (or today, during it).
    With `limit`, each table keeps its first `limit` rows and records how many there are."""
    today = today or timezone.localdate()
    sunday = monday + dt.timedelta(days=6)
    as_at = min(sunday, today)
    concerns = pack_concerns(user)
    first = _Rows(limit)
    tables = [
        _new_table(
            first(concerns.filter(opened_on__range=(monday, sunday)).order_by("opened_on", "id"))
        ),
        _open_table(
            first(
                concerns.filter(opened_on__lte=as_at)
                .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=as_at))
                .order_by("opened_on", "id")
            ),
            as_at,
        ),
        _overdue_table(first(_overdue_tasks(concerns, as_at, today)), as_at),
        _resolved_table(
            first(
                concerns.filter(
                    state=ConcernState.RESOLVED, closed_on__range=(monday, sunday)
                ).order_by("closed_on", "id")
            )
        ),
        _notes_table(
            first(
                pack_notes(user)
                .filter(
                    created_at__gte=_day_start(monday),
                    created_at__lt=_day_start(sunday + dt.timedelta(days=1)),
                )
                .order_by("created_at", "id")
            )
        ),
    ]
    return ClinicPack(week_start=monday, week_end=sunday, as_at=as_at, tables=tables)


class _Rows:
    """Reads a table's rows, only the first `limit` when there is a limit, and how many there
    are in all (one more query, only when there are more than the limit)."""

    def __init__(self, limit: int | None):
        self.limit = limit

    def __call__(self, queryset) -> Rows:
        if self.limit is None:
            return Rows(queryset)
        rows = Rows(queryset[: self.limit])
        if len(rows) == self.limit:
            rows.total = queryset.count()
        return rows


class Rows(list):
    """A table's rows as read, and how many there are in all (more when the page was capped)."""

    def __init__(self, items=()):
        super().__init__(items)
        self.total = len(self)

    @property
    def capped(self) -> bool:
        return self.total > len(self)


def _new_table(concerns) -> Table:
    return Table(
        key="new",
        caption=f"New this week ({concerns.total:,})",
        total_rows=concerns.total if concerns.capped else None,
        headers=["Concern", "Title", "Children", "Stage now", "Raised by", "Raised on"],
        rows=[
            [c.reference, c.title, _children(c), _stage(c), str(c.raised_by), c.opened_on]
            for c in concerns
        ],
        links=[_concern_url(c.pk) for c in concerns],
        empty="No concerns were raised this week.",
    )


def _open_table(concerns, as_at: dt.date) -> Table:
    return Table(
        key="open",
        caption=f"Open at the end of the week ({concerns.total:,})",
        total_rows=concerns.total if concerns.capped else None,
        headers=["Concern", "Title", "Children", "Stage now", "Opened", "Working days open"],
        rows=[
            [
                c.reference,
                c.title,
                _children(c),
                _stage(c),
                c.opened_on,
                workdays.working_days_between(c.opened_on, as_at),
            ]
            for c in concerns
        ],
        numeric=frozenset({5}),
        links=[_concern_url(c.pk) for c in concerns],
        empty="No concerns were open.",
    )


def _overdue_tasks(concerns, as_at: dt.date, today: dt.date):
    """Responses waiting at the end of the day `as_at` that were due before it."""
    waiting = Q(state=TaskState.ACTIVE)
    if as_at < today:
        # A past week: also those answered or taken back since. For this week nothing can have
        # been answered after today, and the plain `state` filter can use esc_task_due_idx.
        after = _day_start(as_at + dt.timedelta(days=1))
        waiting |= Q(responded_at__gte=after) | Q(retracted_at__gte=after)
    return (
        Task.objects.filter(
            stage__concern__in=concerns.values("pk"),
            due_on__lt=as_at,
            delegated_at__lt=_day_start(as_at + dt.timedelta(days=1)),
        )
        .filter(waiting)
        .select_related("assignee", "stage__protocol_stage", "stage__concern")
        .prefetch_related("stage__concern__concern_children__child")
        .order_by("due_on", "id")
    )


def _overdue_table(tasks, as_at: dt.date) -> Table:
    return Table(
        key="overdue",
        caption=f"Overdue responses ({tasks.total:,})",
        total_rows=tasks.total if tasks.capped else None,
        headers=["Concern", "Children", "Stage", "With", "Due", "Working days late"],
        rows=[
            [
                t.stage.concern.reference,
                _children(t.stage.concern),
                t.stage.protocol_stage.label,
                str(t.assignee),
                t.due_on,
                workdays.working_days_between(t.due_on, as_at),
            ]
            for t in tasks
        ],
        numeric=frozenset({5}),
        links=[_concern_url(t.stage.concern_id) for t in tasks],
        empty="No responses were overdue.",
    )


def _resolved_table(concerns) -> Table:
    return Table(
        key="resolved",
        caption=f"Resolved this week ({concerns.total:,})",
        total_rows=concerns.total if concerns.capped else None,
        headers=["Concern", "Title", "Children", "Resolved at", "Opened", "Resolved on"],
        rows=[
            [c.reference, c.title, _children(c), _stage(c), c.opened_on, c.closed_on]
            for c in concerns
        ],
        links=[_concern_url(c.pk) for c in concerns],
        empty="No concerns were resolved this week.",
    )


def _notes_table(notes) -> Table:
    return Table(
        key="good_practice",
        caption=f"Good practice this week ({notes.total:,})",
        total_rows=notes.total if notes.capped else None,
        headers=["Sent", "From", "To", "Category", "Child", "What was done well"],
        rows=[
            [
                timezone.localtime(n.created_at).date(),
                str(n.author),
                str(n.recipient),
                str(n.category),
                n.child.full_name if n.child_id else "",
                n.note,
            ]
            for n in notes
        ],
        empty="No good practice notes were sent this week.",
    )


# 3. The IRO annual report ---------------------------------------------------------------------


def note_scope(user: User) -> QuerySet[GoodPracticeNote]:
    """Good practice notes this person's figures count: in their span (every note for
    service-wide roles), never one about a restricted child."""
    notes = GoodPracticeNote.objects.filter(Q(child__isnull=True) | Q(child__restricted=False))
    if not may_see_dashboards(user):
        return notes.none()
    if user.is_service_wide:
        return notes
    span = span_team_ids(user)
    return notes.filter(
        Q(team_id__in=span) | Q(author__team_id__in=span) | Q(recipient__team_id__in=span)
    )


@dataclass
class AnnualReport:
    year: int
    start: dt.date
    end: dt.date
    as_at: dt.date
    tables: list[Table]

    @property
    def label(self) -> str:
        return f"1 April {self.start.year} to 31 March {self.end.year}"

    def flat_rows(self) -> list[list]:
        """Every figure as one row: figure, breakdown, measure, value (the download)."""
        rows = []
        for table in self.tables:
            if not table.rows:
                rows.append([table.caption, table.empty, table.headers[-1], 0])
            for row in table.download_rows():
                for index, header in enumerate(table.headers[1:], start=1):
                    rows.append([table.caption, row[0], header, row[index]])
        return rows


def annual_report(user: User, year: int, today: dt.date | None = None) -> AnnualReport:
    today = today or timezone.localdate()
    start, end = reporting_year_bounds(year)
    period = (start, end)
    as_at = min(end, today)
    labels = stage_labels()
    concerns = concern_scope(user)
    children = child_scope(user)
    stages = Stage.objects.filter(concern__in=concerns)
    tables = [
        _raised_by_stage(concerns.filter(opened_on__range=period), labels),
        _raised_by_category(concerns.filter(opened_on__range=period)),
        _closed(concerns.filter(closed_on__range=period)),
        _median_days(
            stages.filter(outcome_on__range=period, working_days_taken__isnull=False), labels
        ),
        _escalations(stages.filter(opened_on__range=period), labels),
        _outcomes(stages.filter(outcome_on__range=period)),
        _notes(
            note_scope(user).filter(
                created_at__gte=_day_start(start), created_at__lt=_day_start(end + dt.timedelta(1))
            )
        ),
        _qaprs(
            Qapr.objects.filter(
                child__in=children, state=QaprState.FINALISED, completed_on__range=period
            )
        ),
        _reviews(Review.objects.filter(child__in=children, held_on__range=period), children, as_at),
        _changes(SignificantChange.objects.filter(child__in=children, occurred_on__range=period)),
    ]
    return AnnualReport(year=year, start=start, end=end, as_at=as_at, tables=tables)


def _counted(key: str, caption: str, heading: str, pairs: list[tuple[str, int]], empty: str):
    return Table(
        key=key,
        caption=caption,
        headers=[heading, "Number"],
        rows=[[label, n] for label, n in pairs],
        numeric=frozenset({1}),
        total=["Total", sum(n for _, n in pairs)] if pairs else None,
        empty=empty,
    )


def _raised_by_stage(concerns, labels) -> Table:
    counts = concerns.values("start_level").annotate(n=Count("id")).order_by("start_level")
    return _counted(
        "raised_by_stage",
        "Concerns raised, by the stage they were raised at",
        "Stage",
        [(level_label(labels, row["start_level"]), row["n"]) for row in counts],
        "No concerns were raised.",
    )


def _raised_by_category(concerns) -> Table:
    counts = (
        SubConcern.objects.filter(archived_at__isnull=True, concern__in=concerns)
        .values("category__name")
        .annotate(n=Count("concern_id", distinct=True), position=Min("category__position"))
        .order_by("position", "category__name")
    )
    return Table(
        key="raised_by_category",
        caption="Concerns raised, by category (a concern with several categories counts in each)",
        headers=["Category", "Number"],
        rows=[[row["category__name"], row["n"]] for row in counts],
        numeric=frozenset({1}),
        empty="No concerns were raised.",
    )


def _closed(concerns) -> Table:
    resolved = Q(state=ConcernState.RESOLVED)
    formal = resolved & Q(closed_level__gte=1)
    figures = concerns.aggregate(
        resolved=Count("id", filter=resolved),
        informal=Count("id", filter=resolved & Q(closed_level=0)),
        formal=Count("id", filter=formal),
        within=Count(
            "id", filter=formal & Q(formal_working_days__lte=F("protocol__formal_limit_days"))
        ),
        withdrawn=Count("id", filter=Q(state=ConcernState.WITHDRAWN)),
    )
    return Table(
        key="closed",
        caption="Concerns closed in the year",
        headers=["Concerns", "Number", "Per cent"],
        rows=[
            ["Resolved", figures["resolved"], None],
            [
                "Resolved at the informal stage (per cent of those resolved)",
                figures["informal"],
                share(figures["informal"], figures["resolved"]),
            ],
            ["Resolved at a formal stage", figures["formal"], None],
            [
                "Resolved within the formal stages' limit of working days, usually 20 "
                "(per cent of those resolved at a formal stage)",
                figures["within"],
                share(figures["within"], figures["formal"]),
            ],
            ["Withdrawn", figures["withdrawn"], None],
        ],
        numeric=frozenset({1, 2}),
    )


def _median_days(stages, labels) -> Table:
    """The median per level, read off one histogram query (as the dashboard does)."""
    rows = [
        [level_label(labels, level), count, median]
        for level, (count, median, _) in sorted(percentiles_by_level(stages).items())
    ]
    return Table(
        key="median_days",
        caption="Working days each stage took, from opening to its outcome",
        headers=["Stage", "Stages with an outcome in the year", "Median working days"],
        rows=rows,
        numeric=frozenset({1, 2}),
        empty="No stage had an outcome in the year.",
    )


def _escalations(stages, labels) -> Table:
    counts = (
        stages.filter(level__gt=F("concern__start_level"))
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    )
    return _counted(
        "escalations",
        "Escalations, by the stage escalated to",
        "Stage",
        [(level_label(labels, row["level"]), row["n"]) for row in counts],
        "No concern was escalated.",
    )


def _outcomes(stages) -> Table:
    figures = stages.aggregate(
        referred=Count("id", filter=Q(outcome=Outcome.REFER_CAFCASS)),
        considered=Count("id", filter=Q(cafcass_considered=True)),
        legal=Count("id", filter=Q(legal_advice_sought=True)),
    )
    return Table(
        key="cafcass_legal",
        caption="CAFCASS referrals and legal advice, at stage outcomes in the year",
        headers=["Outcome", "Number"],
        rows=[
            ["Referred to CAFCASS", figures["referred"]],
            ["A referral to CAFCASS was considered", figures["considered"]],
            ["Legal advice was sought", figures["legal"]],
        ],
        numeric=frozenset({1}),
    )


def _notes(notes) -> Table:
    counts = dict(notes.values("direction").annotate(n=Count("id")).values_list("direction", "n"))
    return _counted(
        "good_practice",
        "Good practice notes sent",
        "From and to",
        [(label, counts.get(value, 0)) for value, label in GoodPracticeNote.Direction.choices],
        "",
    )


def _qaprs(qaprs) -> Table:
    counts = dict(qaprs.values("grade").annotate(n=Count("id")).values_list("grade", "n"))
    return _counted(
        "qaprs",
        "QAPRs finalised, by grade",
        "Grade",
        [(label, counts.get(value, 0)) for value, label in Grade.choices],
        "",
    )


def _reviews(reviews, children: QuerySet[Child], as_at: dt.date) -> Table:
    counts = dict(reviews.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    overdue = children.filter(review_due_on__lt=as_at).count()
    pairs = [(label, counts.get(value, 0)) for value, label in Review.Kind.choices]
    return Table(
        key="reviews",
        caption="Statutory reviews and child protection conferences held",
        headers=["Review", "Number"],
        rows=[
            *([label, n] for label, n in pairs),
            ["Total held", sum(n for _, n in pairs)],
            [
                f"Children whose next review was overdue on {display(as_at)} "
                "(from each child's next review date now)",
                overdue,
            ],
        ],
        numeric=frozenset({1}),
    )


def _changes(changes) -> Table:
    counts = dict(changes.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    pairs = [
        (label, counts[value]) for value, label in SignificantChange.Kind.choices if value in counts
    ]
    return _counted(
        "significant_changes",
        "Significant changes recorded, by kind",
        "Change",
        pairs,
        "No significant changes were recorded.",
    )
