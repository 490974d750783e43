"""Which messages each change of the pathway queues, and how the outbox sends them.

Each change is driven through escalations.services, as the pages do. The outbox rows are
checked exactly (who, what kind, which page), then `send_due` is run as the worker runs it.
"""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from escalations import services
from escalations.models import Outcome, TaskState
from notifications import services as outbox
from notifications.models import Kind, Notification, Status
from prp.models import ProtocolCategory, RoleCode
from tests.builders import fresh, live_task, outcome_recorded, raised_concern, responded_task
from tests.factories import PostFactory, RoleFactory, UserFactory

FRIDAY_1_DEC_2023 = dt.datetime(2023, 12, 1, 10, 0)
FRIDAY_8_DEC_2023 = dt.datetime(2023, 12, 8, 10, 0)

pytestmark = pytest.mark.usefixtures("gloucestershire")


class BrokenEmailBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


BROKEN_BACKEND = f"{__name__}.BrokenEmailBackend"


# Driving the pathway -------------------------------------------------------------------------


def mark() -> int:
    """The last row queued so far: rows after it are the ones the next change queues."""
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def queued_since(last: int) -> list[Notification]:
    return list(Notification.objects.filter(pk__gt=last).select_related("recipient"))


def who(rows) -> set[tuple[str, str]]:
    return {(row.recipient.full_name, row.kind) for row in rows}


def assert_mentions(row: Notification, *phrases: str) -> None:
    for phrase in phrases:
        assert phrase in row.subject or phrase in row.body_text, (phrase, row.subject)
        assert phrase in row.body_text, (phrase, row.body_text)
        assert phrase in row.body_html.replace("&#x27;", "'"), (phrase, row.body_html)


def task_url(task) -> str:
    return reverse("escalations:task_detail", args=[task.pk])


def concern_url(concern) -> str:
    return reverse("escalations:concern_detail", args=[concern.pk])


@pytest.fixture
def director(directorate):
    return PostFactory(
        unit=directorate,
        role=RoleFactory(code=RoleCode.DIRECTOR),
        holder=UserFactory(full_name="Dee Director", roles=[RoleCode.DIRECTOR]),
    ).holder


