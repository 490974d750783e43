"""Raising a concern through real HTTP requests: the draft, its sections, raising it, and the
concern's page as each persona sees it."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalations import services
from escalations.models import (
    Action,
    Attachment,
    Concern,
    ConcernState,
    Discussion,
    Event,
    Stage,
    SubConcern,
    Task,
    TaskState,
)
from prp.models import ProtocolCategory
from tests.builders import allocate, draft_concern, fresh, raise_draft, raised_concern
from tests.factories import ChildFactory, SiblingGroupFactory
from tests.raising import check_url, raise_through_check

FRIDAY = dt.datetime(2023, 12, 1, 10, 0)
STALE = "This concern was changed by someone else"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(FRIDAY, tick=False):
        yield


@pytest.fixture
def sibling(child, team, social_worker, iro):
    group = SiblingGroupFactory(name="Okafor")
    child.sibling_group = group
    child.save()
    return allocate(
        ChildFactory(
            first_name="Bode",
            last_name="Okafor",
            sibling_group=group,
            date_of_birth=dt.date(2017, 1, 1),
        ),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


def _category(protocol, name="Drift and delay"):
    categories = ProtocolCategory.objects.filter(protocol=protocol)
    return categories.filter(name=name).first() or categories.first()


def _draft(iro, child, protocol, *, level=1, sub_concerns=1):
    """A draft whose sub-concerns these pages' checks name: "No permanence plan 0", "... 1"."""
    return draft_concern(
        iro,
        child,
        level=level,
        descriptions=[f"No permanence plan {number}" for number in range(sub_concerns)],
        impact_on_child="Uncertainty about where they will live",
        child_views="",
        category=_category(protocol),
    )


def _raised(iro, child, protocol, delegate_to, *, level=1):
    return raise_draft(_draft(iro, child, protocol, level=level), iro, delegate_to)


def _url(name, *args):
    return reverse(f"escalations:{name}", args=args)


