import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import (
    DEMO_STATE_CODES,
    demo_logins,
    demo_presence,
    demo_reset,
    demo_seed,
)
from frameworks.document import FrameworkError


class Command(BaseCommand):
    help = (
        "Create invented demo data: three states with their LEAs, two assessment cycles, "
        "policy profiles and a user of every role. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help=f"first delete {', '.join(DEMO_STATE_CODES)} with everything under them "
            "and the demo users, then seed again",
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="run although DEBUG is off: the demo users have published passwords",
        )

    def handle(self, *args, reset, not_production, **options):
        if not settings.DEBUG and not not_production:
            raise CommandError(
                "DEBUG is off, so this may be a production site, and the demo users' passwords "
                "are printed in the README. If this is a demo or test site, run again with "
                "--i-know-this-is-not-production."
            )
        started = time.monotonic()
        if reset:
            demo_reset()
            self.stdout.write(
                f"Deleted the demo data ({', '.join(DEMO_STATE_CODES)} and the demo users)."
            )
        elif reason := demo_presence():
            self.stdout.write(
                f"Already seeded ({reason}); nothing changed. Use --reset to rebuild the demo data."
            )
            self._logins_write()
            return
        try:
            summary = demo_seed()
        except FrameworkError as exc:
            raise CommandError(f"The framework file could not be loaded: {exc}") from None
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {summary.states} states, {summary.leas} LEAs, "
                f"{sum(summary.assessments.values())} assessments and {summary.answers} answers "
                f"in {seconds:.1f} s."
            )
        )
        for key, count in sorted(summary.assessments.items()):
            self.stdout.write(f"  {key:<20} {count:>4}")
        stages = ", ".join(
            f"{code} {cycle} {stage}" for code, cycle, stage in summary.policy_stages
        )
        self.stdout.write(f"Policy stages: {stages}")
        self._logins_write()

    def _logins_write(self) -> None:
        logins = demo_logins()
        headings = ("Username", "Role", "Place", "Password")
        rows = [(x.username, x.role, x.place, x.password) for x in logins]
        widths = [max(len(r[i]) for r in [headings, *rows]) for i in range(len(headings))]

        def line(cells) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write("")
        self.stdout.write(line(headings))
        self.stdout.write(line("-" * w for w in widths))
        for row in rows:
            self.stdout.write(line(row))
