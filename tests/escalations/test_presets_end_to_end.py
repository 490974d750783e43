"""One journey per council preset, end to end through real HTTP requests.

Each test signs in as each person in turn (the raiser, then whoever the stage lands with, then
the raiser again), with a frozen clock moved forward between steps. People, children and the
management hierarchy are built with factories; everything else happens through the pages: the
concern is started, filled in and raised, each task is found in My tasks and answered, and each
outcome is recorded on the outcome form. Who is copied in comes from the Event the delegation
wrote (`data["copied_to"]`) and from `escalations.rules.copy_list`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import ChildStatus
from escalations import rules
from escalations.models import Concern, ConcernState, Event, Outcome, Stage, Task, TaskState
from notifications.models import Kind, Notification
from prp import presets
from prp.models import RoleCode
from tests.builders import allocate
from tests.factories import (
    ChildFactory,
    PostFactory,
    RoleFactory,
    SiblingGroupFactory,
    UserFactory,
)
from tests.raising import raise_through_check

# Reading pages ---------------------------------------------------------------------------------


def _text(fragment: str) -> str:
    """The words in a piece of HTML, tags removed and spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _page(response) -> str:
    return response.content.decode()


def _banners(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _lock_version(page: str) -> str:
    match = re.search(r'name="lock_version" value="(\d+)"', page)
    assert match, "the form carries the version it was built from"
    return match.group(1)


def _date(prefix: str, day: dt.date) -> dict:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _summary(page: str) -> dict[str, str]:
    """The concern page's first summary list (the concern itself), as key → value text."""
    first = re.search(r'<dl class="govuk-summary-list">(.*?)</dl>', page, re.S)
    assert first, "the concern page starts with a summary list"
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        first.group(1),
        re.S,
    )
    return {_text(key): _text(value) for key, value in rows}


def _state_tag(page: str) -> str:
    heading = re.search(r'<h1 class="govuk-heading-l">.*?</h1>', page, re.S).group(0)
    return _text(re.search(r'<strong class="govuk-tag[^"]*">(.*?)</strong>', heading).group(1))


def _error_summary(page: str) -> list[str]:
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert block, "the page shows the GOV.UK error summary"
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", block.group(0), re.S)]


@dataclass(frozen=True)
class TaskRow:
    task_pk: int
    reference: str
    children: str
    stage: str
    delegated_by: str
    due: str
    status: str


def _inbox_rows(page: str) -> list[TaskRow]:
    body = page.split('<tbody class="govuk-table__body">', 1)
    if len(body) == 1:
        return []
    rows = []
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body[1], re.S):
        cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row, re.S)
        rows.append(
            TaskRow(
                task_pk=int(re.search(r"/tasks/(\d+)/", row).group(1)),
                reference=re.search(r"(PRP-\d{6})", cells[0]).group(1),
                children=_text(cells[1]),
                stage=_text(cells[2]),
                delegated_by=_text(cells[3]),
                due=_text(cells[4]),
                status=_text(cells[5]),
            )
        )
    return rows


# Driving the pages -----------------------------------------------------------------------------


class Journey:
    """The pages of one concern, driven through the test client as one person at a time."""

    def __init__(self, client, clock):
        self.client = client
        self.clock = clock
        self.pk: int | None = None

    # Who and when

    def at(self, day: dt.date, hour: int = 10) -> Journey:
        self.clock.move_to(dt.datetime(day.year, day.month, day.day, hour, 0))
        return self

    def sign_in(self, person) -> Journey:
        # After moving the clock the last session may have expired: sign in every time.
        self.client.force_login(person)
        return self

    # Reading

    @property
    def concern(self) -> Concern:
        return Concern.objects.get(pk=self.pk)

    @property
    def reference(self) -> str:
        return f"PRP-{self.pk:06d}"

    def url(self, name: str, *args) -> str:
        return reverse(f"escalations:{name}", args=args or [self.pk])

    def concern_page(self) -> str:
        response = self.client.get(self.url("concern_detail"))
        assert response.status_code == 200
        return _page(response)

    def my_tasks(self) -> list[TaskRow]:
        response = self.client.get(reverse("escalations:task_inbox"))
        assert response.status_code == 200
        return _inbox_rows(_page(response))

    def my_task_for_this_concern(self) -> TaskRow:
        rows = [row for row in self.my_tasks() if row.reference == self.reference]
        assert len(rows) == 1, f"one task waiting for {self.reference} in My tasks: {rows}"
        return rows[0]

    # Raising

    def start(self, child, *, title: str, level: int, stage_label: str, others=()) -> Journey:
        url = reverse("escalations:concern_start") + f"?child={child.pk}"
        page = _page(self.client.get(url))
        assert stage_label in page
        children = [child.pk, *(other.pk for other in others)]
        response = self.client.post(
            url, {"children": children, "title": title, "start_level": level}
        )
        assert response.status_code == 302, _page(response)
        self.pk = int(re.search(r"/concerns/(\d+)/", response["Location"]).group(1))
        return self

    def add_sub_concern(self, category, *, description: str) -> Journey:
        url = self.url("sub_concern_add")
        page = _page(self.client.get(url))
        assert category.name in page
        response = self.client.post(
            url,
            {
                "category": category.pk,
                "description": description,
                "impact_on_child": "The child does not know where they will live",
                "child_views": "Wants to stay with their carers",
            },
        )
        assert response.status_code == 302, _page(response)
        return self

    def raise_page(self) -> str:
        response = self.client.get(self.url("concern_raise"))
        assert response.status_code == 200
        return _page(response)

    def raise_it(self, *, agreed: dt.date | None = None, how: str | None = None, **extra):
        """Raise with the person the page selects by default (the form's selected option)."""
        page = self.raise_page()
        data = {"lock_version": _lock_version(page)}
        selected = re.search(r'<option value="(\d+)" selected>', page)
        if selected:
            data["delegate_to"] = selected.group(1)
        if how:
            data["how"] = how
        if agreed:
            data.update(_date("agreed_due_on", agreed))
        data.update(extra)
        response = raise_through_check(self.client, self.url("concern_raise"), data)
        assert response.status_code == 302, _page(response)
        return response

    # Responding

    def respond(self, row: TaskRow, *, response: str, option: str | None = None):
        url = reverse("escalations:task_detail", args=[row.task_pk])
        page = _page(self.client.get(url))
        assert "Send response" in page
        data = {
            "lock_version": _lock_version(page),
            "response": response,
            "actions_agreed": "",
            "send": "Send response",
        }
        if option is not None:
            value = re.search(
                rf'value="(\d+)"[^>]*>\s*<label[^>]*>\s*{re.escape(option)}\s*</label>', page
            )
            assert value, f"the answer {option!r} is offered"
            data["response_option"] = value.group(1)
        return self.client.post(url, data)

    # Outcomes

    def outcome_page(self) -> str:
        response = self.client.get(self.url("outcome_record"))
        assert response.status_code == 200
        return _page(response)

    def record_outcome(
        self,
        outcome: str,
        *,
        on: dt.date,
        target_level: int | None = None,
        delegate_to=None,
        agreed: dt.date | None = None,
        legal: str = "no",
        cafcass: str = "no",
        comments: str = "Recorded after talking to the manager",
        external_response: str | None = None,
        **extra,
    ):
        page = self.outcome_page()
        data = {
            "outcome": outcome,
            "target_level": "" if target_level is None else str(target_level),
            "delegate_to": "" if delegate_to is None else str(delegate_to.pk),
            "comments": comments,
            "legal_advice_sought": legal,
            "cafcass_considered": cafcass,
            "lock_version": _lock_version(page),
            **_date("outcome_on", on),
        }
        if agreed is not None:
            data.update(_date("agreed_due_on", agreed))
        if external_response is not None:
            data["external_response"] = external_response
        data.update(extra)
        return self.client.post(self.url("outcome_record"), data)

    # The record behind the pages

    def stage(self, level: int) -> Stage:
        return Stage.objects.select_related("protocol_stage").get(concern_id=self.pk, level=level)

    def copied_to(self, level: int) -> list[int]:
        """Who the delegation at `level` was copied to, as its Event recorded it."""
        event = Event.objects.get(
            concern_id=self.pk, kind=Event.Kind.DELEGATED, stage=self.stage(level)
        )
        return event.data["copied_to"]

    def rule_copy_list(self, level: int) -> list:
        return rules.copy_list(self.concern, self.stage(level).protocol_stage)


