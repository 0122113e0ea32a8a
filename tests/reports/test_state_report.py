"""The statewide PDF read as a task force member reads it: names instead of codes, no
half-empty pages, a heatmap legible on paper, a plain notice when figures are not final.

Measured from the rendered output (pdftotext, the SVG the builders return), not by eye."""

import base64
import datetime
import re
import subprocess
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from django.db.models import F
from django.template.loader import render_to_string

import charts
from assessments.models import Assessment
from directory.models import LEA, Locale
from frameworks.models import Indicator
from reports.rendering import html_to_pdf, state_grid_chart, state_grid_group, state_report_pdf
from reports.selectors import state_report_context
from tests.factories import LEAFactory

PREPARED = datetime.date(2026, 11, 2)
SVG = "{http://www.w3.org/2000/svg}"
# Letter page in PDF points, and the text block inside report.css's page margins.
PAGE_TOP, PAGE_BOTTOM = 0.8 * 72, 11 * 72 - 0.7 * 72
# Every page but the last must fill at least this share of its text block's height.
MIN_PAGE_SHARE = 0.6
# The widest an SVG may be drawn in the PDF's text block (7.1 in at 96 px to the inch)
# before WeasyPrint scales it down, which would shrink its text.
TEXT_BLOCK_PX = 7.1 * 96
LONG_NAME = "Saint Bartholomew-Montgomery Consolidated Regional Independent School District No."


