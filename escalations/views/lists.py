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

from .notes import good_practice_this_week, visible_child_ids

PAGE_SIZE = 25


@require_GET
def concern_list(request):
    form = ConcernFilterForm(
        request.GET or None, user=request.user, protocol=rules.active_protocol()
    )
    filters = form.filters()
    concerns = selectors.concern_list(request.user, **filters.selector_kwargs())
    if fmt := wanted_format(request):
        return downloads.concerns(request, concerns, fmt=fmt)
    paginator = Paginator(concerns, PAGE_SIZE)
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
    if not rules.may_open_clinic(request.user):
        raise PermissionDenied("The weekly clinic is for the reviewing service.")
    today = timezone.localdate()
    groups = [
        (label, concern_rows(concerns, today))
        for label, concerns in selectors.weekly_clinic(request.user)
    ]
    if fmt := wanted_format(request):
        return downloads.weekly_clinic(request, groups, fmt=fmt)
    notes = list(good_practice_this_week(request.user))
    context = {
        "groups": groups,
        "total": sum(len(rows) for _, rows in groups),
        "notes": notes,
        "visible_child_ids": visible_child_ids(request.user, notes),
        "today": today,
        "awaiting": selectors.immediate_awaiting_contact(request.user),
        "now": timezone.now(),
    }
    return render(request, "escalations/clinic.html", context)
