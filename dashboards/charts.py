"""The charts of the state dashboard and the national view, built with `charts` and
coloured from `charts.palette`: stages in the stage colours, lever counts in the gap-kind
colours, so a colour means the same thing on every chart, page and PDF.

Charts are drawn at PAGE_WIDTH, the width of the page's main column at 1280 px, with
14 px text; on a narrower screen their box scrolls sideways (the data table beside each
chart reflows instead)."""

from collections.abc import Sequence

import charts
from charts import palette
from frameworks.document import INSUFFICIENT

from .selectors import SIZE_BAND_SHORT_LABELS, DashboardFilters, StateSummary

PAGE_WIDTH = 900

# The lever chart's series, in order, with the gap kind each is coloured as.
LEVER_SERIES = (
    ("No related gap", None),
    ("Opened", "opened"),
    ("Available to join", "available"),
    ("Blocked", "blocked"),
)


def stage_swatches(codes: Sequence[str]) -> list[palette.Swatch]:
    """One swatch per stage code, lowest first; "insufficient evidence" is grey."""
    real = [code for code in codes if code != INSUFFICIENT]
    ramp = dict(zip(real, palette.lea_stage_swatches(len(real)), strict=True))
    return [ramp.get(code, palette.INSUFFICIENT) for code in codes]


def lever_swatches() -> list[palette.Swatch]:
    return [palette.GAP_KINDS[kind] if kind else palette.NO_GAP for _, kind in LEVER_SERIES]


def state_charts(*, cycle, filters: DashboardFilters, summary: StateSummary, levers, trend) -> dict:
    """Every chart of the state dashboard (None where there is nothing to draw)."""
    stage_colours = stage_swatches(summary.stage_codes)
    return {
        "completion": charts.stacked_bar(
            chart_id="chart-completion",
            title=f"LEAs by needs-assessment status, {cycle.name}",
            series=[label for _, label, _ in summary.completion],
            rows=[
                {
                    "label": "Filtered LEAs" if filters.any else "All LEAs",
                    "counts": [n for _, _, n in summary.completion],
                }
            ],
            row_header="LEAs",
            width=PAGE_WIDTH,
        ),
        "stages": count_bars(
            chart_id="chart-stages",
            title=f"Assessed LEAs by readiness stage, {cycle.name}",
            rows=list(zip(summary.stage_labels, summary.stages, strict=True)),
            unit="assessed LEAs",
            row_header="Stage",
            swatches=stage_colours,
        ),
        "locales": stage_stack(
            chart_id="chart-locales",
            title="Assessed LEAs by locale and stage",
            groups=summary.locales,
            summary=summary,
        ),
        "sizes": stage_stack(
            chart_id="chart-sizes",
            title="Assessed LEAs by size band and stage",
            groups=summary.sizes,
            summary=summary,
            labels=SIZE_BAND_SHORT_LABELS,
        ),
        "levers": charts.stacked_bar(
            chart_id="chart-levers",
            title=f"Assessed LEAs by what each lever means for their related gaps, {cycle.name}",
            series=[label for label, _ in LEVER_SERIES],
            rows=[
                {
                    "label": row.name,
                    "counts": [
                        row.leas_without_gap,
                        row.leas_opened,
                        row.leas_available,
                        row.leas_blocked,
                    ],
                }
                for row in levers
            ],
            row_header="Lever",
            width=PAGE_WIDTH,
            swatches=lever_swatches(),
        )
        if levers and levers[0].assessed_leas
        else None,
        "trend_stages": charts.stacked_bar(
            chart_id="chart-trend-stages",
            title="Assessments by readiness stage in each cycle",
            series=list(summary.stage_labels),
            rows=[{"label": row.name, "counts": list(row.stages)} for row in trend],
            row_header="Cycle",
            width=PAGE_WIDTH,
            swatches=stage_colours,
        )
        if any(row.assessed for row in trend)
        else None,
        "trend_median": charts.bar_chart(
            chart_id="chart-trend-median",
            title="Median overall readiness score in each cycle",
            rows=[{"label": row.name, "value": row.median} for row in trend],
            missing_label="No scores",
            row_header="Cycle",
            width=PAGE_WIDTH,
            label_width=200,
        )
        if trend
        else None,
    }


def count_bars(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, int]],
    unit: str,
    row_header: str,
    swatches: Sequence[palette.Swatch] = (),
):
    """Horizontal bars of counts: rows are (label, count)."""
    maximum = charts.nice_maximum(max((count for _, count in rows), default=0) or 4)
    return charts.bar_chart(
        chart_id=chart_id,
        title=title,
        rows=[{"label": label, "value": count} for label, count in rows],
        maximum=maximum,
        value_format=charts.count_text,
        scale_desc=f"Number of {unit}, on a scale from 0 to {maximum:,}.",
        row_header=row_header,
        width=PAGE_WIDTH,
        label_width=220,
        swatches=swatches,
    )


def stage_stack(*, chart_id: str, title: str, groups, summary: StateSummary, labels=None):
    labels = labels or {}
    rows = [
        {"label": labels.get(g.key, g.label), "counts": list(g.stages)}
        for g in groups
        if g.assessed
    ]
    if not rows:
        return None
    return charts.stacked_bar(
        chart_id=chart_id,
        title=title,
        series=list(summary.stage_labels),
        rows=rows,
        row_header="Group",
        width=PAGE_WIDTH,
        swatches=stage_swatches(summary.stage_codes),
    )


def national_completion(*, rows) -> dict:
    """Each state's LEAs by needs-assessment progress (rows: national overview rows)."""
    return charts.stacked_bar(
        chart_id="chart-national-completion",
        title="LEAs by needs-assessment progress in each state",
        series=["No assessment", "Not yet accepted", "Accepted"],
        rows=[
            {
                "label": row.state_name,
                "counts": [
                    max(row.leas - row.assessments, 0),
                    row.assessments - row.accepted,
                    row.accepted,
                ],
            }
            for row in rows
        ],
        row_header="State",
        width=PAGE_WIDTH,
    )