@pytest.fixture
def journey(client):
    def start(when: dt.datetime):
        traveller = time_machine.travel(when, tick=False)
        clock = traveller.start()
        started.append(traveller)
        return Journey(client, clock)

    started: list = []
    yield start
    for traveller in started:
        traveller.stop()


def _category(protocol, name):
    return protocol.categories.get(name=name)


def _post(unit, role: str, name: str):
    """Someone holding `role` for `unit` (and everything below it) in the hierarchy."""
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
def operational_service_manager(operational_service):
    return _post(operational_service, RoleCode.SERVICE_MANAGER, "Sol Service")


@pytest.fixture
def senior_manager(directorate):
    return _post(directorate, RoleCode.SENIOR_MANAGER, "Sena Senior")


@pytest.fixture
def iro_team_manager(iro_team):
    """The IRO (and CP Chair) Team Manager: the manager of the IRO's team."""
    person = UserFactory(full_name="Tia Reviewing", roles=[RoleCode.REVIEWING_TEAM_MANAGER])
    iro_team.manager = person
    iro_team.save()
    return person


@pytest.fixture
def reviewing_service_manager(reviewing_service):
    return _post(reviewing_service, RoleCode.REVIEWING_SERVICE_MANAGER, "Rhys Reviewing")


@pytest.fixture
def reviewing_head_of_service(reviewing_service):
    return _post(reviewing_service, RoleCode.REVIEWING_HEAD_OF_SERVICE, "Hal Reviewing")


