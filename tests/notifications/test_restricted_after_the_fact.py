"""A child restricted after the messages about them were queued (issue 13, section 1).

The review's reproduction: an IRO raises a concern about Amara and delegates it to her team
manager; an administrator then restricts Amara's record and names only the IRO. The team manager
no longer sees Amara, so nothing about her reaches them any more: not their notifications list,
the message itself, the unread count, nor any email still waiting (on its own, in the daily or
the team digest, or after a retry). What was not sent says why. Her social worker, allocated to
her, still hears.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.models import Kind, Notification, Status
from notifications.selectors import unread_count
from notifications.services import retry, send_due
from reminders import digests
from tests.builders import fresh, raised_task
from tests.notifications.test_chase import at

pytestmark = pytest.mark.usefixtures("gloucestershire")

RESTRICTED = "the recipient may no longer hear about a child the concern is about"
# Thursday 13 November 2025, 7am: before working hours, so what is queued waits until 8am.
EARLY = at(2025, 11, 13, 7)
MORNING = at(2025, 11, 13, 10)


def restrict(child, *named):
    """What an administrator does in the admin: restrict the record and name who may see it."""
    child = fresh(child)
    child.restricted = True
    child.save()
    child.named_users.set(named)
    return child


def emails_to(person) -> list:
    return [email for email in mail.outbox if person.email in email.to]


@pytest.fixture
def delegated(child, iro, team_manager):
    """Amara's concern, delegated to her team manager before working hours: the email waits."""
    with time_machine.travel(EARLY, tick=False):
        task = raised_task(iro, child, team_manager, level=1, title="Amara's plan is drifting")
    return task


def the_message(team_manager) -> Notification:
    return Notification.objects.get(recipient=team_manager, kind=Kind.DELEGATED)


# Reading -----------------------------------------------------------------------------------------


