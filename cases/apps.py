from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Children"

    def ready(self):
        from . import audience

        audience.register()
