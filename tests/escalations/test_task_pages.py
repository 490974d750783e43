"""My tasks and the respond form, through real HTTP requests with a frozen clock."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalations import services
from escalations.models import Concern, Task, TaskState
from prp.models import Protocol, ProtocolCategory, ResponseOption
from tests.builders import raised_task
from tests.factories import ChildFactory

FRIDAY = dt.datetime(2023, 12, 1, 10, 0)


@pytest.fixture
def clock():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


def banners(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def respond_data(task, **overrides):
    data = {
        "response": "We will hold a permanence meeting",
        "actions_agreed": "Book the meeting by Friday",
        "lock_version": task.lock_version,
        "send": "Send response",
    }
    data.update(overrides)
    return data


# The inbox ---------------------------------------------------------------------------------------


def test_the_inbox_needs_sign_in(client, db):
    response = client.get(reverse("escalations:task_inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_inbox_says_so_when_there_is_nothing_to_do(client, team_manager, clock):
    client.force_login(team_manager)
    page = client.get(reverse("escalations:task_inbox")).content.decode()
    assert "<title>My tasks – " in page
    assert "You have no tasks waiting for your response" in page


def _rows(page: str) -> list[str]:
    return re.findall(r"(PRP-\d{6})<span", page)


def test_the_inbox_is_soonest_due_first_with_working_day_tags(
    client, gloucestershire, iro, team_manager, child, clock
):
    # Due dates count working days over Christmas 2023 (25 and 26 December) and New Year's Day.
    clock.move_to(dt.datetime(2023, 12, 15, 10, 0))
    late = raised_task(iro, [child], delegate_to=team_manager, title="Late")  # due 22 Dec
    clock.move_to(dt.datetime(2023, 12, 20, 10, 0))
    later = raised_task(iro, [child], delegate_to=team_manager, title="Later")  # due 29 Dec
    clock.move_to(dt.datetime(2023, 12, 21, 10, 0))
    latest = raised_task(iro, [child], delegate_to=team_manager, title="Latest")  # due 2 Jan
    clock.move_to(dt.datetime(2023, 12, 27, 10, 0))
    today = raised_task(
        iro, [child], delegate_to=team_manager, level=0, agreed=dt.date(2023, 12, 27)
    )
    tomorrow = raised_task(
        iro, [child], delegate_to=team_manager, level=0, agreed=dt.date(2023, 12, 28)
    )
    assert (late.due_on, later.due_on, latest.due_on) == (
        dt.date(2023, 12, 22),
        dt.date(2023, 12, 29),
        dt.date(2024, 1, 2),
    )

    client.force_login(team_manager)
    page = client.get(reverse("escalations:task_inbox")).content.decode()
    expected = [late, today, tomorrow, later, latest]
    assert _rows(page) == [task.stage.concern.reference for task in expected]
    # Friday 22 to Wednesday 27 December is five days but one working day.
    assert "Overdue by 1 working day<" in page
    assert 'govuk-tag--red">Overdue by 1 working day' in page
    assert 'govuk-tag--yellow">Due today' in page
    assert 'govuk-tag--yellow">Due tomorrow' in page
    assert 'govuk-tag--blue">Due 29 December 2023' in page
    assert 'govuk-tag--blue">Due 2 January 2024' in page
    assert child.full_name in page
    assert "Formal stage 1" in page and "Informal" in page
    assert iro.full_name in page
    assert reverse("escalations:task_detail", args=[late.pk]) in page

    # On Friday 29 December the next working day is Tuesday 2 January.
    clock.move_to(dt.datetime(2023, 12, 29, 10, 0))
    client.force_login(team_manager)  # the session from two days ago has expired
    page = client.get(reverse("escalations:task_inbox")).content.decode()
    assert 'govuk-tag--yellow">Due soon' in page
    assert "Overdue by 3 working days" in page  # 22 December: 27, 28 and 29 December


def test_the_inbox_shows_only_my_tasks(
    client, gloucestershire, iro, team_manager, social_worker, child, clock
):
    raised_task(iro, [child], delegate_to=social_worker, level=0, agreed=dt.date(2023, 12, 8))
    client.force_login(team_manager)
    page = client.get(reverse("escalations:task_inbox")).content.decode()
    assert "PRP-" not in page


def test_all_tasks_shows_answered_and_retracted_ones(
    client, gloucestershire, iro, team_manager, child, clock
):
    waiting = raised_task(iro, [child], delegate_to=team_manager)
    answered = raised_task(iro, [child], delegate_to=team_manager)
    services.task_respond(
        task=answered,
        by=team_manager,
        lock_version=answered.lock_version,
        response_option=None,
        response="Done",
    )
    taken = raised_task(iro, [child], delegate_to=team_manager)
    services.task_retract(
        task=taken, by=iro, lock_version=taken.lock_version, reason="absent", note="On leave"
    )
    client.force_login(team_manager)
    page = client.get(reverse("escalations:task_inbox")).content.decode()
    assert _rows(page) == [waiting.stage.concern.reference]
    page = client.get(reverse("escalations:task_inbox"), {"show": "all"}).content.decode()
    assert set(_rows(page)) == {task.stage.concern.reference for task in (waiting, answered, taken)}
    assert 'govuk-tag--green">Responded' in page
    assert 'govuk-tag--grey">Retracted' in page
    assert _rows(page)[0] == waiting.stage.concern.reference


def test_a_made_up_filter_shows_the_error_summary(client, team_manager, clock):
    client.force_login(team_manager)
    response = client.get(reverse("escalations:task_inbox"), {"show": "everything"})
    assert response.status_code == 200
    assert "Select which tasks to show" in response.content.decode()


def _make_tasks(count, iro, team_manager, child):
    for _ in range(count):
        raised_task(iro, [child], delegate_to=team_manager)


def test_the_inbox_does_a_fixed_number_of_queries(
    client, gloucestershire, iro, team_manager, child, clock, django_assert_max_num_queries
):
    client.force_login(team_manager)
    url = reverse("escalations:task_inbox")
    _make_tasks(10, iro, team_manager, child)
    client.get(url)  # warm the calendar and session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    _make_tasks(50, iro, team_manager, ChildFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url).content.decode()
    assert "60 tasks waiting for your response" in page
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url, {"show": "all", "page": "3"})


# The task page -----------------------------------------------------------------------------------


@pytest.fixture
def task(gloucestershire, iro, team_manager, child, clock):
    return raised_task(iro, [child], delegate_to=team_manager)


def test_the_task_page_needs_sign_in(client, task):
    response = client.get(reverse("escalations:task_detail", args=[task.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["unrelated_colleague", "outsider"])
def test_people_with_no_link_to_the_concern_get_a_404(client, task, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("escalations:task_detail", args=[task.pk])).status_code == 404
    response = client.post(reverse("escalations:task_detail", args=[task.pk]), respond_data(task))
    assert response.status_code == 404
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE


def test_a_task_that_does_not_exist_is_a_404(client, team_manager, db):
    client.force_login(team_manager)
    assert client.get(reverse("escalations:task_detail", args=[999999])).status_code == 404


def test_the_assignee_sees_what_they_need_to_answer(client, task, team_manager, iro, child):
    client.force_login(team_manager)
    page = client.get(reverse("escalations:task_detail", args=[task.pk])).content.decode()
    assert "Respond to PRP-" in page
    assert child.full_name in page
    assert iro.full_name in page
    assert "Formal stage 1" in page
    assert "8 December 2023" in page
    assert "No permanence plan after two reviews" in page
    assert "Amara does not know where she will live" in page
    assert "Wants to stay with her carers" in page
    assert 'name="save_draft"' in page
    assert "Send response" in page
    assert f'name="lock_version" value="{task.lock_version}"' in page
    # Gloucestershire has no fixed answers, so there are no answer radios.
    assert 'name="response_option"' not in page


def test_save_a_draft_then_reload_keeps_it(client, task, team_manager):
    client.force_login(team_manager)
    url = reverse("escalations:task_detail", args=[task.pk])
    data = respond_data(task, response="Half written answer", save_draft="Save draft")
    del data["send"]
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url
    assert banners(response) == ["Draft saved. It has not been sent."]
    saved = Task.objects.get(pk=task.pk)
    assert saved.state == TaskState.ACTIVE
    assert saved.response == "Half written answer"
    assert saved.draft_saved_at is not None

    page = client.get(url).content.decode()
    assert "Half written answer" in page
    assert "Book the meeting by Friday" in page
    assert f'name="lock_version" value="{saved.lock_version}"' in page
    # A draft may be empty: saving needs nothing.
    data = {"lock_version": saved.lock_version, "save_draft": "Save draft", "response": ""}
    assert client.post(url, data).status_code == 302


def test_send_the_response(client, task, team_manager, iro):
    client.force_login(team_manager)
    response = client.post(reverse("escalations:task_detail", args=[task.pk]), respond_data(task))
    assert response.status_code == 302
    assert response["Location"] == reverse("escalations:task_inbox")
    assert banners(response) == [f"Response sent to {iro.full_name}"]
    sent = Task.objects.get(pk=task.pk)
    assert sent.state == TaskState.RESPONDED
    assert sent.response == "We will hold a permanence meeting"
    # Now read-only, for the assignee too.
    page = client.get(reverse("escalations:task_detail", args=[task.pk])).content.decode()
    assert 'name="save_draft"' not in page
    assert "We will hold a permanence meeting" in page
    assert 'govuk-tag--green">Responded' in page


def test_sending_an_empty_response_shows_the_error_summary(client, task, team_manager):
    client.force_login(team_manager)
    response = client.post(
        reverse("escalations:task_detail", args=[task.pk]), respond_data(task, response="  ")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter your response" in page
    assert "<title>Error: " in page
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE


def test_someone_else_cannot_respond(client, task, iro):
    # The raiser can see the task, but only the assignee can answer it.
    client.force_login(iro)
    page = client.get(reverse("escalations:task_detail", args=[task.pk])).content.decode()
    assert 'name="save_draft"' not in page
    assert "Waiting for Tom Manager to respond" in page
    assert "Take back this task" in page
    response = client.post(reverse("escalations:task_detail", args=[task.pk]), respond_data(task))
    assert response.status_code == 403
    unchanged = Task.objects.get(pk=task.pk)
    assert unchanged.state == TaskState.ACTIVE
    assert unchanged.response == ""
    assert unchanged.lock_version == task.lock_version


def test_a_stale_form_changes_nothing(client, task, team_manager):
    services.task_save_draft(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="Saved in another tab",
    )
    client.force_login(team_manager)
    response = client.post(reverse("escalations:task_detail", args=[task.pk]), respond_data(task))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This task was changed by someone else" in page
    assert "govuk-error-summary" in page
    fresh = Task.objects.get(pk=task.pk)
    assert fresh.state == TaskState.ACTIVE
    assert fresh.response == "Saved in another tab"
    # The page shown again carries the version now saved, so sending again after the warning
    # is a deliberate choice that goes through.
    assert f'name="lock_version" value="{fresh.lock_version}"' in page
    data = {**respond_data(task), "lock_version": fresh.lock_version}
    client.post(reverse("escalations:task_detail", args=[task.pk]), data)
    assert Task.objects.get(pk=task.pk).state == TaskState.RESPONDED


def test_a_retracted_task_shows_it_was_taken_back_and_keeps_the_draft(
    client, task, team_manager, iro
):
    services.task_save_draft(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="My unfinished answer",
    )
    task = Task.objects.get(pk=task.pk)
    services.task_retract(
        task=task, by=iro, lock_version=task.lock_version, reason="absent", note="On leave"
    )
    client.force_login(team_manager)
    page = client.get(reverse("escalations:task_detail", args=[task.pk])).content.decode()
    assert "Taken back from Tom Manager by Ira Reviewer on 1 December 2023" in page
    assert "The person is absent" in page
    assert "On leave" in page
    assert "My unfinished answer" in page
    assert 'name="save_draft"' not in page
    # A form from before the retraction is stale, not a second chance.
    response = client.post(reverse("escalations:task_detail", args=[task.pk]), respond_data(task))
    assert "This task was changed by someone else" in response.content.decode()
    assert Task.objects.get(pk=task.pk).state == TaskState.RETRACTED


def test_earlier_stages_responses_are_shown(client, task, team_manager, iro, head_of_service):
    services.task_respond(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="Stage one answer",
    )
    concern = Concern.objects.get(pk=task.stage.concern_id)
    services.stage_record_outcome(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        outcome="escalate_next",
        comments="Not enough progress",
        legal_advice_sought=False,
        cafcass_considered=False,
        delegate_to=head_of_service,
    )
    concern = Concern.objects.get(pk=concern.pk)
    second = concern.current_stage.tasks.get()
    assert second.assignee == head_of_service
    client.force_login(head_of_service)
    page = client.get(reverse("escalations:task_detail", args=[second.pk])).content.decode()
    assert "Earlier stages" in page
    assert "Stage one answer" in page
    assert "Not enough progress" in page
    assert "Formal stage 2" in page


def test_answer_options_come_from_the_protocol(client, protocols, iro, team_manager, child, clock):
    Protocol.objects.update(is_active=False)
    cumbria = protocols["cumbria"]
    Protocol.objects.filter(pk=cumbria.pk).update(is_active=True)
    task = raised_task(iro, [child], delegate_to=team_manager, level=0)
    client.force_login(team_manager)
    url = reverse("escalations:task_detail", args=[task.pk])
    page = client.get(url).content.decode()
    assert 'name="response_option"' in page
    assert "Agree and able to implement" in page
    assert "The team manager responds within 3 working days" in page  # stage guidance

    response = client.post(url, respond_data(task))
    assert "Select your answer" in response.content.decode()
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE

    option = ResponseOption.objects.get(protocol=cumbria, label="Agree and able to implement")
    response = client.post(url, respond_data(task, response_option=option.pk))
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).response_option == option


def test_the_task_page_does_a_fixed_number_of_queries(
    client, gloucestershire, iro, team_manager, child, clock, django_assert_max_num_queries
):
    small = raised_task(iro, [child], delegate_to=team_manager)
    big = raised_task(iro, [child, ChildFactory(), ChildFactory()], delegate_to=team_manager)
    category = ProtocolCategory.objects.filter(protocol=gloucestershire).last()
    for number in range(6):
        services.sub_concern_add(
            concern=big.stage.concern,
            by=iro,
            category=category,
            description=f"Concern {number}",
            impact_on_child="Harm",
        )
    client.force_login(team_manager)
    client.get(reverse("escalations:task_detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("escalations:task_detail", args=[small.pk]))
    with django_assert_max_num_queries(len(queries.captured_queries)):
        page = client.get(reverse("escalations:task_detail", args=[big.pk])).content.decode()
    assert "Concern 5" in page
