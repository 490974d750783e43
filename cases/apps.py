from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Children"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from prp import presets
        from prp import waiting as prp_waiting

        from . import audience, waiting
        from .services import review_rules_apply_protocol

        audience.register()
        prp_waiting.register(waiting.waiting)
        if review_rules_apply_protocol not in presets.on_activate:
            presets.on_activate.append(review_rules_apply_protocol)
