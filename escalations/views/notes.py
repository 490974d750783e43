"""Good practice notes, and concerns about partner agencies recorded on a child."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases.models import Child
from cases.selectors import child_get
from escalations import rules, selectors, services
from escalations.forms.notes import AgencyNoteForm, GoodPracticeNoteForm
from escalations.models import GoodPracticeNote
from prp.forms import posted
from prp.pages import Done, form_page

PAGE_SIZE = 25


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
    back = (
        reverse("cases:child_detail", args=[child.pk])
        if child
        else reverse("escalations:good_practice_list")
    )
    return form_page(
        request,
        form,
        "escalations/good_practice_new.html",
        {"child": child, "back_url": back},
        service=services.good_practice_note_send,
        arguments=lambda data: {
            "author": request.user,
            "recipient": data["recipient"],
            "category": data["category"],
            "note": data["note"],
            "impact_on_child": data["impact_on_child"],
            "child": data["child"],
        },
        done=_note_sent,
    )


def _note_sent(note: GoodPracticeNote) -> Done:
    copied = ", ".join(str(person) for person in note.copied_to.all())
    text = f"Good practice note sent to {note.recipient}"
    if note.child_id:
        url = reverse("cases:child_detail", args=[note.child_id])
    else:
        url = reverse("escalations:good_practice_list")
    return Done(url, f"{text}, copied to {copied}" if copied else text)


@require_GET
def good_practice_list(request):
    paginator = Paginator(selectors.good_practice_list(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    notes = list(page.object_list)
    context = {
        "page": page,
        "notes": notes,
        "visible_child_ids": selectors.visible_child_ids(request.user, notes),
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": "",
    }
    return render(request, "escalations/good_practice_list.html", context)


@require_http_methods(["GET", "POST"])
def agency_note_new(request, child_pk: int):
    child = child_get(request.user, child_pk)
    form = AgencyNoteForm(posted(request))
    return form_page(
        request,
        form,
        "escalations/agency_note_new.html",
        {"child": child},
        service=services.external_agency_note_add,
        arguments=lambda data: {"child": child, "by": request.user, **data},
        done=lambda note: Done(
            reverse("cases:child_detail", args=[child.pk]),
            f"{note.get_level_display()} concern about {note.agency} recorded",
        ),
    )
