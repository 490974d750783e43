"""The outbox end to end: a real Celery worker consuming from the configured broker (Redis when
REDIS_URL is set, otherwise the filesystem transport) sends the delegation email; with the broker
unreachable, raising and responding still succeed and nothing is lost or doubled; two senders
at once send each message once."""

import contextlib
import datetime as dt
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from config.celery_app import app
from escalations import services
from escalations.models import Task
from notifications.models import Kind, Notification, Status
from notifications.services import send_due
from notifications.tasks import send_outbox
from tests.builders import raised_task
from tests.worker import wait_for

UNREACHABLE = "redis://127.0.0.1:1/0"


def raise_concern(child, iro, manager) -> Task:
    """An informal task, its response date agreed for a week from today."""
    agreed = timezone.localdate() + dt.timedelta(days=7)
    return raised_task(iro, child, manager, level=0, agreed=agreed)


def _forget_connections():
    # Celery keeps a connection pool and a producer pool made from the broker URL it first saw.
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_unreachable():
    """Point Celery at a port nobody listens on, as if Redis were stopped."""
    old_setting, old_conf = settings.CELERY_BROKER_URL, app.conf.broker_url
    settings.CELERY_BROKER_URL = app.conf.broker_url = UNREACHABLE
    _forget_connections()
    try:
        yield
    finally:
        settings.CELERY_BROKER_URL, app.conf.broker_url = old_setting, old_conf
        _forget_connections()


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_the_delegation_email_end_to_end(protocols, child, iro, team_manager):
    # Raising commits and wakes the worker through the broker. The worker starts after, so the
    # test's thread and the worker's never write the (SQLite in memory) database at once.
    task = raise_concern(child, iro, team_manager)
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        wait_for(lambda: any(team_manager.email in m.to for m in mail.outbox))
    delegated = Notification.objects.get(kind=Kind.DELEGATED, task=task)
    assert delegated.status == Status.SENT
    assert delegated.attempts == 1
    emails = [m for m in mail.outbox if m.to == [team_manager.email]]
    assert len(emails) == 1
    assert emails[0].subject == delegated.subject
    assert "Amara Okafor" in emails[0].subject
    assert f"/tasks/{task.pk}/" in emails[0].body


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_nothing_is_lost_and_it_is_sent_once_it_is_back(
    protocols, child, iro, team_manager
):
    with broker_unreachable():
        started = time.monotonic()
        task = raise_concern(child, iro, team_manager)
        raised_in = time.monotonic() - started
        task = Task.objects.get(pk=task.pk)
        started = time.monotonic()
        services.task_respond(
            task=task,
            by=team_manager,
            lock_version=task.lock_version,
            response_option=None,
            response="We will hold a planning meeting.",
        )
        responded_in = time.monotonic() - started
        # Both succeed: waking the worker gives up within the broker's connection timeout
        # (CELERY_BROKER_CONNECTION_TIMEOUT, 2 s) and is not retried.
        for took in (raised_in, responded_in):
            assert took < settings.CELERY_BROKER_CONNECTION_TIMEOUT + 1.5, f"took {took:.1f} s"
        rows = list(Notification.objects.order_by("id"))
        assert {(n.recipient_id, n.kind) for n in rows} == {
            (team_manager.pk, Kind.DELEGATED),
            (iro.pk, Kind.RESPONDED),
        }
        assert all(n.status == Status.PENDING and n.attempts == 0 for n in rows)
        assert mail.outbox == []

    # The broker is back: the periodic sender's next run (here through a real worker) sends
    # everything that waited, once.
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        send_outbox.delay()
        wait_for(lambda: len(mail.outbox) >= 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([team_manager.email, iro.email])
    assert set(Notification.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert send_due() == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_send_due_sends_each_message_once_after(
    protocols, child, iro, team_manager
):
    with broker_unreachable():
        raise_concern(child, iro, team_manager)
        assert Notification.objects.filter(status=Status.PENDING).count() == 1
    assert send_due() == 1
    assert send_due() == 0
    assert [m.to for m in mail.outbox] == [[team_manager.email]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite in memory cannot be written by two threads at once; PostgreSQL runs it",
)
def test_two_senders_at_once_send_each_message_once(protocols, iro):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=iro,
            kind=Kind.RESPONDED,
            key=f"test:{n}",
            subject=f"Message {n}",
            body_text="Hello",
            body_html="<p>Hello</p>",
            send_after=now,
        )
        for n in range(60)
    )
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def sender():
        try:
            barrier.wait()
            sent.append(send_due())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == 60
    assert sorted(m.subject for m in mail.outbox) == sorted(f"Message {n}" for n in range(60))
    assert set(Notification.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
