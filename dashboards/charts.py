"""The dashboard's charts, built with reports.charts (the same builders and templates as
the PDFs). Two uses need words the builders print for scores changed afterwards:

- `count_bars`: bar_chart draws scores (printed "12.0"); counts of LEAs print as "12";
- `status_grid`: heatmap shades scores by band; lever statuses are categories, placed
  on the bands 0..3 and printed with their names instead of a number.

Only the text of the returned dict is changed; the geometry is the builders'.
"""

from collections.abc import Sequence

from readiness.framework import PolicyStatus
from reports import charts


def nice_maximum(largest: int) -> int:
    """The smallest 4 x (1, 2 or 5 x 10^k) at or above `largest`, so the four grid steps
    of bar_chart fall on round numbers."""
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            if base * magnitude * 4 >= largest:
                return base * magnitude * 4
        magnitude *= 10


def count_bars(*, chart_id: str, title: str, rows: Sequence[tuple[str, int]], unit: str) -> dict:
    """Horizontal bars of counts: rows are (label, count)."""
    maximum = nice_maximum(max((count for _, count in rows), default=0) or 4)
    chart = charts.bar_chart(
        chart_id=chart_id,
        title=title,
        rows=[{"label": label, "value": count} for label, count in rows],
        maximum=maximum,
    )
    for drawn, (_, count) in zip(chart["rows"], rows, strict=True):
        drawn["value_text"] = f"{count:,}"
    chart["desc"] = (
        f"Number of {unit}, on a scale from 0 to {maximum:,}. "
        + "; ".join(f"{label}: {count:,}" for label, count in rows)
        + "."
    )
    return chart


def status_grid(
    *,
    chart_id: str,
    title: str,
    columns: Sequence[str],
    rows: Sequence[tuple[str, Sequence[str | None]]],
    statuses: Sequence[PolicyStatus],
    missing_label: str = "Not recorded",
    **layout,
) -> dict:
    """States x levers, each cell shaded and labelled by the lever's status.

    rows: (label, [status code or None per column]); statuses: the framework's policy
    statuses in order (code, label), darkest for the last."""
    position = {status.code: i for i, status in enumerate(statuses)}
    labels = {status.code: status.label for status in statuses}
    chart = charts.heatmap(
        chart_id=chart_id,
        title=title,
        columns=list(columns),
        rows=[
            {"label": label, "values": [position.get(code) if code else None for code in codes]}
            for label, codes in rows
        ],
        thresholds=list(range(len(statuses))),
        band_labels=[status.label for status in statuses],
        row_header="State",
        **layout,
    )
    for drawn, (_, codes) in zip(chart["rows"], rows, strict=True):
        for cell, code in zip(drawn["cells"], codes, strict=True):
            cell["text"] = labels.get(code, code) if code else "—"
    if chart["legend"]:
        chart["legend"][-1]["label"] = missing_label
    chart["desc"] = (
        f"{len(rows)} states by {len(columns)} levers; each cell names the lever's status "
        f"({', '.join(labels.values())}), shaded darker the further the policy goes; "
        f"a dash means {missing_label.lower()}."
    )
    return chart
