"""How readiness scores and stages are computed.

Everything on this page is worked out from two things only: the answers a
district gave, and the framework version the assessment was scored with. The
framework file holds every threshold (how many answers a domain needs, where
each stage begins), so the same answers scored against the same framework
version always give the same result.

District readiness (Part A), step by step:

1. Each indicator is rated on a four-level scale, 1 (Not yet) to 4
   (Established), or marked "Don't know", or left blank.
2. A domain gets a score only when enough of its indicators carry a rating:
   the share of rated indicators must be at least the framework's minimum
   (60% in cbe-v1, so 3 of 5 is enough and 2 of 5 is not). "Don't know" and
   blank answers do not count as rated. A domain without enough ratings is
   shown as "insufficient evidence", never as a score of zero.
3. A domain's score is the average of its ratings placed on a 0 to 100 scale:
   an average of 1 is 0, an average of 4 is 100, and each step of one rubric
   level is worth 33.3 points. "Don't know" answers are left out of the
   average, so they neither raise nor lower a score; they are counted and
   reported next to it.
4. The overall score is the average of the domain scores that could be
   computed, as shown (to one decimal). It is only given when at least the
   framework's minimum number of domains have scores (2 in cbe-v1, all 3 in
   cbe-v2) and, when the framework names required areas (cbe-v2: deeper
   learning for all, flexible pace without ranking, advancement on mastery),
   each of them has at least its minimum share of indicators rated (60% in
   cbe-v2). Otherwise the district's stage is "insufficient evidence".
5. The district's stage is the highest stage whose starting score the overall
   score reaches (cbe-v1: Beginning from 0, Emerging from 35, Developing from
   60, Advanced from 80; cbe-v2 uses the same thresholds under its own stage
   names). The stage is read from the overall score as it is displayed, so a
   district shown at 60.0 is at the stage starting at 60. When the framework
   names a cap domain (cbe-v2: competency-based structure), the stage is
   never above the one that domain's own score reaches on the same
   thresholds, and without a score for that domain there is no stage.

Rounding: every score is rounded to one decimal, with halves rounded up
(6.25 becomes 6.3). The arithmetic is done exactly, so a score never drifts by
a rounding error in the computer's fractions. The overall score averages the
rounded domain scores you see, which lets anyone check it by hand.

State policy stage (Part B): each of the nine levers has a status (None,
Exploring, Enacted or Statewide, in that order). A lever with no status
recorded counts as None. The state's stage is the highest stage whose every
condition holds. The framework states the conditions in one of two forms.
cbe-v1 counts levers: Exploring, Enacted and Statewide count as "engaged",
Enacted and Statewide also as "active" (the framework's policy statuses say
which is which), and each condition is a minimum number of engaged or active
levers, among all levers or within one lever group. cbe-v2 names levers:
each condition asks for some levers to be at a given status or further along
(for example credit flexibility statewide, or a pilot program at least
enacted), and a stage may need all of its conditions or any one of them.

Strengths and gaps: an indicator rated at or below the framework's gap level
(2 in cbe-v1) is a gap; one rated at or above its strength level (4) is a
strength. Both lists follow the framework's order.

This module is plain Python with no database access: the page, the PDF, the
API and the dashboards all call these same functions.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from frameworks.document import ALL_LEVERS, INSUFFICIENT, Framework, LeverCondition, StateStage

RUBRIC_MIN = 1
RUBRIC_MAX = 4
NO_STATUS = "none"
STATUS_FLAGS = ("engaged", "active")


@dataclass(frozen=True)
class AnswerData:
    """One answer: a rating from 1 to 4, "don't know", or blank (rating None)."""

    indicator: str
    rating: int | None
    dont_know: bool = False


@dataclass(frozen=True)
class DomainScore:
    """A domain's score (0 to 100, or None for insufficient evidence) and its counts."""

    code: str
    name: str
    score: float | None
    rated: int
    dont_know: int
    total: int

    @property
    def sufficient(self) -> bool:
        """True when enough indicators were rated for the domain to have a score."""
        return self.score is not None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "score": self.score,
            "rated": self.rated,
            "dont_know": self.dont_know,
            "total": self.total,
        }


@dataclass(frozen=True)
class AreaCount:
    """How many indicators of a required area are rated, and whether that is enough."""

    code: str
    name: str
    rated: int
    total: int
    sufficient: bool

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "rated": self.rated,
            "total": self.total,
            "sufficient": self.sufficient,
        }