# What each change queues ---------------------------------------------------------------------


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_raising_delegates_to_the_team_manager(child, iro, team_manager):
    last = mark()
    concern = raised_concern(iro, child, team_manager)
    task = live_task(concern)
    rows = queued_since(last)
    assert who(rows) == {("Tom Manager", Kind.DELEGATED)}
    [row] = rows
    assert (row.recipient, row.url, row.concern, row.task) == (
        team_manager,
        task_url(task),
        concern,
        task,
    )
    assert row.subject == ("Concern about Amara Okafor: your response is needed by 8 December 2023")
    assert_mentions(row, "Amara Okafor", "8 December 2023", concern.reference)
    # The link in the email is the full address of the task page.
    assert f"http://127.0.0.1:8000{task_url(task)}" in row.body_text
    assert f'href="http://127.0.0.1:8000{task_url(task)}"' in row.body_html
    assert (row.status, row.attempts, row.by_digest) == (Status.PENDING, 0, False)


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_a_response_tells_the_raiser(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    last = mark()
    responded_task(live_task(concern), team_manager)
    rows = queued_since(last)
    assert who(rows) == {("Ira Reviewer", Kind.RESPONDED)}
    [row] = rows
    assert row.url == concern_url(concern)
    assert row.subject == "Tom Manager has responded to the concern about Amara Okafor"
    assert_mentions(row, "Amara Okafor", "Formal stage 1")


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_escalating_tells_the_next_manager_and_copies_the_director(
    child, iro, team_manager, social_worker, head_of_service, director
):
    concern = raised_concern(iro, child, team_manager)
    responded_task(live_task(concern), team_manager)
    last = mark()
    with time_machine.travel(FRIDAY_8_DEC_2023, tick=False):
        outcome_recorded(
            concern, iro, Outcome.ESCALATE_TO, target_level=3, delegate_to=head_of_service
        )
    task = live_task(concern)
    rows = queued_since(last)
    assert who(rows) == {
        # The outcome of formal stage 1 goes to the child's social worker and team manager.
        ("Sam Worker", Kind.OUTCOME),
        ("Tom Manager", Kind.OUTCOME),
        # Formal stage 3 goes to the Head of Service, copying the Director.
        ("Hana Head", Kind.ESCALATED),
        ("Dee Director", Kind.COPIED),
    }
    by_kind = {row.kind: row for row in rows}
    escalated = by_kind[Kind.ESCALATED]
    assert escalated.url == task_url(task)
    assert escalated.subject == (
        "Concern about Amara Okafor escalated to you: respond by 15 December 2023"
    )
    assert_mentions(escalated, "Amara Okafor", "15 December 2023", "Formal stage 3")
    copied = by_kind[Kind.COPIED]
    assert copied.url == concern_url(concern)
    assert copied.subject == "For information: concern about Amara Okafor at Formal stage 3"
    assert_mentions(copied, "Amara Okafor", "15 December 2023", "Hana Head")
    for row in rows:
        assert row.concern == concern


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_a_delegation_at_formal_stage_3_copies_the_director(
    child, iro, team_manager, head_of_service, director
):
    concern = raised_concern(iro, child, team_manager)
    responded_task(live_task(concern), team_manager)
    outcome_recorded(concern, iro, Outcome.ESCALATE_TO, target_level=3, delegate_to=head_of_service)
    concern = fresh(concern)
    cover = UserFactory(full_name="Cara Cover", roles=[RoleCode.HEAD_OF_SERVICE])
    last = mark()
    services.task_redelegate(
        stage=concern.current_stage,
        by=iro,
        lock_version=concern.lock_version,
        assignee=cover,
        note="Hana is on leave",
    )
    new_task = live_task(concern)
    rows = queued_since(last)
    assert who(rows) == {
        ("Hana Head", Kind.RETRACTED),
        ("Cara Cover", Kind.DELEGATED),
        ("Dee Director", Kind.COPIED),
    }
    delegated = next(row for row in rows if row.kind == Kind.DELEGATED)
    assert delegated.url == task_url(new_task)
    assert_mentions(delegated, "Amara Okafor", "8 December 2023")


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_an_outcome_goes_to_the_social_worker_manager_and_copy_list_not_the_recorder(
    child, iro, team_manager, social_worker, head_of_service, director
):
    concern = raised_concern(iro, child, team_manager)
    responded_task(live_task(concern), team_manager)
    outcome_recorded(concern, iro, Outcome.ESCALATE_TO, target_level=3, delegate_to=head_of_service)
    responded_task(live_task(concern), head_of_service)
    last = mark()
    stage = outcome_recorded(concern, iro, Outcome.RESOLVED)
    rows = queued_since(last)
    assert who(rows) == {
        ("Sam Worker", Kind.OUTCOME),
        ("Tom Manager", Kind.OUTCOME),
        ("Dee Director", Kind.OUTCOME),
    }
    assert iro not in {row.recipient for row in rows}
    for row in rows:
        assert row.url == concern_url(concern)
        assert row.subject == "Outcome recorded: concern about Amara Okafor, Formal stage 3"
        assert_mentions(row, "Amara Okafor", "Resolved", "Recorded in the test")
    assert stage.outcome == Outcome.RESOLVED


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_an_outcome_with_a_task_still_open_tells_its_assignee_it_was_taken_back(
    child, iro, team_manager, social_worker
):
    concern = raised_concern(iro, child, team_manager)
    task = live_task(concern)
    last = mark()
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    rows = queued_since(last)
    assert who(rows) == {
        ("Tom Manager", Kind.RETRACTED),
        ("Sam Worker", Kind.OUTCOME),
        ("Tom Manager", Kind.OUTCOME),
    }
    retracted = next(row for row in rows if row.kind == Kind.RETRACTED)
    assert retracted.url == task_url(task)


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_retracting_tells_the_assignee(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    task = live_task(concern)
    last = mark()
    services.task_retract(
        task=task, by=iro, lock_version=task.lock_version, reason="absent", note="On leave"
    )
    rows = queued_since(last)
    assert who(rows) == {("Tom Manager", Kind.RETRACTED)}
    [row] = rows
    assert row.url == task_url(task)
    assert row.subject == "A task about Amara Okafor has been taken back from you"
    assert_mentions(row, "Amara Okafor", "On leave", "Ira Reviewer")


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_reopening_a_response_tells_the_assignee_the_new_date(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    task = responded_task(live_task(concern), team_manager)
    last = mark()
    services.task_reactivate(
        task=task, by=iro, lock_version=task.lock_version, due_on=dt.date(2023, 12, 12)
    )
    rows = queued_since(last)
    assert who(rows) == {("Tom Manager", Kind.REACTIVATED)}
    [row] = rows
    assert row.url == task_url(task)
    assert row.subject == (
        "Your response about Amara Okafor has been reopened: respond by 12 December 2023"
    )
    assert_mentions(row, "Amara Okafor", "12 December 2023")


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_a_good_practice_note_goes_to_the_person_and_copies_their_manager(
    child, iro, social_worker, team_manager, gloucestershire
):
    last = mark()
    services.good_practice_note_send(
        author=iro,
        recipient=social_worker,
        category=ProtocolCategory.objects.filter(protocol=gloucestershire).first(),
        note="Sam got Amara's views into the plan",
        impact_on_child="Amara felt listened to",
        child=child,
    )
    rows = queued_since(last)
    assert who(rows) == {("Sam Worker", Kind.GOOD_PRACTICE), ("Tom Manager", Kind.GOOD_PRACTICE)}
    by_person = {row.recipient.full_name: row for row in rows}
    assert by_person["Sam Worker"].subject == "Good practice note from Ira Reviewer"
    assert by_person["Tom Manager"].subject == (
        "Good practice note for Sam Worker from Ira Reviewer"
    )
    for row in rows:
        assert row.url == reverse("escalations:good_practice_list")
        assert row.child == child
        assert_mentions(row, "Ira Reviewer", "Sam got Amara's views into the plan")


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_a_change_that_fails_queues_nothing(child, iro, team_manager, head_of_service):
    concern = raised_concern(iro, child, team_manager)
    task = live_task(concern)
    last = mark()
    # The outcome and the retraction are queued before the next stage refuses to open with
    # nobody to delegate to: the whole change, messages included, is rolled back.
    with pytest.raises(ValidationError):
        outcome_recorded(concern, iro, Outcome.ESCALATE_NEXT, delegate_to=None)
    assert queued_since(last) == []
    assert fresh(task).state == TaskState.ACTIVE
    with pytest.raises(ValidationError):
        services.task_retract(
            task=task, by=iro, lock_version=task.lock_version, reason="absent", note=" "
        )
    assert queued_since(last) == []


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_an_inactive_person_is_not_sent_anything(child, iro, team_manager, social_worker):
    concern = raised_concern(iro, child, team_manager)
    social_worker.is_active = False
    social_worker.save()
    last = mark()
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    assert ("Sam Worker", Kind.OUTCOME) not in who(queued_since(last))


# Sending -------------------------------------------------------------------------------------


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_each_message_is_emailed_once_with_text_and_html(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    responded_task(live_task(concern), team_manager)
    rows = Notification.objects.select_related("recipient").order_by("pk")
    assert [(row.recipient, row.kind) for row in rows] == [
        (team_manager, Kind.DELEGATED),
        (iro, Kind.RESPONDED),
    ]
    mail.outbox = []

    assert outbox.send_due() == 2

    assert len(mail.outbox) == 2
    for row, email in zip(rows, mail.outbox, strict=True):
        assert email.to == [row.recipient.email]
        assert email.subject == row.subject
        assert email.body == row.body_text
        assert email.alternatives == [(row.body_html, "text/html")]
        assert "Amara Okafor" in email.body
    sent = Notification.objects.get(kind=Kind.DELEGATED)
    assert (sent.status, sent.attempts, sent.last_error) == (Status.SENT, 1, "")
    assert sent.sent_at is not None

    assert outbox.send_due() == 0
    assert len(mail.outbox) == 2


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_a_message_not_yet_due_waits(child, iro, team_manager):
    raised_concern(iro, child, team_manager)
    Notification.objects.update(send_after=dt.datetime(2023, 12, 4, 8, 0, tzinfo=dt.UTC))
    mail.outbox = []
    assert outbox.send_due() == 0
    assert outbox.send_due(now=dt.datetime(2023, 12, 4, 8, 0, tzinfo=dt.UTC)) == 1
    assert len(mail.outbox) == 1


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_a_failing_mail_server_is_retried_then_given_up_then_retried_by_hand(
    child, iro, team_manager, settings
):
    raised_concern(iro, child, team_manager)
    row = Notification.objects.get()
    mail.outbox = []
    settings.EMAIL_BACKEND = BROKEN_BACKEND
    now = dt.datetime(2023, 12, 1, 10, 0, tzinfo=dt.UTC)

    assert outbox.send_due(now=now) == 0

    row = fresh(row)
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert row.send_after == now + dt.timedelta(minutes=outbox.BACKOFF_MINUTES[0])
    # Not due again until its back-off has passed.
    assert outbox.send_due(now=now + dt.timedelta(seconds=30)) == 0
    assert fresh(row).attempts == 1

    for attempt in range(2, settings.OUTBOX_MAX_ATTEMPTS + 1):
        outbox.send_due(now=fresh(row).send_after)
        row = fresh(row)
        assert row.attempts == attempt
    assert row.status == Status.FAILED
    assert row.last_error.startswith("SMTPServerDisconnected")
    assert outbox.send_due(now=row.send_after + dt.timedelta(days=1)) == 0
    assert mail.outbox == []

    assert outbox.retry(Notification.objects.filter(pk=row.pk)) == 1
    row = fresh(row)
    assert (row.status, row.attempts, row.last_error) == (Status.PENDING, 0, "")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.send_due() == 1
    assert [email.to for email in mail.outbox] == [[team_manager.email]]
    assert fresh(row).status == Status.SENT


def test_retry_leaves_messages_that_did_not_fail_alone(child, iro, team_manager):
    raised_concern(iro, child, team_manager)
    row = Notification.objects.get()
    outbox.send_due()
    assert outbox.retry(Notification.objects.all()) == 0
    assert fresh(row).status == Status.SENT


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_plain_text_is_not_html_escaped(child, iro, team_manager):
    child.last_name = "O'Neil"
    child.save()
    raised_concern(iro, child, team_manager)
    row = Notification.objects.get()
    assert row.subject.startswith("Concern about Amara O'Neil:")
    assert "Amara O'Neil" in row.body_text
    assert "&#x27;" not in row.body_text
    assert "Amara O&#x27;Neil" in row.body_html
