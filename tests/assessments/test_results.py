import random
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Answer, Assessment
from assessments.results import assessment_with_previous_get, lea_results
from assessments.scores import assessment_list_rescore
from directory.models import LEA, Locale
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory


def _state_with_assessments(framework, n_leas: int, *, seed: int = 7):
    rng = random.Random(seed)
    state = StateFactory(code="NH", name="New Hampshire")
    cycle = CycleFactory(state=state, framework=framework)
    indicators = list(framework.indicators.all())
    leas = LEA.objects.bulk_create(
        LEAFactory.build(state=state, locale=rng.choice([Locale.CITY, Locale.RURAL, Locale.TOWN]))
        for _ in range(n_leas)
    )
    assessments = Assessment.objects.bulk_create(Assessment(lea=lea, cycle=cycle) for lea in leas)
    Answer.objects.bulk_create(
        Answer(assessment=a, indicator=ind, rating=rng.randint(1, 4))
        for a in assessments
        for ind in indicators
        if rng.random() < 0.9
    )
    assessment_list_rescore(assessments=Assessment.objects.filter(cycle=cycle))
    return state, cycle


def _loaded(assessment_id):
    return Assessment.objects.select_related("lea__state", "cycle__framework").get(pk=assessment_id)


def _same_with_previous_read_along(assessment_id, results) -> None:
    """The results of the assessment read by `assessment_with_previous_get` are the very
    same as those that read the previous cycle on their own, in one query fewer."""
    row = Assessment.objects.get(pk=assessment_id)
    lea_results(assessment=_loaded(assessment_id))  # any summary rebuild happens here
    with CaptureQueriesContext(connection) as separate:
        lea_results(assessment=_loaded(assessment_id))
    with CaptureQueriesContext(connection) as together:
        loaded = assessment_with_previous_get(
            assessments=Assessment.objects.select_related("lea__state", "cycle__framework"),
            lea_id=row.lea_id,
            cycle_id=row.cycle_id,
        )
        assert lea_results(assessment=loaded) == results
    assert len(together) == len(separate) - 1


@pytest.mark.django_db
@pytest.mark.parametrize("n_leas", [10, pytest.param(500, marks=pytest.mark.slow)])
def test_results_take_three_queries_whatever_the_number_of_leas(framework, n_leas):
    _, cycle = _state_with_assessments(framework, n_leas)
    assessment = _loaded(Assessment.objects.filter(cycle=cycle).first().pk)
    # The first read of a cycle builds its summary (three queries more, once); every
    # results page after reads it with its stamp in the query that read the peers.
    with CaptureQueriesContext(connection) as queries:
        lea_results(assessment=assessment)
    assert len(queries) == 6
    with CaptureQueriesContext(connection) as queries:
        lea_results(assessment=assessment)
    assert len(queries) == 3


def _half_up(value) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@pytest.mark.django_db
def test_state_and_locale_medians_rest_on_submitted_and_accepted_assessments(framework):
    _, cycle = _state_with_assessments(framework, 40)
    rng = random.Random(11)
    for assessment in Assessment.objects.filter(cycle=cycle):
        status = rng.choice(["draft", "submitted", "returned", "accepted"])
        Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment = _loaded(Assessment.objects.filter(cycle=cycle).first().pk)
    results = lea_results(assessment=assessment)
    compared = [
        a
        for a in Assessment.objects.filter(cycle=cycle).select_related("lea")
        if a.status in ("submitted", "accepted")
    ]
    assert 0 < len(compared) < 40
    overall = [a.overall_score for a in compared if a.overall_score is not None]
    same_locale = [
        a.overall_score
        for a in compared
        if a.overall_score is not None and a.lea.locale == assessment.lea.locale
    ]
    assert results.overall_state_median == _half_up(median(overall))
    assert results.overall_locale_median == _half_up(median(same_locale))
    assert results.overall_state_median_leas == len(overall)
    assert results.overall_locale_median_leas == len(same_locale)
    assert results.peers_in_state == len(compared)
    for domain in results.domains:
        scores = [
            d["score"]
            for a in compared
            for d in a.scores["domains"]
            if d["code"] == domain.code and d["score"] is not None
        ]
        assert domain.state_median_leas == len(scores)
        assert domain.state_median == _half_up(median(scores))


