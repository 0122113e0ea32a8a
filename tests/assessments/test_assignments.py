"""Assigning a cycle's LEAs to staff: in bulk, from a CSV, and the workload it makes."""

import datetime

import pytest

from accounts.models import Role
from assessments import services
from assessments.cycle_selectors import cycle_workload
from assessments.cycle_services import (
    CycleInvalid,
    assessment_assign,
    assessment_assign_rows,
    assignments_from_csv,
    cycle_close,
)
from assessments.models import Assessment
from tests.factories import LEAFactory, UserFactory


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    place["admin"] = place["users"][Role.STATE_ADMIN]
    place["staff"] = place["users"][Role.STATE_STAFF]
    place["staff2"] = UserFactory(role=Role.STATE_STAFF, state=place["state"], username="bea")
    place["leas"] += [LEAFactory(state=place["state"]) for _ in range(3)]
    place["assessments"] = [
        Assessment.objects.create(lea=lea, cycle=place["cycle"]) for lea in place["leas"]
    ]
    return place


def _ids(place, n=None):
    return [a.pk for a in place["assessments"][:n]]


def test_assigning_many_assessments_at_once_returns_the_ids_it_changed(nh):
    changed = assessment_assign(actor=nh["admin"], assessment_ids=_ids(nh), assignee=nh["staff"])
    assert sorted(changed) == sorted(_ids(nh))
    assert set(Assessment.objects.values_list("assignee_id", flat=True)) == {nh["staff"].pk}
    reasons = Assessment.history.filter(history_change_reason="assigned").count()
    assert reasons == len(changed)


def test_reassigning_changes_only_the_assessments_that_move(nh):
    assessment_assign(actor=nh["admin"], assessment_ids=_ids(nh, 2), assignee=nh["staff"])
    changed = assessment_assign(actor=nh["admin"], assessment_ids=_ids(nh, 3), assignee=nh["staff"])
    assert changed == [nh["assessments"][2].pk]
    moved = assessment_assign(actor=nh["admin"], assessment_ids=_ids(nh, 1), assignee=nh["staff2"])
    assert moved == [nh["assessments"][0].pk]
    assert Assessment.objects.get(pk=moved[0]).assignee == nh["staff2"]


@pytest.mark.parametrize(
    "assignee",
    [
        lambda w: w["NH"]["users"][Role.TASK_FORCE],
        lambda w: w["NH"]["users"][Role.DISTRICT_LEADER],
        lambda w: w["VT"]["users"][Role.STATE_STAFF],
        lambda w: UserFactory(role=Role.STATE_STAFF, state=w["NH"]["state"], is_active=False),
    ],
    ids=["task force", "district leader", "staff of another state", "inactive staff"],
)
def test_only_active_staff_or_administrators_of_the_state_can_be_assigned(nh, two_states, assignee):
    with pytest.raises(CycleInvalid) as refused:
        assessment_assign(actor=nh["admin"], assessment_ids=_ids(nh), assignee=assignee(two_states))
    assert "is not state staff or a state administrator of State NH" in str(refused.value.fields)
    assert not Assessment.objects.filter(assignee__isnull=False).exists()


def test_an_assessment_of_another_state_is_refused_and_nothing_is_assigned(nh, two_states):
    vt = Assessment.objects.create(lea=two_states["VT"]["leas"][0], cycle=two_states["VT"]["cycle"])
    with pytest.raises(CycleInvalid) as refused:
        assessment_assign(
            actor=nh["admin"], assessment_ids=[*_ids(nh), vt.pk], assignee=nh["staff"]
        )
    assert f"No assessment {vt.pk}" in refused.value.fields["assessments"][0]
    assert not Assessment.objects.filter(assignee__isnull=False).exists()


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE])
def test_only_administrators_assign(nh, role):
    with pytest.raises(services.NotAllowed):
        assessment_assign(actor=nh["users"][role], assessment_ids=_ids(nh), assignee=nh["staff"])


def test_a_closed_cycles_leas_cannot_be_assigned(nh):
    cycle_close(actor=nh["admin"], cycle=nh["cycle"])
    with pytest.raises(CycleInvalid, match="closed"):
        assessment_assign(actor=nh["admin"], assessment_ids=_ids(nh), assignee=nh["staff"])