@pytest.fixture
def cp_child(team, social_worker, iro):
    return allocate(
        ChildFactory(first_name="Cara", last_name="Plan", status=ChildStatus.CHILD_PROTECTION),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


# Gloucestershire -------------------------------------------------------------------------------


def test_gloucestershire_child_in_care_from_informal_to_resolved(
    client,
    journey,
    protocols,
    child,
    iro,
    team_manager,
    head_of_service,
    group_manager,
    director,
):
    presets.activate(protocols["gloucestershire"])
    j = journey(dt.datetime(2023, 12, 1, 10, 0))  # Friday 1 December 2023

    # The IRO raises an informal concern, delegated to the team manager, agreed for Fri 8 Dec.
    j.sign_in(iro).start(child, title="Permanence plan drifting", level=0, stage_label="Informal")
    j.add_sub_concern(
        _category(protocols["gloucestershire"], "Drift and delay"),
        description="No permanence plan after two reviews",
    )
    page = j.raise_page()
    assert f'<option value="{team_manager.pk}" selected>' in page
    assert "Tom Manager (Team Manager)" in page
    assert 'name="agreed_due_on_0" value="8"' in page  # the 5-day guideline, suggested
    response = j.raise_it(how="delegate", agreed=dt.date(2023, 12, 8))
    assert _banners(response) == [
        "Concern raised and delegated to Tom Manager. Response due 8 December 2023."
    ]
    page = j.concern_page()
    assert _state_tag(page) == "Informal"
    summary = _summary(page)
    assert summary["Current stage"] == "Informal"
    assert summary["Response due"] == "8 December 2023"
    assert summary["With"] == "Tom Manager, for a response"
    assert j.copied_to(0) == []

    # The team manager finds it in My tasks, due Friday 8 December, and answers.
    j.at(dt.date(2023, 12, 6)).sign_in(team_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due, row.delegated_by) == ("Informal", "8 December 2023", "Ira Reviewer")
    assert row.children == "Amara Okafor"
    response = j.respond(row, response="A permanence meeting is booked for 20 December")
    assert response.status_code == 302
    assert _banners(response) == ["Response sent to Ira Reviewer"]
    assert j.my_tasks() == []

    # Not enough: on Monday 11 December the IRO escalates to Formal stage 1 (5 working days).
    j.at(dt.date(2023, 12, 11)).sign_in(iro)
    page = j.concern_page()
    assert _summary(page)["With"] == ("Ira Reviewer, to record the outcome (Tom Manager responded)")
    page = j.outcome_page()
    assert "A permanence meeting is booked for 20 December" in page
    assert "Formal stage 1: Tom Manager" in page  # who it goes to if nobody else is chosen
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2023, 12, 11), cafcass="no")
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Formal stage 1 and delegated to Tom Manager. Response due 18 December 2023"
    ]
    page = j.concern_page()
    assert _state_tag(page) == "Formal stage 1"
    summary = _summary(page)
    assert summary["Current stage"] == "Formal stage 1"
    assert summary["Response due"] == "18 December 2023"
    assert summary["With"] == "Tom Manager, for a response"
    assert "0 of 20 working days used on formal stages" in page
    assert j.stage(0).outcome == Outcome.ESCALATE_NEXT
    assert j.stage(1).due_on == dt.date(2023, 12, 18)
    assert j.copied_to(1) == []

    j.at(dt.date(2023, 12, 14)).sign_in(team_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Formal stage 1", "18 December 2023")
    assert j.respond(row, response="We cannot find a placement yet").status_code == 302

    # Friday 15 December: Formal stage 2 goes to the Head of Service for a child in care (not
    # the Group Manager). The Director of Safeguarding and Care is copied at Formal 3, not here.
    j.at(dt.date(2023, 12, 15)).sign_in(iro)
    page = j.outcome_page()
    assert "Formal stage 2: Hana Head" in page
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2023, 12, 15))
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Formal stage 2 and delegated to Hana Head. Response due 22 December 2023"
    ]
    assert j.copied_to(2) == []
    assert j.rule_copy_list(2) == []
    page = j.concern_page()
    summary = _summary(page)
    assert summary["Current stage"] == "Formal stage 2"
    assert summary["Response due"] == "22 December 2023"
    assert summary["With"] == "Hana Head, for a response"
    # Formal stage 1 ran from Monday 11 to Friday 15 December: 4 working days.
    assert "4 of 20 working days used on formal stages" in page

    j.sign_in(group_manager)
    assert j.my_tasks() == []
    j.at(dt.date(2023, 12, 20)).sign_in(head_of_service)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due, row.delegated_by) == (
        "Formal stage 2",
        "22 December 2023",
        "Ira Reviewer",
    )
    assert j.respond(row, response="A placement is agreed from January").status_code == 302
    assert j.my_tasks() == []

    # Thursday 21 December: resolved; no legal advice sought, a CAFCASS referral considered.
    j.at(dt.date(2023, 12, 21)).sign_in(iro)
    response = j.record_outcome(
        Outcome.RESOLVED, on=dt.date(2023, 12, 21), legal="no", cafcass="yes"
    )
    assert response.status_code == 302, _page(response)
    assert _banners(response) == ["Concern resolved"]
    page = j.concern_page()
    assert _state_tag(page) == "Resolved"
    summary = _summary(page)
    assert summary["Closed"] == "21 December 2023"
    assert summary["Current stage"] == "Formal stage 2 (outcome recorded)"
    # 4 working days at Formal stage 1 and 4 (15 to 21 December) at Formal stage 2.
    assert "8 of 20 working days used on formal stages" in page
    final = j.stage(2)
    assert (final.outcome, final.legal_advice_sought, final.cafcass_considered) == (
        Outcome.RESOLVED,
        False,
        True,
    )
    card = page.split(f'id="stage-{final.pk}"', 1)[1].split('id="stage-', 1)[0]
    assert re.search(r"Independent legal advice sought</dt>\s*<dd[^>]*>No<", card)
    assert re.search(r"CAFCASS referral considered</dt>\s*<dd[^>]*>Yes<", card)
    concern = j.concern
    assert (concern.state, concern.opened_on, concern.closed_on) == (
        ConcernState.RESOLVED,
        dt.date(2023, 12, 1),
        dt.date(2023, 12, 21),
    )
    assert [t.state for t in Task.objects.filter(stage__concern=concern).order_by("id")] == [
        TaskState.RESPONDED
    ] * 3
    # Nothing is left to do: the outcome page says the concern is closed.
    assert "This concern is closed" in j.outcome_page()


