"""The QAPR pages through real HTTP requests: what is due, the IRO's form, finalising with what
each grade obliges, raising a concern from a QAPR, recommendations, reopening, and every page
as each persona sees it."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import ChildStatus
from escalations.models import Concern, ConcernState, GoodPracticeNote
from notifications.models import Kind, Notification
from prp.models import ProtocolCategory, RoleCode
from qapr import services
from qapr.models import Grade, Qapr, QaprState, Recommendation, RiDecision, SectionRating
from tests.builders import filled_qapr, finalised_qapr, fresh, raise_draft
from tests.factories import ChildFactory, UserFactory

NOW = dt.datetime(2026, 6, 10, 11, 0)
TODAY = NOW.date()
STALE = "This QAPR was changed by someone else"
pytestmark = pytest.mark.usefixtures("gloucestershire")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reviewing_manager(iro, iro_team):
    """The IRO's line manager and the IRO team's manager."""
    manager = UserFactory(
        full_name="Rita Manager", roles=[RoleCode.REVIEWING_TEAM_MANAGER], team=iro_team
    )
    iro_team.manager = manager
    iro_team.save()
    iro.line_manager = manager
    iro.save()
    return manager


@pytest.fixture
def other_iro(iro_team):
    """An IRO in the same team: sees the child, but did not write the QAPR."""
    return UserFactory(full_name="Otto Reviewer", roles=[RoleCode.IRO], team=iro_team)


def url(name, *args):
    return reverse(f"qapr:{name}", args=args)


def category():
    return ProtocolCategory.objects.filter(protocol__is_active=True).order_by("position").first()


def answers(**overrides):
    values = {
        "participation_rating": SectionRating.ADEQUATE,
        "participation_rationale": "Amara's views were gathered by her advocate.",
        "progress_rating": SectionRating.STRONG,
        "progress_rationale": "A clear permanence plan.",
        "records_rating": SectionRating.ADEQUATE,
        "records_rationale": "Case notes are up to date.",
        "social_worker_invited_on": dt.date(2026, 6, 1),
        "views_child": True,
        "views_carers": True,
        "views_summary": "Amara wants to stay with her carers.",
        "grade": Grade.GOOD,
        "grade_rationale": "Stable placement and a clear plan.",
        "impact_on_child": "Amara is settled at school.",
    }
    values.update(overrides)
    return values


def filled(iro, child, **overrides) -> Qapr:
    return filled_qapr(iro, child, **answers(**overrides))


def finalised(iro, child, **overrides) -> Qapr:
    overrides.setdefault("good_practice_text", "Thorough, warm work with Amara.")
    overrides.setdefault("good_practice_category", category())
    return finalised_qapr(filled(iro, child, **overrides), iro)


def form_data(qapr, *, button="save", **overrides):
    """What the edit page posts when the author fills everything in."""
    data = {
        "lock_version": str(qapr.lock_version),
        "participation_rating": "adequate",
        "participation_rationale": "Views gathered by her advocate.",
        "progress_rating": "strong",
        "progress_rationale": "A clear permanence plan.",
        "records_rating": "adequate",
        "records_rationale": "Case notes are up to date.",
        "social_worker_invited_on_0": "1",
        "social_worker_invited_on_1": "6",
        "social_worker_invited_on_2": "2026",
        "views": ["views_child", "views_carers"],
        "views_summary": "Amara wants to stay with her carers.",
        "grade": "good",
        "grade_rationale": "Stable placement and a clear plan.",
        "impact_on_child": "Amara is settled at school.",
        "ri_decision": "",
        "ri_decision_reason": "",
        "good_practice_category": "",
        "good_practice_text": "",
        button: "",
    }
    data.update(overrides)
    return data


def error_summary(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html, "expected the GOV.UK error summary"
    start = html.index("govuk-error-summary")
    return html[start : html.index("</ul>", start)]


def _follow_up_list(client) -> str:
    return client.get(url("recommendation_list")).content.decode()


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


# The author's journey --------------------------------------------------------------------------


def test_the_author_starts_fills_in_saves_and_finalises_a_good_qapr(
    client, iro, child, social_worker, team_manager
):
    client.force_login(iro)
    response = client.post(url("qapr_start", child.pk))
    qapr = Qapr.objects.get(child=child)
    assert response.status_code == 302
    assert response["Location"] == url("qapr_edit", qapr.pk)
    assert qapr.author == iro and qapr.is_draft

    page = client.get(url("qapr_edit", qapr.pk)).content.decode()
    for legend in ("Participation and views of the child", "Views sought", "Grade"):
        assert legend in page
    assert "Is the child safer" not in page  # a child in care: not the CP question
    assert "Save and check before finalising" in page

    # A draft saves whatever is filled in.
    partial = {"lock_version": str(qapr.lock_version), "grade": "good", "save": ""}
    response = client.post(url("qapr_edit", qapr.pk), partial, follow=True)
    assert response.redirect_chain[-1][0] == url("qapr_detail", qapr.pk)
    assert f"{qapr.reference} saved" in response.content.decode()
    assert fresh(qapr).grade == "good"

    # Everything, then on to the check page.
    qapr = fresh(qapr)
    response = client.post(url("qapr_edit", qapr.pk), form_data(qapr, button="check"))
    assert response["Location"] == url("qapr_finalise", qapr.pk)
    qapr = fresh(qapr)
    assert qapr.views_child and qapr.views_carers and not qapr.views_parents
    assert qapr.social_worker_invited_on == dt.date(2026, 6, 1)

    page = client.get(url("qapr_finalise", qapr.pk)).content.decode()
    assert "Thank you for your work with Amara" in page  # a note to start from
    assert "Finalise QAPR" in page

    response = client.post(
        url("qapr_finalise", qapr.pk),
        {
            "lock_version": str(qapr.lock_version),
            "good_practice_category": str(category().pk),
            "good_practice_text": "Thorough, warm work with Amara.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("qapr_detail", qapr.pk)
    assert "Good practice note sent to Sam Worker, copied to Tom Manager" in (
        response.content.decode()
    )
    qapr = fresh(qapr)
    assert qapr.state == QaprState.FINALISED and qapr.completed_on == TODAY
    note = GoodPracticeNote.objects.get(pk=qapr.good_practice_note_id)
    assert note.recipient == social_worker and note.author == iro and note.child == child
    assert note.note == "Thorough, warm work with Amara."
    assert list(note.copied_to.all()) == [team_manager]
    told = set(
        Notification.objects.filter(kind=Kind.GOOD_PRACTICE).values_list("recipient", flat=True)
    )
    assert told == {social_worker.pk, team_manager.pk}

    # Finalised: the author is sent back to the page, read-only.
    response = client.get(url("qapr_edit", qapr.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("qapr_detail", qapr.pk)
    assert "cannot be changed" in response.content.decode()


def test_the_cp_chair_form_asks_whether_the_child_is_safer(client, iro, child):
    child.status = ChildStatus.CHILD_PROTECTION
    child.save()
    qapr = services.qapr_start(child=child, by=iro)
    client.force_login(iro)
    page = client.get(url("qapr_edit", qapr.pk)).content.decode()
    assert "Is the child safer as a result of our interventions?" in page
    data = form_data(qapr, safer="partly", safer_rationale="Fewer incidents at home.")
    assert client.post(url("qapr_edit", qapr.pk), data).status_code == 302
    assert fresh(qapr).safer == "partly"
    # And finalising asks for it when it is missing.
    qapr = services.qapr_save(
        qapr=fresh(qapr), by=iro, lock_version=fresh(qapr).lock_version, safer=""
    )
    page = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert "Answer whether the child is safer" in page


def test_the_detail_page_shows_what_is_missing_with_links_to_the_questions(client, iro, child):
    qapr = services.qapr_start(child=child, by=iro)
    client.force_login(iro)
    page = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert "What happens next" in page
    assert "Choose a grade." in page
    assert f"{url('qapr_edit', qapr.pk)}#id_grade_1" in page
    assert f"{url('qapr_edit', qapr.pk)}#id_social_worker_invited_on_0" in page
    assert "govuk-tag--grey" in page  # draft

    page = client.get(url("qapr_finalise", qapr.pk)).content.decode()
    assert "You cannot finalise this QAPR yet" in page
    assert f"{url('qapr_edit', qapr.pk)}#id_participation_rating_1" in page
    assert "Finalise QAPR" not in page


# Bad input -------------------------------------------------------------------------------------


def test_a_stale_edit_is_refused_with_a_clear_message(client, iro, child):
    qapr = services.qapr_start(child=child, by=iro)
    old = qapr.lock_version
    services.qapr_save(qapr=qapr, by=iro, lock_version=old, grade="good")
    client.force_login(iro)
    response = client.post(url("qapr_edit", qapr.pk), form_data(qapr, grade="inadequate"))
    assert STALE in error_summary(response)
    assert fresh(qapr).grade == "good"
    # The page shown again carries the new version: sending it again is a deliberate choice.
    assert f'value="{fresh(qapr).lock_version}"' in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "social_worker_invited_on_0": "11",
                "social_worker_invited_on_1": "6",
                "social_worker_invited_on_2": "2026",
            },
            "must be today or in the past",
        ),
        (
            {"social_worker_invited_on_0": "31", "social_worker_invited_on_1": "2"},
            "must be a real date",
        ),
        ({"social_worker_invited_on_1": ""}, "must include a month"),
        ({"grade": "excellent"}, "Select a grade"),
        ({"participation_rating": "superb"}, "Select a rating for participation"),
        ({"views": ["views_pets"]}, "Select whose views you sought from the list"),
        ({"good_practice_category": "999999"}, "Select a category from the list"),
        ({"lock_version": "abc"}, "The page was out of date"),
        ({"lock_version": "-1"}, "The page was out of date"),
        ({"lock_version": ""}, "The page was out of date"),
        ({"grade_rationale": "x" * 20001}, "20,000 characters or fewer"),
    ],
)
def test_bad_answers_show_the_error_summary_and_change_nothing(
    client, iro, child, overrides, message
):
    qapr = services.qapr_start(child=child, by=iro)
    client.force_login(iro)
    response = client.post(url("qapr_edit", qapr.pk), form_data(qapr, **overrides))
    assert message in error_summary(response)
    assert response.content.decode().count("<title>Error: ") == 1
    assert fresh(qapr).grade == ""


def test_an_empty_post_saves_an_empty_draft_and_a_category_from_another_protocol_is_refused(
    client, iro, child, protocols
):
    qapr = services.qapr_start(child=child, by=iro)
    client.force_login(iro)
    response = client.post(url("qapr_edit", qapr.pk), {"lock_version": str(qapr.lock_version)})
    assert response.status_code == 302
    other = ProtocolCategory.objects.exclude(protocol__is_active=True).first()
    response = client.post(
        url("qapr_edit", qapr.pk),
        form_data(fresh(qapr), good_practice_category=str(other.pk)),
    )
    assert "Select a category from the list" in error_summary(response)


def test_guessed_and_garbage_addresses_are_not_found_and_start_needs_a_post(client, iro, child):
    client.force_login(iro)
    for path in (
        "/qapr/abc/",
        "/qapr/abc/edit/",
        "/qapr/start/abc/",
        "/qapr/recommendations/x/done/",
    ):
        assert client.get(path).status_code == 404
    for name in ("qapr_detail", "qapr_edit", "qapr_finalise", "qapr_concern", "qapr_reopen"):
        assert client.get(url(name, 999999)).status_code == 404
    assert client.get(url("recommendation_done", 999999)).status_code == 404
    assert client.post(url("qapr_start", 999999)).status_code == 404
    assert client.get(url("qapr_start", child.pk)).status_code == 405
    assert client.get(url("qapr_due") + "?page=abc&show=nonsense").status_code == 200
    assert client.get(url("recommendation_list") + "?page=999").status_code == 200


def test_a_qapr_cannot_be_started_for_a_child_in_need(client, iro, child):
    child.status = ChildStatus.CHILD_IN_NEED
    child.save()
    client.force_login(iro)
    response = client.post(url("qapr_start", child.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("qapr_due")
    assert "QAPRs are for children in care" in response.content.decode()
    assert not Qapr.objects.exists()


# What each grade obliges -----------------------------------------------------------------------


def test_an_inadequate_grade_cannot_be_finalised_without_a_formal_concern(
    client, iro, child, team_manager
):
    qapr = filled(iro, child, grade=Grade.INADEQUATE)
    client.force_login(iro)
    page = client.get(url("qapr_finalise", qapr.pk)).content.decode()
    assert "An Inadequate grade needs a formal concern" in page
    assert url("qapr_concern", qapr.pk) in page

    response = client.post(url("qapr_finalise", qapr.pk), {"lock_version": qapr.lock_version})
    assert "An Inadequate grade needs a formal concern" in error_summary(response)
    assert fresh(qapr).is_draft

    detail = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert "Raise a concern" in detail and "govuk-tag--red" in detail


def test_raising_a_concern_from_a_qapr_starts_a_linked_draft_then_it_can_be_finalised(
    client, iro, child, team_manager
):
    qapr = filled(iro, child, grade=Grade.INADEQUATE, grade_rationale="No plan for 9 months.")
    client.force_login(iro)
    page = client.get(url("qapr_concern", qapr.pk)).content.decode()
    assert "No plan for 9 months." in page and "Inadequate" in page

    # Inadequate: only a formal concern will do.
    informal = {"lock_version": qapr.lock_version, "level": "informal", "category": category().pk}
    response = client.post(url("qapr_concern", qapr.pk), informal)
    assert "An Inadequate grade needs a formal concern" in error_summary(response)
    response = client.post(url("qapr_concern", qapr.pk), {"lock_version": qapr.lock_version})
    summary = error_summary(response)
    assert "Select whether the concern is informal or formal" in summary
    assert "Select a category" in summary
    assert not Concern.objects.exists()

    formal = {**informal, "level": "formal"}
    response = client.post(url("qapr_concern", qapr.pk), formal, follow=True)
    concern = Concern.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "escalations:concern_detail", args=[concern.pk]
    )
    assert (
        f"Draft concern {concern.reference} started from {qapr.reference}. "
        "Check it and raise it, then finalise the QAPR."
    ) in response.content.decode()
    qapr = fresh(qapr)
    assert qapr.concern == concern and concern.state == ConcernState.DRAFT
    assert concern.start_level > 0

    # A second one is not started while this one is live.
    response = client.get(url("qapr_concern", qapr.pk), follow=True)
    assert f"{concern.reference} is already linked" in response.content.decode()
    detail = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert concern.reference in detail and ">Raise a concern<" not in detail
    # Still a draft concern: finalising says to raise it first.
    response = client.post(url("qapr_finalise", qapr.pk), {"lock_version": qapr.lock_version})
    assert f"raise {concern.reference}, then finalise" in error_summary(response)

    raise_draft(concern, iro, team_manager)
    qapr = fresh(qapr)
    response = client.post(url("qapr_finalise", qapr.pk), {"lock_version": qapr.lock_version})
    assert response.status_code == 302
    assert fresh(qapr).state == QaprState.FINALISED
    assert not GoodPracticeNote.objects.exists()


def test_requires_improvement_needs_a_recorded_decision(client, iro, child):
    qapr = filled(iro, child, grade=Grade.REQUIRES_IMPROVEMENT)
    client.force_login(iro)
    response = client.post(url("qapr_finalise", qapr.pk), {"lock_version": qapr.lock_version})
    assert "Record what you decided to do" in error_summary(response)

    response = client.post(
        url("qapr_edit", qapr.pk),
        form_data(qapr, grade="requires_improvement", ri_decision="none", button="check"),
    )
    assert response.status_code == 302
    qapr = fresh(qapr)
    response = client.post(url("qapr_finalise", qapr.pk), {"lock_version": qapr.lock_version})
    assert "Say why no concern is being raised" in error_summary(response)

    qapr = services.qapr_save(
        qapr=qapr, by=iro, lock_version=qapr.lock_version, ri_decision_reason="Agreed plan."
    )
    response = client.post(
        url("qapr_finalise", qapr.pk), {"lock_version": qapr.lock_version}, follow=True
    )
    assert f"{qapr.reference} finalised: Requires improvement" in response.content.decode()
    assert "govuk-tag--orange" in response.content.decode()


def test_a_requires_improvement_decision_to_escalate_offers_the_concern(client, iro, child):
    qapr = filled(iro, child, grade=Grade.REQUIRES_IMPROVEMENT, ri_decision=RiDecision.INFORMAL)
    client.force_login(iro)
    detail = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert url("qapr_concern", qapr.pk) in detail
    page = client.get(url("qapr_concern", qapr.pk)).content.decode()
    # The level the author decided on is chosen already.
    assert re.search(r'value="informal"\s*checked="checked"', page)
    assert not re.search(r'value="formal"\s*checked="checked"', page)


def test_a_finalise_refusal_keeps_the_note_the_author_wrote_and_saves_nothing(client, iro, child):
    qapr = filled(iro, child, grade=Grade.GOOD)
    client.force_login(iro)
    response = client.post(
        url("qapr_finalise", qapr.pk),
        {
            "lock_version": qapr.lock_version,
            "good_practice_category": "",
            "good_practice_text": "Kind words",
        },
    )
    assert "Select a category" in error_summary(response)
    assert "Kind words" in response.content.decode()
    response = client.post(
        url("qapr_finalise", qapr.pk),
        {
            "lock_version": qapr.lock_version - 1,
            "good_practice_category": category().pk,
            "good_practice_text": "Kind words",
        },
    )
    assert STALE in error_summary(response)
    assert fresh(qapr).good_practice_text == ""  # nothing half-done


def test_a_good_grade_for_a_child_with_no_social_worker_is_refused_clearly(client, iro, child):
    qapr = filled(iro, child, grade=Grade.OUTSTANDING)
    type(child).objects.filter(pk=child.pk).update(social_worker=None)
    client.force_login(iro)
    response = client.post(
        url("qapr_finalise", qapr.pk),
        {
            "lock_version": qapr.lock_version,
            "good_practice_category": category().pk,
            "good_practice_text": "Kind words",
        },
    )
    assert "no social worker allocated" in error_summary(response)
    assert fresh(qapr).is_draft


# Reopening -------------------------------------------------------------------------------------


def test_the_authors_manager_reopens_a_finalised_qapr_and_the_author_is_told(
    client, iro, child, reviewing_manager
):
    qapr = finalised(iro, child)
    client.force_login(reviewing_manager)
    detail = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert url("qapr_reopen", qapr.pk) in detail
    response = client.post(url("qapr_reopen", qapr.pk), {"lock_version": qapr.lock_version})
    assert "Enter why you are reopening it" in error_summary(response)
    response = client.post(
        url("qapr_reopen", qapr.pk), {"lock_version": qapr.lock_version, "reason": "   "}
    )
    assert "Enter why you are reopening it" in error_summary(response)

    response = client.post(
        url("qapr_reopen", qapr.pk),
        {"lock_version": qapr.lock_version, "reason": "The grade rationale is too thin."},
        follow=True,
    )
    assert f"{qapr.reference} reopened. Ira Reviewer has been told why." in (
        response.content.decode()
    )
    qapr = fresh(qapr)
    assert qapr.is_draft and qapr.reopened_by == reviewing_manager
    assert Notification.objects.filter(kind=Kind.QAPR_REOPENED, recipient=iro).exists()
    # Now a draft again: the author sees why on the form.
    client.force_login(iro)
    assert (
        "The grade rationale is too thin." in client.get(url("qapr_edit", qapr.pk)).content.decode()
    )
    # And it cannot be reopened twice.
    client.force_login(reviewing_manager)
    assert client.get(url("qapr_reopen", qapr.pk)).status_code == 403


def test_the_author_cannot_reopen_their_own_qapr(client, iro, child, reviewing_manager):
    qapr = finalised(iro, child)
    client.force_login(iro)
    assert (
        url("qapr_reopen", qapr.pk) not in client.get(url("qapr_detail", qapr.pk)).content.decode()
    )
    assert client.get(url("qapr_reopen", qapr.pk)).status_code == 403
    response = client.post(url("qapr_reopen", qapr.pk), {"lock_version": 9, "reason": "Mine"})
    assert response.status_code == 403
    assert fresh(qapr).state == QaprState.FINALISED


def test_a_stale_reopen_is_refused(client, iro, child, reviewing_manager):
    qapr = finalised(iro, child)
    client.force_login(reviewing_manager)
    response = client.post(
        url("qapr_reopen", qapr.pk), {"lock_version": qapr.lock_version - 1, "reason": "Why"}
    )
    assert STALE in error_summary(response)


# Recommendations -------------------------------------------------------------------------------


def test_the_author_adds_recommendations_and_follows_them_up(
    client, iro, child, social_worker, team_manager
):
    qapr = filled(
        iro,
        child,
        grade=Grade.REQUIRES_IMPROVEMENT,
        ri_decision=RiDecision.NONE,
        ri_decision_reason="Agreed with the team manager.",
    )
    client.force_login(iro)
    page = client.get(url("recommendation_add", qapr.pk)).content.decode()
    assert "People working with Amara" in page and "Sam Worker" in page

    data = {
        "text": "Book the life story work.",
        "owner": social_worker.pk,
        "due_on_0": "1",
        "due_on_1": "6",
        "due_on_2": "2026",
    }
    response = client.post(url("recommendation_add", qapr.pk), data)
    assert "must be today or in the future" in error_summary(response)
    outsider_owner = UserFactory(full_name="Nobody Here")  # no operational role
    response = client.post(url("recommendation_add", qapr.pk), {**data, "owner": outsider_owner.pk})
    assert "Select a person from the list" in error_summary(response)
    response = client.post(url("recommendation_add", qapr.pk), {"text": "  ", "owner": "x"})
    summary = error_summary(response)
    assert "Enter the recommendation" in summary and "Enter the date the recommendation" in summary

    data["due_on_1"] = "7"
    response = client.post(url("recommendation_add", qapr.pk), data, follow=True)
    assert "Recommendation added for Sam Worker" in response.content.decode()
    recommendation = Recommendation.objects.get()
    assert recommendation.owner == social_worker and recommendation.due_on == dt.date(2026, 7, 1)

    # Not on the follow-up list until the QAPR is finalised.
    assert (
        "Book the life story work." not in client.get(url("recommendation_list")).content.decode()
    )
    services.qapr_finalise(qapr=fresh(qapr), by=iro, lock_version=fresh(qapr).lock_version)
    page = client.get(url("recommendation_list")).content.decode()
    assert "Book the life story work." in page and "Overdue" not in page

    with time_machine.travel(dt.datetime(2026, 7, 3, 9, 0), tick=False):
        client.force_login(iro)  # a new session: the old one has expired
        page = client.get(url("recommendation_list")).content.decode()
        assert "Overdue" in page
        detail = client.get(url("qapr_detail", qapr.pk)).content.decode()
        assert "Overdue" in detail

    # The social worker it is for marks it done.
    client.force_login(social_worker)
    detail = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert url("recommendation_done", recommendation.pk) in detail
    done = {
        "lock_version": recommendation.lock_version,
        "done_on_0": "11",
        "done_on_1": "6",
        "done_on_2": "2026",
        "note": "Booked with the carer.",
    }
    response = client.post(url("recommendation_done", recommendation.pk), done)
    assert "must be today or in the past" in error_summary(response)
    response = client.post(
        url("recommendation_done", recommendation.pk), {**done, "lock_version": "7"}
    )
    assert "changed by someone else" in error_summary(response)
    response = client.post(
        url("recommendation_done", recommendation.pk), {**done, "done_on_0": "10"}, follow=True
    )
    assert "Recommendation marked as done" in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.done_on == TODAY and recommendation.done_by == social_worker
    # Done: gone from the list, and not done twice.
    client.force_login(iro)
    assert (
        "Book the life story work." not in client.get(url("recommendation_list")).content.decode()
    )
    response = client.get(url("recommendation_done", recommendation.pk), follow=True)
    assert "already been marked as done" in response.content.decode()


def test_only_the_author_adds_and_only_the_owner_or_author_completes(
    client, iro, child, social_worker, team_manager, other_iro
):
    qapr = filled(iro, child)
    recommendation = services.recommendation_add(
        qapr=qapr, by=iro, text="Update the plan.", owner=social_worker, due_on=TODAY
    )
    for person in (social_worker, other_iro):
        client.force_login(person)
        assert client.get(url("recommendation_add", qapr.pk)).status_code == 403
    client.force_login(team_manager)
    assert client.get(url("recommendation_done", recommendation.pk)).status_code == 403
    client.force_login(iro)
    assert client.get(url("recommendation_done", recommendation.pk)).status_code == 200


# Who sees what ---------------------------------------------------------------------------------


def _every_page(qapr, recommendation):
    return [
        ("get", url("qapr_detail", qapr.pk)),
        ("get", url("qapr_edit", qapr.pk)),
        ("post", url("qapr_edit", qapr.pk)),
        ("get", url("qapr_finalise", qapr.pk)),
        ("post", url("qapr_finalise", qapr.pk)),
        ("get", url("qapr_concern", qapr.pk)),
        ("post", url("qapr_concern", qapr.pk)),
        ("get", url("qapr_reopen", qapr.pk)),
        ("post", url("qapr_reopen", qapr.pk)),
        ("get", url("recommendation_add", qapr.pk)),
        ("post", url("recommendation_add", qapr.pk)),
        ("get", url("recommendation_done", recommendation.pk)),
        ("post", url("recommendation_done", recommendation.pk)),
        ("post", url("qapr_start", qapr.child_id)),
    ]


@pytest.mark.parametrize("persona", ["outsider", "unrelated_colleague"])
def test_people_who_cannot_see_the_child_get_not_found_everywhere(
    client, request, iro, child, social_worker, persona
):
    qapr = filled(iro, child)
    recommendation = services.recommendation_add(
        qapr=qapr, by=iro, text="Update the plan.", owner=social_worker, due_on=TODAY
    )
    client.force_login(request.getfixturevalue(persona))
    for method, path in _every_page(qapr, recommendation):
        response = getattr(client, method)(path, {"lock_version": "0", "reason": "x"})
        assert response.status_code == 404, (method, path)
    # And their lists show nothing of it.
    assert "Amara" not in client.get(url("qapr_due") + "?show=team").content.decode()
    assert "Update the plan" not in client.get(url("recommendation_list")).content.decode()


def test_a_restricted_childs_qapr_is_hidden_from_a_service_manager_not_named(
    client, iro, restricted_child, social_worker, service_manager
):
    qapr = filled(iro, restricted_child)
    recommendation = services.recommendation_add(
        qapr=qapr, by=iro, text="Update the plan.", owner=social_worker, due_on=TODAY
    )
    client.force_login(service_manager)
    for method, path in _every_page(qapr, recommendation):
        assert getattr(client, method)(path).status_code == 404, (method, path)
    type(restricted_child).objects.filter(pk=restricted_child.pk).update(qapr_due_on=TODAY)
    assert "Rory" not in client.get(url("qapr_due") + "?show=team").content.decode()
    client.force_login(iro)
    assert client.get(url("qapr_detail", qapr.pk)).status_code == 200


def test_colleagues_who_see_the_child_may_read_but_not_change_the_draft(
    client, iro, child, social_worker, team_manager, other_iro, service_manager
):
    qapr = filled(iro, child)
    for person in (social_worker, team_manager, other_iro, service_manager):
        client.force_login(person)
        page = client.get(url("qapr_detail", qapr.pk)).content.decode()
        assert "Stable placement and a clear plan." in page
        assert url("qapr_edit", qapr.pk) not in page
        for name in ("qapr_edit", "qapr_finalise", "qapr_concern"):
            assert client.get(url(name, qapr.pk)).status_code == 403, (person, name)
            assert client.post(url(name, qapr.pk), form_data(qapr)).status_code == 403
        # Reopening is for a finalised QAPR, by the author's manager.
        assert client.get(url("qapr_reopen", qapr.pk)).status_code == 403
    for person in (social_worker, team_manager):
        client.force_login(person)
        assert client.post(url("qapr_start", child.pk)).status_code == 403
    assert fresh(qapr).lock_version == qapr.lock_version


def test_another_iro_starting_a_qapr_already_begun_is_sent_to_it(client, iro, child, other_iro):
    qapr = services.qapr_start(child=child, by=iro)
    client.force_login(other_iro)
    response = client.post(url("qapr_start", child.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("qapr_detail", qapr.pk)
    assert f"Ira Reviewer has already started {qapr.reference}" in response.content.decode()
    assert Qapr.objects.count() == 1


# QAPRs due -------------------------------------------------------------------------------------


def _due_children(count, *, iro, team, social_worker, first_due=TODAY - dt.timedelta(days=3)):
    return [
        ChildFactory(
            team=team,
            social_worker=social_worker,
            reviewing_officer=iro,
            qapr_due_on=first_due + dt.timedelta(days=number * 5),
        )
        for number in range(count)
    ]


def test_qaprs_due_lists_the_reviewing_officers_children_overdue_first(
    client, iro, child, team, social_worker, other_iro
):
    overdue, soon, later = _due_children(3, iro=iro, team=team, social_worker=social_worker)
    _due_children(1, iro=other_iro, team=team, social_worker=social_worker)  # not theirs
    draft = services.qapr_start(child=soon, by=iro)
    client.force_login(iro)
    page = client.get(url("qapr_due")).content.decode()
    assert "3 children with a QAPR due" in page
    table = page[page.index("<table") :]
    assert (
        table.index(overdue.full_name) < table.index(soon.full_name) < table.index(later.full_name)
    )
    assert "3 days overdue" in page and "govuk-tag--red" in page
    assert "Due in 2 days" in page and "Due in 7 days" in page
    assert reverse("cases:child_reviews", args=[overdue.pk]) in page
    assert url("qapr_start", overdue.pk) in page
    assert url("qapr_start", soon.pk) not in page
    assert url("qapr_edit", draft.pk) in page  # carry on the draft
    assert "Your QAPRs in progress" in page
    assert child.full_name not in page.split("Your QAPRs in progress")[0]  # no date due
    # An IRO has no team view: the address shows their own list.
    assert (
        "3 children with a QAPR due" in client.get(url("qapr_due") + "?show=team").content.decode()
    )


def test_the_reviewing_team_manager_sees_the_teams_children(
    client, iro, team, social_worker, other_iro, reviewing_manager, service_manager
):
    _due_children(2, iro=iro, team=team, social_worker=social_worker)
    _due_children(1, iro=other_iro, team=team, social_worker=social_worker)
    elsewhere = UserFactory(roles=[RoleCode.IRO])  # an IRO in no team of the manager's
    _due_children(1, iro=elsewhere, team=team, social_worker=social_worker)
    client.force_login(reviewing_manager)
    page = client.get(url("qapr_due") + "?show=team").content.decode()
    assert "3 children with a QAPR due in your teams" in page
    assert "Otto Reviewer" in page and "Ira Reviewer" in page
    assert "Start QAPR" not in page  # a manager does not author QAPRs
    client.force_login(service_manager)
    page = client.get(url("qapr_due") + "?show=team").content.decode()
    assert "4 children with a QAPR due in your teams" in page


# Pages do not grow with the data ---------------------------------------------------------------


def test_qaprs_due_does_not_grow_with_the_data(
    client, iro, team, social_worker, other_iro, reviewing_manager, django_assert_max_num_queries
):
    small = _due_children(2, iro=iro, team=team, social_worker=social_worker)
    services.qapr_start(child=small[0], by=iro)
    client.force_login(iro)
    client.get(url("qapr_due"))
    small_count = count_queries(client, url("qapr_due"))
    client.force_login(reviewing_manager)
    client.get(url("qapr_due") + "?show=team")
    small_team_count = count_queries(client, url("qapr_due") + "?show=team")

    children = _due_children(30, iro=iro, team=team, social_worker=social_worker)
    for number, due_child in enumerate(children[:12]):
        # Drafts by the IRO and by a colleague covering for them.
        services.qapr_start(child=due_child, by=iro if number % 2 else other_iro)
    client.force_login(iro)
    client.get(url("qapr_due"))
    with django_assert_max_num_queries(small_count):
        page = client.get(url("qapr_due")).content.decode()
    assert "32 children with a QAPR due" in page and "page=2" in page
    client.force_login(reviewing_manager)
    client.get(url("qapr_due") + "?show=team")
    with django_assert_max_num_queries(small_team_count):
        client.get(url("qapr_due") + "?show=team&page=2")


def test_the_qapr_page_and_form_do_not_grow_with_the_data(
    client, iro, child, social_worker, team, django_assert_max_num_queries
):
    other = ChildFactory(team=team, social_worker=social_worker, reviewing_officer=iro)
    small = filled(iro, child)
    big = filled(iro, other)
    for number in range(2):
        services.recommendation_add(
            qapr=small, by=iro, text=f"R{number}", owner=social_worker, due_on=TODAY
        )
    for number in range(15):
        services.recommendation_add(
            qapr=big, by=iro, text=f"R{number}", owner=social_worker, due_on=TODAY
        )
    client.force_login(iro)
    for name in ("qapr_detail", "qapr_edit", "qapr_finalise"):
        client.get(url(name, small.pk))
        small_count = count_queries(client, url(name, small.pk))
        with django_assert_max_num_queries(small_count):
            assert client.get(url(name, big.pk)).status_code == 200


def test_the_follow_up_list_does_not_grow_with_the_data(
    client, iro, child, social_worker, team, django_assert_max_num_queries
):
    first = finalised(iro, child)
    services.recommendation_add(qapr=first, by=iro, text="R", owner=social_worker, due_on=TODAY)
    client.force_login(iro)
    client.get(url("recommendation_list"))
    small = count_queries(client, url("recommendation_list"))
    for _ in range(4):
        extra = ChildFactory(team=team, social_worker=social_worker, reviewing_officer=iro)
        qapr = finalised(iro, extra)
        for number in range(8):
            services.recommendation_add(
                qapr=qapr, by=iro, text=f"R{number}", owner=social_worker, due_on=TODAY
            )
    with django_assert_max_num_queries(small):
        page = client.get(url("recommendation_list")).content.decode()
    assert "33 recommendations to follow up" in page
