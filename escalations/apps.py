from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = "Concerns and escalations"

    def ready(self):
        from . import audience, restricted  # noqa: F401  (restricted connects its signals)

        audience.register()
