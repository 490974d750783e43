"""After the raise: the team manager answers the task, the IRO escalates when the answer does not
resolve it, and the IRO takes a task back and gives it to someone else.

The concern is raised through the services here; tests/browser/test_raise_a_concern.py proves
the raise through the pages. Screenshots: docs/screenshots/manager-responds/,
docs/screenshots/not-resolved-escalate/ and docs/screenshots/retract-and-redelegate/.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.models import Concern, ConcernState, Outcome, Task, TaskState
from prp import workdays
from prp.models import RoleCode
from tests.browser.journey import Journey, install_protocols, long_date, raise_concern, respond
from tests.factories import UserFactory

TITLE = "Permanence plan not agreed"
RESPONSE = "I will hold a permanence planning meeting with the social worker this week."
ACTIONS = "Book the permanence planning meeting by Friday."

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


@pytest.fixture
def raised(child, iro, team_manager) -> Task:
    install_protocols()
    return raise_concern(iro, [child], delegate_to=team_manager, title=TITLE)


def due_in(days: int) -> str:
    return long_date(workdays.add_working_days(timezone.localdate(), days))


def test_team_manager_saves_a_draft_comes_back_and_responds(
    page, live_server, page_checks, raised, team_manager
):
    journey = Journey(page, live_server.url, "manager-responds", page_checks)
    concern = raised.stage.concern
    journey.sign_in(team_manager, "sign-in")
    expect(journey.h1()).to_have_text("Hello, Tom")

    journey.menu("My tasks")
    expect(journey.h1()).to_have_text("My tasks")
    row = journey.row(concern.reference)
    for text in ("Amara Okafor", "Formal stage 1", "Ira Reviewer", due_in(5)):
        expect(row).to_contain_text(text)
    journey.check("my-tasks")
    row.get_by_role("link", name=concern.reference).click()

    expect(journey.h1()).to_have_text(TITLE)
    expect(page.get_by_text("There is still no permanence plan.")).to_be_visible()
    expect(page.get_by_text("The last review's recommendations")).to_be_visible()
    page.get_by_label("Your response", exact=True).fill(RESPONSE)
    page.get_by_label("Actions you agree to take (optional)").fill(ACTIONS)
    journey.check("task")
    page.get_by_role("button", name="Save draft").click()
    journey.banner("Draft saved. It has not been sent.")
    journey.check("draft-saved")
    saved = Task.objects.get(pk=raised.pk)
    assert (saved.state, saved.response, saved.actions_agreed) == (
        TaskState.ACTIVE,
        RESPONSE,
        ACTIONS,
    )
    assert saved.draft_saved_at is not None

    # Away and back through the list: the draft is still there, and still not sent.
    journey.menu("Home")
    journey.menu("My tasks")
    journey.row(concern.reference).get_by_role("link", name=concern.reference).click()
    expect(page.get_by_label("Your response", exact=True)).to_have_value(RESPONSE)
    expect(page.get_by_label("Actions you agree to take (optional)")).to_have_value(ACTIONS)
    expect(page.get_by_text("It has not been sent.")).to_be_visible()
    journey.check("draft-kept")

    page.get_by_role("button", name="Send response").click()
    journey.banner("Response sent to Ira Reviewer")
    expect(journey.h1()).to_have_text("My tasks")
    expect(page.get_by_text("0 tasks waiting for your response")).to_be_visible()
    journey.check("response-sent")
    sent = Task.objects.get(pk=raised.pk)
    assert (sent.state, sent.response) == (TaskState.RESPONDED, RESPONSE)
    assert sent.responded_at is not None
    assert journey.errors == []


def test_iro_records_not_resolved_and_escalates_to_stage_2(
    page, live_server, page_checks, raised, iro, team_manager, head_of_service
):
    respond(raised, team_manager, RESPONSE)
    concern = raised.stage.concern
    journey = Journey(page, live_server.url, "not-resolved-escalate", page_checks)
    journey.sign_in(iro, "sign-in")
    journey.menu("Concerns")
    expect(journey.h1()).to_have_text("My concerns")
    journey.check("my-concerns")
    page.get_by_role("link", name=concern.reference).click()
    expect(page.get_by_text(RESPONSE)).to_be_visible()
    expect(page.get_by_text("Ira Reviewer, to record the outcome")).to_be_visible()
    journey.check("concern-with-response")

    page.get_by_role("link", name="Record the outcome").click()
    expect(journey.h1()).to_have_text("Record the outcome of Formal stage 1")
    # Who stage 2 goes to unless the IRO chooses someone else.
    expect(page.get_by_text("Formal stage 2: Hana Head")).to_be_visible()
    page.get_by_label("Not resolved: escalate to Formal stage 2").check()
    page.get_by_label("Your comments on the outcome").fill(
        "The response does not set a date for the permanence planning meeting."
    )
    page.get_by_role("group", name="Was independent legal advice sought?").get_by_label(
        "No"
    ).check()
    page.get_by_role("group", name="Was a referral to CAFCASS considered?").get_by_label(
        "No"
    ).check()
    journey.check("record-outcome")
    page.get_by_role("button", name="Record the outcome").click()

    due = due_in(5)
    journey.banner(f"Escalated to Formal stage 2 and delegated to Hana Head. Response due {due}")
    expect(journey.h1()).to_contain_text(TITLE)
    expect(page.get_by_text("Hana Head, for a response")).to_be_visible()
    journey.check("escalated")

    concern = Concern.objects.get(pk=concern.pk)
    assert concern.state == ConcernState.FORMAL
    first, second = concern.stages.order_by("level")
    assert (first.level, first.outcome, first.is_open) == (1, Outcome.ESCALATE_NEXT, False)
    assert (second.level, second.is_open, long_date(second.due_on)) == (2, True, due)
    task = second.tasks.get()
    assert (task.assignee_id, task.state) == (head_of_service.pk, TaskState.ACTIVE)
    journey.sign_out()

    # The head of service has the new task.
    journey.sign_in(head_of_service)
    journey.menu("My tasks")
    row = journey.row(concern.reference)
    expect(row).to_contain_text("Formal stage 2")
    expect(row).to_contain_text(due)
    journey.check("head-of-service-tasks")
    assert journey.errors == []


def test_iro_takes_back_the_task_and_delegates_it_to_someone_else(
    page, live_server, page_checks, raised, iro, team_manager, team
):
    deputy = UserFactory(
        full_name="Dee Deputy",
        job_title="Deputy team manager",
        roles=[RoleCode.TEAM_MANAGER],
        team=team,
    )
    concern = raised.stage.concern
    journey = Journey(page, live_server.url, "retract-and-redelegate", page_checks)
    journey.sign_in(iro, "sign-in")
    journey.goto(f"/concerns/{concern.pk}/")
    expect(page.get_by_text("Tom Manager, for a response")).to_be_visible()
    journey.check("concern")

    page.get_by_role("link", name="Retract the task from Tom Manager").click()
    expect(journey.h1()).to_have_text("Take back the task from Tom Manager")
    page.get_by_label("The person is absent").check()
    page.get_by_label("Note for the person the task is taken from").fill(
        "You are on leave until the end of the month, so Dee will answer."
    )
    journey.check("take-back")
    page.get_by_role("button", name="Take back the task").click()
    journey.banner("Task taken back from Tom Manager. Their draft has been kept.")
    expect(page.get_by_text("Retracted").first).to_be_visible()
    journey.check("taken-back")
    retracted = Task.objects.get(pk=raised.pk)
    assert retracted.state == TaskState.RETRACTED

    page.get_by_role("link", name="Delegate this stage").click()
    expect(journey.h1()).to_contain_text("Formal stage 1")
    # Each person is named with their role and team, so two people of one name are told apart.
    page.get_by_label("Who should the task go to?").select_option(
        label=f"Dee Deputy (Deputy team manager, {team})"
    )
    page.get_by_label("Why is the task moving?").fill("Tom is on leave until the end of the month.")
    journey.check("redelegate")
    page.get_by_role("button", name="Re-delegate the task").click()
    journey.banner("Task re-delegated to Dee Deputy. Response due")
    expect(page.get_by_text("Dee Deputy, for a response")).to_be_visible()
    journey.check("redelegated")
    live = Task.objects.get(stage=raised.stage, state=TaskState.ACTIVE)
    assert live.assignee_id == deputy.pk
    journey.sign_out()

    # The new assignee sees it; the old one no longer does.
    journey.sign_in(deputy)
    journey.menu("My tasks")
    row = journey.row(concern.reference)
    expect(row).to_contain_text("Amara Okafor")
    journey.check("deputy-tasks")
    row.get_by_role("link", name=concern.reference).click()
    expect(journey.h1()).to_have_text(TITLE)
    expect(page.get_by_label("Your response", exact=True)).to_be_editable()
    journey.check("deputy-task")
    journey.sign_out()

    journey.sign_in(team_manager)
    journey.menu("My tasks")
    expect(page.get_by_text("0 tasks waiting for your response")).to_be_visible()
    journey.check("manager-tasks-empty")
    assert journey.errors == []
