"""Opening a cycle with its due dates and LEAs, closing it, and what a closed cycle locks."""

import datetime

import pytest

from accounts.models import Role
from assessments import services
from assessments.cycle_services import (
    CycleInvalid,
    LeaChoice,
    cycle_close,
    cycle_open,
    leaids_from_csv,
)
from assessments.models import Assessment, AssessmentCycle
from directory.models import LEA
from tests.factories import LEAFactory

TODAY = datetime.date(2027, 8, 1)
DUE = datetime.date(2027, 11, 1)
REVIEWS = datetime.date(2027, 12, 1)


def _open(place, actor, **kwargs):
    values = {
        "actor": actor,
        "state": place["state"],
        "name": "2027-28",
        "assessments_due_on": DUE,
        "reviews_due_on": REVIEWS,
        "choice": LeaChoice(),
        "today": TODAY,
    }
    values.update(kwargs)
    return cycle_open(**values)


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    place["admin"] = place["users"][Role.STATE_ADMIN]
    place["suburb"] = LEAFactory(state=place["state"], locale="suburb", agency_type="Charter")
    place["closed"] = LEAFactory(state=place["state"], status=LEA.Status.CLOSED)
    return place


def test_opening_a_cycle_creates_a_draft_assessment_for_every_operational_lea(nh):
    opened = _open(nh, nh["admin"])
    cycle = opened.cycle
    assert (cycle.assessments_due_on, cycle.reviews_due_on, cycle.is_open) == (DUE, REVIEWS, True)
    leas = set(cycle.assessments.values_list("lea_id", flat=True))
    assert leas == {lea.pk for lea in nh["leas"]} | {nh["suburb"].pk}
    assert set(cycle.assessments.values_list("status", flat=True)) == {"draft"}
    assert sorted(opened.assessment_ids) == sorted(cycle.assessments.values_list("pk", flat=True))


def test_a_cycle_can_take_only_the_leas_of_some_agency_types_and_locales(nh):
    cycle = _open(nh, nh["admin"], choice=LeaChoice(locales=("suburb",))).cycle
    assert list(cycle.assessments.values_list("lea_id", flat=True)) == [nh["suburb"].pk]
    cycle2 = _open(nh, nh["admin"], name="x", choice=LeaChoice(agency_types=("Charter",))).cycle
    assert list(cycle2.assessments.values_list("lea_id", flat=True)) == [nh["suburb"].pk]


def test_a_cycle_can_take_the_leas_of_an_uploaded_list(nh):
    text = f"LEAID\n{nh['leas'][1].leaid}\n\n{nh['suburb'].leaid}\n"
    cycle = _open(nh, nh["admin"], choice=LeaChoice(leaids=leaids_from_csv(text=text))).cycle
    assert set(cycle.assessments.values_list("lea_id", flat=True)) == {
        nh["leas"][1].pk,
        nh["suburb"].pk,
    }


def test_an_upload_with_bad_lines_is_refused_line_by_line_and_creates_nothing(nh, two_states):
    vt_lea = two_states["VT"]["leas"][0]
    text = "\n".join(
        [
            "leaid",
            nh["leas"][0].leaid,  # line 2: fine
            vt_lea.leaid,  # line 3: another state
            "9999990",  # line 4: unknown
            nh["closed"].leaid,  # line 5: not operational
            nh["leas"][0].leaid,  # line 6: twice
        ]
    )
    before = (AssessmentCycle.objects.count(), Assessment.objects.count())
    with pytest.raises(CycleInvalid) as refused:
        _open(nh, nh["admin"], choice=LeaChoice(leaids=leaids_from_csv(text=text)))
    lines = {row.line: row.message for row in refused.value.rows}
    assert set(lines) == {3, 4, 5, 6}
    assert "not an LEA of State NH" in lines[3] and "not an LEA of State NH" in lines[4]
    assert "not operational" in lines[5] and "listed twice (first on line 2)" in lines[6]
    assert (AssessmentCycle.objects.count(), Assessment.objects.count()) == before


