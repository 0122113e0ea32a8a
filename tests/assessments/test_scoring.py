"""District readiness scoring: golden cases worked by hand, properties, bad input.

No database: scoring is plain data in, plain data out.
"""

import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.scoring import (
    INSUFFICIENT,
    AnswerData,
    ScoreResult,
    classify,
    domain_score,
    lea_stage,
    lea_stage_order,
    score_answers,
    score_mean,
    score_mean_of_counts,
    score_median,
    score_median_of_counts,
)
from frameworks.document import Framework, framework_parse

FRAMEWORK_FILE = Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v1.yaml"
DK = "dk"
BLANK = "blank"

# The suite's autouse `settings` fixture is function-scoped; it does not touch
# anything scoring reads, so reusing it across generated examples is harmless.
prop = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@pytest.fixture(scope="module")
def cbe() -> Framework:
    return Framework.model_validate(CBE_CONTENT)


CBE_CONTENT = framework_parse(FRAMEWORK_FILE.read_text())
BETA = [f"BE-0{i}" for i in range(1, 6)]


def indicators(*codes: str) -> list[dict]:
    """Indicators with placeholder text: scoring reads only their codes and order."""
    levels = {str(value): f"level {value}" for value in range(1, 5)}
    lever = CBE_CONTENT["levers"][0]["code"]
    return [
        {"code": c, "title": c, "prompt": c, "next_step": c, "levels": levels, "levers": [lever]}
        for c in codes
    ]


def typed(content: dict) -> Framework:
    """A framework of these scoring rules and domains; rubric, levers and policy of cbe-v1."""
    return Framework.model_validate({**CBE_CONTENT, **content})


def tiny(**rules) -> Framework:
    return typed(tiny_content(**rules))


def tiny_content(
    *,
    share: float = 0.6,
    min_domains: int = 2,
    thresholds: tuple = (0, 35, 60, 80),
    gap: int = 2,
    strength: int = 4,
) -> dict:
    """Two domains: alpha (AL-01..03, in two areas) and beta (BE-01..05)."""
    stage_codes = ("beginning", "emerging", "developing", "advanced")
    return {
        "code": "tiny",
        "version": 3,
        "scoring": {
            "min_answered_share": share,
            "gap_max_rating": gap,
            "strength_min_rating": strength,
            "min_scored_domains_for_stage": min_domains,
            "lea_stages": [
                {"code": code, "label": code.title(), "meaning": code, "min_score": t}
                for code, t in zip(stage_codes, thresholds, strict=True)
            ],
        },
        "domains": [
            {
                "code": "alpha",
                "name": "Alpha",
                "areas": [
                    {"code": "a1", "name": "A1", "indicators": indicators("AL-01", "AL-02")},
                    {"code": "a2", "name": "A2", "indicators": indicators("AL-03")},
                ],
            },
            {
                "code": "beta",
                "name": "Beta",
                "areas": [
                    {"code": "b1", "name": "B1", "indicators": indicators(*BETA)},
                ],
            },
        ],
    }


def one_domain(size: int) -> Framework:
    """A single domain of `size` indicators, staged on its own score."""
    fw = tiny_content(min_domains=1)
    fw["domains"] = [
        {
            "code": "solo",
            "name": "Solo",
            "areas": [
                {
                    "code": "s",
                    "name": "S",
                    "indicators": indicators(*(f"SO-{i:02}" for i in range(size))),
                }
            ],
        }
    ]
    return typed(fw)


def answers(spec: dict) -> list[AnswerData]:
    """{code: 1..4 | DK | BLANK} -> answers; BLANK is a saved answer with no rating."""
    result = []
    for code, value in spec.items():
        if value == DK:
            result.append(AnswerData(code, None, dont_know=True))
        elif value == BLANK:
            result.append(AnswerData(code, None))
        else:
            result.append(AnswerData(code, value))
    return result


def alpha_beta(alpha: list, beta: list) -> list[AnswerData]:
    spec = {f"AL-0{i}": v for i, v in enumerate(alpha, 1)}
    spec |= {f"BE-0{i}": v for i, v in enumerate(beta, 1)}
    return answers(spec)


def codes_of(fw: Framework) -> list[str]:
    return [i.code for d in fw.domains for a in d.areas for i in a.indicators]


# --- golden cases, worked by hand ------------------------------------------


