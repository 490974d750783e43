from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Keeping records: the registry of audited models, archiving closed concerns, and removing
    personal details once they are past retention. It reads every domain app below it."""

    name = "records"
    verbose_name = "Records, retention and audit"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from . import audited

        audited.register_models()
