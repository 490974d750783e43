"""No double writes: every form that adds a record, posted twice as it was loaded (a double
click, or back and submit again), adds one row; the second post goes where the first went.

Each form is read off its page as a browser sends it (with the one-time token the page carried).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import KeyDate, Review, SignificantChange
from escalations import services
from escalations.models import (
    Action,
    Attachment,
    Concern,
    Discussion,
    ExternalAgencyNote,
    GoodPracticeNote,
    SubConcern,
)
from prp.models import FormSubmission, ProtocolCategory
from prp.submissions import ALREADY_SENT
from qapr import services as qapr_services
from qapr.models import Qapr, Recommendation
from tests.trust.pageforms import form_data

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)
TODAY = NOW.date()
TOKEN = "submission_token"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def dated(name, day) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def category(protocol) -> ProtocolCategory:
    return ProtocolCategory.objects.filter(protocol=protocol).first()


def post_twice(client, url, answers: dict, *, files=None):
    """Load the form once, then send it twice exactly as loaded."""
    loaded = client.get(url)
    assert loaded.status_code == 200
    data = {**form_data(loaded, TOKEN), **answers}
    assert data[TOKEN]
    first = client.post(url, {**data, **(files() if files else {})})
    second = client.post(url, {**data, **(files() if files else {})})
    return first, second


def assert_once(first, second, model, **rows):
    assert first.status_code == 302, first.content.decode()[:3000]
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert model.objects.filter(**rows).count() == 1
    assert ALREADY_SENT in [str(m) for m in get_messages(second.wsgi_request)]


@pytest.fixture
def concern(gloucestershire, child, iro):
    concern = services.concern_create_draft(
        raised_by=iro, children=[child], title="Plan drifting", start_level=1
    )
    return Concern.objects.get(pk=concern.pk)


def esc(name, *args):
    return reverse(f"escalations:{name}", args=args)


# Concerns and what is added to them -------------------------------------------------------------


def test_raising_a_concern(client, gloucestershire, child, iro):
    client.force_login(iro)
    url = esc("concern_start") + f"?child={child.pk}"
    first, second = post_twice(client, url, {"title": "Plan drifting", "start_level": "1"})
    assert_once(first, second, Concern, title="Plan drifting")


def test_adding_a_sub_concern(client, concern, iro, gloucestershire):
    client.force_login(iro)
    answers = {
        "category": str(category(gloucestershire).pk),
        "description": "No plan",
        "impact_on_child": "Unsettled",
    }
    first, second = post_twice(client, esc("sub_concern_add", concern.pk), answers)
    assert_once(first, second, SubConcern, concern=concern)


def test_adding_a_discussion(client, concern, iro):
    client.force_login(iro)
    answers = {**dated("held_on", TODAY), "held_with": "Tom", "summary": "Agreed a meeting"}
    first, second = post_twice(client, esc("discussion_add", concern.pk), answers)
    assert_once(first, second, Discussion, concern=concern)


def test_adding_an_action(client, concern, iro):
    client.force_login(iro)
    answers = {"description": "Hold a meeting", "owner_name": "Dr Patel", **dated("due_on", TODAY)}
    first, second = post_twice(client, esc("action_add", concern.pk), answers)
    assert_once(first, second, Action, concern=concern)


def test_attaching_a_file(client, concern, iro):
    client.force_login(iro)

    def upload():
        return {"file": SimpleUploadedFile("report.pdf", b"%PDF-1.4 report")}

    first, second = post_twice(client, esc("attachment_add", concern.pk), {}, files=upload)
    assert_once(first, second, Attachment, concern=concern)


def test_sending_a_good_practice_note(client, gloucestershire, child, iro, social_worker):
    client.force_login(iro)
    answers = {
        "recipient": str(social_worker.pk),
        "category": str(category(gloucestershire).pk),
        "note": "A thoughtful plan",
        "impact_on_child": "Amara feels heard",
    }
    url = esc("good_practice_new") + f"?child={child.pk}"
    first, second = post_twice(client, url, answers)
    assert_once(first, second, GoodPracticeNote, author=iro)


def test_recording_an_agency_note(client, child, iro):
    client.force_login(iro)
    answers = {
        "agency": "Hill School",
        "level": "informal",
        "summary": "Attendance not shared",
        **dated("recorded_on", TODAY),
    }
    first, second = post_twice(client, esc("agency_note_new", child.pk), answers)
    assert_once(first, second, ExternalAgencyNote, child=child)


def test_a_refused_first_post_can_be_put_right_and_sent(client, concern, iro):
    """The token is only spent when something is saved."""
    client.force_login(iro)
    url = esc("discussion_add", concern.pk)
    data = form_data(client.get(url), TOKEN)
    future = {**data, **dated("held_on", TODAY + dt.timedelta(days=3)), "held_with": "T"}
    refused = client.post(url, {**future, "summary": "Met"})
    assert refused.status_code == 200
    assert not FormSubmission.objects.exists()
    fixed = client.post(url, {**future, **dated("held_on", TODAY), "summary": "Met"})
    assert fixed.status_code == 302
    assert Discussion.objects.filter(concern=concern).count() == 1


def test_a_token_is_per_person(client, child, iro, social_worker):
    """Another person sending the same token is not taken to the first person's record."""
    client.force_login(iro)
    url = reverse("cases:key_date_new", args=[child.pk])
    data = form_data(client.get(url), TOKEN)
    answers = {**data, "kind": KeyDate.Kind.CAME_INTO_CARE, **dated("on", dt.date(2026, 2, 2))}
    assert client.post(url, answers).status_code == 302
    client.force_login(social_worker)
    assert client.post(url, {**answers, **dated("on", dt.date(2026, 2, 3))}).status_code == 302
    assert KeyDate.objects.filter(child=child).count() == 2


