"""The national view costs a fixed number of queries, whatever the number of LEAs and
states (apart from tests/dashboards/test_queries.py, whose shared data would be in its way)."""

import pytest
from django.urls import reverse

from .test_queries import KEPT_NATIONAL_PAGE_QUERIES, NATIONAL_PAGE_QUERIES, count_queries

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_national_view_costs_the_same_queries_for_few_and_many_leas_and_states(
    national_client, make_world
):
    make_world(code="VT", lea_count=10, seed="a")
    few = count_queries(national_client, reverse("dashboards:national"))
    make_world(code="NH", lea_count=300, seed="b")
    make_world(code="ME", lea_count=200, seed="c")
    many = count_queries(national_client, reverse("dashboards:national"))
    assert few == many == NATIONAL_PAGE_QUERIES
    kept = count_queries(national_client, reverse("dashboards:national"), kept=True)
    assert kept == KEPT_NATIONAL_PAGE_QUERIES
    for table in ("levers", "states"):
        export = reverse("dashboards:national_export", args=[table])
        # The page's queries, and the access log's row for the export.
        assert count_queries(national_client, export) == NATIONAL_PAGE_QUERIES + 1
