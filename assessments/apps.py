from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """Cycles, LEA needs assessments and their answers, scoring and results."""

    name = "assessments"
    verbose_name = "Assessments"
