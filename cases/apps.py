from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Children"

    def ready(self):
        from prp import presets

        from . import audience
        from .services import review_rules_apply_protocol

        audience.register()
        if review_rules_apply_protocol not in presets.on_activate:
            presets.on_activate.append(review_rules_apply_protocol)
