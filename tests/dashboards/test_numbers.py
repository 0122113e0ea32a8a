"""The dashboard's numbers equal a brute-force count over the generated rows."""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from statistics import mean, median

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Assessment
from assessments.scoring import INSUFFICIENT, score_mean, score_median
from dashboards import selectors
from dashboards.selectors import NO_ASSESSMENT, NOT_REPORTED, DashboardFilters
from directory.models import LEA

pytestmark = pytest.mark.django_db

NO_FILTERS = DashboardFilters()


def rounded(value) -> float | None:
    if value is None:
        return None
    return float(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def decimal_median(values) -> float | None:
    return rounded(median(Decimal(repr(v)) for v in values)) if values else None


def decimal_mean(values) -> float | None:
    return rounded(mean(Decimal(repr(v)) for v in values)) if values else None


def compared(assessment) -> bool:
    """Medians and means rest on submitted and accepted assessments only."""
    return assessment.status in ("submitted", "accepted")


def expected(world, filters: DashboardFilters = NO_FILTERS) -> dict:
    """Everything the summary shows, worked out one LEA at a time in Python."""
    current = {a.lea_id: a for a in world.assessments if a.cycle_id == world.cycle.pk}
    leas = []
    for lea in world.leas:
        assessment = current.get(lea.pk)
        status = assessment.status if assessment else NO_ASSESSMENT
        wanted_locale = "" if filters.locale == NOT_REPORTED else filters.locale
        if filters.locale and lea.locale != wanted_locale:
            continue
        if filters.size_band and lea.size_band != filters.size_band:
            continue
        if filters.status and status != filters.status:
            continue
        leas.append((lea, assessment, status))

    def stats(rows):
        assessed = [a for _, a, _ in rows if a is not None]
        scores = [a.overall_score for a in assessed if a.overall_score is not None and compared(a)]
        return {
            "leas": len(rows),
            "assessed": len(assessed),
            "stages": Counter(a.stage or INSUFFICIENT for a in assessed),
            "median": decimal_median(scores),
            "mean": decimal_mean(scores),
            "scored": len(scores),
        }

    return {
        "all": stats(leas),
        "completion": Counter(status for _, _, status in leas),
        "locales": {
            code: stats([r for r in leas if r[0].locale == code])
            for code in {r[0].locale for r in leas}
        },
        "sizes": {
            band: stats([r for r in leas if r[0].size_band == band])
            for band in {r[0].size_band for r in leas}
        },
    }


def assert_summary_matches(summary, want):
    codes = list(summary.stage_codes)
    assert summary.leas == want["all"]["leas"]
    assert summary.assessed == want["all"]["assessed"]
    assert summary.scored == want["all"]["scored"]
    assert summary.median == want["all"]["median"]
    assert summary.mean == want["all"]["mean"]
    assert dict(zip(codes, summary.stages, strict=True)) == {
        code: want["all"]["stages"][code] for code in codes
    }
    assert {code: n for code, _, n in summary.completion if n} == dict(want["completion"])
    for dimension, groups in (("locales", summary.locales), ("sizes", summary.sizes)):
        assert {g.key for g in groups} == set(want[dimension])
        for group in groups:
            w = want[dimension][group.key]
            assert (group.leas, group.assessed, group.scored) == (
                w["leas"],
                w["assessed"],
                w["scored"],
            ), group
            assert (group.median, group.mean) == (w["median"], w["mean"]), group
            assert dict(zip(codes, group.stages, strict=True)) == {
                code: w["stages"][code] for code in codes
            }


@pytest.fixture
def world(make_world):
    return make_world(code="NH", lea_count=160, seed="numbers")


def summary_of(world, framework, filters=NO_FILTERS):
    return selectors.state_dashboard_summary(
        state=world.state, cycle=world.cycle, framework=framework.spec, filters=filters
    )


def test_summary_counts_medians_and_breakdowns_equal_a_brute_force_count(world, framework):
    summary = summary_of(world, framework)
    assert summary.leas == 160
    assert_summary_matches(summary, expected(world))
    # The generated data reaches every case the summary distinguishes.
    assert all(n for _, _, n in summary.completion)
    assert len(summary.locales) == 5 and len(summary.sizes) == 4


@pytest.mark.parametrize(
    "filters",
    [
        DashboardFilters(locale="rural"),
        DashboardFilters(locale=NOT_REPORTED),
        DashboardFilters(size_band="medium"),
        DashboardFilters(size_band="unknown"),
        DashboardFilters(status="accepted"),
        DashboardFilters(status=NO_ASSESSMENT),
        DashboardFilters(locale="suburb", size_band="small", status="draft"),
    ],
    ids=str,
)
def test_filters_narrow_every_number_to_the_matching_leas(world, framework, filters):
    assert_summary_matches(summary_of(world, framework, filters), expected(world, filters))


def test_an_assessment_never_scored_counts_as_insufficient_evidence(make_world, framework):
    world = make_world(code="VT", lea_count=1, seed="one")
    Assessment.objects.filter(cycle=world.cycle).delete()
    Assessment.objects.create(lea=world.leas[0], cycle=world.cycle, status="draft")
    summary = summary_of(world, framework)
    stages = dict(zip(summary.stage_codes, summary.stages, strict=True))
    assert stages[INSUFFICIENT] == 1
    assert summary.scored == 0 and summary.median is None


@pytest.mark.parametrize(
    ("enrollment", "band"),
    [
        (None, "unknown"),
        (0, "small"),
        (999, "small"),
        (1000, "medium"),
        (9999, "medium"),
        (10000, "large"),
        (400000, "large"),
    ],
)
def test_the_size_band_in_sql_agrees_with_the_lea_property(make_world, enrollment, band):
    world = make_world(code="VT", lea_count=1, seed="size")
    LEA.objects.filter(pk=world.leas[0].pk).update(enrollment=enrollment)
    lea = LEA.objects.annotate(size=selectors.SIZE_BAND_SQL).get(pk=world.leas[0].pk)
    assert lea.size == lea.size_band == band


def test_trend_gives_each_cycle_its_median_and_stage_counts(world, framework):
    trend = selectors.state_dashboard_trend(
        state=world.state,
        cycles=[world.cycle, world.prior],
        stage_order=selectors.stage_codes(framework.spec),
        filters=DashboardFilters(locale="town", status="accepted"),
    )
    assert [row.name for row in trend] == ["2025-26", "2026-27"]  # oldest first
    towns = {lea.pk for lea in world.leas if lea.locale == "town"}
    for row, cycle in zip(trend, [world.prior, world.cycle], strict=True):
        # The status filter is left out of the trend: a status belongs to one cycle.
        mine = [a for a in world.assessments if a.cycle_id == cycle.pk and a.lea_id in towns]
        scores = [a.overall_score for a in mine if a.overall_score is not None and compared(a)]
        assert row.assessed == len(mine)
        assert row.scored == len(scores)
        assert row.median == decimal_median(scores)
        assert row.mean == decimal_mean(scores)
        stages = Counter(a.stage or INSUFFICIENT for a in mine)
        assert list(row.stages) == [stages[c] for c in selectors.stage_codes(framework.spec)]


def test_heatmap_pages_hold_the_stored_domain_scores_grouped_by_locale(world, framework):
    content = framework.content
    page = selectors.state_dashboard_heatmap(
        state=world.state, cycle=world.cycle, framework=framework.spec, filters=DashboardFilters()
    )
    current = {a.lea_id: a for a in world.assessments if a.cycle_id == world.cycle.pk}
    assert page.page.paginator.count == len(current)
    assert len(page.rows) == min(100, len(current))
    by_leaid = {lea.leaid: lea for lea in world.leas}
    order = [code for code, _ in selectors.LOCALES]
    keys = []
    for row in page.rows:
        assessment = current[by_leaid[row.leaid].pk]
        stored = {d["code"]: d["score"] for d in (assessment.scores or {}).get("domains", [])}
        assert row.domains == tuple(stored.get(d["code"]) for d in content["domains"])
        assert row.overall == assessment.overall_score
        keys.append((order.index(row.locale), -(row.overall if row.overall is not None else -1)))
    assert keys == sorted(keys)  # by locale, then highest overall first (none last)


def test_heatmap_sorts_every_lea_by_a_domain_with_missing_scores_last(world, framework):
    content = framework.content
    domain = content["domains"][2]["code"]
    rows = list(
        selectors.state_dashboard_heatmap_rows(
            state=world.state,
            cycle=world.cycle,
            framework=framework.spec,
            filters=DashboardFilters(),
            sort=domain,
            descending=True,
        )
    )
    values = [row.domains[2] for row in rows]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=True)
    assert values == present + [None] * (len(values) - len(present))
    assert None in values  # insufficient evidence is not read as 0


