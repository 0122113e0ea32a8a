"""The dashboards cost a fixed number of queries, whatever the number of LEAs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cbe_portal.figures import pages_forgotten
from tests.factories import shipped_framework

from .conftest import world_create

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The figures measured when these tests were written; a change is worth a look.
# Each includes the signed-in user's (the session is read from the cache).
# 14 once the summary read its counts and scores in one query; 15 with the domain medians
# by locale (one grouped query).
# 16 with the planned gaps per lever (one grouped query); 13 once the completion, stages,
# medians, trend and lever counts were read from the cycles' summaries (one query each
# for the scores of both cycles and for the lever counts, with their stamps); 11 once the
# page read every cycle's summary once and the heatmap's count came from it; 10 once the
# state came with its cycles; 9 once the session was read from the cache.
STATE_PAGE_QUERIES = 9
NATIONAL_PAGE_QUERIES = 10
# Viewed again with its figures unchanged, a page is the one kept with what it looked up
# (cbe_portal.figures.figures_view): only the user is read.
KEPT_STATE_PAGE_QUERIES = 1
KEPT_NATIONAL_PAGE_QUERIES = 1


@pytest.fixture(scope="module")
def small_and_large(module_db, django_db_blocker):
    # Built once for the module (the tests only read it) and rolled back after it.
    with django_db_blocker.unblock():
        framework = shipped_framework()
        small = world_create(
            framework=framework, code="VT", lea_count=10, seed="small", with_answers=True
        )
        large = world_create(
            framework=framework, code="NH", lea_count=500, seed="large", with_answers=True
        )
    return small, large


def count_queries(client, url: str, *, kept: bool = False) -> int:
    """The queries of one view of `url`: drawn afresh (as after a change to its figures),
    or with `kept`, served from the body kept by the view before."""
    pages_forgotten()  # rows written since the last view did not move the figures' generation
    client.get(url)  # warm caches that persist between requests (the framework content)
    if not kept:
        pages_forgotten()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


def test_the_state_dashboard_costs_the_same_queries_for_10_and_500_leas(
    national_client, small_and_large
):
    small, large = small_and_large
    counts = {}
    for world in small_and_large:
        url = reverse("dashboards:state", args=[world.state.code, world.cycle.pk])
        counts[world.state.code] = count_queries(national_client, url)
        counts[f"{world.state.code} kept"] = count_queries(national_client, url, kept=True)
    assert counts["VT"] == counts["NH"] == STATE_PAGE_QUERIES
    assert counts["VT kept"] == counts["NH kept"] == KEPT_STATE_PAGE_QUERIES


@pytest.mark.parametrize(
    "query",
    ["?locale={locale}&size={size}", "?status={status}&sort=heatmap.-equity", "?page=2"],
)
def test_filters_and_sorting_do_not_add_queries_per_lea(national_client, small_and_large, query):
    small, _ = small_and_large
    # Filters that some LEA of the small state passes too, so neither page is empty.
    lea_id, status = next(
        (a.lea_id, a.status) for a in small.assessments if a.cycle_id == small.cycle.pk
    )
    lea = next(lea for lea in small.leas if lea.pk == lea_id)
    query = query.format(locale=lea.locale or "not_reported", size=lea.size_band, status=status)
    counts = [
        count_queries(
            national_client,
            reverse("dashboards:state", args=[w.state.code, w.cycle.pk]) + query,
        )
        for w in small_and_large
    ]
    assert counts[0] == counts[1] == STATE_PAGE_QUERIES


@pytest.mark.parametrize(
    "table",
    ["completion", "stages", "heatmap", "locales", "medians", "sizes", "levers", "trend"],
)
def test_each_csv_export_costs_the_same_queries_for_10_and_500_leas(
    national_client, small_and_large, table
):
    counts = [
        count_queries(
            national_client,
            reverse("dashboards:state_export", args=[w.state.code, w.cycle.pk, table]),
        )
        for w in small_and_large
    ]
    assert counts[0] == counts[1]


def test_the_heatmap_reads_stored_scores_for_one_page_only(national_client, small_and_large):
    _, large = small_and_large
    url = reverse("dashboards:state", args=[large.state.code, large.cycle.pk])
    national_client.get(url)
    pages_forgotten()
    with CaptureQueriesContext(connection) as queries:
        national_client.get(url)
    # Medians, stages and completion come from the cycle's summary; only the heatmap's
    # page brings stored scores back to Python.
    touching_scores = [q["sql"] for q in queries if '"scores"' in q["sql"]]
    assert len(touching_scores) == 1
    # Sorted over narrow rows first (its LEAs' ids, one page of them), then read by id.
    ids_query = next(
        q["sql"] for q in queries if q["sql"].startswith('SELECT "readiness_lea"."id"')
    )
    assert "LIMIT 100" in ids_query
    assert "IN (" in touching_scores[0] and "ORDER BY" not in touching_scores[0]
