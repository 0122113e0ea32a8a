from django.core.management.base import BaseCommand, CommandError

from reports.services import report_sweep


class Command(BaseCommand):
    help = (
        "Send report jobs stuck in the queue to the broker again, and re-queue running jobs "
        "whose worker died. Safe to run at any time (for example from cron next to the "
        "workers, when celery beat is not running or the broker was down)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queued-for",
            type=int,
            default=900,
            help="Re-send jobs handed to the broker more than this many seconds ago and "
            "still queued (jobs never handed over are always sent). Default 900.",
        )
        parser.add_argument(
            "--running-for",
            type=int,
            default=None,
            help="Re-queue running jobs whose last heartbeat is older than this many "
            "seconds. Default: JOB_STALE_SECONDS (45).",
        )

    def handle(self, *args, queued_for: int, running_for: int | None, **options):
        if queued_for < 0 or (running_for is not None and running_for < 0):
            raise CommandError("Durations must be zero or more seconds.")
        result = report_sweep(queued_for=queued_for, running_for=running_for)
        self.stdout.write(
            f"{result.requeued} queued job(s) sent to the broker, "
            f"{result.restarted} stalled job(s) restarted, {result.failed} failed."
        )