def test_all_top_ratings_in_one_domain_and_all_bottom_in_the_other_average_to_emerging():
    # alpha 4,4,4: mean 4 -> (4-1)/3*100 = 100.0
    # beta 1,1,1,1,1: mean 1 -> 0.0 (a real zero: every indicator rated "Not yet")
    # overall (100.0 + 0.0) / 2 = 50.0 -> emerging (35 <= 50 < 60)
    result = score_answers(tiny(), alpha_beta([4, 4, 4], [1, 1, 1, 1, 1]))
    assert [d.score for d in result.domains] == [100.0, 0.0]
    assert result.overall == 50.0
    assert result.stage == "emerging"
    assert (result.rated, result.dont_know, result.total) == (8, 0, 8)
    assert result.framework == "tiny-v3"


def test_dont_know_and_blank_answers_are_left_out_of_the_mean_but_counted():
    # alpha 2,3,dk: 2 of 3 rated (0.67 >= 0.6); mean 2.5 -> 1.5/3*100 = 50.0
    # beta 3,3,4,dk,blank: 3 of 5 rated (exactly 0.6); mean 10/3 -> (7/3)/3*100 = 77.78 -> 77.8
    # overall (50.0 + 77.8) / 2 = 63.9 -> developing
    result = score_answers(tiny(), alpha_beta([2, 3, DK], [3, 3, 4, DK, BLANK]))
    alpha, beta = result.domains
    assert (alpha.code, alpha.name, alpha.score, alpha.rated, alpha.dont_know, alpha.total) == (
        "alpha",
        "Alpha",
        50.0,
        2,
        1,
        3,
    )
    assert (beta.score, beta.rated, beta.dont_know, beta.total) == (77.8, 3, 1, 5)
    assert result.overall == 63.9
    assert result.stage == "developing"
    assert (result.rated, result.dont_know, result.total) == (5, 2, 8)


def test_one_scored_domain_is_not_enough_for_a_stage_when_two_are_required():
    # alpha 4,4,4 -> 100.0; beta 4,4 + three don't-knows: 2 of 5 = 0.4 < 0.6 -> no score
    # only 1 domain scored, framework needs 2 -> overall None, insufficient evidence
    result = score_answers(tiny(), alpha_beta([4, 4, 4], [4, 4, DK, DK, DK]))
    assert [d.score for d in result.domains] == [100.0, None]
    assert [d.sufficient for d in result.domains] == [True, False]
    assert result.overall is None
    assert result.stage == INSUFFICIENT


def test_one_scored_domain_is_enough_when_the_framework_asks_for_one():
    # same answers; with min_scored_domains_for_stage 1 the overall is alpha alone: 100.0
    result = score_answers(tiny(min_domains=1), alpha_beta([4, 4, 4], [4, 4, DK, DK, DK]))
    assert result.overall == 100.0
    assert result.stage == "advanced"


def test_no_answers_at_all_is_insufficient_evidence_not_zero():
    result = score_answers(tiny(), [])
    assert [d.score for d in result.domains] == [None, None]
    assert result.overall is None
    assert result.stage == INSUFFICIENT
    assert (result.rated, result.dont_know, result.total) == (0, 0, 8)


@pytest.mark.parametrize(
    ("rated", "share", "sufficient"),
    [
        (5, 0.6, True),
        (4, 0.6, True),
        (3, 0.6, True),  # 3/5 = 0.6 exactly: enough
        (2, 0.6, False),  # 2/5 = 0.4
        (0, 0.6, False),
        (4, 0.8, True),  # 4/5 = 0.8 exactly
        (3, 0.8, False),
        (5, 1, True),
        (4, 1, False),
    ],
)
def test_beta_is_scored_only_when_enough_of_its_five_indicators_are_rated(rated, share, sufficient):
    beta = [3] * rated + [DK] * (5 - rated)
    result = score_answers(tiny(share=share), alpha_beta([3, 3, 3], beta))
    assert result.domain("beta").sufficient is sufficient
    assert result.domain("beta").score == (66.7 if sufficient else None)
    assert result.domain("beta").rated == rated


@pytest.mark.parametrize(("rated", "sufficient"), [(3, True), (2, True), (1, False)])
def test_alpha_needs_two_of_its_three_indicators_at_sixty_percent(rated, sufficient):
    # 2/3 = 0.667 >= 0.6; 1/3 = 0.333 < 0.6
    alpha = [2] * rated + [BLANK] * (3 - rated)
    result = score_answers(tiny(), alpha_beta(alpha, [2, 2, 2, 2, 2]))
    assert result.domain("alpha").score == (33.3 if sufficient else None)


