"""The QAPR pages: what is due, the IRO's form, its checks before finalising, what the grade
obliges (a concern, a good practice note, recommendations to follow up) and reopening."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.selectors import child_get
from escalations import rules as concern_rules
from escalations.models import ConcernState
from prp import audit
from prp.exports import wanted_format
from prp.forms import posted
from prp.models import ProtocolCategory, RoleCode, User
from prp.pages import Done, form_page
from prp.templatetags.govuk import error_anchor
from qapr import downloads

from . import permissions, selectors, services
from .forms import (
    VIEWS,
    ConcernFromQaprForm,
    FinaliseForm,
    QaprForm,
    RecommendationDoneForm,
    RecommendationForm,
    ReopenForm,
    operational_people,
)
from .models import CELEBRATED_GRADES, SAFER_QUESTION, SECTIONS, Grade, Qapr, RiDecision

PAGE_SIZE = 25
GRADE_TAGS = {
    Grade.OUTSTANDING: "govuk-tag--green",
    Grade.GOOD: "govuk-tag--green",
    Grade.REQUIRES_IMPROVEMENT: "govuk-tag--orange",
    Grade.INADEQUATE: "govuk-tag--red",
}
CONCERN_TAGS = {
    ConcernState.DRAFT: "govuk-tag--grey",
    ConcernState.INFORMAL: "govuk-tag--blue",
    ConcernState.FORMAL: "govuk-tag--blue",
    ConcernState.RESOLVED: "govuk-tag--green",
    ConcernState.REFERRED: "govuk-tag--purple",
    ConcernState.WITHDRAWN: "govuk-tag--grey",
}


def _categories() -> list[ProtocolCategory]:
    protocol = concern_rules.active_protocol()
    return list(protocol.categories.all()) if protocol else []


def _detail_url(qapr: Qapr) -> str:
    return reverse("qapr:qapr_detail", args=[qapr.pk])


def _detail(qapr: Qapr):
    return redirect(_detail_url(qapr))


def _editable(request, pk: int) -> tuple[Qapr, HttpResponse | None]:
    """The author's draft. A finalised one sends its author back to its page; anyone else who
    can see it is refused (and anyone who cannot see the child got a 404 from qapr_get)."""
    qapr = selectors.qapr_get(request.user, pk)
    if permissions.may_edit(request.user, qapr):
        return qapr, None
    if qapr.author_id == request.user.pk:
        messages.info(
            request,
            f"{qapr.reference} has been finalised, so it cannot be changed. If it needs to "
            "change, ask your manager to reopen it.",
        )
        return qapr, _detail(qapr)
    raise PermissionDenied("Only the author can change a draft QAPR.")


def _has_live_concern(qapr: Qapr) -> bool:
    return qapr.concern_id is not None and qapr.concern.state != ConcernState.WITHDRAWN


def _needs_concern(qapr: Qapr) -> bool:
    """The grade or the Requires improvement decision calls for a concern, and none is linked."""
    wanted = qapr.grade == Grade.INADEQUATE or (
        qapr.grade == Grade.REQUIRES_IMPROVEMENT
        and qapr.ri_decision in (RiDecision.INFORMAL, RiDecision.FORMAL)
    )
    return wanted and not _has_live_concern(qapr)


def _problem_links(qapr: Qapr, problems: dict[str, str]) -> list[tuple[str, str]]:
    """Each problem with where to put it right: the question on the form, or the concern."""
    form = QaprForm(qapr=qapr, categories=[])
    edit = reverse("qapr:qapr_edit", args=[qapr.pk])
    links = []
    for field, message in problems.items():
        if field in form.fields:
            bound = form[field]
            url = f"{edit}#{error_anchor(bound, bound.auto_id)}"
        elif field == "concern" and _has_live_concern(qapr):
            url = reverse("escalations:concern_detail", args=[qapr.concern_id])
        elif field == "concern":
            url = reverse("qapr:qapr_concern", args=[qapr.pk])
        else:
            url = edit
        links.append((message, url))
    return links


def _sections(qapr: Qapr) -> list[tuple[str, str, str]]:
    """Each rated question with the answer in words and its rationale."""
    rows = [
        (
            title,
            getattr(qapr, f"get_{name}_rating_display")(),
            getattr(qapr, f"{name}_rationale"),
        )
        for name, title in SECTIONS
    ]
    if qapr.is_child_protection:
        rows.append((SAFER_QUESTION, qapr.get_safer_display(), qapr.safer_rationale))
    return rows


# What is due -----------------------------------------------------------------------------------


def _may_see_team(user: User) -> bool:
    return user.is_service_wide or user.has_role(RoleCode.REVIEWING_TEAM_MANAGER)


@require_GET
def qapr_due(request):
    user = request.user
    team = request.GET.get("show") == "team" and _may_see_team(user)
    due = selectors.children_qapr_due(user, team=team)
    if fmt := wanted_format(request):
        return downloads.qaprs_due(request, due, fmt=fmt)
    paginator = Paginator(due, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    children = list(page.object_list)
    drafts = selectors.drafts_for_children(user, [child.pk for child in children])
    today = timezone.localdate()
    rows = [
        {
            "child": child,
            "days": (child.qapr_due_on - today).days,
            "late": (today - child.qapr_due_on).days,
            "draft": drafts.get(child.pk),
            "may_start": permissions.may_author(user, child),
        }
        for child in children
    ]
    context = {
        "page": page,
        "rows": rows,
        "team": team,
        "may_see_team": _may_see_team(user),
        "my_drafts": [] if team else list(selectors.drafts_by(user)),
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": "show=team" if team else "",
    }
    return render(request, "qapr/qapr_due.html", context)


@require_POST
def qapr_start(request, child_pk: int):
    child = child_get(request.user, child_pk)
    try:
        qapr = services.qapr_start(child=child, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("qapr:qapr_due")
    if qapr.author_id != request.user.pk:
        messages.info(
            request, f"{qapr.author} has already started {qapr.reference} for {child.full_name}."
        )
        return _detail(qapr)
    return redirect("qapr:qapr_edit", pk=qapr.pk)


# The form --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def qapr_edit(request, pk: int):
    qapr, elsewhere = _editable(request, pk)
    if elsewhere:
        return elsewhere
    form = QaprForm(posted(request), qapr=qapr, categories=_categories())
    return form_page(
        request,
        form,
        "qapr/qapr_edit.html",
        {"qapr": qapr},
        service=services.qapr_save,
        arguments=lambda data: {
            "qapr": qapr,
            "by": request.user,
            "lock_version": data["lock_version"],
            **form.service_values(),
        },
        done=lambda saved: _saved(saved, form),
    )


def _saved(qapr: Qapr, form: QaprForm) -> Done:
    if form.wants_check:
        return Done(reverse("qapr:qapr_finalise", args=[qapr.pk]))
    message = f"{qapr.reference} saved. You can carry on with it later."
    return Done(_detail_url(qapr), message)


@require_GET
def qapr_detail(request, pk: int):
    qapr = selectors.qapr_get(request.user, pk)
    audit.record_view(request, qapr)
    user = request.user
    today = timezone.localdate()
    recommendations = list(selectors.recommendations_for(qapr))
    for recommendation in recommendations:
        recommendation.overdue = recommendation.is_overdue_on(today)
        recommendation.may_complete = permissions.may_complete_recommendation(user, recommendation)
    may_edit = permissions.may_edit(user, qapr)
    problems = services.finalise_problems(qapr) if qapr.is_draft else {}
    note = qapr.good_practice_note
    context = {
        "qapr": qapr,
        "child": qapr.child,
        "sections": _sections(qapr),
        "grade_tag": GRADE_TAGS.get(qapr.grade, ""),
        "concern_tag": CONCERN_TAGS.get(qapr.concern.state, "") if qapr.concern_id else "",
        "recommendations": recommendations,
        "note_copied_to": list(note.copied_to.all()) if note else [],
        "problems": _problem_links(qapr, problems) if may_edit else [],
        "problem_messages": list(problems.values()),
        "may_edit": may_edit,
        "may_reopen": permissions.may_reopen(user, qapr),
        "may_raise_concern": may_edit and _needs_concern(qapr),
        "may_add_recommendation": user.pk == qapr.author_id,
        "celebrated": qapr.grade in CELEBRATED_GRADES,
    }
    return render(request, "qapr/qapr_detail.html", context)


# What the grade obliges ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def qapr_concern(request, pk: int):
    qapr, elsewhere = _editable(request, pk)
    if elsewhere:
        return elsewhere
    # A post goes on: the same form sent twice is taken to the concern it started, and another
    # is refused by the service with the reason.
    if _has_live_concern(qapr) and request.method == "GET":
        messages.info(request, f"{qapr.concern.reference} is already linked to {qapr.reference}.")
        return _detail(qapr)
    form = ConcernFromQaprForm(posted(request), qapr=qapr, categories=_categories())
    return form_page(
        request,
        form,
        "qapr/qapr_concern.html",
        {"qapr": qapr},
        service=services.qapr_start_concern,
        arguments=lambda data: {
            "qapr": qapr,
            "by": request.user,
            "lock_version": data["lock_version"],
            "level": data["level"],
            "category": data["category"],
        },
        done=lambda concern: Done(
            reverse("escalations:concern_detail", args=[concern.pk]),
            f"Draft concern {concern.reference} started from {qapr.reference}. "
            "Check it and raise it, then finalise the QAPR.",
        ),
    )


@require_http_methods(["GET", "POST"])
def recommendation_add(request, pk: int):
    qapr = selectors.qapr_get(request.user, pk)
    if request.user.pk != qapr.author_id:
        raise PermissionDenied("Only the author can add recommendations.")
    form = RecommendationForm(posted(request), child=qapr.child, people=operational_people())
    return form_page(
        request,
        form,
        "qapr/recommendation_add.html",
        {"qapr": qapr},
        service=services.recommendation_add,
        arguments=lambda data: {
            "qapr": qapr,
            "by": request.user,
            "text": data["text"],
            "owner": data["owner"],
            "due_on": data["due_on"],
        },
        done=lambda added: Done(_detail_url(qapr), f"Recommendation added for {added.owner}"),
    )


@require_http_methods(["GET", "POST"])
def recommendation_done(request, pk: int):
    recommendation = selectors.recommendation_get(request.user, pk)
    qapr = recommendation.qapr
    if recommendation.is_done and request.method == "GET":
        messages.info(request, "That recommendation has already been marked as done.")
        return _detail(qapr)
    # A form sent after someone else marked it done goes on to be refused as stale.
    done_already = recommendation.is_done
    if not done_already and not permissions.may_complete_recommendation(
        request.user, recommendation
    ):
        raise PermissionDenied("Only the person it is for, or the author, can mark it done.")
    initial = {"done_on": timezone.localdate(), "lock_version": recommendation.lock_version}
    form = RecommendationDoneForm(posted(request), initial=initial)
    return form_page(
        request,
        form,
        "qapr/recommendation_done.html",
        {"recommendation": recommendation, "qapr": qapr},
        service=services.recommendation_complete,
        arguments=lambda data: {
            "recommendation": recommendation,
            "by": request.user,
            "lock_version": data["lock_version"],
            "done_on": data["done_on"],
            "note": data["note"].strip(),
        },
        done=lambda _: Done(_detail_url(qapr), "Recommendation marked as done"),
    )


@require_GET
def recommendation_list(request):
    to_follow_up = selectors.open_recommendations(request.user)
    if fmt := wanted_format(request):
        return downloads.recommendations(request, to_follow_up, fmt=fmt)
    paginator = Paginator(to_follow_up, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    recommendations = list(page.object_list)
    for recommendation in recommendations:
        recommendation.overdue = recommendation.is_overdue_on(today)
    context = {
        "page": page,
        "recommendations": recommendations,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": "",
    }
    return render(request, "qapr/recommendation_list.html", context)


# Finalising and reopening ----------------------------------------------------------------------


def _save_and_finalise(*, qapr: Qapr, by: User, lock_version: int, values: dict) -> Qapr:
    """The note as checked on the page, then finalising: both or neither, so a refusal leaves
    the record as it was and the page shows the author's words again."""
    with transaction.atomic():
        if values:
            qapr = services.qapr_save(qapr=qapr, by=by, lock_version=lock_version, **values)
            lock_version = qapr.lock_version
        return services.qapr_finalise(qapr=qapr, by=by, lock_version=lock_version)


