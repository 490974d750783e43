"""Pages do a fixed number of queries whatever the data size.

Each page is measured at a small and a large size, inside `django_assert_max_num_queries`, and
the two counts must be equal: My tasks (10 and 200 waiting tasks), the concern list (10 and 200
concerns), the concern page (2 and 30 events, actions, sub-concerns, discussions, files and
tasks) and the weekly clinic (10 and 200 concerns). The data is built through the services, as
the app builds it, kept simple so the whole file stays quick on SQLite.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from escalations import rules, services
from escalations.models import Concern, Outcome, Task, TaskState
from escalations.views.lists import CLINIC_PAGE_SIZE
from prp.models import ProtocolCategory, RoleCode
from tests.builders import allocate, fresh, outcome_recorded, raised_concern
from tests.factories import ChildFactory, PostFactory, RoleFactory, UserFactory

FRIDAY = dt.datetime(2023, 12, 1, 10, 0)
AGREED = dt.date(2023, 12, 8)
# A ceiling well above what any of these pages needs; the real test is small == large.
CEILING = 30


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def children(gloucestershire, team, social_worker, iro, child):
    """A handful of children in the team, so the concerns are not all about one child."""
    more = [
        allocate(ChildFactory(), team=team, social_worker=social_worker, reviewing_officer=iro)
        for _ in range(3)
    ]
    return [child, *more]


def _raise_many(count, *, raiser, children, delegate_to, start=0) -> list[Concern]:
    """`count` raised concerns: a third informal (agreed date), the rest at Formal stage 1."""
    category = ProtocolCategory.objects.filter(protocol__is_active=True).first()
    raised = []
    for number in range(start, start + count):
        level = 0 if number % 3 == 0 else 1
        concern = raised_concern(
            raiser,
            children[number % len(children)],
            delegate_to,
            level=level,
            agreed=AGREED if level == 0 else None,
            title=f"Concern {number}",
            descriptions=[f"What is wrong {number}"],
            impact_on_child="The plan drifts",
            child_views="",
            category=category,
        )
        raised.append(concern)
    return raised


def _resolve(concerns, by):
    for concern in concerns:
        outcome_recorded(concern, by, Outcome.RESOLVED, comments="Done")


def _measure(client, url, assert_max, params=None) -> tuple[int, str]:
    with assert_max(CEILING) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


# My tasks ----------------------------------------------------------------------------------------


def test_my_tasks_does_the_same_queries_for_10_and_200_waiting_tasks(
    client, children, iro, team_manager, django_assert_max_num_queries
):
    url = reverse("escalations:task_inbox")
    _raise_many(10, raiser=iro, children=children, delegate_to=team_manager)
    client.force_login(team_manager)
    client.get(url)  # warm the calendar and the session
    small, page = _measure(client, url, django_assert_max_num_queries)
    assert "10 tasks waiting for your response" in page

    _raise_many(190, raiser=iro, children=children, delegate_to=team_manager, start=10)
    large, page = _measure(client, url, django_assert_max_num_queries)
    assert "200 tasks waiting for your response" in page
    assert page.count("/tasks/") >= 25
    assert large == small
    # Later pages and the answered tasks too.
    last, _ = _measure(client, url, django_assert_max_num_queries, {"page": "8"})
    assert last == small
    every, _ = _measure(client, url, django_assert_max_num_queries, {"show": "all", "page": "2"})
    assert every == small


# The concern list --------------------------------------------------------------------------------


def test_the_concern_list_does_the_same_queries_for_10_and_200_concerns(
    client, children, iro, team_manager, service_manager, django_assert_max_num_queries
):
    url = reverse("escalations:concern_list")
    params = {"scope": "all", "state": "any"}
    first = _raise_many(10, raiser=iro, children=children, delegate_to=team_manager)
    _resolve(first[:2], iro)
    client.force_login(service_manager)
    client.get(url, params)
    small, page = _measure(client, url, django_assert_max_num_queries, params)
    assert page.count("PRP-") >= 10

    more = _raise_many(190, raiser=iro, children=children, delegate_to=team_manager, start=10)
    _resolve(more[-5:], iro)  # the newest page mixes resolved and open concerns
    large, page = _measure(client, url, django_assert_max_num_queries, params)
    assert page.count("PRP-") >= 25
    assert large == small
    middle, _ = _measure(client, url, django_assert_max_num_queries, {**params, "page": "4"})
    assert middle == small


# The concern page --------------------------------------------------------------------------------


@pytest.fixture
def ladder(operational_service, directorate, head_of_service, assistant_director):
    """Everyone the Gloucestershire ladder needs for a child in care, up to Formal stage 4."""
    director = PostFactory(
        unit=directorate,
        role=RoleFactory(code=RoleCode.DIRECTOR),
        holder=UserFactory(full_name="Dee Safeguarding", roles=[RoleCode.DIRECTOR]),
    ).holder
    return [head_of_service, assistant_director, director]


def _grow(concern, *, iro, team_manager, other, size, levels):
    """`size` sub-concerns, actions (half done), discussions, files and re-delegations, then
    escalate `levels` times to the stage's usual person: every one writes events too."""
    category = ProtocolCategory.objects.filter(protocol=concern.protocol).first()
    for number in range(size):
        services.sub_concern_add(
            concern=concern,
            by=iro,
            category=category,
            description=f"Concern {number}",
            impact_on_child="Drift",
            child_views="Wants a decision",
        )
        action = services.action_add(
            concern=concern,
            by=iro,
            description=f"Action {number}",
            due_on=dt.date(2023, 12, 15),
            owner=team_manager if number % 2 else None,
            owner_name="" if number % 2 else "Dr Patel, school nurse",
        )
        if number % 2:
            services.action_mark_done(action=action, by=iro, done_on=dt.date(2023, 12, 1))
        services.discussion_add(
            concern=concern,
            by=iro,
            held_on=dt.date(2023, 11, 30),
            held_with=f"Person {number}",
            summary="Talked it through",
        )
        services.attachment_add(
            concern=concern,
            by=iro,
            upload=SimpleUploadedFile(f"note {number}.txt", b"notes", content_type="text/plain"),
        )
        # Move the task to the other person and back: a retracted task and an event each time.
        current = fresh(concern)
        services.task_redelegate(
            stage=current.current_stage,
            by=iro,
            lock_version=current.lock_version,
            assignee=other if number % 2 == 0 else team_manager,
            note=f"Moving it {number}",
        )
    for _ in range(levels):
        current = fresh(concern)
        task = Task.objects.get(stage=current.current_stage, state=TaskState.ACTIVE)
        services.task_respond(
            task=task,
            by=task.assignee,
            lock_version=task.lock_version,
            response_option=None,
            response="Not yet",
            actions_agreed="Meeting booked",
        )
        current = fresh(concern)
        services.stage_record_outcome(
            concern=current,
            by=iro,
            lock_version=current.lock_version,
            outcome=Outcome.ESCALATE_NEXT,
            comments="Not resolved",
            legal_advice_sought=False,
            cafcass_considered=True,
            delegate_to=rules.default_assignee(current, _next_stage(current)),
        )


