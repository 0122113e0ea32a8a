"""Selectors for an LEA's results: scores, strengths and gaps, comparisons, change.

One call, `lea_results`, gathers everything the results page, the PDF and the API
show about one assessment, in a fixed number of queries whatever the number of LEAs:
three, given an assessment loaded with its LEA and cycle framework (its answers with the
district's ratings beside them, the cycle's summary, the previous cycle's scores); two
when the assessment was read by `assessment_with_previous_get`, which brings the previous
cycle's scores in the same query; one more when the previous cycle was scored with a
framework version not yet read in this process.

Comparisons:

- "Compared with LEAs like yours": the state and locale medians rest on the assessments
  of the cycle whose status is in `COMPARED_STATUSES` (submitted or accepted), this one
  included when it is; each median comes with the number of LEAs it rests on, which for
  a domain leaves out LEAs with too little evidence in that domain.
- Change since the last cycle across a framework change: when the previous cycle was
  scored with another framework version, the two are not silently compared. A domain is
  compared only when its code exists in both versions (the framework keeps a domain's
  code only while the domain measures the same thing); the overall score and the stage
  are shown for the record but not compared, because the rules that make them changed.
"""

import math
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import F, FilteredRelation, Q, QuerySet

from frameworks.document import INSUFFICIENT, Framework, LeaStage, framework_cached
from frameworks.models import FrameworkVersion

from .models import COMPARED_STATUSES, Answer, Assessment, DistrictRating
from .scoring import (
    AnswerData,
    ScoreResult,
    classify,
    score_answers,
    score_median,
)
from .scoring import lea_stage as lea_stage_of
from .summaries import cycle_score_summary


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
    state_median_leas: int = 0  # LEAs the state median rests on
    locale_median_leas: int = 0

    @property
    def change(self) -> float | None:
        return score_change(self.score, self.previous)


def score_change(now: float | None, before: float | None) -> float | None:
    """The difference of two scores shown to one decimal, worked out in exact tenths."""
    if now is None or before is None:
        return None
    return (round(now * 10) - round(before * 10)) / 10


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
    overall_state_median_leas: int = 0
    overall_locale_median_leas: int = 0
    # The framework version the previous cycle was scored with, when it is not this one.
    previous_framework: str | None = None
    # Domains of the previous cycle's version whose code this version no longer has.
    previous_domains_dropped: tuple[str, ...] = ()
    in_comparison: bool = False  # this assessment is among those the medians rest on

    @property
    def framework_changed(self) -> bool:
        return self.previous_framework is not None

    stage_reason: str = ""
    stage_cap_note: str = ""
    # The district's own ratings beside the state's answers, by indicator code (only
    # `level` and `note` are read): what `assessment_district_differences` compares.
    district_ratings: dict[str, DistrictRating] = field(default_factory=dict)

    @property
    def lea(self):
        return self.assessment.lea

    @property
    def cycle(self):
        return self.assessment.cycle

    @property
    def overall_change(self) -> float | None:
        """None across a framework change: the overall score then means something else."""
        if self.framework_changed:
            return None
        return score_change(self.score.overall, self.previous_overall)


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


def _needed(share: float, total: int) -> int:
    """The fewest rated indicators out of `total` that reach `share` (0.6 of 5 is 3): the
    share is read as the decimal it is written as, as scoring does."""
    return math.ceil(Fraction(str(share)) * total)


def _and_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def lea_stage_rule(framework: Framework) -> str:
    """The LEA stage rule of a framework in one plain sentence, built from its file."""
    scoring = framework.scoring
    count = scoring.min_scored_domains_for_stage
    domains = (
        f"all {count} domains are scored"
        if count == len(framework.domains)
        else f"at least {count} of the {len(framework.domains)} domains are scored"
    )
    parts = [f"A district's stage follows its overall score, given only once {domains}"]
    if scoring.required_areas:
        names = [framework.area_by_code[code].name.lower() for code in scoring.required_areas]
        share = round((scoring.required_area_min_share or 1) * 100)
        parts.append(f" and {_and_list(names)} each have {share}% of their indicators rated")
    sentence = "".join(parts) + "."
    if scoring.stage_cap_domain:
        cap = framework.domain_name(scoring.stage_cap_domain)
        sentence += f" The stage is never above the one the {cap.lower()} score alone would reach."
    return sentence


