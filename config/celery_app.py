import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

from config import (
    broker,  # noqa: F401 - registers the embedded default's broker scheme
    collector,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("prp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@worker_process_init.connect
def _tune_collector(**_):
    """Workers run job after job as a web process runs requests (see config/collector.py)."""
    collector.tune()
