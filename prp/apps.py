from django.apps import AppConfig


class PrpConfig(AppConfig):
    name = "prp"
    verbose_name = "People, teams and the pathway"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from . import signals  # noqa: F401
        from .security import receivers  # noqa: F401
