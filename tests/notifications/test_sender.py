"""Sending the outbox (issue 13 §5, §6): batches over one SMTP connection, each row marked sent
the moment the server accepts it, leases that a live sender renews and a dead one loses, a
stable Message-ID per row, and EMAIL_TIMEOUT against a relay that never answers.

The mail servers are real, on 127.0.0.1 (tests/smtp.py)."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

from config.celery_app import app
from notifications import sender
from notifications.models import Kind, Notification, Status
from notifications.tasks import send_outbox
from prp.models import JobHeartbeat
from prp.tasks import heartbeat
from tests.factories import UserFactory
from tests.smtp import SilentRelay, Sink
from tests.worker import wait_for

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def queue(count: int, *, now=None) -> list[Notification]:
    now = now or timezone.now()
    people = UserFactory.create_batch(3)
    Notification.objects.bulk_create(
        Notification(
            recipient=people[n % 3],
            kind=Kind.RESPONDED,
            key=f"test:{n}",
            subject=f"Message {n}",
            body_text=f"Hello {n}",
            body_html=f"<p>Hello {n}</p>",
            created_at=now,
            send_after=now,
        )
        for n in range(count)
    )
    return list(Notification.objects.order_by("pk"))


@pytest.fixture
def smtp_to(settings):
    def point_at(port):
        settings.EMAIL_BACKEND = SMTP
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_TIMEOUT = 2

    return point_at


def statuses():
    return list(Notification.objects.order_by("pk").values_list("status", flat=True))


# One connection a batch -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_goes_over_one_smtp_connection(smtp_to, settings):
    rows = queue(7)
    with Sink() as sink:
        smtp_to(sink.port)
        assert sender.send_due() == 7
    assert sink.connections == 1
    assert sorted(m["Subject"] for m in sink.messages) == sorted(r.subject for r in rows)
    assert set(statuses()) == {Status.SENT}


@pytest.mark.django_db
def test_each_batch_has_its_own_connection(smtp_to, settings):
    queue(7)
    settings.OUTBOX_BATCH_SIZE = 3
    with Sink() as sink:
        smtp_to(sink.port)
        assert sender.send_due() == 7
    assert sink.connections == 3


@pytest.mark.django_db
def test_a_refused_message_fails_alone_and_the_rest_of_the_batch_goes(smtp_to):
    rows = queue(5)
    now = timezone.now()
    with Sink(on_message=lambda n: "451 4.3.0 Try again later" if n == 3 else None) as sink:
        smtp_to(sink.port)
        assert sender.send_due(now) == 4
    assert statuses() == [Status.SENT, Status.SENT, Status.PENDING, Status.SENT, Status.SENT]
    refused = Notification.objects.get(pk=rows[2].pk)
    assert refused.last_error.startswith("SMTPDataError")
    assert refused.send_after == now + dt.timedelta(minutes=sender.BACKOFF_MINUTES[0])
    assert refused.claimed_by == ""
    assert sink.connections == 2  # the next message went over a fresh connection


@pytest.mark.django_db(transaction=True)
def test_each_row_is_marked_sent_the_moment_the_server_accepts_it(smtp_to):
    """While the server takes message n, messages 1..n-1 are already marked sent in the
    database (looked at from another connection) and the rest are still held."""
    rows = queue(4)
    seen = {}

    def look(n):
        try:
            seen[n] = statuses()
        finally:
            connection.close()

    with Sink(on_message=look) as sink:
        smtp_to(sink.port)
        assert sender.send_due() == 4
    for n in range(1, 5):
        assert seen[n] == [Status.SENT] * (n - 1) + [Status.SENDING] * (5 - n), n
    assert [m["Message-ID"] for m in sink.messages] == [sender.message_id(r) for r in rows]


# Message-ID ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_message_has_a_message_id_made_from_its_row_the_same_on_every_attempt(smtp_to):
    rows = queue(2)
    now = timezone.now()
    with Sink(on_message=lambda n: "451 4.3.0 Try again later" if n == 1 else None) as sink:
        smtp_to(sink.port)
        sender.send_due(now)
        sender.send_due(now + dt.timedelta(minutes=2))  # the retry of the refused first one
    stamp = rows[0].created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    first = f"<notification-{rows[0].pk}-{stamp}@example.org>"
    assert sender.message_id(rows[0]) == first
    assert sender.message_id(rows[1]) != first
    assert sink.message_ids == [sender.message_id(rows[1]), first]
    assert set(statuses()) == {Status.SENT}


@pytest.mark.django_db
def test_the_locmem_backend_gets_the_same_message_id(settings):
    (row,) = queue(1)
    mail.outbox = []
    sender.send_due()
    assert mail.outbox[0].extra_headers["Message-ID"] == sender.message_id(row)
    assert mail.outbox[0].message()["Message-ID"] == sender.message_id(row)


# Leases -------------------------------------------------------------------------------------


def test_the_lease_is_two_minutes_by_default():
    assert django_settings.OUTBOX_LEASE_SECONDS == 120


@pytest.mark.django_db
def test_a_dead_senders_claims_go_back_to_the_queue_when_its_lease_runs_out():
    queue(3)
    now = timezone.now()
    held = sender.claim_batch(now, 100, "dead-worker:1")  # claimed, then the worker died
    assert len(held) == 3
    assert set(statuses()) == {Status.SENDING}
    mail.outbox = []
    # Nobody else takes them while the lease is live...
    assert sender.send_due(now + dt.timedelta(seconds=119)) == 0
    assert set(statuses()) == {Status.SENDING}
    # ...and they are sent, once, by the first run after it runs out: within 2 minutes.
    assert sender.send_due(now + dt.timedelta(seconds=121)) == 3
    assert set(statuses()) == {Status.SENT}
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("attempts", flat=True)) == {2}


@pytest.mark.django_db
def test_a_live_sender_renews_its_lease_while_it_sends(settings):
    settings.OUTBOX_LEASE_SECONDS = 1
    queue(2)
    now = timezone.now()
    rows = sender.claim_batch(now, 100, "live-worker:1")
    lease = sender.Lease("live-worker:1", now)
    assert lease.still_held([r.pk for r in rows]) is None  # fresh: nothing to do
    time.sleep(0.3)  # past a quarter of the lease
    assert lease.still_held([r.pk for r in rows]) == {r.pk for r in rows}
    renewed = set(Notification.objects.values_list("claimed_at", flat=True))
    assert len(renewed) == 1 and renewed.pop() > now + dt.timedelta(seconds=0.25)
    # An expiry check at the original lease's end leaves the renewed rows alone.
    assert sender.release_expired(now + dt.timedelta(seconds=1.1)) == 0


@pytest.mark.django_db
def test_a_row_taken_from_a_sender_is_not_sent_by_it(settings):
    settings.OUTBOX_LEASE_SECONDS = 1
    queue(2)
    now = timezone.now()
    rows = sender.claim_batch(now, 100, "slow-worker:1")
    lease = sender.Lease("slow-worker:1", now)
    Notification.objects.filter(pk=rows[0].pk).update(status=Status.PENDING, claimed_by="")
    time.sleep(0.3)  # the sender was slow: its lease is renewed before the next message
    mail.outbox = []
    assert sender.send_batch(rows, lease, now) == 1
    assert [m.subject for m in mail.outbox] == [rows[1].subject]
    assert statuses() == [Status.PENDING, Status.SENT]


class TimeRunsOutBackend(BaseEmailBackend):
    """Accepts one message, then Celery's soft time limit strikes during the second."""

    def send_messages(self, messages):
        if len(mail.outbox) == 1:
            raise SoftTimeLimitExceeded()
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db
def test_a_batch_cut_short_by_the_time_limit_goes_back_to_the_queue(settings):
    """What was sent stays sent; the rest, the message in flight included, is released at once
    instead of waiting for the lease, and no failure is counted against it."""
    queue(3)
    mail.outbox = []
    settings.EMAIL_BACKEND = f"{__name__}.TimeRunsOutBackend"
    with pytest.raises(SoftTimeLimitExceeded):
        sender.send_due()
    assert statuses() == [Status.SENT, Status.PENDING, Status.PENDING]
    assert set(Notification.objects.values_list("claimed_by", "last_error")) == {("", "")}


