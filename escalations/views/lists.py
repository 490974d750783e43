"""Lists of concerns: "My concerns" with its filters, and the weekly clinic."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from escalations import downloads, rules, selectors
from escalations.forms.lists import ConcernFilterForm
from escalations.rows import concern_rows
from prp.exports import wanted_format
from prp.models import RAISER_ROLES
from prp.paging import OneQueryPaginator

PAGE_SIZE = 25
CLINIC_PAGE_SIZE = 50
# The clinic shows the week's most recent good practice notes; the good practice page has them all.
CLINIC_NOTES = 20


@require_GET
def concern_list(request):
    form = ConcernFilterForm(
        request.GET or None, user=request.user, protocol=rules.active_protocol()
    )
    filters = form.filters()
    concerns = selectors.concern_list(request.user, **filters.selector_kwargs())
    if fmt := wanted_format(request):
        return downloads.concerns(request, concerns, fmt=fmt)
    # Most people see a part of the council gathered from the indexes first: counting in the
    # page's own query gathers it once, not twice. For someone who sees nearly everything the
    # rule is a short list to leave out, so the page is read in date order and stops at 25,
    # and the count (a separate query) reads the index of states.
    wide = selectors.sees_nearly_everything(request.user)
    paging = Paginator if wide else OneQueryPaginator
    paginator = paging(concerns, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("filter", None)  # the submit button's name
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "rows": concern_rows(page.object_list),
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "is_raiser": bool(request.user.role_codes & RAISER_ROLES),
    }
    return render(request, "escalations/list_concerns.html", context)


@require_GET
def weekly_clinic(request):
    """The weekly clinic: one page of the open concerns at a time (CLINIC_PAGE_SIZE), under
    their stage headings, each heading with its whole count; the download holds them all."""
    if not rules.may_open_clinic(request.user):
        raise PermissionDenied("The weekly clinic is for the reviewing service.")
    today = timezone.localdate()
    concerns = selectors.weekly_clinic(request.user)
    if fmt := wanted_format(request):
        return downloads.weekly_clinic(request, concerns, fmt=fmt)
    totals = selectors.weekly_clinic_groups(request.user)
    total = sum(count for _, count in totals)
    paginator = Paginator(concerns, CLINIC_PAGE_SIZE)
    # The grouped count already says how many there are: the paginator need not count again.
    paginator.count = total
    page = paginator.get_page(request.GET.get("page"))
    rows = concern_rows(page.object_list, today)
    by_group: dict[str, list] = {}
    for row in rows:
        by_group.setdefault(row.concern.clinic_group, []).append(row)
    # The first heading on a page may carry on from the page before.
    carried = _group_at(totals, page.start_index() - 1) if rows else None
    counts = dict(totals)
    groups = [
        {
            "label": label,
            "total": counts.get(label, len(group_rows)),
            "rows": group_rows,
            "continued": label == carried and label == rows[0].concern.clinic_group,
        }
        for label, group_rows in by_group.items()
    ]
    this_week = selectors.good_practice_this_week(request.user)
    notes = list(this_week[:CLINIC_NOTES])
    notes_total = this_week.count()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "groups": groups,
        "total": total,
        "page": page,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "notes": notes,
        "notes_total": notes_total,
        "visible_child_ids": selectors.visible_child_ids(request.user, notes),
        "today": today,
        "awaiting": selectors.immediate_awaiting_contact(request.user),
        "now": timezone.now(),
    }
    return render(request, "escalations/clinic.html", context)


def _group_at(totals: list[tuple[str, int]], position: int) -> str | None:
    """The heading of the concern at this position of the whole list (1-based; None for 0): so
    the first heading on a page can say it carries on from the page before."""
    reached = 0
    for label, count in totals:
        reached += count
        if 0 < position <= reached:
            return label
    return None
