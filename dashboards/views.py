"""The dashboard: where children are waiting, how long it takes, reviews and QAPRs.

One page of key figures, tables and charts (the tables are the charts' accessible alternative,
and the page is complete without JavaScript). Every number links to the list behind it. Any one
table downloads as CSV or Excel: ?format=csv|xlsx&table=<name>, with the same filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from escalations.models import FormalLimit
from escalations.selectors import immediate_awaiting_contact
from prp import exports, figures_cache
from prp.permissions import may_see_dashboards

from . import metrics
from .filters import DashboardFilterSet
from .list_views import figure_url

# Tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: Any  # what a download holds
    text: str = ""  # what the page shows, when it differs from the value
    href: str = ""
    numeric: bool = False

    @property
    def shown(self) -> str:
        return self.text or ("" if self.value is None else str(self.value))


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    numeric: list[bool] = field(default_factory=list)  # per column
    empty: str = "Nothing to show for these filters."

    def header_cells(self) -> list[tuple[str, bool]]:
        return list(zip(self.headers, self.numeric or [False] * len(self.headers), strict=True))

    def display_rows(self) -> list[tuple[Cell, list[tuple[Cell, str]]]]:
        """Each row as its first cell (the row's name) and the rest with their column's header,
        so a link can say what it counts ("4: Open concerns, Formal stage 1")."""
        return [(row[0], list(zip(row[1:], self.headers[1:], strict=True))) for row in self.rows]

    def download_rows(self) -> list[list]:
        return [[cell.value for cell in row] for row in self.rows]


def _day(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _number(value: int, href: str = "") -> Cell:
    return Cell(value, href=href, numeric=True)


def _percent(share: metrics.Share, href: str = "") -> Cell:
    percent = share.percent
    return Cell(percent, text="No data" if percent is None else f"{percent}%", numeric=True)


class Links:
    """Where each number leads: the concern list narrowed the same way, or the reviews, QAPRs
    and good practice pages."""

    def __init__(self, filters: metrics.Filters):
        self.filters = filters

    def concerns(self, **params) -> str:
        f = self.filters
        query = {
            "scope": "all",
            "state": "open",
            "team": f.team_id,
            "service": f.service_id,
            "child_status": f.child_status,
            "level": f.level,
            "category": f.category_id,
            # The figures count archived concerns too, so the list behind a count shows them.
            "archived": "include",
        }
        query.update(params)
        wanted = {key: value for key, value in query.items() if value not in (None, "")}
        return f"{reverse('escalations:concern_list')}?{urlencode(wanted)}"

    def dated(self, dated: str, start: dt.date | None = None, end: dt.date | None = None):
        """The params for concerns raised, closed or decided in the period (or the dates)."""
        return {
            "dated": dated,
            "date_from": (start or self.filters.date_from).isoformat(),
            "date_to": (end or self.filters.date_to).isoformat(),
        }

    def figure(self, name: str, of: str = "") -> str:
        """The list behind a figure about children, QAPRs or notes (list_views)."""
        return figure_url(name, self.filters, of)


def _stages_table(fig, links: Links) -> Table:
    rows = []
    for row in fig["open_by_stage"]:
        if row.level is None:
            href = links.concerns(state="referred", level=None)
        else:
            href = links.concerns(level=row.level)
        rows.append([Cell(row.label), _number(row.count, href)])
    return Table(
        "open_by_stage",
        "Open concerns by stage",
        ["Stage", "Open concerns"],
        rows,
        [False, True],
    )


def _categories_table(fig, links: Links) -> Table:
    rows = [
        [Cell(row.name), _number(row.count, links.concerns(category=row.category_id))]
        for row in fig["open_by_category"]
    ]
    return Table(
        "open_by_category",
        "Open concerns by category (a concern can be in more than one)",
        ["Category", "Open concerns"],
        rows,
        [False, True],
        empty="No open concerns.",
    )


def _overdue_table(fig, links: Links) -> Table:
    overdue = fig["overdue_tasks"]
    rows = [
        [
            Cell(person.name),
            Cell(person.team),
            _number(person.count, links.concerns(overdue="on", assignee=person.user_id)),
            Cell(person.oldest_due_on, text=_day(person.oldest_due_on)),
            _number(person.working_days_late),
        ]
        for person in overdue.people
    ]
    return Table(
        "overdue_tasks",
        f"People with the most overdue responses ({overdue.count} overdue in all)",
        ["Person", "Team", "Overdue responses", "Oldest due", "Working days late"],
        rows,
        [False, False, True, False, True],
        empty="No responses are overdue.",
    )


def _timings_table(fig, links: Links) -> Table:
    def days(value) -> Cell:
        text = f"{value:g}" if value is not None else ""
        return Cell(value, text=text, numeric=True)

    rows = [
        [Cell(row.label), _number(row.count), days(row.median), days(row.p90)]
        for row in fig["resolution_times"]
    ]
    return Table(
        "resolution_times",
        "Working days from a stage opening to its outcome, for stages decided in the period",
        ["Stage", "Stages decided", "Median (working days)", "90th percentile (working days)"],
        rows,
        [False, True, True, True],
        empty="No stage was decided in the period.",
    )


def _closing_table(fig, links: Links) -> Table:
    formal, informal = fig["formal_within_target"], fig["resolved_informally"]
    closed = links.dated("closed")
    target = metrics.formal_target_days()
    rows = [
        [
            Cell(f"Formal stages done within {target} working days"),
            _number(
                formal.part,
                links.concerns(state="closed", ended="formal_within_target", **closed),
            ),
            _number(formal.whole, links.concerns(state="closed", ended="formal", **closed)),
            _percent(formal),
        ],
        [
            Cell("Resolved at the informal stage"),
            _number(informal.part, links.concerns(state="resolved", ended="informal", **closed)),
            _number(informal.whole, links.concerns(state="resolved", **closed)),
            _percent(informal),
        ],
    ]
    return Table(
        "closing",
        "How concerns closed in the period were settled",
        ["Measure", "Concerns", "Out of", "Share"],
        rows,
        [False, True, True, True],
    )


def _trend_table(fig, links: Links) -> Table:
    rows = []
    for month in fig["monthly_trend"]:
        dates = links.dated("opened", month.month, month.last_day)
        closed = links.dated("closed", month.month, month.last_day)
        rows.append(
            [
                Cell(month.month, text=f"{month.month:%B %Y}"),
                _number(month.raised, links.concerns(state="any", **dates)),
                _number(month.resolved, links.concerns(state="resolved", **closed)),
            ]
        )
    return Table(
        "monthly_trend",
        "Concerns raised and resolved each month",
        ["Month", "Raised", "Resolved"],
        rows,
        [False, True, True],
    )


def _group_table(name: str, caption: str, heading: str, key: str):
    def build(fig, links: Links) -> Table:
        rows = []
        for row in fig[name]:
            narrow = {key: row.id} if row.id is not None else {}
            rows.append(
                [
                    Cell(row.name),
                    _number(row.open, links.concerns(**narrow) if narrow else ""),
                    _number(row.overdue, links.concerns(overdue="on", **narrow) if narrow else ""),
                    _number(
                        row.raised,
                        links.concerns(state="any", **narrow, **links.dated("opened"))
                        if narrow
                        else "",
                    ),
                ]
            )
        return Table(
            name,
            caption,
            [heading, "Open concerns", "With a response overdue", "Raised in the period"],
            rows,
            [False, True, True, True],
            empty="No concerns for these filters.",
        )

    return build


def _reviews_table(fig, links: Links) -> Table:
    qapr = fig["qapr_compliance"]
    rows = [
        [
            Cell("Children whose review or conference is overdue"),
            _number(fig["reviews_overdue"], links.figure("reviews-overdue")),
        ],
        [
            Cell("Children whose QAPR is overdue"),
            _number(qapr.overdue, links.figure("qaprs-overdue")),
        ],
        [
            Cell("QAPR windows that needed a QAPR"),
            _number(qapr.windows_due, links.figure("qapr-windows")),
        ],
        [
            Cell("QAPR windows that had one"),
            _number(qapr.windows_done, links.figure("qapr-windows-done")),
        ],
        [Cell("QAPR compliance"), _percent(qapr.share)],
    ]
    return Table(
        "reviews_qaprs",
        "Statutory reviews and QAPRs, as of today",
        ["Measure", "Number"],
        rows,
        [False, True],
    )


def _grades_table(fig, links: Links) -> Table:
    rows = [
        [Cell(row.label), _number(row.count, links.figure("qaprs", of=row.key))]
        for row in fig["qapr_grades"]
    ]
    return Table(
        "qapr_grades",
        "QAPRs finalised in the period, by grade",
        ["Grade", "QAPRs"],
        rows,
        [False, True],
    )


def _decisions_table(fig, links: Links) -> Table:
    made = fig["decisions"]
    decided = links.dated("decided")
    rows = [
        [
            Cell("Referred to CAFCASS"),
            _number(
                made.referred_to_cafcass,
                links.concerns(state="any", decision="refer_cafcass", **decided),
            ),
        ],
        [
            Cell("Legal advice sought"),
            _number(
                made.legal_advice_sought,
                links.concerns(state="any", decision="legal_advice", **decided),
            ),
        ],
    ]
    return Table(
        "decisions",
        "Concerns with a stage decided in the period",
        ["Decision", "Concerns"],
        rows,
        [False, True],
    )


def _good_practice_table(fig, links: Links) -> Table:
    notes = fig["good_practice"]
    rows = [
        [Cell(row.label), _number(row.count, links.figure("good-practice", of=row.key))]
        for row in notes.by_direction
    ]
    rows.append(
        [Cell("All good practice notes"), _number(notes.count, links.figure("good-practice"))]
    )
    return Table(
        "good_practice",
        "Good practice notes written in the period",
        ["Sent", "Notes"],
        rows,
        [False, True],
    )


# Each table: the figures it needs, and how it is built from them.
TABLES: dict[str, tuple[tuple[str, ...], Callable[[dict, Links], Table]]] = {
    "open_by_stage": (("open_by_stage",), _stages_table),
    "open_by_category": (("open_by_category",), _categories_table),
    "overdue_tasks": (("overdue_tasks",), _overdue_table),
    "resolution_times": (("resolution_times",), _timings_table),
    "closing": (("formal_within_target", "resolved_informally"), _closing_table),
    "monthly_trend": (("monthly_trend",), _trend_table),
    "by_service": (
        ("by_service",),
        _group_table("by_service", "Concerns by service", "Service", "service"),
    ),
    "by_team": (("by_team",), _group_table("by_team", "Concerns by team", "Team", "team")),
    "reviews_qaprs": (("reviews_overdue", "qapr_compliance"), _reviews_table),
    "qapr_grades": (("qapr_grades",), _grades_table),
    "decisions": (("decisions",), _decisions_table),
    "good_practice": (("good_practice",), _good_practice_table),
}


# Charts (drawn by static/js/dashboard-charts.js from json_script data) -----------------------


def _charts(data: metrics.Dashboard) -> dict[str, dict]:
    return {
        "stages": {
            "type": "bar",
            "title": "Open concerns by stage",
            "labels": [row.label for row in data.open_by_stage],
            "series": [{"label": "Open concerns", "values": [r.count for r in data.open_by_stage]}],
        },
        "categories": {
            "type": "bar",
            "horizontal": True,
            "title": "Open concerns by category",
            "labels": [row.name for row in data.open_by_category],
            "series": [
                {"label": "Open concerns", "values": [r.count for r in data.open_by_category]}
            ],
        },
        "trend": {
            "type": "line",
            "title": "Concerns raised and resolved each month",
            "labels": [f"{m.month:%b %Y}" for m in data.monthly_trend],
            "series": [
                {"label": "Raised", "values": [m.raised for m in data.monthly_trend]},
                {"label": "Resolved", "values": [m.resolved for m in data.monthly_trend]},
            ],
        },
        "grades": {
            "type": "bar",
            "title": "QAPRs finalised by grade",
            "labels": [row.label for row in data.qapr_grades],
            "series": [{"label": "QAPRs", "values": [r.count for r in data.qapr_grades]}],
        },
    }


# The page ------------------------------------------------------------------------------------


def _download(request, filters: metrics.Filters, fmt: str, name: str):
    if name not in TABLES:
        raise Http404("No such table on the dashboard")
    needs, build = TABLES[name]
    today = timezone.localdate()
    fig = {figure: metrics.figure(figure, request.user, filters, today) for figure in needs}
    table = build(fig, Links(filters))
    return exports.download(
        request,
        table.headers,
        table.download_rows(),
        filename=f"dashboard-{name.replace('_', '-')}-{filters.date_to:%Y-%m-%d}",
        fmt=fmt,
        title=table.caption,
    )


def _key_figures(data: metrics.Dashboard, links: Links) -> list[dict]:
    target = metrics.formal_target_days()
    closed = links.dated("closed")
    return [
        {
            "title": "Concerns",
            "rows": [
                ("Open now", data.open_total, links.concerns()),
                ("Responses overdue", data.overdue_tasks.count, links.concerns(overdue="on")),
                (
                    f"Over {target} working days on formal stages",
                    data.past_formal_limit.over,
                    links.concerns(formal_limit=FormalLimit.OVER),
                ),
                (
                    f"Beyond {target} working days, agreed",
                    data.past_formal_limit.agreed,
                    links.concerns(formal_limit=FormalLimit.AGREED),
                ),
                (
                    "Raised in the period",
                    sum(row.raised for row in data.by_service),
                    links.concerns(state="any", **links.dated("opened")),
                ),
            ],
        },
        {
            "title": "Settling concerns",
            "rows": [
                (
                    f"Formal stages done within {target} working days",
                    _share_text(data.formal_within_target),
                    links.concerns(state="closed", ended="formal", **closed),
                ),
                (
                    "Resolved at the informal stage",
                    _share_text(data.resolved_informally),
                    links.concerns(state="resolved", **closed),
                ),
            ],
        },
        {
            "title": "Reviews and QAPRs",
            "rows": [
                ("Reviews overdue", data.reviews_overdue, links.figure("reviews-overdue")),
                ("QAPRs overdue", data.qapr_compliance.overdue, links.figure("qaprs-overdue")),
                (
                    "QAPR compliance",
                    _share_text(data.qapr_compliance.share),
                    links.figure("qapr-windows"),
                ),
            ],
        },
        {
            "title": "Good practice",
            "rows": [
                ("Notes in the period", data.good_practice.count, links.figure("good-practice"))
            ],
        },
    ]


def _share_text(share: metrics.Share) -> str:
    if share.percent is None:
        return "None in the period"
    return f"{share.percent}% ({share.part} of {share.whole})"


@require_GET
def dashboard(request):
    user = request.user
    if not may_see_dashboards(user):
        raise PermissionDenied("The dashboard is for managers and the reviewing service.")
    filterset = DashboardFilterSet(request.GET or None, user=user)
    filters = filterset.chosen()
    fmt = exports.wanted_format(request)
    if fmt:
        return _download(request, filters, fmt, request.GET.get("table", ""))
    today = timezone.localdate()
    # Kept until the data under them changes (prp.figures_cache): never stale.
    data = figures_cache.remember(
        "dashboard", user, (filters, today), lambda: metrics.dashboard(user, filters, today)
    )
    links = Links(filters)
    fig = {name: getattr(data, name) for name in metrics.FIGURES}
    query = request.GET.copy()
    for name in ("format", "table", "filter"):
        query.pop(name, None)
    context = {
        "form": filterset.form,
        "data": data,
        "whole_authority": user.is_service_wide,
        "key_figures": _key_figures(data, links),
        "tables": {name: build(fig, links) for name, (_, build) in TABLES.items()},
        "charts": _charts(data),
        "query": query.urlencode(),
        # Immediate safeguarding contacts not yet recorded sit at the top until they are.
        "awaiting": immediate_awaiting_contact(user),
        "now": timezone.now(),
    }
    return render(request, "prp/dashboards/dashboard.html", context)
