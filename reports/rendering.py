"""PDF rendering with WeasyPrint from Django templates, with a locked-down URL fetcher.

A report can only load our own static files (the report stylesheet, the vendored fonts)
and data: URIs. Every other address (file:///etc/passwd, http://127.0.0.1:..., any other
path, anything that would redirect) raises inside the fetcher, so WeasyPrint loads nothing
and makes no network request; see `ReportURLFetcher`.

Speed: each worker process keeps one FontConfiguration and one parsed report stylesheet,
so fonts are decompressed and the CSS parsed once per process, not once per PDF.

Test hook: when the environment variable CBE_TEST_RENDER_DELAY is set to a number of
seconds, every render sleeps that long between layout and writing the PDF. The worker
tests use it to kill a worker in the middle of a render. It is never set in production.
"""

import base64
import hashlib
import logging
import mimetypes
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

import charts
from dashboards.charts import stage_swatches

# WeasyPrint logs every layout step, and fontTools every font it decompresses, at INFO:
# thousands of lines per batch in the worker log, with nothing to act on.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools.ttLib.woff2").setLevel(logging.WARNING)

PDF_VARIANT = "pdf/ua-1"
STYLESHEET = "css/report.css"
# Added for a report whose assessment is not accepted (the draft mark): final reports,
# most of a batch, do not parse or match its rules.
DRAFT_STYLESHEET = "css/report-draft.css"
# Bumped by hand when the meaning of the report inputs changes; template and stylesheet
# edits are picked up automatically by `template_fingerprint`.
# 5: the district's view, where it differs from the state's; 6: the LEA report's "Our plan",
# and the plan-only report.
REPORT_FORMAT_VERSION = 6
# Files whose content shapes a PDF: a change to any of them means stored PDFs are stale.
FINGERPRINT_GLOBS = (
    ("templates", "reports/pdf/*.html"),
    ("templates", "charts/*.html"),
    ("static", STYLESHEET),
    ("static", DRAFT_STYLESHEET),
    ("charts", "*.py"),
    ("reports", "selectors.py"),
)


class ForbiddenResource(ValueError):
    """A report tried to load something other than our static files or a data: URI."""


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


def _allowed_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def static_path_for(url: str) -> Path:
    """The file on disk for a URL under STATIC_URL, or ForbiddenResource.

    Accepts the URL as WeasyPrint joins it with the base URL (file:///static/...) or as
    `{% static %}` writes it when STATIC_URL is absolute. The file must resolve (after
    symlinks) inside one of our static folders.
    """
    parts = urlsplit(url)
    static_url = urlsplit(settings.STATIC_URL)
    local = parts.scheme == "file" and not parts.netloc
    same_origin = bool(static_url.scheme) and (parts.scheme, parts.netloc) == (
        static_url.scheme,
        static_url.netloc,
    )
    if not (local or same_origin):
        raise ForbiddenResource(f"reports may not load {url[:200]!r}")
    path = parts.path
    prefix = static_url.path
    if not path.startswith(prefix):
        raise ForbiddenResource(f"reports may only load static files, not {url[:200]!r}")
    relative = unquote(path[len(prefix) :])
    if not relative or relative.startswith("/") or ".." in Path(relative).parts:
        raise ForbiddenResource(f"not a static file: {url[:200]!r}")
    found = finders.find(relative)
    if not found:
        raise ForbiddenResource(f"no such static file: {relative[:200]!r}")
    resolved = Path(found).resolve()
    if not any(resolved.is_relative_to(root) for root in _allowed_roots()):
        raise ForbiddenResource(f"static file outside the static folders: {relative[:200]!r}")
    return resolved


