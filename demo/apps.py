from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demonstration data (`manage.py seed_demo`); sits above every other app."""

    name = "demo"
    verbose_name = "Demo data"
