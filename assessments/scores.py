"""Keeping stored scores equal to what assessments.scoring computes from the answers.

Scores are derived data stored on the assessment with the framework version that
produced them, so pages, PDFs and dashboards read them without recomputing, and
`recompute_scores --check` can prove they are still exact.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from .models import Answer, Assessment
from .scoring import AnswerData, ScoreResult, score_answers


def answer_data(rows: Iterable[tuple[str, int | None, bool]]) -> list[AnswerData]:
    """(indicator code, rating, don't know) rows -> scoring input; unanswered rows are skipped."""
    return [
        AnswerData(indicator=code, rating=rating, dont_know=dont_know)
        for code, rating, dont_know in rows
        if rating is not None or dont_know
    ]


def assessment_compute(*, assessment: Assessment, rows=None) -> ScoreResult:
    """Score one assessment. `rows` may be given to save the query for its answers."""
    if rows is None:
        rows = Answer.objects.filter(assessment=assessment).values_list(
            "indicator__code", "rating", "dont_know"
        )
    return score_answers(assessment.cycle.framework.spec, answer_data(rows))


def assessment_score_fields(result: ScoreResult) -> dict:
    return {
        "scores": result.as_dict(),
        "overall_score": result.overall,
        "stage": result.stage,
        "answered_count": result.rated + result.dont_know,
        "gap_codes": list(result.gaps),
    }


def assessment_rescore(*, assessment: Assessment, rows=None) -> ScoreResult:
    """Recompute and store the assessment's scores in one UPDATE (no version bump:
    scores follow answers and never conflict with a person's edit; the new change time
    marks the cycle's summaries as older than the scores)."""
    result = assessment_compute(assessment=assessment, rows=rows)
    fields = assessment_score_fields(result)
    fields["scored_with_id"] = assessment.cycle.framework_id
    fields["updated_at"] = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(**fields)
    for key, value in fields.items():
        setattr(assessment, key, value)
    return result


def assessment_list_rescore(*, assessments: QuerySet[Assessment], check_only: bool = False):
    """Recompute many assessments with two queries plus one UPDATE per changed row.

    Returns the list of (assessment, stored fields, computed fields) that differed.
    With check_only nothing is written.
    """
    # The framework's content is read once per version (FrameworkVersion.spec keeps the
    # typed framework by content hash), not once per assessment.
    loaded = list(
        assessments.select_related("cycle__framework", "lea").defer("cycle__framework__content")
    )
    by_id: dict[int, list[tuple]] = {a.pk: [] for a in loaded}
    rows = Answer.objects.filter(assessment_id__in=by_id).values_list(
        "assessment_id", "indicator__code", "rating", "dont_know"
    )
    for assessment_id, code, rating, dont_know in rows.iterator(chunk_size=5000):
        by_id[assessment_id].append((code, rating, dont_know))
    differences = []
    for assessment in loaded:
        result = assessment_compute(assessment=assessment, rows=by_id[assessment.pk])
        computed = assessment_score_fields(result)
        stored = {key: getattr(assessment, key) for key in computed}
        if stored != computed or assessment.scored_with_id != assessment.cycle.framework_id:
            differences.append((assessment, stored, computed))
            if not check_only:
                computed["scored_with_id"] = assessment.cycle.framework_id
                computed["updated_at"] = timezone.now()
                Assessment.objects.filter(pk=assessment.pk).update(**computed)
    return differences
