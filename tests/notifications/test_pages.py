"""Each person's notifications page, the unread count in the header and their settings."""

import datetime as dt
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification, Status
from prp.models import RoleCode
from tests.factories import UserFactory

_keys = itertools.count()


def make_notification(recipient, **fields) -> Notification:
    """A message as the outbox stores it (the pathway's own messages are tested elsewhere)."""
    number = next(_keys)
    fields.setdefault("kind", Kind.DELEGATED)
    fields.setdefault("subject", f"Concern about Amara Okafor: message {number}")
    fields.setdefault("body_text", f"Dear {recipient.full_name},\n\nMessage {number}.\n")
    fields.setdefault("body_html", f"<p>Message {number}</p>")
    fields.setdefault("url", "/tasks/1/")
    return Notification.objects.create(recipient=recipient, key=f"test:{number}", **fields)


def text(response) -> str:
    """The page's words without markup, whitespace collapsed."""
    page = re.sub(r"<[^>]+>", "", response.content.decode())
    return " ".join(page.split())


def header_link(response) -> str:
    page = response.content.decode()
    match = re.search(r'<a [^>]*href="/notifications/"[^>]*>(.*?)</a>', page, re.S)
    return match.group(1) if match else ""


LIST = reverse("notifications:notification_list")
SETTINGS = reverse("notifications:notification_settings")
MARK_ALL = reverse("notifications:notification_mark_all_read")


# Signed out ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "url", [LIST, SETTINGS, MARK_ALL, "/notifications/1/", "/notifications/1/open/"]
)
def test_every_page_needs_sign_in(client, db, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_signed_out_pages_show_no_count(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("login"))
    assert "Notifications" not in text(response)
    assert not [q for q in queries if "notifications_notification" in q["sql"]]


# The list ------------------------------------------------------------------------------------


def test_the_page_lists_my_notifications_newest_first(client, iro, team_manager):
    now = timezone.now()
    older = make_notification(
        iro,
        subject="Tom Manager has responded to the concern about Amara Okafor",
        kind=Kind.RESPONDED,
        created_at=now - dt.timedelta(days=2),
        status=Status.SENT,
        sent_at=now,
        read_at=now,
    )
    newer = make_notification(
        iro,
        subject="Outcome recorded: concern about Amara Okafor, Formal stage 1",
        kind=Kind.OUTCOME,
        created_at=now - dt.timedelta(hours=1),
    )
    someone_elses = make_notification(team_manager, subject="Not for Ira")
    client.force_login(iro)
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Notifications – " in page
    words = text(response)
    assert words.index(newer.subject) < words.index(older.subject)
    assert someone_elses.subject not in words
    assert f'href="/notifications/{newer.pk}/open/"' in page
    assert f'href="/notifications/{older.pk}/open/"' in page
    assert "Outcome recorded" in words and "Response received" in words  # the kinds
    assert "2 notifications" in words


def test_unread_messages_are_tagged_new(client, iro):
    make_notification(iro, subject="Unread one")
    make_notification(iro, subject="Read one", read_at=timezone.now())
    client.force_login(iro)
    page = client.get(LIST).content.decode()
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:]
    tagged = {("Unread one" in row, ">New</strong>" in row) for row in rows}
    assert tagged == {(True, True), (False, False)}


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"status": Status.SENT}, "Sent"),
        ({"status": Status.PENDING}, "Waiting to be sent"),
        ({"status": Status.SENDING}, "Waiting to be sent"),
        ({"status": Status.FAILED}, "Failed"),
        ({"status": Status.PENDING, "by_digest": True}, "Waiting for your daily digest"),
        ({"status": Status.IN_DIGEST, "by_digest": True}, "Sent in your daily digest"),
    ],
)
def test_the_email_status_is_shown(client, iro, fields, shown):
    make_notification(iro, **fields)
    client.force_login(iro)
    page = client.get(LIST).content.decode()
    assert re.search(rf'<strong class="govuk-tag govuk-tag--\w+">{shown}</strong>', page)


def test_no_notifications_yet(client, iro):
    client.force_login(iro)
    response = client.get(LIST)
    assert "You have no notifications yet" in text(response)
    assert "Mark all as read" not in text(response)


