"""Plan writes: priorities only on gaps, tasks with owners and dates in order, the version
rule, and who may change what. A refused write stores nothing."""

import datetime

import pytest

from accounts.models import Role
from plans import services
from plans.models import CoachingComment, Objective, Plan, ProgressNote, Task
from tests.plans.helpers import lea_with_gaps, opened_profile, plan_with_task


@pytest.fixture
def nh(two_states):
    return two_states["NH"]


def test_district_leader_marks_two_gaps_as_priorities_and_gets_one_plan(nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan = services.plan_priorities_set(
        user=leader, assessment=assessment, indicator_codes=codes[:2]
    )
    again = services.plan_priorities_set(
        user=leader, assessment=assessment, indicator_codes=codes[1:3]
    )
    assert again.pk == plan.pk
    assert Plan.objects.count() == 1
    assert sorted(Objective.objects.values_list("indicator__code", flat=True)) == sorted(codes[1:3])


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.STATE_ADMIN])
def test_state_staff_and_admins_may_also_mark_priorities(nh, framework, role):
    assessment, codes = lea_with_gaps(nh, framework)
    plan = services.plan_priorities_set(
        user=nh["users"][role], assessment=assessment, indicator_codes=codes[:1]
    )
    assert plan.objectives.count() == 1


def test_a_strength_cannot_be_a_priority_and_nothing_is_stored(nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    with pytest.raises(services.PlanInvalid) as caught:
        services.plan_priorities_set(
            user=nh["users"][Role.DISTRICT_LEADER],
            assessment=assessment,
            indicator_codes=[codes[0], codes[4]],
        )
    assert caught.value.field == "priorities"
    assert codes[4] in caught.value.message
    assert not Plan.objects.exists()


def test_task_force_member_cannot_mark_priorities(nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    with pytest.raises(services.PlanNotAllowed):
        services.plan_priorities_set(
            user=nh["users"][Role.TASK_FORCE], assessment=assessment, indicator_codes=codes[:1]
        )
    assert not Plan.objects.exists()


def test_a_priority_with_tasks_cannot_be_dropped(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    from assessments.models import Assessment

    assessment = Assessment.objects.get(lea=plan.lea, cycle=plan.cycle)
    with pytest.raises(services.PlanInvalid) as caught:
        services.plan_priorities_set(user=leader, assessment=assessment, indicator_codes=[codes[1]])
    assert caught.value.field == "priorities"
    assert plan.objectives.count() == 2


def test_a_due_date_before_the_start_date_is_refused_naming_the_due_date(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    with pytest.raises(services.PlanInvalid) as caught:
        services.task_create(
            user=leader,
            objective=objective,
            description="Survey",
            owner_name="Sam",
            starts_on="2026-10-01",
            due_on="2026-09-01",
        )
    assert caught.value.field == "due_on"
    assert "before the start date" in caught.value.message
    assert Task.objects.count() == 1


def test_a_task_without_an_owner_is_refused_naming_the_owner(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    with pytest.raises(services.PlanInvalid) as caught:
        services.task_create(
            user=leader,
            objective=objective,
            description="Survey",
            owner_name="   ",
            starts_on="2026-09-01",
            due_on="2026-09-02",
        )
    assert caught.value.field == "owner_name"
    assert Task.objects.count() == 1


def test_a_portal_user_who_cannot_see_the_plan_cannot_own_a_task(nh, two_states, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    with pytest.raises(services.PlanInvalid) as caught:
        services.task_create(
            user=leader,
            objective=objective,
            description="Survey",
            owner_name="Someone",
            owner_user=two_states["VT"]["users"][Role.STATE_STAFF].pk,
            starts_on="2026-09-01",
            due_on="2026-09-02",
        )
    assert caught.value.field == "owner_user"


@pytest.mark.parametrize("role", [Role.TASK_FORCE, Role.STATE_STAFF])
def test_only_the_leas_leader_edits_tasks(nh, framework, role):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    with pytest.raises(services.PlanNotAllowed):
        services.task_status_set(user=nh["users"][role], task=task, version=1, status="done")
    task.refresh_from_db()
    assert task.status == Task.Status.NOT_STARTED


def test_another_leas_leader_cannot_edit_the_plan(nh, framework):
    from tests.factories import UserFactory

    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    other = UserFactory(role=Role.DISTRICT_LEADER, lea=nh["leas"][1], state=nh["state"])
    with pytest.raises(services.PlanNotAllowed):
        services.objective_update(
            user=other, objective=objective, statement="x", target_on="2027-01-01", version=1
        )


def test_a_stale_task_edit_is_refused_with_both_versions(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    stale = Task.objects.get(pk=task.pk)
    services.task_status_set(user=leader, task=task, version=1, status="in_progress")
    with pytest.raises(services.PlanConflict) as caught:
        services.task_status_set(user=leader, task=stale, version=1, status="done")
    assert caught.value.status == 409
    assert caught.value.theirs["status"] == "in_progress"
    assert caught.value.theirs["version"] == 2
    assert caught.value.yours["status"] == "done"
    assert caught.value.yours["version"] == 1
    assert Task.objects.get(pk=task.pk).status == "in_progress"


def test_a_stale_objective_edit_is_refused_with_both_versions(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    services.objective_update(
        user=leader, objective=objective, statement="All devices", target_on="2027-05-01", version=1
    )
    with pytest.raises(services.PlanConflict) as caught:
        services.objective_update(
            user=leader, objective=objective, statement="Mine", target_on="2027-05-01", version=1
        )
    assert caught.value.theirs["statement"] == "All devices"
    assert caught.value.yours["statement"] == "Mine"


def test_an_objective_needs_a_statement_and_a_date(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    with pytest.raises(services.PlanInvalid) as caught:
        services.objective_update(
            user=leader, objective=objective, statement="ok", target_on="soon", version=1
        )
    assert caught.value.field == "target_on"
    objective.refresh_from_db()
    assert objective.statement == "" and objective.version == 1


def test_progress_notes_and_coaching_comments_touch_the_plans_last_activity(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    before = Plan.objects.get(pk=plan.pk).last_activity_at
    services.progress_note_add(
        user=leader, task=task, body="Half the schools done", evidence="inventory.xlsx"
    )
    services.coaching_comment_add(
        user=nh["users"][Role.STATE_STAFF], objective=objective, body="Good start"
    )
    assert ProgressNote.objects.get().evidence == "inventory.xlsx"
    assert CoachingComment.objects.get().body == "Good start"
    assert Plan.objects.get(pk=plan.pk).last_activity_at >= before


def test_a_progress_note_cannot_be_dated_in_the_future(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(services.PlanInvalid) as caught:
        services.progress_note_add(user=leader, task=task, body="x", noted_on=tomorrow)
    assert caught.value.field == "noted_on"
    assert not ProgressNote.objects.exists()


def test_district_leader_cannot_coach_and_task_force_cannot_either(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    for user in (leader, nh["users"][Role.TASK_FORCE]):
        with pytest.raises(services.PlanNotAllowed):
            services.coaching_comment_add(user=user, objective=objective, body="x")
    assert not CoachingComment.objects.exists()


def test_plan_goes_draft_submitted_reviewed(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    plan = services.plan_submit(user=leader, plan=plan, version=plan.version)
    assert plan.status == Plan.Status.SUBMITTED
    with pytest.raises(services.PlanNotAllowed):
        services.plan_mark_reviewed(user=leader, plan=plan, version=plan.version)
    plan = services.plan_mark_reviewed(
        user=nh["users"][Role.STATE_ADMIN], plan=plan, version=plan.version
    )
    assert plan.status == Plan.Status.REVIEWED
    assert plan.reviewed_by == nh["users"][Role.STATE_ADMIN]


def test_a_draft_plan_cannot_be_marked_reviewed(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    with pytest.raises(services.PlanInvalid) as caught:
        services.plan_mark_reviewed(user=nh["users"][Role.STATE_STAFF], plan=plan, version=1)
    assert caught.value.field == "status"


def test_opened_gaps_are_suggested_first(nh, framework):
    from plans.selectors import plan_priority_choices

    assessment, codes = lea_with_gaps(nh, framework)
    opened_profile(nh, framework)
    choices = plan_priority_choices(assessment=assessment, plan=None)
    assert choices[0].code == codes[0]
    assert choices[0].category == "opened"
    assert "Start here" in choices[0].reason
    kinds = [c.category for c in choices]
    order = ["opened", "available", "local", "blocked"]
    assert kinds == sorted(kinds, key=order.index)
