"""Server-side SVG charts: geometry worked out here, drawn by templates/charts/*.html.

Each builder returns a plain dict that one chart template draws, plus a `table` that
`charts/data_table.html` lays out beside it, so every chart has a text alternative. The
dashboards, the results page and the PDFs use the same builders and templates; what a
chart prints for a value (a score, a count, a status name) is the caller's choice,
passed in as a function, so no caller rewrites a chart's text afterwards. Templates only
place what is computed here: Django templates cannot do arithmetic, and keeping the
numbers in Python makes them testable.

Colours are given as SVG presentation attributes (fill="..."), never as style="": the
site's Content-Security-Policy forbids inline styles, and WeasyPrint reads attributes
reliably. Every colour used for text or marks has at least 4.5:1 contrast against its
background; categories are never told apart by colour alone (values are printed, and each
chart has a data table).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# USWDS palette tokens (hex), chosen for contrast on white.
INK = "#1b1b1b"
MUTED = "#565c65"
GRID = "#dfe1e2"
BAR = "#005ea2"  # primary, 7.1:1 on white
NO_DATA = "#f0f0f0"

# Sequential blues for the heatmap's four score bands (light to dark), with the text
# colour that reads on each.
BAND_FILLS = ("#d9e8f6", "#97c6eb", "#2378c3", "#0b4778")
BAND_TEXT = (INK, INK, "#ffffff", "#ffffff")

# Distinct fills for stacked bars, each with its own text colour.
SERIES_FILLS = ("#dfe1e2", "#97d4ea", "#00bde3", "#2378c3", "#162e51", "#e66f0e")
SERIES_TEXT = (INK, INK, INK, "#ffffff", "#ffffff", INK)

MARKERS = {
    # kind: (fill, label shape in the legend)
    "state": ("#e66f0e", "diamond"),
    "locale": ("#1b1b1b", "line"),
    "previous": ("#71767a", "circle"),
}


@dataclass(frozen=True)
class Marker:
    kind: str  # one of MARKERS
    label: str
    value: float | None


def _fmt(value: float | None, missing: str = "—") -> str:
    return missing if value is None else f"{value:.1f}"


def score_text(value: float) -> str:
    """A score as printed everywhere: one decimal."""
    return f"{value:.1f}"


def count_text(value: float) -> str:
    """A count of LEAs, states, ...: a whole number with thousands separators."""
    return f"{value:,.0f}"


def nice_maximum(largest: float) -> int:
    """The smallest 4 x (1, 2 or 5 x 10^k) at or above `largest`, so the four grid steps
    of a bar chart of counts fall on round numbers."""
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            if base * magnitude * 4 >= largest:
                return base * magnitude * 4
        magnitude *= 10


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[dict],
    markers: Sequence[tuple[str, str]] = (),
    maximum: float = 100,
    missing_label: str = "Insufficient evidence",
    value_format: Callable[[float], str] = score_text,
    scale_desc: str | None = None,
    width: int = 620,
    label_width: int = 190,
) -> dict:
    """Horizontal bars for values 0..maximum (scores by default), with optional reference
    markers per row.

    `rows`: [{"label": str, "value": float | None, "markers": {kind: value | None}}].
    `markers`: [(kind, legend label)] in legend order, kinds from MARKERS.
    A row without a value shows `missing_label` instead of a bar (never a zero bar).
    `value_format` prints a value (`count_text` for counts); `scale_desc` opens the
    description read by screen readers (by default "Scores from 0 to <maximum>.").
    """

    def fmt(value: float | None, missing: str = "—") -> str:
        return missing if value is None else value_format(value)

    row_height, bar_height, top = 34, 16, 24
    # Scores are printed in a column right of the plot, clear of bars and markers.
    plot_left, plot_width = label_width, width - label_width - 120
    scale = plot_width / maximum
    drawn = []
    for i, row in enumerate(rows):
        y = top + i * row_height
        value = row.get("value")
        marks = []
        for kind, label in markers:
            mark_value = (row.get("markers") or {}).get(kind)
            if mark_value is None:
                continue
            x = plot_left + mark_value * scale
            marks.append(
                {
                    "kind": kind,
                    "label": label,
                    "fill": MARKERS[kind][0],
                    "x": round(x, 1),
                    "y1": y + 2,
                    "y2": y + bar_height + 6,
                    "cy": y + bar_height / 2 + 2,
                    # diamond corners
                    "points": f"{x:.1f},{y + 2} {x + 5:.1f},{y + 10} {x:.1f},{y + 18} "
                    f"{x - 5:.1f},{y + 10}",
                    "text": f"{label}: {fmt(mark_value)}",
                }
            )
        drawn.append(
            {
                "label": _clip(row["label"], 32),
                "full_label": row["label"],
                "label_y": y + bar_height / 2 + 6,
                "bar_y": y + 2,
                "bar_width": round((value or 0) * scale, 1),
                "value": value,
                "value_text": fmt(value, missing_label),
                "value_x": plot_left + plot_width + 14 if value is not None else plot_left + 8,
                "markers": marks,
            }
        )
    plot_bottom = top + len(rows) * row_height
    ticks = [
        {"x": round(plot_left + t * scale, 1), "label": f"{t:g}"}
        for t in range(0, int(maximum) + 1, int(maximum) // 4 or 1)
    ]
    legend = [
        {
            "kind": kind,
            "label": label,
            "fill": MARKERS[kind][0],
            "x": plot_left + i * 150,
            "y": plot_bottom + 30,
        }
        for i, (kind, label) in enumerate(markers)
    ]
    height = plot_bottom + (48 if legend else 24)
    described = "; ".join(
        f"{r['label']}: {fmt(r.get('value'), missing_label.lower())}"
        + "".join(
            f", {label.lower()} {fmt((r.get('markers') or {}).get(kind))}"
            for kind, label in markers
            if (r.get("markers") or {}).get(kind) is not None
        )
        for r in rows
    )
    columns = ["Score"] + [label for _, label in markers]
    return {
        "id": chart_id,
        "title": title,
        "desc": f"{scale_desc or f'Scores from 0 to {maximum:g}.'} {described}.",
        "width": width,
        "height": height,
        "plot_left": plot_left,
        "plot_top": top - 4,
        "plot_bottom": plot_bottom,
        "bar_height": bar_height,
        "rows": drawn,
        "ticks": ticks,
        "legend": legend,
        "colors": {"bar": BAR, "ink": INK, "muted": MUTED, "grid": GRID},
        "table": {
            "caption": title,
            "row_header": "Domain",
            "columns": columns,
            "rows": [
                {
                    "label": r["label"],
                    "cells": [fmt(r.get("value"), missing_label)]
                    + [fmt((r.get("markers") or {}).get(kind)) for kind, _ in markers],
                }
                for r in rows
            ],
        },
    }


def score_band(value: float | None, thresholds: Sequence[float]) -> int | None:
    """Index of the band a score falls in: thresholds are the bands' lower bounds
    (ascending, the first 0). None stays None (no score)."""
    if value is None:
        return None
    band = 0
    for i, low in enumerate(thresholds):
        if value >= low:
            band = i
    return band


def heatmap(
    *,
    chart_id: str,
    title: str,
    columns: Sequence[str],
    rows: Sequence[dict],
    thresholds: Sequence[float] = (),
    band_labels: Sequence[str],
    row_header: str = "LEA",
    label_width: int = 210,
    cell_width: int = 62,
    row_height: int = 15,
    label_limit: int = 34,
    legend: bool = True,
    band_of: Callable[[Any], int | None] | None = None,
    value_text: Callable[[Any], str] | None = None,
    missing_label: str = "No score",
    desc: str | None = None,
) -> dict:
    """A grid of rows x columns, each cell shaded by its band and showing its value.
    `rows`: [{"label": str, "values": [value | None, ...]}].

    By default the values are scores: `thresholds`/`band_labels` are the bands' lower
    bounds and names (at most four), and a cell prints its score or "n/a". A grid of
    categories passes `band_of` (value -> band index, None for no band) and `value_text`
    (value -> printed text) instead, with its own `missing_label` and `desc`."""
    if band_of is None:

        def band_of(value):
            return score_band(value, thresholds)

    if value_text is None:

        def value_text(value):
            return _fmt(value, "n/a")

    header = 30 if columns else 0
    cells_left = label_width
    drawn = []
    for i, row in enumerate(rows):
        y = header + i * row_height
        cells = []
        for j, value in enumerate(row["values"]):
            band = band_of(value)
            cells.append(
                {
                    "x": cells_left + j * cell_width,
                    "text_x": cells_left + j * cell_width + cell_width / 2,
                    "fill": NO_DATA if band is None else BAND_FILLS[band],
                    "text_fill": MUTED if band is None else BAND_TEXT[band],
                    "text": value_text(value),
                }
            )
        drawn.append(
            {
                "label": _clip(row["label"], label_limit),
                "full_label": row["label"],
                "y": y,
                "text_y": y + row_height - 4,
                "cells": cells,
            }
        )
    width = cells_left + len(columns) * cell_width
    if legend:
        width = max(width, (len(band_labels) + 1) * 120)
    legend_y = header + len(rows) * row_height + (10 if rows else 4)
    keys = [
        {"x": i * 120, "fill": BAND_FILLS[i], "label": label} for i, label in enumerate(band_labels)
    ] + [{"x": len(band_labels) * 120, "fill": NO_DATA, "label": missing_label}]
    return {
        "id": chart_id,
        "title": title,
        "desc": desc
        or (
            f"{len(rows)} rows by {len(columns)} columns ({', '.join(columns)}); each cell "
            "shows the score and is shaded by band: "
            + ", ".join(
                f"{label} from {low:g}" for label, low in zip(band_labels, thresholds, strict=False)
            )
            + "."
        ),
        "width": width,
        "height": legend_y + 22 if legend else legend_y - 6,
        "row_height": row_height,
        "cell_width": cell_width,
        "header_y": header - 8,
        "columns": [
            {"label": label, "x": cells_left + j * cell_width + cell_width / 2}
            for j, label in enumerate(columns)
        ],
        "rows": drawn,
        "legend": keys if legend else [],
        "legend_y": legend_y,
        "colors": {"ink": INK, "muted": MUTED, "grid": GRID},
        "table": {
            "caption": title,
            "row_header": row_header,
            "columns": list(columns),
            "rows": [
                {"label": r["label"], "cells": [value_text(v) for v in r["values"]]} for r in rows
            ],
        },
    }


def stacked_bar(
    *,
    chart_id: str,
    title: str,
    series: Sequence[str],
    rows: Sequence[dict],
    row_header: str = "Group",
    width: int = 620,
    label_width: int = 150,
) -> dict:
    """Horizontal 100% stacked bars of counts. `series`: the segment names in order;
    `rows`: [{"label": str, "counts": [int, ...]}] with one count per series."""
    row_height, bar_height, top = 30, 18, 8
    plot_width = width - label_width - 60
    drawn = []
    for i, row in enumerate(rows):
        y = top + i * row_height
        total = sum(row["counts"])
        x = float(label_width)
        segments = []
        for k, count in enumerate(row["counts"]):
            share = count / total if total else 0
            seg_width = share * plot_width
            segments.append(
                {
                    "x": round(x, 1),
                    "width": round(seg_width, 1),
                    "fill": SERIES_FILLS[k % len(SERIES_FILLS)],
                    "text_fill": SERIES_TEXT[k % len(SERIES_TEXT)],
                    "text_x": round(x + seg_width / 2, 1),
                    # only label a segment wide enough to hold its number
                    "text": str(count) if seg_width >= 8 + 7 * len(str(count)) else "",
                    "title": f"{series[k]}: {count}",
                }
            )
            x += seg_width
        drawn.append(
            {
                "label": _clip(row["label"], 24),
                "y": y,
                "text_y": y + bar_height - 5,
                "total": total,
                "total_x": label_width + plot_width + 6,
                "segments": segments,
            }
        )
    legend_y = top + len(rows) * row_height + 8
    per_line = max(1, width // 150)
    legend = [
        {
            "x": (k % per_line) * 150,
            "y": legend_y + (k // per_line) * 18,
            "fill": SERIES_FILLS[k % len(SERIES_FILLS)],
            "label": name,
        }
        for k, name in enumerate(series)
    ]
    legend_lines = (len(series) + per_line - 1) // per_line
    return {
        "id": chart_id,
        "title": title,
        "desc": "; ".join(
            f"{r['label']}: "
            + ", ".join(f"{name} {count}" for name, count in zip(series, r["counts"], strict=True))
            for r in rows
        )
        + ".",
        "width": width,
        "height": legend_y + legend_lines * 18 + 4,
        "bar_height": bar_height,
        "rows": drawn,
        "legend": legend,
        "colors": {"ink": INK, "muted": MUTED},
        "table": {
            "caption": title,
            "row_header": row_header,
            "columns": [*series, "Total"],
            "rows": [
                {
                    "label": r["label"],
                    "cells": [str(c) for c in r["counts"]] + [str(sum(r["counts"]))],
                }
                for r in rows
            ],
        },
    }


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of the width of `text` set in Source Sans Pro at `size` px:
    at least the real advance widths (tests/reports/test_charts.py measures the font), so
    text placed by it never runs into its neighbours."""
    width = 0.0
    for char in text:
        if char in "mwMW@%—":
            width += 0.9
        elif char.isupper():
            width += 0.7
        elif char == " ":
            width += 0.25
        else:
            width += 0.56
    return width * size * (1.06 if bold else 1.0)


