"""The worker's side of a large import: run it, record it, email the result."""

from celery import shared_task
from django.urls import reverse

from notifications.models import Kind
from notifications.services import Message, notify

from . import services
from .models import ImportRun
from .summary import summary_lines


@shared_task(name="imports.run_import")
def run_import(run_id: int) -> str:
    """Import a run claimed from the page. A run not waiting (already done) is left alone."""
    run = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).first()
    if run is None:
        return "not waiting"
    plan = services.finish_import(run)
    run.refresh_from_db()
    notify(
        Message(
            recipient=run.started_by,
            kind=Kind.IMPORT_FINISHED,
            key=f"import-finished-{run.pk}",
            context={"run": run, "lines": summary_lines(plan, confirmed=plan.ok), "ok": plan.ok},
            url=reverse("imports:import_progress", args=[run.pk]),
        )
    )
    return run.status