# The last look before sending ------------------------------------------------------------------


@pytest.mark.django_db
def test_every_batch_check_can_stop_a_row_with_its_reason(monkeypatch, caplog):
    rows = queue(3)

    def not_for_the_second(batch):
        return {row.pk: "a test reason" for row in batch if row.pk == rows[1].pk}

    monkeypatch.setattr(sender, "BATCH_CHECKS", [*sender.BATCH_CHECKS, not_for_the_second])
    mail.outbox = []
    with caplog.at_level("INFO", logger="notifications.sender"):
        assert sender.send_due() == 2
    assert statuses() == [Status.SENT, Status.NOT_NEEDED, Status.SENT]
    assert f"[{rows[1].pk}]: a test reason" in caplog.text


# EMAIL_TIMEOUT: a relay that accepts and never answers (§6) ---------------------------------


def test_the_mail_timeout_is_15_seconds_by_default():
    assert django_settings.EMAIL_TIMEOUT == 15


@pytest.mark.django_db
def test_a_relay_that_never_answers_is_given_up_on_in_time_and_retried_later(smtp_to, settings):
    rows = queue(120)  # more than one batch
    now = timezone.now()
    with SilentRelay() as relay:
        smtp_to(relay.port)
        settings.EMAIL_TIMEOUT = 1
        started = time.monotonic()
        assert sender.send_due(now) == 0
        took = time.monotonic() - started
    # One wait for the greeting, not one per message or per batch.
    assert 1 <= took < 3, f"{took:.1f} s"
    assert len(relay.connections) == 1
    first_batch = Notification.objects.filter(pk__in=[r.pk for r in rows[:100]])
    assert {(n.status, n.attempts) for n in first_batch} == {(Status.PENDING, 1)}
    # smtplib's words for a greeting that never came.
    assert {n.last_error for n in first_batch} == {
        "SMTPServerDisconnected: Connection unexpectedly closed: timed out"
    }
    assert {n.send_after for n in first_batch} == {now + dt.timedelta(minutes=1)}
    untouched = Notification.objects.filter(pk__in=[r.pk for r in rows[100:]])
    assert {(n.status, n.attempts) for n in untouched} == {(Status.PENDING, 0)}

    # The relay is back: the next run after the back-off sends everything, once.
    with Sink() as sink:
        smtp_to(sink.port)
        assert sender.send_due(now + dt.timedelta(minutes=1)) == 120
    assert len(set(sink.message_ids)) == 120


