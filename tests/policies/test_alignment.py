"""Alignment selectors: gaps of an LEA with their levers, and levers across a state.

The state-wide counts are checked against a brute-force count over the raw answers of
a generated state, and every selector must run the same number of queries for 10 LEAs
as for 500.
"""

import random

import pytest

from assessments.models import Answer, Assessment, AssessmentCycle
from assessments.scores import assessment_list_rescore
from directory.models import LEA, State
from frameworks.document import framework_indicators
from frameworks.models import Indicator
from policies.selectors import (
    lea_alignment,
    lea_gaps_with_levers,
    lea_policy_context,
    state_levers_held_back,
)
from tests.factories import CycleFactory, StateFactory, profile_create

ACTIVE = {"enacted", "statewide"}  # written out here so the brute force does not reuse code
STATUSES = ["none", "exploring", "enacted", "statewide"]


def generated_state(framework, *, lea_count: int, seed: str, code: str = "GS") -> dict:
    """A state with `lea_count` LEAs, all but a few assessed, with seeded random answers
    (ratings 1-4, "don't know" and blanks) and a random policy profile."""
    rng = random.Random(seed)
    state = StateFactory(code=code, name=f"Generated {code}")
    cycle = CycleFactory(state=state, framework=framework)
    base = 5_000_000 + (ord(code[0]) * 26 + ord(code[1])) * 1000
    leas = LEA.objects.bulk_create(
        LEA(leaid=f"{base + i:07d}", state=state, name=f"Generated district {i}")
        for i in range(lea_count)
    )
    assessed = [lea for lea in leas if rng.random() > 0.05] or leas[:1]
    assessments = Assessment.objects.bulk_create(
        Assessment(lea=lea, cycle=cycle) for lea in assessed
    )
    indicators = list(Indicator.objects.filter(framework=framework))
    answers = []
    for assessment in assessments:
        level = rng.uniform(1.2, 3.8)  # some districts are far along, some are not
        for indicator in indicators:
            roll = rng.random()
            if roll < 0.15:
                continue  # not answered
            if roll < 0.22:
                answers.append(Answer(assessment=assessment, indicator=indicator, dont_know=True))
                continue
            rating = min(4, max(1, round(rng.gauss(level, 0.9))))
            answers.append(
                Answer(
                    assessment=assessment,
                    indicator=indicator,
                    rating=rating,
                    evidence=f"note {rng.randrange(1000)}",
                )
            )
    Answer.objects.bulk_create(answers, batch_size=5000)
    # Stored scores and gap indicators, as every save keeps them.
    assessment_list_rescore(assessments=Assessment.objects.filter(cycle=cycle))
    lever_codes = [lever["code"] for lever in framework.content["levers"]]
    statuses = {code: rng.choice(STATUSES) for code in lever_codes}
    # At least one lever active and one not, so both "opened" and "blocked" occur.
    statuses[lever_codes[0]], statuses[lever_codes[-1]] = "statewide", "none"
    profile = profile_create(state=state, cycle=cycle, statuses=statuses)
    return {"state": state, "cycle": cycle, "profile": profile, "statuses": statuses}


def brute_force(framework, cycle, statuses) -> dict:
    """Per lever, every count recomputed from the raw answers in Python."""
    content = framework.content
    gap_max = content["scoring"]["gap_max_rating"]
    aligned = {ind.code: set(ind.levers) for ind in framework_indicators(content)}
    active = {code for code, status in statuses.items() if status in ACTIVE}
    rows = Answer.objects.filter(assessment__cycle=cycle).values_list(
        "assessment__lea_id", "indicator__code", "rating"
    )
    gaps = [(lea, code) for lea, code, rating in rows if rating is not None and rating <= gap_max]
    assessed = len(set(Assessment.objects.filter(cycle=cycle).values_list("lea_id", flat=True)))
    result = {}
    for lever in (lever["code"] for lever in content["levers"]):
        mine = [(lea, code) for lea, code in gaps if lever in aligned[code]]
        blocked = [(lea, code) for lea, code in mine if not aligned[code] & active]
        per_indicator = {}
        for _, code in mine:
            per_indicator[code] = per_indicator.get(code, 0) + 1
        result[lever] = {
            "assessed_leas": assessed,
            "leas_with_gap": len({lea for lea, _ in mine}),
            "gaps": len(mine),
            "gaps_blocked": len(blocked),
            "leas_blocked": len({lea for lea, _ in blocked}),
            "indicators": per_indicator,
        }
    return result


