from django.apps import AppConfig


class QaprConfig(AppConfig):
    name = "qapr"
    verbose_name = "Quality assurance progress reviews"
