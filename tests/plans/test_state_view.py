"""The state view of plans: LEAs by plan status (sortable, filterable, CSV), how planned
gaps moved compared with unplanned ones (recounted by brute force over generated
cycles), planned gaps per lever, and a fixed number of queries for 10 and 500 LEAs."""

import csv
import datetime
import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import COMPARED_STATUSES, Answer, Assessment
from plans.models import Objective, Plan, Task
from plans.selectors import lever_planned_gap_counts, state_plan_outcomes
from tests.dashboards.conftest import world_create
from tests.factories import UserFactory, shipped_framework


def plans_generate(world, *, seed: str, cycle=None) -> None:
    """Plans for about two thirds of the LEAs assessed in `cycle` (the prior cycle by
    default), each with one to three of the LEA's gaps as objectives and a task or two."""
    rng = random.Random(seed)
    cycle = cycle or world.prior
    gap_max = cycle.framework.spec.scoring.gap_max_rating
    gaps: dict[int, list[int]] = {}
    for lea_id, indicator_id in Answer.objects.filter(
        assessment__cycle=cycle, rating__lte=gap_max
    ).values_list("assessment__lea_id", "indicator_id"):
        gaps.setdefault(lea_id, []).append(indicator_id)
    now = timezone.now()
    statuses = list(Plan.Status.values)
    plans = Plan.objects.bulk_create(
        Plan(lea_id=lea_id, cycle=cycle, status=rng.choice(statuses), last_activity_at=now)
        for lea_id in sorted(gaps)
        if rng.random() < 0.67
    )
    objectives = Objective.objects.bulk_create(
        Objective(plan=plan, indicator_id=indicator_id)
        for plan in plans
        for indicator_id in rng.sample(
            gaps[plan.lea_id], min(len(gaps[plan.lea_id]), rng.randint(1, 3))
        )
    )
    today = datetime.date.today()
    Task.objects.bulk_create(
        Task(
            objective=objective,
            description="Do the work",
            owner_name="Someone",
            starts_on=today - datetime.timedelta(days=60),
            due_on=today + datetime.timedelta(days=rng.randint(-30, 30)),
            status=rng.choice(list(Task.Status.values)),
        )
        for objective in objectives
        for _ in range(rng.randint(0, 2))
    )


def brute_force_outcomes(world) -> dict:
    """The planned and unplanned tallies, counted one gap at a time from the raw rows."""
    gap_max = world.prior.framework.spec.scoring.gap_max_rating
    accepted_after = {
        a.lea_id for a in Assessment.objects.filter(cycle=world.cycle, status="accepted")
    }
    planned = {
        (o.plan.lea_id, o.indicator.code)
        for o in Objective.objects.filter(plan__cycle=world.prior).select_related(
            "plan", "indicator"
        )
    }
    result = {
        kind: {"gaps": 0, "improved": 0, "unchanged": 0, "declined": 0, "not_rated_again": 0}
        for kind in ("planned", "unplanned")
    }
    for assessment in Assessment.objects.filter(
        cycle=world.prior, status__in=COMPARED_STATUSES, lea_id__in=accepted_after
    ):
        later = Assessment.objects.get(cycle=world.cycle, lea_id=assessment.lea_id)
        for answer in Answer.objects.filter(assessment=assessment).select_related("indicator"):
            if answer.rating is None or answer.rating > gap_max:
                continue
            code = answer.indicator.code
            after = Answer.objects.filter(
                assessment=later, indicator__code=code, rating__isnull=False
            ).first()
            kind = "planned" if (assessment.lea_id, code) in planned else "unplanned"
            tally = result[kind]
            tally["gaps"] += 1
            if after is None:
                tally["not_rated_again"] += 1
            elif after.rating > answer.rating:
                tally["improved"] += 1
            elif after.rating < answer.rating:
                tally["declined"] += 1
            else:
                tally["unchanged"] += 1
    return result