def test_levers_held_back_match_a_brute_force_count_for_300_leas(framework):
    world = generated_state(framework, lea_count=300, seed="alignment-300")
    # Gaps in another state must not leak into the count.
    generated_state(framework, lea_count=20, seed="elsewhere", code="OT")
    expected = brute_force(framework, world["cycle"], world["statuses"])
    rows = state_levers_held_back(state=world["state"], cycle=world["cycle"])
    assert [row.code for row in rows] == [lever["code"] for lever in framework.content["levers"]]
    for row in rows:
        want = expected[row.code]
        got = {
            "assessed_leas": row.assessed_leas,
            "leas_with_gap": row.leas_with_gap,
            "gaps": row.gaps,
            "gaps_blocked": row.gaps_blocked,
            "leas_blocked": row.leas_blocked,
            "indicators": {ind.code: ind.lea_count for ind in row.indicators},
        }
        assert got == want, row.code
        assert row.status == world["statuses"][row.code]
        assert row.active == (row.status in ACTIVE)
        if row.active:
            assert row.gaps_blocked == 0
    # The data set is rich enough to test something.
    assert 250 < rows[0].assessed_leas < 300
    assert any(row.leas_blocked for row in rows)
    assert any(row.gaps_blocked < row.gaps for row in rows if row.gaps)


def test_each_lea_gap_is_opened_or_blocked_as_a_brute_force_says(framework):
    world = generated_state(framework, lea_count=40, seed="alignment-lea")
    content = framework.content
    aligned = {ind.code: ind for ind in framework_indicators(content)}
    active = {code for code, status in world["statuses"].items() if status in ACTIVE}
    for assessment in Assessment.objects.filter(cycle=world["cycle"])[:10]:
        answers = {
            a.indicator.code: a
            for a in Answer.objects.filter(assessment=assessment, rating__lte=2).select_related(
                "indicator"
            )
        }
        gaps = lea_gaps_with_levers(assessment=assessment)
        order = [ind.code for ind in framework_indicators(content)]
        assert [g.indicator_code for g in gaps] == [c for c in order if c in answers]
        for gap in gaps:
            spec = aligned[gap.indicator_code]
            assert gap.rating == answers[gap.indicator_code].rating
            assert gap.evidence == answers[gap.indicator_code].evidence
            assert gap.next_step == spec.next_step
            assert [lever.code for lever in gap.levers] == list(spec.levers)
            assert gap.opened == bool(set(spec.levers) & active)
            assert gap.state == ("opened" if gap.opened else "blocked")
        context = lea_policy_context(assessment=assessment)
        for lever in context:
            assert lever.active == (lever.code in active)
            assert set(lever.gap_codes) == {
                g.indicator_code for g in gaps if lever.code in aligned[g.indicator_code].levers
            }


