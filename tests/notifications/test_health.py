"""/health/ for monitoring, and whether the chase job is late (counted in working hours)."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from config.celery_app import app
from dashboards import sending
from dashboards.models import PackSending
from notifications import health
from notifications.health import chase_is_late
from prp.models import JobHeartbeat, RoleCode
from tests.factories import UserFactory

LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def beat(name, when):
    JobHeartbeat.objects.update_or_create(name=name, defaults={"last_success_at": when})


@contextlib.contextmanager
def broker_url(url):
    old = app.conf.broker_url
    app.conf.broker_url = url
    try:
        yield
    finally:
        app.conf.broker_url = old


MONITORING_TOKEN = "monitoring-token-for-tests"
MONITORING = {"X-Health-Token": MONITORING_TOKEN}


@pytest.fixture(autouse=True)
def health_token(settings):
    settings.HEALTH_TOKEN = MONITORING_TOKEN


def packs_sent(now):
    """Each scheduled pack's latest period is sent (dashboards.sending)."""
    for pack in sending.PACKS.values():
        for period in sending.latest_due(pack, now):
            PackSending.objects.create(pack=pack.kind, period_start=period, finished_at=now)


@pytest.fixture
def all_running(db):
    now = at(2025, 11, 12, 10)
    beat("chase", now - dt.timedelta(minutes=10))
    beat("send_outbox", now - dt.timedelta(seconds=30))
    packs_sent(now)
    with time_machine.travel(now, tick=False):
        yield now


# The page --------------------------------------------------------------------------------------


def test_health_is_ok_when_everything_runs(client, all_running):
    response = client.get("/health/", headers=MONITORING)  # monitoring has no account
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == {"ok": True, "error": None}
    assert data["broker"] == {"ok": True, "error": None}
    assert data["chase_late"] is False
    assert data["jobs"] == {
        "chase": {"last_success_at": "2025-11-12T09:50:00+00:00", "age_seconds": 600},
        "send_outbox": {"last_success_at": "2025-11-12T09:59:30+00:00", "age_seconds": 30},
    }


def test_health_is_degraded_when_the_chase_job_is_late(client, all_running):
    # Wednesday 10:00. Last run 18:00 the day before: two working hours (08:00 to 10:00).
    beat("chase", at(2025, 11, 11, 18))
    assert client.get("/health/", headers=MONITORING).status_code == 200
    # Last run 17:59: two hours and a minute.
    beat("chase", at(2025, 11, 11, 17, 59))
    response = client.get("/health/", headers=MONITORING)
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["chase_late"] is True
    assert response.json()["jobs"]["chase"]["age_seconds"] == 16 * 3600 + 60


def test_health_is_degraded_when_the_chase_job_never_ran(client, all_running):
    JobHeartbeat.objects.filter(name="chase").delete()
    response = client.get("/health/", headers=MONITORING)
    assert response.status_code == 503
    assert "chase" not in response.json()["jobs"]


def test_health_is_degraded_when_the_broker_is_unreachable(client, all_running):
    with broker_url("redis://:s3cret@127.0.0.1:1/0"):
        response = client.get("/health/", headers=MONITORING)
    assert response.status_code == 503
    data = response.json()
    assert data["broker"]["ok"] is False
    assert "127.0.0.1:1" in data["broker"]["error"]
    assert "s3cret" not in response.content.decode()
    assert data["database"]["ok"] is True


def test_the_filesystem_broker_counts_as_up(all_running):
    with broker_url("filesystem://"):
        assert health.check_broker() == {"ok": True, "error": None}


def test_health_is_degraded_when_the_database_is_down(client, all_running, monkeypatch):
    def no_database(self, *args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "cursor", no_database)
        response = client.get("/health/", headers=MONITORING)
    assert response.status_code == 503
    data = response.json()
    assert data["database"] == {
        "ok": False,
        "error": "OperationalError: could not connect to server",
    }
    assert data["jobs"] == {}
    assert data["chase_late"] is None


