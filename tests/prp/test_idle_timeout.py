"""The idle timeout: signed out after 30 minutes without a request, and the warning's markup."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse

START = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
MESSAGE = "You were signed out because you had not done anything for 30 minutes."


@pytest.fixture(autouse=True)
def thirty_minutes(settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, iro, clock):
    client.force_login(iro)
    return client


def test_29_minutes_without_a_request_is_fine(signed_in, clock):
    assert signed_in.get(reverse("home")).status_code == 200
    clock.shift(dt.timedelta(minutes=29))
    assert signed_in.get(reverse("cases:child_list")).status_code == 200
    # That request was activity: another 29 minutes is fine too.
    clock.shift(dt.timedelta(minutes=29))
    assert signed_in.get(reverse("home")).status_code == 200


def test_31_minutes_signs_out_with_the_message_keeping_where_they_were_going(signed_in, clock):
    signed_in.get(reverse("home"))
    clock.shift(dt.timedelta(minutes=31))
    wanted = reverse("cases:child_list") + "?q=Smith"
    response = signed_in.get(wanted)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={quote(wanted, safe='/')}"
    assert "_auth_user_id" not in signed_in.session
    page = signed_in.get(response.url).content.decode()
    assert MESSAGE in page
    assert signed_in.get(reverse("home")).status_code == 302


def test_signing_in_again_returns_to_the_page(signed_in, clock, iro, password):
    signed_in.get(reverse("home"))
    clock.shift(dt.timedelta(minutes=31))
    to_login = signed_in.get(reverse("cases:child_list")).url
    back = signed_in.post(to_login, {"username": iro.email, "password": password})
    assert back.url == reverse("cases:child_list")


def test_a_form_sent_after_the_timeout_returns_to_the_form_page(signed_in, clock):
    clock.shift(dt.timedelta(minutes=31))
    form_page = reverse("notifications:notification_settings")
    response = signed_in.post(
        form_page, {"wants_daily_digest": "on"}, HTTP_REFERER=f"http://testserver{form_page}"
    )
    assert response.url == f"{reverse('login')}?next={quote(form_page, safe='/')}"


def test_stay_signed_in_extends_the_session(signed_in, clock):
    clock.shift(dt.timedelta(minutes=28))
    response = signed_in.post(reverse("session_keep_alive"))
    assert response.json() == {"seconds_left": 1800, "timeout_seconds": 1800}
    clock.shift(dt.timedelta(minutes=28))
    assert signed_in.get(reverse("home")).status_code == 200


def test_asking_how_long_is_left_does_not_extend_it(signed_in, clock):
    clock.shift(dt.timedelta(minutes=20))
    assert signed_in.get(reverse("session_status")).json()["seconds_left"] == 600
    clock.shift(dt.timedelta(minutes=11))
    assert signed_in.get(reverse("session_status")).json()["seconds_left"] == 0
    assert signed_in.get(reverse("home")).status_code == 302


def test_stay_signed_in_after_the_timeout_does_not_bring_the_session_back(signed_in, clock):
    clock.shift(dt.timedelta(minutes=31))
    assert signed_in.post(reverse("session_keep_alive")).json()["seconds_left"] == 0
    assert signed_in.get(reverse("home")).status_code == 302


def test_the_keep_alive_needs_a_post_with_the_csrf_token(iro, clock):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(iro)
    assert browser.get(reverse("session_keep_alive")).status_code == 405
    assert browser.post(reverse("session_keep_alive")).status_code == 403


def test_the_warning_is_on_signed_in_pages_with_its_settings(signed_in):
    page = signed_in.get(reverse("home")).content.decode()
    body = re.search(r"<body[^>]*>", page)[0]
    assert 'data-session-timeout="1800"' in body
    assert 'data-session-warning="120"' in body
    assert f'data-session-status-url="{reverse("session_status")}"' in body
    dialog = page.split('<dialog id="app-timeout-warning"')[1].split("</dialog>")[0]
    assert 'aria-labelledby="app-timeout-warning-heading"' in dialog
    assert 'aria-live="polite"' in dialog
    assert "You’re about to be signed out" in dialog
    assert f'action="{reverse("session_keep_alive")}"' in dialog
    assert "Stay signed in" in dialog
    assert f'action="{reverse("logout")}"' in page.split("</dialog>")[0].split("<dialog")[1]
    assert "csrfmiddlewaretoken" in dialog
    assert re.search(r'<script src="/static/js/timeout-warning\.js" nonce="[^"]+" defer>', page)


def test_the_warning_is_not_on_pages_for_people_not_signed_in(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "data-session-timeout" not in page
    assert "app-timeout-warning" not in page
    assert "timeout-warning.js" not in page


def test_no_timeout_and_no_warning_when_turned_off(settings, signed_in, clock):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 0
    page = signed_in.get(reverse("home")).content.decode()
    assert "app-timeout-warning" not in page
    # (Within the session's 8-hour life, which still applies.)
    clock.shift(dt.timedelta(hours=4))
    assert signed_in.get(reverse("home")).status_code == 200