def test_restricted_after_the_fact_the_message_leaves_the_list_the_page_and_the_count(
    client, delegated, child, iro, team_manager
):
    message = the_message(team_manager)
    client.force_login(team_manager)
    before = client.get(reverse("notifications:notification_list")).content.decode()
    assert "Amara" in before and unread_count(team_manager) == 1

    restrict(child, iro)
    page = client.get(reverse("notifications:notification_list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Amara" not in body and delegated.stage.concern.reference not in body
    assert "Notifications (1" not in body  # the header's unread count
    assert unread_count(team_manager) == 0
    for name in ("notification_detail", "notification_open"):
        url = reverse(f"notifications:{name}", args=[message.pk])
        assert client.get(url).status_code == 404
    # Marking everything read does not touch (or reveal) the hidden message either.
    client.post(reverse("notifications:notification_mark_all_read"))
    assert fresh(message).read_at is None


def test_taken_off_the_record_after_the_fact_the_message_leaves_the_list(
    client, restricted_child, iro, team_manager
):
    restricted_child.named_users.add(team_manager)
    with time_machine.travel(EARLY, tick=False):
        raised_task(iro, restricted_child, team_manager, level=1)
    assert unread_count(team_manager) == 1
    restricted_child.named_users.remove(team_manager)
    client.force_login(team_manager)
    assert "Rory" not in client.get(reverse("notifications:notification_list")).content.decode()
    assert unread_count(team_manager) == 0


def test_the_allocated_social_worker_still_reads_messages_about_the_child(
    client, child, iro, social_worker
):
    with time_machine.travel(EARLY, tick=False):
        raised_task(iro, child, social_worker, level=1)
    restrict(child, iro)
    client.force_login(social_worker)
    assert "Amara" in client.get(reverse("notifications:notification_list")).content.decode()
    assert unread_count(social_worker) == 1


# Sending -----------------------------------------------------------------------------------------


def test_restricted_after_the_fact_a_waiting_email_is_not_sent_and_says_why(
    delegated, child, iro, team_manager
):
    restrict(child, iro)
    mail.outbox = []
    send_due(now=MORNING)
    assert emails_to(team_manager) == []
    message = fresh(the_message(team_manager))
    assert message.status == Status.NOT_NEEDED
    assert message.not_needed_reason.startswith(RESTRICTED)


def test_restricted_after_the_fact_a_failed_email_retried_is_not_sent(
    delegated, child, iro, team_manager
):
    Notification.objects.filter(recipient=team_manager).update(status=Status.FAILED)
    restrict(child, iro)
    with time_machine.travel(MORNING, tick=False):
        assert retry(Notification.objects.filter(recipient=team_manager)) == 1
        mail.outbox = []
        send_due(now=MORNING)
    assert emails_to(team_manager) == []
    assert fresh(the_message(team_manager)).status == Status.NOT_NEEDED


def test_a_message_about_a_child_who_was_not_restricted_is_still_sent(
    delegated, child, team_manager
):
    mail.outbox = []
    send_due(now=MORNING)
    assert len(emails_to(team_manager)) == 1
    assert fresh(the_message(team_manager)).status == Status.SENT


def test_the_batch_check_costs_a_first_look_and_one_query_per_rule_whatever_the_batch(
    delegated, child, iro, team_manager, social_worker, django_assert_max_num_queries
):
    from notifications.sender import no_longer_to_hear

    restrict(child, iro)
    rows = list(Notification.objects.all())
    with django_assert_max_num_queries(3):
        reasons = no_longer_to_hear(rows)
    assert set(reasons) == {the_message(team_manager).pk}


def test_a_batch_about_no_restricted_record_is_settled_by_the_first_look_alone(
    delegated, child, team_manager, social_worker, django_assert_num_queries
):
    from notifications.sender import no_longer_to_hear

    rows = list(Notification.objects.all())
    assert rows
    with django_assert_num_queries(1):
        assert no_longer_to_hear(rows) == {}


# Digests -----------------------------------------------------------------------------------------


def reminder_in_digest(task):
    """The team manager reads reminders in a daily digest: one is waiting for tomorrow's."""
    person = task.assignee
    person.wants_daily_digest = True
    person.save()
    Notification.objects.create(
        recipient=person,
        kind=Kind.REMINDER,
        key=f"reminder:{task.pk}",
        subject=f"Response due tomorrow: {task.stage.concern.reference} about Amara Okafor",
        body_text="Due tomorrow.",
        body_html="<p>Due tomorrow.</p>",
        concern=task.stage.concern,
        task=task,
        by_digest=True,
        send_after=EARLY,
    )


def test_restricted_after_the_fact_the_daily_digest_leaves_the_child_out(
    delegated, child, iro, team_manager
):
    reminder_in_digest(delegated)
    restrict(child, iro)
    assert digests.send_daily_digests(now=MORNING) == 0
    reminder = Notification.objects.get(kind=Kind.REMINDER)
    assert reminder.status == Status.NOT_NEEDED
    assert reminder.not_needed_reason.startswith(RESTRICTED)


def test_restricted_after_the_digest_was_made_the_digest_is_not_sent(
    delegated, child, iro, team_manager
):
    reminder_in_digest(delegated)
    other = Notification.objects.create(
        recipient=team_manager,
        kind=Kind.REMINDER,
        key="reminder:about-someone-else",
        subject="Response due tomorrow about Bea Eastwood",
        by_digest=True,
        send_after=EARLY,
    )
    Notification.objects.filter(kind=Kind.DELEGATED).update(status=Status.SENT)
    with time_machine.travel(MORNING, tick=False):
        assert digests.send_daily_digests(now=MORNING) == 1
    digest = Notification.objects.get(kind=Kind.DIGEST)
    assert fresh(other).digest == digest
    restrict(child, iro)
    mail.outbox = []
    send_due(now=MORNING + dt.timedelta(minutes=5))
    assert emails_to(team_manager) == []
    digest = fresh(digest)
    assert digest.status == Status.NOT_NEEDED
    assert digest.not_needed_reason.startswith(RESTRICTED)
    # What else it carried waits for the next digest; the reminder about Amara does not.
    assert fresh(other).status == Status.PENDING
    assert Notification.objects.get(key=f"reminder:{delegated.pk}").status == Status.NOT_NEEDED
    with time_machine.travel(MORNING + dt.timedelta(days=1), tick=False):
        assert digests.send_daily_digests(now=MORNING + dt.timedelta(days=1)) == 1
    tomorrow = Notification.objects.filter(kind=Kind.DIGEST).latest("created_at")
    assert "Bea Eastwood" in tomorrow.body_text and "Amara" not in tomorrow.body_text


def overdue_for_the_team(child, iro, social_worker):
    """A response from Amara's social worker, overdue: her team manager's team digest lists it."""
    with time_machine.travel(at(2025, 11, 3), tick=False):
        task = raised_task(iro, child, social_worker, level=1, agreed=dt.date(2025, 11, 5))
    Notification.objects.update(status=Status.SENT)
    return task


def test_restricted_after_the_fact_the_team_digest_leaves_the_child_out(
    child, iro, social_worker, team_manager
):
    overdue_for_the_team(child, iro, social_worker)
    restrict(child, iro, social_worker)
    with time_machine.travel(MORNING, tick=False):
        assert digests.send_team_digests(now=MORNING) == 0


def test_restricted_after_the_team_digest_was_made_it_is_not_sent(
    child, iro, social_worker, team_manager
):
    task = overdue_for_the_team(child, iro, social_worker)
    with time_machine.travel(MORNING, tick=False):
        assert digests.send_team_digests(now=MORNING) == 1
    digest = Notification.objects.get(kind=Kind.TEAM_DIGEST)
    assert list(digest.listed_concerns.all()) == [task.stage.concern]
    restrict(child, iro, social_worker)
    mail.outbox = []
    send_due(now=MORNING + dt.timedelta(minutes=5))
    assert emails_to(team_manager) == []
    assert fresh(digest).status == Status.NOT_NEEDED


# Good practice notes -----------------------------------------------------------------------------


def test_restricted_after_the_fact_a_good_practice_note_leaves_the_list(
    client, child, iro, social_worker, team_manager
):
    from tests.trust.test_restricted_children import note_about

    note = note_about(child, author=iro, recipient=social_worker)
    assert list(note.copied_to.all()) == [team_manager]
    restrict(child, iro, social_worker)
    client.force_login(team_manager)
    page = client.get(reverse("escalations:good_practice_list")).content.decode()
    assert "Clear, child-centred planning." not in page
    client.force_login(social_worker)
    page = client.get(reverse("escalations:good_practice_list")).content.decode()
    assert "Clear, child-centred planning." in page