def test_national_overview_counts_leas_assessments_and_lever_statuses(make_world, framework):
    from accounts.models import Role
    from tests.factories import UserFactory

    nh = make_world(code="NH", lea_count=30, seed="n1", profile_statuses={"task_force": "enacted"})
    vt = make_world(code="VT", lea_count=12, seed="n2")
    user = UserFactory(role=Role.NATIONAL_ADMIN)
    levers = [lever["code"] for lever in framework.content["levers"]]
    rows = {r.state_code: r for r in selectors.national_overview(user=user, lever_codes=levers)}
    for world in (nh, vt):
        row = rows[world.state.code]
        mine = [a for a in world.assessments if a.cycle_id == world.cycle.pk]
        assert row.cycle_name == "2026-27"  # the latest cycle
        assert row.leas == len(world.leas)
        assert row.assessments == len(mine)
        assert row.accepted == sum(a.status == "accepted" for a in mine)
        scores = [a.overall_score for a in mine if a.overall_score is not None and compared(a)]
        assert (row.median, row.median_leas) == (decimal_median(scores), len(scores))
    assert rows["NH"].statuses[levers.index("task_force")] == "enacted"
    assert rows["VT"].statuses == ("none",) * len(levers)

    prior = selectors.national_overview(user=user, lever_codes=levers, cycle_name="2025-26")
    assert {r.cycle_name for r in prior} == {"2025-26"}
    assert all(r.statuses == (None,) * len(levers) for r in prior)  # no profile then


one_decimal_scores = st.lists(st.integers(min_value=0, max_value=1000).map(lambda t: t / 10))


@given(one_decimal_scores)
def test_median_and_mean_round_halves_up_exactly(values):
    assert score_median(values) == decimal_median(values)
    assert score_mean(values) == decimal_mean(values)
