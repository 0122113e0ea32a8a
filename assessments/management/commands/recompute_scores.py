from django.core.management.base import BaseCommand, CommandError

from assessments.models import Assessment
from assessments.scores import assessment_list_rescore


class Command(BaseCommand):
    help = "Recompute every stored assessment score; with --check, only report differences."

    def add_arguments(self, parser):
        parser.add_argument("--state", action="append", default=[], help="USPS code; repeatable")
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit with status 1 if any stored score differs",
        )

    def handle(self, *args, state, check, **options):
        assessments = Assessment.objects.all()
        if state:
            assessments = assessments.filter(lea__state__code__in=[s.upper() for s in state])
        total = assessments.count()
        differences = assessment_list_rescore(assessments=assessments, check_only=check)
        for assessment, stored, computed in differences[:50]:
            changed = (
                ", ".join(
                    f"{k}: {stored[k]!r} -> {computed[k]!r}"
                    for k in ("overall_score", "stage", "answered_count")
                    if stored[k] != computed[k]
                )
                or "domain scores differ"
            )
            self.stdout.write(f"  {assessment.lea.leaid} {assessment.lea.name}: {changed}")
        if len(differences) > 50:
            self.stdout.write(f"  ... and {len(differences) - 50} more")
        if check:
            if differences:
                raise CommandError(f"{len(differences)} of {total} stored scores differ")
            self.stdout.write(self.style.SUCCESS(f"All {total} stored scores are exact."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Recomputed {total} assessments; {len(differences)} changed.")
            )