def test_gloucestershire_child_protection_formal_2_goes_to_the_group_manager(
    client,
    journey,
    protocols,
    cp_child,
    child,
    iro,
    team_manager,
    social_worker,
    head_of_service,
    group_manager,
    assistant_director,
    director,
    dcs,
    reviewing_service_manager,
    reviewing_head_of_service,
):
    """Cara is on a child protection plan; her brother Amara is in care. Formal 2 goes to the
    Group Manager for Cara and copies Amara's Head of Service (rule 7); the IRO then refers to
    CAFCASS after consulting the IRO Service Manager, and the four people seed 000 §4.2 names
    are told (rule 6)."""
    presets.activate(protocols["gloucestershire"])
    family = SiblingGroupFactory()
    for member in (cp_child, child):
        member.sibling_group = family
        member.save()
    j = journey(dt.datetime(2023, 12, 1, 10, 0))  # Friday 1 December 2023

    # The worked example on the form: raised at Formal 1 on Fri 1 Dec, due Fri 8 Dec.
    j.sign_in(iro).start(
        cp_child, title="CP plan not progressing", level=1, stage_label="Formal", others=[child]
    )
    j.add_sub_concern(
        _category(protocols["gloucestershire"], "Safeguarding"),
        description="Core group has not met since the conference",
    )
    page = j.raise_page()
    assert "8 December 2023 (5 working days from today)" in page
    assert 'name="agreed_due_on_0"' not in page  # counted, not agreed
    response = j.raise_it()
    assert _banners(response) == [
        "Concern raised and delegated to Tom Manager. Response due 8 December 2023."
    ]
    page = j.concern_page()
    assert _state_tag(page) == "Formal stage 1"
    assert _summary(page)["Response due"] == "8 December 2023"
    assert "0 of 20 working days used on formal stages" in page

    j.sign_in(team_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due, row.children) == (
        "Formal stage 1",
        "8 December 2023",
        "Cara Plan, Amara Okafor",
    )
    j.at(dt.date(2023, 12, 6)).sign_in(team_manager)
    assert j.respond(row, response="The core group meets next week").status_code == 302

    # Friday 8 December: with the delegate left blank, Formal stage 2 goes to the Group Manager
    # for Cara, and copies the Head of Service the protocol names for Amara, a child in care.
    j.at(dt.date(2023, 12, 8)).sign_in(iro)
    page = j.outcome_page()
    assert "Formal stage 2: Gus Group" in page
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2023, 12, 8))
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Formal stage 2 and delegated to Gus Group. Response due 15 December 2023"
    ]
    assert j.copied_to(2) == [head_of_service.pk]
    page = j.concern_page()
    summary = _summary(page)
    assert (summary["Current stage"], summary["Response due"]) == (
        "Formal stage 2",
        "15 December 2023",
    )
    assert summary["With"] == "Gus Group, for a response"
    assert "Hana Head (Head of Service for Amara Okafor (child in care))" in _text(page)
    # Formal stage 1 took Friday 1 to Friday 8 December: 5 working days of the 20.
    assert "5 of 20 working days used on formal stages" in page
    assert Notification.objects.filter(recipient=head_of_service, kind=Kind.COPIED).count() == 1

    j.sign_in(head_of_service)
    assert j.my_tasks() == []
    assert _state_tag(j.concern_page()) == "Formal stage 2"  # told, so she can open it
    j.sign_in(group_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Formal stage 2", "15 December 2023")
    assert j.respond(row, response="No date for the core group yet").status_code == 302

    # Tuesday 12 December: the IRO refers to CAFCASS after consulting the IRO Service Manager.
    j.at(dt.date(2023, 12, 12)).sign_in(iro)
    page = j.outcome_page()
    assert f'<option value="{reviewing_service_manager.pk}" selected>' in page
    response = j.record_outcome(Outcome.REFER_CAFCASS, on=dt.date(2023, 12, 12), cafcass="yes")
    assert _error_summary(_page(response)) == [
        "Select the Reviewing Service Manager you consulted",
        "Enter the date you consulted them",
    ]
    response = j.record_outcome(
        Outcome.REFER_CAFCASS,
        on=dt.date(2023, 12, 12),
        cafcass="yes",
        legal="yes",
        cafcass_consulted=str(reviewing_service_manager.pk),
        **_date("cafcass_consulted_on", dt.date(2023, 12, 11)),
    )
    assert response.status_code == 302, _page(response)
    assert _banners(response) == ["Referred to CAFCASS"]
    assert _state_tag(j.concern_page()) == "Referred to CAFCASS"
    referral = j.stage(2)
    assert (referral.cafcass_consulted, referral.cafcass_consulted_on) == (
        reviewing_service_manager,
        dt.date(2023, 12, 11),
    )
    told = Notification.objects.filter(concern_id=j.pk, kind=Kind.OUTCOME, key__contains=":stage:")
    assert {n.recipient for n in told.filter(key__startswith=f"outcome:stage:{referral.pk}:")} == {
        social_worker,
        team_manager,
        head_of_service,
        reviewing_service_manager,
        reviewing_head_of_service,
        assistant_director,
        director,
        dcs,
    }


# Cumbria ---------------------------------------------------------------------------------------

CUMBRIA_OPTIONS = [
    "Agree and able to implement",
    "Do not agree and will not implement",
    "Do not have the remit to implement",
]


def test_cumbria_informal_challenge_to_stage_3_then_resolved(
    client,
    journey,
    protocols,
    child,
    iro,
    team_manager,
    operational_service_manager,
    senior_manager,
    iro_team_manager,
    reviewing_service_manager,
):
    presets.activate(protocols["cumbria"])
    j = journey(dt.datetime(2024, 3, 4, 10, 0))  # Monday 4 March 2024

    # The IRO's informal challenge: level 0, to the team manager, 3 working days.
    j.sign_in(iro).start(
        child, title="Contact plan not followed", level=0, stage_label="Stage 1: informal challenge"
    )
    j.add_sub_concern(
        _category(protocols["cumbria"], "Care planning"),
        description="Contact with the child's brother has stopped",
    )
    page = j.raise_page()
    assert "7 March 2024 (3 working days from today)" in page
    assert f'<option value="{team_manager.pk}" selected>' in page
    response = j.raise_it()
    assert _banners(response) == [
        "Concern raised and delegated to Tom Manager. Response due 7 March 2024."
    ]
    page = j.concern_page()
    assert _state_tag(page) == "Stage 1: informal challenge"
    summary = _summary(page)
    assert summary["Current stage"] == "Stage 1: informal challenge"
    assert summary["Response due"] == "7 March 2024"

    # The team manager must pick one of the three answers.
    j.at(dt.date(2024, 3, 6)).sign_in(team_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Stage 1: informal challenge", "7 March 2024")
    task_page = _page(client.get(reverse("escalations:task_detail", args=[row.task_pk])))
    for option in CUMBRIA_OPTIONS:
        assert option in task_page
    response = j.respond(row, response="We do not agree that contact should restart")
    assert response.status_code == 200
    page = _page(response)
    assert "<title>Error: " in page
    assert _error_summary(page) == ["Select your answer"]
    assert Task.objects.get(pk=row.task_pk).state == TaskState.ACTIVE
    response = j.respond(
        row,
        response="We do not agree that contact should restart",
        option="Do not agree and will not implement",
    )
    assert response.status_code == 302, _page(response)
    assert Task.objects.get(pk=row.task_pk).response_option.label == (
        "Do not agree and will not implement"
    )

    # Escalate next: Stage 2 (level 2), the Service Manager, 4 working days, copied to the IRO
    # Team Manager.
    j.at(dt.date(2024, 3, 8)).sign_in(iro)
    page = j.outcome_page()
    assert "Not resolved: escalate to Stage 2" in page
    assert "Stage 2: Sol Service" in page
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2024, 3, 8))
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Stage 2 and delegated to Sol Service. Response due 14 March 2024"
    ]
    assert j.stage(2).level == 2
    assert j.rule_copy_list(2) == [iro_team_manager]
    assert j.copied_to(2) == [iro_team_manager.pk]
    page = j.concern_page()
    assert _state_tag(page) == "Stage 2"
    assert _summary(page)["Current stage"] == "Stage 2"
    assert _summary(page)["Response due"] == "14 March 2024"

    j.at(dt.date(2024, 3, 12)).sign_in(operational_service_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Stage 2", "14 March 2024")
    response = j.respond(
        row, response="It is outside my remit", option="Do not have the remit to implement"
    )
    assert response.status_code == 302, _page(response)

    # Stage 3: the Senior Manager, copied to the IRO Team Manager and the IRO Service Manager.
    j.at(dt.date(2024, 3, 13)).sign_in(iro)
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2024, 3, 13))
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Stage 3 and delegated to Sena Senior. Response due 19 March 2024"
    ]
    assert set(j.copied_to(3)) == {iro_team_manager.pk, reviewing_service_manager.pk}
    assert set(j.rule_copy_list(3)) == {iro_team_manager, reviewing_service_manager}

    j.at(dt.date(2024, 3, 18)).sign_in(senior_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Stage 3", "19 March 2024")
    response = j.respond(
        row, response="Contact restarts next week", option="Agree and able to implement"
    )
    assert response.status_code == 302, _page(response)

    j.at(dt.date(2024, 3, 19)).sign_in(iro)
    response = j.record_outcome(Outcome.RESOLVED, on=dt.date(2024, 3, 19))
    assert response.status_code == 302, _page(response)
    page = j.concern_page()
    assert _state_tag(page) == "Resolved"
    assert _summary(page)["Closed"] == "19 March 2024"
    assert "Agree and able to implement" in page
    assert j.concern.state == ConcernState.RESOLVED
    assert [s.level for s in Stage.objects.filter(concern_id=j.pk)] == [0, 2, 3]


# Buckinghamshire -------------------------------------------------------------------------------


def test_buckinghamshire_social_worker_then_managers_then_straight_to_cafcass(
    client, journey, protocols, child, iro, social_worker, team_manager, head_of_service
):
    presets.activate(protocols["buckinghamshire"])
    j = journey(dt.datetime(2024, 1, 8, 10, 0))  # Monday 8 January 2024

    # The informal stage is delegated to the child's social worker, on an agreed date.
    j.sign_in(iro).start(child, title="Health assessment overdue", level=0, stage_label="Informal")
    j.add_sub_concern(
        _category(protocols["buckinghamshire"], "Health and education"),
        description="The review health assessment is four months late",
    )
    page = j.raise_page()
    assert f'<option value="{social_worker.pk}" selected>' in page
    assert "Sam Worker (Social Worker)" in page
    response = j.raise_it(agreed=dt.date(2024, 1, 15))
    assert _banners(response) == [
        "Concern raised and delegated to Sam Worker. Response due 15 January 2024."
    ]
    assert _summary(j.concern_page())["With"] == "Sam Worker, for a response"

    j.sign_in(team_manager)
    assert j.my_tasks() == []
    j.at(dt.date(2024, 1, 11)).sign_in(social_worker)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Informal", "15 January 2024")
    assert j.respond(row, response="I have asked health again").status_code == 302

    # Stage 1: the team manager. Seed 003 sets no timescales: the raiser agrees every date,
    # offered a suggestion (5 working days), never given one.
    j.at(dt.date(2024, 1, 15)).sign_in(iro)
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2024, 1, 15))
    assert "Enter the date the Stage 1 response is agreed for" in _error_summary(_page(response))
    response = j.record_outcome(
        Outcome.ESCALATE_NEXT, on=dt.date(2024, 1, 15), agreed=dt.date(2024, 1, 22)
    )
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Stage 1 and delegated to Tom Manager. Response due 22 January 2024"
    ]
    j.at(dt.date(2024, 1, 19)).sign_in(team_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Stage 1", "22 January 2024")
    assert j.respond(row, response="Escalated to the health provider").status_code == 302

    # Stage 2: the Head of Service.
    j.at(dt.date(2024, 1, 22)).sign_in(iro)
    response = j.record_outcome(
        Outcome.ESCALATE_NEXT, on=dt.date(2024, 1, 22), agreed=dt.date(2024, 1, 29)
    )
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Stage 2 and delegated to Hana Head. Response due 29 January 2024"
    ]
    j.at(dt.date(2024, 1, 26)).sign_in(head_of_service)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Stage 2", "29 January 2024")
    assert j.respond(row, response="Health cannot give a date").status_code == 302

    # Straight to Stage 5: CAFCASS (a bypass). Nobody is delegated: there is no task.
    j.at(dt.date(2024, 1, 29)).sign_in(iro)
    page = j.outcome_page()
    assert "Not resolved: escalate straight to a later stage" in page
    assert "Stage 5: CAFCASS: you record CAFCASS&#x27;s reply, nobody is delegated" in page
    # The 20 working days from the formal start (15 January) end on 12 February: a later
    # agreed date needs a reason, and the concern then shows it was agreed beyond the limit.
    response = j.record_outcome(
        Outcome.ESCALATE_TO,
        target_level=5,
        on=dt.date(2024, 1, 29),
        agreed=dt.date(2024, 2, 13),
        cafcass="yes",
    )
    assert _error_summary(_page(response)) == [
        "Enter why the date is later than 12 February 2024 (20 working days from the formal start)"
    ]
    response = j.record_outcome(
        Outcome.ESCALATE_TO,
        target_level=5,
        on=dt.date(2024, 1, 29),
        agreed=dt.date(2024, 2, 12),
        cafcass="yes",
    )
    assert response.status_code == 302, _page(response)
    assert _banners(response) == ["Escalated to Stage 5: CAFCASS. Response due 12 February 2024"]
    cafcass = j.stage(5)
    assert not cafcass.tasks.exists()
    assert not Event.objects.filter(concern_id=j.pk, kind=Event.Kind.DELEGATED, stage=cafcass)
    assert [s.level for s in Stage.objects.filter(concern_id=j.pk)] == [0, 1, 2, 5]
    assert j.stage(2).outcome == Outcome.ESCALATE_TO
    page = j.concern_page()
    assert _state_tag(page) == "Stage 5: CAFCASS"
    summary = _summary(page)
    assert summary["Current stage"] == "Stage 5: CAFCASS"
    assert summary["With"] == "CAFCASS (Ira Reviewer records their response)"
    assert "Not delegated: Ira Reviewer records CAFCASS's response." in page
    for person in (social_worker, team_manager, head_of_service):
        j.sign_in(person)
        assert j.my_tasks() == []

    # The raiser records CAFCASS's response on its behalf, and resolves.
    j.at(dt.date(2024, 2, 9)).sign_in(iro)
    page = j.outcome_page()
    assert "Response from CAFCASS" in page
    assert "This stage was not delegated to anyone. Record CAFCASS's reply below." in page
    reply = "CAFCASS spoke to the Head of Service; the assessment is booked for 14 February."
    # Seed 003: resolving records the impact for the child.
    response = j.record_outcome(
        Outcome.RESOLVED, on=dt.date(2024, 2, 9), external_response=reply, cafcass="yes"
    )
    assert _error_summary(_page(response)) == ["Enter what resolving it changed for the child"]
    impact = "Amara's health needs are assessed before her review."
    response = j.record_outcome(
        Outcome.RESOLVED,
        on=dt.date(2024, 2, 9),
        external_response=reply,
        cafcass="yes",
        impact_for_child=impact,
    )
    assert response.status_code == 302, _page(response)
    assert j.stage(5).impact_for_child == impact
    assert _banners(response) == ["Concern resolved"]
    page = j.concern_page()
    assert _state_tag(page) == "Resolved"
    assert "Response from CAFCASS" in page
    assert html.escape(reply) in page or reply in page
    assert j.stage(5).external_response == reply
    assert j.concern.state == ConcernState.RESOLVED


