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
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from . import palette
from .palette import BAR, GRID, INK, MUTED, Swatch

NO_DATA = "#f0f0f0"

# Sequential blues for the heatmap's four score bands (light to dark), with the text
# colour that reads on each.
BAND_FILLS = ("#d9e8f6", "#97c6eb", "#2378c3", "#0b4778")
BAND_TEXT = (INK, INK, "#ffffff", "#ffffff")

# Text on pages is at least 12 px; labels, values and legends use FONT_SIZE.
FONT_SIZE = 14
SMALL_FONT_SIZE = 12
# Where a label is cut to a number of characters, a character is taken to be about this
# share of the font size wide; widths that lay text out come from `text_width` below,
# which reads the advances of the font the pages and PDFs use.
CHAR_WIDTH = 0.6
BOLD_CHAR_WIDTH = 0.66


def wrap_label(
    text: str, width: float, size: float, max_lines: int = 2, *, bold: bool = False
) -> tuple[list[str], bool]:
    """`text` broken at spaces into lines at most `width` wide, at most `max_lines` of
    them; the last is cut with an ellipsis if the text does not fit. Returns the lines
    and whether it was cut (then the chart gives the full text in a <title>)."""
    limit = max(4, int(width // (size * (BOLD_CHAR_WIDTH if bold else CHAR_WIDTH))))
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
    if current:
        lines.append(current)
    lines = [line if len(line) <= limit else _clip(line, limit) for line in lines] or [""]
    cut = len(lines) > max_lines or any(line.endswith("…") for line in lines)
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        kept[-1] = _clip(kept[-1] + " " + lines[max_lines], limit)
        if not kept[-1].endswith("…"):
            kept[-1] = _clip(kept[-1] + " …", limit)
        lines = kept
    return lines, cut


def _flow_legend(
    items: Sequence[dict], *, width: float, top: float, size: float, key_width: float = 16
) -> tuple[list[dict], float]:
    """Place legend items left to right, starting a new line when the next would not fit;
    each item gets x, y (its text baseline). Returns the items and the legend's height."""
    line_height = size + 10
    x, line = 0.0, 0
    placed = []
    for item in items:
        item_width = key_width + 6 + text_width(item["label"], size)
        if x and x + item_width > width:
            x, line = 0.0, line + 1
        placed.append({**item, "x": round(x, 1), "y": round(top + line * line_height + size, 1)})
        x += item_width + 24
    return placed, (line + 1) * line_height if items else 0


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
    font_size: int = FONT_SIZE,
    row_header: str = "Domain",
    swatches: Sequence[Swatch] = (),
) -> dict:
    """Horizontal bars for values 0..maximum (scores by default), with optional reference
    markers per row.

    `rows`: [{"label": str, "value": float | None, "markers": {kind: value | None}}].
    `markers`: [(kind, legend label)] in legend order, kinds from MARKERS.
    A row without a value shows `missing_label` instead of a bar (never a zero bar).
    `value_format` prints a value (`count_text` for counts); `scale_desc` opens the
    description read by screen readers (by default "Scores from 0 to <maximum>.").
    Labels wrap onto two lines within `label_width`; a longer one is cut with an
    ellipsis and keeps its full text in a <title> and in the data table. `swatches`
    colours the bars row by row (a palette family, e.g. stages), else every bar is BAR.
    """

    def fmt(value: float | None, missing: str = "—") -> str:
        return missing if value is None else value_format(value)

    size = font_size
    line_height = round(size * 1.25, 1)
    bar_height = max(16, size + 4)
    top = SMALL_FONT_SIZE + 12  # room for the tick labels
    value_width = max([text_width(fmt(r.get("value"), ""), size, bold=True) for r in rows] + [24.0])
    # Values are printed in a column right of the plot, clear of bars and markers.
    plot_left = label_width
    plot_width = width - label_width - value_width - 28
    scale = plot_width / maximum
    drawn = []
    y = top
    for i, row in enumerate(rows):
        lines, cut = wrap_label(row["label"], label_width - 10, size)
        row_height = max(bar_height + 16, len(lines) * line_height + 10)
        value = row.get("value")
        bar_y = y + (row_height - bar_height) / 2
        middle = bar_y + bar_height / 2
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
                    "y1": round(bar_y - 4, 1),
                    "y2": round(bar_y + bar_height + 4, 1),
                    "cy": round(middle, 1),
                    # diamond corners
                    "points": f"{x:.1f},{middle - 8:.1f} {x + 5:.1f},{middle:.1f} "
                    f"{x:.1f},{middle + 8:.1f} {x - 5:.1f},{middle:.1f}",
                    "text": f"{label}: {fmt(mark_value)}",
                }
            )
        first_baseline = middle - (len(lines) - 1) * line_height / 2 + size * 0.35
        swatch = swatches[i % len(swatches)] if swatches else None
        drawn.append(
            {
                "label": " ".join(lines),
                "lines": [
                    {"text": text, "y": round(first_baseline + k * line_height, 1)}
                    for k, text in enumerate(lines)
                ],
                "cut": cut,
                "full_label": row["label"],
                "label_y": round(middle + size * 0.35, 1),
                "bar_y": round(bar_y, 1),
                "bar_width": round((value or 0) * scale, 1),
                "bar_fill": swatch.fill if swatch else BAR,
                "pattern": _pattern_key(swatch) if swatch else "",
                "value": value,
                "value_text": fmt(value, missing_label),
                "value_x": round(
                    plot_left + plot_width + 14 if value is not None else plot_left + 8
                ),
                "markers": marks,
            }
        )
        y += row_height
    plot_bottom = y
    ticks = [
        {"x": round(plot_left + t * scale, 1), "label": f"{t:g}"}
        for t in range(0, int(maximum) + 1, int(maximum) // 4 or 1)
    ]
    legend, legend_height = _flow_legend(
        [{"kind": kind, "label": label, "fill": MARKERS[kind][0]} for kind, label in markers],
        width=width,
        top=plot_bottom + 12,
        size=size,
    )
    height = plot_bottom + (legend_height + 16 if legend else 8)
    described = "; ".join(
        f"{r['label']}: {fmt(r.get('value'), missing_label.lower())}"
        + "".join(
            f", {label.lower()} {fmt((r.get('markers') or {}).get(kind))}"
            for kind, label in markers
            if (r.get("markers") or {}).get(kind) is not None
        )
        for r in rows
    )
    columns = ["Score" if value_format is score_text else "Number"]
    columns += [label for _, label in markers]
    return {
        "id": chart_id,
        "title": title,
        "desc": f"{scale_desc or f'Scores from 0 to {maximum:g}.'} {described}.",
        "width": width,
        "height": round(height),
        "font_size": size,
        "tick_size": max(SMALL_FONT_SIZE, size - 2),
        "plot_left": plot_left,
        "plot_top": top - 4,
        "plot_bottom": plot_bottom,
        "bar_height": bar_height,
        "rows": drawn,
        "ticks": ticks,
        "legend": legend,
        "patterns": _patterns_used(swatches),
        "colors": {"bar": BAR, "ink": INK, "muted": MUTED, "grid": GRID},
        "table": {
            "caption": title,
            "row_header": row_header,
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


def _patterns_used(swatches: Sequence[Swatch]) -> list[dict]:
    """The <pattern> definitions a chart needs: one per (pattern, stroke colour)."""
    seen: dict[str, dict] = {}
    for swatch in swatches:
        if swatch.pattern:
            key = f"{swatch.pattern}-{swatch.text.lstrip('#')}"
            seen[key] = {"key": key, "kind": swatch.pattern, "stroke": swatch.text}
    return list(seen.values())


def _pattern_key(swatch: Swatch) -> str:
    return f"{swatch.pattern}-{swatch.text.lstrip('#')}" if swatch.pattern else ""


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


@lru_cache(maxsize=512)  # a few dozen colours, asked for once per heatmap cell
def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(fill: str) -> str:
    """Dark ink or white, whichever reads better on `fill`: the text colour follows the
    fill, so a change of palette can never leave light text on a light cell."""
    return max((INK, "#ffffff"), key=lambda ink: contrast_ratio(ink, fill))


# The font the PDFs embed; its advance widths let labels be wrapped before layout.
_FONT_DIR = Path(__file__).resolve().parent.parent / "static/vendor/uswds/fonts/source-sans-pro"


@cache
def _advances(bold: bool) -> tuple[dict[int, int], int, float]:
    from fontTools.ttLib import TTFont

    name = "sourcesanspro-bold-webfont.woff2" if bold else "sourcesanspro-regular-webfont.woff2"
    font = TTFont(_FONT_DIR / name)
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
    return widths, max(widths.values()), font["head"].unitsPerEm


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width of `text` set in Source Sans Pro at `size` (same unit as the result)."""
    widths, widest, per_em = _advances(bold)
    return sum(widths.get(ord(ch), widest) for ch in text) * size / per_em


def text_start(
    text: str, x: float, size: float, *, anchor: str, bold: bool = False, for_pdf: bool = False
) -> tuple[float, str]:
    """Where a text centred on (anchor "middle") or ending at (anchor "end") `x` is drawn,
    as (x, text-anchor). On pages the browser aligns it; in a PDF the text starts where its
    measured width puts it, with the start anchor: WeasyPrint draws every text with another
    anchor into a group of its own, measured after drawing (a PDF object each)."""
    if not for_pdf or anchor == "start":
        return round(x, 1), anchor
    width = text_width(text, size, bold=bold)
    return round(x - (width / 2 if anchor == "middle" else width), 1), "start"


def _cell_paths(cells: Sequence[dict], width: float) -> list[dict]:
    """One path per fill for a grid's cells ({"x", "y", "height", "fill"} each), in order
    of first use: a few drawing operations instead of one per cell."""
    paths: dict[str, list[str]] = {}
    for cell in cells:
        paths.setdefault(cell["fill"], []).append(
            f"M{cell['x']:g} {cell['y']:g}h{width:g}v{cell['height']:g}h{-width:g}z"
        )
    return [{"fill": fill, "d": "".join(parts)} for fill, parts in paths.items()]


def wrap_text(text: str, width: float, size: float, *, max_lines: int = 2) -> list[str]:
    """`text` broken at spaces into lines no wider than `width`; past `max_lines` the last
    line is shortened with an ellipsis (the full text stays in the data table)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    last = lines[-1] if lines else ""
    while last and text_width(last, size) > width:
        last = last[:-2].rstrip() + "…"
    return [*lines[:-1], last] if lines else [""]


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
    font_size: float = 10,
    wrap_labels: bool = False,
    legend_title: str = "",
    column_headings: bool = True,
    labels: bool = True,
    for_pdf: bool = False,
    line_height: float | None = None,
) -> dict:
    """A grid of rows x columns, each cell shaded by its band and showing its value.
    `rows`: [{"label": str, "values": [value | None, ...]}], or {"heading": str} for a
    full-width band that opens a group of rows (a locale, say).

    By default the values are scores: `thresholds`/`band_labels` are the bands' lower
    bounds and names (at most four), and a cell prints its score or "n/a". A grid of
    categories passes `band_of` (value -> band index, None for no band) and `value_text`
    (value -> printed text) instead, with its own `missing_label` and `desc`.

    Labels are clipped at `label_limit` characters, or with `wrap_labels` set in full on up
    to two lines measured in the report font (a two-line row is taller). Each cell's text
    colour is the one with the higher contrast on its fill.

    `labels=False` leaves the label column out of the drawing (the rows keep their `lines`
    and `height`, for a page that sets the labels as text beside it); `line_height` spaces
    a wrapped label's lines (1.25 x the font size by default). `for_pdf` places
    centred texts by their measured width (`text_start`) and draws the cells as one path
    per fill (`paths`) instead of a rect each."""
    if band_of is None:

        def band_of(value):
            return score_band(value, thresholds)

    if value_text is None:

        def value_text(value):
            return _fmt(value, "n/a")

    header = round(font_size * 2.6) if columns and column_headings else 0
    line_height = line_height or round(font_size * 1.25, 1)
    cells_left = label_width if labels else 0
    width = cells_left + len(columns) * cell_width
    drawn = []
    y = float(header)
    for row in rows:
        if "heading" in row:
            height = row_height + 4
            drawn.append(
                {
                    "heading": row["heading"],
                    "y": round(y, 1),
                    "height": height,
                    "text_y": round(y + height / 2 + font_size * 0.35, 1),
                }
            )
            y += height
            continue
        if wrap_labels:
            lines = wrap_text(row["label"], label_width - 8, font_size)
        else:
            lines = [_clip(row["label"], label_limit)]
        height = row_height + (len(lines) - 1) * line_height
        middle = y + height / 2 + font_size * 0.35
        cells = []
        for j, value in enumerate(row["values"]):
            band = band_of(value)
            fill = NO_DATA if band is None else BAND_FILLS[band]
            text = value_text(value)
            text_x, anchor = text_start(
                text,
                cells_left + j * cell_width + cell_width / 2,
                font_size,
                anchor="middle",
                for_pdf=for_pdf,
            )
            cells.append(
                {
                    "x": cells_left + j * cell_width,
                    "y": round(y, 1),
                    "height": height,
                    "text_x": text_x,
                    "anchor": anchor,
                    "fill": fill,
                    "text_fill": text_colour_on(fill),
                    "text": text,
                }
            )
        first_line = middle - (len(lines) - 1) * line_height / 2
        drawn.append(
            {
                "label": lines[0],
                "lines": [
                    {"text": text, "y": round(first_line + k * line_height, 1)}
                    for k, text in enumerate(lines)
                ],
                "full_label": row["label"],
                "y": round(y, 1),
                "height": height,
                "text_y": round(middle, 1),
                "cells": cells,
            }
        )
        y += height
    key_width = max(
        120, round(max(text_width(b, font_size) for b in [*band_labels, missing_label]) + 34)
    )
    legend_left = round(text_width(legend_title, font_size, bold=True) + 12) if legend_title else 0
    if legend:
        width = max(width, legend_left + (len(band_labels) + 1) * key_width)
    legend_y = round(y + (10 if rows else 4), 1)
    keys = [
        {"x": legend_left + i * key_width, "fill": BAND_FILLS[i], "label": label}
        for i, label in enumerate(band_labels)
    ] + [{"x": legend_left + len(band_labels) * key_width, "fill": NO_DATA, "label": missing_label}]
    data_rows = [r for r in rows if "heading" not in r]
    column_heads = []
    for j, label in enumerate(columns if header else []):
        x, anchor = text_start(
            label,
            cells_left + j * cell_width + cell_width / 2,
            font_size,
            anchor="middle",
            bold=True,
            for_pdf=for_pdf,
        )
        column_heads.append({"label": label, "x": x, "anchor": anchor})
    return {
        "id": chart_id,
        "title": title,
        "desc": desc
        or (
            f"{len(data_rows)} rows by {len(columns)} columns ({', '.join(columns)}); each cell "
            "shows the score and is shaded by band: "
            + ", ".join(
                f"{label} from {low:g}" for label, low in zip(band_labels, thresholds, strict=False)
            )
            + "."
        ),
        "width": width,
        "height": round(legend_y + 22 if legend else y + 2, 1),
        "font_size": font_size,
        "row_height": row_height,
        "cell_width": cell_width,
        "header_y": round(header - font_size * 0.8, 1),
        "columns": column_heads,
        "rows": drawn,
        "labels": labels,
        "paths": _cell_paths([c for r in drawn for c in r.get("cells", ())], cell_width)
        if for_pdf
        else [],
        "legend": keys if legend else [],
        "legend_title": legend_title,
        "legend_y": legend_y,
        "legend_text_y": round(legend_y + 6 + font_size * 0.35, 1),
        "colors": {"ink": INK, "muted": MUTED, "grid": GRID, "band": "#f0f0f0"},
        "table": {
            "caption": title,
            "row_header": row_header,
            "columns": list(columns),
            "rows": [
                {"label": r["label"], "cells": [value_text(v) for v in r["values"]]}
                for r in data_rows
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
    font_size: int = FONT_SIZE,
    swatches: Sequence[Swatch] | None = None,
    for_pdf: bool = False,
) -> dict:
    """Horizontal 100% stacked bars of counts. `series`: the segment names in order;
    `rows`: [{"label": str, "counts": [int, ...]}] with one count per series;
    `swatches`: one palette swatch per series (by default `palette.SERIES`).

    Each row's label sits on its own line(s) above its bar, so the bar has the chart's
    whole width and a long label wraps instead of being cut. A segment prints its count
    only where the number fits inside it; every count is in the data table. `for_pdf`
    places the centred counts by their measured width (`text_start`)."""
    colours = list(swatches or palette.SERIES)
    size = font_size
    line_height = round(size * 1.25, 1)
    bar_height = size + 12
    total_width = max([text_width(f"{sum(r['counts']):,}", size) for r in rows] + [20.0]) + 12
    plot_width = width - total_width
    drawn = []
    y = 4.0
    for row in rows:
        lines, cut = wrap_label(row["label"], width, size, bold=True)
        label_lines = [
            {"text": text, "y": round(y + size + k * line_height, 1)}
            for k, text in enumerate(lines)
        ]
        bar_y = y + len(lines) * line_height + 6
        total = sum(row["counts"])
        x = 0.0
        segments = []
        for k, count in enumerate(row["counts"]):
            swatch = colours[k % len(colours)]
            share = count / total if total else 0
            seg_width = share * plot_width
            text = f"{count:,}"
            # only label a segment wide enough to hold its number
            shown = text if seg_width >= text_width(text, size, bold=True) + 8 else ""
            text_x, anchor = text_start(
                shown, x + seg_width / 2, size, anchor="middle", bold=True, for_pdf=for_pdf
            )
            segments.append(
                {
                    "x": round(x, 1),
                    "width": round(seg_width, 1),
                    "fill": swatch.fill,
                    "pattern": _pattern_key(swatch),
                    "text_fill": swatch.text,
                    "text_x": text_x,
                    "anchor": anchor,
                    "text": shown,
                    "title": f"{series[k]}: {count:,}",
                }
            )
            x += seg_width
        drawn.append(
            {
                "label": " ".join(lines),
                "lines": label_lines,
                "cut": cut,
                "full_label": row["label"],
                "y": round(bar_y, 1),
                "text_y": round(bar_y + bar_height / 2 + size * 0.35, 1),
                "total": total,
                "total_text": f"{total:,}",
                "total_x": round(plot_width + 8, 1),
                "segments": segments,
            }
        )
        y = bar_y + bar_height + 12
    legend, legend_height = _flow_legend(
        [
            {
                "fill": colours[k % len(colours)].fill,
                "pattern": _pattern_key(colours[k % len(colours)]),
                "label": name,
            }
            for k, name in enumerate(series)
        ],
        width=width,
        top=y,
        size=size,
        key_width=size + 2,
    )
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
        "height": round(y + legend_height + 4),
        "font_size": size,
        "bar_height": bar_height,
        "key_size": size + 2,
        "rows": drawn,
        "legend": legend,
        "patterns": _patterns_used(colours[: len(series)]),
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
    for_pdf: bool = False,
) -> dict:
    """The LEA's domain scores with the state and locale medians and the previous cycle:
    one chart for the results page and the PDF alike (templates/charts/domain_scores.html).

    `domains`: [{"name", "score", "state_median", "locale_median", "previous"}].
    Every text's box is computed here (labels wrap to two lines, the legend wraps to as
    many lines as it needs), so no label can run into another or off the chart.
    `for_pdf` starts the right-aligned labels and the centred ticks at their measured
    places (`text_start`).
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
        lines = wrap_text(d["name"], label_width - 10, font)
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
        label_lines = []
        for k, line in enumerate(lines):
            line_x, label_anchor = text_start(
                line, label_width - 10, font, anchor="end", for_pdf=for_pdf
            )
            label_lines.append({"text": line, "x": line_x, "y": first + k * 14})
        rows.append(
            {
                "full_label": d["name"],
                "lines": label_lines,
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
    ticks = []
    for t in range(0, 101, 25):
        tick_x, tick_anchor = text_start(
            str(t), plot_left + t * scale, small, anchor="middle", for_pdf=for_pdf
        )
        ticks.append({"x": round(plot_left + t * scale, 1), "text_x": tick_x, "label": str(t)})
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
        "label_anchor": "start" if for_pdf else "end",
        "tick_anchor": "start" if for_pdf else "middle",
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
