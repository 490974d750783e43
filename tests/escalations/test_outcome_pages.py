"""The raiser's decisions: outcomes, closing a referral, and taking back, re-delegating and
reopening tasks. Through real HTTP requests with a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import ChildStatus
from escalations import services
from escalations.models import ConcernState, Outcome, Stage, Task, TaskState
from notifications.models import Kind, Notification
from prp.models import Protocol, RoleCode
from tests.builders import allocate, fresh, raised_task
from tests.factories import ChildFactory, PostFactory, RoleFactory, UserFactory

FRIDAY = dt.datetime(2023, 12, 1, 10, 0)


@pytest.fixture
def clock():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


def banners(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def outcome_data(concern, day=dt.date(2023, 12, 1), **overrides):
    data = {
        "outcome": Outcome.RESOLVED,
        "target_level": "",
        "delegate_to": "",
        "comments": "The plan is back on track",
        "legal_advice_sought": "no",
        "cafcass_considered": "yes",
        "outcome_on_0": str(day.day),
        "outcome_on_1": str(day.month),
        "outcome_on_2": str(day.year),
        "lock_version": concern.lock_version,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def date_fields(prefix: str, day: dt.date) -> dict:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def outcome_url(concern) -> str:
    return reverse("escalations:outcome_record", args=[concern.pk])


def concern_url(concern) -> str:
    return reverse("escalations:concern_detail", args=[concern.pk])


@pytest.fixture
def formal(gloucestershire, iro, team_manager, child, clock):
    """A concern raised at Formal stage 1 for a child in care, with the team manager."""
    return fresh(raised_task(iro, [child], delegate_to=team_manager).stage.concern)


@pytest.fixture
def informal(gloucestershire, iro, team_manager, child, clock):
    task = raised_task(iro, [child], delegate_to=team_manager, level=0, agreed=dt.date(2023, 12, 8))
    return fresh(task.stage.concern)


@pytest.fixture
def cp_child(team, social_worker, iro):
    return allocate(
        ChildFactory(first_name="Cara", last_name="Plan", status=ChildStatus.CHILD_PROTECTION),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


@pytest.fixture
def group_manager(operational_service):
    post = PostFactory(
        unit=operational_service,
        role=RoleFactory(code=RoleCode.GROUP_MANAGER),
        holder=UserFactory(full_name="Gus Group", roles=[RoleCode.GROUP_MANAGER]),
    )
    return post.holder


# Who may record an outcome -----------------------------------------------------------------------


def test_the_outcome_page_needs_sign_in(client, formal):
    response = client.get(outcome_url(formal))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["unrelated_colleague", "outsider"])
def test_people_who_cannot_see_the_concern_get_a_404(client, formal, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(outcome_url(formal)).status_code == 404
    assert client.post(outcome_url(formal), outcome_data(formal)).status_code == 404
    url = reverse("escalations:referral_close", args=[formal.pk])
    assert client.get(url).status_code == 404
    stage = formal.current_stage
    url = reverse("escalations:stage_redelegate", args=[formal.pk, stage.pk])
    assert client.get(url).status_code == 404
    assert fresh(formal).state == ConcernState.FORMAL


def test_the_manager_answering_cannot_record_the_outcome(client, formal, team_manager):
    client.force_login(team_manager)
    assert client.get(outcome_url(formal)).status_code == 403
    assert client.post(outcome_url(formal), outcome_data(formal)).status_code == 403
    assert fresh(formal).state == ConcernState.FORMAL


def test_the_raiser_sees_the_stage_and_its_response(client, formal, iro, team_manager):
    task = formal.current_stage.tasks.get()
    services.task_respond(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="We will book a permanence meeting",
    )
    client.force_login(iro)
    page = client.get(outcome_url(fresh(formal))).content.decode()
    assert "<title>Record the outcome of Formal stage 1 – " in page
    assert "We will book a permanence meeting" in page
    assert "Not resolved: escalate to Formal stage 2" in page
    assert "Not resolved: escalate straight to a later stage" in page
    assert 'name="target_level"' in page
    assert "Use the default person for the stage" in page
    assert "Was independent legal advice sought?" in page
    assert "Was a referral to CAFCASS considered?" in page
    assert 'name="outcome_on_0" value="1"' in page
    assert "Response from" not in page


# Escalating ------------------------------------------------------------------------------------


def test_escalate_informal_to_formal_1_goes_to_the_team_manager(
    client, informal, iro, team_manager
):
    client.force_login(iro)
    data = outcome_data(informal, outcome=Outcome.ESCALATE_NEXT)
    response = client.post(outcome_url(informal), data)
    assert response.status_code == 302
    assert response["Location"] == concern_url(informal)
    assert banners(response) == [
        "Escalated to Formal stage 1 and delegated to Tom Manager. Response due 8 December 2023"
    ]
    concern = fresh(informal)
    assert concern.state == ConcernState.FORMAL
    assert concern.current_stage.level == 1
    assert concern.current_stage.tasks.get().assignee == team_manager
    closed = Stage.objects.get(concern=concern, level=0)
    assert closed.outcome == Outcome.ESCALATE_NEXT
    assert closed.legal_advice_sought is False
    assert closed.cafcass_considered is True


def test_formal_1_to_2_goes_to_the_head_of_service_for_a_child_in_care(
    client, formal, iro, head_of_service, group_manager
):
    client.force_login(iro)
    response = client.post(outcome_url(formal), outcome_data(formal, outcome="escalate_next"))
    assert response.status_code == 302
    assert banners(response) == [
        "Escalated to Formal stage 2 and delegated to Hana Head. Response due 8 December 2023"
    ]
    assert fresh(formal).current_stage.tasks.get().assignee == head_of_service


def test_formal_1_to_2_goes_to_the_group_manager_for_a_child_protection_plan(
    client, gloucestershire, iro, team_manager, cp_child, head_of_service, group_manager, clock
):
    concern = fresh(raised_task(iro, [cp_child], delegate_to=team_manager).stage.concern)
    client.force_login(iro)
    page = client.get(outcome_url(concern)).content.decode()
    assert "Formal stage 2: Gus Group" in page  # the default is named before choosing
    response = client.post(outcome_url(concern), outcome_data(concern, outcome="escalate_next"))
    assert response.status_code == 302
    assert fresh(concern).current_stage.tasks.get().assignee == group_manager


def test_escalating_adds_people_to_the_next_stages_copy_list(
    client, formal, iro, head_of_service, social_worker, assistant_director
):
    # Liquidlogic's escalation, like its delegation, has a copy list the raiser adds to.
    client.force_login(iro)
    page = client.get(outcome_url(formal)).content.decode()
    assert "Add people to the next stage’s copy list (optional)" in page
    assert f'value="{social_worker.pk}"' in page
    data = outcome_data(
        formal, outcome="escalate_next", copy_to=[social_worker.pk, assistant_director.pk]
    )
    assert client.post(outcome_url(formal), data).status_code == 302
    stage = fresh(formal).current_stage
    assert stage.level == 2
    added = {copy.person: copy.reason for copy in stage.copies.all()}
    assert added[social_worker] == "Added to the copy list by Ira Reviewer"
    assert added[assistant_director] == "Added to the copy list by Ira Reviewer"
    copied = Notification.objects.filter(kind=Kind.COPIED, task__stage=stage)
    assert {social_worker.pk, assistant_director.pk} <= set(
        copied.values_list("recipient", flat=True)
    )


def test_a_copy_list_chosen_then_resolved_instead_adds_nobody(
    client, formal, iro, head_of_service, social_worker
):
    client.force_login(iro)
    data = outcome_data(formal, outcome=Outcome.RESOLVED, copy_to=[social_worker.pk])
    assert client.post(outcome_url(formal), data).status_code == 302
    concern = fresh(formal)
    assert concern.state == ConcernState.RESOLVED
    assert not concern.stages.filter(copies__person=social_worker).exists()


def test_a_made_up_person_on_the_escalation_copy_list_is_refused(
    client, formal, iro, head_of_service
):
    client.force_login(iro)
    data = outcome_data(formal, outcome="escalate_next", copy_to=["999999"])
    response = client.post(outcome_url(formal), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Select people from the list" in page
    assert fresh(formal).current_stage.level == 1


def test_the_raiser_can_choose_someone_else(client, formal, iro, head_of_service, social_worker):
    client.force_login(iro)
    data = outcome_data(formal, outcome="escalate_next", delegate_to=social_worker.pk)
    assert client.post(outcome_url(formal), data).status_code == 302
    assert fresh(formal).current_stage.tasks.get().assignee == social_worker


def test_escalate_straight_to_a_later_stage(client, formal, iro, assistant_director):
    client.force_login(iro)
    data = outcome_data(formal, outcome=Outcome.ESCALATE_TO, target_level="3")
    response = client.post(outcome_url(formal), data)
    assert response.status_code == 302
    assert banners(response)[0].startswith(
        "Escalated to Formal stage 3 and delegated to Ada Director"
    )
    concern = fresh(formal)
    assert concern.current_stage.level == 3
    assert concern.current_stage.tasks.get().assignee == assistant_director
    assert Stage.objects.get(concern=concern, level=1).outcome == Outcome.ESCALATE_TO


def test_escalate_straight_to_needs_a_stage(client, formal, iro):
    client.force_login(iro)
    response = client.post(outcome_url(formal), outcome_data(formal, outcome="escalate_to"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Select the stage to escalate to" in page
    assert fresh(formal).current_stage.level == 1


def test_escalating_with_nobody_to_delegate_to_asks_for_someone(client, formal, iro):
    # No Head of Service post exists above the child's team.
    client.force_login(iro)
    response = client.post(outcome_url(formal), outcome_data(formal, outcome="escalate_next"))
    assert response.status_code == 200
    assert "Select who to delegate Formal stage 2 to" in response.content.decode()
    assert fresh(formal).current_stage.level == 1


def test_the_last_stage_cannot_be_escalated(client, formal, iro, team_manager):
    concern = formal
    for level in (2, 3, 4):
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            outcome=Outcome.ESCALATE_NEXT,
            comments="Next",
            legal_advice_sought=False,
            cafcass_considered=False,
            delegate_to=team_manager,
        )
        concern = fresh(concern)
        assert concern.current_stage.level == level
    client.force_login(iro)
    page = client.get(outcome_url(concern)).content.decode()
    assert "escalate to" not in page
    assert "escalate straight" not in page
    assert 'name="delegate_to"' not in page
    response = client.post(outcome_url(concern), outcome_data(concern, outcome="escalate_next"))
    assert "Select the outcome" in response.content.decode()


def test_blackpool_iro_handbook_6_2_the_iro_escalates_to_any_stage_with_a_reason(
    client, protocols, iro, iro_team, team_manager, head_of_service, child, clock
):
    """IRO Handbook 6.2 and the Decisions: the IRO may escalate to a stage the SQR managers
    normally raise (Blackpool Formal 2: the IRO and CP Chair Team Manager), with a reason; that
    manager is copied in, and the stage shows why it was raised directly."""
    Protocol.objects.update(is_active=False)
    Protocol.objects.filter(pk=protocols["blackpool"].pk).update(is_active=True)
    iro_manager = UserFactory(
        full_name="Rita Reviewing", roles=[RoleCode.REVIEWING_TEAM_MANAGER], team=iro_team
    )
    iro_team.manager = iro_manager
    iro_team.save()
    concern = fresh(raised_task(iro, [child], delegate_to=team_manager).stage.concern)
    data = outcome_data(concern, outcome="escalate_next", delegate_to=head_of_service.pk)
    client.force_login(iro)
    page = client.get(outcome_url(concern)).content.decode()
    assert "Why are you escalating to this stage yourself?" in page
    response = client.post(outcome_url(concern), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "Enter why you are escalating to Formal stage 2 yourself" in page
    assert fresh(concern).current_stage.level == 1

    reason = "The plan has drifted for a year: the child cannot wait for the clinic"
    response = client.post(outcome_url(concern), {**data, "bypass_reason": reason})
    assert response.status_code == 302
    concern = fresh(concern)
    stage = concern.current_stage
    assert (stage.level, stage.raised_by, stage.bypass_reason) == (2, iro, reason)
    assert stage.tasks.get().assignee == head_of_service
    assert [(c.person, c.reason) for c in stage.copies.all()] == [
        (iro_manager, "IRO and CP Chair Team Manager: normally raises Formal stage 2")
    ]
    assert Notification.objects.filter(recipient=iro_manager, kind=Kind.COPIED).count() == 1
    page = client.get(concern_url(concern)).content.decode()
    assert "Raised directly by Ira Reviewer because" in page
    assert reason in page
    assert "Rita Reviewing (IRO and CP Chair Team Manager: normally raises Formal stage 2)" in page


def test_blackpool_only_an_iro_or_cp_chair_may_go_past_who_normally_raises_a_stage(
    client, protocols, iro, iro_team, team_manager, head_of_service, child, clock
):
    """The IRO and CP Chair Team Manager raises Formal 2 as usual (no reason needed), but cannot
    jump to Formal 3: the Handbook's power is the IRO's and CP Chair's, not a manager's."""
    Protocol.objects.update(is_active=False)
    Protocol.objects.filter(pk=protocols["blackpool"].pk).update(is_active=True)
    concern = fresh(raised_task(iro, [child], delegate_to=team_manager).stage.concern)
    iro_manager = UserFactory(
        full_name="Rita Reviewing", roles=[RoleCode.REVIEWING_TEAM_MANAGER], team=iro_team
    )
    client.force_login(iro_manager)
    data = outcome_data(concern, outcome="escalate_to", target_level=3)
    response = client.post(outcome_url(concern), {**data, "delegate_to": head_of_service.pk})
    assert "You cannot escalate to Formal stage 3" in response.content.decode()
    data = outcome_data(concern, outcome="escalate_next", delegate_to=head_of_service.pk)
    response = client.post(outcome_url(concern), data)
    assert response.status_code == 302
    stage = fresh(concern).current_stage
    assert (stage.level, stage.bypass_reason) == (2, "")
    assert stage.tasks.get().assignee == head_of_service


# Resolving, referring, withdrawing ----------------------------------------------------------------


def test_resolve(client, formal, iro):
    client.force_login(iro)
    response = client.post(outcome_url(formal), outcome_data(formal))
    assert response.status_code == 302
    assert banners(response) == ["Concern resolved"]
    concern = fresh(formal)
    assert concern.state == ConcernState.RESOLVED
    stage = Stage.objects.get(pk=concern.current_stage_id)
    assert stage.outcome_comments == "The plan is back on track"
    assert stage.outcome_on == dt.date(2023, 12, 1)
    # The manager's open task is closed with the stage; their draft stays.
    assert stage.tasks.get().state == TaskState.RETRACTED
    # A closed concern has nothing more to record.
    page = client.get(outcome_url(concern)).content.decode()
    assert "This concern is closed" in page
    assert 'name="outcome"' not in page


def test_refer_to_cafcass_then_close_the_referral(client, formal, iro, service_manager):
    client.force_login(iro)
    data = outcome_data(
        formal,
        outcome="refer_cafcass",
        cafcass_consulted=service_manager.pk,
        **date_fields("cafcass_consulted_on", dt.date(2023, 12, 1)),
    )
    response = client.post(outcome_url(formal), data)
    assert banners(response) == ["Referred to CAFCASS"]
    concern = fresh(formal)
    assert concern.state == ConcernState.REFERRED
    page = client.get(outcome_url(concern)).content.decode()
    assert "The concern is with CAFCASS" in page
    close_url = reverse("escalations:referral_close", args=[concern.pk])
    assert close_url in page

    page = client.get(close_url).content.decode()
    assert "Close the CAFCASS referral" in page
    response = client.post(close_url, {"lock_version": concern.lock_version, "comments": ""})
    page = response.content.decode()
    assert "Select whether the concern was resolved or withdrawn" in page
    assert "Enter your comments" in page
    response = client.post(
        close_url,
        {"lock_version": concern.lock_version, "outcome": "resolved", "comments": "Court agreed"},
    )
    assert response.status_code == 302
    assert banners(response) == ["Referral closed: concern resolved"]
    assert fresh(concern).state == ConcernState.RESOLVED
    assert "This concern is not with CAFCASS" in client.get(close_url).content.decode()


def test_closing_a_referral_is_for_the_raiser(client, formal, iro, team_manager, service_manager):
    services.stage_record_outcome(
        concern=formal,
        by=iro,
        lock_version=formal.lock_version,
        outcome=Outcome.REFER_CAFCASS,
        comments="Refer",
        legal_advice_sought=True,
        cafcass_considered=True,
        cafcass_consulted=service_manager,
        cafcass_consulted_on=formal.opened_on,
    )
    concern = fresh(formal)
    client.force_login(team_manager)
    url = reverse("escalations:referral_close", args=[concern.pk])
    data = {"lock_version": concern.lock_version, "outcome": "resolved", "comments": "x"}
    assert client.post(url, data).status_code == 403
    assert fresh(concern).state == ConcernState.REFERRED


def test_withdraw(client, formal, iro):
    client.force_login(iro)
    response = client.post(outcome_url(formal), outcome_data(formal, outcome="withdrawn"))
    assert banners(response) == ["Concern withdrawn"]
    assert fresh(formal).state == ConcernState.WITHDRAWN


# Bad input --------------------------------------------------------------------------------------


def test_an_outcome_dated_before_the_stage_opened_is_refused(client, formal, iro, clock):
    clock.move_to(dt.datetime(2023, 12, 4, 10, 0))
    client.force_login(iro)
    data = outcome_data(formal, day=dt.date(2023, 11, 30))
    response = client.post(outcome_url(formal), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "The date of the outcome must be on or after 1 December 2023" in page
    assert fresh(formal).state == ConcernState.FORMAL


def test_an_outcome_in_the_future_or_not_a_date_is_refused(client, formal, iro):
    client.force_login(iro)
    page = client.post(outcome_url(formal), outcome_data(formal, day=dt.date(2023, 12, 2)))
    assert "The date of the outcome must be today or in the past" in page.content.decode()
    data = outcome_data(formal, outcome_on_0="31", outcome_on_1="2")
    assert "must be a real date" in client.post(outcome_url(formal), data).content.decode()
    data = outcome_data(formal, outcome_on_0="", outcome_on_1="", outcome_on_2="")
    assert (
        "Enter the date of the outcome" in client.post(outcome_url(formal), data).content.decode()
    )
    assert fresh(formal).state == ConcernState.FORMAL


def test_the_yes_no_questions_must_be_answered(client, formal, iro):
    client.force_login(iro)
    data = outcome_data(formal, legal_advice_sought=None, cafcass_considered=None, comments="")
    response = client.post(outcome_url(formal), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "Select yes if independent legal advice was sought" in page
    assert "Select yes if a referral to CAFCASS was considered" in page
    assert "Enter your comments on the outcome" in page
    assert fresh(formal).state == ConcernState.FORMAL


def test_a_stale_outcome_form_changes_nothing(client, formal, iro):
    services.discussion_add(
        concern=formal,
        by=iro,
        held_on=dt.date(2023, 12, 1),
        held_with="Tom Manager",
        summary="Talked it through",
    )
    client.force_login(iro)
    response = client.post(outcome_url(formal), outcome_data(formal))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This concern was changed by someone else" in page
    concern = fresh(formal)
    assert concern.state == ConcernState.FORMAL
    assert Stage.objects.get(pk=concern.current_stage_id).outcome == ""


def test_a_cafcass_stage_records_cafcass_response(
    client, protocols, iro, team_manager, child, clock
):
    Protocol.objects.update(is_active=False)
    bucks = protocols["buckinghamshire"]
    Protocol.objects.filter(pk=bucks.pk).update(is_active=True)
    # Buckinghamshire sets no timescales: every date is agreed (seed 003).
    task = raised_task(iro, [child], delegate_to=team_manager, level=4, agreed=dt.date(2023, 12, 8))
    concern = fresh(task.stage.concern)
    client.force_login(iro)
    data = outcome_data(concern, outcome="escalate_next")
    response = client.post(outcome_url(concern), data)
    assert "Enter the date the Stage 5: CAFCASS response is agreed for" in (
        response.content.decode()
    )
    data.update(agreed_due_on_0="15", agreed_due_on_1="12", agreed_due_on_2="2023")
    response = client.post(outcome_url(concern), data)
    assert response.status_code == 302
    assert banners(response) == ["Escalated to Stage 5: CAFCASS. Response due 15 December 2023"]
    concern = fresh(concern)
    assert concern.current_stage.level == 5
    assert not concern.current_stage.tasks.exists()

    page = client.get(outcome_url(concern)).content.decode()
    assert "Response from CAFCASS" in page
    data = outcome_data(
        concern, external_response="CAFCASS will not act", impact_for_child="A plan in court"
    )
    assert client.post(outcome_url(concern), data).status_code == 302
    assert Stage.objects.get(pk=concern.current_stage_id).external_response == (
        "CAFCASS will not act"
    )


def test_the_outcome_page_does_a_fixed_number_of_queries(
    client, gloucestershire, iro, team_manager, child, clock, django_assert_max_num_queries
):
    small = fresh(raised_task(iro, [child], delegate_to=team_manager).stage.concern)
    task = raised_task(iro, [child, ChildFactory(), ChildFactory()], delegate_to=team_manager)
    big = fresh(task.stage.concern)
    for number in range(5):
        services.task_retract(
            task=task, by=iro, lock_version=task.lock_version, reason="other", note=f"Move {number}"
        )
        big = fresh(big)
        task = services.task_redelegate(
            stage=big.current_stage,
            by=iro,
            lock_version=big.lock_version,
            assignee=team_manager,
            note="Back",
        )
        big = fresh(big)
    client.force_login(iro)
    client.get(outcome_url(small))
    with CaptureQueriesContext(connection) as queries:
        client.get(outcome_url(small))
    with django_assert_max_num_queries(len(queries.captured_queries)):
        page = client.get(outcome_url(big)).content.decode()
    assert "Move 4" in page


# Taking back a task ---------------------------------------------------------------------------


@pytest.fixture
def task(formal):
    return formal.current_stage.tasks.get()


def retract_url(task) -> str:
    return reverse("escalations:task_retract", args=[task.pk])


def test_retract_and_reactivate_need_sign_in(client, task):
    for url in (retract_url(task), reverse("escalations:task_reactivate", args=[task.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["unrelated_colleague", "outsider"])
def test_retract_is_a_404_for_people_with_no_link(client, task, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(retract_url(task)).status_code == 404
    assert client.get(reverse("escalations:task_reactivate", args=[task.pk])).status_code == 404


def test_the_assignee_cannot_retract(client, task, team_manager):
    client.force_login(team_manager)
    assert client.get(retract_url(task)).status_code == 403
    data = {"reason": "absent", "note": "x", "lock_version": task.lock_version}
    assert client.post(retract_url(task), data).status_code == 403
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE


def test_retract_keeps_the_draft(client, task, team_manager, iro):
    services.task_save_draft(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="My half-finished answer",
        actions_agreed="Call the carers",
    )
    task = Task.objects.get(pk=task.pk)
    client.force_login(iro)
    page = client.get(retract_url(task)).content.decode()
    assert "Take back the task from Tom Manager" in page
    assert "has saved a draft response" in page
    assert "It will be kept" in page

    response = client.post(retract_url(task), {"lock_version": task.lock_version, "note": ""})
    page = response.content.decode()
    assert "Select why you are retracting the task" in page
    assert "Enter a note for the person the task is taken from" in page

    data = {"reason": "absent", "note": "On leave until January", "lock_version": task.lock_version}
    response = client.post(retract_url(task), data)
    assert response.status_code == 302
    assert response["Location"] == concern_url(task.stage.concern)
    assert banners(response) == ["Task taken back from Tom Manager. Their draft has been kept."]
    kept = Task.objects.get(pk=task.pk)
    assert kept.state == TaskState.RETRACTED
    assert kept.response == "My half-finished answer"
    assert kept.actions_agreed == "Call the carers"
    assert kept.retract_note == "On leave until January"
    # Taking it back twice is not possible.
    page = client.get(retract_url(kept)).content.decode()
    assert "This task is not waiting for a response" in page


def test_a_stale_retract_changes_nothing(client, task, team_manager, iro):
    old_version = task.lock_version
    services.task_save_draft(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="Saved meanwhile",
    )
    client.force_login(iro)
    data = {"reason": "absent", "note": "On leave", "lock_version": old_version}
    page = client.post(retract_url(task), data).content.decode()
    assert "This task was changed by someone else" in page
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE


# Re-delegating -----------------------------------------------------------------------------------


def redelegate_url(concern) -> str:
    return reverse("escalations:stage_redelegate", args=[concern.pk, concern.current_stage_id])


def test_redelegate_needs_sign_in(client, formal):
    response = client.get(redelegate_url(formal))
    assert response.status_code == 302


def test_redelegate_is_for_the_raiser(client, formal, team_manager):
    client.force_login(team_manager)
    assert client.get(redelegate_url(formal)).status_code == 403


def test_a_stage_of_another_concern_is_a_404(client, formal, iro, team_manager, child):
    other = raised_task(iro, [child], delegate_to=team_manager)
    client.force_login(iro)
    url = reverse("escalations:stage_redelegate", args=[formal.pk, other.stage_id])
    assert client.get(url).status_code == 404


def test_redelegate_creates_a_new_task_for_the_new_person(
    client, formal, task, iro, social_worker, team_manager
):
    client.force_login(iro)
    page = client.get(redelegate_url(formal)).content.decode()
    assert "The task is with Tom Manager now" in page

    response = client.post(redelegate_url(formal), {"lock_version": formal.lock_version})
    page = response.content.decode()
    assert "Select who to delegate the task to" in page
    assert "Enter a note saying why the task is moving" in page

    data = {
        "assignee": social_worker.pk,
        "note": "Sam knows the family",
        "lock_version": formal.lock_version,
    }
    response = client.post(redelegate_url(formal), data)
    assert response.status_code == 302
    assert banners(response) == ["Task re-delegated to Sam Worker. Response due 8 December 2023"]
    assert Task.objects.get(pk=task.pk).state == TaskState.RETRACTED
    new = Task.objects.get(stage=task.stage, state=TaskState.ACTIVE)
    assert new.assignee == social_worker
    assert new.due_on == dt.date(2023, 12, 8)

    # A stale form (from before the move) changes nothing.
    data["assignee"] = team_manager.pk
    page = client.post(redelegate_url(formal), data).content.decode()
    assert "This concern was changed by someone else" in page
    assert Task.objects.get(stage=task.stage, state=TaskState.ACTIVE).assignee == social_worker


def test_an_agreed_stage_asks_for_a_new_date(client, informal, iro, social_worker):
    client.force_login(iro)
    page = client.get(redelegate_url(informal)).content.decode()
    assert 'name="agreed_due_on_0"' in page
    data = {
        "assignee": social_worker.pk,
        "note": "Sam knows the family",
        "lock_version": informal.lock_version,
        "agreed_due_on_0": "12",
        "agreed_due_on_1": "12",
        "agreed_due_on_2": "2023",
    }
    # Past Gloucestershire's informal guideline (5 working days: 8 December) needs a reason.
    page = client.post(redelegate_url(informal), data).content.decode()
    assert "Enter why the date is later than 8 December 2023" in page
    data["due_reason"] = "The team manager is on leave until 11 December"
    assert client.post(redelegate_url(informal), data).status_code == 302
    new = Task.objects.get(stage=informal.current_stage_id, state=TaskState.ACTIVE)
    assert new.due_on == dt.date(2023, 12, 12)


# Reopening a response ----------------------------------------------------------------------------


def reactivate_url(task) -> str:
    return reverse("escalations:task_reactivate", args=[task.pk])


def test_reactivate_reopens_a_response(client, task, team_manager, iro):
    services.task_respond(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="Answered",
    )
    task = Task.objects.get(pk=task.pk)
    client.force_login(team_manager)
    assert client.get(reactivate_url(task)).status_code == 403

    client.force_login(iro)
    page = client.get(reactivate_url(task)).content.decode()
    assert "Reopen Tom Manager’s response" in page
    # The default: the stage's 5 working days from today.
    assert 'name="due_on_0" value="8"' in page

    data = {
        "due_on_0": "30",
        "due_on_1": "11",
        "due_on_2": "2023",
        "lock_version": task.lock_version,
    }
    page = client.post(reactivate_url(task), data).content.decode()
    assert "The new response date must be today or in the future" in page

    data.update(due_on_0="6", due_on_1="12")
    response = client.post(reactivate_url(task), data)
    assert response.status_code == 302
    assert banners(response) == ["Response reopened for Tom Manager. It is now due 6 December 2023"]
    reopened = Task.objects.get(pk=task.pk)
    assert reopened.state == TaskState.ACTIVE
    assert reopened.due_on == dt.date(2023, 12, 6)
    assert reopened.response == "Answered"
    # Once open again it cannot be reopened twice.
    assert "This response cannot be reopened" in client.get(reactivate_url(task)).content.decode()

    # The manager sees it back in their tasks with their answer filled in.
    client.force_login(team_manager)
    page = client.get(reverse("escalations:task_detail", args=[task.pk])).content.decode()
    assert "Your response was reopened" in page
    assert "Answered</textarea>" in page
