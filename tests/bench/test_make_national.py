"""The national data set's generator, run small on the test database (bulk_create instead
of COPY, the same rows), so a change in the models or the scoring cannot leave it behind."""

import pytest
from django.db.models import F

from accounts.models import Role, User
from assessments.models import Answer, Assessment, AssessmentCycle
from assessments.scores import assessment_list_rescore
from bench import make_national
from directory.models import LEA, State
from policies.models import LeverParticipant, LeverStatus, StatePolicyProfile
from policies.services import policy_profile_list_restage

TINY = make_national.sizes_scaled({"NV": 10, "WY": 12, "HI": 8})


@pytest.fixture
def tiny(framework, framework_v2):
    return make_national.national_build(TINY, use_copy=False)


def test_the_tiny_national_set_has_its_rows_statuses_mixed_and_the_newest_cycle_open(tiny):
    assert State.objects.count() == 3
    for code, count in TINY.lea_counts.items():
        assert LEA.objects.filter(state__code=code).count() == count
    # Each LEA's copy of its state's code (the national LEA list's order) is written too.
    assert not LEA.objects.exclude(state_code=F("state__code")).exists()
    assert AssessmentCycle.objects.count() == 3 * len(make_national.CYCLES)
    assert Assessment.objects.count() == TINY.assessments == tiny.assessments
    assert Answer.objects.count() == tiny.answers
    assert abs(tiny.answers - TINY.answers) < 0.1 * TINY.answers
    assert StatePolicyProfile.objects.count() == 9
    assert LeverStatus.objects.count() == 9 * 9
    assert LeverParticipant.objects.count() == tiny.participants
    assert User.objects.filter(role=Role.NATIONAL_ADMIN).count() == 1
    assert User.objects.filter(role=Role.STATE_ADMIN).count() == 3
    assert User.objects.filter(role=Role.STATE_STAFF).count() == 3
    statuses = set(Assessment.objects.values_list("status", flat=True))
    assert statuses == set(Assessment.Status.values)
    open_cycles = AssessmentCycle.objects.filter(is_open=True)
    assert set(open_cycles.values_list("name", flat=True)) == {make_national.CYCLES[-1][0]}
    assert set(open_cycles.values_list("framework__version", flat=True)) == {2}


def test_stored_scores_and_policy_stages_of_the_tiny_set_equal_a_recomputation(tiny):
    assert assessment_list_rescore(assessments=Assessment.objects.all(), check_only=True) == []
    assert (
        policy_profile_list_restage(profiles=StatePolicyProfile.objects.all(), check_only=True)
        == []
    )
    scored = Assessment.objects.exclude(scored_with=None).count()
    assert scored == Assessment.objects.count()
    # Every answer is to an indicator of its cycle's framework version.
    mismatched = Answer.objects.exclude(
        indicator__framework_id=F("assessment__cycle__framework_id")
    )
    assert not mismatched.exists()


def test_the_rows_are_the_same_on_every_run():
    first = make_national.lea_rows("NV", "32", 10, first_id=1)
    again = make_national.lea_rows("NV", "32", 10, first_id=1)
    assert [(r.leaid, r.name, r.enrollment) for r in first] == [
        (r.leaid, r.name, r.enrollment) for r in again
    ]
    assert all(r.leaid.startswith("32") for r in first)
