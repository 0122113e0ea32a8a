"""Selectors for an LEA's results: scores, strengths and gaps, comparisons, change.

One call, `lea_results`, gathers everything the results page, the PDF and the API
show about one assessment, in a fixed number of queries (three, given an assessment
loaded with its LEA and cycle framework), whatever the number of LEAs in the state.
"""

from dataclasses import dataclass

from frameworks.document import Framework, LeaStage

from .models import Answer, Assessment
from .scoring import (
    AnswerData,
    ScoreResult,
    classify,
    score_answers,
    score_median,
)


@dataclass(frozen=True)
class DomainRow:
    code: str
    name: str
    score: float | None
    rated: int
    dont_know: int
    total: int
    state_median: float | None
    locale_median: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return round(self.score - self.previous, 1)


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    title: str
    domain_code: str
    domain_name: str
    area: str
    rating: int | None
    rating_label: str
    level_text: str
    evidence: str
    next_step: str
    levers: tuple[str, ...]


@dataclass
class LeaResults:
    assessment: Assessment
    framework: Framework
    score: ScoreResult
    stage_label: str
    stage_meaning: str
    domains: list[DomainRow]
    strengths: list[IndicatorRow]
    gaps: list[IndicatorRow]
    dont_know: list[IndicatorRow]
    answers: list[IndicatorRow]
    overall_state_median: float | None
    overall_locale_median: float | None
    previous_cycle: str | None
    previous_overall: float | None
    previous_stage_label: str | None
    peers_in_state: int
    peers_in_locale: int
    stages: tuple[LeaStage, ...] = ()

    @property
    def lea(self):
        return self.assessment.lea

    @property
    def cycle(self):
        return self.assessment.cycle

    @property
    def overall_change(self) -> float | None:
        if self.score.overall is None or self.previous_overall is None:
            return None
        return round(self.score.overall - self.previous_overall, 1)


def _stage_meaning(framework: Framework, code: str) -> str:
    entry = framework.lea_stage_entry(code)
    if entry is not None:
        return entry.meaning
    share = round(framework.scoring.min_answered_share * 100)
    return (
        f"Too few indicators are rated to place this LEA on a stage: each domain needs at "
        f"least {share}% of its indicators rated, and at least "
        f"{framework.scoring.min_scored_domains_for_stage} domains need a score."
    )


def _median(values: list[float]) -> float | None:
    return score_median(values)


def assessment_score(*, assessment: Assessment, rows: list[dict] | None = None) -> ScoreResult:
    """The assessment's scores and stage: the stored ones when they were computed with the
    cycle's framework version, otherwise computed from the answers (`rows`, as
    `lea_results` reads them, saves that query). The one figure behind the results page,
    the PDF and the scores API. The caller has checked, through access.selectors, that
    the user may see this assessment."""
    if assessment.scores and assessment.scored_with_id == assessment.cycle.framework_id:
        return ScoreResult.from_dict(assessment.scores)
    if rows is None:
        rows = list(
            Answer.objects.filter(assessment=assessment).values(
                "indicator__code", "rating", "dont_know"
            )
        )
    return score_answers(
        assessment.cycle.framework.spec,
        [
            AnswerData(r["indicator__code"], r["rating"], r["dont_know"])
            for r in rows
            if r["rating"] is not None or r["dont_know"]
        ],
    )


def lea_results(*, assessment: Assessment) -> LeaResults:
    """Everything shown about one assessment's results. The caller has already checked,
    through access.selectors, that the user may see this assessment."""
    cycle = assessment.cycle
    framework = cycle.framework.spec
    rows = list(
        Answer.objects.filter(assessment=assessment).values(
            "indicator__code", "rating", "dont_know", "evidence"
        )
    )
    by_code = {r["indicator__code"]: r for r in rows}
    score = assessment_score(assessment=assessment, rows=rows)

    # Peers: every scored assessment of the same cycle (this one included).
    peers = list(
        Assessment.objects.filter(cycle=cycle, overall_score__isnull=False).values_list(
            "lea__locale", "scores"
        )
    )
    locale = assessment.lea.locale
    previous = (
        Assessment.objects.filter(
            lea_id=assessment.lea_id,
            cycle__state_id=cycle.state_id,
            cycle__starts_on__lt=cycle.starts_on,
        )
        .exclude(scores={})
        .order_by("-cycle__starts_on")
        .values("cycle__name", "scores", "overall_score", "stage")
        .first()
    )
    previous_domains = {}
    if previous:
        previous_domains = {d["code"]: d["score"] for d in previous["scores"].get("domains", [])}

    def peer_values(code: str | None, same_locale: bool) -> list[float]:
        values = []
        for peer_locale, scores in peers:
            if same_locale and peer_locale != locale:
                continue
            if code is None:
                value = scores.get("overall")
            else:
                value = next(
                    (d["score"] for d in scores.get("domains", []) if d["code"] == code), None
                )
            if value is not None:
                values.append(value)
        return values

    domains = [
        DomainRow(
            code=d.code,
            name=d.name,
            score=d.score,
            rated=d.rated,
            dont_know=d.dont_know,
            total=d.total,
            state_median=_median(peer_values(d.code, False)),
            locale_median=_median(peer_values(d.code, True)) if locale else None,
            previous=previous_domains.get(d.code),
        )
        for d in score.domains
    ]

    gap_codes, strength_codes = classify(
        framework,
        [
            AnswerData(r["indicator__code"], r["rating"], r["dont_know"])
            for r in rows
            if r["rating"] is not None or r["dont_know"]
        ],
    )
    indicator_rows = []
    for ind in framework.indicators:
        answer = by_code.get(ind.code, {})
        rating = answer.get("rating")
        if answer.get("dont_know"):
            label = framework.dont_know_label
        else:
            label = framework.rating_labels.get(rating, "Not answered")
        indicator_rows.append(
            IndicatorRow(
                code=ind.code,
                title=ind.title,
                domain_code=ind.domain,
                domain_name=ind.domain_name,
                area=ind.area,
                rating=rating,
                rating_label=label,
                level_text=ind.levels.get(str(rating), "") if rating else "",
                evidence=answer.get("evidence", ""),
                next_step=ind.next_step,
                levers=ind.levers,
            )
        )
    gaps = [row for row in indicator_rows if row.code in set(gap_codes)]
    strengths = [row for row in indicator_rows if row.code in set(strength_codes)]
    dont_know = [row for row in indicator_rows if by_code.get(row.code, {}).get("dont_know")]

    return LeaResults(
        assessment=assessment,
        framework=framework,
        score=score,
        stage_label=framework.lea_stage_label(score.stage),
        stage_meaning=_stage_meaning(framework, score.stage),
        domains=domains,
        strengths=strengths,
        gaps=gaps,
        dont_know=dont_know,
        answers=indicator_rows,
        overall_state_median=_median(peer_values(None, False)),
        overall_locale_median=_median(peer_values(None, True)) if locale else None,
        previous_cycle=previous["cycle__name"] if previous else None,
        previous_overall=previous["overall_score"] if previous else None,
        previous_stage_label=framework.lea_stage_label(previous["stage"]) if previous else None,
        peers_in_state=len(peers),
        peers_in_locale=sum(1 for peer_locale, _ in peers if peer_locale == locale),
        stages=framework.lea_stages,
    )