def _next_stage(concern):
    return concern.protocol.stages.filter(level__gt=concern.current_stage.level).first()


def test_the_concern_page_does_the_same_queries_for_2_and_30_of_everything(
    client,
    settings,
    tmp_path,
    children,
    ladder,
    iro,
    team_manager,
    head_of_service,
    django_assert_max_num_queries,
):
    settings.MEDIA_ROOT = tmp_path
    small_concern, large_concern = _raise_many(
        2, raiser=iro, children=children, delegate_to=team_manager
    )
    _grow(
        small_concern, iro=iro, team_manager=team_manager, other=head_of_service, size=2, levels=1
    )
    _grow(
        large_concern, iro=iro, team_manager=team_manager, other=head_of_service, size=30, levels=3
    )
    large_concern = fresh(large_concern)
    assert large_concern.current_stage.level == 4
    assert large_concern.events.count() > 150
    assert Task.objects.filter(stage__concern=large_concern).count() > 30

    for viewer in (iro, team_manager):
        client.force_login(viewer)
        small_url = reverse("escalations:concern_detail", args=[small_concern.pk])
        large_url = reverse("escalations:concern_detail", args=[large_concern.pk])
        client.get(small_url)
        small, page = _measure(client, small_url, django_assert_max_num_queries)
        assert "Concern 1" in page
        large, page = _measure(client, large_url, django_assert_max_num_queries)
        assert "Concern 29" in page and "Action 29" in page and "note 29.txt" in page
        assert "Person 29" in page and "Formal stage 4" in page
        assert large == small, viewer


# The weekly clinic -------------------------------------------------------------------------------


def _good_practice(count, *, iro, social_worker, child):
    category = ProtocolCategory.objects.filter(protocol__is_active=True).first()
    for number in range(count):
        services.good_practice_note_send(
            author=iro,
            recipient=social_worker,
            category=category,
            note=f"Good visit {number}",
            impact_on_child="The child felt heard",
            child=child,
        )


def test_the_weekly_clinic_does_the_same_queries_for_10_and_200_concerns(
    client,
    children,
    iro,
    social_worker,
    team_manager,
    service_manager,
    django_assert_max_num_queries,
):
    url = reverse("escalations:weekly_clinic")
    first = _raise_many(10, raiser=iro, children=children, delegate_to=team_manager)
    _resolve(first[:1], iro)  # closed concerns are not shown
    _good_practice(2, iro=iro, social_worker=social_worker, child=children[0])
    for viewer in (service_manager, iro):
        client.force_login(viewer)
        client.get(url)
    client.force_login(service_manager)
    small_manager, page = _measure(client, url, django_assert_max_num_queries)
    assert page.count("PRP-") >= 9
    client.force_login(iro)
    small_iro, _ = _measure(client, url, django_assert_max_num_queries)

    _raise_many(190, raiser=iro, children=children, delegate_to=team_manager, start=10)
    _good_practice(20, iro=iro, social_worker=social_worker, child=children[1])
    client.force_login(service_manager)
    large_manager, page = _measure(client, url, django_assert_max_num_queries)
    # One page of the clinic at a time, each heading with its whole count.
    assert page.count("PRP-") == CLINIC_PAGE_SIZE
    assert "199 concerns in all" in page
    assert "Good visit 19" in page
    assert "Good practice notes sent in the last 7 days (22): the 20 most recent" in page
    assert large_manager == small_manager
    last_page, page = _measure(client, url, django_assert_max_num_queries, {"page": 4})
    assert page.count("PRP-") == 199 - 3 * CLINIC_PAGE_SIZE
    assert "continued" in page
    assert last_page == small_manager
    client.force_login(iro)
    large_iro, _ = _measure(client, url, django_assert_max_num_queries)
    assert large_iro == small_iro