@dataclass(frozen=True)
class ScoreResult:
    """The scores of one assessment, as stored and shown."""

    framework: str
    domains: tuple[DomainScore, ...]
    overall: float | None
    stage: str
    rated: int
    dont_know: int
    total: int
    # The framework's required areas with their counts; empty when it names none (cbe-v1),
    # and then left out of `as_dict`, so v1 results are stored exactly as before.
    areas: tuple[AreaCount, ...] = ()
    # The gap indicators (rated at most `gap_max_rating`), in framework order: what the
    # state's lever counts rest on. Stored in their own column (Assessment.gap_codes), not
    # in `as_dict`, so the stored scores of every version stay exactly as they were.
    gaps: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict:
        """JSON-safe form, for storing in Assessment.scores."""
        data = {
            "framework": self.framework,
            "overall": self.overall,
            "stage": self.stage,
            "rated": self.rated,
            "dont_know": self.dont_know,
            "total": self.total,
            "domains": [domain.as_dict() for domain in self.domains],
        }
        if self.areas:
            data["areas"] = [area.as_dict() for area in self.areas]
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> "ScoreResult":
        """Rebuild a result from `as_dict` output (e.g. read back from Assessment.scores)."""
        return cls(
            framework=data["framework"],
            domains=tuple(DomainScore(**domain) for domain in data["domains"]),
            overall=data["overall"],
            stage=data["stage"],
            rated=data["rated"],
            dont_know=data["dont_know"],
            total=data["total"],
            areas=tuple(AreaCount(**area) for area in data.get("areas", ())),
        )

    def domain(self, code: str) -> DomainScore:
        """The score of the domain with this code."""
        for domain in self.domains:
            if domain.code == code:
                return domain
        raise KeyError(code)


# --- helpers ---------------------------------------------------------------


def _exact(value: int | float | Fraction | Decimal) -> Fraction:
    """A number as an exact fraction; a float is read as the decimal it prints as.

    Thresholds such as 0.6 in the framework file are therefore compared as
    exactly 6/10, the value a person reads, not as the nearest binary fraction.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return Fraction(repr(value))
    return Fraction(value)


def _round1(value: Fraction) -> float:
    """Round a score to one decimal, halves up (scores are never negative)."""
    tenths = math.floor(value * 10 + Fraction(1, 2))
    return tenths / 10


def _tenths(values: Sequence[float]) -> list[int]:
    # Stored scores have one decimal, so in whole tenths they are exact integers.
    return [round(v * 10) for v in values]


def score_median(values: Sequence[float]) -> float | None:
    """Median of stored scores, to one decimal with halves up like every score; None if empty."""
    if not values:
        return None
    tenths = sorted(_tenths(values))
    middle = len(tenths) // 2
    if len(tenths) % 2:
        return _round1(Fraction(tenths[middle], 10))
    return _round1(Fraction(tenths[middle - 1] + tenths[middle], 20))


def score_median_of_counts(counts: Mapping[float, int]) -> float | None:
    """`score_median` of a multiset of scores given as {score: how many}, without listing
    them one by one (a state's summary holds its scores so)."""
    items = sorted((round(score * 10), n) for score, n in counts.items() if n > 0)
    total = sum(n for _, n in items)
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})
    found = []
    seen = 0
    for tenths, n in items:
        while wanted and wanted[0] < seen + n:
            found.append(tenths)
            wanted.pop(0)
        seen += n
    if total % 2:
        return _round1(Fraction(found[0], 10))
    low, high = (found[0], found[0]) if len(found) == 1 else found
    return _round1(Fraction(low + high, 20))


def score_mean_of_counts(counts: Mapping[float, int]) -> float | None:
    """`score_mean` of a multiset of scores given as {score: how many}."""
    total = sum(n for n in counts.values() if n > 0)
    if not total:
        return None
    tenths = sum(round(score * 10) * n for score, n in counts.items() if n > 0)
    return _round1(Fraction(tenths, 10 * total))


def score_mean(values: Sequence[float]) -> float | None:
    """Mean of stored scores, to one decimal with halves up; None if empty."""
    if not values:
        return None
    return _round1(Fraction(sum(_tenths(values)), 10 * len(values)))


