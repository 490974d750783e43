from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = "Concerns and escalations"

    def ready(self):
        from . import restricted  # noqa: F401  (connects its signals)
