from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """The top floor of reading: the dashboard, the reports and the packs, counted across
    every app below it (dashboards.scope decides what each person's figures count)."""

    name = "dashboards"
    verbose_name = "Dashboards and reports"