@pytest.mark.parametrize(
    ("alpha", "beta", "domain_scores", "overall", "stage"),
    [
        # alpha 100.0; beta 3,3,3,3,2 mean 2.8 -> 1.8/3*100 = 60.0; (100+60)/2 = 80.0 exactly
        ([4, 4, 4], [3, 3, 3, 3, 2], [100.0, 60.0], 80.0, "advanced"),
        # alpha 100.0; beta 4,3,2,2 (+dk) mean 2.75 -> 58.33 -> 58.3; (100+58.3)/2 = 79.15 -> 79.2
        ([4, 4, 4], [4, 3, 2, 2, DK], [100.0, 58.3], 79.2, "developing"),
        # alpha 3,3,3 -> 66.7; beta sum 13 mean 2.6 -> 53.3; (66.7+53.3)/2 = 60.0 exactly
        ([3, 3, 3], [3, 3, 3, 2, 2], [66.7, 53.3], 60.0, "developing"),
        # alpha 66.7; beta 3,3,2,2 (+dk) mean 2.5 -> 50.0; (66.7+50)/2 = 58.35 -> 58.4
        ([3, 3, 3], [3, 3, 2, 2, DK], [66.7, 50.0], 58.4, "emerging"),
        # alpha 2,2,3 mean 7/3 -> 44.4; beta sum 9 mean 1.8 -> 26.7; (44.4+26.7)/2 = 35.55 -> 35.6
        ([2, 2, 3], [2, 2, 2, 2, 1], [44.4, 26.7], 35.6, "emerging"),
        # alpha 1,2,2 mean 5/3 -> 22.2; beta sum 12 mean 2.4 -> 46.7; (22.2+46.7)/2 = 34.45,
        # a tie, rounded half up to 34.5 -> still below 35
        ([1, 2, 2], [3, 3, 2, 2, 2], [22.2, 46.7], 34.5, "beginning"),
    ],
)
def test_stages_at_and_just_below_each_threshold(alpha, beta, domain_scores, overall, stage):
    result = score_answers(tiny(), alpha_beta(alpha, beta))
    assert [d.score for d in result.domains] == domain_scores
    assert result.overall == overall
    assert result.stage == stage


@pytest.mark.parametrize(
    ("overall", "stage"),
    [
        (0.0, "beginning"),
        (34.9, "beginning"),
        (35.0, "emerging"),
        (59.9, "emerging"),
        (60.0, "developing"),
        (79.9, "developing"),
        (80.0, "advanced"),
        (100.0, "advanced"),
        (None, INSUFFICIENT),
    ],
)
def test_real_framework_stage_thresholds_are_inclusive(cbe, overall, stage):
    assert lea_stage(cbe, overall) == stage


def test_thresholds_come_from_the_framework():
    moved = tiny(thresholds=(0, 10, 20, 30))
    assert lea_stage(moved, 29.9) == "developing"
    assert lea_stage(moved, 30.0) == "advanced"


def test_a_half_tenth_is_rounded_up_not_to_even():
    # 16 indicators: fifteen 1s and one 4 sum to 19, mean 19/16;
    # (19/16 - 1)/3*100 = 6.25 exactly -> 6.3 (Python's round() would give 6.2)
    fw = one_domain(16)
    result = score_answers(fw, answers({f"SO-{i:02}": 1 for i in range(15)} | {"SO-15": 4}))
    assert result.domains[0].score == 6.3
    assert result.overall == 6.3


def test_the_overall_score_averages_the_domain_scores_as_shown():
    # alpha 1,1,2 mean 4/3 -> 11.11 -> 11.1; beta 1,1,1,1,2 mean 1.2 -> 6.67 -> 6.7
    # shown: (11.1 + 6.7) / 2 = 8.9; (unrounded would be 8.89, also 8.9; the rule is the shown one)
    result = score_answers(tiny(), alpha_beta([1, 1, 2], [1, 1, 1, 1, 2]))
    assert [d.score for d in result.domains] == [11.1, 6.7]
    assert result.overall == 8.9


@pytest.mark.parametrize(
    ("mean", "score"), [(1, 0.0), (2, 100 / 3), (2.5, 50.0), (3, 200 / 3), (4, 100.0)]
)
def test_domain_score_places_the_mean_rating_on_zero_to_a_hundred(mean, score):
    assert domain_score(mean) == pytest.approx(score)


@pytest.mark.parametrize("mean", [0.99, 4.01, 0, 5])
def test_domain_score_rejects_a_mean_outside_the_rubric(mean):
    with pytest.raises(ValueError, match="between 1 and 4"):
        domain_score(mean)


@pytest.mark.parametrize("overall", [-0.1, 100.1])
def test_lea_stage_rejects_a_score_outside_zero_to_a_hundred(cbe, overall):
    with pytest.raises(ValueError, match="between 0 and 100"):
        lea_stage(cbe, overall)


