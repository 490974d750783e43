"""Who is told, who is asked (issue 14 rules 6, 7 and 8): CAFCASS referrals, siblings of
different types, and Gloucestershire's Formal 3 and 4 as its prose describes them.

Each test is named for the council's rule and the seed section it comes from; see
shared/PROTOCOLS.md "Decisions". Rule 9 (the bypass) is in test_outcome_pages.py and the
presets' end-to-end tests; rule 11 (the informal answer recorded by the IRO) in
test_concern_pages.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import ChildStatus
from escalations import rules, services
from escalations.models import Concern, Event, Outcome, Stage, TaskState
from notifications.models import Kind, Notification
from prp.models import Protocol, RoleCode
from tests.builders import allocate, fresh, outcome_recorded, raised_task
from tests.factories import ChildFactory, PostFactory, RoleFactory, UserFactory
from tests.raising import raise_through_check

MONDAY = dt.datetime(2024, 3, 4, 10, 0)  # Monday 4 March 2024


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False):
        yield


def _post(unit, role: str, name: str):
    return PostFactory(
        unit=unit, role=RoleFactory(code=role), holder=UserFactory(full_name=name, roles=[role])
    ).holder


@pytest.fixture
def director(directorate):
    return _post(directorate, RoleCode.DIRECTOR, "Dee Safeguarding")


@pytest.fixture
def dcs(directorate):
    return _post(directorate, RoleCode.DIRECTOR_CHILDRENS_SERVICES, "Dan Childrens")


@pytest.fixture
def group_manager(operational_service):
    return _post(operational_service, RoleCode.GROUP_MANAGER, "Gus Group")


@pytest.fixture
def iro_service_manager(reviewing_service):
    return _post(reviewing_service, RoleCode.REVIEWING_SERVICE_MANAGER, "Rhys Reviewing")


@pytest.fixture
def head_of_irs(reviewing_service):
    return _post(reviewing_service, RoleCode.REVIEWING_HEAD_OF_SERVICE, "Hal Reviewing")


def _outcome(concern, by, result, **extra) -> Stage:
    # CAFCASS is considered exactly when the concern is referred to it.
    considered = result == Outcome.REFER_CAFCASS
    return outcome_recorded(concern, by, result, cafcass_considered=considered, **extra)


def _escalate_to(concern, by, level: int, delegate_to) -> Stage:
    _outcome(concern, by, Outcome.ESCALATE_TO, target_level=level, delegate_to=delegate_to)
    return Stage.objects.get(concern=concern, level=level)


def _told(person, kind=Kind.OUTCOME) -> int:
    return Notification.objects.filter(recipient=person, kind=kind).count()


# Rule 8: Gloucestershire Formal 3 and 4 (seed 000 §4.2 prose) ----------------------------------


def test_gloucestershire_4_2_formal_3_copies_the_dsc_and_formal_4_copies_the_dcs(
    gloucestershire, child, iro, team_manager, head_of_service, assistant_director, director, dcs
):
    concern = raised_task(iro, [child], delegate_to=team_manager).stage.concern
    formal_2 = gloucestershire.stages.get(level=2)
    assert rules.copy_list(concern, formal_2) == []
    formal_3 = _escalate_to(concern, iro, 3, assistant_director)
    assert [(c.person, c.reason) for c in formal_3.copies.all()] == [
        (director, "Director of Safeguarding and Care")
    ]
    assert _told(director, Kind.COPIED) == 1
    formal_4 = _escalate_to(concern, iro, 4, director)
    assert [(c.person, c.reason) for c in formal_4.copies.all()] == [
        (dcs, "Director of Children's Services")
    ]
    assert _told(dcs, Kind.COPIED) == 1


def test_gloucestershire_4_2_the_ad_passes_formal_3_on_and_stays_accountable(
    client, gloucestershire, child, iro, team_manager, head_of_service, assistant_director, director
):
    concern = raised_task(iro, [child], delegate_to=team_manager).stage.concern
    formal_3 = _escalate_to(concern, iro, 3, assistant_director)
    ad_task = formal_3.tasks.get()

    # The AD's task page offers to pass it on; a social worker is not one of the roles.
    client.force_login(assistant_director)
    page = client.get(reverse("escalations:task_detail", args=[ad_task.pk])).content.decode()
    url = reverse("escalations:task_pass_on", args=[ad_task.pk])
    assert url in page
    page = client.get(url).content.decode()
    assert "Hana Head" in page
    response = client.post(url, {"lock_version": ad_task.lock_version, "note": ""})
    assert "<title>Error: " in response.content.decode()
    assert "Select who should respond" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        services.task_pass_on(
            task=ad_task,
            by=assistant_director,
            lock_version=ad_task.lock_version,
            assignee=team_manager,
            note="Please answer",
        )
    assert refused.value.message_dict["assignee"] == [
        "Choose a Group Manager, Head of Service or Service Manager"
    ]

    response = client.post(
        url,
        {
            "lock_version": ad_task.lock_version,
            "assignee": head_of_service.pk,
            "note": "Please answer by Friday",
        },
    )
    assert response.status_code == 302
    formal_3.refresh_from_db()
    assert formal_3.accountable_owner == assistant_director
    hos_task = formal_3.tasks.get(state=TaskState.ACTIVE)
    assert (hos_task.assignee, hos_task.delegated_by, hos_task.due_on) == (
        head_of_service,
        assistant_director,
        ad_task.due_on,
    )
    assert [c.person for c in formal_3.copies.all()] == [director, assistant_director]
    assert Event.objects.filter(concern=concern, kind=Event.Kind.PASSED_ON).count() == 1
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert "Ada Director (passed the task on and stays accountable)" in page
    take_back = reverse("escalations:task_take_back", args=[hos_task.pk])
    assert take_back in page

    # The Head of Service answers: the AD is told, as the raiser is.
    services.task_respond(
        task=hos_task,
        by=head_of_service,
        lock_version=hos_task.lock_version,
        response_option=None,
        response="A placement panel on Thursday",
    )
    assert _told(assistant_director, Kind.RESPONDED) == 1
    assert _told(iro, Kind.RESPONDED) == 1

    # Reopened, then taken back: the task is the AD's again and the Head of Service is told.
    hos_task.refresh_from_db()
    services.task_reactivate(
        task=hos_task, by=iro, lock_version=hos_task.lock_version, due_on=dt.date(2024, 3, 8)
    )
    hos_task.refresh_from_db()
    client.force_login(head_of_service)
    assert client.get(take_back).status_code == 403
    client.force_login(assistant_director)
    response = client.post(take_back, {"lock_version": hos_task.lock_version})
    assert response.status_code == 302
    hos_task.refresh_from_db()
    assert (hos_task.state, hos_task.retract_reason) == (TaskState.RETRACTED, "taken_back")
    mine = formal_3.tasks.get(state=TaskState.ACTIVE)
    assert mine.assignee == assistant_director
    assert _told(head_of_service, Kind.RETRACTED) == 1


def test_gloucestershire_4_2_a_task_passed_on_cannot_be_passed_again_by_its_new_holder(
    gloucestershire, child, iro, team_manager, head_of_service, assistant_director, group_manager
):
    concern = raised_task(iro, [child], delegate_to=team_manager).stage.concern
    ad_task = _escalate_to(concern, iro, 3, assistant_director).tasks.get()
    passed = services.task_pass_on(
        task=ad_task,
        by=assistant_director,
        lock_version=ad_task.lock_version,
        assignee=head_of_service,
        note="Yours",
    )
    assert not rules.may_pass_on(head_of_service, passed)
    assert rules.may_take_back(assistant_director, passed)
    # Formal stage 1 lets nobody pass its task on.
    other = raised_task(iro, [child], delegate_to=team_manager)
    assert not rules.may_pass_on(team_manager, other)


# Rule 7: siblings of different types (seed 000 CP and child-in-care columns) -----------------


def test_gloucestershire_4_2_siblings_of_different_types_formal_2_copies_the_head_of_service(
    client,
    gloucestershire,
    child,
    team,
    social_worker,
    iro,
    team_manager,
    head_of_service,
    group_manager,
):
    cp_child = allocate(
        ChildFactory(first_name="Cara", last_name="Okafor", status=ChildStatus.CHILD_PROTECTION),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )
    # The child on a plan is the main child; her brother Amara is in care.
    concern = raised_task(iro, [cp_child, child], delegate_to=team_manager).stage.concern
    formal_2 = gloucestershire.stages.get(level=2)
    assert rules.default_assignee(concern, formal_2) == group_manager
    _outcome(concern, iro, Outcome.ESCALATE_NEXT, delegate_to=group_manager)
    stage = Stage.objects.get(concern=concern, level=2)
    assert stage.tasks.get().assignee == group_manager
    reason = "Head of Service for Amara Okafor (child in care)"
    assert [(c.person, c.reason) for c in stage.copies.all()] == [(head_of_service, reason)]
    assert _told(head_of_service, Kind.COPIED) == 1
    client.force_login(iro)
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert f"Hana Head ({reason})" in page
    # The outcome of the stage reaches the Head of Service too.
    _outcome(concern, iro, Outcome.RESOLVED)
    assert _told(head_of_service) == 1


def test_siblings_of_the_same_type_in_the_same_team_copy_nobody_more(
    gloucestershire, child, team, social_worker, iro, team_manager, head_of_service
):
    sister = allocate(
        ChildFactory(first_name="Ada", last_name="Okafor"),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )
    concern = raised_task(iro, [child, sister], delegate_to=team_manager).stage.concern
    assert rules.copy_list(concern, gloucestershire.stages.get(level=2)) == []


# Rule 6: CAFCASS (seed 000 §4.2; seed 004 stage 4) --------------------------------------------


def test_gloucestershire_4_2_a_cafcass_referral_records_the_iro_service_manager_and_tells_four(
    client,
    gloucestershire,
    child,
    iro,
    team_manager,
    social_worker,
    assistant_director,
    director,
    dcs,
    iro_service_manager,
    head_of_irs,
):
    concern = raised_task(iro, [child], delegate_to=team_manager).stage.concern
    client.force_login(iro)
    url = reverse("escalations:outcome_record", args=[concern.pk])
    page = client.get(url).content.decode()
    assert "Who did you consult about the referral?" in page
    assert f'<option value="{iro_service_manager.pk}" selected>' in page
    data = {
        "outcome": Outcome.REFER_CAFCASS,
        "comments": "The plan cannot wait for another stage",
        "legal_advice_sought": "yes",
        "cafcass_considered": "yes",
        "outcome_on_0": "4",
        "outcome_on_1": "3",
        "outcome_on_2": "2024",
        "lock_version": fresh(concern).lock_version,
    }
    response = client.post(url, data)
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "Select the Reviewing Service Manager you consulted" in page
    assert "Enter the date you consulted them" in page
    assert not Notification.objects.filter(kind=Kind.OUTCOME).exists()

    data.update(
        cafcass_consulted=iro_service_manager.pk,
        cafcass_consulted_on_0="1",
        cafcass_consulted_on_1="3",
        cafcass_consulted_on_2="2024",
    )
    assert client.post(url, data).status_code == 302
    stage = Stage.objects.get(concern=concern, level=1)
    assert (stage.cafcass_consulted, stage.cafcass_consulted_on) == (
        iro_service_manager,
        dt.date(2024, 3, 1),
    )
    told = {n.recipient for n in Notification.objects.filter(kind=Kind.OUTCOME)}
    assert told == {
        social_worker,
        team_manager,
        iro_service_manager,
        head_of_irs,
        assistant_director,
        director,
        dcs,
    }
    body = Notification.objects.get(recipient=dcs, kind=Kind.OUTCOME).body_text
    assert "Referred in consultation with Rhys Reviewing on 1 March 2024." in body
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert "Referral to CAFCASS discussed with" in page
    assert "Rhys Reviewing on 1 March 2024" in page


def test_who_is_told_of_a_cafcass_referral_is_data_on_each_protocol(
    gloucestershire, protocols, child, iro, team_manager, social_worker, director
):
    assert {r.code for r in gloucestershire.cafcass_told_roles.all()} == {
        RoleCode.REVIEWING_HEAD_OF_SERVICE,
        RoleCode.ASSISTANT_DIRECTOR,
        RoleCode.DIRECTOR,
        RoleCode.DIRECTOR_CHILDRENS_SERVICES,
    }
    # Cumbria names nobody to consult or tell: the referral is recorded as before.
    cumbria = protocols["cumbria"]
    assert cumbria.cafcass_consult_role is None
    assert not cumbria.cafcass_told_roles.exists()
    Protocol.objects.update(is_active=False)
    Protocol.objects.filter(pk=cumbria.pk).update(is_active=True)
    concern = raised_task(iro, [child], delegate_to=team_manager, level=2).stage.concern
    _outcome(concern, iro, Outcome.REFER_CAFCASS)
    told = {n.recipient for n in Notification.objects.filter(kind=Kind.OUTCOME)}
    assert told == {social_worker, team_manager}


@pytest.fixture
def blackpool(protocols):
    Protocol.objects.update(is_active=False)
    Protocol.objects.filter(pk=protocols["blackpool"].pk).update(is_active=True)
    return protocols["blackpool"]


@pytest.fixture
def sqr_head(reviewing_service):
    return _post(reviewing_service, RoleCode.REVIEWING_HEAD_OF_SERVICE, "Hal Reviewing")


def _blackpool_stage_4(children, iro, team_manager, sqr_head, assistant_director) -> Concern:
    concern = raised_task(iro, children, delegate_to=team_manager).stage.concern
    _escalate_to(concern, sqr_head, 4, assistant_director)
    return concern


def test_blackpool_stage_4_unresolved_for_a_child_in_care_tells_the_iro_to_seek_advice(
    client, blackpool, child, iro, iro_team, team_manager, sqr_head, assistant_director
):
    sqr_head.team = iro_team
    sqr_head.save()
    concern = _blackpool_stage_4([child], iro, team_manager, sqr_head, assistant_director)
    _outcome(concern, sqr_head, Outcome.WITHDRAWN)
    message = Notification.objects.get(recipient=iro, kind=Kind.OUTCOME)
    assert "Seek independent legal advice and consider a referral to CAFCASS" in (message.body_text)
    client.force_login(iro)
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert re.search(r"Not resolved at Formal stage 4 for a child in care: the IRO has been", page)


def test_blackpool_stage_4_resolved_or_not_in_care_does_not_prompt_the_iro(
    blackpool, team, social_worker, child, iro, team_manager, sqr_head, assistant_director
):
    resolved = _blackpool_stage_4([child], iro, team_manager, sqr_head, assistant_director)
    _outcome(resolved, sqr_head, Outcome.RESOLVED)
    cp_child = allocate(
        ChildFactory(status=ChildStatus.CHILD_PROTECTION),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )
    on_a_plan = _blackpool_stage_4([cp_child], iro, team_manager, sqr_head, assistant_director)
    _outcome(on_a_plan, sqr_head, Outcome.WITHDRAWN)
    assert not Notification.objects.filter(recipient=iro, kind=Kind.OUTCOME).exists()


# Rule 9: the bypass, when raising (IRO Handbook 6.2) -------------------------------------------


def test_blackpool_iro_handbook_6_2_the_iro_raises_straight_at_stage_3_with_a_reason(
    client, blackpool, child, iro, team_manager, head_of_service, reviewing_service
):
    sqr_manager = _post(reviewing_service, RoleCode.REVIEWING_SERVICE_MANAGER, "Rhys Reviewing")
    client.force_login(iro)
    start = reverse("escalations:concern_start") + f"?child={child.pk}"
    page = client.get(start).content.decode()
    assert "Usually raised by the Reviewing Service Manager: give a reason" in page
    concern = services.concern_create_draft(
        raised_by=iro, children=[child], title="Placement ending", start_level=3
    )
    services.sub_concern_add(
        concern=concern,
        by=iro,
        category=blackpool.categories.first(),
        description="The placement ends on Friday",
        impact_on_child="She may have to move school",
    )
    url = reverse("escalations:concern_raise", args=[concern.pk])
    page = client.get(url).content.decode()
    assert "Why are you raising this stage yourself?" in page
    assert "Rhys Reviewing (Reviewing Service Manager: normally raises Formal stage 3)" in page
    data = {"lock_version": fresh(concern).lock_version, "delegate_to": head_of_service.pk}
    response = client.post(url, data)
    assert "Enter why you are raising this stage yourself" in response.content.decode()
    assert fresh(concern).is_draft
    reason = "The placement ends this week: there is no time for the earlier stages"
    response = raise_through_check(client, url, {**data, "bypass_reason": reason})
    assert response.status_code == 302
    stage = fresh(concern).current_stage
    assert (stage.level, stage.bypass_reason) == (3, reason)
    assert [c.person for c in stage.copies.all()] == [sqr_manager]
    assert _told(sqr_manager, Kind.COPIED) == 1
    # The service refuses it too, whatever the page sends.
    again = services.concern_create_draft(
        raised_by=iro, children=[child], title="Again", start_level=3
    )
    services.sub_concern_add(
        concern=again,
        by=iro,
        category=blackpool.categories.first(),
        description="The placement ends on Friday",
        impact_on_child="She may have to move school",
    )
    with pytest.raises(ValidationError) as refused:
        services.concern_raise(
            concern=again,
            by=iro,
            lock_version=fresh(again).lock_version,
            delegate_to=head_of_service,
        )
    assert "bypass_reason" in refused.value.message_dict