def _finalised_message(qapr: Qapr) -> str:
    note = qapr.good_practice_note
    if note is None:
        return f"{qapr.reference} finalised: {qapr.get_grade_display()}"
    text = f"Good practice note sent to {note.recipient}"
    copied = ", ".join(str(person) for person in note.copied_to.all())
    return f"{text}, copied to {copied}" if copied else text


@require_http_methods(["GET", "POST"])
def qapr_finalise(request, pk: int):
    qapr, elsewhere = _editable(request, pk)
    if elsewhere:
        return elsewhere
    form = FinaliseForm(posted(request), qapr=qapr, categories=_categories())
    return form_page(
        request,
        form,
        "qapr/qapr_finalise.html",
        lambda: _finalise_context(qapr, form),
        service=_save_and_finalise,
        arguments=lambda data: {
            "qapr": qapr,
            "by": request.user,
            "lock_version": data["lock_version"],
            "values": form.note_values(),
        },
        done=lambda finalised: Done(_detail_url(finalised), _finalised_message(finalised)),
    )


def _finalise_context(qapr: Qapr, form: FinaliseForm) -> dict:
    # What the form on this page cannot put right: the author goes back to the question.
    problems = services.finalise_problems(qapr)
    elsewhere_problems = {k: v for k, v in problems.items() if k not in form.fields}
    return {
        "qapr": qapr,
        "problems": _problem_links(qapr, elsewhere_problems),
        "grade_tag": GRADE_TAGS.get(qapr.grade, ""),
        "celebrated": qapr.grade in CELEBRATED_GRADES,
        "answers": _check_sections(qapr),
    }