@pytest.mark.django_db
def test_gaps_and_strengths_follow_the_framework_cut_offs(framework):
    _, cycle = _state_with_assessments(framework, 3)
    assessment = _loaded(Assessment.objects.filter(cycle=cycle).first().pk)
    results = lea_results(assessment=assessment)
    gap_max = framework.content["scoring"]["gap_max_rating"]
    strength_min = framework.content["scoring"]["strength_min_rating"]
    assert results.gaps and all(g.rating <= gap_max for g in results.gaps)
    assert all(s.rating >= strength_min for s in results.strengths)
    rated = Answer.objects.filter(assessment=assessment, rating__lte=gap_max).count()
    assert len(results.gaps) == rated


@pytest.mark.django_db
def test_change_since_the_previous_cycle_is_shown(framework):
    state, cycle = _state_with_assessments(framework, 2)
    old_cycle = CycleFactory(
        state=state,
        framework=framework,
        name="2025-26",
        starts_on="2025-08-01",
        ends_on="2026-06-30",
        is_open=False,
    )
    current = Assessment.objects.filter(cycle=cycle).first()
    old = Assessment.objects.create(lea=current.lea, cycle=old_cycle)
    Answer.objects.bulk_create(
        Answer(assessment=old, indicator=ind, rating=1) for ind in framework.indicators.all()
    )
    assessment_list_rescore(assessments=Assessment.objects.filter(pk=old.pk))
    results = lea_results(assessment=_loaded(current.pk))
    assert results.previous_cycle == "2025-26"
    assert results.previous_overall == 0.0
    assert results.overall_change == results.score.overall
    _same_with_previous_read_along(current.pk, results)
    # Without an earlier cycle there is nothing to compare, annotated or not.
    first = Assessment.objects.get(pk=old.pk)
    assert lea_results(assessment=_loaded(first.pk)).previous_cycle is None
    _same_with_previous_read_along(first.pk, lea_results(assessment=_loaded(first.pk)))