def lea_stage_reason(framework: Framework, score: ScoreResult) -> str:
    """Why this assessment is at its stage, from the framework's rule and its own counts."""
    scoring = framework.scoring
    if score.stage == INSUFFICIENT:
        short = []
        for domain in score.domains:
            if not domain.sufficient:
                need = _needed(scoring.min_answered_share, domain.total)
                short.append(
                    f"{domain.name} has {domain.rated} of {domain.total} rated ({need} needed)"
                )
        for area in score.areas:
            if not area.sufficient:
                need = _needed(scoring.required_area_min_share or 1, area.total)
                short.append(f"{area.name} has {area.rated} of {area.total} rated ({need} needed)")
        scored = sum(1 for domain in score.domains if domain.sufficient)
        if not short or scored < scoring.min_scored_domains_for_stage:
            short.insert(0, f"{scored} of {len(score.domains)} domains are scored")
        return f"No stage yet: {_and_list(short)}."
    overall = score.overall if score.overall is not None else 0.0
    by_overall = lea_stage_of(framework, overall)
    entry = framework.lea_stage_entry(by_overall)
    starts = entry.min_score if entry else 0
    label = framework.lea_stage_label(by_overall)
    sentence = f"The overall score, {overall}, reaches {label} (from {starts})."
    cap_code = scoring.stage_cap_domain
    if cap_code:
        cap = next(d for d in score.domains if d.code == cap_code)
        if by_overall != score.stage:
            sentence += (
                f" The {cap.name.lower()} score, {cap.score}, reaches only "
                f"{framework.lea_stage_label(score.stage)}, and the stage is never above what "
                "that domain supports."
            )
        else:
            sentence += f" The {cap.name.lower()} score, {cap.score}, supports that stage."
    return sentence