def _check_sections(qapr: Qapr) -> list[dict]:
    """Check your answers (GOV.UK pattern): every section of the form, each answer in words,
    and a "Change" link to that section of the form."""
    edit = reverse("qapr:qapr_edit", args=[qapr.pk])

    def section(title: str, anchor: str, rows: list[tuple[str, str]]) -> dict:
        return {"title": title, "change": f"{edit}#section-{anchor}", "rows": rows}

    sections = [
        section(
            title,
            name,
            [
                ("Rating", getattr(qapr, f"get_{name}_rating_display")()),
                ("Rationale", getattr(qapr, f"{name}_rationale")),
            ],
        )
        for name, title in SECTIONS
    ]
    if qapr.is_child_protection:
        rows = [("Your answer", qapr.get_safer_display()), ("Why", qapr.safer_rationale)]
        sections.append(section(SAFER_QUESTION, "safer", rows))
    invited = qapr.social_worker_invited_on
    sought = [label for name, label in VIEWS if getattr(qapr, name)]
    sections.append(
        section(
            "Views sought",
            "views",
            [
                ("Social worker invited", f"{invited:%-d %B %Y}" if invited else ""),
                ("Whose views", ", ".join(sought)),
                ("What people said", qapr.views_summary),
            ],
        )
    )
    sections.append(
        section(
            "Grade",
            "grade",
            [
                ("Grade", qapr.get_grade_display() if qapr.grade else ""),
                ("Rationale for the grade", qapr.grade_rationale),
                ("Impact on the child", qapr.impact_on_child),
            ],
        )
    )
    if qapr.ri_decision:
        rows = [("Decision", qapr.get_ri_decision_display()), ("Reason", qapr.ri_decision_reason)]
        sections.append(section("Requires improvement decision", "ri", rows))
    return sections


@require_http_methods(["GET", "POST"])
def qapr_reopen(request, pk: int):
    qapr = selectors.qapr_get(request.user, pk)
    if not permissions.may_reopen(request.user, qapr):
        raise PermissionDenied("Only the author's manager can reopen a finalised QAPR.")
    form = ReopenForm(posted(request), initial={"lock_version": qapr.lock_version})
    return form_page(
        request,
        form,
        "qapr/qapr_reopen.html",
        {"qapr": qapr},
        service=services.qapr_reopen,
        arguments=lambda data: {
            "qapr": qapr,
            "by": request.user,
            "lock_version": data["lock_version"],
            "reason": data["reason"],
        },
        done=lambda _: Done(
            _detail_url(qapr), f"{qapr.reference} reopened. {qapr.author} has been told why."
        ),
    )