# Blackpool -------------------------------------------------------------------------------------

DRIFT = "Drift in care planning and delay in decision making"


def _blackpool_formal_1(j: Journey, protocol, child, iro, team_manager):
    """The IRO raises Formal stage 1 with the team manager, who answers."""
    j.sign_in(iro).start(child, title="Care plan drifting", level=1, stage_label="Formal stage 1")
    j.add_sub_concern(_category(protocol, DRIFT), description="Decisions deferred at 3 reviews")
    response = j.raise_it()
    assert _banners(response) == [
        "Concern raised and delegated to Tom Manager. Response due 12 February 2024."
    ]
    page = j.concern_page()
    assert f"Concern 1: {DRIFT}" in page
    assert _state_tag(page) == "Formal stage 1"
    j.at(dt.date(2024, 2, 8)).sign_in(team_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Formal stage 1", "12 February 2024")
    assert j.respond(row, response="A planning meeting is booked").status_code == 302


def test_blackpool_the_iro_tm_escalates_then_the_head_of_reviewing_bypasses_to_stage_4(
    client,
    journey,
    protocols,
    child,
    iro,
    team_manager,
    iro_team_manager,
    operational_service_manager,
    reviewing_head_of_service,
    assistant_director,
):
    protocol = presets.activate(protocols["blackpool"])
    j = journey(dt.datetime(2024, 2, 5, 10, 0))  # Monday 5 February 2024
    _blackpool_formal_1(j, protocol, child, iro, team_manager)

    # The IRO may raise Formal stage 2 only with a reason (the IRO Handbook's bypass): without
    # one the outcome form says so and nothing changes.
    j.at(dt.date(2024, 2, 12)).sign_in(iro)
    before = j.concern.lock_version
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2024, 2, 12))
    assert response.status_code == 200
    page = _page(response)
    assert "<title>Error: " in page
    assert _error_summary(page) == ["Enter why you are escalating to Formal stage 2 yourself"]
    assert j.concern.lock_version == before
    assert j.stage(1).is_open

    # The IRO/CP Team Manager (the manager of the IRO's team) escalates to Formal stage 2.
    j.sign_in(iro_team_manager)
    assert _state_tag(j.concern_page()) == "Formal stage 1"
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=dt.date(2024, 2, 12))
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Formal stage 2 and delegated to Sol Service. Response due 19 February 2024"
    ]
    stage_2 = j.stage(2)
    assert stage_2.raised_by == iro_team_manager
    assert j.stage(1).outcome_by == iro_team_manager
    assert j.copied_to(2) == []
    page = j.concern_page()
    assert _summary(page)["Current stage"] == "Formal stage 2"
    assert "Opened 12 February 2024 by Tia Reviewing" in _text(page)

    j.at(dt.date(2024, 2, 15)).sign_in(operational_service_manager)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due, row.delegated_by) == (
        "Formal stage 2",
        "19 February 2024",
        "Tia Reviewing",
    )
    assert j.respond(row, response="We will review the plan in March").status_code == 302

    # The IRO TM cannot jump to Formal stage 4; the Head of Reviewing Service can.
    j.at(dt.date(2024, 2, 16)).sign_in(iro_team_manager)
    response = j.record_outcome(Outcome.ESCALATE_TO, target_level=4, on=dt.date(2024, 2, 16))
    assert response.status_code == 200
    assert _error_summary(_page(response)) == [
        "You cannot escalate to Formal stage 4. Ask someone who can, such as your manager"
    ]
    j.sign_in(reviewing_head_of_service)
    page = j.outcome_page()
    assert "Formal stage 4: Ada Director" in page
    response = j.record_outcome(Outcome.ESCALATE_TO, target_level=4, on=dt.date(2024, 2, 16))
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Formal stage 4 and delegated to Ada Director. Response due 23 February 2024"
    ]
    assert [s.level for s in Stage.objects.filter(concern_id=j.pk)] == [1, 2, 4]
    assert j.stage(2).outcome == Outcome.ESCALATE_TO
    assert j.stage(4).raised_by == reviewing_head_of_service

    j.at(dt.date(2024, 2, 21)).sign_in(assistant_director)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due) == ("Formal stage 4", "23 February 2024")
    assert j.respond(row, response="A permanence decision by 1 March").status_code == 302

    j.at(dt.date(2024, 2, 23)).sign_in(iro)
    response = j.record_outcome(Outcome.RESOLVED, on=dt.date(2024, 2, 23), cafcass="yes")
    assert response.status_code == 302, _page(response)
    page = j.concern_page()
    assert _state_tag(page) == "Resolved"
    assert _summary(page)["Current stage"] == "Formal stage 4 (outcome recorded)"
    # Formal 1: 5 to 12 Feb (5), Formal 2: 12 to 16 Feb (4), Formal 4: 16 to 23 Feb (5).
    assert "14 of 20 working days used on formal stages" in page
    assert j.concern.state == ConcernState.RESOLVED


