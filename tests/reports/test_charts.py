"""The shared SVG charts: geometry, text alternatives, escaping. Used by pages and PDFs."""

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from hypothesis import given
from hypothesis import strategies as st

import charts

SVG = "{http://www.w3.org/2000/svg}"


def _svg(template: str, chart: dict) -> ET.Element:
    # Our own template output, not untrusted input.
    return ET.fromstring(render_to_string(template, {"chart": chart}).strip())  # noqa: S314


def _domain_chart(**overrides):
    rows = [
        {"label": "Blended-learning capacity", "value": 62.5, "markers": {"state": 50.0}},
        {"label": "Competency-based structure", "value": None, "markers": {"state": 41.2}},
        {"label": "Equity and quality", "value": 0.0, "markers": {}},
    ]
    return charts.bar_chart(
        chart_id="d",
        title="Domain scores",
        rows=overrides.get("rows", rows),
        markers=[("state", "State median"), ("locale", "Median of rural LEAs")],
    )


def test_a_bar_chart_is_an_image_named_by_its_title_and_described_by_its_desc():
    svg = _svg("charts/bar.html", _domain_chart())
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "d-title d-desc"
    assert svg.find(f"{SVG}title").text == "Domain scores"
    desc = svg.find(f"{SVG}desc").text
    assert "Blended-learning capacity: 62.5, state median 50.0" in desc
    assert "Competency-based structure: insufficient evidence" in desc


def test_a_domain_without_a_score_has_no_bar_and_says_insufficient_evidence():
    chart = _domain_chart()
    svg = _svg("charts/bar.html", chart)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Insufficient evidence" in texts
    bars = [r for r in svg.iter(f"{SVG}rect")]
    assert len(bars) == 2  # 62.5 and 0.0 have bars (0.0 is zero wide); None has none
    assert chart["table"]["rows"][1]["cells"][0] == "Insufficient evidence"


def test_bar_lengths_are_proportional_to_scores():
    chart = _domain_chart(rows=[{"label": "A", "value": 25.0}, {"label": "B", "value": 100.0}])
    a, b = (row["bar_width"] for row in chart["rows"])
    assert b == pytest.approx(4 * a, abs=0.5)  # bar widths are rounded to 0.1 px


def test_the_data_table_gives_every_value_of_the_chart():
    chart = _domain_chart()
    html = render_to_string("charts/data_table.html", {"chart": chart})
    assert "<caption>Domain scores</caption>" in html
    assert '<th scope="col">State median</th>' in html
    assert '<th scope="row">Equity and quality</th><td>0.0</td><td>—</td><td>—</td>' in html


def test_labels_are_escaped_in_the_svg():
    chart = _domain_chart(rows=[{"label": '<script>alert("x")</script>', "value": 10.0}])
    html = render_to_string("charts/bar.html", {"chart": chart})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_heatmap_cells_show_the_score_and_the_band_colour():
    chart = charts.heatmap(
        chart_id="h",
        title="Grid",
        columns=["Blended", "Overall"],
        rows=[{"label": "Ashwick SD", "values": [85.0, None]}],
        thresholds=[0, 35, 60, 80],
        band_labels=["Beginning", "Emerging", "Developing", "Advanced"],
    )
    cells = chart["rows"][0]["cells"]
    assert (cells[0]["text"], cells[0]["fill"]) == ("85.0", charts.BAND_FILLS[3])
    assert (cells[1]["text"], cells[1]["fill"]) == ("n/a", charts.NO_DATA)
    svg = _svg("charts/heatmap.html", chart)
    assert svg.get("role") == "img"
    assert "Advanced from 80" in svg.find(f"{SVG}desc").text


def test_stacked_bars_label_only_segments_wide_enough_and_total_every_row():
    chart = charts.stacked_bar(
        chart_id="s",
        title="Stages",
        series=["Beginning", "Advanced"],
        rows=[{"label": "Rural", "counts": [99, 1]}],
    )
    big, small = chart["rows"][0]["segments"]
    assert big["text"] == "99" and small["text"] == ""
    assert chart["rows"][0]["total"] == 100
    assert chart["table"]["rows"][0]["cells"] == ["99", "1", "100"]
    assert "Rural: Beginning 99, Advanced 1" in chart["desc"]


@given(
    st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False)),
    st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=5),
)
def test_score_bands_are_ordered_and_none_has_no_band(value, raw):
    thresholds = sorted(set([0, *raw]))
    band = charts.score_band(value, thresholds)
    if value is None:
        assert band is None
    else:
        assert thresholds[band] <= value
        assert band == len(thresholds) - 1 or value < thresholds[band + 1]
