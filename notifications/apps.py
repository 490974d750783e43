from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Imported here: models and what uses them load only once the app registry is ready.
        from . import checks  # noqa: F401 - registers the SITE_URL check