def _date(prefix, day: dt.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _page(response) -> str:
    return response.content.decode()


# The whole journey -----------------------------------------------------------------------------


def test_the_whole_raise_journey(client, gloucestershire, child, sibling, iro, team_manager):
    client.force_login(iro)
    start = _url("concern_start") + f"?child={child.pk}"
    page = _page(client.get(start))
    assert "<title>Raise a concern about Amara Okafor – " in page
    assert "Bode Okafor" in page
    assert "Response within 5 working days" in page
    assert "Response date agreed with the manager" in page

    response = client.post(
        start,
        {"children": [sibling.pk, child.pk], "title": "Plan drifting", "start_level": 1},
    )
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("concern_detail", concern.pk)
    links = list(concern.concern_children.all())
    assert [(link.child, link.is_primary) for link in links] == [(child, True), (sibling, False)]

    page = _page(client.get(_url("concern_detail", concern.pk)))
    assert "Raise a concern about Amara Okafor" in page
    assert "Incomplete" in page
    assert "Cannot start yet" in page
    assert _url("concern_raise", concern.pk) not in page

    category = _category(gloucestershire)
    for number in (1, 2):
        response = client.post(
            _url("sub_concern_add", concern.pk),
            {
                "category": category.pk,
                "description": f"Concern number {number}",
                "impact_on_child": "Drift in permanence",
                "child_views": "Wants to know where they will live",
            },
        )
        assert response.status_code == 302
    response = client.post(
        _url("action_add", concern.pk),
        {
            "description": "Hold a permanence planning meeting",
            "owner": team_manager.pk,
            "owner_name": "",
            **_date("due_on", dt.date(2023, 12, 15)),
        },
    )
    assert response.status_code == 302
    response = client.post(
        _url("discussion_add", concern.pk),
        {
            **_date("held_on", dt.date(2023, 11, 30)),
            "held_with": "Sam Worker, social worker",
            "summary": "Agreed the plan is drifting",
        },
    )
    assert response.status_code == 302
    upload = SimpleUploadedFile("care plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    response = client.post(_url("attachment_add", concern.pk), {"file": upload})
    assert response.status_code == 302

    page = _page(client.get(_url("concern_detail", concern.pk)))
    assert "Incomplete" not in page
    assert "Cannot start yet" not in page
    assert _url("concern_raise", concern.pk) in page
    assert "Concern number 2" in page
    assert "Hold a permanence planning meeting" in page
    assert "Agreed the plan is drifting" in page
    assert "care plan.pdf" in page

    raise_url = _url("concern_raise", concern.pk)
    page = _page(client.get(raise_url))
    assert "<title>Delegate and raise – " in page
    assert "Formal stage 1" in page
    assert f'<option value="{team_manager.pk}" selected>' in page
    assert "Tom Manager (Team Manager)" in page
    assert "8 December 2023" in page

    concern = fresh(concern)
    response = client.post(
        raise_url, {"lock_version": concern.lock_version, "delegate_to": team_manager.pk}
    )
    # Nothing is raised before the answers are checked (issue 19, GOV.UK "Check answers").
    assert response["Location"] == check_url(concern)
    assert fresh(concern).is_draft
    page = _page(client.get(check_url(concern)))
    assert "Check your answers before raising the concern" in page
    assert "Delegated to" in page
    assert f'href="{raise_url}#id_delegate_to">Change' in page
    response = client.post(check_url(concern), {}, follow=True)
    page = _page(response)
    assert response.redirect_chain == [(_url("concern_detail", concern.pk), 302)]
    assert "Concern raised and delegated to Tom Manager. Response due 8 December 2023." in page
    concern = fresh(concern)
    assert concern.state == ConcernState.FORMAL
    task = Task.objects.get()
    assert (task.assignee, task.due_on) == (team_manager, dt.date(2023, 12, 8))
    assert "Tom Manager, for a response" in page
    assert "0 of 20 working days used on formal stages" in page
    assert concern.reference in page

    attachment = Attachment.objects.get()
    response = client.get(_url("attachment_download", concern.pk, attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "care plan.pdf" in response["Content-Disposition"]


def test_the_start_page_needs_a_visible_child_and_a_raiser(
    client, gloucestershire, child, iro, social_worker, unrelated_colleague
):
    client.force_login(iro)
    assert client.get(_url("concern_start")).status_code == 404
    assert client.get(_url("concern_start") + "?child=abc").status_code == 404
    assert client.get(_url("concern_start") + "?child=999999").status_code == 404
    client.force_login(unrelated_colleague)
    assert client.get(_url("concern_start") + f"?child={child.pk}").status_code == 404
    client.force_login(social_worker)
    assert client.get(_url("concern_start") + f"?child={child.pk}").status_code == 403


def test_the_start_page_shows_the_error_summary(client, gloucestershire, child, iro):
    client.force_login(iro)
    response = client.post(
        _url("concern_start") + f"?child={child.pk}", {"title": " ", "start_level": 9}
    )
    page = _page(response)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert "Select at least one child" in page
    assert "Enter a short title for the concern" in page
    assert "Select the stage to start at" in page
    assert not Concern.objects.exists()


def test_the_lowest_stage_is_chosen_by_default(client, gloucestershire, child, iro):
    client.force_login(iro)
    page = _page(client.get(_url("concern_start") + f"?child={child.pk}"))
    assert re.search(r'value="0"\s+checked', page)


# Editing and withdrawing the draft ---------------------------------------------------------------


def test_the_raiser_edits_the_draft(client, gloucestershire, child, sibling, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("concern_edit", concern.pk)
    page = _page(client.get(url))
    assert "Bode Okafor" in page
    assert f'value="{concern.lock_version}"' in page
    response = client.post(
        url,
        {
            "lock_version": concern.lock_version,
            "children": [child.pk, sibling.pk],
            "title": "New title",
            "start_level": 0,
        },
    )
    assert response.status_code == 302
    concern = fresh(concern)
    assert (concern.title, concern.start_level) == ("New title", 0)
    assert set(concern.children.all()) == {child, sibling}


def test_a_stale_edit_changes_nothing(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    response = client.post(
        _url("concern_edit", concern.pk),
        {
            "lock_version": concern.lock_version - 1,
            "children": [child.pk],
            "title": "New title",
            "start_level": 0,
        },
    )
    assert response.status_code == 200
    assert STALE in _page(response)
    assert fresh(concern).title == "Plan drifting"


def test_the_raiser_withdraws_the_draft(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("draft_withdraw", concern.pk)
    assert "Are you sure you want to withdraw this draft?" in _page(client.get(url))
    response = client.post(url, {"lock_version": concern.lock_version})
    assert response.status_code == 302
    assert response["Location"] == _url("concern_list")
    assert fresh(concern).state == ConcernState.WITHDRAWN


def test_a_sub_concern_is_removed_after_confirming(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire, sub_concerns=2)
    sub = concern.sub_concerns.first()
    client.force_login(iro)
    url = _url("sub_concern_remove", concern.pk, sub.pk)
    assert "Are you sure you want to remove this concern?" in _page(client.get(url))
    assert client.post(url, {"lock_version": concern.lock_version}).status_code == 302
    removed = SubConcern.objects.get(pk=sub.pk)
    assert removed.archived_at is not None
    assert removed.archived_by == iro
    assert client.get(url).status_code == 404


def test_the_last_concern_of_a_raised_concern_cannot_be_removed(
    client, gloucestershire, child, iro, team_manager
):
    concern = _raised(iro, child, gloucestershire, team_manager)
    sub = concern.sub_concerns.get()
    client.force_login(iro)
    response = client.post(
        _url("sub_concern_remove", concern.pk, sub.pk), {"lock_version": concern.lock_version}
    )
    assert response.status_code == 200
    assert "A raised concern must keep at least one concern." in _page(response)
    assert SubConcern.objects.get(pk=sub.pk).archived_at is None


# The sections' forms ---------------------------------------------------------------------------


def test_the_sections_show_the_error_summary(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    page = _page(client.post(_url("sub_concern_add", concern.pk), {"description": " "}))
    assert "There is a problem" in page
    assert "Select the category of the concern" in page
    assert "Enter what the concern is" in page
    assert "Enter the impact on the child" in page

    page = _page(
        client.post(
            _url("discussion_add", concern.pk),
            {**_date("held_on", dt.date(2023, 12, 2)), "held_with": "", "summary": "x"},
        )
    )
    assert "The date of the discussion must be today or in the past" in page
    assert "Enter who the discussion was with" in page
    page = _page(
        client.post(
            _url("discussion_add", concern.pk),
            {"held_on_0": "31", "held_on_1": "2", "held_on_2": "2023", "held_with": "x"},
        )
    )
    assert "The date of the discussion must be a real date" in page

    page = _page(
        client.post(
            _url("action_add", concern.pk),
            {"description": "Do it", **_date("due_on", dt.date(2023, 11, 30))},
        )
    )
    assert "Select who will do it, or enter the name of someone without an account" in page
    assert "The date the action is due must be today or in the future" in page
    page = _page(client.post(_url("action_add", concern.pk), {"description": "Do it"}))
    assert "Enter the date the action is due" in page
    assert not Action.objects.exists()
    assert not Discussion.objects.exists()


def test_an_action_can_go_to_someone_without_an_account(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    response = client.post(
        _url("action_add", concern.pk),
        {
            "description": "Send the school report",
            "owner_name": "Dr Patel, school nurse",
            **_date("due_on", dt.date(2023, 12, 1)),
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.owner, action.owner_name) == (None, "Dr Patel, school nurse")


def test_the_action_owner_list_offers_the_people_involved(
    client, gloucestershire, child, iro, social_worker, team_manager, unrelated_colleague
):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    page = _page(client.get(_url("action_add", concern.pk)))
    for person in (iro, social_worker, team_manager):
        assert f'<option value="{person.pk}">{person.full_name}</option>' in page
    assert unrelated_colleague.full_name not in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "The selected file must be a "),
        ("empty.pdf", b"", "The selected file is empty"),
        ("huge.pdf", b"x" * (services.MAX_ATTACHMENT_BYTES + 1), "smaller than 10MB"),
    ],
)
def test_a_bad_file_is_refused(client, gloucestershire, child, iro, name, content, message):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    upload = SimpleUploadedFile(name, content)
    response = client.post(_url("attachment_add", concern.pk), {"file": upload})
    assert response.status_code == 200
    assert message in _page(response)
    assert not Attachment.objects.exists()


def test_no_file_is_refused(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    page = _page(client.post(_url("attachment_add", concern.pk), {}))
    assert 'enctype="multipart/form-data"' in page
    assert "Select a file" in page


def test_marking_an_action_done_twice_does_it_once(
    client, gloucestershire, child, iro, team_manager
):
    concern = _raised(iro, child, gloucestershire, team_manager)
    action = services.action_add(
        concern=concern,
        by=iro,
        description="Hold a meeting",
        due_on=dt.date(2023, 12, 8),
        owner=team_manager,
    )
    url = _url("action_done", concern.pk, action.pk)
    client.force_login(team_manager)
    assert "Mark this action as done" in _page(client.get(url))
    button = {"lock_version": action.lock_version}
    assert client.post(url, button).status_code == 302
    # The same button again: the action has moved on, so nothing more happens.
    again = client.post(url, button)
    assert "This action was changed by someone else" in _page(again)
    assert Action.objects.get().done_on == dt.date(2023, 12, 1)
    assert Event.objects.filter(kind=Event.Kind.ACTION_DONE).count() == 1
    page = _page(client.get(_url("concern_detail", concern.pk)))
    assert 'govuk-tag--green">Done' in page


# Raising -------------------------------------------------------------------------------------


def test_an_agreed_date_in_the_past_is_refused(client, gloucestershire, child, iro, team_manager):
    concern = _draft(iro, child, gloucestershire, level=0)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    page = _page(client.get(url))
    assert "Record the manager&#x27;s agreed answer myself" in page
    assert 'name="agreed_due_on_0" value="8"' in page  # the suggested date: 5 working days on
    response = client.post(
        url,
        {
            "lock_version": concern.lock_version,
            "how": "delegate",
            "delegate_to": team_manager.pk,
            **_date("agreed_due_on", dt.date(2023, 11, 30)),
        },
    )
    page = _page(response)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert "The date the response is due must be today or in the future" in page
    assert fresh(concern).state == ConcernState.DRAFT


def test_an_agreed_date_on_a_sunday_is_refused_with_the_next_working_day(
    client, gloucestershire, child, iro, team_manager
):
    # Issue 19: a response falls due on a day the service works; the page says which day is next.
    concern = _draft(iro, child, gloucestershire, level=0)
    client.force_login(iro)
    response = client.post(
        _url("concern_raise", concern.pk),
        {
            "lock_version": concern.lock_version,
            "how": "delegate",
            "delegate_to": team_manager.pk,
            **_date("agreed_due_on", dt.date(2023, 12, 10)),
        },
    )
    page = _page(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Sunday 10 December 2023 is not" in page
    assert "The next working day is Monday 11 December 2023" in page
    assert fresh(concern).state == ConcernState.DRAFT


def test_gloucestershire_4_1_informal_the_iro_records_what_the_manager_agreed_with_whom_and_when(
    client, gloucestershire, child, iro, team_manager
):
    """Seed 000 §4.1, "Informal - no need for Team Manager comments": the IRO records the team
    manager's agreed answer themselves, with whom it was agreed and when; nothing is delegated."""
    concern = _draft(iro, child, gloucestershire, level=0)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    page = _page(client.get(url))
    assert "What did the manager agree?" in page
    assert "Who agreed it?" in page
    raising = {
        "lock_version": concern.lock_version,
        "how": "myself",
        "delegate_to": team_manager.pk,
        **_date("agreed_due_on", dt.date(2023, 12, 6)),
    }
    # Without the answer, who agreed it and when, nothing is raised.
    response = client.post(url, {**raising, "agreed_with": ""})
    page = _page(response)
    assert "<title>Error: " in page
    for error in ("Enter what the manager agreed", "Select who agreed it"):
        assert error in page
    assert "Enter the date it was agreed" in page
    response = client.post(
        url,
        {
            **raising,
            "agreed_answer": "Life story work starts",
            "agreed_with": team_manager.pk,
            **_date("agreed_on", dt.date(2023, 12, 4)),
        },
    )
    assert "The date it was agreed must be today or earlier" in _page(response)
    assert fresh(concern).is_draft

    response = raise_through_check(
        client,
        url,
        {
            **raising,
            "agreed_answer": "Life story work starts on 4 December; the social worker books it",
            "agreed_with": team_manager.pk,
            **_date("agreed_on", dt.date(2023, 11, 30)),
        },
        follow=True,
    )
    page = _page(response)
    assert "Concern raised. Response due 6 December 2023." in page
    concern = fresh(concern)
    assert concern.state == ConcernState.INFORMAL
    stage = concern.current_stage
    assert (stage.agreed_with, stage.agreed_on, stage.due_on) == (
        team_manager,
        dt.date(2023, 11, 30),
        dt.date(2023, 12, 6),
    )
    assert stage.agreed_answer.startswith("Life story work starts on 4 December")
    assert not Task.objects.exists()
    assert "(not delegated)" in page
    assert "Answer agreed with Tom Manager on 30 November 2023" in page
    assert "Life story work starts on 4 December; the social worker books it" in page
    assert concern.events.filter(kind="answer_recorded").exists()


def test_a_stage_needs_a_delegate(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    response = client.post(
        _url("concern_raise", concern.pk), {"lock_version": concern.lock_version}
    )
    assert "Select who to delegate this stage to" in _page(response)
    assert fresh(concern).is_draft


def test_a_draft_without_concerns_cannot_be_raised(
    client, gloucestershire, child, iro, team_manager
):
    concern = _draft(iro, child, gloucestershire, sub_concerns=0)
    client.force_login(iro)
    response = client.post(
        _url("concern_raise", concern.pk),
        {"lock_version": concern.lock_version, "delegate_to": team_manager.pk},
    )
    assert "Add at least one concern before raising it." in _page(response)
    assert fresh(concern).is_draft


def test_a_stale_raise_changes_nothing(client, gloucestershire, child, iro, team_manager):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    page = _page(client.get(_url("concern_raise", concern.pk)))
    seen = int(re.search(r'name="lock_version" value="(\d+)"', page).group(1))
    services.discussion_add(
        concern=concern, by=iro, held_on=dt.date(2023, 12, 1), held_with="SW", summary="Talked"
    )
    response = client.post(
        _url("concern_raise", concern.pk), {"lock_version": seen, "delegate_to": team_manager.pk}
    )
    assert response.status_code == 200
    assert STALE in _page(response)
    assert fresh(concern).is_draft
    assert not Stage.objects.exists()


def test_someone_else_can_be_chosen(client, gloucestershire, child, iro, head_of_service):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    response = raise_through_check(
        client,
        _url("concern_raise", concern.pk),
        {"lock_version": concern.lock_version, "delegate_to": head_of_service.pk},
    )
    assert response.status_code == 302
    assert Task.objects.get().assignee == head_of_service


def test_a_made_up_delegate_is_refused(client, gloucestershire, child, iro, outsider):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    response = client.post(
        _url("concern_raise", concern.pk),
        {"lock_version": concern.lock_version, "delegate_to": outsider.pk},
    )
    assert "Select a person from the list" in _page(response)


def test_raising_again_goes_back_to_the_concern(client, gloucestershire, child, iro, team_manager):
    concern = _raised(iro, child, gloucestershire, team_manager)
    client.force_login(iro)
    for name in ("concern_raise", "concern_edit", "draft_withdraw"):
        response = client.get(_url(name, concern.pk))
        assert response["Location"] == _url("concern_detail", concern.pk)


# Who may see and do what -------------------------------------------------------------------------


def _every_page(concern):
    sub = concern.sub_concerns.first()
    action = concern.actions.first()
    attachment = concern.attachments.first()
    return [
        ("get", _url("concern_detail", concern.pk)),
        ("get", _url("concern_edit", concern.pk)),
        ("get", _url("sub_concern_add", concern.pk)),
        ("get", _url("sub_concern_remove", concern.pk, sub.pk)),
        ("get", _url("discussion_add", concern.pk)),
        ("get", _url("action_add", concern.pk)),
        ("post", _url("action_done", concern.pk, action.pk)),
        ("get", _url("attachment_add", concern.pk)),
        ("get", _url("attachment_download", concern.pk, attachment.pk)),
        ("get", _url("concern_raise", concern.pk)),
        ("get", _url("draft_withdraw", concern.pk)),
    ]


def _with_everything(concern, iro):
    services.action_add(
        concern=concern, by=iro, description="Meet", due_on=dt.date(2023, 12, 8), owner_name="X"
    )
    upload = SimpleUploadedFile("note.txt", b"hello")
    services.attachment_add(concern=concern, by=iro, upload=upload)
    return fresh(concern)


@pytest.mark.parametrize("raised", [False, True])
def test_an_unrelated_person_gets_404_everywhere(
    client, gloucestershire, child, iro, team_manager, unrelated_colleague, raised
):
    concern = _draft(iro, child, gloucestershire)
    concern = _with_everything(concern, iro)
    if raised:
        services.concern_raise(
            concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
        )
    client.force_login(unrelated_colleague)
    for method, url in _every_page(concern):
        assert getattr(client, method)(url).status_code == 404, url


def test_signed_out_people_are_sent_to_sign_in(client, gloucestershire, child, iro):
    concern = _with_everything(_draft(iro, child, gloucestershire), iro)
    for method, url in [
        *_every_page(concern),
        ("get", _url("concern_start") + f"?child={child.pk}"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_a_draft_is_the_raisers_own(client, gloucestershire, child, iro, social_worker):
    concern = _with_everything(_draft(iro, child, gloucestershire), iro)
    client.force_login(social_worker)
    for method, url in _every_page(concern):
        assert getattr(client, method)(url).status_code == 404, url


def test_others_who_can_see_a_raised_concern_cannot_change_it(
    client, gloucestershire, child, iro, social_worker, team_manager
):
    concern = _with_everything(_draft(iro, child, gloucestershire), iro)
    services.concern_raise(
        concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
    )
    client.force_login(social_worker)
    pages = _every_page(concern)
    assert client.get(pages[0][1]).status_code == 200
    download = _url("attachment_download", concern.pk, concern.attachments.first().pk)
    assert client.get(download).status_code == 200
    for method, url in pages[1:]:
        if url == download:
            continue
        assert getattr(client, method)(url).status_code == 403, url
    assert not Action.objects.filter(done_on__isnull=False).exists()


def test_the_buttons_follow_who_you_are(
    client, gloucestershire, child, iro, social_worker, team_manager
):
    concern = _raised(iro, child, gloucestershire, team_manager)
    task = Task.objects.get()
    url = _url("concern_detail", concern.pk)
    outcome = _url("outcome_record", concern.pk)
    retract = _url("task_retract", task.pk)
    redelegate = _url("stage_redelegate", concern.pk, task.stage_id)
    respond = f'href="{_url("task_detail", task.pk)}"'

    client.force_login(iro)
    page = _page(client.get(url))
    assert outcome in page and retract in page and redelegate in page
    assert respond not in page
    assert _url("sub_concern_add", concern.pk) in page

    client.force_login(team_manager)
    page = _page(client.get(url))
    assert respond in page
    assert _url("action_add", concern.pk) in page
    assert outcome not in page and retract not in page and redelegate not in page
    assert _url("sub_concern_add", concern.pk) not in page
    assert client.get(_url("action_add", concern.pk)).status_code == 200

    client.force_login(social_worker)
    page = _page(client.get(url))
    for link in (outcome, retract, redelegate, respond, _url("action_add", concern.pk)):
        assert link not in page

    services.task_respond(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="We will meet",
    )
    client.force_login(iro)
    page = _page(client.get(url))
    assert _url("task_reactivate", task.pk) in page
    assert "We will meet" in page


# The concern's page ----------------------------------------------------------------------------


def test_the_timeline_lists_events_in_order(client, gloucestershire, child, iro, team_manager):
    concern = _raised(iro, child, gloucestershire, team_manager)
    client.force_login(iro)
    page = _page(client.get(_url("concern_detail", concern.pk)))
    timeline = page[page.index('id="timeline"') :]
    summaries = list(concern.events.order_by("at", "id").values_list("summary", flat=True))
    assert len(summaries) >= 4
    positions = [timeline.index(summary) for summary in summaries]
    assert positions == sorted(positions)
    assert "1 December 2023 at 10am</time>, by Ira Reviewer" in timeline


def test_a_retracted_tasks_draft_is_kept_for_the_raiser(
    client, gloucestershire, child, iro, team_manager
):
    concern = _raised(iro, child, gloucestershire, team_manager)
    task = Task.objects.get()
    task = services.task_save_draft(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="Half-written answer about the meeting",
    )
    services.task_retract(
        task=task, by=iro, lock_version=task.lock_version, reason="absent", note="On leave"
    )
    client.force_login(iro)
    page = _page(client.get(_url("concern_detail", concern.pk)))
    assert "Their draft, kept after retraction" in page
    assert "Half-written answer about the meeting" in page
    assert "The person is absent" in page
    assert "On leave" in page
    assert Task.objects.get().state == TaskState.RETRACTED


def test_the_formal_days_warning_shows_when_the_limit_is_passed(
    client, gloucestershire, child, iro, team_manager
):
    concern = _raised(iro, child, gloucestershire, team_manager)
    with time_machine.travel(dt.datetime(2024, 1, 15, 10, 0), tick=False):
        client.force_login(iro)
        page = _page(client.get(_url("concern_detail", concern.pk)))
    assert "of 20 working days used on formal stages" in page
    assert "longer than the 20 working days" in page
    assert "Overdue" in page


def _grow(concern, iro, team_manager, size):
    """`size` more stages (each with a task), events, actions, discussions, files and concerns."""
    protocol_stage = concern.current_stage.protocol_stage
    for number in range(size):
        stage = Stage.objects.create(
            concern=concern,
            protocol_stage=protocol_stage,
            level=1,
            raised_by=iro,
            opened_on=dt.date(2023, 12, 1),
            due_on=dt.date(2023, 12, 8),
        )
        Task.objects.create(
            stage=stage, assignee=team_manager, delegated_by=iro, due_on=dt.date(2023, 12, 8)
        )
        Event.objects.create(
            concern=concern, kind=Event.Kind.EDITED, actor=iro, summary=f"Event {number}"
        )
        services.action_add(
            concern=concern,
            by=iro,
            description=f"Action {number}",
            due_on=dt.date(2023, 12, 8),
            owner=team_manager,
        )
        services.discussion_add(
            concern=concern, by=iro, held_on=dt.date(2023, 12, 1), held_with="SW", summary="x"
        )
        services.sub_concern_add(
            concern=concern,
            by=iro,
            category=_category(concern.protocol),
            description="More",
            impact_on_child="More",
        )
        services.attachment_add(
            concern=concern, by=iro, upload=SimpleUploadedFile(f"f{number}.txt", b"x")
        )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_concern_page_does_not_grow_with_its_history(
    client, gloucestershire, child, iro, team_manager, django_assert_max_num_queries
):
    small = _raised(iro, child, gloucestershire, team_manager)
    big = _raised(iro, child, gloucestershire, team_manager)
    _grow(small, iro, team_manager, 2)
    _grow(big, iro, team_manager, 20)
    client.force_login(iro)
    client.get(_url("concern_detail", small.pk))  # warm the calendar and the session
    small_count = _count(client, _url("concern_detail", small.pk))
    big_count = _count(client, _url("concern_detail", big.pk))
    assert small_count == big_count
    with django_assert_max_num_queries(small_count):
        client.get(_url("concern_detail", big.pk))
    # The assignee's view too (a different permission path).
    client.force_login(team_manager)
    client.get(_url("concern_detail", small.pk))
    assert _count(client, _url("concern_detail", small.pk)) == _count(
        client, _url("concern_detail", big.pk)
    )


def test_the_draft_page_does_not_grow_with_its_sections(
    client, gloucestershire, child, iro, team_manager
):
    small = _draft(iro, child, gloucestershire)
    big = _draft(iro, child, gloucestershire, sub_concerns=20)
    for concern, size in ((small, 2), (big, 20)):
        for number in range(size):
            services.action_add(
                concern=concern,
                by=iro,
                description=f"A{number}",
                due_on=dt.date(2023, 12, 8),
                owner=team_manager,
            )
            services.discussion_add(
                concern=concern, by=iro, held_on=dt.date(2023, 12, 1), held_with="SW", summary="x"
            )
    client.force_login(iro)
    client.get(_url("concern_detail", small.pk))
    assert _count(client, _url("concern_detail", small.pk)) == _count(
        client, _url("concern_detail", big.pk)
    )


def test_a_stage_answered_by_an_outside_body_is_not_delegated(client, protocols, child, iro):
    from prp.presets import activate

    bucks = activate(protocols["buckinghamshire"])
    concern = _draft(iro, child, bucks, level=5)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    page = _page(client.get(url))
    assert "CAFCASS. You record their response on their behalf" in page
    assert 'name="delegate_to"' not in page
    assert 'name="how"' not in page
    response = raise_through_check(
        client,
        url,
        {"lock_version": concern.lock_version, **_date("agreed_due_on", dt.date(2023, 12, 15))},
    )
    assert response.status_code == 302
    concern = fresh(concern)
    assert concern.current_stage.due_on == dt.date(2023, 12, 15)
    assert not Task.objects.exists()
    page = _page(client.get(_url("concern_detail", concern.pk)))
    assert "CAFCASS (Ira Reviewer records their response)" in page


def test_the_status_tag_names_the_stage_with_its_number(
    client, gloucestershire, iro, child, team_manager
):
    """Issue 19: "Formal stage" alone does not say where the concern is; the tag names the stage,
    on the concern page and in the list."""
    concern = raised_concern(iro, child, team_manager, level=2)
    client.force_login(iro)
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    heading = re.search(r"<h1.*?</h1>", page, re.S).group(0)
    assert re.search(r'<strong class="govuk-tag[^"]*">Formal stage 2</strong>', heading), heading
    listed = client.get(reverse("escalations:concern_list")).content.decode()
    assert re.search(r'<strong class="govuk-tag[^"]*">Formal stage 2</strong>', listed)


def test_raising_without_choosing_delegate_or_myself_is_refused_and_keeps_what_was_typed(
    client, gloucestershire, child, iro, team_manager
):
    # Issue 19: "Raise the concern" with neither choice made used to raise and delegate it.
    concern = _draft(iro, child, gloucestershire, level=0)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    page = _page(client.get(url))
    assert not re.search(r'name="how" [^>]*checked', page)
    response = client.post(
        url,
        {
            "lock_version": concern.lock_version,
            "delegate_to": team_manager.pk,
            "agreed_answer": "Life story work starts",
            **_date("agreed_due_on", dt.date(2023, 12, 6)),
        },
    )
    page = _page(response)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "There is a problem" in page
    message = "Select whether to delegate the response or record it yourself"
    assert page.count(message) == 2  # the error summary and the radios' error message
    assert "Life story work starts" in page
    assert fresh(concern).is_draft
    assert not Task.objects.exists()


def test_a_second_tab_raising_again_is_told_it_was_already_raised(
    client, gloucestershire, child, iro, team_manager
):
    # Issue 19: the stale tab's "Raise" used to land on the concern page without a word.
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    data = {"lock_version": concern.lock_version, "delegate_to": team_manager.pk}
    second_tab = client.post(url, data)  # the second tab reaches the check page too
    assert second_tab["Location"] == check_url(concern)
    first = raise_through_check(client, url, data, follow=True)
    assert "Concern raised and delegated to Tom Manager" in _page(first)
    with time_machine.travel(FRIDAY + dt.timedelta(minutes=30), tick=False):
        from_check = client.post(check_url(concern), {}, follow=True)
        again = client.post(url, data, follow=True)
    assert "This concern was already raised on 1 December 2023 at 10:00" in _page(from_check)
    page = _page(again)
    assert again.redirect_chain[-1][0] == _url("concern_detail", concern.pk)
    assert "This concern was already raised on 1 December 2023 at 10:00" in page
    assert "You are seeing it now." in page
    assert "govuk-notification-banner" in page
    assert Task.objects.filter(stage__concern=concern).count() == 1
    assert client.get(url, follow=True).redirect_chain  # a plain visit is not told again
    assert "already raised" not in _page(client.get(_url("concern_detail", concern.pk)))


def test_the_delegate_list_names_each_persons_role_and_team(
    client, gloucestershire, child, iro, team_manager, team
):
    # Issue 19: names alone cannot tell two managers apart, or say who a stranger is.
    team_manager.job_title = "Team manager"
    team_manager.save()
    concern = _draft(iro, child, gloucestershire, level=0)
    client.force_login(iro)
    page = _page(client.get(_url("concern_raise", concern.pk)))
    label = "Tom Manager (Team manager, Children in Care North)"
    assert page.count(f">{label}</option>") == 2  # who to delegate to, and who agreed it
    assert ">Tom Manager</option>" not in page


def test_notes_for_the_manager_reach_their_task_page_and_email(
    client, gloucestershire, child, iro, team_manager
):
    # Issue 19, as Liquidlogic's "Notes for Assessor": what the raiser tells the manager.
    from notifications.models import Kind, Notification

    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    assert "Notes for the manager (optional)" in _page(client.get(url))
    data = {"lock_version": concern.lock_version, "delegate_to": team_manager.pk}
    too_long = client.post(url, {**data, "note": "x" * 5001})
    assert "Notes for the manager must be 5,000 characters or fewer" in _page(too_long)
    assert fresh(concern).is_draft
    note = "The review is on 12 December.\nPlease speak to the foster carer first."
    raise_through_check(client, url, {**data, "note": note})
    task = Task.objects.get(stage__concern=concern)
    assert task.note == note
    email = Notification.objects.get(kind=Kind.DELEGATED, recipient=team_manager)
    assert "Notes for you from Ira Reviewer" in email.body_text
    assert "Please speak to the foster carer first." in email.body_text
    client.force_login(team_manager)
    page = _page(client.get(_url("task_detail", task.pk)))
    assert "Notes for the manager" in page
    assert "The review is on 12 December.<br>Please speak to the foster carer first." in page


def test_a_note_for_the_manager_is_kept_by_the_service(gloucestershire, child, iro, team_manager):
    concern = _draft(iro, child, gloucestershire)
    raise_draft(concern, iro, team_manager, note="  Call me first  ")
    assert Task.objects.get(stage__concern=concern).note == "Call me first"


# Issue 19: the copy list when delegating, and checking the answers before raising -------------


def test_people_added_to_the_copy_list_are_copied_in_told_and_recorded(
    client, gloucestershire, child, iro, team_manager, head_of_service, social_worker
):
    # Liquidlogic's delegation has a copy list: the raiser adds people, shown by role and team.
    from notifications.models import Kind, Notification

    head_of_service.job_title = "Head of service"
    head_of_service.save()
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    page = _page(client.get(url))
    assert "Add people to the copy list (optional)" in page
    assert re.search(rf'name="copy_to"[^>]*value="{head_of_service.pk}"', page)
    assert "Hana Head (Head of service)" in page
    data = {
        "lock_version": concern.lock_version,
        "delegate_to": team_manager.pk,
        "copy_to": [head_of_service.pk, social_worker.pk],
    }
    response = client.post(url, data)
    assert response["Location"] == check_url(concern)
    check = _page(client.get(check_url(concern)))
    assert "Added to the copy list" in check
    assert "Hana Head (Head of service)" in check
    assert not Notification.objects.filter(kind=Kind.COPIED).exists()  # nothing raised yet
    client.post(check_url(concern), {})
    stage = fresh(concern).current_stage
    added = {copy.person: copy.reason for copy in stage.copies.all()}
    assert added[head_of_service] == "Added to the copy list by Ira Reviewer"
    assert added[social_worker] == "Added to the copy list by Ira Reviewer"
    copied = Notification.objects.filter(kind=Kind.COPIED).values_list("recipient", flat=True)
    assert {head_of_service.pk, social_worker.pk} <= set(copied)
    event = concern.events.get(kind=Event.Kind.DELEGATED)
    assert "Hana Head" in event.summary and "Sam Worker" in event.summary
    assert {head_of_service.pk, social_worker.pk} <= set(event.data["copied_to"])


def test_a_made_up_person_on_the_copy_list_is_refused(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    response = client.post(
        _url("concern_raise", concern.pk),
        {"lock_version": concern.lock_version, "delegate_to": iro.pk, "copy_to": ["999999"]},
    )
    page = _page(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Select people from the list" in page
    assert fresh(concern).is_draft


def test_the_copy_list_needs_a_delegation(gloucestershire, child, iro, team_manager):
    from django.core.exceptions import ValidationError

    concern = _draft(iro, child, gloucestershire, level=0)
    answer = services.AgreedAnswer("Agreed", team_manager, dt.date(2023, 11, 30))
    with pytest.raises(ValidationError, match="only be copied in when you delegate"):
        services.concern_raise(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            delegate_to=None,
            answer=answer,
            agreed_due_on=dt.date(2023, 12, 6),
            copy_to=[team_manager],
        )


def test_nothing_is_raised_before_the_answers_are_checked_and_change_keeps_them(
    client, gloucestershire, child, iro, team_manager, head_of_service
):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    assert client.get(check_url(concern))["Location"] == url  # nothing to check yet
    note = "Please ring the carer first"
    client.post(
        url, {"lock_version": concern.lock_version, "delegate_to": team_manager.pk, "note": note}
    )
    assert fresh(concern).is_draft
    assert not Stage.objects.exists()
    check = _page(client.get(check_url(concern)))
    for key in (
        "Date of concern",
        "Delegated to",
        "Notes for the manager",
        "Added to the copy list",
    ):
        assert f'<dt class="govuk-summary-list__key">{key}</dt>' in check
    assert note in check
    assert "When you raise it, Tom Manager is told, and so are the people copied in." in check
    assert "Date of concern</dt>" in check and "1 December 2023 (today)" in check
    assert (
        f'href="{url}#id_note">Change<span class="govuk-visually-hidden"> notes for the manager'
        in check
    )
    # "Change": the form again, with what was typed.
    form = _page(client.get(url))
    assert note in form
    assert f'<option value="{team_manager.pk}" selected>' in form
    client.post(
        url, {"lock_version": concern.lock_version, "delegate_to": head_of_service.pk, "note": note}
    )
    assert "Hana Head" in _page(client.get(check_url(concern)))
    response = client.post(check_url(concern), {}, follow=True)
    assert "Concern raised and delegated to Hana Head" in _page(response)
    assert Task.objects.get().assignee == head_of_service
    # The answers are forgotten once raised.
    assert client.get(check_url(concern))["Location"] == _url("concern_detail", concern.pk)


def test_the_check_page_shows_a_refusal_on_the_form_with_what_was_typed(
    client, gloucestershire, child, iro, team_manager
):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    client.post(
        url, {"lock_version": concern.lock_version, "delegate_to": team_manager.pk, "note": "Kept"}
    )
    # The draft changes between the check page and pressing "Raise the concern".
    services.discussion_add(
        concern=concern, by=iro, held_on=dt.date(2023, 12, 1), held_with="SW", summary="Talked"
    )
    response = client.post(check_url(concern), {})
    page = _page(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert STALE in page
    assert "Kept" in page
    assert f'action="{url}"' in page
    assert fresh(concern).is_draft


def test_signed_out_before_raising_the_checked_answers_come_back_after_signing_in(
    client, gloucestershire, child, iro, team_manager
):
    # What was typed is never lost: the check page's answers are kept like any form's
    # (prp/security/kept.py) when the session ends before "Raise the concern".
    from tests.factories import DEFAULT_PASSWORD

    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = _url("concern_raise", concern.pk)
    note = "Ring the carer before the review"
    client.post(
        url, {"lock_version": concern.lock_version, "delegate_to": team_manager.pk, "note": note}
    )
    check = _page(client.get(check_url(concern)))
    sent = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', check))
    assert sent["note"] == note and sent["delegate_to"] == str(team_manager.pk)
    client.post(reverse("logout"))  # another tab, or the idle timeout
    response = client.post(check_url(concern), sent)
    assert response.url.startswith(reverse("login"))
    assert fresh(concern).is_draft
    back = client.post(
        f"{reverse('login')}?next={check_url(concern)}",
        {"username": iro.email, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    page = _page(back)
    assert back.redirect_chain[-1][0] == check_url(concern)
    assert "This form has not been sent." in page
    assert note in page
    assert fresh(concern).is_draft
    response = client.post(check_url(concern), {}, follow=True)
    assert "Concern raised and delegated to Tom Manager" in _page(response)
    assert Task.objects.get().note == note
