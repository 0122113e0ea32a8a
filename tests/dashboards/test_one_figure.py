"""One state, four readers, the same numbers: the dashboard page, its CSV exports, its
API and the statewide PDF all read the selectors of dashboards.selectors (and
policies.selectors for the levers), so every figure they share must agree."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role
from reports.selectors import state_report_context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_world):
    make_world(code="VT", lea_count=10, seed="other-state", with_answers=True)
    return make_world(
        code="NH",
        lea_count=60,
        seed="one-figure",
        with_answers=True,
        profile_statuses={"credit_flexibility": "enacted", "task_force": "exploring"},
    )


def _csv(client, world, table: str) -> list[list[str]]:
    url = reverse("dashboards:state_export", args=["NH", world.cycle.pk, table])
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return rows[1:]  # without the header


def _ints(row, start: int, stop: int | None = None) -> list[int]:
    return [int(v) for v in row[start:stop]]


def test_page_api_csv_and_statewide_pdf_show_the_same_figures(client, world):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    page = client.get(reverse("dashboards:state", args=["NH", world.cycle.pk])).context
    api = client.get(reverse("api-dashboard-state", args=["NH", world.cycle.pk])).json()
    heat_api = client.get(reverse("api-dashboard-state-leas", args=["NH", world.cycle.pk])).json()
    pdf = state_report_context(state=world.state, cycle=world.cycle)
    summary = page["summary"]

    # LEAs and completion of the cycle.
    completion = [n for _, _, n in summary.completion]
    assert summary.leas == api["leas"] == pdf["lea_count"] == 60
    assert [c["leas"] for c in api["completion"]] == completion
    assert [_ints(row, 1, 2)[0] for row in _csv(client, world, "completion")] == completion
    assert pdf["completion"]["counts"] == completion
    assert pdf["completion"]["series"] == [label for _, label, _ in summary.completion]

    # LEAs by stage, overall and by locale.
    stages = list(summary.stages)
    assert sum(stages) == summary.assessed == api["assessed"] == pdf["assessed_count"]
    assert [s["leas"] for s in api["stages"]] == stages
    assert [_ints(row, 2, 3)[0] for row in _csv(client, world, "stages")] == stages
    assert pdf["stages"]["total"] == stages
    by_locale = [(g.label, list(g.stages)) for g in summary.locales if g.assessed]
    assert [(g["label"], list(g["stages"].values())) for g in api["locales"] if g["assessed"]] == (
        by_locale
    )
    assert [(row[0], _ints(row, 6)) for row in _csv(client, world, "locales") if row[2] != "0"] == (
        by_locale
    )
    assert [(g["label"], g["counts"]) for g in pdf["stages"]["by_locale"]] == by_locale

    # Medians, with the LEAs each rests on: overall, and per locale and domain.
    assert summary.median is not None and 0 < summary.scored < summary.assessed
    assert (api["median_overall"], pdf["median"]["overall"], pdf["median"]["leas"]) == (
        summary.median,
        summary.median,
        summary.scored,
    )
    medians = [
        (row[0], [None if v == "—" else float(v) for v in row[1:]])
        for row in page["tables"]["medians"]["table"].rows
    ]
    assert medians[-1][0] == "All locales"
    assert [
        (row["label"], [v for cell in row["cells"] for v in cell]) for row in pdf["locale_medians"]
    ] == medians
    assert medians[-1][1][-2:] == [summary.median, summary.scored]
    assert [
        (row[0], [float(v) if v else None for v in row[1:]])
        for row in _csv(client, world, "medians")
    ] == medians

    # Levers: LEAs with related gaps opened, available to join, blocked; without one.
    levers = {row[0]: tuple(row[2:7]) for row in page["tables"]["levers"]["table"].rows}
    assert any(blocked for _, _, blocked, *_ in levers.values())
    assert {
        lever["name"]: (
            lever["leas_opened"],
            lever["leas_available"],
            lever["leas_blocked"],
            lever["leas_without_gap"],
            lever["assessed_leas"],
        )
        for lever in api["levers"]
    } == levers
    assert "leas_held_back" not in api["levers"][0]
    assert {row[0]: tuple(_ints(row, 2, 7)) for row in _csv(client, world, "levers")} == levers
    # The last column, related gaps in an LEA's plan, is the plans selector's on both.
    planned = {row[0]: row[7] for row in page["tables"]["levers"]["table"].rows}
    assert {row[0]: int(row[7]) for row in _csv(client, world, "levers")} == planned
    assert {
        lever["name"]: (lever["leas_opened"], lever["leas_available"], lever["leas_blocked"])
        for lever in pdf["lever_gaps"]
    } == {name: counts[:3] for name, counts in levers.items()}

    # Every assessed LEA with its overall score: the heatmap.
    heat_csv = _csv(client, world, "heatmap")
    overall = sorted((row[1], float(row[-3]) if row[-3] else None) for row in heat_csv)
    assert page["heat_page"].paginator.count == heat_api["count"] == len(heat_csv)
    pdf_rows = [row for group in pdf["heatmap_groups"] for row in group["rows"]]
    assert sorted((row["label"], row["values"][-1]) for row in pdf_rows) == overall