@pytest.mark.django_db
def test_results_page_shows_stage_and_escapes_evidence(client, framework):
    _, cycle = _state_with_assessments(framework, 3)
    assessment = Assessment.objects.filter(cycle=cycle).first()
    Answer.objects.filter(assessment=assessment, rating__lte=2).update(
        evidence="<script>alert(1)</script>"
    )
    client.force_login(UserFactory(role="state_staff", state=assessment.lea.state))
    response = client.get(f"/leas/{assessment.lea.leaid}/results/{cycle.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Readiness results" in body
    # No policy profile is recorded for this state: every gap is blocked, and the page says so.
    gaps = Answer.objects.filter(assessment=assessment, rating__lte=2).count()
    assert body.count(">Blocked</span>") == gaps > 0
    assert "has not recorded its policy profile" in body


@pytest.mark.django_db
def test_how_scores_work_page_is_generated_from_the_framework(client, framework):
    client.force_login(UserFactory(role="national_admin"))
    body = client.get("/how-scores-work/?framework=cbe-v1").content.decode()
    for stage in framework.content["scoring"]["lea_stages"]:
        assert stage["label"] in body and stage["meaning"] in body
    for lever in framework.content["levers"]:
        assert lever["name"] in body
    assert f"{round(framework.content['scoring']['min_answered_share'] * 100)}%" in body


@pytest.mark.django_db
def test_results_api_matches_the_page_data_and_is_scoped(client, framework):
    _, cycle = _state_with_assessments(framework, 3)
    assessment = _loaded(Assessment.objects.filter(cycle=cycle).first().pk)
    expected = lea_results(assessment=assessment)
    client.force_login(UserFactory(role="task_force", state=assessment.lea.state))
    data = client.get(f"/api/v1/leas/{assessment.lea.leaid}/results/{cycle.pk}/").json()
    assert data["overall"] == expected.score.overall
    assert [d["score"] for d in data["domains"]] == [d.score for d in expected.domains]
    assert [g["code"] for g in data["gaps"]] == [g.code for g in expected.gaps]
    other = StateFactory(code="VT", name="Vermont")
    client.force_login(UserFactory(role="task_force", state=other))
    assert client.get(f"/api/v1/leas/{assessment.lea.leaid}/results/{cycle.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_framework_change_is_said_and_only_domains_of_both_versions_are_compared(
    client, framework, tmp_path
):
    from tests.factories import renamed_domain_framework

    newer = renamed_domain_framework(tmp_path)
    state = StateFactory(code="NH", name="New Hampshire")
    lea = LEAFactory(state=state)
    old_cycle = CycleFactory(
        state=state,
        framework=framework,
        name="2025-26",
        starts_on="2025-08-01",
        ends_on="2026-06-30",
        is_open=False,
    )
    cycle = CycleFactory(state=state, framework=newer)
    for fv, c, rating in ((framework, old_cycle, 1), (newer, cycle, 3)):
        assessment = Assessment.objects.create(lea=lea, cycle=c)
        Answer.objects.bulk_create(
            Answer(assessment=assessment, indicator=ind, rating=rating)
            for ind in fv.indicators.all()
        )
        assessment_list_rescore(assessments=Assessment.objects.filter(pk=assessment.pk))
    results = lea_results(assessment=_loaded(assessment.pk))
    assert results.framework_changed
    assert results.previous_framework == "cbe-v1"
    assert results.previous_overall == 0.0 and results.overall_change is None
    assert results.previous_stage_label == "Beginning"
    changes = {d.code: (d.previous, d.change) for d in results.domains}
    assert changes == {"blended": (0.0, 66.7), "structure": (0.0, 66.7), "fairness": (None, None)}
    assert results.previous_domains_dropped == ("Equity and quality",)
    _same_with_previous_read_along(assessment.pk, results)

    client.force_login(UserFactory(role="state_staff", state=state))
    body = client.get(f"/leas/{lea.leaid}/results/{cycle.pk}/").content.decode()
    assert "scored with cbe-v1" in body
    assert "not compared" in body


@pytest.mark.django_db
def test_the_previous_cycle_read_along_is_the_latest_earlier_scored_one(framework):
    state, cycle = _state_with_assessments(framework, 1)
    lea = Assessment.objects.get(cycle=cycle).lea
    cycles = {
        name: CycleFactory(
            state=state,
            framework=framework,
            name=name,
            starts_on=f"{year}-08-01",
            ends_on=f"{year + 1}-06-30",
            is_open=False,
        )
        for name, year in (("2023-24", 2023), ("2024-25", 2024), ("2030-31", 2030))
    }
    for name, rating in (("2023-24", 1), ("2030-31", 4)):
        scored = Assessment.objects.create(lea=lea, cycle=cycles[name])
        Answer.objects.bulk_create(
            Answer(assessment=scored, indicator=ind, rating=rating)
            for ind in framework.indicators.all()
        )
        assessment_list_rescore(assessments=Assessment.objects.filter(pk=scored.pk))
    Assessment.objects.create(lea=lea, cycle=cycles["2024-25"])  # never scored: skipped
    loaded = assessment_with_previous_get(
        assessments=Assessment.objects.select_related("lea__state", "cycle__framework"),
        lea_id=lea.pk,
        cycle_id=cycle.pk,
    )
    assert loaded.cycle_id == cycle.pk
    results = lea_results(assessment=loaded)
    assert (results.previous_cycle, results.previous_overall) == ("2023-24", 0.0)
    assert results == lea_results(assessment=_loaded(loaded.pk))
    with pytest.raises(Assessment.DoesNotExist):
        assessment_with_previous_get(
            assessments=Assessment.objects.select_related("cycle"),
            lea_id=lea.pk,
            cycle_id=CycleFactory(state=state, framework=framework, name="2031-32").pk,
        )