def test_classify_lists_gaps_and_strengths_in_framework_order():
    given_in_any_order = answers(
        {"BE-03": 4, "AL-03": DK, "BE-01": 2, "AL-02": 4, "BE-02": 3, "AL-01": 1, "BE-04": BLANK}
    )
    assert classify(tiny(), given_in_any_order) == (["AL-01", "BE-01"], ["AL-02", "BE-03"])
    # thresholds come from the framework: gaps at 1 only, strengths from 3
    assert classify(tiny(gap=1, strength=3), given_in_any_order) == (
        ["AL-01"],
        ["AL-02", "BE-02", "BE-03"],
    )


def test_real_framework_scores_every_domain_in_framework_order(cbe):
    everything_developing = [AnswerData(code, 3) for code in codes_of(cbe)]
    result = score_answers(cbe, everything_developing)
    assert [d.code for d in result.domains] == ["blended", "structure", "equity"]
    assert [d.total for d in result.domains] == [16, 18, 14]
    # every domain mean 3 -> 66.7; overall 66.7 -> developing
    assert [d.score for d in result.domains] == [66.7, 66.7, 66.7]
    assert (result.overall, result.stage, result.framework) == (66.7, "developing", "cbe-v1")


def test_result_survives_a_trip_through_json(cbe):
    result = score_answers(cbe, [AnswerData(code, 2) for code in codes_of(cbe)[:30]])
    stored = json.loads(json.dumps(result.as_dict()))
    assert stored["domains"][0] == {
        "code": "blended",
        "name": result.domains[0].name,
        "score": 33.3,
        "rated": 16,
        "dont_know": 0,
        "total": 16,
    }
    assert ScoreResult.from_dict(stored) == result


# --- bad input --------------------------------------------------------------


@pytest.mark.parametrize("check", [score_answers, classify])
def test_an_answer_for_an_indicator_outside_the_framework_is_refused(check):
    with pytest.raises(ValueError, match="ZZ-99"):
        check(tiny(), [AnswerData("AL-01", 3), AnswerData("ZZ-99", 3)])


@pytest.mark.parametrize("check", [score_answers, classify])
@pytest.mark.parametrize("rating", [0, 5, -1, 2.5, True, "3"])
def test_a_rating_outside_one_to_four_is_refused(check, rating):
    with pytest.raises(ValueError, match="AL-02: rating"):
        check(tiny(), [AnswerData("AL-02", rating)])


@pytest.mark.parametrize("check", [score_answers, classify])
def test_an_indicator_answered_twice_is_refused(check):
    with pytest.raises(ValueError, match="BE-01 is answered more than once"):
        check(tiny(), [AnswerData("BE-01", 3), AnswerData("AL-01", 3), AnswerData("BE-01", 3)])


@pytest.mark.parametrize("check", [score_answers, classify])
def test_a_rating_marked_dont_know_as_well_is_refused(check):
    with pytest.raises(ValueError, match="both a rating and"):
        check(tiny(), [AnswerData("AL-01", 2, dont_know=True)])


# --- properties --------------------------------------------------------------

CHOICES = [1, 2, 3, 4, 1, 2, 3, 4, None, BLANK, DK]  # None = no answer saved at all


@st.composite
def answer_sets(draw, fw: Framework) -> list[AnswerData]:
    codes = codes_of(fw)
    values = draw(st.lists(st.sampled_from(CHOICES), min_size=len(codes), max_size=len(codes)))
    return answers({c: v for c, v in zip(codes, values, strict=True) if v is not None})


def frameworks(cbe: Framework):
    return st.sampled_from([cbe, tiny(), tiny(min_domains=1), tiny(share=1)])


def stage_rank(fw: Framework, stage: str) -> int:
    return lea_stage_order(fw).index(stage)


def scores_only(result: ScoreResult) -> tuple:
    return tuple(d.score for d in result.domains), result.overall, result.stage


@prop
@given(data=st.data())
def test_raising_one_rating_never_lowers_its_domain_the_overall_or_the_stage(cbe, data):
    fw = data.draw(frameworks(cbe))
    before = data.draw(answer_sets(fw))
    raisable = [i for i, a in enumerate(before) if a.rating is not None and a.rating < 4]
    if not raisable:
        return
    i = data.draw(st.sampled_from(raisable))
    higher = data.draw(st.integers(before[i].rating + 1, 4))
    after = [*before[:i], AnswerData(before[i].indicator, higher), *before[i + 1 :]]
    old, new = score_answers(fw, before), score_answers(fw, after)
    for d_old, d_new in zip(old.domains, new.domains, strict=True):
        assert d_old.sufficient == d_new.sufficient
        if d_old.sufficient:
            assert d_new.score >= d_old.score
    assert (old.overall is None) == (new.overall is None)
    if old.overall is not None:
        assert new.overall >= old.overall
    assert stage_rank(fw, new.stage) >= stage_rank(fw, old.stage)