def test_blackpool_the_reviewing_service_manager_bypasses_stage_1_to_stage_3(
    client,
    journey,
    protocols,
    child,
    iro,
    team_manager,
    reviewing_service_manager,
    head_of_service,
):
    protocol = presets.activate(protocols["blackpool"])
    j = journey(dt.datetime(2024, 2, 5, 10, 0))  # Monday 5 February 2024
    _blackpool_formal_1(j, protocol, child, iro, team_manager)

    # The IRO jumping to Formal stage 3 needs a reason.
    j.at(dt.date(2024, 2, 12)).sign_in(iro)
    response = j.record_outcome(Outcome.ESCALATE_TO, target_level=3, on=dt.date(2024, 2, 12))
    assert response.status_code == 200
    assert _error_summary(_page(response)) == [
        "Enter why you are escalating to Formal stage 3 yourself"
    ]

    # The SQR (reviewing) Service Manager raises Formal stage 3: the Head of Service.
    j.sign_in(reviewing_service_manager)
    page = j.outcome_page()
    assert "Formal stage 3: Hana Head" in page
    response = j.record_outcome(Outcome.ESCALATE_TO, target_level=3, on=dt.date(2024, 2, 12))
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Formal stage 3 and delegated to Hana Head. Response due 19 February 2024"
    ]
    assert [s.level for s in Stage.objects.filter(concern_id=j.pk)] == [1, 3]

    j.at(dt.date(2024, 2, 16)).sign_in(head_of_service)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.due, row.delegated_by) == (
        "Formal stage 3",
        "19 February 2024",
        "Rhys Reviewing",
    )
    assert j.respond(row, response="The decision is made: long-term fostering").status_code == 302

    j.at(dt.date(2024, 2, 19)).sign_in(reviewing_service_manager)
    response = j.record_outcome(Outcome.RESOLVED, on=dt.date(2024, 2, 19))
    assert response.status_code == 302, _page(response)
    page = j.concern_page()
    assert _state_tag(page) == "Resolved"
    assert f"Concern 1: {DRIFT}" in page
    assert j.concern.state == ConcernState.RESOLVED
    assert j.concern.sub_concerns.get().category.name == DRIFT


