"""CSV exports: a header row, the same numbers as the page, streamed, and safe to open in
a spreadsheet (no cell can start a formula)."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role
from dashboards import selectors
from dashboards.selectors import DashboardFilters
from dashboards.tables import csv_cell, csv_lines
from directory.models import LEA
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_world):
    return make_world(code="NH", lea_count=80, seed="export", with_answers=True)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    return client


def download(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def export_url(world, table: str, query: str = "") -> str:
    return reverse("dashboards:state_export", args=["NH", world.cycle.pk, table]) + query


def test_completion_csv_has_a_header_and_the_summary_counts(admin_client, world, framework):
    rows = download(admin_client, export_url(world, "completion"))
    assert rows[0] == ["Status", "LEAs", "Share of LEAs"]
    summary = selectors.state_dashboard_summary(
        state=world.state,
        cycle=world.cycle,
        framework=framework.spec,
        filters=DashboardFilters(),
    )
    counts = [(label, n) for _, label, n in summary.completion]
    assert [(r[0], int(r[1])) for r in rows[1:]] == counts


def test_locale_csv_follows_the_filters_and_the_sort(admin_client, world, framework):
    filters = DashboardFilters(size_band="small")
    rows = download(admin_client, export_url(world, "locales", "?size=small&sort=locales.-median"))
    assert rows[0][:5] == [
        "Locale",
        "LEAs",
        "Assessed",
        "Mean overall score",
        "Median overall score",
    ]
    summary = selectors.state_dashboard_summary(
        state=world.state, cycle=world.cycle, framework=framework.spec, filters=filters
    )
    expected = sorted(
        (g for g in summary.locales if g.median is not None), key=lambda g: -g.median
    ) + [g for g in summary.locales if g.median is None]
    assert [r[0] for r in rows[1:]] == [g.label for g in expected]
    assert [int(r[1]) for r in rows[1:]] == [g.leas for g in expected]
    assert [r[4] for r in rows[1:]] == ["" if g.median is None else str(g.median) for g in expected]


def test_heatmap_csv_lists_every_assessed_lea_not_just_one_page(admin_client, make_world):
    world = make_world(code="NH", lea_count=180, seed="many")
    rows = download(admin_client, export_url(world, "heatmap"))
    assessed = [a for a in world.assessments if a.cycle_id == world.cycle.pk]
    assert len(assessed) > 100
    assert len(rows) == 1 + len(assessed)
    assert rows[0][:5] == ["LEAID", "LEA", "Locale", "Size band", "Enrollment"]
    by_leaid = {lea.leaid: lea for lea in world.leas}
    scores = {a.lea_id: a.overall_score for a in assessed}
    for row in rows[1:]:
        overall = scores[by_leaid[row[0]].pk]
        assert row[-3] == ("" if overall is None else str(overall))


def test_levers_csv_gives_the_policy_selectors_counts(admin_client, world):
    from policies.selectors import state_levers_held_back

    rows = download(admin_client, export_url(world, "levers"))
    levers = state_levers_held_back(state=world.state, cycle=world.cycle)
    assert rows[0][2:5] == [
        "LEAs with related gaps all opened",
        "LEAs with a related gap available to join",
        "LEAs with a related gap blocked",
    ]
    assert [(r[0], *map(int, r[2:5]), int(r[6])) for r in rows[1:]] == [
        (
            lever.name,
            lever.leas_opened,
            lever.leas_available,
            lever.leas_blocked,
            lever.assessed_leas,
        )
        for lever in levers
    ]


def test_trend_csv_has_one_row_per_cycle_oldest_first(admin_client, world):
    rows = download(admin_client, export_url(world, "trend"))
    assert [r[0] for r in rows[1:]] == ["2025-26", "2026-27"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_name_that_could_start_a_formula_is_quoted_in_every_export(admin_client, world, start):
    lea = world.leas[0]
    dangerous = f'{start}HYPERLINK("https://example.com/x","open")'
    LEA.objects.filter(pk=lea.pk).update(name=dangerous)
    from assessments.models import Assessment

    Assessment.objects.get_or_create(lea=lea, cycle=world.cycle)
    rows = download(admin_client, export_url(world, "heatmap", "?sort=heatmap.name"))
    names = [r[1] for r in rows[1:]]
    assert "'" + dangerous in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_national_csv_lists_each_states_levers(admin_client, make_world, framework):
    make_world(code="NH", lea_count=5, seed="n", profile_statuses={"task_force": "statewide"})
    rows = download(admin_client, reverse("dashboards:national_export", args=["levers"]))
    levers = framework.content["levers"]
    assert rows[0] == ["State", "Code", "Cycle", "Policy stage", *(lv["name"] for lv in levers)]
    assert rows[1][:3] == ["State NH", "NH", "2026-27"]
    assert rows[1][4] == "Statewide"
    states = download(admin_client, reverse("dashboards:national_export", args=["states"]))
    assert states[0][:4] == ["State", "Code", "Cycle", "LEAs"]
    assert states[1][3] == "5"


def test_csv_cells_keep_numbers_and_quote_formula_text():
    assert csv_cell(-3.5) == -3.5  # a number is never a formula
    assert csv_cell(12) == 12
    assert csv_cell(None) == ""
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("+1") == "'+1"
    assert csv_cell("-1") == "'-1"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("\t=cmd") == "'\t=cmd"
    assert csv_cell("Plain, with a comma") == "Plain, with a comma"
    text = "".join(csv_lines(["=Header"], [["a,b", '"q"'], [1.5, None]]))
    assert text == '\'=Header\r\n"a,b","""q"""\r\n1.5,\r\n'


def test_a_filtered_csv_is_named_after_its_filters(client, make_world):
    world = make_world(code="NH", lea_count=12, seed="filename")
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    url = reverse("dashboards:state_export", args=["NH", world.cycle.pk, "heatmap"])
    whole = client.get(url)["Content-Disposition"]
    filtered = client.get(url, {"size": "small", "status": "accepted"})["Content-Disposition"]
    assert "filtered" not in whole
    assert filtered.endswith('-heatmap-filtered-small-leas-accepted.csv"')
    # The lever counts ignore the filters, so their file says nothing of them.
    levers = reverse("dashboards:state_export", args=["NH", world.cycle.pk, "levers"])
    assert "filtered" not in client.get(levers, {"size": "small"})["Content-Disposition"]
