"""A real Celery worker consumes from the configured broker (Redis in CI, the filesystem
transport on the embedded default) and runs a scheduled job against the real database."""

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery_app import app
from prp.models import JobHeartbeat
from prp.tasks import heartbeat
from tests.worker import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_heartbeat_job():
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        heartbeat.delay()
        wait_for(lambda: JobHeartbeat.objects.filter(name="heartbeat").exists())
    assert JobHeartbeat.objects.get(name="heartbeat").last_success_at is not None


def test_the_beat_schedule_runs_the_heartbeat_every_minute():
    entry = app.conf.beat_schedule["heartbeat"]
    assert entry["task"] == heartbeat.name
    assert entry["schedule"] == 60.0
