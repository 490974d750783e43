"""Celery tasks: thin wrappers that send the packs due and record that the job ran."""

from celery import shared_task

from notifications.tasks import record

from . import sending


@shared_task(name="dashboards.send_clinic_packs")
def send_clinic_packs() -> dict:
    """The weekly clinic pack, if one is due and not yet sent. Safe to run often."""
    result = sending.send_due(sending.CLINIC_PACK)
    record(sending.CLINIC_PACK.job)
    return result


@shared_task(name="dashboards.send_themes_reports")
def send_themes_reports() -> dict:
    """The monthly themes report, if one is due and not yet sent. Safe to run often."""
    result = sending.send_due(sending.THEMES_REPORT)
    record(sending.THEMES_REPORT.job)
    return result
