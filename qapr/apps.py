from django.apps import AppConfig


class QaprConfig(AppConfig):
    name = "qapr"
    verbose_name = "Quality assurance progress reviews"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from escalations import related
        from prp import waiting as prp_waiting

        from . import related as qapr_related
        from . import waiting

        prp_waiting.register(waiting.waiting)
        related.register(qapr_related.raised_from)
