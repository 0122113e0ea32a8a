"""The state tier rule of cbe-v2, case by case from Aurora Institute's four tier
definitions as the portal reads them, and its properties.

- No active policy: seat-time credit, nothing under way on any lever.
- Emerging: getting started, typically with a task force; any flexibility is limited
  (waivers, zones, state approval: a lever enacted for some districts only).
- Developing: pilots and/or credit flexibility open to districts (credit flexibility
  statewide, a pilot program enacted or statewide, or a proficiency-based diploma
  statewide, which opens the same door further).
- Advanced: comprehensive policy and a state role building local capacity (credit
  flexibility, proficiency-based diplomas and local capacity all statewide).
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.scoring import state_stage
from frameworks.document import framework_from_content, framework_parse
from policies.selectors import state_stage_working

V2 = framework_from_content(
    framework_parse(
        (Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v2.yaml").read_text()
    )
)
LEVERS = list(V2.lever_codes)
STATUSES = ["none", "exploring", "enacted", "statewide"]
STAGES = ["no_policy", "emerging", "developing", "advanced"]
ADVANCED_THREE = ("credit_flexibility", "proficiency_diplomas", "local_capacity")

prop = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def every(status: str, *, but: dict | None = None) -> dict[str, str]:
    return {lever: status for lever in LEVERS} | (but or {})


def test_the_file_has_what_these_cases_assume():
    assert [s.code for s in V2.statuses] == STATUSES
    assert list(V2.state_stage_codes) == STAGES


@pytest.mark.parametrize(
    ("statuses", "stage"),
    [
        # no active policy
        ({}, "no_policy"),
        (every("none"), "no_policy"),
        # emerging: a task force, whatever its status, is getting started
        ({"task_force": "exploring"}, "emerging"),
        ({"task_force": "enacted"}, "emerging"),
        ({"task_force": "statewide"}, "emerging"),
        # emerging: flexibility for some districts only is limited flexibility
        ({"credit_flexibility": "enacted"}, "emerging"),
        ({"innovation_zones": "enacted"}, "emerging"),
        ({"innovation_zones": "statewide"}, "emerging"),  # waivers, not credit on mastery
        ({"proficiency_diplomas": "enacted"}, "emerging"),
        ({"pilots_grants": "exploring"}, "emerging"),  # a pilot under study is not running
        ({"credit_flexibility": "exploring", "task_force": "enacted"}, "emerging"),
        (every("enacted", but={"pilots_grants": "exploring"}), "emerging"),
        (
            every("statewide", but={"credit_flexibility": "enacted", "pilots_grants": "none"})
            | {"proficiency_diplomas": "enacted"},
            "emerging",
        ),
        # developing: credit flexibility open to every district
        ({"credit_flexibility": "statewide"}, "developing"),
        # developing: a pilot program running (a pilot is for the districts chosen)
        ({"pilots_grants": "enacted"}, "developing"),
        ({"pilots_grants": "statewide"}, "developing"),
        # developing: graduation on mastery required of every district
        ({"proficiency_diplomas": "statewide"}, "developing"),
        (every("enacted"), "developing"),
        # developing, not advanced: one of the three short of statewide
        (every("statewide", but={"credit_flexibility": "enacted"}), "developing"),
        (every("statewide", but={"proficiency_diplomas": "enacted"}), "developing"),
        (every("statewide", but={"local_capacity": "enacted"}), "developing"),
        ({"credit_flexibility": "statewide", "proficiency_diplomas": "statewide"}, "developing"),
        # advanced: credit and graduation on mastery and the state's capacity role, statewide
        (dict.fromkeys(ADVANCED_THREE, "statewide"), "advanced"),
        (every("statewide"), "advanced"),
        (every("none") | dict.fromkeys(ADVANCED_THREE, "statewide"), "advanced"),
    ],
)
def test_each_boundary_of_the_tier_rule(statuses, stage):
    assert state_stage(V2, statuses) == stage
    assert state_stage_working(framework=V2, statuses=statuses).stage == stage


@pytest.mark.parametrize("lever", LEVERS)
def test_exploring_any_one_lever_is_getting_started(lever):
    assert state_stage(V2, {lever: "exploring"}) == "emerging"


@pytest.mark.parametrize("status", STATUSES[1:])
def test_a_task_force_alone_never_counts_as_flexibility_in_force(status):
    assert state_stage(V2, {"task_force": status}) == "emerging"
    working = state_stage_working(framework=V2, statuses={"task_force": status})
    assert "task force" not in working.sentence.split("Not Developing")[1].lower()


def test_the_sentence_is_built_from_the_real_statuses():
    statuses = {
        "task_force": "statewide",
        "credit_flexibility": "statewide",
        "pilots_grants": "enacted",
        "proficiency_diplomas": "statewide",
        "local_capacity": "enacted",
    }
    working = state_stage_working(framework=V2, statuses=statuses)
    assert working.sentence == (
        "Developing because credit flexibility is statewide, pilots and planning grants is "
        "enacted and proficiency-based diplomas is statewide. Not Advanced: 2 of the 3 "
        "(credit flexibility, proficiency-based diplomas and building local capacity) are "
        "statewide (all 3 needed)."
    )
    assert not working.uses_counts and working.describes_tier


def test_the_sentence_of_a_state_with_nothing_says_what_emerging_needs():
    working = state_stage_working(framework=V2, statuses={})
    assert working.sentence == (
        "No active policy, the starting point. Not Emerging: 0 of 9 levers are exploring "
        "or further along (at least 1 needed)."
    )


@st.composite
def lever_statuses(draw) -> dict[str, str]:
    return draw(st.dictionaries(st.sampled_from(LEVERS), st.sampled_from(STATUSES)))


@prop
@given(statuses=lever_statuses(), data=st.data())
def test_raising_a_lever_status_never_lowers_the_stage(statuses, data):
    lever = data.draw(st.sampled_from(LEVERS))
    current = STATUSES.index(statuses.get(lever, "none"))
    if current == len(STATUSES) - 1:
        return
    further = data.draw(st.sampled_from(STATUSES[current + 1 :]))
    before = state_stage(V2, statuses)
    after = state_stage(V2, statuses | {lever: further})
    assert STAGES.index(after) >= STAGES.index(before)


@prop
@given(statuses=lever_statuses())
def test_without_a_pilot_nothing_for_some_districts_only_goes_past_emerging(statuses):
    some_only = {
        lever: ("enacted" if status == "statewide" else status)
        for lever, status in statuses.items()
        if lever != "pilots_grants"
    }
    assert STAGES.index(state_stage(V2, some_only)) <= STAGES.index("emerging")


@prop
@given(statuses=lever_statuses())
def test_the_working_and_its_sentence_agree_with_the_stage(statuses):
    working = state_stage_working(framework=V2, statuses=statuses)
    assert working.stage == state_stage(V2, statuses)
    assert working.sentence.startswith(V2.state_stage_label(working.stage))
    reached = [check for check in working.stages if check.reached]
    assert len(reached) == 1 and reached[0].met
    later = working.stages[STAGES.index(working.stage) + 1 :]
    assert not any(check.met for check in later)