@pytest.mark.parametrize("seed", ["one", "two"])
def test_before_and_after_equals_a_brute_force_recount_over_two_generated_cycles(db, seed):
    world = world_create(
        framework=shipped_framework(), code="GS", lea_count=40, seed=seed, with_answers=True
    )
    plans_generate(world, seed=seed)
    outcomes = state_plan_outcomes(state=world.state, cycle=world.prior)
    expected = brute_force_outcomes(world)
    assert outcomes.next_cycle == world.cycle
    for kind in ("planned", "unplanned"):
        tally = getattr(outcomes, kind)
        assert {
            "gaps": tally.gaps,
            "improved": tally.improved,
            "unchanged": tally.unchanged,
            "declined": tally.declined,
            "not_rated_again": tally.not_rated_again,
        } == expected[kind], kind
    assert expected["planned"]["gaps"] > 0 and expected["unplanned"]["gaps"] > 0


def test_planned_gaps_per_lever_match_a_recount(db):
    framework = shipped_framework()
    world = world_create(
        framework=framework, code="GS", lea_count=30, seed="levers", with_answers=True
    )
    plans_generate(world, seed="levers")
    counts = lever_planned_gap_counts(state=world.state, cycle=world.prior)
    expected: dict[str, int] = {}
    for objective in Objective.objects.filter(plan__cycle=world.prior).select_related("indicator"):
        for lever in framework.spec.indicator(objective.indicator.code).levers:
            expected[lever] = expected.get(lever, 0) + 1
    assert dict(counts) == expected


@pytest.fixture
def gs(db):
    world = world_create(
        framework=shipped_framework(), code="GS", lea_count=12, seed="page", with_answers=True
    )
    plans_generate(world, seed="page")
    return world


def _url(world, name="dashboards:state_plans"):
    return reverse(name, args=[world.state.code, world.prior.pk])


def test_state_staff_see_every_lea_with_its_plan_status(client, gs):
    client.force_login(UserFactory(role=Role.STATE_STAFF, state=gs.state))
    html = client.get(_url(gs)).content.decode()
    for lea in gs.leas:
        assert lea.name in html
    assert "No plan" in html


def test_task_force_sees_plans_only_in_aggregate(client, gs):
    client.force_login(UserFactory(role=Role.TASK_FORCE, state=gs.state))
    response = client.get(_url(gs))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-plan-counts" in html
    assert gs.leas[0].name not in html
    assert client.get(_url(gs, "dashboards:state_plans_export")).status_code == 404


def test_district_leader_cannot_open_the_state_view(client, gs):
    client.force_login(UserFactory(role=Role.DISTRICT_LEADER, lea=gs.leas[0], state=gs.state))
    assert client.get(_url(gs)).status_code == 403


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_lists_the_filtered_leas_and_escapes_formulas(client, gs):
    lea = gs.leas[0]
    lea.name = "=HYPERLINK(1)"
    lea.save(update_fields=["name"])
    client.force_login(UserFactory(role=Role.STATE_ADMIN, state=gs.state))
    rows = _csv(client.get(_url(gs, "dashboards:state_plans_export") + "?plan_status=none"))
    assert rows[0][:3] == ["LEA", "Plan status", "Tasks"]
    with_plan = set(Plan.objects.filter(cycle=gs.prior).values_list("lea__leaid", flat=True))
    assert {r[-1] for r in rows[1:]} == {lea.leaid for lea in gs.leas if lea.leaid not in with_plan}
    assert all(r[1] == "No plan" for r in rows[1:])
    everything = _csv(client.get(_url(gs, "dashboards:state_plans_export")))
    assert "'=HYPERLINK(1)" in [r[0] for r in everything]


def test_sorting_by_overdue_tasks_puts_the_most_first(client, gs):
    client.force_login(UserFactory(role=Role.STATE_ADMIN, state=gs.state))
    rows = _csv(client.get(_url(gs, "dashboards:state_plans_export") + "?sort=plans.-overdue"))
    overdue = [int(r[4]) for r in rows[1:]]
    assert overdue == sorted(overdue, reverse=True)


@pytest.mark.slow
def test_the_state_plan_view_costs_the_same_queries_for_10_and_500_leas(client, db):
    framework = shipped_framework()
    counts = {}
    for code, size in (("SA", 10), ("SB", 500)):
        world = world_create(
            framework=framework, code=code, lea_count=size, seed=code, with_answers=True
        )
        plans_generate(world, seed=code)
        client.force_login(UserFactory(role=Role.STATE_ADMIN, state=world.state))
        url = _url(world)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[size] = len(queries)
    assert counts[10] == counts[500]