def _scale(mean_rating: Fraction) -> Fraction:
    """Place a mean rating on 0..100: the lowest level is 0, the highest 100."""
    return (mean_rating - RUBRIC_MIN) / (RUBRIC_MAX - RUBRIC_MIN) * 100


def _is_rating(value: object) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and RUBRIC_MIN <= value <= RUBRIC_MAX
    )


def _checked_answers(framework: Framework, answers: Iterable[AnswerData]) -> dict[str, AnswerData]:
    """Answers by indicator code, after checking each one.

    Raises ValueError for an indicator the framework does not have, an
    indicator answered twice, a rating outside 1..4, or an answer that is
    both rated and marked "don't know".
    """
    known = set(framework.indicator_codes)
    by_code: dict[str, AnswerData] = {}
    for answer in answers:
        code = answer.indicator
        if code not in known:
            raise ValueError(
                f"answer for indicator {code!r}, which is not in framework {framework.label}"
            )
        if code in by_code:
            raise ValueError(f"indicator {code} is answered more than once")
        if answer.rating is not None:
            if not _is_rating(answer.rating):
                raise ValueError(
                    f"indicator {code}: rating {answer.rating!r} is not a whole number "
                    f"from {RUBRIC_MIN} to {RUBRIC_MAX}"
                )
            if answer.dont_know:
                raise ValueError(f'indicator {code} has both a rating and "don\'t know"')
        by_code[code] = answer
    return by_code


# --- district readiness (Part A) ------------------------------------------


def domain_score(mean_rating: float) -> float:
    """Score of a domain from the mean of its ratings, on a scale of 0 to 100.

    The score is (mean rating - 1) / 3 x 100: a mean of 1 gives 0, 2 gives
    33.3, 3 gives 66.7 and 4 gives 100. This returns the unrounded value;
    `score_answers` rounds it to one decimal for display.
    """
    mean = _exact(mean_rating)
    if not RUBRIC_MIN <= mean <= RUBRIC_MAX:
        raise ValueError(
            f"a mean rating must lie between {RUBRIC_MIN} and {RUBRIC_MAX}, not {mean_rating!r}"
        )
    return float(_scale(mean))


def lea_stage(framework: Framework, overall: float | None) -> str:
    """A district's stage from its overall score.

    The stage is the highest one in the framework whose starting score
    (`min_score`) the overall score reaches; a score exactly on a threshold
    belongs to the higher stage (60.0 is Developing in cbe-v1, 59.9 is
    Emerging). With no overall score the stage is "insufficient evidence".
    Pass the overall score as displayed (rounded to one decimal), as
    `score_answers` does, so the stage always agrees with the number shown.
    """
    if overall is None:
        return INSUFFICIENT
    value = _exact(overall)
    if not 0 <= value <= 100:
        raise ValueError(f"an overall score must lie between 0 and 100, not {overall!r}")
    stage = None
    for entry in framework.lea_stages:
        if _exact(entry.min_score) <= value:
            stage = entry.code
    if stage is None:
        raise ValueError(f"framework {framework.label} has no stage for {overall}")
    return stage


def lea_stage_capped(framework: Framework, overall: float | None, cap: float | None) -> str:
    """The stage of `overall`, but never above the stage the cap domain's own score
    reaches on the same thresholds; without a cap score there is no stage."""
    if overall is None or cap is None:
        return INSUFFICIENT
    by_overall, by_cap = lea_stage(framework, overall), lea_stage(framework, cap)
    order = framework.lea_stage_codes
    return by_overall if order.index(by_overall) <= order.index(by_cap) else by_cap


def lea_stage_order(framework: Framework) -> list[str]:
    """Stage codes from lowest to highest, with "insufficient evidence" first."""
    return [INSUFFICIENT, *framework.lea_stage_codes]


