"""The list behind a dashboard number that is not about concerns: children whose review or
QAPR is overdue, QAPR windows, QAPRs finalised by grade, good practice notes.

Each list is the very queryset its figure counts (dashboards.metrics), narrowed by the same
filters read from the same query string, so the number and the list always agree. (Numbers
about concerns open the concern list, narrowed the same way.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from escalations.models import GoodPracticeNote
from prp.permissions import may_see_dashboards
from qapr.models import Grade

from . import metrics
from .filters import DashboardFilterSet

PAGE_SIZE = 50


@dataclass(frozen=True)
class FigureList:
    title: str
    kind: str  # "children", "qaprs" or "notes": which columns the page shows
    rows: Callable  # (user, filters, choice) -> the queryset the figure counts
    # What the figure counts: the rows, or the sum of a column over them (QAPR windows).
    total_of: str = ""
    noun: tuple[str, str] = ("child", "children")
    choices: tuple = ()  # the values ?of= may take (a grade, a direction)


def _choice_label(choices, value: str) -> str:
    return dict(choices).get(value, "")


LISTS = {
    "reviews-overdue": FigureList(
        "Children whose review or conference is overdue",
        "children",
        lambda user, filters, _: metrics.review_overdue_children(user, filters),
    ),
    "qaprs-overdue": FigureList(
        "Children whose QAPR is overdue",
        "children",
        lambda user, filters, _: metrics.qapr_overdue_children(user, filters),
    ),
    "qapr-windows": FigureList(
        "QAPR windows that needed a QAPR",
        "children",
        lambda user, filters, _: metrics.qapr_window_children(user, filters),
        total_of="qapr_windows_due",
        noun=("QAPR window", "QAPR windows"),
    ),
    "qapr-windows-done": FigureList(
        "QAPR windows that had a QAPR",
        "children",
        lambda user, filters, _: metrics.qapr_window_children(user, filters).filter(
            qapr_windows_done__gt=0
        ),
        total_of="qapr_windows_done",
        noun=("QAPR window", "QAPR windows"),
    ),
    "qaprs": FigureList(
        "QAPRs finalised in the period",
        "qaprs",
        lambda user, filters, grade: metrics.period_qaprs(user, filters, grade),
        noun=("QAPR", "QAPRs"),
        choices=tuple(Grade.choices),
    ),
    "good-practice": FigureList(
        "Good practice notes written in the period",
        "notes",
        lambda user, filters, direction: metrics.period_notes(user, filters, direction),
        noun=("note", "notes"),
        choices=tuple(GoodPracticeNote.Direction.choices),
    ),
}


def figure_url(name: str, filters: metrics.Filters, of: str = "") -> str:
    """The link from a figure to its list, carrying the dashboard's filters."""
    query = {
        "date_from_0": filters.date_from.day,
        "date_from_1": filters.date_from.month,
        "date_from_2": filters.date_from.year,
        "date_to_0": filters.date_to.day,
        "date_to_1": filters.date_to.month,
        "date_to_2": filters.date_to.year,
        "service": filters.service_id,
        "team": filters.team_id,
        "child_status": filters.child_status,
        "level": filters.level,
        "category": filters.category_id,
        "figure": name,
        "of": of,
    }
    wanted = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{reverse('dashboards:figure_list')}?{urlencode(wanted)}"


def _total(wanted: FigureList, rows) -> int:
    if wanted.total_of:
        return rows.aggregate(n=Sum(wanted.total_of))["n"] or 0
    return rows.count()


def _related(kind: str, rows):
    if kind == "children":
        return rows.select_related("team", "reviewing_officer").order_by(
            "last_name", "first_name", "pk"
        )
    if kind == "qaprs":
        return rows.select_related("child", "author").order_by("-completed_on", "-pk")
    return rows.select_related("author", "recipient", "child", "category").order_by(
        "-created_at", "-pk"
    )


@require_GET
def figure_list(request):
    """?figure= names the list (LISTS); the dashboard's filters narrow it as they do the figure."""
    user = request.user
    name = request.GET.get("figure", "")
    if not may_see_dashboards(user):
        raise PermissionDenied("The dashboard is for managers and the reviewing service.")
    wanted = LISTS.get(name)
    if wanted is None:
        raise Http404("No such list")
    filterset = DashboardFilterSet(request.GET, user=user)
    filters = filterset.chosen()
    of = request.GET.get("of", "")
    if of and not _choice_label(wanted.choices, of):
        of = ""  # an unknown grade or direction: the whole list, never a 500
    rows = wanted.rows(user, filters, of)
    total = _total(wanted, rows)
    page = Paginator(_related(wanted.kind, rows), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "list": wanted,
        "title": wanted.title,
        "of_label": _choice_label(wanted.choices, of),
        "total": total,
        "noun": wanted.noun[0] if total == 1 else wanted.noun[1],
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "query": query.urlencode(),
        "filters": filters,
        "dashboard_url": f"{reverse('dashboards:dashboard')}?{query.urlencode()}",
        "form_errors": filterset.form.errors,
    }
    return render(request, "prp/dashboards/figure_list.html", context)
