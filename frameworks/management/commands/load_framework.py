from django.core.management.base import BaseCommand, CommandError

from frameworks.document import FrameworkError
from frameworks.services import framework_load


class Command(BaseCommand):
    help = "Validate a framework file (YAML) and load it into the database."

    def add_arguments(self, parser):
        parser.add_argument("path", help="for example frameworks/cbe-v1.yaml")

    def handle(self, *args, path, **options):
        try:
            fv, outcome = framework_load(path=path)
        except FrameworkError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.problems)
            raise CommandError(f"{path} was not loaded; nothing was written:\n{lines}") from None
        counts = (
            f"{fv.domains.count()} domains, {fv.indicators.count()} indicators, "
            f"{fv.levers.count()} levers"
        )
        self.stdout.write(self.style.SUCCESS(f"{fv.label}: {outcome} ({counts})"))