def wrap_label(text: str, width: float, size: float, *, lines: int = 2) -> list[str]:
    """`text` broken at spaces into at most `lines` lines no wider than `width`; the last
    line is cut with an ellipsis when the words do not fit."""
    out: list[str] = []
    words = text.split()
    while words and len(out) < lines:
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", size) <= width:
            line = f"{line} {words.pop(0)}"
        out.append(line)
    if words:
        out[-1] = f"{out[-1]} {' '.join(words)}"
    if out and text_width(out[-1], size) > width:
        last = out[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


# The three reference marks of the domain chart, each in its own lane of a row so that no
# two overlap however close their values: the state median above the bar, the locale
# median across it, the previous cycle below it.
DOMAIN_MARKS = ("state", "locale", "previous")


def domain_score_chart(
    *,
    lea_name: str,
    cycle_name: str,
    locale_label: str,
    previous_cycle: str | None,
    domains: Sequence[dict],
    width: int = 620,
    label_width: int = 180,
) -> dict:
    """The LEA's domain scores with the state and locale medians and the previous cycle:
    one chart for the results page and the PDF alike (templates/charts/domain_scores.html).

    `domains`: [{"name", "score", "state_median", "locale_median", "previous"}].
    Every text's box is computed here (labels wrap to two lines, the legend wraps to as
    many lines as it needs), so no label can run into another or off the chart.
    """
    font, small, value_size = 12, 10, 12
    row_height, tick_y, plot_top = 44, 12, 18
    value_width = text_width("100.0", value_size, bold=True) + 12
    plot_left = label_width
    plot_right = width - value_width
    scale = (plot_right - plot_left) / 100
    legend_labels = {
        "state": "State median",
        "locale": f"Median of {locale_label.lower()} LEAs",
        "previous": previous_cycle or "Previous cycle",
    }
    kinds = DOMAIN_MARKS

    def mark_value(d: dict, kind: str) -> float | None:
        return d.get("previous") if kind == "previous" else d.get(f"{kind}_median")

    used = {kind for d in domains for kind in kinds if mark_value(d, kind) is not None}

    rows = []
    for i, d in enumerate(domains):
        y = plot_top + 4 + i * row_height
        lines = wrap_label(d["name"], label_width - 10, font)
        first = y + 23 - (len(lines) - 1) * 7
        marks = []
        for kind in kinds:
            value = mark_value(d, kind)
            if value is None:
                continue
            x = round(plot_left + value * scale, 1)
            marks.append(
                {
                    "kind": kind,
                    "fill": MARKERS[kind][0],
                    "x": x,
                    "points": f"{x},{y} {x + 5},{y + 5} {x},{y + 10} {x - 5},{y + 5}",
                    "y1": y + 11,
                    "y2": y + 27,
                    "cy": y + 34,
                    "text": f"{legend_labels[kind]}: {_fmt(value)}",
                }
            )
        score = d.get("score")
        rows.append(
            {
                "full_label": d["name"],
                "lines": [{"text": line, "y": first + k * 14} for k, line in enumerate(lines)],
                "bar_y": y + 12,
                "bar_width": round((score or 0) * scale, 1),
                "value": score,
                "value_text": _fmt(score) if score is not None else "Insufficient evidence",
                "value_x": plot_right + 8 if score is not None else plot_left + 6,
                "value_y": y + 23,
                "markers": marks,
            }
        )
    plot_bottom = plot_top + 4 + len(domains) * row_height
    ticks = [{"x": round(plot_left + t * scale, 1), "label": str(t)} for t in range(0, 101, 25)]
    # The legend flows left to right and wraps, each entry as wide as its text.
    legend: list[dict] = []
    x, y = 0, plot_bottom + 22
    for kind in kinds:
        if kind not in used:
            continue
        label = legend_labels[kind]
        entry = 18 + round(text_width(label, font) + 0.5)
        if x and x + entry > width:
            x, y = 0, y + 18
        legend.append({"kind": kind, "label": label, "fill": MARKERS[kind][0], "x": x, "y": y})
        x += entry + 18
    height = y + 8 if legend else plot_bottom + 8

    def described(d: dict) -> str:
        text = f"{d['name']}: {_fmt(d.get('score'), 'insufficient evidence')}"
        for kind in kinds:
            value = mark_value(d, kind)
            if value is not None:
                text += f", {legend_labels[kind].lower()} {_fmt(value)}"
        return text

    title = f"Domain scores of {lea_name}, {cycle_name}"
    return {
        "id": "domain-scores",
        "title": title,
        "desc": "Scores from 0 to 100. " + "; ".join(described(d) for d in domains) + ".",
        "width": width,
        "height": round(height),
        "font_size": font,
        "tick_size": small,
        "tick_y": tick_y,
        "plot_left": plot_left,
        "plot_top": plot_top,
        "plot_bottom": plot_bottom,
        "label_x": label_width - 10,
        "bar_height": 14,
        "rows": rows,
        "ticks": ticks,
        "legend": legend,
        "colors": {"bar": BAR, "ink": INK, "muted": MUTED, "grid": GRID},
        "table": {
            "caption": title,
            "row_header": "Domain",
            "columns": ["Score"] + [legend_labels[kind] for kind in kinds],
            "rows": [
                {
                    "label": d["name"],
                    "cells": [_fmt(d.get("score"), "Insufficient evidence")]
                    + [_fmt(mark_value(d, kind)) for kind in kinds],
                }
                for d in domains
            ],
        },
    }
