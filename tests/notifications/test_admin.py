"""The outbox in the admin, and the warning administrators see when the chase job stops."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Kind, Notification, Status
from prp.models import JobHeartbeat, RoleCode
from tests.factories import UserFactory
from tests.notifications.test_pages import make_notification

LONDON = ZoneInfo("Europe/London")
# A Wednesday in March: a working day, before the clocks change.
WEDNESDAY_2PM = dt.datetime(2026, 3, 4, 14, 0, tzinfo=LONDON)
CHANGELIST = reverse("admin:notifications_notification_changelist")


@pytest.fixture
def admin_user(db):
    return UserFactory(
        full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True
    )


@pytest.fixture
def failed(iro):
    return make_notification(
        iro,
        subject="Concern about Amara Okafor: your response is needed by 8 December 2023",
        status=Status.FAILED,
        attempts=6,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )


@pytest.fixture
def sent(team_manager):
    return make_notification(
        team_manager,
        subject="A task about Leo Surname has been taken back from you",
        kind=Kind.RETRACTED,
        status=Status.SENT,
        attempts=1,
    )


def change_url(notification) -> str:
    return reverse("admin:notifications_notification_change", args=[notification.pk])


# The list ------------------------------------------------------------------------------------


def test_the_list_shows_messages_with_their_errors(client, admin_user, failed, sent):
    client.force_login(admin_user)
    response = client.get(CHANGELIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert failed.subject in page and sent.subject in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "By status" in page and "By kind" in page
    assert "Retry the selected failed messages" in page


def test_the_list_filters_by_status_and_kind(client, admin_user, failed, sent):
    client.force_login(admin_user)
    page = client.get(CHANGELIST, {"status__exact": Status.FAILED}).content.decode()
    assert failed.subject in page and sent.subject not in page
    page = client.get(CHANGELIST, {"kind__exact": Kind.RETRACTED}).content.decode()
    assert sent.subject in page and failed.subject not in page


@pytest.mark.parametrize(
    ("query", "found"),
    [("Ira Reviewer", "failed"), ("Amara", "failed"), ("Tom Manager", "sent"), ("Leo", "sent")],
)
def test_the_list_searches_recipient_and_subject(client, admin_user, failed, sent, query, found):
    client.force_login(admin_user)
    page = client.get(CHANGELIST, {"q": query}).content.decode()
    expected, other = (failed, sent) if found == "failed" else (sent, failed)
    assert expected.subject in page and other.subject not in page


def test_searching_by_email_address(client, admin_user, failed, iro):
    client.force_login(admin_user)
    assert failed.subject in client.get(CHANGELIST, {"q": iro.email}).content.decode()


@pytest.mark.parametrize("rows", [10, 60])
def test_the_list_makes_the_same_queries(
    client, admin_user, iro, team_manager, rows, django_assert_max_num_queries
):
    for number in range(rows):
        make_notification(iro if number % 2 else team_manager)
    client.force_login(admin_user)
    client.get(CHANGELIST)
    with django_assert_max_num_queries(12):
        assert client.get(CHANGELIST).status_code == 200


def test_people_who_cannot_use_the_admin_are_refused_with_the_gov_uk_403(client, iro, failed):
    client.force_login(iro)
    response = client.get(CHANGELIST)
    assert response.status_code == 403
    assert "You cannot do that" in response.content.decode()


def test_signed_out_the_admin_sends_to_sign_in(client, failed):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(("/sign-in/", "/admin/login/"))


# Retrying ------------------------------------------------------------------------------------


def test_retrying_puts_failed_messages_back_in_the_queue(client, admin_user, failed, sent):
    client.force_login(admin_user)
    response = client.post(
        CHANGELIST,
        {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 failed message put back in the queue. 1 had not failed and were left alone." in page
    failed = Notification.objects.get(pk=failed.pk)
    assert (failed.status, failed.attempts, failed.last_error) == (Status.PENDING, 0, "")
    assert Notification.objects.get(pk=sent.pk).status == Status.SENT


def test_retrying_nothing_that_failed_says_so(client, admin_user, sent):
    client.force_login(admin_user)
    response = client.post(
        CHANGELIST, {"action": "retry_failed", "_selected_action": [sent.pk]}, follow=True
    )
    assert "None of the selected messages had failed" in response.content.decode()
    assert Notification.objects.get(pk=sent.pk).status == Status.SENT


# Nobody adds, edits or deletes a message -----------------------------------------------------


def test_messages_cannot_be_added(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    page = client.get(CHANGELIST).content.decode()
    assert reverse("admin:notifications_notification_add") not in page


def test_messages_cannot_be_deleted(client, admin_user, failed):
    client.force_login(admin_user)
    url = reverse("admin:notifications_notification_delete", args=[failed.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in client.get(CHANGELIST).content.decode()
    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [failed.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert Notification.objects.filter(pk=failed.pk).exists()


def test_a_message_is_shown_read_only(client, admin_user, failed):
    client.force_login(admin_user)
    response = client.get(change_url(failed))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in page
    assert '<input type="text" name="subject"' not in page
    assert 'name="body_text"' not in page
    assert failed.subject in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    response = client.post(change_url(failed), {"subject": "Changed", "status": Status.SENT})
    assert response.status_code == 403
    failed = Notification.objects.get(pk=failed.pk)
    assert (failed.subject, failed.status) == (
        "Concern about Amara Okafor: your response is needed by 8 December 2023",
        Status.FAILED,
    )


def test_the_user_form_offers_the_daily_digest(client, admin_user, iro):
    client.force_login(admin_user)
    page = client.get(reverse("admin:prp_user_change", args=[iro.pk])).content.decode()
    assert 'name="wants_daily_digest"' in page


# The warning when the chase job stops --------------------------------------------------------


def heartbeat(at: dt.datetime) -> None:
    JobHeartbeat.objects.update_or_create(name="chase", defaults={"last_success_at": at})


def warning(response) -> str:
    page = response.content.decode()
    match = re.search(
        r'aria-labelledby="app-chase-warning-title".*?'
        r'<p class="govuk-notification-banner__heading">(.*?)</p>',
        page,
        re.S,
    )
    return match.group(1) if match else ""


@time_machine.travel(WEDNESDAY_2PM, tick=False)
def test_administrators_are_warned_when_the_chase_job_stops(client, admin_user):
    heartbeat(dt.datetime(2026, 3, 4, 9, 0, tzinfo=LONDON))
    client.force_login(admin_user)
    response = client.get(reverse("home"))
    assert warning(response) == (
        "Reminders and chases are not running: the chase job last ran at 9am on 4 March 2026."
    )
    page = response.content.decode()
    assert (
        '<div class="govuk-notification-banner" role="region" '
        'aria-labelledby="app-chase-warning-title"'
    ) in page
    assert "govuk-notification-banner--success" not in page
    assert reverse("admin:prp_jobheartbeat_changelist") in page


@time_machine.travel(WEDNESDAY_2PM, tick=False)
def test_the_warning_is_on_every_page(client, admin_user):
    heartbeat(dt.datetime(2026, 3, 4, 9, 0, tzinfo=LONDON))
    client.force_login(admin_user)
    for url in (reverse("cases:child_list"), reverse("notifications:notification_list")):
        assert "Reminders and chases are not running" in warning(client.get(url))


@time_machine.travel(WEDNESDAY_2PM, tick=False)
def test_an_administrator_by_role_alone_is_warned_too(client, db):
    person = UserFactory(roles=[RoleCode.ADMINISTRATOR])
    heartbeat(dt.datetime(2026, 3, 4, 9, 0, tzinfo=LONDON))
    client.force_login(person)
    response = client.get(reverse("home"))
    assert "the chase job last ran at 9am on 4 March 2026" in warning(response)
    # The link to the admin is only for people who can use it.
    assert reverse("admin:prp_jobheartbeat_changelist") not in response.content.decode()


@time_machine.travel(WEDNESDAY_2PM, tick=False)
def test_a_chase_job_that_never_ran_is_a_warning(client, admin_user):
    client.force_login(admin_user)
    assert warning(client.get(reverse("home"))) == (
        "Reminders and chases are not running: the chase job has never run."
    )


@time_machine.travel(WEDNESDAY_2PM, tick=False)
def test_other_people_are_not_warned(client, iro):
    heartbeat(dt.datetime(2026, 3, 4, 9, 0, tzinfo=LONDON))
    client.force_login(iro)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Reminders and chases are not running" not in response.content.decode()
    assert not [q for q in queries if "prp_jobheartbeat" in q["sql"]]


@time_machine.travel(WEDNESDAY_2PM, tick=False)
def test_no_warning_while_the_chase_job_runs(client, admin_user):
    heartbeat(dt.datetime(2026, 3, 4, 13, 45, tzinfo=LONDON))
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert "Reminders and chases are not running" not in response.content.decode()
    assert len([q for q in queries if "prp_jobheartbeat" in q["sql"]]) == 1


def test_signed_out_pages_show_no_warning(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("login"))
    assert "Reminders and chases are not running" not in response.content.decode()
    assert not [q for q in queries if "prp_jobheartbeat" in q["sql"]]
