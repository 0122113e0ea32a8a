"""State policy stage (Part B): every boundary of cbe-v1's rule, properties, bad input."""

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.scoring import state_stage, state_stage_counts
from frameworks.document import Framework, framework_parse

FRAMEWORK_FILE = Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v1.yaml"
GETTING_STARTED = [
    "task_force",
    "credit_flexibility",
    "innovation_zones",
    "pilots_grants",
    "multiple_pathways",
]
MOVING_FORWARD = [
    "proficiency_diplomas",
    "assessment_redesign",
    "next_gen_accountability",
    "local_capacity",
]
STATUS_ORDER = ["none", "exploring", "enacted", "statewide"]
STAGE_ORDER = ["no_policy", "emerging", "developing", "advanced"]

prop = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@pytest.fixture(scope="module")
def cbe_content() -> dict:
    return framework_parse(FRAMEWORK_FILE.read_text())


@pytest.fixture(scope="module")
def cbe(cbe_content) -> Framework:
    return Framework.model_validate(cbe_content)


def levers(gs: int = 0, mf: int = 0, status: str = "enacted") -> dict[str, str]:
    """The first `gs` getting-started and first `mf` moving-forward levers at `status`."""
    return {lever: status for lever in GETTING_STARTED[:gs] + MOVING_FORWARD[:mf]}


def test_the_framework_file_has_the_levers_these_tests_assume(cbe):
    groups = {lever.code: lever.group for lever in cbe.levers}
    assert [c for c, g in groups.items() if g == "getting_started"] == GETTING_STARTED
    assert [c for c, g in groups.items() if g == "moving_forward"] == MOVING_FORWARD
    assert [s.code for s in cbe.state_stages] == STAGE_ORDER


@pytest.mark.parametrize(
    ("statuses", "stage"),
    [
        # nothing engaged
        ({}, "no_policy"),
        ({lever: "none" for lever in GETTING_STARTED + MOVING_FORWARD}, "no_policy"),
        # engaged_any >= 1
        ({"task_force": "exploring"}, "emerging"),
        ({"local_capacity": "exploring"}, "emerging"),
        (levers(gs=5, mf=4, status="exploring"), "emerging"),
        (levers(gs=1), "emerging"),  # one active lever is also engaged, not yet two
        (levers(mf=4), "emerging"),  # moving-forward levers alone never reach developing
        # active_getting_started >= 2
        (levers(gs=2), "developing"),
        (levers(gs=2, status="statewide"), "developing"),
        ({"task_force": "enacted", "pilots_grants": "statewide"}, "developing"),
        (levers(gs=3, mf=1), "developing"),  # advanced needs 2 moving-forward
        (levers(gs=2, mf=4), "developing"),  # advanced needs 3 getting-started
        (levers(gs=3) | levers(mf=4, status="exploring"), "developing"),  # exploring is not active
        # active_getting_started >= 3 and active_moving_forward >= 2
        (levers(gs=3, mf=2), "advanced"),
        (levers(gs=3, mf=2, status="statewide"), "advanced"),
        (levers(gs=3, status="statewide") | levers(mf=2), "advanced"),
        (levers(gs=5, mf=4, status="statewide"), "advanced"),
    ],
)
def test_each_boundary_of_the_state_rule(cbe, statuses, stage):
    assert state_stage(cbe, statuses) == stage


def test_counts_show_the_working(cbe):
    statuses = {
        "task_force": "statewide",
        "credit_flexibility": "enacted",
        "innovation_zones": "exploring",
        "assessment_redesign": "exploring",
        "local_capacity": "none",
    }
    assert state_stage_counts(cbe, statuses) == {
        "engaged_any": 4,
        "active_any": 2,
        "engaged_getting_started": 3,
        "active_getting_started": 2,
        "engaged_moving_forward": 1,
        "active_moving_forward": 0,
    }
    assert state_stage(cbe, statuses) == "developing"


def test_which_statuses_are_active_comes_from_the_framework(cbe_content):
    content = copy.deepcopy(cbe_content)
    for status in content["policy"]["statuses"]:
        if status["code"] == "enacted":
            status["active"] = False
    strict = Framework.model_validate(content)
    assert state_stage(strict, levers(gs=3, mf=2)) == "emerging"
    assert state_stage(strict, levers(gs=3, mf=2, status="statewide")) == "advanced"


def test_the_highest_stage_whose_requirements_hold_wins_even_if_a_lower_one_fails(
    cbe_content,
):
    content = copy.deepcopy(cbe_content)
    content["policy"]["state_stages"] = [
        {"code": code, "label": code, "meaning": code, "requires": requires}
        for code, requires in [
            ("base", {}),
            ("studying_next_steps", {"engaged_moving_forward": 1}),
            ("acting_early", {"active_getting_started": 1, "active_any": 1}),
        ]
    ]
    fw = Framework.model_validate(content)
    assert state_stage(fw, {}) == "base"
    assert state_stage(fw, {"local_capacity": "exploring"}) == "studying_next_steps"
    assert state_stage(fw, {"task_force": "enacted"}) == "acting_early"


def test_an_unknown_status_is_refused(cbe):
    with pytest.raises(ValueError, match="unknown status 'passed'"):
        state_stage(cbe, {"task_force": "passed"})


def test_an_unknown_lever_is_refused(cbe):
    with pytest.raises(ValueError, match="unknown lever 'vouchers'"):
        state_stage(cbe, {"task_force": "enacted", "vouchers": "enacted"})
    with pytest.raises(ValueError, match="unknown lever"):
        state_stage_counts(cbe, {"vouchers": "none"})


def test_an_unknown_requirement_in_the_framework_is_refused(cbe_content):
    content = copy.deepcopy(cbe_content)
    content["policy"]["state_stages"][1]["requires"] = {"funded_any": 1}
    fw = Framework.model_validate(content)
    with pytest.raises(ValueError, match="funded_any"):
        state_stage(fw, {})


@st.composite
def lever_statuses(draw) -> dict[str, str]:
    every_lever = st.sampled_from(GETTING_STARTED + MOVING_FORWARD)
    return draw(st.dictionaries(every_lever, st.sampled_from(STATUS_ORDER)))


@prop
@given(statuses=lever_statuses(), data=st.data())
def test_moving_any_lever_further_along_never_lowers_the_stage(cbe, statuses, data):
    lever = data.draw(st.sampled_from(GETTING_STARTED + MOVING_FORWARD))
    current = STATUS_ORDER.index(statuses.get(lever, "none"))
    if current == len(STATUS_ORDER) - 1:
        return
    further = data.draw(st.sampled_from(STATUS_ORDER[current + 1 :]))
    moved = statuses | {lever: further}
    before, after = state_stage(cbe, statuses), state_stage(cbe, moved)
    assert STAGE_ORDER.index(after) >= STAGE_ORDER.index(before)
    old_counts, new_counts = state_stage_counts(cbe, statuses), state_stage_counts(cbe, moved)
    assert all(new_counts[key] >= old_counts[key] for key in old_counts)


@prop
@given(statuses=lever_statuses())
def test_a_missing_lever_counts_as_none(cbe, statuses):
    spelled_out = {lever: "none" for lever in GETTING_STARTED + MOVING_FORWARD} | statuses
    assert state_stage(cbe, spelled_out) == state_stage(cbe, statuses)
    assert state_stage_counts(cbe, spelled_out) == state_stage_counts(cbe, statuses)