# The 20 working days (issue 14 rule 3; IRO Handbook 6.2, seed 000 §4.2) --------------------------
#
# Each council's first formal stage opens on Friday 1 December 2023: the 20 working days end on
# Wednesday 3 January 2024 (25 and 26 December and 1 January are bank holidays). A late answer
# leaves the next stage less than its own days: it is due on the limit's last day. Past the limit
# a stage gets its own days and the concern shows it is over the limit, on its page and in the
# weekly clinic.

LIMIT_ENDS = "3 January 2024"


def _raise_formal(j: Journey, protocol, child, iro, *, level: int, label: str) -> None:
    j.sign_in(iro).start(child, title="Plan drifting", level=level, stage_label=label)
    j.add_sub_concern(protocol.categories.first(), description="Decisions deferred again")
    j.raise_it()


def _escalate(j: Journey, who, *, on: dt.date, to: str, manager: str, due: str, **extra):
    j.at(on).sign_in(who)
    response = j.record_outcome(Outcome.ESCALATE_NEXT, on=on, **extra)
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        f"Escalated to {to} and delegated to {manager}. Response due {due}"
    ]


def _over_the_limit(j: Journey, who) -> None:
    j.sign_in(who)
    assert "Over 20 working days" in _text(j.concern_page())
    clinic = _page(j.client.get(reverse("escalations:weekly_clinic")))
    assert "Over 20 working days" in _text(clinic)


