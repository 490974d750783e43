"""What someone typed is kept when their session ended before they sent it (issue 13 §8).

Every way a session ends under an open form: signed out in another tab, the idle timeout, the
8-hour limit, and signed in again elsewhere (a new security token). Each through real requests.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from escalations.models import Task, TaskState
from tests.builders import raised_task

TYPED = "We will hold a permanence meeting on Tuesday with the carers"
SIGNED_OUT = "You were signed out. What you typed has been kept."
NOT_SENT = "This form has not been sent."
START = dt.datetime(2023, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def task(gloucestershire, iro, team_manager, child, clock):
    return raised_task(iro, [child], delegate_to=team_manager)


@pytest.fixture
def url(task):
    return reverse("escalations:task_detail", args=[task.pk])


def sign_in(client, user, password, next_url=""):
    login = reverse("login") + (f"?next={quote(next_url, safe='/')}" if next_url else "")
    return client.post(login, {"username": user.email, "password": password}, follow=True)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def typed_form(page: str, task, **extra) -> dict:
    """What the browser sends: the page's hidden fields and what the manager typed."""
    data = {
        "form_owner": hidden(page, "form_owner"),
        "lock_version": hidden(page, "lock_version"),
        "response": TYPED,
        "actions_agreed": "Book it by Friday",
        "send": "Send response",
    }
    if "csrfmiddlewaretoken" in page:
        data["csrfmiddlewaretoken"] = hidden(page, "csrfmiddlewaretoken")
    data.update(extra)
    return data


def not_sent(task) -> bool:
    task = Task.objects.get(pk=task.pk)
    return task.state == TaskState.ACTIVE and TYPED not in task.response


@pytest.fixture
def open_form(client, team_manager, password, url):
    """The manager signed in, with the response form open."""
    sign_in(client, team_manager, password)
    return client.get(url).content.decode()


def test_signed_out_in_another_tab_the_typed_text_comes_back_after_signing_in(
    client, open_form, task, url, team_manager, password
):
    client.post(reverse("logout"))  # the other tab
    response = client.post(url, typed_form(open_form, task))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={quote(url, safe='/')}"
    assert SIGNED_OUT in client.get(response.url).content.decode()
    assert not_sent(task)

    back = sign_in(client, team_manager, password, next_url=url)
    assert back.redirect_chain[-1][0] == url
    page = back.content.decode()
    assert NOT_SENT in page
    assert TYPED in page and "Book it by Friday" in page
    assert "govuk-error-summary" not in page
    assert not_sent(task)  # shown again, never sent on their behalf

    # Kept once: it is in the page now. Pressing the button sends it as usual.
    assert TYPED not in client.get(url).content.decode()
    sent = client.post(url, typed_form(page, task))
    assert sent.url == reverse("escalations:task_inbox")
    assert Task.objects.get(pk=task.pk).response == TYPED


def test_nobody_else_signing_in_on_that_browser_sees_it(
    client, open_form, task, url, team_manager, password, iro
):
    client.post(reverse("logout"))
    client.post(url, typed_form(open_form, task))
    # The raiser signs in on the same browser and opens the same page: nothing of it.
    page = sign_in(client, iro, password, next_url=url).content.decode()
    assert TYPED not in page and NOT_SENT not in page
    client.post(reverse("logout"))
    # It is still kept for the manager.
    assert TYPED in sign_in(client, team_manager, password, next_url=url).content.decode()


def test_another_browser_gets_nothing(client, open_form, task, url, team_manager, password):
    client.post(reverse("logout"))
    client.post(url, typed_form(open_form, task))
    elsewhere = Client()
    page = sign_in(elsewhere, team_manager, password, next_url=url).content.decode()
    assert TYPED not in page and NOT_SENT not in page


def test_the_idle_timeout_keeps_it_too(
    client, open_form, task, url, team_manager, password, settings, clock
):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    client.get(url)
    clock.shift(dt.timedelta(minutes=31))
    response = client.post(url, typed_form(open_form, task))
    assert response.url == f"{reverse('login')}?next={quote(url, safe='/')}"
    sign_in_page = client.get(response.url).content.decode()
    assert (
        "You were signed out because you had not done anything for 30 minutes. "
        "What you typed has been kept."
    ) in sign_in_page
    assert not_sent(task)
    page = sign_in(client, team_manager, password, next_url=url).content.decode()
    assert TYPED in page and NOT_SENT in page


def test_the_8_hour_limit_keeps_it_too(client, open_form, task, url, team_manager, password, clock):
    clock.shift(dt.timedelta(hours=8, minutes=1))
    response = client.post(url, typed_form(open_form, task))
    assert response.url.startswith(reverse("login"))
    assert SIGNED_OUT in client.get(response.url).content.decode()
    page = sign_in(client, team_manager, password, next_url=url).content.decode()
    assert TYPED in page and NOT_SENT in page


def test_kept_for_24_hours_then_gone(client, open_form, task, url, team_manager, password, clock):
    client.post(reverse("logout"))
    client.post(url, typed_form(open_form, task))
    clock.shift(dt.timedelta(hours=24, minutes=1))
    page = sign_in(client, team_manager, password, next_url=url).content.decode()
    assert TYPED not in page


@pytest.fixture
def checked_client(team_manager, password, url):
    """A browser whose forms are checked for their security token, as a real one is."""
    browser = Client(enforce_csrf_checks=True)
    login = browser.get(reverse("login")).content.decode()
    browser.post(
        reverse("login"),
        {
            "username": team_manager.email,
            "password": password,
            "csrfmiddlewaretoken": hidden(login, "csrfmiddlewaretoken"),
        },
    )
    return browser