def score_answers(framework: Framework, answers: Iterable[AnswerData]) -> ScoreResult:
    """Score one assessment: every domain, the overall score and the stage.

    - A domain is scored only when its rated indicators make up at least
      `min_answered_share` of its indicators ("don't know" and blanks are not
      rated). Otherwise its score is None: insufficient evidence.
    - A scored domain's score is `domain_score` of the mean of its ratings,
      rounded to one decimal.
    - The overall score is the mean of the scored domains' rounded scores,
      rounded to one decimal, given only when at least
      `min_scored_domains_for_stage` domains are scored and, when the framework
      names `required_areas`, each of them has at least `required_area_min_share`
      of its indicators rated.
    - The stage is `lea_stage` of that rounded overall score; when the framework
      names a `stage_cap_domain`, it is never above `lea_stage` of that domain's
      own score, and without a score for that domain there is no overall score
      and no stage (`lea_stage_capped`).

    With no overall score the stage is "insufficient evidence", and only then.

    Indicators without an answer simply count as not rated. Raises
    ValueError when an answer names an indicator the framework does not have,
    repeats an indicator, has a rating outside 1..4, or is both rated and
    marked "don't know".
    """
    by_code = _checked_answers(framework, answers)
    scoring = framework.scoring
    min_share = _exact(scoring.min_answered_share)

    domains = []
    for domain in framework.domains:
        codes = framework.domain_indicator_codes(domain.code)
        given = [by_code[code] for code in codes if code in by_code]
        ratings = [answer.rating for answer in given if answer.rating is not None]
        score = None
        if codes and ratings and Fraction(len(ratings), len(codes)) >= min_share:
            score = _round1(_scale(Fraction(sum(ratings), len(ratings))))
        domains.append(
            DomainScore(
                code=domain.code,
                name=domain.name,
                score=score,
                rated=len(ratings),
                dont_know=sum(1 for answer in given if answer.dont_know),
                total=len(codes),
            )
        )

    areas = _required_areas(framework, by_code)
    scored = [_exact(domain.score) for domain in domains if domain.score is not None]
    overall = None
    if (
        scored
        and len(scored) >= scoring.min_scored_domains_for_stage
        and all(area.sufficient for area in areas)
    ):
        overall = _round1(sum(scored, Fraction(0)) / len(scored))
    if scoring.stage_cap_domain is None:
        stage = lea_stage(framework, overall)
    else:
        cap = next(d.score for d in domains if d.code == scoring.stage_cap_domain)
        if cap is None:
            overall = None
        stage = lea_stage_capped(framework, overall, cap)

    gap_max = scoring.gap_max_rating
    gaps = tuple(
        code
        for code in framework.indicator_codes
        if (rating := by_code[code].rating if code in by_code else None) is not None
        and rating <= gap_max
    )
    return ScoreResult(
        framework=framework.label,
        domains=tuple(domains),
        overall=overall,
        stage=stage,
        gaps=gaps,
        rated=sum(domain.rated for domain in domains),
        dont_know=sum(domain.dont_know for domain in domains),
        total=sum(domain.total for domain in domains),
        areas=areas,
    )


def _required_areas(
    framework: Framework, by_code: Mapping[str, AnswerData]
) -> tuple[AreaCount, ...]:
    scoring = framework.scoring
    if not scoring.required_areas:
        return ()
    min_share = _exact(scoring.required_area_min_share or 1)
    result = []
    for code in scoring.required_areas:
        codes = framework.area_indicator_codes(code)
        rated = sum(1 for c in codes if c in by_code and by_code[c].rating is not None)
        result.append(
            AreaCount(
                code=code,
                name=framework.area_by_code[code].name,
                rated=rated,
                total=len(codes),
                sufficient=bool(codes) and Fraction(rated, len(codes)) >= min_share,
            )
        )
    return tuple(result)


def classify(framework: Framework, answers: Iterable[AnswerData]) -> tuple[list[str], list[str]]:
    """Gaps and strengths: indicator codes in framework order.

    An indicator is a gap when its rating is at most `gap_max_rating` and a
    strength when its rating is at least `strength_min_rating`. "Don't know"
    and blank answers are neither.
    """
    by_code = _checked_answers(framework, answers)
    gap_max = framework.scoring.gap_max_rating
    strength_min = framework.scoring.strength_min_rating
    gaps: list[str] = []
    strengths: list[str] = []
    for code in framework.indicator_codes:
        answer = by_code.get(code)
        if answer is None or answer.rating is None:
            continue
        if answer.rating <= gap_max:
            gaps.append(code)
        if answer.rating >= strength_min:
            strengths.append(code)
    return gaps, strengths


# --- state policy (Part B) -------------------------------------------------


