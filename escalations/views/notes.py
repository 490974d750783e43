"""Good practice notes, and concerns about partner agencies recorded on a child."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cases.models import Child
from cases.selectors import child_get, child_queryset
from escalations import rules, selectors, services
from escalations.forms.notes import AgencyNoteForm, GoodPracticeNoteForm
from escalations.models import GoodPracticeNote
from prp.forms import call_service, posted
from prp.hierarchy import span_team_ids
from prp.models import User
from prp.submissions import submit_once

PAGE_SIZE = 25


def visible_child_ids(user: User, notes: list[GoodPracticeNote]) -> set[int]:
    """Which of the notes' children this person may see: the others are not named to them."""
    ids = {note.child_id for note in notes if note.child_id}
    if not ids:
        return set()
    return set(child_queryset(user).filter(pk__in=ids).values_list("pk", flat=True))


def good_practice_this_week(user: User) -> QuerySet[GoodPracticeNote]:
    """Good practice notes of the last 7 days for the weekly clinic.

    Service-wide roles see every note; others see notes they are party to, and notes written by
    or to people in the teams in their span. A note about a child they cannot see is left out
    unless they are party to it.
    """
    since = timezone.now() - dt.timedelta(days=7)
    party = Q(author=user) | Q(recipient=user) | Q(copied_to=user)
    if user.is_service_wide:
        in_reach = Q()
    else:
        span = span_team_ids(user)
        in_reach = party | Q(author__team_id__in=span) | Q(recipient__team_id__in=span)
    about_visible_child = Q(child__isnull=True) | Q(child__in=child_queryset(user))
    return (
        selectors.good_practice_notes(user)
        .filter(in_reach, about_visible_child | party)
        .filter(created_at__gte=since)
        .distinct()
        .select_related("author", "recipient", "category", "child")
        .order_by("-created_at", "-id")
    )


def _child_from_query(request) -> Child | None:
    """The child named in ?child=, or 404 if it is not a child this person may see."""
    value = request.GET.get("child")
    if not value:
        return None
    try:
        pk = int(value)
    except ValueError:
        raise Http404("No child found") from None
    return child_get(request.user, pk)


@require_http_methods(["GET", "POST"])
def good_practice_new(request):
    child = _child_from_query(request)
    form_kwargs = {"user": request.user, "protocol": rules.active_protocol(), "child": child}
    form = GoodPracticeNoteForm(posted(request), **form_kwargs)
    sent = request.method == "POST" and form.is_valid()
    if sent and (done := submit_once(request, form, lambda: _send_note(request, form))):
        return done
    back = (
        reverse("cases:child_detail", args=[child.pk])
        if child
        else reverse("escalations:good_practice_list")
    )
    return render(
        request,
        "escalations/good_practice_new.html",
        {"form": form, "child": child, "back_url": back},
    )


def _send_note(request, form: GoodPracticeNoteForm) -> str | None:
    data = form.cleaned_data
    note = call_service(
        form,
        services.good_practice_note_send,
        author=request.user,
        recipient=data["recipient"],
        category=data["category"],
        note=data["note"],
        impact_on_child=data["impact_on_child"],
        child=data["child"],
    )
    if note is None:
        return None
    copied = ", ".join(str(person) for person in note.copied_to.all())
    text = f"Good practice note sent to {note.recipient}"
    messages.success(request, f"{text}, copied to {copied}" if copied else text)
    if note.child_id:
        return reverse("cases:child_detail", args=[note.child_id])
    return reverse("escalations:good_practice_list")


@require_GET
def good_practice_list(request):
    paginator = Paginator(selectors.good_practice_list(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    notes = list(page.object_list)
    context = {
        "page": page,
        "notes": notes,
        "visible_child_ids": visible_child_ids(request.user, notes),
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": "",
    }
    return render(request, "escalations/good_practice_list.html", context)


@require_http_methods(["GET", "POST"])
def agency_note_new(request, child_pk: int):
    child = child_get(request.user, child_pk)
    form = AgencyNoteForm(posted(request))
    if request.method == "POST" and form.is_valid():

        def record():
            note = call_service(
                form,
                services.external_agency_note_add,
                child=child,
                by=request.user,
                **form.cleaned_data,
            )
            if note is None:
                return None
            messages.success(
                request, f"{note.get_level_display()} concern about {note.agency} recorded"
            )
            return reverse("cases:child_detail", args=[child.pk])

        if done := submit_once(request, form, record):
            return done
    return render(request, "escalations/agency_note_new.html", {"form": form, "child": child})
