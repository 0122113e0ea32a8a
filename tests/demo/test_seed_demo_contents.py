"""What seed_demo creates, read from one seeded database shared by this module's tests
(they only read it); the tests that run seed_demo themselves are in test_seed_demo.py."""

import pytest
from django.db.models import F
from django.test import override_settings

from accounts.models import Role, User
from assessments.models import Answer, Assessment, AssessmentCycle
from demo.seed import DEMO_PASSWORD
from directory.models import LEA
from frameworks.models import FrameworkVersion
from policies.models import LeverStatus, StatePolicyProfile

from .test_seed_demo import seed, stage_by_rule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def seeded(module_db, django_db_blocker):
    """The demo, seeded once on an empty database; the output of seed_demo."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        FrameworkVersion.objects.all().delete()
        return seed()


def test_seed_demo_creates_assessments_in_every_status_with_consistent_answers(seeded):
    current = Assessment.objects.filter(cycle__name="2026-27", cycle__is_open=True)
    assert set(current.values_list("status", flat=True)) == set(Assessment.Status.values)
    assert LEA.objects.exclude(assessments__cycle__name="2026-27").exists()
    prior = Assessment.objects.filter(cycle__name="2025-26", cycle__is_open=False)
    assert set(prior.values_list("status", flat=True)) == {Assessment.Status.ACCEPTED}

    for assessment in Assessment.objects.select_related("assignee", "cycle").prefetch_related(
        "answers"
    ):
        answers = list(assessment.answers.all())
        assert assessment.answered_count == sum(a.is_answered for a in answers)
        assert assessment.assignee.role == Role.STATE_STAFF
        assert assessment.assignee.state_id == assessment.cycle.state_id
        if assessment.status != Assessment.Status.DRAFT:
            assert assessment.submitted_at is not None
        assert (assessment.accepted_at is not None) == (
            assessment.status == Assessment.Status.ACCEPTED
        )
    assert not Answer.objects.filter(updated_by__isnull=True).exists()

    total = Answer.objects.count()
    assert 0.02 < Answer.objects.filter(dont_know=True).count() / total < 0.09
    assert 0.2 < Answer.objects.exclude(evidence="").count() / total < 0.4
    for returned in current.filter(status=Assessment.Status.RETURNED):
        assert returned.comments.filter(is_return_note=True, indicator__isnull=False).exists()


def test_seed_demo_creates_one_user_of_each_role_who_can_log_in(seeded):
    output = seeded
    for role in Role.values:
        assert User.objects.filter(role=role).exists(), role
    leader = User.objects.get(username="district-leader")
    assert leader.lea.state.code == "NH"
    assert leader.check_password(DEMO_PASSWORD)
    assert output.count(DEMO_PASSWORD) == User.objects.count()


def test_every_demo_lea_holds_its_states_code_for_the_national_list(seeded):
    assert LEA.objects.count() > 0
    assert not LEA.objects.exclude(state_code=F("state__code")).exists()


def test_each_states_current_cycle_uses_v2_and_its_previous_cycle_v1(seeded):
    for state_code in ("NH", "MI", "AK"):
        labels = dict(
            AssessmentCycle.objects.filter(state__code=state_code).values_list(
                "name", "framework__version"
            )
        )
        assert labels == {"2025-26": 1, "2026-27": 2}
    for assessment in Assessment.objects.select_related("cycle__framework"):
        codes = set(assessment.answers.values_list("indicator__framework_id", flat=True))
        assert codes <= {assessment.cycle.framework_id}
        if assessment.scores:
            assert assessment.scores["framework"] == assessment.cycle.framework.label


def test_policy_profiles_follow_their_own_frameworks_rule_and_reach_every_stage(seeded):
    reached = set()
    profiles = StatePolicyProfile.objects.select_related("cycle__framework").prefetch_related(
        "lever_statuses__lever"
    )
    for profile in profiles:
        content = profile.cycle.framework.content
        statuses = {s.lever.code: s.status for s in profile.lever_statuses.all()}
        assert len(statuses) == len(content["levers"])
        assert {s.lever.framework_id for s in profile.lever_statuses.all()} == {
            profile.cycle.framework_id
        }
        assert profile.stage == stage_by_rule(content, statuses)  # stored by the restage service
        reached.add(profile.stage)
    assert reached == {"no_policy", "emerging", "developing", "advanced"}
    active = LeverStatus.objects.filter(status__in=["enacted", "statewide"])
    assert not active.filter(citation="").exists()


def test_the_current_cycle_records_state_actions(seeded):
    nh = StatePolicyProfile.objects.get(state__code="NH", cycle__name="2026-27")
    assert nh.state_actions["needs_assessment"]["status"] == "done"
    assert not StatePolicyProfile.objects.get(state__code="NH", cycle__name="2025-26").state_actions


def test_every_enacted_lever_of_a_current_cycle_records_who_takes_part(seeded):
    from policies.models import Participation

    enacted = LeverStatus.objects.filter(status="enacted", profile__cycle__name="2026-27")
    assert enacted.exists()
    assert set(enacted.values_list("participation", flat=True)) == {
        Participation.ALL,
        Participation.LISTED,
    }
    for row in enacted.filter(participation=Participation.LISTED):
        assert 0 < row.participants.count() == row.participant_count
        assert set(row.participants.values_list("lea__state_id", flat=True)) == {
            row.profile.state_id
        }
