from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    """Framework versions (the YAML files in this folder) and the rows loaded from them."""

    name = "frameworks"
    verbose_name = "Frameworks"
