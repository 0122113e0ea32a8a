"""The LEA PDF as a reader meets it, read back with pdftotext: indicator codes never
stand without their names, the draft mark is on every page exactly when the assessment is
not accepted, and no page but the last is left mostly blank (measured from the layout)."""

import datetime
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from assessments.models import Answer, Assessment
from assessments.scores import assessment_rescore
from reports.rendering import lea_report_pdf
from reports.selectors import assessment_for_report, lea_report_context

PREPARED = datetime.date(2026, 11, 2)
DRAFT_MARK = "DRAFT · not yet accepted"
# Every page but the last holds text over at least this share of its body's height.
MIN_FILL = 0.6


def _render(tmp_path, lea, cycle):
    context = lea_report_context(assessment=assessment_for_report(lea_id=lea.id, cycle_id=cycle.id))
    path = tmp_path / f"{lea.pk}.pdf"
    pdf = lea_report_pdf(context=context, prepared_on=PREPARED)
    path.write_bytes(pdf.content)
    return context, path, pdf.pages


def _pages(path, pages):
    return [
        " ".join(
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        )
        for n in range(1, pages + 1)
    ]


def test_no_indicator_code_appears_without_its_name(report_world, tmp_path):
    context, path, pages = _render(tmp_path, report_world["leas"][0], report_world["cycle"])
    text = " ".join(_pages(path, pages))
    titles = {ind.code: ind.title for ind in report_world["indicators"]}
    found = re.findall(r"\b([A-Z]{2,3}-\d{2})\b", text)
    assert found, "the appendix lists each answer with its code"
    for match in re.finditer(r"\b([A-Z]{2,3}-\d{2})\b", text):
        following = text[match.end() : match.end() + len(titles[match.group(1)]) + 1].strip()
        assert following == titles[match.group(1)], (match.group(1), following)


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "accepted"])
def test_the_draft_mark_is_on_every_page_exactly_when_not_accepted(report_world, tmp_path, status):
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    Assessment.objects.filter(lea=lea, cycle=cycle).update(status=status)
    _, path, pages = _render(tmp_path, lea, cycle)
    texts = _pages(path, pages)
    if status == "accepted":
        assert not any(DRAFT_MARK in t or "not yet accepted" in t for t in texts)
    else:
        assert all(DRAFT_MARK in t for t in texts)
        assert "Draft, not yet accepted." in texts[0]


def _fill(path) -> list[float]:
    """Per page, the share of the body's height between the first and the last line of
    text (running header and footer left out), from pdftotext's layout boxes."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ET.fromstring(re.sub(r'xmlns="[^"]+"', "", xml))  # noqa: S314
    shares = []
    for page in root.iter("page"):
        height = float(page.get("height"))
        top, bottom = 0.8 * 72, height - 0.7 * 72  # the @page margins
        ys = [
            (float(w.get("yMin")), float(w.get("yMax")))
            for w in page.iter("word")
            if float(w.get("yMin")) >= top - 1 and float(w.get("yMax")) <= bottom + 1
        ]
        shares.append((max(y for _, y in ys) - min(y for y, _ in ys)) / (bottom - top))
    return shares


def test_no_page_but_the_last_is_mostly_blank(report_world, tmp_path):
    for lea in report_world["leas"][:3]:
        _, path, _ = _render(tmp_path, lea, report_world["cycle"])
        shares = _fill(path)
        for number, share in enumerate(shares[:-1], start=1):
            assert share >= MIN_FILL, f"{lea.name}: page {number} is {share:.0%} full"


def test_an_insufficient_evidence_report_says_so_on_page_one_and_skips_empty_parts(
    report_world, tmp_path
):
    lea, cycle = report_world["leas"][1], report_world["cycle"]
    assessment = Assessment.objects.get(lea=lea, cycle=cycle)
    keep = list(
        Answer.objects.filter(assessment=assessment)
        .order_by("indicator__position")
        .values_list("pk", flat=True)[:3]
    )
    Answer.objects.filter(assessment=assessment).exclude(pk__in=keep).delete()
    assessment_rescore(assessment=assessment)
    context, path, pages = _render(tmp_path, lea, cycle)
    assert context["overall"]["insufficient"]
    texts = _pages(path, pages)
    assert "too few to score" in texts[0]
    everything = " ".join(texts)
    assert "What this assessment shows" not in everything
    assert "Domain scores compared with the state" not in everything
    if not context["strengths"]:
        assert "Strengths Indicators rated" not in everything