def test_a_line_that_is_not_an_leaid_is_named_with_the_others(nh):
    text = f"{nh['leas'][0].leaid}\n12345\nabc,def\n9999990\n"
    with pytest.raises(CycleInvalid) as refused:
        _open(nh, nh["admin"], choice=LeaChoice(leaids=leaids_from_csv(text=text)))
    assert [(r.line, "7 digits" in r.message) for r in refused.value.rows] == [
        (2, True),
        (3, True),
        (4, False),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"assessments_due_on": datetime.date(2027, 7, 31)}, "assessments_due_on", "in the past"),
        ({"reviews_due_on": datetime.date(2027, 10, 31)}, "reviews_due_on", "before"),
        ({"assessments_due_on": None}, "assessments_due_on", "Give the date"),
        ({"name": "  "}, "name", "Give the cycle a name"),
        ({"name": "x" * 41}, "name", "at most 40"),
        ({"choice": LeaChoice(locales=("city",))}, "leas", "No operational LEA"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_created(nh, kwargs, field, words):
    before = (AssessmentCycle.objects.count(), Assessment.objects.count())
    with pytest.raises(CycleInvalid) as refused:
        _open(nh, nh["admin"], **kwargs)
    assert words in " ".join(refused.value.fields[field])
    assert (AssessmentCycle.objects.count(), Assessment.objects.count()) == before


def test_a_second_cycle_of_the_same_name_is_refused(nh):
    _open(nh, nh["admin"])
    with pytest.raises(CycleInvalid) as refused:
        _open(nh, nh["admin"], name="2027-28")
    assert "already has a cycle named" in refused.value.fields["name"][0]


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_only_administrators_open_cycles(nh, role):
    with pytest.raises(services.NotAllowed):
        _open(nh, nh["users"][role])


def test_a_state_administrator_cannot_open_a_cycle_in_another_state(nh, two_states):
    with pytest.raises(services.NotAllowed):
        _open(two_states["VT"], nh["admin"])


def test_a_national_administrator_opens_a_cycle_in_any_state(nh, two_states):
    assert _open(two_states["VT"], two_states["national"]).cycle.state.code == "VT"


def test_closing_a_cycle_locks_answers_submits_and_reviews_but_keeps_everything_readable(
    nh, framework
):
    cycle = nh["cycle"]
    assessment = Assessment.objects.create(lea=nh["leas"][0], cycle=cycle)
    staff = nh["users"][Role.STATE_STAFF]
    cycle_close(actor=nh["admin"], cycle=cycle)
    assert AssessmentCycle.objects.get(pk=cycle.pk).closed_at is not None
    assessment = Assessment.objects.select_related("cycle__framework", "lea").get(pk=assessment.pk)
    code = framework.spec.indicators[0].code
    with pytest.raises(services.AssessmentLocked, match="cycle is closed"):
        services.answer_save(
            assessment=assessment,
            user=staff,
            indicator=code,
            rating=2,
            dont_know=False,
            evidence="",
            version=0,
        )
    with pytest.raises(services.AssessmentLocked, match="cycle is closed"):
        services.assessment_submit(assessment=assessment, user=staff, version=1)
    Assessment.objects.filter(pk=assessment.pk).update(status="submitted")
    assessment.status = "submitted"
    with pytest.raises(services.AssessmentLocked, match="cycle is closed"):
        services.assessment_accept(assessment=assessment, user=nh["admin"], version=1)
    assert not assessment.answers.exists()


def test_closing_twice_says_it_is_already_closed(nh):
    cycle_close(actor=nh["admin"], cycle=nh["cycle"])
    with pytest.raises(services.AssessmentChanged, match="already closed"):
        cycle_close(actor=nh["admin"], cycle=nh["cycle"])


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_only_administrators_close_cycles(nh, role):
    with pytest.raises(services.NotAllowed):
        cycle_close(actor=nh["users"][role], cycle=nh["cycle"])
    assert AssessmentCycle.objects.get(pk=nh["cycle"].pk).is_open


def test_bad_fields_and_bad_lines_are_reported_together(nh):
    choice = LeaChoice(leaids=((1, "9999990"),))
    with pytest.raises(CycleInvalid) as refused:
        _open(nh, nh["admin"], name="", choice=choice)
    assert set(refused.value.fields) == {"name", "leas"}
    assert [row.line for row in refused.value.rows] == [1]
    assert len(refused.value.fields["leas"]) == 1
