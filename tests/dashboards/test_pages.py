"""The state dashboard and national view as a browser without JavaScript gets them."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from dashboards.tables import Column, SortSpec, Table, table_context, table_sorted
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_world):
    return make_world(code="NH", lea_count=150, seed="pages", with_answers=True)


@pytest.fixture
def staff_client(client, world):
    client.force_login(UserFactory(role=Role.TASK_FORCE, state=world.state))
    return client


def page(client, world, query: str = "") -> str:
    response = client.get(reverse("dashboards:state", args=["NH", world.cycle.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def table_html(html: str, key: str) -> str:
    start = html.index(f'id="table-{key}"')
    return html[start : html.index("</table>", start)]


def row_headers(html: str, key: str) -> list[str]:
    return re.findall(r'<th scope="row"[^>]*>(?:<a [^>]*>)?([^<]+)', table_html(html, key))


def test_every_section_has_a_chart_a_table_and_a_csv_link(staff_client, world):
    html = page(staff_client, world)
    for key in ("completion", "stages", "locales", "sizes", "levers", "trend"):
        assert f'id="table-{key}"' in html
        export = reverse("dashboards:state_export", args=["NH", world.cycle.pk, key])
        assert f'href="{export}"' in html
    assert html.count('<svg class="cbe-chart') >= 8
    assert "chart-heatmap-0" in html
    assert 'style="' not in html  # the Content-Security-Policy forbids inline styles
    assert "<script>" not in html


def test_the_heatmap_shows_100_leas_a_page_and_pages_on(staff_client, world):
    assessed = sum(1 for a in world.assessments if a.cycle_id == world.cycle.pk)
    assert assessed > 100
    first = page(staff_client, world)
    assert f"LEAs 1 to 100 of {assessed}" in first
    assert len(row_headers(first, "heatmap")) == 100
    second = page(staff_client, world, "?page=2")
    assert f"LEAs 101 to {assessed} of {assessed}" in second
    assert len(row_headers(second, "heatmap")) == assessed - 100


def test_header_links_sort_the_table_without_javascript(staff_client, world):
    html = page(staff_client, world)
    # Locales in NCES order at first; a click on "Median" sorts by it, largest first.
    assert row_headers(html, "locales")[0] == "City"
    match = re.search(r'href="(\?sort=locales\.-median#locales)"', html)
    assert match, "the median header links to a descending sort"
    sorted_html = page(staff_client, world, "?sort=locales.-median")
    table = table_html(sorted_html, "locales")
    assert 'aria-sort="descending"' in table
    medians = re.findall(r'<td class="text-right text-tabular">([0-9.,—]*)</td>', table)
    # Columns per row: LEAs, assessed, mean, median, then stages; the median is the 4th.
    per_row = len(medians) // len(row_headers(sorted_html, "locales"))
    values = [float(v) for v in medians[3::per_row] if v != "—"]
    assert values == sorted(values, reverse=True)
    # The next click on the same header sorts ascending.
    assert "?sort=locales.median#locales" in table


def test_sorting_the_heatmap_orders_the_whole_list_and_returns_to_page_one(staff_client, world):
    html = page(staff_client, world, "?page=2&sort=heatmap.name")
    names = row_headers(html, "heatmap")
    assert names == sorted(names)
    assert '<details class="margin-top-2" open>' in html
    # Sort links in the heatmap table drop the page number.
    assert re.search(r'href="\?sort=heatmap\.-name#heatmap"', html)


def test_filters_narrow_the_page_and_say_so(staff_client, world):
    html = page(staff_client, world, "?locale=rural&status=accepted")
    rural_accepted = sum(
        1
        for lea in world.leas
        for a in world.assessments
        if a.lea_id == lea.pk
        and a.cycle_id == world.cycle.pk
        and lea.locale == "rural"
        and a.status == "accepted"
    )
    assert f"Showing {rural_accepted} LEA" in html
    assert "Rural, Accepted" in html
    assert row_headers(html, "locales") == ["Rural"]
    assert "Clear filters" in html


def test_choosing_another_cycle_keeps_the_filters(staff_client, world):
    url = reverse("dashboards:state_latest", args=["NH"])
    response = staff_client.get(url, {"cycle": world.prior.pk, "locale": "town"})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("dashboards:state", args=["NH", world.prior.pk]) + "?locale=town"
    )


def test_an_invalid_filter_value_is_ignored(staff_client, world):
    assert "Showing all 150 LEAs" in page(staff_client, world, "?size=enormous&sort=junk")


def test_the_national_view_shows_the_lever_grid_and_state_counts(client, make_world, framework):
    make_world(code="NH", lea_count=20, seed="x", profile_statuses={"task_force": "enacted"})
    make_world(code="VT", lea_count=5, seed="y")
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    html = client.get(reverse("dashboards:national")).content.decode()
    assert "chart-national-levers" in html and "chart-national-completion" in html
    assert row_headers(html, "levers") == ["State NH", "State VT"]
    sorted_html = client.get(reverse("dashboards:national") + "?sort=states.-leas").content
    assert row_headers(sorted_html.decode(), "states") == ["State NH", "State VT"]
    sorted_html = client.get(reverse("dashboards:national") + "?sort=states.leas").content
    assert row_headers(sorted_html.decode(), "states") == ["State VT", "State NH"]


# --- the table helpers ----------------------------------------------------------------------


def sample_table() -> Table:
    return Table(
        key="t",
        caption="Sample",
        columns=(Column("name", "Name", "text"), Column("score", "Score", "score")),
        rows=(("b", 50.0), ("a", None), ("c", 70.0)),
    )


def test_a_sorted_table_puts_missing_values_last_both_ways():
    up = table_sorted(sample_table(), SortSpec.parse("t.score"))
    down = table_sorted(sample_table(), SortSpec.parse("t.-score"))
    assert [r[0] for r in up.rows] == ["b", "c", "a"]
    assert [r[0] for r in down.rows] == ["c", "b", "a"]


def test_sorting_by_the_first_column_gives_the_natural_order_or_its_reverse():
    natural = table_sorted(sample_table(), SortSpec.parse("t.name"))
    assert [r[0] for r in natural.rows] == ["b", "a", "c"]
    reverse = table_sorted(sample_table(), SortSpec.parse("t.-name"))
    assert [r[0] for r in reverse.rows] == ["c", "a", "b"]
    context = table_context(reverse, query=_query())
    assert [row[0]["text"] for row in context["rows"]] == ["c", "a", "b"]
    assert context["headers"][0]["aria_sort"] == "descending"
    assert context["headers"][0]["href"] == "?locale=rural&sort=t.name#t"


def test_a_sort_for_another_table_or_column_leaves_the_table_alone():
    for spec in ("other.score", "t.unknown", "nonsense", ""):
        assert table_sorted(sample_table(), SortSpec.parse(spec)).rows == sample_table().rows


def _query():
    from django.http import QueryDict

    return QueryDict("locale=rural")


def test_the_cycle_menu_shows_the_cycle_on_screen_even_with_filters(staff_client, world):
    url = reverse("dashboards:state", args=["NH", world.prior.pk]) + "?locale=town"
    html = staff_client.get(url).content.decode()
    assert re.search(rf'<option value="{world.prior.pk}" selected>2025-26</option>', html)