def test_the_list_is_paginated_by_25(client, iro):
    start = timezone.now()
    for number in range(30):
        created_at = start - dt.timedelta(hours=number)
        make_notification(iro, subject=f"Message number {number:02d}", created_at=created_at)
    client.force_login(iro)
    first = text(client.get(LIST))
    assert "Message number 00" in first and "Message number 24" in first
    assert "Message number 25" not in first
    second = client.get(LIST, {"page": 2})
    assert "Message number 25" in text(second) and "Message number 29" in text(second)
    assert "<title>Notifications (page 2 of 2) – " in second.content.decode()
    # A page number that makes no sense shows a page rather than an error.
    assert client.get(LIST, {"page": "lots"}).status_code == 200


def test_the_list_settings_link_says_what_i_chose(client, iro):
    client.force_login(iro)
    assert "You get reminders and chases as they happen" in text(client.get(LIST))
    iro.wants_daily_digest = True
    iro.save()
    assert "in one daily digest each working morning" in text(client.get(LIST))


@pytest.mark.parametrize("rows", [10, 60])
def test_the_list_makes_the_same_queries_however_many_rows(
    client, iro, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        make_notification(iro)
    client.force_login(iro)
    client.get(LIST)  # warm the session and the calendar
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    assert response.status_code == 200


# The header ----------------------------------------------------------------------------------


def test_the_header_shows_my_unread_count(client, iro, team_manager):
    for _ in range(3):
        make_notification(iro)
    make_notification(iro, read_at=timezone.now())
    make_notification(team_manager)
    client.force_login(iro)
    response = client.get(reverse("home"))
    link = header_link(response)
    assert link == 'Notifications (3<span class="govuk-visually-hidden"> unread</span>)'
    assert "Notifications (3 unread)" in text(response)


def test_the_header_shows_no_number_when_all_are_read(client, iro):
    make_notification(iro, read_at=timezone.now())
    client.force_login(iro)
    assert header_link(client.get(reverse("home"))) == "Notifications"


def test_the_count_is_one_query_per_page(client, iro):
    for _ in range(5):
        make_notification(iro)
    client.force_login(iro)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:child_list"))
    assert response.status_code == 200
    notification_queries = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(notification_queries) == 1
    assert "COUNT(" in notification_queries[0]


def test_error_pages_make_no_count_query(client, iro):
    client.force_login(iro)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not [q for q in queries if "notifications_notification" in q["sql"]]
    assert "Notifications" not in header_link(response)


# Opening a notification ----------------------------------------------------------------------


def test_opening_marks_it_read_and_goes_to_its_page(client, iro):
    notification = make_notification(iro, url="/tasks/7/")
    client.force_login(iro)
    response = client.get(reverse("notifications:notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/tasks/7/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_opening_keeps_the_first_read_time(client, iro):
    read_at = timezone.now() - dt.timedelta(days=3)
    notification = make_notification(iro, read_at=read_at)
    client.force_login(iro)
    client.get(reverse("notifications:notification_open", args=[notification.pk]))
    assert Notification.objects.get(pk=notification.pk).read_at == read_at


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://evil.example.org/",
        "//evil.example.org/tasks/1/",
        "/\\evil.example.org",
        "/\t/evil.example.org",
        "javascript:alert(1)",
        "tasks/1/",
    ],
)
def test_a_link_that_is_not_a_site_path_is_never_followed(client, iro, url):
    notification = make_notification(iro, url=url)
    client.force_login(iro)
    response = client.get(reverse("notifications:notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "notifications:notification_detail", args=[notification.pk]
    )
    assert Notification.objects.get(pk=notification.pk).read_at is not None


@pytest.mark.parametrize("view", ["notification_open", "notification_detail"])
def test_another_persons_notification_is_not_found(client, iro, team_manager, view):
    notification = make_notification(team_manager)
    client.force_login(iro)
    response = client.get(reverse(f"notifications:{view}", args=[notification.pk]))
    assert response.status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None


@pytest.mark.parametrize("view", ["notification_open", "notification_detail"])
def test_a_made_up_notification_is_not_found(client, iro, view):
    client.force_login(iro)
    assert client.get(reverse(f"notifications:{view}", args=[999999])).status_code == 404


def test_opening_needs_a_get(client, iro):
    notification = make_notification(iro)
    client.force_login(iro)
    url = reverse("notifications:notification_open", args=[notification.pk])
    assert client.post(url).status_code == 405


# The message itself --------------------------------------------------------------------------


def test_the_detail_page_shows_the_plain_text_and_marks_it_read(client, iro):
    notification = make_notification(
        iro,
        subject="Concern about Amara Okafor: your response is needed by 8 December 2023",
        body_text="Dear Ira,\n\nYour response is needed by 8 December 2023.\n\n<b>not bold</b>\n",
        url="/tasks/3/",
    )
    client.force_login(iro)
    response = client.get(reverse("notifications:notification_detail", args=[notification.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<title>{notification.subject} – " in page
    assert "<p>Your response is needed by 8 December 2023.</p>" in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page  # the text is shown, never run as HTML
    assert 'href="/tasks/3/"' in page
    assert 'href="/notifications/"' in page  # back to the list
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_the_detail_page_offers_no_link_to_an_outside_address(client, iro):
    notification = make_notification(iro, url="https://evil.example.org/")
    client.force_login(iro)
    page = client.get(
        reverse("notifications:notification_detail", args=[notification.pk])
    ).content.decode()
    assert "evil.example.org" not in page


@pytest.mark.parametrize("rows", [10, 60])
def test_the_detail_page_makes_the_same_queries(client, iro, rows, django_assert_max_num_queries):
    notifications = [make_notification(iro) for _ in range(rows)]
    client.force_login(iro)
    url = reverse("notifications:notification_detail", args=[notifications[-1].pk])
    client.get(url)
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


# Mark all as read ----------------------------------------------------------------------------


def test_mark_all_as_read(client, iro, team_manager):
    mine = [make_notification(iro) for _ in range(3)]
    theirs = make_notification(team_manager)
    client.force_login(iro)
    assert "Mark all as read" in text(client.get(LIST))
    response = client.post(MARK_ALL, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "All your notifications are marked as read" in text(response)
    assert header_link(response) == "Notifications"
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "New" not in re.findall(r'govuk-tag--blue">(\w+)<', response.content.decode())


def test_mark_all_as_read_needs_a_post(client, iro):
    client.force_login(iro)
    assert client.get(MARK_ALL).status_code == 405


# Settings ------------------------------------------------------------------------------------


def test_the_settings_page_shows_the_current_choice(client, iro):
    client.force_login(iro)
    response = client.get(SETTINGS)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Your notification settings – " in page
    assert "Send reminders and chases as they happen" in page
    assert "One daily digest each working morning" in page
    assert re.search(r'value="as_they_happen"\s+checked', page)


def test_choosing_the_daily_digest(client, iro):
    client.force_login(iro)
    response = client.post(SETTINGS, {"delivery": "daily_digest"}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Reminders and chases will come in one daily digest" in text(response)
    iro.refresh_from_db()
    assert iro.wants_daily_digest is True
    page = client.get(SETTINGS).content.decode()
    assert re.search(r'value="daily_digest"\s+checked', page)


def test_going_back_to_messages_as_they_happen_releases_held_reminders(client, iro):
    iro.wants_daily_digest = True
    iro.save()
    held = make_notification(iro, kind=Kind.OVERDUE, by_digest=True)
    delegated = make_notification(iro, kind=Kind.DELEGATED)
    client.force_login(iro)
    response = client.post(SETTINGS, {"delivery": "as_they_happen"}, follow=True)
    assert "Reminders and chases will be sent as they happen" in text(response)
    iro.refresh_from_db()
    assert iro.wants_daily_digest is False
    assert Notification.objects.get(pk=held.pk).by_digest is False
    assert Notification.objects.get(pk=delegated.pk).by_digest is False


@pytest.mark.parametrize("data", [{}, {"delivery": "weekly"}])
def test_a_bad_choice_shows_the_error_summary(client, iro, data):
    iro.wants_daily_digest = True
    iro.save()
    client.force_login(iro)
    response = client.post(SETTINGS, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Your notification settings – " in page
    assert "govuk-error-summary" in page
    assert '<a href="#id_delivery_1">Select how you want to get reminders and chases</a>' in page
    assert 'id="id_delivery_1"' in page
    iro.refresh_from_db()
    assert iro.wants_daily_digest is True


def test_anyone_signed_in_can_set_their_own(client, db):
    person = UserFactory(roles=[RoleCode.DIRECTOR])
    client.force_login(person)
    client.post(SETTINGS, {"delivery": "daily_digest"})
    person.refresh_from_db()
    assert person.wants_daily_digest is True
