from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo authority, the national-scale generator and the seed_* and bench_* commands:
    the top floor, kept out of the product apps, which never import it."""

    name = "demo"
    verbose_name = "Demo and scale data"
