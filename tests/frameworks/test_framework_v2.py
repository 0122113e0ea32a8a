"""frameworks/cbe-v2.yaml: it validates and loads, it fixes what the framework-v2 issue
found wrong in v1, and the schema's optional v2 parts are checked like the rest."""

import copy
from collections import Counter
from pathlib import Path

import pytest
import yaml

from frameworks.document import (
    Framework,
    FrameworkError,
    framework_from_content,
    framework_parse,
    framework_validate,
)
from frameworks.services import framework_load

V2_PATH = Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v2.yaml"
V1_PATH = Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v1.yaml"


@pytest.fixture(scope="module")
def v2_data() -> dict:
    return yaml.safe_load(V2_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def v2() -> Framework:
    return framework_from_content(framework_parse(V2_PATH.read_text(encoding="utf-8")))


@pytest.mark.django_db
def test_the_v2_file_loads_beside_v1_with_nine_levers_and_40_to_60_indicators(
    without_framework,
):
    framework_load(path=V1_PATH)
    fv, outcome = framework_load(path=V2_PATH)
    assert outcome == "created"
    assert (fv.code, fv.version) == ("cbe", 2)
    assert 40 <= fv.indicators.count() <= 60
    assert fv.levers.count() == 9
    assert fv.domains.count() == 3
    _, again = framework_load(path=V2_PATH)
    assert again == "unchanged"


def test_v1_parses_with_every_optional_v2_part_left_empty():
    v1 = framework_from_content(framework_parse(V1_PATH.read_text(encoding="utf-8")))
    assert v1.rubric.best_fit is None and v1.rubric.shares == ()
    assert v1.scoring.required_areas == () and v1.scoring.stage_cap_domain is None
    assert v1.scoring.why == {}
    assert v1.state_actions is None
    assert all(not s.requires_all and not s.requires_any for s in v1.state_stages)
    assert all(ind.levers for ind in v1.indicators)


def test_v2_keeps_the_nine_lever_codes_and_the_three_domain_codes_of_v1(v2):
    v1 = framework_from_content(framework_parse(V1_PATH.read_text(encoding="utf-8")))
    assert v2.lever_codes == v1.lever_codes
    assert v2.domain_codes == v1.domain_codes
    assert v2.state_stage_codes == v1.state_stage_codes


def test_lea_stage_names_differ_from_state_tier_names_and_rubric_levels(v2):
    lea = {stage.label for stage in v2.lea_stages}
    assert not lea & {stage.label for stage in v2.state_stages}
    assert not lea & set(v2.rating_labels.values())
    assert not {s.label for s in v2.state_stages} & set(v2.rating_labels.values())


def test_every_threshold_and_rule_says_why(v2):
    assert all(stage.why for stage in v2.lea_stages)
    assert all(stage.why for stage in v2.state_stages)
    assert set(v2.scoring.why) == {
        "min_answered_share",
        "gap_max_rating",
        "strength_min_rating",
        "min_scored_domains_for_stage",
        "required_areas",
        "stage_cap_domain",
    }
    assert v2.rubric.best_fit and v2.rubric.shares_why


def test_some_most_and_all_are_defined_ranges_that_cover_one_to_a_hundred(v2):
    shares = [(s.word, s.from_percent, s.to_percent) for s in v2.rubric.shares]
    assert shares == [("some", 1, 49), ("most", 50, 89), ("all", 90, 100)]


def test_the_lea_stage_needs_every_domain_the_three_required_areas_and_is_capped_by_structure(
    v2,
):
    assert v2.scoring.min_scored_domains_for_stage == len(v2.domains)
    assert set(v2.scoring.required_areas) == {
        "deeper_learning_for_all",
        "pace_without_ranking",
        "advancement",
    }
    assert v2.scoring.stage_cap_domain == "structure"


def test_no_lever_is_linked_to_more_than_a_third_of_the_indicators(v2):
    links = Counter(code for ind in v2.indicators for code in ind.levers)
    assert max(links.values()) <= len(v2.indicators) / 3


def test_indicators_no_state_lever_governs_have_no_lever(v2):
    local = {ind.code for ind in v2.indicators if not ind.levers}
    # devices, home internet, network, common platform, data privacy
    assert {"BL-01", "BL-02", "BL-03", "BL-07", "BL-17"} <= local
    assert len(local) < len(v2.indicators) / 3


def test_the_weak_links_the_issue_names_are_gone(v2):
    levers = {ind.code: set(ind.levers) for ind in v2.indicators}
    # innovation zones supply neither devices nor software nor remote-learning readiness
    for code in ("BL-01", "BL-02", "BL-07", "BL-14", "CS-16"):
        assert "innovation_zones" not in levers[code]
    # a task force studies barriers; it governs no district indicator
    assert not any("task_force" in linked for linked in levers.values())
    # credit flexibility lets students go faster, not deeper
    assert "credit_flexibility" not in levers["EQ-03"]
    # multiple pathways do not govern student goal-setting
    assert "multiple_pathways" not in levers["CS-09"]


def test_the_missing_links_the_issue_names_are_added(v2):
    levers = {ind.code: set(ind.levers) for ind in v2.indicators}
    assert "assessment_redesign" in levers["BL-11"]  # performance assessment
    assert "assessment_redesign" in levers["EQ-16"]  # growth of student groups
    assert "next_gen_accountability" in levers["EQ-01"]  # deeper learning for all
    assert {"local_capacity"} <= levers["CS-07"] & levers["CS-08"]  # calibration


def test_hard_to_rate_v1_indicators_are_rewritten_under_new_codes(v2):
    codes = set(v2.indicator_codes)
    rewritten = {"EQ-05": "EQ-15", "EQ-07": "EQ-16", "CS-06": "CS-22", "EQ-09": "EQ-17"}
    rewritten |= {"CS-03": "CS-23", "CS-11": "CS-20"}
    assert not codes & set(rewritten)
    assert set(rewritten.values()) <= codes


def test_grading_is_split_into_standards_referenced_and_standards_based(v2):
    titles = {ind.code: ind.title for ind in v2.indicators}
    assert "standards-referenced" in titles["CS-20"]
    assert "standards-based" in titles["CS-21"]
    assert v2.indicator("CS-20").area_code == v2.indicator("CS-21").area_code == "advancement"


def test_budget_and_data_privacy_are_rated(v2):
    areas = {ind.area_code for ind in v2.indicators}
    assert {"resources", "data_privacy"} <= areas


def test_the_state_side_duties_are_state_actions_not_levers(v2):
    actions = v2.state_actions
    assert actions is not None
    assert [a.code for a in actions.actions] == [
        "needs_assessment",
        "vision_partners",
        "planning_task_force",
    ]
    assert [s.code for s in actions.statuses] == ["not_started", "under_way", "done"]
    assert not set(v2.lever_codes) & {a.code for a in actions.actions}


# --- the schema's checks of the optional v2 parts ---------------------------------------


def _problems(data: dict, change) -> list[str]:
    data = copy.deepcopy(data)
    change(data)
    with pytest.raises(FrameworkError) as caught:
        framework_validate(data)
    return caught.value.problems


def _stage(data, code):
    return next(s for s in data["policy"]["state_stages"] if s["code"] == code)


V2_MISTAKES = {
    "condition on an unknown lever": (
        lambda d: _stage(d, "developing")["requires_any"][0].__setitem__("levers", ["vouchers"]),
        "unknown lever 'vouchers'",
    ),
    "condition with an unknown status": (
        lambda d: _stage(d, "developing")["requires_any"][0].__setitem__("at_least", "passed"),
        "unknown status",
    ),
    "condition naming both levers and a group": (
        lambda d: _stage(d, "developing")["requires_any"][0].__setitem__("group", "any"),
        "not both or neither",
    ),
    "condition count above its levers": (
        lambda d: _stage(d, "advanced")["requires_all"][0].__setitem__("count", 4),
        "4 is out of range 1..3",
    ),
    "group condition without a count": (
        lambda d: _stage(d, "emerging")["requires_any"][0].pop("count"),
        "say how many levers",
    ),
    "first state stage with a condition": (
        lambda d: d["policy"]["state_stages"][0].__setitem__(
            "requires_any", [{"levers": ["task_force"], "at_least": "exploring"}]
        ),
        "must require nothing",
    ),
    "shares with a hole": (
        lambda d: d["rubric"]["shares"][1].__setitem__("from_percent", 55),
        "must be 50",
    ),
    "shares that stop short of 100": (
        lambda d: d["rubric"]["shares"][2].__setitem__("to_percent", 95),
        "must end at 100",
    ),
    "unknown required area": (
        lambda d: d["scoring"]["required_areas"].append("astrology"),
        "unknown area 'astrology'",
    ),
    "required areas without a share": (
        lambda d: d["scoring"].pop("required_area_min_share"),
        "required_areas needs it",
    ),
    "unknown cap domain": (
        lambda d: d["scoring"].__setitem__("stage_cap_domain", "sports"),
        "unknown domain 'sports'",
    ),
    "a why for no setting": (
        lambda d: d["scoring"]["why"].__setitem__("mood", "because"),
        "unknown setting",
    ),
    "duplicate state action": (
        lambda d: d["policy"]["state_actions"]["actions"][1].__setitem__(
            "code", "needs_assessment"
        ),
        "duplicate action code",
    ),
}


@pytest.mark.parametrize("mistake", V2_MISTAKES, ids=list(V2_MISTAKES))
def test_a_mistake_in_a_v2_part_is_named(v2_data, mistake):
    change, message = V2_MISTAKES[mistake]
    problems = _problems(v2_data, change)
    assert any(message in problem for problem in problems), problems


def test_a_v2_mistake_names_its_line():
    text = V2_PATH.read_text(encoding="utf-8")
    broken = text.replace("at_least: statewide}", "at_least: repealed}", 1)
    line = next(i for i, row in enumerate(broken.splitlines(), 1) if "repealed" in row)
    with pytest.raises(FrameworkError) as caught:
        framework_parse(broken)
    assert any(f"(line {line})" in problem for problem in caught.value.problems)