def test_health_only_answers_get(client, all_running):
    assert client.post("/health/").status_code == 405


# Lateness in working hours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_run", "now", "late"),
    [
        # Friday 17:30 to Monday 09:00: half an hour on Friday, an hour on Monday.
        (at(2025, 11, 14, 17, 30), at(2025, 11, 17, 9), False),
        # Monday 11:00: three and a half working hours.
        (at(2025, 11, 14, 17, 30), at(2025, 11, 17, 11), True),
        # An evening: Tuesday 17:00 to Wednesday 08:30 is one and a half hours.
        (at(2025, 11, 11, 17), at(2025, 11, 12, 8, 30), False),
        (at(2025, 11, 11, 17), at(2025, 11, 12, 9, 30), True),
        # The night itself never counts, however long.
        (at(2025, 11, 11, 18), at(2025, 11, 12, 7, 59), False),
        # Over Christmas: Wednesday 24 December 17:00 to Monday 29 December 09:00 is two
        # working hours exactly (not more than two), a minute later it is late.
        (at(2025, 12, 24, 17), at(2025, 12, 29, 9), False),
        (at(2025, 12, 24, 17), at(2025, 12, 29, 9, 1), True),
        # Within the working day.
        (at(2025, 11, 12, 9), at(2025, 11, 12, 10, 59), False),
        (at(2025, 11, 12, 9), at(2025, 11, 12, 11, 1), True),
        # A run last month is late.
        (at(2025, 10, 1, 9), at(2025, 11, 12, 9), True),
    ],
)
def test_chase_is_late_counts_only_working_hours(db, last_run, now, late):
    beat("chase", last_run)
    assert chase_is_late(now) is late


def test_chase_is_late_when_it_never_ran(db):
    assert chase_is_late(at(2025, 11, 12, 10)) is True


def test_chase_is_late_uses_the_clock_by_default(db):
    with time_machine.travel(at(2025, 11, 17, 9), tick=False):
        beat("chase", at(2025, 11, 14, 17, 30))
        assert chase_is_late() is False


def test_working_time_between(db):
    cap = dt.timedelta(days=365)
    assert health.working_time_between(
        at(2025, 11, 14, 17, 30), at(2025, 11, 17, 9), cap=cap
    ) == dt.timedelta(hours=1, minutes=30)
    # A whole working week is five ten-hour days.
    assert health.working_time_between(
        at(2025, 11, 10, 0), at(2025, 11, 17, 0), cap=cap
    ) == dt.timedelta(hours=50)


# Who sees the details ----------------------------------------------------------------------------


def test_signed_out_health_answers_the_status_alone(client, all_running):
    assert client.get("/health/").json() == {"status": "ok"}


def test_signed_out_a_dependency_down_gives_503_and_the_status_alone(client, all_running):
    with broker_url("redis://:s3cret@127.0.0.1:1/0"):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}  # no name of the part, no error text


@pytest.mark.parametrize("sent", ["", "wrong", MONITORING_TOKEN[:-1]])
def test_a_wrong_token_gets_the_status_alone(client, all_running, sent):
    assert client.get("/health/", headers={"X-Health-Token": sent}).json() == {"status": "ok"}


def test_with_no_token_set_an_empty_header_opens_nothing(client, all_running, settings):
    settings.HEALTH_TOKEN = ""
    assert client.get("/health/", headers={"X-Health-Token": ""}).json() == {"status": "ok"}


def test_an_administrator_signed_in_sees_the_details(client, all_running):
    client.force_login(UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True))
    data = client.get("/health/").json()
    assert data["database"] == {"ok": True, "error": None}
    assert "jobs" in data


def test_someone_signed_in_who_is_not_an_administrator_sees_the_status_alone(client, all_running):
    client.force_login(UserFactory(roles=[RoleCode.IRO]))
    assert client.get("/health/").json() == {"status": "ok"}
