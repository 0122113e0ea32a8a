"""The LEA stage rule of cbe-v2, case by case from its definition, and its properties.

The rule (frameworks/cbe-v2.yaml, `scoring`): a stage only when all three domains are
scored (60% of each domain's indicators rated) and each required area (deeper learning
for all, pace without ranking, advancement on mastery) has 60% of its indicators rated;
the stage follows the overall score (Laying foundations from 0, Early practice from 35,
Spreading practice from 60, Sustained practice from 80) but is never above the stage the
competency-based structure domain's own score reaches on the same thresholds.

No database: scoring is plain data in, plain data out.
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.scoring import (
    INSUFFICIENT,
    AnswerData,
    ScoreResult,
    lea_stage_order,
    score_answers,
)
from frameworks.document import Framework, framework_from_content, framework_parse

V2_FILE = Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v2.yaml"
V2 = framework_from_content(framework_parse(V2_FILE.read_text(encoding="utf-8")))
STAGES = ["foundations", "early_practice", "spreading_practice", "sustained_practice"]
REQUIRED = ("deeper_learning_for_all", "pace_without_ranking", "advancement")

prop = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def test_the_file_has_what_these_cases_assume():
    assert V2.lea_stage_codes == tuple(STAGES)
    assert [s.min_score for s in V2.lea_stages] == [0, 35, 60, 80]
    assert {d: len(V2.domain_indicator_codes(d)) for d in V2.domain_codes} == {
        "blended": 17,
        "structure": 20,
        "equity": 14,
    }
    assert {a: len(V2.area_indicator_codes(a)) for a in REQUIRED} == {
        "deeper_learning_for_all": 3,
        "pace_without_ranking": 4,
        "advancement": 4,
    }


def with_sums(*, blended: int, structure: int, equity: int) -> list[AnswerData]:
    """Every indicator rated, each domain's ratings adding up to the given sum (spread
    as evenly as possible: the score depends only on the sum)."""
    result = []
    for domain, total in (("blended", blended), ("structure", structure), ("equity", equity)):
        codes = V2.domain_indicator_codes(domain)
        base, extra = divmod(total, len(codes))
        result += [AnswerData(code, base + (1 if i < extra else 0)) for i, code in enumerate(codes)]
    return result


def all_rated(rating: int = 3) -> dict[str, AnswerData]:
    return {code: AnswerData(code, rating) for code in V2.indicator_codes}


def score(answers) -> ScoreResult:
    return score_answers(V2, list(answers.values()) if isinstance(answers, dict) else answers)


# --- the thresholds of the overall score (structure high enough not to cap) -------------


@pytest.mark.parametrize(
    ("sums", "domains", "overall", "stage"),
    [
        ((17, 50, 37), (0.0, 50.0, 54.8), 34.9, "foundations"),
        ((17, 43, 42), (0.0, 38.3, 66.7), 35.0, "early_practice"),
        ((17, 72, 53), (0.0, 86.7, 92.9), 59.9, "early_practice"),
        ((17, 68, 56), (0.0, 80.0, 100.0), 60.0, "spreading_practice"),
        ((39, 78, 56), (43.1, 96.7, 100.0), 79.9, "spreading_practice"),
        ((40, 77, 56), (45.1, 95.0, 100.0), 80.0, "sustained_practice"),
    ],
)
def test_each_overall_threshold_is_inclusive(sums, domains, overall, stage):
    result = score(with_sums(blended=sums[0], structure=sums[1], equity=sums[2]))
    assert tuple(d.score for d in result.domains) == domains
    assert (result.overall, result.stage) == (overall, stage)


# --- the cap: never above what the structure domain supports -----------------------------


@pytest.mark.parametrize(
    ("structure_sum", "structure", "overall", "stage"),
    [
        (40, 33.3, 77.8, "foundations"),  # overall alone would say spreading
        (41, 35.0, 78.3, "early_practice"),
        (55, 58.3, 86.1, "early_practice"),  # overall alone would say sustained
        (56, 60.0, 86.7, "spreading_practice"),
        (67, 78.3, 92.8, "spreading_practice"),
        (68, 80.0, 93.3, "sustained_practice"),  # at 80 the cap no longer binds
    ],
)
def test_the_stage_is_never_above_what_the_structure_score_reaches(
    structure_sum, structure, overall, stage
):
    result = score(with_sums(blended=68, structure=structure_sum, equity=56))
    assert [d.score for d in result.domains] == [100.0, structure, 100.0]
    assert (result.overall, result.stage) == (overall, stage)


def test_two_perfect_domains_without_a_structure_score_give_no_stage():
    answers = with_sums(blended=68, structure=80, equity=56)
    answers = [a for a in answers if V2.indicator(a.indicator).domain != "structure"]
    result = score(answers)
    assert [d.score for d in result.domains] == [100.0, None, 100.0]
    assert (result.overall, result.stage) == (None, INSUFFICIENT)


# --- every domain scored ---------------------------------------------------------------


def _not_required(domain: str) -> list[str]:
    return [
        code
        for code in V2.domain_indicator_codes(domain)
        if V2.indicator(code).area_code not in REQUIRED
    ]


@pytest.mark.parametrize(
    ("domain", "left_out", "scored"),
    [
        ("blended", 6, True),  # 11 of 17 rated: 64.7%
        ("blended", 7, False),  # 10 of 17: 58.8%
        ("structure", 8, True),  # 12 of 20: 60%
        ("structure", 9, False),  # 11 of 20: 55%
        ("equity", 5, True),  # 9 of 14: 64.3%
        ("equity", 6, False),  # 8 of 14: 57.1%
    ],
)
def test_every_domain_must_be_scored_for_a_stage(domain, left_out, scored):
    answers = all_rated()
    for code in _not_required(domain)[:left_out]:
        del answers[code]
    result = score(answers)
    assert result.domain(domain).sufficient is scored
    assert all(area.sufficient for area in result.areas)
    if scored:
        assert (result.overall, result.stage) == (66.7, "spreading_practice")
    else:
        assert (result.overall, result.stage) == (None, INSUFFICIENT)


# --- the required areas ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "rated", "sufficient"),
    [
        ("deeper_learning_for_all", 2, True),  # 2 of 3: 66.7%
        ("deeper_learning_for_all", 1, False),  # 1 of 3: 33.3%
        ("pace_without_ranking", 3, True),  # 3 of 4: 75%
        ("pace_without_ranking", 2, False),  # 2 of 4: 50%
        ("advancement", 3, True),
        ("advancement", 2, False),
    ],
)
def test_each_required_area_must_be_rated_for_a_stage(area, rated, sufficient):
    answers = all_rated()
    for code in V2.area_indicator_codes(area)[rated:]:
        answers[code] = AnswerData(code, None, dont_know=True)
    result = score(answers)
    count = next(a for a in result.areas if a.code == area)
    assert (count.rated, count.sufficient) == (rated, sufficient)
    assert all(d.sufficient for d in result.domains)  # the domains alone would allow a stage
    if sufficient:
        assert result.stage == "spreading_practice"
    else:
        assert (result.overall, result.stage) == (None, INSUFFICIENT)


def test_a_required_area_left_blank_is_reported_with_its_counts():
    answers = all_rated()
    for code in V2.area_indicator_codes("deeper_learning_for_all"):
        del answers[code]
    result = score(answers)
    assert [(a.code, a.rated, a.total, a.sufficient) for a in result.areas] == [
        ("deeper_learning_for_all", 0, 3, False),
        ("pace_without_ranking", 4, 4, True),
        ("advancement", 4, 4, True),
    ]


def test_required_areas_are_stored_with_the_scores_and_read_back():
    result = score(all_rated(4))
    data = result.as_dict()
    assert [area["code"] for area in data["areas"]] == list(REQUIRED)
    assert ScoreResult.from_dict(data) == result


# --- properties ---------------------------------------------------------------------------

CHOICES = [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, None, "dk"]


@st.composite
def answer_sets(draw) -> list[AnswerData]:
    codes = V2.indicator_codes
    values = draw(st.lists(st.sampled_from(CHOICES), min_size=len(codes), max_size=len(codes)))
    result = []
    for code, value in zip(codes, values, strict=True):
        if value == "dk":
            result.append(AnswerData(code, None, dont_know=True))
        elif value is not None:
            result.append(AnswerData(code, value))
    return result


def rank(stage: str) -> int:
    return lea_stage_order(V2).index(stage)


@prop
@given(data=st.data())
def test_raising_a_rating_never_lowers_the_stage(data):
    before = data.draw(answer_sets())
    raisable = [i for i, a in enumerate(before) if a.rating is not None and a.rating < 4]
    if not raisable:
        return
    i = data.draw(st.sampled_from(raisable))
    higher = data.draw(st.integers(before[i].rating + 1, 4))
    after = [*before[:i], AnswerData(before[i].indicator, higher), *before[i + 1 :]]
    old, new = score_answers(V2, before), score_answers(V2, after)
    assert rank(new.stage) >= rank(old.stage)
    assert (old.overall is None) == (new.overall is None)


@prop
@given(answers=answer_sets())
def test_the_stage_never_exceeds_the_structure_domains_own_stage_nor_the_overall_one(answers):
    result = score_answers(V2, answers)
    if result.stage == INSUFFICIENT:
        assert result.overall is None
        return
    structure = result.domain("structure").score
    assert all(d.sufficient for d in result.domains)
    assert all(a.sufficient for a in result.areas)
    reached = [s.code for s in V2.lea_stages if s.min_score <= min(structure, result.overall)]
    assert result.stage == reached[-1]


def test_v1_results_are_stored_exactly_as_before_without_areas():
    v1 = Framework.model_validate(
        framework_parse(
            (Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v1.yaml").read_text()
        )
    )
    result = score_answers(v1, [AnswerData(code, 3) for code in v1.indicator_codes])
    assert result.areas == ()
    assert "areas" not in result.as_dict()
