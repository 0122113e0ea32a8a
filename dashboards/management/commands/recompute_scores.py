from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Assessment, AssessmentCycle
from assessments.scores import assessment_list_rescore
from dashboards.services import figures_check, figures_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every stored assessment score and rebuild the cycles' summaries; with "
        "--check, only report differences (scores, and summaries against a recount)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--state", action="append", default=[], help="USPS code; repeatable")
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit with status 1 if any stored score or summary differs",
        )

    def handle(self, *args, state, check, **options):
        assessments = Assessment.objects.all()
        cycles = AssessmentCycle.objects.all()
        if state:
            codes = [s.upper() for s in state]
            assessments = assessments.filter(lea__state__code__in=codes)
            cycles = cycles.filter(state__code__in=codes)
        total = assessments.count()
        differences = assessment_list_rescore(assessments=assessments, check_only=check)
        for assessment, stored, computed in differences[:50]:
            changed = (
                ", ".join(
                    f"{k}: {stored[k]!r} -> {computed[k]!r}"
                    for k in ("overall_score", "stage", "answered_count", "gap_codes")
                    if stored[k] != computed[k]
                )
                or "domain scores differ"
            )
            self.stdout.write(f"  {assessment.lea.leaid} {assessment.lea.name}: {changed}")
        if len(differences) > 50:
            self.stdout.write(f"  ... and {len(differences) - 50} more")
        if not check:
            rebuilt = figures_rebuild(cycles=cycles)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Recomputed {total} assessments; {len(differences)} changed. "
                    f"Rebuilt the summaries of {rebuilt} cycles."
                )
            )
            return
        checks = list(figures_check(cycles=cycles))
        wrong = [c for c in checks if not c.exact]
        for c in wrong[:50]:
            self.stdout.write(f"  {c}")
        states = Counter(c.state for c in checks)
        summary_words = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        if differences or wrong:
            raise CommandError(
                f"{len(differences)} of {total} stored scores differ; "
                f"{len(wrong)} of {len(checks)} cycle summaries differ from a recount"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"All {total} stored scores are exact. All {len(checks)} cycle summaries "
                f"equal a recount of the answers (0 differences; {summary_words})."
            )
        )