def test_a_bad_token_is_an_error_not_a_crash(client, concern, iro):
    client.force_login(iro)
    url = esc("discussion_add", concern.pk)
    data = {**dated("held_on", TODAY), "held_with": "Tom", "summary": "Met", TOKEN: "nonsense"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The page was out of date" in response.content.decode()
    assert not Discussion.objects.exists()


# Children's records -------------------------------------------------------------------------


def test_recording_a_key_date(client, child, iro):
    client.force_login(iro)
    answers = {"kind": KeyDate.Kind.CAME_INTO_CARE, **dated("on", dt.date(2026, 2, 2))}
    first, second = post_twice(client, reverse("cases:key_date_new", args=[child.pk]), answers)
    assert_once(first, second, KeyDate, child=child)


def test_recording_a_review(client, child, iro):
    client.force_login(iro)
    answers = {"kind": Review.Kind.CIC_REVIEW, **dated("held_on", dt.date(2026, 3, 2))}
    first, second = post_twice(client, reverse("cases:review_new", args=[child.pk]), answers)
    assert_once(first, second, Review, child=child)


def test_recording_a_significant_change(client, child, social_worker):
    client.force_login(social_worker)
    answers = {
        "kind": SignificantChange.Kind.PLACEMENT_CHANGE,
        **dated("occurred_on", dt.date(2026, 3, 2)),
        "details": "Moved to new carers",
    }
    first, second = post_twice(client, reverse("cases:change_new", args=[child.pk]), answers)
    assert_once(first, second, SignificantChange, child=child)


# QAPRs --------------------------------------------------------------------------------------------


def test_starting_a_qapr_twice_carries_on_the_same_draft(client, child, iro, gloucestershire):
    """Starting a QAPR is a button, not a form: a second press opens the draft already begun."""
    client.force_login(iro)
    url = reverse("qapr:qapr_start", args=[child.pk])
    first, second = client.post(url), client.post(url)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Qapr.objects.filter(child=child).count() == 1


def test_adding_a_recommendation(client, child, iro, social_worker, gloucestershire):
    qapr = qapr_services.qapr_start(child=child, by=iro)
    client.force_login(iro)
    answers = {
        "text": "Book life story work",
        "owner": str(social_worker.pk),
        **dated("due_on", TODAY),
    }
    url = reverse("qapr:recommendation_add", args=[qapr.pk])
    first, second = post_twice(client, url, answers)
    assert_once(first, second, Recommendation, qapr=qapr)


def test_raising_a_concern_from_a_qapr(client, child, iro, gloucestershire):
    qapr = qapr_services.qapr_start(child=child, by=iro)
    client.force_login(iro)
    answers = {"level": "formal", "category": str(category(gloucestershire).pk)}
    url = reverse("qapr:qapr_concern", args=[qapr.pk])
    first, second = post_twice(client, url, answers)
    assert_once(first, second, Concern, raised_by=iro)


# The buttons ------------------------------------------------------------------------------------


def test_submit_buttons_ignore_a_second_click(client, concern, iro):
    client.force_login(iro)
    page = client.get(esc("discussion_add", concern.pk)).content.decode()
    button = page.split('type="submit"', 1)[1].split("/>", 1)[0]
    assert 'data-module="govuk-button"' in button
    assert 'data-prevent-double-click="true"' in button