def test_a_csv_assigns_each_lea_to_its_named_person(nh):
    leas = nh["leas"]
    text = (
        f"leaid,username\n{leas[0].leaid},{nh['staff'].username}\n"
        f"{leas[1].leaid},bea\n{leas[2].leaid},{nh['admin'].username}\n"
    )
    changed = assessment_assign_rows(
        actor=nh["admin"], cycle=nh["cycle"], rows=assignments_from_csv(text=text)
    )
    assert len(changed) == 3
    got = dict(Assessment.objects.values_list("lea__leaid", "assignee__username"))
    assert got[leas[0].leaid] == nh["staff"].username
    assert got[leas[1].leaid] == "bea"
    assert got[leas[2].leaid] == nh["admin"].username


def test_a_csv_with_bad_lines_names_each_line_and_assigns_nothing(nh, two_states):
    leas = nh["leas"]
    outsider = LEAFactory(state=nh["state"])  # of the state, but not in the cycle
    text = "\n".join(
        [
            f"{leas[0].leaid},bea",  # 1: fine
            f"{two_states['VT']['leas'][0].leaid},bea",  # 2: another state
            f"{leas[1].leaid},nobody",  # 3: unknown username
            f"{leas[2].leaid},{nh['users'][Role.TASK_FORCE].username}",  # 4: not staff
            f"{two_states['VT']['leas'][1].leaid},{two_states['VT']['users'][Role.STATE_STAFF]}",
            f"{outsider.leaid},bea",  # 6: not in the cycle
            f"{leas[0].leaid},bea",  # 7: twice
        ]
    )
    with pytest.raises(CycleInvalid) as refused:
        assessment_assign_rows(
            actor=nh["admin"], cycle=nh["cycle"], rows=assignments_from_csv(text=text)
        )
    lines = {row.line: row.message for row in refused.value.rows}
    assert set(lines) == {2, 3, 4, 5, 6, 7}
    assert "not an LEA of State NH" in lines[2]
    assert "No user has the username 'nobody'" in lines[3]
    assert "is not state staff or a state administrator" in lines[4]
    assert "not part of the cycle" in lines[6]
    assert "listed twice (first on line 1)" in lines[7]
    assert not Assessment.objects.filter(assignee__isnull=False).exists()


def test_a_csv_line_without_a_username_is_named():
    with pytest.raises(CycleInvalid) as refused:
        assignments_from_csv(text="1234567,bea\n1234568\n")
    assert [r.line for r in refused.value.rows] == [2]


def test_the_workload_counts_each_persons_share_of_the_cycle(nh):
    cycle = nh["cycle"]
    cycle.assessments_due_on = datetime.date(2027, 1, 1)
    cycle.save()
    a = nh["assessments"]
    assessment_assign(actor=nh["admin"], assessment_ids=_ids(nh, 3), assignee=nh["staff"])
    assessment_assign(actor=nh["admin"], assessment_ids=[a[3].pk], assignee=nh["staff2"])
    Assessment.objects.filter(pk=a[1].pk).update(answered_count=3)
    Assessment.objects.filter(pk=a[2].pk).update(status="submitted")
    Assessment.objects.filter(pk=a[3].pk).update(status="accepted")
    rows = {r.username: r for r in cycle_workload(cycle=cycle, today=datetime.date(2027, 1, 2))}
    staff = rows[nh["staff"].username]
    assert (staff.assigned, staff.not_started, staff.in_progress, staff.submitted) == (3, 1, 1, 1)
    assert staff.overdue == 2  # the two neither submitted nor accepted
    assert (rows["bea"].assigned, rows["bea"].accepted, rows["bea"].overdue) == (1, 1, 0)
    assert rows[nh["admin"].username].assigned == 0
    assert rows[""].assigned == 1 and rows[""].name == "Not assigned"
    before = cycle_workload(cycle=cycle, today=datetime.date(2027, 1, 1))
    assert all(r.overdue == 0 for r in before)