class ReportURLFetcher(URLFetcher):
    """Serves data: URIs and our static files; refuses everything else without fetching."""

    def __init__(self):
        # No redirects, no protocols beyond data: and file: (and file: is checked below).
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return _data_uri(url)
        path = static_path_for(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".woff2":
            mime_type = "font/woff2"
        return URLFetcherResponse(
            f"file://{path}", path.read_bytes(), headers={"Content-Type": mime_type}
        )


def _data_uri(url: str) -> URLFetcherResponse:
    """A data: URI decoded in memory. Not through urllib: its DataHandler and WeasyPrint's
    response copy the headers through the email package, which checks the whole URI
    character by character (16 ms for the LEA report's chart, more than a bare page's
    render)."""
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise ValueError(f"not a data: URI: {url[:100]!r}")
    mime_type, *params = header.split(";")
    body = base64.b64decode(payload) if "base64" in params else unquote_to_bytes(payload)
    charset = [p for p in params if p.startswith("charset=")]
    content_type = (mime_type or "text/plain") + (f"; {charset[0]}" if charset else "")
    return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


# The base URL for report HTML: relative /static/... links resolve to file:///static/...,
# which the fetcher maps to our static folders. It points at no real directory.
BASE_URL = "file:///"


@cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@cache
def _stylesheet(name: str = STYLESHEET) -> CSS:
    path = finders.find(name)
    return CSS(
        string=Path(path).read_text(),
        base_url=BASE_URL,
        url_fetcher=ReportURLFetcher(),
        font_config=_font_config(),
    )


@cache
def template_fingerprint() -> str:
    """A digest of every file that shapes a PDF's look, cached for the process."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256(f"format {REPORT_FORMAT_VERSION}".encode())
    for folder, pattern in FINGERPRINT_GLOBS:
        for path in sorted((base / folder).glob(pattern)):
            digest.update(path.relative_to(base).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def warm_up() -> None:
    """Load the fonts, the stylesheet and the report templates once, so a worker
    process's first report costs no more than the next (called when a worker process
    starts, which must take well under Celery's 4-second limit: about 0.3 s here)."""
    from django.template.loader import get_template

    for name in (
        "reports/pdf/lea_report.html",
        "reports/pdf/state_report.html",
        "reports/pdf/plan_report.html",
    ):
        get_template(name)
    _stylesheet(DRAFT_STYLESHEET)
    html_to_pdf(
        '<!DOCTYPE html><html lang="en"><head><title>warm-up</title></head><body>'
        "<h1>Warm-up</h1><p>Regular, <strong>bold</strong> and <em>italic</em>.</p></body></html>",
        test_delay=False,
    )


def _test_delay() -> float:
    value = os.environ.get("CBE_TEST_RENDER_DELAY", "")
    return float(value) if value else 0.0


def html_to_pdf(
    html: str,
    *,
    on_laid_out: Callable[[int], None] | None = None,
    stylesheets: list | None = None,
    test_delay: bool = True,
) -> RenderedPdf:
    """Lay out and write one tagged PDF. `on_laid_out(pages)` runs between the two."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=ReportURLFetcher()).render(
        stylesheets=stylesheets if stylesheets is not None else [_stylesheet()],
        font_config=_font_config(),
        pdf_variant=PDF_VARIANT,
    )
    if on_laid_out is not None:
        on_laid_out(len(document.pages))
    if test_delay and (delay := _test_delay()):
        time.sleep(delay)
    return RenderedPdf(document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages))


# The templates' indentation between two tags on separate lines. Each run becomes a text
# node of the document and a box (styled, laid out, tagged) that draws nothing: about 7%
# of an LEA report's render. Whitespace within a line is kept, so text and inline tags
# keep their spaces (no report template breaks a line between two inline tags).
_BETWEEN_LINES = re.compile(r">\s*\n\s*<")


def report_render(
    *, template_name: str, context: dict, on_laid_out: Callable[[int], None] | None = None
) -> RenderedPdf:
    """Render a report template (autoescaped Django template) to a PDF; a context with
    `draft` set adds the draft mark's stylesheet."""
    html = _BETWEEN_LINES.sub("><", render_to_string(template_name, context))
    stylesheets = [_stylesheet()]
    if context.get("draft"):
        stylesheets.append(_stylesheet(DRAFT_STYLESHEET))
    return html_to_pdf(html, on_laid_out=on_laid_out, stylesheets=stylesheets)


# --- the two reports ------------------------------------------------------------------


def lea_report_pdf(
    *, context: dict, prepared_on, on_laid_out: Callable[[int], object] | None = None
) -> RenderedPdf:
    """The LEA readiness report from `reports.selectors.lea_report_context`."""
    document = {
        **context,
        "prepared_on": prepared_on,
        # An image of its own SVG: its few dozen shapes and texts are then no elements of
        # the page, for which WeasyPrint would compute and keep a style each.
        "domain_chart": svg_image(
            domain_chart := charts.domain_score_chart(
                lea_name=context["lea"]["name"],
                cycle_name=context["cycle"]["name"],
                locale_label=context["lea"]["locale_label"],
                previous_cycle=context["overall"]["previous_cycle"],
                domains=context["domains"],
                for_pdf=True,
            ),
            template="charts/domain_scores.html",
            # Its title, as the inline chart's was: the values are in the table below it.
            alt=domain_chart["title"],
        ),
    }
    return report_render(
        template_name="reports/pdf/lea_report.html", context=document, on_laid_out=on_laid_out
    )


def plan_report_pdf(
    *, context: dict, prepared_on, on_laid_out: Callable[[int], object] | None = None
) -> RenderedPdf:
    """The plan-only report from `reports.selectors.plan_report_context`."""
    return report_render(
        template_name="reports/pdf/plan_report.html",
        context={**context, "prepared_on": prepared_on},
        on_laid_out=on_laid_out,
    )


# The statewide grid of every LEA, laid out for a letter page at print size: 11 px text
# (8.25 pt) and a width that fits the page's 7.1 in (681 px) text block, so WeasyPrint
# never scales it down. An SVG cannot break across pages, so each locale is a table of
# small grids of GRID_CHUNK LEAs: the table's heading (the locale and the column names)
# repeats on every page it runs onto, and a page ends at most a few rows short.
GRID_FONT = 11
GRID_ROW = 15
GRID_WIDTH = 680
GRID_CELL = 62
GRID_CHUNK = 4


def svg_image(
    chart: dict, *, template: str = "charts/heatmap.html", alt: str | None = None
) -> dict:
    """A chart as an <img> of its own SVG (a data: URI) instead of inline markup.

    Inline, every rect and text of an SVG is an element of the HTML document, so
    WeasyPrint computes and keeps a full CSS style for each of them: the statewide grid
    of a 2,200-LEA state has about 33,000 such elements, and its layout alone reached
    345 MB (497 MB at the peak, writing). As images, the SVGs are parsed by WeasyPrint's
    SVG reader without the cascade: 191 MB after layout, 353 MB at the peak. The chart's
    title and description become the image's alternative text (PDF/UA), unless `alt` is
    given."""
    markup = render_to_string(template, {"chart": chart}).strip()
    return {
        "src": "data:image/svg+xml;base64," + base64.b64encode(markup.encode()).decode(),
        "alt": alt if alt is not None else f"{chart['title']}. {chart['desc']}",
        "width": chart["width"],
        "height": chart["height"],
    }


def state_grid_chart(
    *,
    chart_id: str,
    title: str,
    columns: list[str],
    rows: list[dict],
    thresholds: list[float],
    band_labels: list[str],
    column_headings: bool = True,
) -> dict:
    """Part of the statewide grid at print size: the column headings alone (no rows), or
    the score cells of a run of LEA rows without them. The LEA names are not drawn: the
    page sets them as text beside the cells (`grid_names`), each row's lines as wrapped
    here in the grid's label column."""
    return charts.heatmap(
        chart_id=chart_id,
        title=title,
        columns=columns,
        rows=rows,
        thresholds=thresholds,
        band_labels=band_labels,
        legend=False,
        font_size=GRID_FONT,
        row_height=GRID_ROW,
        cell_width=GRID_CELL,
        label_width=GRID_WIDTH - len(columns) * GRID_CELL,
        wrap_labels=True,
        column_headings=column_headings,
        # The headings alone keep the label column, so they stand over the cells.
        labels=not rows,
        for_pdf=True,
        # A name on two lines takes two rows' height, so the names beside the cells are
        # lines of one height (grid_names).
        line_height=GRID_ROW,
    )


def grid_names(chart: dict) -> str:
    """The LEA names of a run of grid rows as page text, a line each as wrapped in the
    chart's label column (every line, and so every row line, GRID_ROW high): one block of
    text per run, not an element per name or line, so the page keeps a computed style for
    550 blocks rather than thousands (about 30 MB at 2,200 LEAs). As page text rather than
    SVG text, the names are laid out once per line instead of once per letter."""
    return "\n".join(line["text"] for row in chart["rows"] for line in row["lines"])


def state_grid_group(
    *,
    index: int,
    label: str,
    rows: list[dict],
    columns: list[str],
    thresholds: list[float],
    band_labels: list[str],
) -> dict:
    """One locale's part of the statewide grid, as templates/reports/pdf/grid_group.html
    lays it out: a heading (the locale, the column names) repeated on every page it runs
    onto, then per run of GRID_CHUNK LEAs their names as page text beside an image of
    their score cells."""
    count = len(rows)
    chunks = []
    for start in range(0, count, GRID_CHUNK):
        chart = state_grid_chart(
            chart_id=f"grid-{index}-{start}",
            title=f"{label} LEAs {start + 1} to {min(start + GRID_CHUNK, count)} of {count}: "
            "scores by domain",
            columns=columns,
            rows=rows[start : start + GRID_CHUNK],
            column_headings=False,
            thresholds=thresholds,
            band_labels=band_labels,
        )
        chunks.append({"names": grid_names(chart), "image": svg_image(chart)})
    return {
        "label": f"{label}: {count} LEA{'s' if count != 1 else ''}",
        # The names' column is the grid's label column, the cells' image beside it.
        "names_width": GRID_WIDTH - len(columns) * GRID_CELL,
        "head": state_grid_chart(
            chart_id=f"grid-{index}-head",
            title=f"Columns of the {label.lower()} grid",
            columns=columns,
            rows=[],
            thresholds=thresholds,
            band_labels=band_labels,
        ),
        "chunks": chunks,
    }


def _not_accepted(context: dict) -> dict | None:
    """What the cover says when figures rest on assessments not yet accepted, or None."""
    counts = context["status_counts"]
    pending = {
        "draft": counts.get("draft", 0),
        "submitted": counts.get("submitted", 0),
        "returned": counts.get("returned", 0),
    }
    if not sum(pending.values()):
        return None
    return {**pending, "accepted": counts.get("accepted", 0), "total": sum(pending.values())}


def state_report_pdf(
    *, context: dict, prepared_on, on_laid_out: Callable[[int], object] | None = None
) -> RenderedPdf:
    """The statewide task-force report from `reports.selectors.state_report_context`."""
    state, cycle = context["state"]["name"], context["cycle"]["name"]
    stages = context["stages"]
    columns = [
        {"short": code.replace("_", " ").capitalize(), "name": name}
        for code, name in zip(context["domain_codes"], context["domains"], strict=True)
    ] + [{"short": "Overall", "name": "Overall score"}]
    short = [column["short"] for column in columns]
    bands = {"thresholds": context["thresholds"], "band_labels": context["band_labels"]}
    grid_groups = [
        state_grid_group(index=g, label=group["label"], rows=group["rows"], columns=short, **bands)
        for g, group in enumerate(context["heatmap_groups"])
    ]

    document = {
        **context,
        "prepared_on": prepared_on,
        "grid_columns": columns,
        "grid_groups": grid_groups,
        "not_accepted": _not_accepted(context),
        "completion_chart": charts.stacked_bar(
            chart_id="completion",
            title=f"Needs assessments of {state}'s LEAs by status, {cycle}",
            series=context["completion"]["series"],
            rows=[{"label": "All LEAs", "counts": context["completion"]["counts"]}],
            row_header="LEAs",
            for_pdf=True,
        ),
        "stage_chart": charts.stacked_bar(
            chart_id="stages",
            title=f"LEAs by readiness stage and locale, {cycle}",
            series=stages["series"],
            rows=[*stages["by_locale"], {"label": "All locales", "counts": stages["total"]}],
            row_header="Locale",
            swatches=stage_swatches(stages["codes"]),
            for_pdf=True,
        )
        if stages["by_locale"]
        else None,
        "locale_chart": charts.heatmap(
            chart_id="locale-medians",
            title=f"Median domain scores by locale, {cycle}, with the LEAs each rests on",
            columns=short,
            rows=[
                {"label": f"{row['label']} ({row['leas']})", "values": row["cells"]}
                for row in context["locale_medians"]
            ],
            row_header="Locale",
            label_width=170,
            cell_width=76,
            row_height=19,
            font_size=GRID_FONT,
            **bands,
            band_of=lambda cell: charts.score_band(cell[0], bands["thresholds"]),
            value_text=lambda cell: "n/a" if cell[0] is None else f"{cell[0]:.1f} ({cell[1]})",
            desc=(
                f"{len(context['locale_medians'])} locales by {len(short)} columns "
                f"({', '.join(short)}); each cell shows the median score and, in brackets, "
                "the number of LEAs it rests on, shaded by stage band: "
                + ", ".join(
                    f"{label} from {low:g}"
                    for label, low in zip(bands["band_labels"], bands["thresholds"], strict=True)
                )
                + "."
            ),
            for_pdf=True,
        )
        if context["locale_medians"][-1]["leas"]
        else None,
        "grid_legend": charts.heatmap(
            chart_id="grid-key",
            title="Key to the shading of the LEA grids: the four LEA readiness stages",
            columns=[],
            rows=[],
            font_size=GRID_FONT,
            legend_title="LEA readiness stage:",
            missing_label="Insufficient evidence (n/a)",
            **bands,
            for_pdf=True,
        ),
    }
    return report_render(
        template_name="reports/pdf/state_report.html", context=document, on_laid_out=on_laid_out
    )