def test_a_hand_made_case(two_states, framework):
    nh = two_states["NH"]
    assessment = Assessment.objects.create(lea=nh["leas"][0], cycle=nh["cycle"])
    indicators = {i.code: i for i in Indicator.objects.filter(framework=framework)}
    specs = {ind.code: ind for ind in framework_indicators(framework.content)}
    # Pick two indicators with disjoint levers: one will be opened, the other blocked.
    first = next(iter(specs.values()))
    second = next(s for s in specs.values() if not set(s.levers) & set(first.levers))
    others = [s for s in specs.values() if s.code not in (first.code, second.code)]
    Answer.objects.bulk_create(
        [
            Answer(assessment=assessment, indicator=indicators[first.code], rating=1, evidence="a"),
            Answer(assessment=assessment, indicator=indicators[second.code], rating=2),
            Answer(assessment=assessment, indicator=indicators[others[0].code], rating=3),
            Answer(assessment=assessment, indicator=indicators[others[1].code], rating=4),
            Answer(assessment=assessment, indicator=indicators[others[2].code], dont_know=True),
        ]
    )
    # Without a profile, every gap is blocked.
    alignment = lea_alignment(assessment=assessment)
    assert not alignment.profile_recorded
    assert [(g.indicator_code, g.state) for g in alignment.gaps] == [
        (first.code, "blocked"),
        (second.code, "blocked"),
    ]
    profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={first.levers[0]: ("enacted", "SB 45"), second.levers[0]: "exploring"},
    )
    alignment = lea_alignment(assessment=assessment)
    assert alignment.profile_recorded
    assert [(g.indicator_code, g.state, g.rating_label) for g in alignment.gaps] == [
        (first.code, "opened", "Not yet"),
        (second.code, "blocked", "Beginning"),
    ]
    assert (alignment.opened_count, alignment.blocked_count) == (1, 1)
    lever = next(link for link in alignment.gaps[0].levers if link.code == first.levers[0])
    assert (lever.status, lever.active, lever.citation) == ("enacted", True, "SB 45")
    assert alignment.gaps[0].evidence == "a"
    by_code = {row.code: row for row in alignment.levers}
    assert by_code[first.levers[0]].gap_codes == (first.code,)


def test_held_back_needs_the_states_own_cycle(two_states):
    with pytest.raises(ValueError, match="another state"):
        state_levers_held_back(state=two_states["NH"]["state"], cycle=two_states["VT"]["cycle"])


# Queries, whatever the number of LEAs:
#  lea_alignment: framework content, answers, the state's lever statuses;
#  state_levers_held_back: framework (cycle.framework not loaded), lever statuses,
#  the cycle's lever summary with its stamp (current: the first read built it).
LEA_ALIGNMENT_QUERIES = 3
STATE_HELD_BACK_QUERIES = 3


@pytest.mark.parametrize("lea_count", [10, pytest.param(500, marks=pytest.mark.slow)])
def test_alignment_selectors_run_a_fixed_number_of_queries(
    framework, lea_count, django_assert_num_queries
):
    world = generated_state(framework, lea_count=lea_count, seed=f"queries-{lea_count}")
    assessment = Assessment.objects.filter(cycle=world["cycle"]).order_by("pk").last()
    assessment = Assessment.objects.get(pk=assessment.pk)
    with django_assert_num_queries(LEA_ALIGNMENT_QUERIES):
        alignment = lea_alignment(assessment=assessment)
    assert len(alignment.levers) == 9

    state = State.objects.get(pk=world["state"].pk)
    state_levers_held_back(state=state, cycle=world["cycle"])  # builds the lever summary
    cycle = AssessmentCycle.objects.get(pk=world["cycle"].pk)
    with django_assert_num_queries(STATE_HELD_BACK_QUERIES):
        rows = state_levers_held_back(state=state, cycle=cycle)
    assert max(row.leas_with_gap for row in rows) > lea_count // 2

    # With the framework already loaded by the caller, one query fewer each.
    cycle = AssessmentCycle.objects.select_related("framework").get(pk=cycle.pk)
    with django_assert_num_queries(STATE_HELD_BACK_QUERIES - 1):
        state_levers_held_back(state=state, cycle=cycle)
    assessment = Assessment.objects.select_related("cycle__framework").get(pk=assessment.pk)
    with django_assert_num_queries(LEA_ALIGNMENT_QUERIES - 1):
        lea_alignment(assessment=assessment)
