import os

from celery import Celery

from config import broker  # noqa: F401 - registers the embedded default's broker scheme

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("prp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