def _pdftotext(content: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _word_boxes(content: bytes, tmp_path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, every word's box (x0, y0, x1, y1, text) as laid out."""
    pages = _pdftotext(content, tmp_path, "-bbox").split("<page ")[1:]
    word = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    )
    return [
        [(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in word.findall(p)]
        for p in pages
    ]


def _state_with_many_leas(world, count: int) -> None:
    """Add `count` assessed LEAs (long names, every locale) to the test state."""
    state, cycle = world["state"], world["cycle"]
    template = Assessment.objects.filter(cycle=cycle).first()
    locales = [Locale.CITY, Locale.SUBURB, Locale.TOWN, Locale.RURAL]
    leas = LEA.objects.bulk_create(
        LEAFactory.build(
            state=state,
            locale=locales[i % len(locales)],
            name=f"{LONG_NAME} {i:03d}" if i % 5 == 0 else f"Brook Hollow Schools {i:03d}",
        )
        for i in range(count)
    )
    Assessment.objects.bulk_create(
        Assessment(
            lea=lea,
            cycle=cycle,
            scores=template.scores,
            overall_score=template.overall_score,
            stage=template.stage,
            status=Assessment.Status.DRAFT if i % 3 else Assessment.Status.ACCEPTED,
        )
        for i, lea in enumerate(leas)
    )


def _report(world):
    context = state_report_context(state=world["state"], cycle=world["cycle"])
    return context, state_report_pdf(context=context, prepared_on=PREPARED)


@pytest.fixture
def big_report(report_world):
    _state_with_many_leas(report_world, 150)
    return _report(report_world)


def test_no_indicator_code_appears_without_its_name(report_world, framework, tmp_path):
    _, pdf = _report(report_world)
    lines = _pdftotext(pdf.content, tmp_path, "-layout").splitlines()
    indicators = dict(Indicator.objects.filter(framework=framework).values_list("code", "title"))
    text = " ".join(lines)
    assert any(title in text for title in indicators.values())  # gaps are listed by name
    for line in lines:
        for code in re.findall(r"\b[A-Z]{2,3}-\d{2}\b", line):
            if code in indicators:
                assert indicators[code][:20] in line, f"{code} without its name: {line!r}"


def test_no_page_but_the_last_is_mostly_blank(big_report, tmp_path):
    _, pdf = big_report
    pages = _word_boxes(pdf.content, tmp_path)
    assert len(pages) == pdf.pages >= 6
    for number, words in enumerate(pages[:-1], start=1):
        body = [w for w in words if w[1] >= PAGE_TOP and w[3] <= PAGE_BOTTOM]
        share = (max(w[3] for w in body) - PAGE_TOP) / (PAGE_BOTTOM - PAGE_TOP)
        assert share >= MIN_PAGE_SHARE, f"page {number} is only {share:.0%} full"


def test_every_lea_is_in_the_grid_once_by_its_full_name(big_report, tmp_path):
    context, pdf = big_report
    text = " ".join(_pdftotext(pdf.content, tmp_path).split())
    assert f"{LONG_NAME} 145" in text  # long names wrap, never cut
    assert text.count("Brook Hollow Schools 149") == 1
    # Each locale's heading repeats on every page its grid runs onto.
    assert text.count("City: 40 LEAs") + text.count("City: 41 LEAs") >= 2


def test_the_cover_says_when_assessments_are_not_all_accepted(report_world, tmp_path):
    _, pdf = _report(report_world)
    first = _pdftotext(pdf.content, tmp_path, "-l", "1")
    assert "Not final" in " ".join(first.split())
    # As every review does (assessments.services), the status moves with a new version,
    # which is what tells the cycle's summary it is out of date.
    Assessment.objects.filter(cycle=report_world["cycle"]).update(
        status=Assessment.Status.ACCEPTED, version=F("version") + 1
    )
    _, pdf = _report(report_world)
    assert "Not final" not in _pdftotext(pdf.content, tmp_path)


def test_the_state_tier_and_the_lea_stages_are_named_apart(report_world, tmp_path):
    _, pdf = _report(report_world)
    first = " ".join(_pdftotext(pdf.content, tmp_path, "-l", "1").split()).lower()
    assert "the state · policy tier" in first
    assert "the leas · readiness stage" in first


def _grid(rows, columns=("Blended", "Structure", "Equity", "Overall")):
    chart = state_grid_chart(
        chart_id="g",
        title="Grid",
        columns=list(columns),
        rows=rows,
        thresholds=[0, 35, 60, 80],
        band_labels=["Laying foundations", "Early practice", "Spreading practice", "Sustained"],
    )
    return chart, render_to_string("charts/heatmap.html", {"chart": chart}).strip()


GRID_ROWS = [
    {"heading": "City: 13 LEAs"},
    *(
        {"label": f"{LONG_NAME} {i}", "values": [i * 9.7 % 100, None, 35.0, 79.9]}
        for i in range(12)
    ),
    {"label": "Ash SD", "values": [0.0, 100.0, 60.0, None]},
]


def _path_rects(d: str) -> list[tuple[float, float, float, float]]:
    """The rectangles (x0, y0, x1, y1) of a path written as charts._cell_paths writes it."""
    rects = []
    for x, y, w, h in re.findall(r"M([\d.-]+) ([\d.-]+)h([\d.-]+)v([\d.-]+)h[\d.-]+z", d):
        x, y, w, h = float(x), float(y), float(w), float(h)
        rects.append((x, y, x + w, y + h))
    return rects


def test_the_grid_text_is_at_least_8_pt_with_aa_contrast_on_every_cell():
    _, markup = _grid(GRID_ROWS)
    svg = ET.fromstring(markup)  # noqa: S314 (our own template)
    width = float(svg.get("width"))
    assert width <= TEXT_BLOCK_PX  # drawn at its own size, never scaled down
    assert float(svg.get("viewBox").split()[2]) == width
    points = float(svg.get("font-size")) * 0.75  # 1 px is 0.75 pt
    assert points >= 8
    shapes = list(svg.find(f"{SVG}g"))
    fills = [
        (rect, path.get("fill"))
        for path in shapes
        if path.tag == f"{SVG}path"
        for rect in _path_rects(path.get("d"))
    ] + [
        (
            (
                float(r.get("x")),
                float(r.get("y")),
                float(r.get("x")) + float(r.get("width")),
                float(r.get("y")) + float(r.get("height")),
            ),
            r.get("fill"),
        )
        for r in shapes
        if r.tag == f"{SVG}rect"
    ]
    checked = 0
    for text in (shape for shape in shapes if shape.tag == f"{SVG}text"):
        x, y = float(text.get("x")), float(text.get("y"))
        under = [fill for (x0, y0, x1, y1), fill in fills if x0 <= x < x1 and y0 < y <= y1]
        assert len(under) <= 1, (text.text, under)
        background = under[0] if under else "#ffffff"  # the column headings
        ratio = charts.contrast_ratio(text.get("fill"), background)
        assert ratio >= 4.5, (text.text, background, text.get("fill"), ratio)
        assert text.get("font-size") is None  # inherits the checked size
        checked += bool(under)
    assert checked == 13 * 4 + 1  # every cell and the locale band


def test_the_grid_draws_one_path_per_colour_and_no_text_with_another_anchor():
    chart, markup = _grid(GRID_ROWS)
    svg = ET.fromstring(markup)  # noqa: S314 (our own template)
    paths = list(svg.iter(f"{SVG}path"))
    used = {cell["fill"] for row in chart["rows"] for cell in row.get("cells", ())}
    assert sorted(path.get("fill") for path in paths) == sorted(used)
    assert sum(len(_path_rects(path.get("d"))) for path in paths) == 13 * 4
    assert not [rect for rect in svg.iter(f"{SVG}rect") if rect.get("height") == "15"]
    assert {text.get("text-anchor", "start") for text in svg.iter(f"{SVG}text")} == {"start"}


def test_grid_cell_numbers_are_centred_by_their_measured_width():
    chart, _ = _grid([{"label": "Ash SD", "values": [5.0, None, 100.0, 62.5]}])
    for j, cell in enumerate(chart["rows"][0]["cells"]):
        centre = cell["x"] + chart["cell_width"] / 2
        drawn = charts.text_width(cell["text"], chart["font_size"])
        assert cell["anchor"] == "start"
        assert abs(cell["text_x"] + drawn / 2 - centre) <= 0.1, (j, cell)


def _grid_page(rows) -> str:
    group = state_grid_group(
        index=0,
        label="City",
        rows=rows,
        columns=["Blended", "Structure", "Equity", "Overall"],
        thresholds=[0, 35, 60, 80],
        band_labels=["Laying foundations", "Early practice", "Spreading practice", "Sustained"],
    )
    body = render_to_string("reports/pdf/grid_group.html", {"group": group})
    return f'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>{body}</body></html>'


def test_lea_names_in_the_grid_are_page_text_not_drawn_in_the_images():
    longer = f"{LONG_NAME} 7 of the Northern Valley"
    rows = [*(r for r in GRID_ROWS if "heading" not in r), {"label": longer, "values": [1.0] * 4}]
    html = _grid_page(rows)
    for src in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html):
        drawn = base64.b64decode(src).decode()
        assert "Bartholomew" not in drawn and "Ash SD" not in drawn
        assert "<text" in drawn  # the scores
    names = [unescape(text) for text in re.findall(r'<p class="grid-names">(.*?)</p>', html, re.S)]
    assert len(names) == 4  # one block of names per image of 4 LEAs
    lines = "\n".join(names).split("\n")
    assert lines[0] == f"{LONG_NAME} 0" and "Ash SD" in lines
    # A name too long for one line takes two, as its row of cells is two lines high.
    assert lines[-2:] == [longer.removesuffix(" of the Northern Valley"), "of the Northern Valley"]
    chart = state_grid_chart(
        chart_id="g",
        title="Grid",
        columns=["Blended", "Structure", "Equity", "Overall"],
        rows=[{"label": longer, "values": [1.0] * 4}, {"label": "Ash SD", "values": [3.0] * 4}],
        thresholds=[0, 35, 60, 80],
        band_labels=["Laying foundations", "Early practice", "Spreading practice", "Sustained"],
    )
    assert [row["height"] for row in chart["rows"]] == [30, 15]


def test_long_lea_names_in_the_grid_never_overlap_a_cell_or_each_other(tmp_path):
    rows = [r for r in GRID_ROWS if "heading" not in r]
    pdf = html_to_pdf(_grid_page(rows), test_delay=False)
    words = _word_boxes(pdf.content, tmp_path)[0]
    assert any(w[4] == "Montgomery" or "Bartholomew" in w[4] for w in words)
    assert sum(w[4] == "No." for w in words) == 12  # the whole name is drawn, on two lines
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{a[4]!r} overlaps {b[4]!r}"
    # Each name stands level with its row of cells: its first line's baseline (bottom of
    # its box) within the height of the row's numbers.
    names = [w for w in words if w[4] in ("Saint", "Ash")]
    numbers = [w for w in words if re.fullmatch(r"\d+\.\d|n/a", w[4])]
    assert len(names) == 13
    for name in names:
        level = [n for n in numbers if abs((n[1] + n[3]) / 2 - (name[1] + name[3]) / 2) < 3]
        assert len(level) == 4, (name, level)


def test_grid_colours_follow_the_fill_so_light_text_never_sits_on_a_light_cell():
    for fill in (*charts.BAND_FILLS, charts.NO_DATA, "#ffffff", "#000000", "#2378c3"):
        assert charts.contrast_ratio(charts.text_colour_on(fill), fill) >= 4.5
