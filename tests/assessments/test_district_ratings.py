"""The district's own view: a district leader rates indicators of their LEA's assessment
beside the state's ratings. Bad input changes nothing, a stale version is refused with the
stored rating, other LEAs and other roles may not write, the view is locked once the
assessment is accepted, and it never moves a score."""

import pytest

from access import selectors
from accounts.models import Role
from assessments import selectors as assessment_selectors
from assessments import services
from assessments.models import EVIDENCE_MAX_LENGTH, Assessment, DistrictRating
from assessments.results import lea_results
from tests.assessments.test_assessment_services import answer_everything, load, save


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    place["assessment"] = Assessment.objects.create(lea=place["leas"][0], cycle=place["cycle"])
    place["leader"] = place["users"][Role.DISTRICT_LEADER]
    place["staff"] = place["users"][Role.STATE_STAFF]
    place["admin"] = place["users"][Role.STATE_ADMIN]
    return place


def rate(assessment, user, indicator="BL-01", level=2, note="", version=0):
    return services.district_rating_save(
        assessment=assessment,
        user=user,
        indicator=indicator,
        level=level,
        note=note,
        version=version,
    )


def stored():
    return (
        list(
            DistrictRating.objects.order_by("pk").values_list(
                "indicator__code", "level", "note", "version"
            )
        ),
        DistrictRating.history.count(),
    )


def test_a_district_leader_rates_an_indicator_and_a_later_change_bumps_its_version(nh):
    a = load(nh["leader"], nh["assessment"])
    first = rate(a, nh["leader"], level=2, note="Half our schools have devices.")
    assert (first.level, first.note, first.version) == (2, "Half our schools have devices.", 1)
    second = rate(a, nh["leader"], level=3, note="Now most do.", version=1)
    assert (second.level, second.version) == (3, 2)
    assert DistrictRating.history.filter(id=second.pk).count() == 2
    assert Assessment.objects.get(pk=a.pk).version == a.version  # the assessment is untouched


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": 5}, "level"),
        ({"level": 0}, "level"),
        ({"level": True}, "level"),
        ({"level": "3"}, "level"),
        ({"indicator": "NOPE-99"}, "indicator"),
        ({"note": "x" * (EVIDENCE_MAX_LENGTH + 1)}, "note"),
        ({"note": "bad\x00note"}, "note"),
        ({"version": -1}, "version"),
    ],
)
def test_a_bad_rating_is_refused_naming_its_field_and_nothing_is_stored(nh, kwargs, field):
    a = load(nh["leader"], nh["assessment"])
    before = stored()
    with pytest.raises(services.AnswerInvalid) as refused:
        rate(a, nh["leader"], **kwargs)
    assert refused.value.field == field
    assert refused.value.status == 400
    assert stored() == before


def test_a_stale_version_is_a_409_carrying_the_stored_rating(nh):
    a = load(nh["leader"], nh["assessment"])
    rate(a, nh["leader"], level=2, note="first")
    rate(a, nh["leader"], level=3, note="second", version=1)
    before = stored()
    with pytest.raises(services.DistrictRatingConflict) as conflict:
        rate(a, nh["leader"], level=1, note="from an old tab", version=1)
    assert conflict.value.status == 409
    assert (conflict.value.theirs.level, conflict.value.theirs.version) == (3, 2)
    assert stored() == before


def test_two_first_ratings_of_one_indicator_conflict_unless_they_agree(nh):
    a = load(nh["leader"], nh["assessment"])
    rate(a, nh["leader"], level=2)
    assert rate(a, nh["leader"], level=2).version == 1  # the same rating: no conflict
    with pytest.raises(services.DistrictRatingConflict):
        rate(a, nh["leader"], level=4)


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.STATE_ADMIN, Role.TASK_FORCE])
def test_state_roles_may_not_give_the_districts_view(nh, role):
    user = nh["users"][role]
    a = load(user, nh["assessment"])
    with pytest.raises(services.NotAllowed):
        rate(a, user)
    assert stored() == ([], 0)


