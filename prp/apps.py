from django.apps import AppConfig


class PrpConfig(AppConfig):
    name = "prp"
    verbose_name = "People, teams and the pathway"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from . import figures_cache, signals  # noqa: F401

        figures_cache.connect()
        from .security import receivers  # noqa: F401
