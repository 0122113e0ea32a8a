"""The typed Framework: what it exposes, in what order, and that it is built once per hash."""

import copy

import pytest
from pydantic import ValidationError

from frameworks.document import (
    INSUFFICIENT,
    Framework,
    FrameworkError,
    content_hash,
    framework_from_content,
    framework_parse,
)
from frameworks.models import FrameworkVersion
from tests.conftest import FRAMEWORK_PATH

# The hash cbe-v1 was stored with before the schema moved to pydantic: every v1 row in
# every database carries it, so the file must keep producing exactly this content.
CBE_V1_HASH = "31e9906a5a4236b020cc02f4280618f62a8e4d27b3c0c5990ec72c7b7c87d065"


@pytest.fixture(scope="module")
def content() -> dict:
    return framework_parse(FRAMEWORK_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cbe(content) -> Framework:
    return framework_from_content(content)


def test_the_v1_file_gives_the_same_content_and_hash_as_before(content):
    assert content_hash(content) == CBE_V1_HASH


def test_levers_come_in_file_order_with_their_groups_and_names(cbe, content):
    assert [lever.code for lever in cbe.levers] == [lever["code"] for lever in content["levers"]]
    assert cbe.lever_codes == tuple(lever["code"] for lever in content["levers"])
    assert [group.code for group in cbe.lever_groups] == ["getting_started", "moving_forward"]
    assert [len(cbe.levers_in_group(g.code)) for g in cbe.lever_groups] == [5, 4]
    first = content["levers"][0]
    assert cbe.lever(first["code"]).group == first["group"]
    assert cbe.lever_name(first["code"]) == first["name"]
    assert cbe.lever_name("no_such_lever") == "no_such_lever"


def test_short_lever_names_fit_a_chart_column(cbe):
    assert [cbe.lever_short_name(code) for code in cbe.lever_codes] == [
        "Task force",
        "Credit flex.",
        "Innov. zones",
        "Pilots, grants",
        "Pathways",
        "Prof. diplomas",
        "Assessment",
        "Accountability",
        "Local capacity",
    ]


def test_a_lever_without_a_short_name_falls_back_to_its_cut_name(content):
    other = copy.deepcopy(content)
    other["version"] = 99
    fw = Framework.model_validate(other)
    lever = fw.levers[1]
    assert fw.lever_short_name(lever.code) == lever.name[:14]
    other["levers"][1]["short_name"] = "Credit"
    assert Framework.model_validate(other).lever_short_name(lever.code) == "Credit"


def test_indicators_are_flattened_in_framework_order_with_domain_area_and_levers(cbe, content):
    expected = [
        (ind["code"], domain["code"], domain["name"], area["code"], area["name"])
        for domain in content["domains"]
        for area in domain["areas"]
        for ind in area["indicators"]
    ]
    assert [
        (i.code, i.domain, i.domain_name, i.area_code, i.area) for i in cbe.indicators
    ] == expected
    assert cbe.indicator_codes == tuple(row[0] for row in expected)
    first = content["domains"][0]["areas"][0]["indicators"][0]
    spec = cbe.indicator(first["code"])
    assert spec.levers == tuple(first["levers"])
    assert spec.levels == {str(k): v for k, v in first["levels"].items()}
    assert cbe.domain_codes == ("blended", "structure", "equity")
    assert cbe.domain_indicator_codes("equity") == tuple(
        i.code for i in cbe.indicators if i.domain == "equity"
    )


def test_rating_and_answer_labels(cbe):
    assert cbe.rating_labels == {1: "Not yet", 2: "Beginning", 3: "Developing", 4: "Established"}
    assert cbe.rating_label(3) == "Developing"
    assert cbe.rating_label(None) == ""
    assert cbe.rating_label(None, dont_know=True) == cbe.dont_know_label == "Don't know"
    assert cbe.answer_label(2) == "2 · Beginning"
    assert cbe.answer_label(None) == ""
    assert cbe.answer_label(None, dont_know=True) == "Don't know"
    assert cbe.gap_rating_label == "Beginning"


def test_lea_stage_labels_order_and_insufficient_evidence(cbe):
    assert cbe.lea_stage_codes == ("beginning", "emerging", "developing", "advanced")
    assert [stage.min_score for stage in cbe.lea_stages] == [0, 35, 60, 80]
    assert cbe.lea_stage_label("developing") == "Developing"
    assert cbe.lea_stage_label(INSUFFICIENT) == "Insufficient evidence"
    assert cbe.lea_stage_label(None) == "Insufficient evidence"
    assert cbe.lea_stage_label("kept_from_another_version") == "kept_from_another_version"
    assert list(cbe.lea_stage_labels) == [INSUFFICIENT, *cbe.lea_stage_codes]
    assert cbe.lea_stage_entry("advanced").meaning


def test_state_stages_and_policy_statuses(cbe):
    assert cbe.state_stage_codes == ("no_policy", "emerging", "developing", "advanced")
    assert cbe.state_stage_label("no_policy") == "No active policy"
    assert cbe.state_stage_label(None) == ""
    assert cbe.state_stage_entry("advanced").requires == {
        "active_getting_started": 3,
        "active_moving_forward": 2,
    }
    assert cbe.status_choices == [
        ("none", "None"),
        ("exploring", "Exploring"),
        ("enacted", "Enacted"),
        ("statewide", "Statewide"),
    ]
    assert cbe.active_status_codes == {"enacted", "statewide"}
    assert cbe.engaged_status_codes == {"exploring", "enacted", "statewide"}
    assert cbe.status("repealed").code == "none"  # unknown reads as none
    assert cbe.status_label("enacted") == "Enacted"


def test_the_framework_is_immutable(cbe):
    with pytest.raises(ValidationError):
        cbe.title = "Another"
    with pytest.raises(ValidationError):
        cbe.scoring.gap_max_rating = 3


def test_it_is_built_once_per_content_hash(content):
    first = framework_from_content(content)
    assert framework_from_content(copy.deepcopy(content)) is first
    changed = copy.deepcopy(content)
    changed["title"] = "A changed title"
    assert framework_from_content(changed) is not first


@pytest.mark.django_db
def test_a_version_row_gives_its_framework_without_reading_content_again(
    framework, django_assert_num_queries
):
    expected = framework.spec
    assert expected.label == framework.label
    row = FrameworkVersion.objects.defer("content").get(pk=framework.pk)
    with django_assert_num_queries(0):
        assert row.spec is expected


def test_structure_mistakes_from_pydantic_name_their_path_and_line():
    text = FRAMEWORK_PATH.read_text(encoding="utf-8")
    broken = text.replace("gap_max_rating: 2", "gap_max_rating: two", 1)
    line = next(i for i, row in enumerate(broken.splitlines(), 1) if "gap_max_rating" in row)
    with pytest.raises(FrameworkError) as caught:
        framework_parse(broken)
    assert caught.value.problems == [
        f"scoring.gap_max_rating (line {line}): must be a whole number"
    ]


def test_cross_reference_mistakes_name_their_path_and_line():
    text = FRAMEWORK_PATH.read_text(encoding="utf-8")
    broken = text.replace("levers: [pilots_grants, innovation_zones]", "levers: [warp_drive]", 1)
    line = next(i for i, row in enumerate(broken.splitlines(), 1) if "warp_drive" in row)
    with pytest.raises(FrameworkError) as caught:
        framework_parse(broken)
    [problem] = caught.value.problems
    assert problem.startswith(f"domains[0].areas[0].indicators[0].levers (line {line}): ")
    assert "unknown lever 'warp_drive'" in problem