@pytest.mark.django_db
def test_a_relay_that_stops_answering_mid_batch_stops_the_batch_in_time(smtp_to, settings):
    """The server takes two messages, then holds the third without answering."""
    queue(5)
    now = timezone.now()
    settings.EMAIL_TIMEOUT = 1

    def hang_on_the_third(n):
        if n == 3:
            time.sleep(2.5)

    with Sink(on_message=hang_on_the_third) as sink:
        smtp_to(sink.port)
        started = time.monotonic()
        assert sender.send_due(now) == 2
        took = time.monotonic() - started
    assert took < 2.5, f"{took:.1f} s"
    assert statuses() == [Status.SENT, Status.SENT] + [Status.PENDING] * 3
    errors = set(Notification.objects.exclude(status=Status.SENT).values_list("last_error"))
    assert len(errors) == 1 and errors.pop()[0].endswith("timed out")


@pytest.mark.django_db(transaction=True)
def test_with_a_hung_relay_the_worker_gives_up_and_runs_its_other_jobs(settings, smtp_to):
    """A real worker: the sender gives up after EMAIL_TIMEOUT and the next job (the heartbeat)
    runs straight after, instead of the worker being stuck until Celery's time limit."""
    queue(3)
    with SilentRelay() as relay:
        smtp_to(relay.port)
        settings.EMAIL_TIMEOUT = 2
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            started = time.monotonic()
            send_outbox.delay()
            heartbeat.delay()
            wait_for(lambda: JobHeartbeat.objects.filter(name="heartbeat").exists(), seconds=20)
            took = time.monotonic() - started
            wait_for(lambda: JobHeartbeat.objects.filter(name="send_outbox").exists())
    assert took < 2 + 6, f"{took:.1f} s"
    errors = {n.last_error for n in Notification.objects.all()}
    assert errors == {"SMTPServerDisconnected: Connection unexpectedly closed: timed out"}
    assert set(statuses()) == {Status.PENDING}