def lea_stage_cap_note(framework: Framework, score: ScoreResult) -> str:
    """A short note when the cap domain holds the stage below the overall score's stage
    (for a cover or a table next to the overall score); "" otherwise."""
    cap_code = framework.scoring.stage_cap_domain
    if not cap_code or score.overall is None or score.stage == INSUFFICIENT:
        return ""
    by_overall = lea_stage_of(framework, score.overall)
    if by_overall == score.stage:
        return ""
    cap = next(d for d in score.domains if d.code == cap_code)
    return (
        f"Held at {framework.lea_stage_label(score.stage)} by the {cap.name.lower()} score "
        f"({cap.score}); the overall score alone would reach "
        f"{framework.lea_stage_label(by_overall)}."
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


# The previous cycle's figures `lea_results` reads, by the names they have in its query.
PREVIOUS_FIELDS = (
    "cycle__name",
    "scores",
    "overall_score",
    "stage",
    "scored_with_id",
    "scored_with__content_hash",
)


def assessment_with_previous_get(
    *, assessments: QuerySet[Assessment], lea_id: int, cycle_id: int
) -> Assessment:
    """The LEA's assessment in the cycle, taken from `assessments` (which must select its
    cycle, and whatever else the caller reads), carrying the LEA's scores of the state's
    latest earlier scored cycle for `lea_results`, which then does not read them again.

    One query: the LEA's assessments of every cycle (a handful, however large the state),
    the current one and the previous one picked out here. Raises Assessment.DoesNotExist
    when the LEA has none in the cycle."""
    rows = list(assessments.filter(lea_id=lea_id).order_by("-cycle__starts_on", "-cycle_id"))
    current = next((row for row in rows if row.cycle_id == cycle_id), None)
    if current is None:
        raise Assessment.DoesNotExist(f"LEA {lea_id} has no assessment in cycle {cycle_id}")
    cycle = current.cycle
    earlier = next(
        (
            row
            for row in rows
            if row.scores
            and row.cycle.state_id == cycle.state_id
            and row.cycle.starts_on < cycle.starts_on
        ),
        None,
    )
    previous = None
    if earlier is not None:
        framework = earlier.cycle.framework
        previous = dict(
            zip(
                PREVIOUS_FIELDS,
                (
                    earlier.cycle.name,
                    earlier.scores,
                    earlier.overall_score,
                    earlier.stage,
                    earlier.scored_with_id,
                    # Scores are computed with the cycle's version; any other is looked up.
                    framework.content_hash if earlier.scored_with_id == framework.pk else None,
                ),
                strict=True,
            )
        )
    setattr(current, _PREVIOUS_READ, previous)
    return current


# The attribute on an assessment that holds its previous cycle's figures (None: no earlier
# scored cycle) once `assessment_with_previous_get` has read them.
_PREVIOUS_READ = "previous_scores_read"


def _previous_scores(assessment: Assessment) -> dict | None:
    """The previous cycle's figures (keyed by `PREVIOUS_FIELDS`), or None: those read with
    the assessment by `assessment_with_previous_get`, else read now (one query)."""
    if hasattr(assessment, _PREVIOUS_READ):
        return getattr(assessment, _PREVIOUS_READ)
    cycle = assessment.cycle
    return (
        Assessment.objects.filter(
            lea_id=assessment.lea_id,
            cycle__state_id=cycle.state_id,
            cycle__starts_on__lt=cycle.starts_on,
        )
        .exclude(scores={})
        .order_by("-cycle__starts_on", "-cycle_id")
        .values(*PREVIOUS_FIELDS)
        .first()
    )


def lea_results(*, assessment: Assessment) -> LeaResults:
    """Everything shown about one assessment's results. The caller has already checked,
    through access.selectors, that the user may see this assessment."""
    cycle = assessment.cycle
    framework = cycle.framework.spec
    # The answers, each with the district's own rating of the indicator beside it (a
    # district rating where the state has no answer has nothing to differ from).
    rows = list(
        Answer.objects.filter(assessment=assessment)
        .annotate(
            district=FilteredRelation(
                "assessment__district_ratings",
                condition=Q(assessment__district_ratings__indicator=F("indicator")),
            )
        )
        .values(
            "indicator__code",
            "rating",
            "dont_know",
            "evidence",
            "district__level",
            "district__note",
        )
    )
    by_code = {r["indicator__code"]: r for r in rows}
    score = assessment_score(assessment=assessment, rows=rows)

    # Peers: the compared assessments of the cycle, read as counts from the cycle's
    # summary (one query), so a state batch does not re-read every peer for each report.
    summary = cycle_score_summary(cycle=cycle)
    locale = assessment.lea.locale
    previous = _previous_scores(assessment)
    previous_domains = {}
    previous_framework = framework
    if previous:
        previous_domains = {d["code"]: d["score"] for d in previous["scores"].get("domains", [])}
        if previous["scored_with_id"] not in (None, cycle.framework_id):
            digest = previous["scored_with__content_hash"]
            previous_framework = (digest and framework_cached(digest)) or (
                FrameworkVersion.objects.get(pk=previous["scored_with_id"]).spec
            )
    changed = previous_framework.label != framework.label

    columns = {domain.code: i for i, domain in enumerate(framework.domains)}

    def median(code: str | None, same_locale: bool) -> tuple[float | None, int]:
        if same_locale and not locale:
            return None, 0
        column = summary.overall_column if code is None else columns.get(code)
        if column is None:
            return None, 0
        return summary.median(column, locale=locale if same_locale else None)

    domains = []
    for d in score.domains:
        (state_median, state_n), (locale_median, locale_n) = (
            median(d.code, False),
            median(d.code, True),
        )
        domains.append(
            DomainRow(
                code=d.code,
                name=d.name,
                score=d.score,
                rated=d.rated,
                dont_know=d.dont_know,
                total=d.total,
                state_median=state_median,
                locale_median=locale_median,
                previous=previous_domains.get(d.code),
                state_median_leas=state_n,
                locale_median_leas=locale_n,
            )
        )
    overall_state, overall_locale = median(None, False), median(None, True)

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
        overall_state_median=overall_state[0],
        overall_locale_median=overall_locale[0],
        previous_cycle=previous["cycle__name"] if previous else None,
        previous_overall=previous["overall_score"] if previous else None,
        previous_stage_label=(
            previous_framework.lea_stage_label(previous["stage"]) if previous else None
        ),
        peers_in_state=summary.compared(),
        peers_in_locale=summary.compared(locale=locale),
        stages=framework.lea_stages,
        overall_state_median_leas=overall_state[1],
        overall_locale_median_leas=overall_locale[1],
        previous_framework=previous_framework.label if changed else None,
        in_comparison=assessment.status in COMPARED_STATUSES,
        previous_domains_dropped=tuple(
            name
            for code, name in ((d.code, d.name) for d in previous_framework.domains)
            if changed and code not in framework.domain_codes
        ),
        stage_reason=lea_stage_reason(framework, score),
        stage_cap_note=lea_stage_cap_note(framework, score),
        district_ratings={
            r["indicator__code"]: DistrictRating(
                level=r["district__level"], note=r["district__note"]
            )
            for r in rows
            if r["district__level"] is not None
        },
    )
