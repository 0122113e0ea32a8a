from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """States and LEAs, and importing them from NCES Common Core of Data files."""

    name = "directory"
    verbose_name = "Directory"
