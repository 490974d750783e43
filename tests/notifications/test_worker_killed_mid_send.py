"""Issue 13 §5, the fault test: a real Celery worker, SIGKILLed in the middle of a batch, against a
real SMTP server on 127.0.0.1, then restarted. Every email is counted by its Message-ID.

The worker is its own process on the production settings (so it can be killed), sharing the
test's PostgreSQL database and Redis broker: it needs both, so it runs on PostgreSQL + Redis (CI's
second run) and is skipped on SQLite in memory, which another process cannot open.

Each kill lands while the worker waits for the server's answer to a message the server already
holds: the worst moment, the one message in flight. The lease is shortened (OUTBOX_LEASE_SECONDS,
FAULT_TEST_LEASE_SECONDS to change it; production's is 120 s) so the test takes seconds.
"""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.models import Kind, Notification, Status
from notifications.sender import message_id
from notifications.tasks import send_outbox
from tests.factories import UserFactory
from tests.smtp import Sink

ROOT = Path(__file__).resolve().parents[2]
QUEUED = 360
KILL_AT = (90, 240)  # the worker dies while the server holds the 90th message, then the 240th
LEASE = int(os.environ.get("FAULT_TEST_LEASE_SECONDS", "4"))

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="a worker in another process needs a shared database and broker (PostgreSQL + Redis)",
)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(smtp_port: int) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_", "OUTBOX_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="concerns.example.org",
        SITE_URL="https://concerns.example.org",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        OUTBOX_LEASE_SECONDS=str(LEASE),
        LOG_LEVEL="WARNING",
    )
    return env


def start_worker(env: dict, queue: str, n: int) -> subprocess.Popen:
    quiet = ("--without-heartbeat", "--without-mingle", "--without-gossip")
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
            *("-Q", queue, "-n", f"{queue}-{n}@%h", *quiet, "--loglevel", "WARNING"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def counts() -> Counter:
    return Counter(Notification.objects.values_list("status", flat=True))


def beat_until(condition, queue: str, seconds: float, what: str):
    """Ask the worker to send every second, as beat's every-minute job would, until done."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s: {counts()}"
        send_outbox.apply_async(queue=queue)
        time.sleep(1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_one_message_per_kill():
    people = UserFactory.create_batch(12)
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=people[n % len(people)],
            kind=Kind.RESPONDED,
            key=f"fault:{n}",
            subject=f"Message {n}",
            body_text=f"Hello {n}",
            body_html=f"<p>Hello {n}</p>",
            created_at=now,
            send_after=now,
        )
        for n in range(QUEUED)
    )
    queue = f"fault-{secrets.token_hex(4)}"
    workers: list[subprocess.Popen] = []
    killed = {at: threading.Event() for at in KILL_AT}
    killed_at = {}

    def kill_mid_send(n):
        # The server holds message n and has not answered: kill the worker now.
        if n in killed:
            workers[-1].send_signal(signal.SIGKILL)
            workers[-1].wait(10)
            killed_at[n] = time.monotonic()
            killed[n].set()

    try:
        with Sink(on_message=kill_mid_send) as sink:
            env = worker_env(sink.port)
            for n, at in enumerate(KILL_AT):
                workers.append(start_worker(env, queue, n))
                beat_until(killed[at].is_set, queue, 60, f"the worker did not reach message {at}")
                in_flight = counts()[Status.SENDING]
                assert in_flight >= 1, "the kill left no message in flight"
            workers.append(start_worker(env, queue, len(KILL_AT)))
            beat_until(
                lambda: counts()[Status.SENT] == QUEUED, queue, 60 + 2 * LEASE, "not all sent"
            )
            finished = time.monotonic()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(20)

    delivered = Counter(sink.message_ids)
    repeated = sum(times - 1 for times in delivered.values())
    stuck = QUEUED - counts()[Status.SENT]
    # Every email names its row: the repeats are recognisable as the same message.
    assert set(delivered) == {message_id(row) for row in Notification.objects.all()}
    took = finished - killed_at[KILL_AT[-1]]
    print(
        f"\n{QUEUED} queued, {len(delivered)} delivered, {repeated} repeated, {stuck} stuck after "
        + ("2 minutes" if LEASE == 120 else f"{LEASE} s (the lease; production's is 2 minutes)")
        + f"; {len(KILL_AT)} kills, everything sent {took:.1f} s after the last"
    )
    assert len(delivered) == QUEUED
    assert stuck == 0
    assert repeated <= len(KILL_AT)
    assert Notification.objects.filter(status=Status.SENDING).count() == 0
