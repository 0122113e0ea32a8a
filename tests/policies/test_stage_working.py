"""The stage explanation on the profile page always agrees with assessments.scoring."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.scoring import state_stage, state_stage_counts
from frameworks.document import Framework, framework_parse
from policies.selectors import state_stage_working

FRAMEWORK = Framework.model_validate(
    framework_parse(
        (Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v1.yaml").read_text()
    )
)
LEVERS = [lever.code for lever in FRAMEWORK.levers]
STATUSES = [status.code for status in FRAMEWORK.statuses]


@given(st.dictionaries(st.sampled_from(LEVERS), st.sampled_from(STATUSES)))
def test_the_working_shows_the_stage_scoring_computes(statuses):
    working = state_stage_working(framework=FRAMEWORK, statuses=statuses)
    assert working.stage == state_stage(FRAMEWORK, statuses)
    assert working.count_by_key == state_stage_counts(FRAMEWORK, statuses)
    reached = [check for check in working.stages if check.reached]
    assert len(reached) == 1 and reached[0].met and reached[0].code == working.stage
    later = working.stages[[c.code for c in working.stages].index(working.stage) + 1 :]
    assert not any(check.met for check in later)


def test_the_working_names_each_condition_in_plain_words():
    working = state_stage_working(framework=FRAMEWORK, statuses={"task_force": "enacted"})
    advanced = working.stages[-1]
    assert [(r.text, r.needed, r.have) for r in advanced.requirements] == [
        ("In force (enacted or statewide): For states getting started", 3, 1),
        ("In force (enacted or statewide): For states moving forward", 2, 0),
    ]
    assert working.engaged_statuses == "exploring, enacted or statewide"
    assert [(row.label, row.levers) for row in working.counts] == [
        ("All 9 levers", 9),
        ("For states getting started", 5),
        ("For states moving forward", 4),
    ]


def test_an_unknown_status_is_an_error_not_a_silent_none():
    with pytest.raises(ValueError, match="unknown status"):
        state_stage_working(framework=FRAMEWORK, statuses={"task_force": "repealed"})