def test_a_leader_of_another_lea_cannot_even_find_the_assessment(nh, two_states):
    from django.http import Http404

    other = Assessment.objects.create(lea=nh["leas"][1], cycle=nh["cycle"])
    with pytest.raises(Http404):
        selectors.assessment_get_for_district_view(user=nh["leader"], pk=other.pk)
    # And handed the row anyway, the service still refuses.
    with pytest.raises(services.NotAllowed):
        rate(Assessment.objects.get(pk=other.pk), nh["leader"])
    vt_leader = two_states["VT"]["users"][Role.DISTRICT_LEADER]
    with pytest.raises(Http404):
        selectors.assessment_get_for_district_view(user=vt_leader, pk=nh["assessment"].pk)


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
def test_the_district_may_rate_until_the_assessment_is_accepted(nh, status):
    Assessment.objects.filter(pk=nh["assessment"].pk).update(status=status)
    assert rate(load(nh["leader"], nh["assessment"]), nh["leader"]).version == 1


def test_an_accepted_assessment_locks_the_districts_view(nh):
    a = load(nh["leader"], nh["assessment"])
    rate(a, nh["leader"], level=2)
    Assessment.objects.filter(pk=a.pk).update(status=Assessment.Status.ACCEPTED)
    before = stored()
    with pytest.raises(services.AssessmentLocked):
        rate(load(nh["leader"], nh["assessment"]), nh["leader"], level=4, version=1)
    # Even through a row loaded before the acceptance: the status is read again.
    with pytest.raises(services.AssessmentLocked):
        rate(a, nh["leader"], level=4, version=1)
    assert stored() == before


def test_task_force_reads_no_raw_district_ratings_while_state_staff_and_admins_do(nh):
    rate(load(nh["leader"], nh["assessment"]), nh["leader"])
    seen = {
        role: selectors.district_rating_list_for_user(user=user).count()
        for role, user in nh["users"].items()
    }
    assert seen == {
        Role.STATE_ADMIN: 1,
        Role.STATE_STAFF: 1,
        Role.TASK_FORCE: 0,
        Role.DISTRICT_LEADER: 1,
    }


def test_district_ratings_never_change_the_scores(nh):
    a = answer_everything(nh["assessment"], nh["staff"], rating=3)
    before_stored = (a.scores, a.overall_score, a.stage, a.version)
    before = lea_results(assessment=a).score
    leader_view = load(nh["leader"], a)
    for code in list(a.cycle.framework.spec.indicator_codes):
        rate(leader_view, nh["leader"], indicator=code, level=1, note="We disagree.")
    after_row = load(nh["staff"], a)
    assert (after_row.scores, after_row.overall_score, after_row.stage, after_row.version) == (
        before_stored
    )
    assert lea_results(assessment=after_row).score == before


def test_differences_of_two_levels_or_more_are_listed_side_by_side(nh):
    a = load(nh["staff"], nh["assessment"])
    save(a, nh["staff"], indicator="BL-01", rating=4)
    save(a, nh["staff"], indicator="BL-02", rating=3)
    save(a, nh["staff"], indicator="BL-03", dont_know=True, rating=None)
    leader_view = load(nh["leader"], nh["assessment"])
    rate(leader_view, nh["leader"], indicator="BL-01", level=1, note="Devices are old.")
    rate(leader_view, nh["leader"], indicator="BL-02", level=2)  # one level: not shown
    rate(leader_view, nh["leader"], indicator="BL-03", level=1)  # "don't know": nothing to compare
    rate(leader_view, nh["leader"], indicator="BL-04", level=4)  # the state has not rated it
    found = assessment_selectors.assessment_district_differences(assessment=leader_view)
    assert [(d.code, d.state_level, d.district_level, d.note) for d in found] == [
        ("BL-01", 4, 1, "Devices are old.")
    ]
    assert found[0].levels_apart == 3
