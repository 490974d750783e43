from django.apps import AppConfig


def protocols_in_use(protocol_ids) -> bool:
    """A protocol version is in use once any concern, draft or not, was opened under it."""
    from .models import Concern

    return Concern.objects.filter(protocol_id__in=protocol_ids).exists()


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = "Concerns and escalations"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from prp import frozen
        from prp import waiting as prp_waiting

        from . import audience, restricted, waiting  # noqa: F401  (restricted connects its signals)

        audience.register()
        prp_waiting.register(waiting.waiting)
        frozen.register_in_use_check(protocols_in_use)
