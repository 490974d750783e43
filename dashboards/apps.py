from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """The top floor of reading: the dashboard, the reports and the packs, counted across
    every app below it (dashboards.scope decides what each person's figures count)."""

    name = "dashboards"
    verbose_name = "Dashboards and reports"

    def ready(self):
        # Imported here, once the apps are loaded: the models and the services they need.
        from notifications import health
        from prp import audit

        from . import sending
        from .models import PackRecipients

        # Who gets the packs is a setting an administrator changes: every change is audited.
        audit.register(PackRecipients, m2m={"roles", "people"})
        for pack in sending.PACKS.values():
            health.register_periodic(pack.job, lambda now, pack=pack: sending.health(pack, now))
