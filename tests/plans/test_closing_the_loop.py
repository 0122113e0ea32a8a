"""Closing the loop on one plan: each priority's rating before and after once the next
cycle's assessment is accepted, and strengths held too long flagged to re-assess."""

import datetime

import pytest

from accounts.models import Role
from assessments.models import Assessment
from plans.selectors import plan_get_detail
from tests.factories import CycleFactory
from tests.plans.helpers import indicator_codes, plan_with_task, rate


@pytest.fixture
def nh(two_states):
    return two_states["NH"]


def _next_cycle(place, framework, name="2027-28", year=2027):
    return CycleFactory(
        state=place["state"],
        framework=framework,
        name=name,
        starts_on=datetime.date(year, 8, 1),
        ends_on=datetime.date(year + 1, 6, 30),
    )


def test_priorities_show_their_rating_before_and_after_once_the_next_cycle_is_accepted(
    nh, framework
):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    later = _next_cycle(nh, framework)
    after = Assessment.objects.create(lea=plan.lea, cycle=later, status="submitted")
    rate(after, {codes[0]: 3})
    detail = plan_get_detail(plan=plan)
    assert detail.next_cycle is None  # not accepted yet: nothing to compare
    assert all(o.movement is None for o in detail.objectives)
    Assessment.objects.filter(pk=after.pk).update(status="accepted")
    detail = plan_get_detail(plan=plan)
    assert detail.next_cycle == later
    moved = {o.code: o.movement for o in detail.objectives}
    assert (moved[codes[0]].before, moved[codes[0]].after, moved[codes[0]].change) == (
        1,
        3,
        "improved",
    )
    assert moved[codes[1]].change == "not rated again"


def test_plan_page_monitors_done_overdue_and_objectives_without_tasks(nh, framework):
    from plans import services

    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    services.task_create(
        user=leader,
        objective=objective,
        description="Second",
        owner_name="Kim",
        starts_on="2026-09-01",
        due_on="2026-09-10",
        status="done",
    )
    detail = plan_get_detail(plan=plan, today=datetime.date(2026, 10, 2))
    assert (detail.task_count, detail.done_count, detail.percent_done) == (2, 1, 50)
    assert [t.description for t in detail.overdue] == ["Map devices per school"]
    assert [o.code for o in detail.without_tasks] == [codes[1]]


def _established_run(place, framework, cycles: int, code: str):
    lea = place["leas"][0]
    made = []
    for i in range(cycles):
        cycle = place["cycle"] if i == cycles - 1 else None
        if cycle is None:
            cycle = CycleFactory(
                state=place["state"],
                framework=framework,
                name=f"20{10 + i}-{11 + i}",
                starts_on=datetime.date(2010 + i, 8, 1),
                ends_on=datetime.date(2011 + i, 6, 30),
            )
        assessment = Assessment.objects.create(lea=lea, cycle=cycle, status="accepted")
        rate(assessment, {code: 4})
        made.append(cycle)
    return made


def test_a_strength_held_for_more_cycles_than_the_setting_is_flagged_to_reassess(
    nh, framework, settings
):
    from plans.models import Plan
    from plans.selectors import reassess_flags

    code = indicator_codes(framework)[7]
    _established_run(nh, framework, 5, code)
    flags = reassess_flags(lea_id=nh["leas"][0].pk, cycle=nh["cycle"], framework=framework.spec)
    assert [(f.code, f.cycles_ago, f.since_cycle) for f in flags] == [(code, 4, "2010-11")]
    settings.PLAN_REASSESS_AFTER_CYCLES = 4
    assert not reassess_flags(lea_id=nh["leas"][0].pk, cycle=nh["cycle"], framework=framework.spec)
    assert Plan.objects.count() == 0


def test_a_break_in_the_run_restarts_the_count(nh, framework):
    from assessments.models import Answer
    from plans.selectors import reassess_flags

    code = indicator_codes(framework)[7]
    cycles = _established_run(nh, framework, 5, code)
    Answer.objects.filter(assessment__cycle=cycles[2], indicator__code=code).update(rating=3)
    flags = reassess_flags(lea_id=nh["leas"][0].pk, cycle=nh["cycle"], framework=framework.spec)
    assert flags == []
