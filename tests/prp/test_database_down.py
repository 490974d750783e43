"""While the database is down, signed-in pages answer the GOV.UK "Sorry, there is a problem with
the service" page with 503, and work again by themselves once it is back (issue 13 §9).

The database is made really unavailable: the connection is pointed at a port nobody listens on.
(SQLite has no server to lose, and the suite's in-memory database cannot be reopened: PostgreSQL.)
"""

import socket

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database server to be unreachable"
    ),
]

PAGES = ["home", "cases:child_list", "escalations:task_inbox", "notifications:notification_list"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the socket closes: nothing listens there


@pytest.fixture
def database_down():
    """Until the block ends, every new connection to the database is refused."""
    saved = {key: connection.settings_dict.get(key) for key in ("HOST", "PORT")}

    def stop():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))

    def start():
        connection.close()
        connection.settings_dict.update(saved)

    yield stop, start
    start()


@pytest.mark.parametrize("name", PAGES)
def test_signed_in_pages_show_the_gov_uk_503_while_the_database_is_down_then_recover(
    iro, database_down, name
):
    stop, start = database_down
    browser = Client(raise_request_exception=False)
    browser.force_login(iro)
    assert browser.get(reverse(name)).status_code == 200

    stop()
    for _ in range(2):  # and again: nothing is left broken by the first failure
        response = browser.get(reverse(name))
        assert response.status_code == 503
        page = response.content.decode()
        assert "Sorry, there is a problem with the service" in page
        assert "govuk-header" in page
        assert response["Retry-After"] == "30"

    start()
    assert browser.get(reverse(name)).status_code == 200


def test_a_form_sent_while_the_database_is_down_gets_the_503_too(iro, database_down):
    stop, start = database_down
    browser = Client(raise_request_exception=False)
    browser.force_login(iro)
    stop()
    response = browser.post(reverse("notifications:notification_settings"), {})
    assert response.status_code == 503
    start()
    assert browser.get(reverse("notifications:notification_settings")).status_code == 200