def _sign_out_and_in(browser, user, password):
    """Another tab: sign out, then sign in again (which gives the browser a new token)."""
    home = browser.get(reverse("home")).content.decode()
    browser.post(reverse("logout"), {"csrfmiddlewaretoken": hidden(home, "csrfmiddlewaretoken")})
    login = browser.get(reverse("login")).content.decode()
    browser.post(
        reverse("login"),
        {
            "username": user.email,
            "password": password,
            "csrfmiddlewaretoken": hidden(login, "csrfmiddlewaretoken"),
        },
    )


def test_signed_in_again_in_another_tab_the_old_token_fails_and_the_text_comes_back(
    checked_client, task, url, team_manager, password
):
    page = checked_client.get(url).content.decode()
    _sign_out_and_in(checked_client, team_manager, password)
    response = checked_client.post(url, typed_form(page, task))
    # Still signed in, as the same person: straight back to the form, nothing sent.
    assert response.status_code == 302 and response.url == url
    assert not_sent(task)
    again = checked_client.get(url).content.decode()
    assert TYPED in again and NOT_SENT in again


def test_someone_else_signed_in_in_another_tab_gets_the_403_and_nothing_is_kept(
    checked_client, task, url, team_manager, password, iro
):
    page = checked_client.get(url).content.decode()
    _sign_out_and_in(checked_client, iro, password)
    response = checked_client.post(url, typed_form(page, task))
    assert response.status_code == 403
    assert "You cannot do that" in response.content.decode()
    assert TYPED not in checked_client.get(url).content.decode()
    _sign_out_and_in(checked_client, team_manager, password)
    assert TYPED not in checked_client.get(url).content.decode()


def test_a_token_that_fails_with_no_session_keeps_it_for_the_form_owner(
    checked_client, task, url, team_manager, password
):
    page = checked_client.get(url).content.decode()
    checked_client.cookies.clear()  # the browser dropped both cookies
    response = checked_client.post(url, typed_form(page, task))
    assert response.url == f"{reverse('login')}?next={quote(url, safe='/')}"
    login = checked_client.get(response.url).content.decode()
    assert SIGNED_OUT in login
    back = checked_client.post(
        response.url,
        {
            "username": team_manager.email,
            "password": password,
            "csrfmiddlewaretoken": hidden(login, "csrfmiddlewaretoken"),
        },
        follow=True,
    )
    assert TYPED in back.content.decode() and not_sent(task)


def test_a_post_without_a_good_owner_is_not_kept(client, open_form, task, url):
    client.post(reverse("logout"))
    for owner in ("", "12:forged:signature"):
        response = client.post(url, typed_form(open_form, task, form_owner=owner))
        assert response.url == f"{reverse('login')}?next={quote(url, safe='/')}"
        assert SIGNED_OUT not in client.get(response.url).content.decode()


def test_passwords_are_never_kept(client, team_manager, password):
    sign_in(client, team_manager, password)
    change = reverse("password_change")
    page = client.get(change).content.decode()
    client.post(reverse("logout"))
    response = client.post(
        change,
        {
            "form_owner": hidden(page, "form_owner"),
            "old_password": password,
            "new_password1": "a-new-password-2027",
            "new_password2": "a-new-password-2027",
        },
    )
    # Nothing but passwords: nothing kept, nothing said.
    assert SIGNED_OUT not in client.get(response.url).content.decode()
    back = sign_in(client, team_manager, password, next_url=change).content.decode()
    assert "a-new-password-2027" not in back and password not in back


def test_a_post_with_nothing_typed_is_not_kept(client, open_form, task, url):
    client.post(reverse("logout"))
    data = typed_form(open_form, task, response="", actions_agreed="")
    response = client.post(url, data)
    assert SIGNED_OUT not in client.get(response.url).content.decode()


def test_every_form_says_whose_page_it_is_signed(open_form, team_manager):
    owner = hidden(open_form, "form_owner")
    assert owner.split(":")[0] == str(team_manager.pk)
    assert len(owner.split(":")) == 3  # the person, when, and the signature


def test_a_token_failure_while_signed_in_keeps_nothing_without_a_signed_owner(
    checked_client, task, url, team_manager, password
):
    page = checked_client.get(url).content.decode()
    _sign_out_and_in(checked_client, team_manager, password)
    data = typed_form(page, task)
    del data["form_owner"]  # who typed it is unknown: the session changed hands since
    assert checked_client.post(url, data).status_code == 403
    assert TYPED not in checked_client.get(url).content.decode()


def test_the_idle_timeout_vouches_for_a_form_without_an_owner_field(
    client, open_form, task, url, team_manager, password, settings, clock
):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    client.get(url)
    clock.shift(dt.timedelta(minutes=31))
    data = typed_form(open_form, task)
    del data["form_owner"]  # the same session, timed out: it can only be theirs
    client.post(url, data)
    page = sign_in(client, team_manager, password, next_url=url).content.decode()
    assert TYPED in page and NOT_SENT in page


def test_the_browser_holds_only_a_signed_httponly_key_never_the_text(client, open_form, task, url):
    client.post(reverse("logout"))
    response = client.post(url, typed_form(open_form, task))
    cookie = response.cookies["prp_kept_form"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 24 * 60 * 60
    assert "permanence" not in cookie.value and "Friday" not in cookie.value
