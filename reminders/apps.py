from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """The chase scans, the review chase and the digests, with the hours messages may go out:
    they queue messages through the outbox below, and tell it which reminders to check are
    still needed just before they are sent."""

    name = "reminders"
    verbose_name = "Reminders and chases"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from notifications import stale as outbox_checks

        from . import stale

        outbox_checks.register(stale.CHECKED_KINDS, stale.still_needed)