def test_gloucestershire_4_2_journey_formal_stages_capped_at_20_working_days(
    journey, protocols, child, iro, head_of_service, assistant_director, director
):
    protocol = protocols["gloucestershire"]
    j = journey(dt.datetime(2023, 12, 1, 10, 0))
    _raise_formal(j, protocol, child, iro, level=1, label="Formal stage 1")
    _escalate(
        j,
        iro,
        on=dt.date(2023, 12, 8),
        to="Formal stage 2",
        manager="Hana Head",
        due="15 December 2023",
    )
    # Formal 2 answered late: Formal 3's own 5 days would end on 8 January.
    _escalate(
        j,
        iro,
        on=dt.date(2023, 12, 29),
        to="Formal stage 3",
        manager="Ada Director",
        due=LIMIT_ENDS,
    )
    j.sign_in(assistant_director)
    assert j.my_task_for_this_concern().due == LIMIT_ENDS
    # The limit is used up by 4 January: Formal 4 gets its own 5 working days.
    _escalate(
        j,
        iro,
        on=dt.date(2024, 1, 4),
        to="Formal stage 4",
        manager="Dee Safeguarding",
        due="11 January 2024",
    )
    _over_the_limit(j, iro)


def test_cumbria_seed_002_journey_formal_stages_capped_at_20_working_days(
    journey,
    protocols,
    child,
    iro,
    operational_service_manager,
    senior_manager,
    assistant_director,
):
    protocol = presets.activate(protocols["cumbria"])
    j = journey(dt.datetime(2023, 12, 1, 10, 0))
    _raise_formal(j, protocol, child, iro, level=2, label="Stage 2")
    # Stage 2 answered late: Stage 3's own 4 days would end on 4 January.
    _escalate(j, iro, on=dt.date(2023, 12, 28), to="Stage 3", manager="Sena Senior", due=LIMIT_ENDS)
    _escalate(
        j,
        iro,
        on=dt.date(2024, 1, 3),
        to="Stage 4",
        manager="Ada Director",
        due="9 January 2024",
    )
    _over_the_limit(j, iro)


def test_blackpool_seed_004_journey_formal_stages_capped_at_20_working_days(
    journey,
    protocols,
    child,
    iro,
    team_manager,
    iro_team_manager,
    operational_service_manager,
    reviewing_service_manager,
    head_of_service,
):
    protocol = presets.activate(protocols["blackpool"])
    j = journey(dt.datetime(2023, 12, 1, 10, 0))
    _raise_formal(j, protocol, child, iro, level=1, label="Formal stage 1")
    # Formal 1 answered late: Formal 2's own 5 days would end on 8 January.
    _escalate(
        j,
        iro_team_manager,
        on=dt.date(2023, 12, 29),
        to="Formal stage 2",
        manager="Sol Service",
        due=LIMIT_ENDS,
    )
    _escalate(
        j,
        reviewing_service_manager,
        on=dt.date(2024, 1, 5),
        to="Formal stage 3",
        manager="Hana Head",
        due="12 January 2024",
    )
    _over_the_limit(j, iro)


def test_blackpool_iro_handbook_6_2_the_iro_bypasses_to_stage_3_copying_the_sqr_service_manager(
    client,
    journey,
    protocols,
    child,
    iro,
    team_manager,
    reviewing_service_manager,
    head_of_service,
):
    protocol = presets.activate(protocols["blackpool"])
    j = journey(dt.datetime(2024, 2, 5, 10, 0))  # Monday 5 February 2024
    _blackpool_formal_1(j, protocol, child, iro, team_manager)

    # The IRO escalates straight to Formal stage 3, which the SQR Service Manager normally
    # raises, giving the reason: the SQR Service Manager is copied in and told.
    j.at(dt.date(2024, 2, 12)).sign_in(iro)
    page = j.outcome_page()
    assert "Why are you escalating to this stage yourself?" in page
    reason = "The child moves placement next week: the decision cannot wait"
    response = j.record_outcome(
        Outcome.ESCALATE_TO, target_level=3, on=dt.date(2024, 2, 12), bypass_reason=reason
    )
    assert response.status_code == 302, _page(response)
    assert _banners(response) == [
        "Escalated to Formal stage 3 and delegated to Hana Head. Response due 19 February 2024"
    ]
    stage_3 = j.stage(3)
    assert (stage_3.raised_by, stage_3.bypass_reason) == (iro, reason)
    assert j.copied_to(3) == [reviewing_service_manager.pk]
    page = j.concern_page()
    assert "Raised directly by Ira Reviewer because" in page
    assert "Rhys Reviewing (Reviewing Service Manager: normally raises Formal stage 3)" in _text(
        page
    )
    copies = Notification.objects.filter(recipient=reviewing_service_manager, kind=Kind.COPIED)
    assert copies.count() == 1

    j.at(dt.date(2024, 2, 16)).sign_in(head_of_service)
    row = j.my_task_for_this_concern()
    assert (row.stage, row.delegated_by) == ("Formal stage 3", "Ira Reviewer")
    assert j.respond(row, response="Long-term fostering is agreed").status_code == 302
    j.at(dt.date(2024, 2, 19)).sign_in(iro)
    response = j.record_outcome(Outcome.RESOLVED, on=dt.date(2024, 2, 19))
    assert response.status_code == 302, _page(response)
    assert _state_tag(j.concern_page()) == "Resolved"
    # The SQR Service Manager hears of the outcome, as everyone copied does.
    assert Notification.objects.filter(
        recipient=reviewing_service_manager, kind=Kind.OUTCOME
    ).exists()
