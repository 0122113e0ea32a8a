"""The domain chart's laid-out text never overlaps: every text box (measured with the
advance widths of the embedded font, Source Sans Pro) stays clear of every other text box
and inside the chart, and no two reference marks of a row touch, with long labels and
values a hair apart."""

import itertools
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import charts

SVG = "{http://www.w3.org/2000/svg}"
FONTS = Path(settings.BASE_DIR) / "static/vendor/uswds/fonts/source-sans-pro"


@cache
def _font(bold: bool):
    font = TTFont(FONTS / f"sourcesanspro-{'bold' if bold else 'regular'}-webfont.woff2")
    return font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm, font["OS/2"]


def measured(text: str, size: float, *, bold: bool = False) -> float:
    cmap, hmtx, em, _ = _font(bold)
    return sum(hmtx[cmap.get(ord(c), ".notdef")][0] for c in text) * size / em


def _boxes(chart: dict) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, (left, top, right, bottom)) of every line of text the template draws."""
    svg = ET.fromstring(render_to_string("charts/domain_scores.html", {"chart": chart}).strip())  # noqa: S314
    default_size = float(svg.get("font-size"))
    boxes = []
    for text in svg.iter(f"{SVG}text"):
        size = float(text.get("font-size", default_size))
        bold = text.get("font-weight") == "bold"
        anchor = text.get("text-anchor", "start")
        lines = [(t, t.text) for t in text.findall(f"{SVG}tspan")] or [(text, text.text)]
        _, _, em, os2 = _font(bold)
        for element, content in lines:
            x, y = float(element.get("x", text.get("x"))), float(element.get("y", text.get("y")))
            width = measured(content, size, bold=bold)
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            top = y - os2.sTypoAscender * size / em
            bottom = y - os2.sTypoDescender * size / em
            boxes.append((content, (left, top, left + width, bottom)))
    return boxes, svg


def _intersect(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _assert_no_overlap(chart: dict) -> None:
    boxes, svg = _boxes(chart)
    width, height = chart["width"], chart["height"]
    for content, box in boxes:
        assert box[0] >= 0 and box[2] <= width, f"{content!r} runs off the side: {box}"
        assert box[1] >= 0 and box[3] <= height, f"{content!r} runs off the top or bottom"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not _intersect(box_a, box_b), f"{a!r} {box_a} overlaps {b!r} {box_b}"
    # Reference marks: no two shapes of one row touch, whatever their values.
    for row in chart["rows"]:
        shapes = []
        for mark in row["markers"]:
            if mark["kind"] == "state":
                ys = [float(p.split(",")[1]) for p in mark["points"].split()]
                shapes.append((mark["x"] - 5, min(ys), mark["x"] + 5, max(ys)))
            elif mark["kind"] == "locale":
                shapes.append((mark["x"] - 2.5, mark["y1"], mark["x"] + 2.5, mark["y2"]))
            else:
                shapes.append((mark["x"] - 5, mark["cy"] - 5, mark["x"] + 5, mark["cy"] + 5))
        for a, b in itertools.combinations(shapes, 2):
            assert not _intersect(a, b), (row["full_label"], a, b)


LONG = [
    "Competency-based structure and policies for advancement upon demonstrated mastery",
    "Blended-learning capacity",
    "Equity, quality and the WWW of MMMM (a label of wide letters)",
    "Student agency",
]


def _chart(domains, locale="Suburb", previous="2025-26", **kwargs):
    return charts.domain_score_chart(
        lea_name="Belwick School District",
        cycle_name="2026-27",
        locale_label=locale,
        previous_cycle=previous,
        domains=domains,
        **kwargs,
    )


def test_close_values_and_long_labels_do_not_overlap():
    domains = [
        {
            "name": name,
            "score": 57.0 + i * 0.1,
            "state_median": 57.0,
            "locale_median": 57.05,
            "previous": 57.1,
        }
        for i, name in enumerate(LONG)
    ]
    chart = _chart(domains, locale="Distant rural area with a long locale name")
    _assert_no_overlap(chart)
    # The long label wraps (and is cut with the full name kept in a title).
    assert len(chart["rows"][0]["lines"]) == 2
    assert chart["rows"][0]["full_label"] == LONG[0]


def test_the_legend_keeps_clear_of_the_previous_cycle_label_on_a_narrow_chart():
    domains = [
        {
            "name": "Equity and quality",
            "score": 99.9,
            "state_median": 100.0,
            "locale_median": 0.0,
            "previous": 100.0,
        }
    ]
    for width in (360, 480, 620):
        chart = _chart(domains, locale="Suburb", width=width, label_width=120)
        _assert_no_overlap(chart)
        labels = [item["label"] for item in chart["legend"]]
        assert labels == ["State median", "Median of suburb LEAs", "2025-26"]


def test_insufficient_evidence_and_missing_marks_do_not_overlap():
    domains = [
        {
            "name": LONG[0],
            "score": None,
            "state_median": 0.0,
            "locale_median": None,
            "previous": None,
        },
        {
            "name": LONG[1],
            "score": 0.0,
            "state_median": None,
            "locale_median": 100.0,
            "previous": 100.0,
        },
    ]
    chart = _chart(domains, previous=None)
    _assert_no_overlap(chart)
    assert chart["rows"][0]["value_text"] == "Insufficient evidence"


@hsettings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyzMW -,", min_size=1, max_size=90).filter(
                str.strip
            ),
            *[st.one_of(st.none(), st.floats(0, 100)) for _ in range(4)],
        ),
        min_size=1,
        max_size=8,
    )
)
def test_no_labels_overlap_for_any_labels_and_values(rows):
    domains = [
        {"name": name, "score": s, "state_median": m, "locale_median": lm, "previous": p}
        for name, s, m, lm, p in rows
    ]
    _assert_no_overlap(_chart(domains))


@pytest.mark.parametrize("text", ["Median of suburb LEAs", "WWW MMM", "2025-26", "100.0"])
def test_the_width_estimate_is_never_smaller_than_the_font(text):
    assert charts.text_width(text, 12) >= measured(text, 12)
    assert charts.text_width(text, 12, bold=True) >= measured(text, 12, bold=True)