def state_stage_counts(framework: Framework, statuses: Mapping[str, str]) -> dict[str, int]:
    """How many levers are engaged and how many active, overall and per lever group.

    Keys are the names stage requirements use: "engaged_any", "active_any",
    then "engaged_<group>" and "active_<group>" for each lever group in the
    framework. A lever is engaged (or active) when its status is marked so in
    the framework's policy statuses; a lever missing from `statuses` counts
    as "none". Raises ValueError for an unknown lever or status code.
    """
    status_by_code = {status.code: status for status in framework.statuses}
    lever_groups = {lever.code: lever.group for lever in framework.levers}
    for lever, status in statuses.items():
        if lever not in lever_groups:
            raise ValueError(
                f"unknown lever {lever!r}; framework {framework.label} has "
                f"{', '.join(lever_groups)}"
            )
        if status not in status_by_code:
            raise ValueError(
                f"lever {lever}: unknown status {status!r}; use one of {', '.join(status_by_code)}"
            )
    scopes = [ALL_LEVERS, *(group.code for group in framework.lever_groups)]
    counts = {f"{flag}_{scope}": 0 for scope in scopes for flag in STATUS_FLAGS}
    for lever, group in lever_groups.items():
        policy_status = status_by_code[statuses.get(lever, NO_STATUS)]
        for flag in STATUS_FLAGS:
            if getattr(policy_status, flag):
                counts[f"{flag}_{ALL_LEVERS}"] += 1
                counts[f"{flag}_{group}"] += 1
    return counts


def state_condition_count(
    framework: Framework, statuses: Mapping[str, str], condition: LeverCondition
) -> int:
    """How many of a lever condition's levers are at its status or further along.

    Statuses are ordered as the framework lists them (none, exploring, enacted,
    statewide), so "at least enacted" holds for enacted and statewide levers. A
    lever missing from `statuses` counts as "none". `statuses` is not checked here:
    `state_stage` checks it once.
    """
    floor = framework.status_rank(condition.at_least)
    return sum(
        1
        for lever in framework.condition_levers(condition)
        if framework.status_rank(statuses.get(lever, NO_STATUS)) >= floor
    )


def state_stage_holds(
    framework: Framework,
    stage: StateStage,
    statuses: Mapping[str, str],
    counts: Mapping[str, int],
) -> bool:
    """Whether one stage's conditions all hold: every count in `requires`, every
    condition in `requires_all`, and at least one in `requires_any` when it has any."""
    unknown = [key for key in stage.requires if key not in counts]
    if unknown:
        raise ValueError(f"state stage {stage.code}: unknown requirement {unknown[0]!r}")
    if not all(counts[key] >= minimum for key, minimum in stage.requires.items()):
        return False
    met = [
        state_condition_count(framework, statuses, condition)
        >= framework.condition_count(condition)
        for condition in (*stage.requires_all, *stage.requires_any)
    ]
    all_part, any_part = met[: len(stage.requires_all)], met[len(stage.requires_all) :]
    return all(all_part) and (not any_part or any(any_part))


def state_stage(framework: Framework, statuses: Mapping[str, str]) -> str:
    """A state's policy stage from the status of each lever.

    The stage is the highest entry of the framework's state stages whose
    every condition holds; the first stage requires nothing, so every state
    has a stage. The framework file states the conditions in one of two forms:

    - counts (cbe-v1's `requires`): `active_getting_started: 2` means "at
      least 2 levers of the getting-started group are active"; the `_any`
      requirements count levers of every group. In cbe-v1: Emerging needs 1
      engaged lever; Developing needs 2 active getting-started levers;
      Advanced needs 3 active getting-started and 2 active moving-forward
      levers.
    - lever conditions (`requires_all`, `requires_any`): "at least `count` of
      these levers at status `at_least` or further along" (`state_condition_count`).
      In cbe-v2: Emerging needs any lever explored; Developing needs credit
      flexibility statewide or a pilot program enacted; Advanced needs credit
      flexibility, proficiency-based diplomas and local capacity all statewide.

    `statuses` maps lever code to status code; missing levers count as "none".
    Both forms only ever ask for "at least", so moving a lever further along
    never lowers the stage.
    """
    counts = state_stage_counts(framework, statuses)
    stages = framework.state_stages
    stage = stages[0].code
    for entry in stages:
        if state_stage_holds(framework, entry, statuses, counts):
            stage = entry.code
    return stage