@prop
@given(data=st.data())
def test_the_order_of_answers_never_matters(cbe, data):
    fw = data.draw(frameworks(cbe))
    given_answers = data.draw(answer_sets(fw))
    shuffled = data.draw(st.permutations(given_answers))
    assert score_answers(fw, shuffled) == score_answers(fw, given_answers)
    assert classify(fw, shuffled) == classify(fw, given_answers)


@prop
@given(data=st.data())
def test_dont_know_answers_change_counts_but_never_scores(cbe, data):
    fw = data.draw(frameworks(cbe))
    given_answers = data.draw(answer_sets(fw))
    rated = [a for a in given_answers if a.rating is not None]
    unrated_codes = sorted(set(codes_of(fw)) - {a.indicator for a in rated})
    all_dont_know = rated + [AnswerData(c, None, dont_know=True) for c in unrated_codes]
    results = [score_answers(fw, s) for s in (rated, given_answers, all_dont_know)]
    assert len({scores_only(r) for r in results}) == 1
    assert len({tuple(d.rated for d in r.domains) for r in results}) == 1
    assert results[0].dont_know == 0
    assert results[2].dont_know == len(unrated_codes)
    assert classify(fw, rated) == classify(fw, all_dont_know)


@prop
@given(data=st.data())
def test_same_answers_always_give_the_same_result(cbe, data):
    fw = data.draw(frameworks(cbe))
    given_answers = data.draw(answer_sets(fw))
    first, second = score_answers(fw, given_answers), score_answers(fw, list(given_answers))
    assert first == second
    assert json.dumps(first.as_dict()) == json.dumps(second.as_dict())


@prop
@given(data=st.data())
def test_scores_stay_within_range_and_missing_evidence_is_none_never_zero(cbe, data):
    fw = data.draw(frameworks(cbe))
    result = score_answers(fw, data.draw(answer_sets(fw)))
    share = Fraction(str(fw.scoring.min_answered_share))
    for d in result.domains:
        assert d.rated + d.dont_know <= d.total
        if Fraction(d.rated, d.total) >= share:
            assert d.score is not None and 0 <= d.score <= 100
        else:
            assert d.score is None and not d.sufficient
    scored = [d.score for d in result.domains if d.sufficient]
    if len(scored) >= fw.scoring.min_scored_domains_for_stage:
        assert 0 <= result.overall <= 100
        assert result.stage != INSUFFICIENT
    else:
        assert result.overall is None
        assert result.stage == INSUFFICIENT


def half_up(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@prop
@given(data=st.data())
def test_scores_match_the_published_rule_worked_in_decimals(cbe, data):
    """An independent reading of the rule on the how-scores-work page."""
    fw = data.draw(frameworks(cbe))
    given_answers = data.draw(answer_sets(fw))
    result = score_answers(fw, given_answers)
    ratings = {a.indicator: a.rating for a in given_answers if a.rating is not None}
    for domain, d in zip(fw.domains, result.domains, strict=True):
        mine = [ratings[i.code] for a in domain.areas for i in a.indicators if i.code in ratings]
        if d.sufficient:
            mean = Decimal(sum(mine)) / Decimal(len(mine))
            assert d.score == half_up((mean - 1) / 3 * 100)
            # Rounding to one decimal moves a score by at most 0.05 (18.75 -> 18.8 exactly
            # that far, which floats may put a hair beyond).
            assert d.score == pytest.approx(domain_score(sum(mine) / len(mine)), abs=0.05 + 1e-9)
    if result.overall is not None:
        shown = [Decimal(str(d.score)) for d in result.domains if d.sufficient]
        assert result.overall == half_up(sum(shown) / len(shown))
        assert result.stage == lea_stage(fw, result.overall)


@prop
@given(st.lists(st.integers(0, 1000), max_size=60))
def test_median_and_mean_of_counts_equal_those_of_the_listed_scores(tenths):
    scores = [t / 10 for t in tenths]
    counts = Counter(scores)
    assert score_median_of_counts(counts) == score_median(scores)
    assert score_mean_of_counts(counts) == score_mean(scores)
