"""Chart labels never overlap: the text boxes of a rendered chart, worked out from the
SVG's positions and font sizes (widths estimated with charts.CHAR_WIDTH, heights from the
font size), do not intersect, stay inside the chart, and are at least 12 px."""

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

import charts
from charts import palette

SVG = "{http://www.w3.org/2000/svg}"
GAP_ORDER = ("opened", "available", "blocked")
LONG = [
    "Pilots, waivers and planning grants for competency-based learning",
    "Assessment flexibility and alternatives to seat time for course credit",
    "Educator preparation, licensure and professional learning",
    "Funding formula",
    "A",
]


def text_boxes(
    html: str,
) -> tuple[list[tuple[str, tuple[float, float, float, float]]], float, float]:
    svg = ET.fromstring(html.strip())  # noqa: S314 - our own template's output
    root_size = float(svg.get("font-size"))
    boxes = []
    for text in svg.iter(f"{SVG}text"):
        title = text.find(f"{SVG}title")
        content = (text.text or "") + (title.tail or "" if title is not None else "")
        content = content.strip()
        if not content:
            continue
        size = float(text.get("font-size", root_size))
        bold = text.get("font-weight") == "bold"
        width = charts.text_width(content, size, bold=bold)
        x, y = float(text.get("x")), float(text.get("y"))
        anchor = text.get("text-anchor", "start")
        left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        # ascent about 0.8 of the size above the baseline, descent 0.2 below
        boxes.append((content, (left, y - 0.8 * size, left + width, y + 0.2 * size), size))
    return boxes, float(svg.get("width")), float(svg.get("height"))


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_laid_out(html: str) -> None:
    boxes, width, height = text_boxes(html)
    assert boxes
    for content, box, size in boxes:
        assert size >= 12, content
        assert box[0] >= -0.5 and box[2] <= width + 0.5, (content, box, width)
        assert box[1] >= -0.5 and box[3] <= height + 0.5, (content, box, height)
    for i, (first, a, _) in enumerate(boxes):
        for second, b, _ in boxes[i + 1 :]:
            assert not overlaps(a, b), f"{first!r} {a} overlaps {second!r} {b}"


@pytest.mark.parametrize("width", [620, 920])
def test_bar_chart_labels_with_long_names_and_close_values_do_not_overlap(width):
    chart = charts.bar_chart(
        chart_id="b",
        title="Long names",
        rows=[
            {
                "label": label,
                "value": 50.0 + i * 0.1,
                "markers": {"state": 50.1, "locale": 50.2, "previous": 49.9},
            }
            for i, label in enumerate(LONG)
        ]
        + [{"label": "No score yet for this long-named domain", "value": None}],
        markers=[
            ("state", "State median"),
            ("locale", "Median of suburb LEAs"),
            ("previous", "2025-26"),
        ],
        width=width,
    )
    assert_laid_out(render_to_string("charts/bar.html", {"chart": chart}))


def test_a_cut_bar_label_keeps_its_full_name_in_a_title_and_the_table():
    name = " ".join(["Very long lever name"] * 6)
    chart = charts.bar_chart(chart_id="b", title="t", rows=[{"label": name, "value": 3.0}])
    html = render_to_string("charts/bar.html", {"chart": chart})
    assert f"<title>{name}</title>" in html
    assert chart["table"]["rows"][0]["label"] == name


def test_count_bars_with_close_values_do_not_overlap():
    chart = charts.bar_chart(
        chart_id="c",
        title="Counts",
        rows=[{"label": label, "value": 1000 + i} for i, label in enumerate(LONG)],
        maximum=charts.nice_maximum(1004),
        value_format=charts.count_text,
        width=920,
    )
    assert_laid_out(render_to_string("charts/bar.html", {"chart": chart}))


@pytest.mark.parametrize("width", [620, 920])
@pytest.mark.parametrize(
    "counts",
    [[10, 11, 12, 13], [1, 1, 1, 1], [997, 1, 1, 1], [0, 0, 0, 0], [250, 250, 250, 251]],
)
def test_stacked_bar_labels_with_long_names_and_close_values_do_not_overlap(width, counts):
    chart = charts.stacked_bar(
        chart_id="s",
        title="Levers",
        series=["No related gap", "Opened", "Available to join", "Blocked"],
        rows=[{"label": label, "counts": counts} for label in LONG],
        width=width,
        swatches=[
            palette.NO_GAP,
            *(palette.GAP_KINDS[k] for k in ("opened", "available", "blocked")),
        ],
    )
    html = render_to_string("charts/stacked_bar.html", {"chart": chart})
    assert_laid_out(html)


def test_stacked_bar_numbers_fit_inside_their_segments():
    chart = charts.stacked_bar(
        chart_id="s",
        title="t",
        series=["a", "b", "c"],
        rows=[{"label": "Row", "counts": [1000, 20, 3]}],
    )
    for segment in chart["rows"][0]["segments"]:
        if segment["text"]:
            assert charts.text_width(segment["text"], 14, bold=True) <= segment["width"]


def test_stacked_bar_segments_carry_their_swatch_pattern():
    chart = charts.stacked_bar(
        chart_id="s",
        title="t",
        series=["Opened", "Blocked"],
        rows=[{"label": "Row", "counts": [5, 5]}],
        swatches=[palette.GAP_KINDS["opened"], palette.GAP_KINDS["blocked"]],
    )
    html = render_to_string("charts/stacked_bar.html", {"chart": chart})
    opened, blocked = chart["rows"][0]["segments"]
    assert opened["pattern"] != blocked["pattern"]
    assert f'id="s-p-{blocked["pattern"]}"' in html
    assert f'fill="url(#s-p-{blocked["pattern"]})"' in html
