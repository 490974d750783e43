from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Imports"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from auditlog.registry import auditlog

        from .models import ImportRun

        # Who imported what, when: in the audit trail with every other change.
        if not auditlog.contains(ImportRun):
            auditlog.register(ImportRun)
