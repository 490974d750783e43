"""The manager's task page shows the children and the concern's earlier stages, so the manager
need not open another page; in a number of queries that does not grow with either."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import LegalStatus
from escalations import services
from escalations.models import Concern
from tests.builders import raised_task, responded_task
from tests.factories import ChildFactory

FRIDAY = dt.datetime(2023, 12, 1, 10, 0)


@pytest.fixture
def clock():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


def escalated(task, iro, to):
    """Answer the task and escalate its concern to the next stage, delegated to `to`."""
    responded_task(task, response=f"Answer to {task.stage.protocol_stage.label}")
    concern = Concern.objects.get(pk=task.stage.concern_id)
    services.stage_record_outcome(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        outcome="escalate_next",
        comments=f"Not enough progress at {task.stage.protocol_stage.label}",
        legal_advice_sought=False,
        cafcass_considered=False,
        delegate_to=to,
    )
    return Concern.objects.get(pk=concern.pk).current_stage.tasks.get()


def test_the_task_page_shows_each_child_and_the_earlier_stage(
    client, gloucestershire, iro, team_manager, head_of_service, child, clock
):
    sibling = ChildFactory(
        first_name="Leo",
        date_of_birth=dt.date(2019, 12, 2),
        legal_status=LegalStatus.SECTION_20,
    )
    first = raised_task(iro, [child, sibling], delegate_to=team_manager)
    second = escalated(first, iro, head_of_service)
    client.force_login(head_of_service)
    page = client.get(reverse("escalations:task_detail", args=[second.pk])).content.decode()

    assert "About the children" in page
    assert f"{child.full_name} (the child the concern is mainly about)" in page
    assert f"{sibling.full_name} (sibling)" in page
    assert "3 (born 2 December 2019)" in page  # a day short of 4 on 1 December 2023
    assert "Accommodated by agreement (section 20)" in page
    assert str(child.team) in page
    assert str(child.social_worker) in page
    assert "Not allocated" in page  # the sibling has no social worker
    assert "No team" in page

    earlier = page.split("Earlier stages", 1)[1]
    assert "Formal stage 1" in earlier
    assert f"{iro}, 1 December 2023" in earlier  # who raised it, when
    assert "Answer to Formal stage 1" in earlier
    assert f"recorded by {iro} on 1 December 2023" in earlier
    assert "Not enough progress at Formal stage 1" in earlier


def test_the_task_page_queries_do_not_grow_with_stages_or_children(
    client,
    gloucestershire,
    iro,
    team_manager,
    head_of_service,
    assistant_director,
    child,
    clock,
    django_assert_max_num_queries,
):
    small = escalated(raised_task(iro, [child], delegate_to=team_manager), iro, head_of_service)
    big_first = raised_task(
        iro, [child, ChildFactory(), ChildFactory(), ChildFactory()], delegate_to=team_manager
    )
    big = escalated(escalated(big_first, iro, head_of_service), iro, assistant_director)
    client.force_login(head_of_service)
    client.get(reverse("escalations:task_detail", args=[small.pk]))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("escalations:task_detail", args=[small.pk]))
    assert response.status_code == 200
    small_count = len(queries.captured_queries)  # the next request clears the log
    client.force_login(assistant_director)
    client.get(reverse("escalations:task_detail", args=[big.pk]))
    with django_assert_max_num_queries(small_count):
        page = client.get(reverse("escalations:task_detail", args=[big.pk])).content.decode()
    assert page.count('class="govuk-summary-list app-child-details"') == 4
    assert page.count('class="govuk-summary-list app-earlier-stage"') == 2
