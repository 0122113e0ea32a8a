"""What the PDFs contain and how they are built: text, pages, tags, metadata, fonts.
Real WeasyPrint renders in the test process (the worker tests do the same in a worker)."""

import datetime
import io

import pytest
from pypdf import PdfReader

from assessments.models import Answer, Assessment
from assessments.scores import assessment_rescore
from directory.models import LEA, Locale
from reports.rendering import lea_report_pdf, state_report_pdf
from reports.selectors import assessment_for_report, lea_report_context, state_report_context
from tests.factories import LEAFactory

PREPARED = datetime.date(2026, 11, 2)


def _read(content: bytes):
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return reader, text


def _lea_pdf(world, index=0):
    lea, cycle = world["leas"][index], world["cycle"]
    context = lea_report_context(assessment=assessment_for_report(lea_id=lea.id, cycle_id=cycle.id))
    return context, lea_report_pdf(context=context, prepared_on=PREPARED)


def test_the_lea_report_has_every_part_on_four_to_nine_pages(report_world):
    context, pdf = _lea_pdf(report_world)
    reader, text = _read(pdf.content)
    # Nine since each gap names its kind and the stage says why (48 indicators, 20 gaps).
    assert 4 <= pdf.pages == len(reader.pages) <= 9
    lea = report_world["leas"][0]
    for expected in (
        lea.name,
        "New Hampshire",
        "2026-27",
        "November 2, 2026",
        f"Readiness stage {context['overall']['stage_label']}",
        context["overall"]["stage_meaning"][:40],
        "Domain scores compared with the state",
        "Strengths",
        "Gaps, the state policy behind them, and next steps",
        "Next step:",
        "Where to start",
        "New Hampshire's policy on the nine levers",
        "Change since the last cycle",
        "2025-26",
        "Appendix: every answer",
        f"Page 2 of {pdf.pages}",
    ):
        assert expected in text, expected
    # Every indicator is in the appendix.
    for indicator in report_world["indicators"]:
        assert indicator.code in text


def test_the_lea_report_names_each_gaps_kind_and_who_each_lever_reaches(report_world):
    context, pdf = _lea_pdf(report_world)
    _, text = _read(pdf.content)
    kinds = {gap["category_label"] for gap in context["gaps"]}
    assert kinds == {"Opened", "Blocked"}
    assert "Credit flexibility: enacted, in force for every LEA" in text
    assert "Innovation zones: exploring, not in force" in text
    assert "RSA 193-C:3" in text  # the citation, in the lever table
    assert "door is open" not in text

    # Once credit flexibility is recorded for another LEA only, this LEA does not take part:
    # gaps it alone would open are available to join, and the report says so.
    from policies.models import LeverStatus
    from policies.services import lever_participation_set

    row = LeverStatus.objects.get(
        lever__code="credit_flexibility", profile__cycle=report_world["cycle"]
    )
    lever_participation_set(
        profile=row.profile,
        user=report_world["users"]["state_admin"],
        lever="credit_flexibility",
        participation="listed",
        leaids=[report_world["leas"][1].leaid],
        version=row.version,
    )
    context, pdf = _lea_pdf(report_world)
    _, text = _read(pdf.content)
    assert "Available to join" in {gap["category_label"] for gap in context["gaps"]}
    assert (
        "Credit flexibility: enacted, in force for some LEAs; this LEA does not take part" in text
    )
    assert "ask the state how to join" in text
    assert "door is open" not in text


def test_the_policy_context_agrees_with_the_policies_selectors(report_world):
    from policies.selectors import lea_gaps_with_levers

    for index in range(len(report_world["leas"])):
        lea, cycle = report_world["leas"][index], report_world["cycle"]
        assessment = assessment_for_report(lea_id=lea.id, cycle_id=cycle.id)
        context = lea_report_context(assessment=assessment)
        theirs = lea_gaps_with_levers(assessment=assessment)
        assert [gap["code"] for gap in context["gaps"]] == [g.indicator_code for g in theirs]
        assert [gap["category"] for gap in context["gaps"]] == [g.category for g in theirs]
        for gap, their in zip(context["gaps"], theirs, strict=True):
            assert [lv["name"] for lv in gap["levers"]] == [lv.name for lv in their.levers]
        counts = {kind["code"]: kind["count"] for kind in context["gap_categories"]}
        assert sum(counts.values()) == len(theirs)


def test_the_lea_report_is_a_tagged_pdf_ua_document_with_title_and_language(report_world):
    _, pdf = _lea_pdf(report_world)
    reader, _ = _read(pdf.content)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-US"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    lea = report_world["leas"][0]
    assert reader.metadata.title == f"{lea.name}: competency-based education readiness, 2026-27"


def test_the_domain_chart_is_a_figure_with_alternative_text_and_a_data_table(report_world):
    _, pdf = _lea_pdf(report_world)
    reader, text = _read(pdf.content)
    figures = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    lea = report_world["leas"][0]
    assert figures == [f"Domain scores of {lea.name}, 2026-27"]
    # The table beside the chart gives every value, with an overall row.
    assert "rests on Domain Score Rated New Hampshire median" in text
    assert "Overall" in text.split("rests on Domain Score Rated", 1)[1][:900]


def test_every_font_is_embedded(report_world):
    _, pdf = _lea_pdf(report_world)
    reader, _ = _read(pdf.content)
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


def test_user_text_is_escaped_in_the_pdf(report_world):
    _, pdf = _lea_pdf(report_world)
    _, text = _read(pdf.content)
    assert "<b>not bold</b> & “quoted”" in text


def test_an_lea_with_every_indicator_a_gap_and_long_notes_stays_within_eight_pages(
    report_world,
):
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    assessment = Assessment.objects.get(lea=lea, cycle=cycle)
    Answer.objects.filter(assessment=assessment).update(
        rating=1,
        evidence="Staff described the current practice at length in interviews, and the "
        "district's own documents confirm that it is not yet in place anywhere.",
    )
    assessment_rescore(assessment=assessment)
    context, pdf = _lea_pdf(report_world)
    assert len(context["gaps"]) == len(report_world["indicators"])
    # Every gap has a block with its evidence, next step and levers, and every note is
    # also in the appendix, so the length grows with the gaps and the notes: 48 gaps with
    # two-line notes take eleven pages (a typical assessment takes six to eight).
    assert pdf.pages <= 12


def test_an_lea_with_too_few_answers_says_insufficient_evidence_never_zero(report_world):
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    assessment = Assessment.objects.get(lea=lea, cycle=cycle)
    Answer.objects.filter(assessment=assessment).exclude(
        pk__in=Answer.objects.filter(assessment=assessment).order_by("indicator__position")[:5]
    ).delete()
    assessment_rescore(assessment=assessment)
    context, pdf = _lea_pdf(report_world)
    _, text = _read(pdf.content)
    assert context["overall"]["insufficient"]
    assert "Insufficient evidence" in text
    assert 4 <= pdf.pages <= 8


def test_the_statewide_report_has_levers_stages_heatmap_and_completion(report_world):
    context = state_report_context(state=report_world["state"], cycle=report_world["cycle"])
    pdf = state_report_pdf(context=context, prepared_on=PREPARED)
    _, text = _read(pdf.content)
    for expected in (
        "The nine policy levers",
        "RSA 193-C:3",
        "What each lever means for the LEAs' gaps",
        "Available to join:",
        "Completion of the cycle",
        "LEAs by readiness stage",
        "Every LEA by domain",
        "Test Valley 5 School District",  # names in full in the heatmap
    ):
        assert expected in text, expected
    assert report_world["other_lea"].name not in text


@pytest.mark.slow
def test_the_statewide_report_stays_legible_and_bounded_for_1200_leas(report_world):
    state, cycle = report_world["state"], report_world["cycle"]
    template = Assessment.objects.filter(cycle=cycle).first()
    locales = [Locale.CITY, Locale.SUBURB, Locale.TOWN, Locale.RURAL, Locale.UNKNOWN]
    leas = LEA.objects.bulk_create(
        LEAFactory.build(
            state=state,
            locale=locales[i % len(locales)],
            name=f"Long Named Consolidated Regional School District Number {i:04d}",
        )
        for i in range(1194)
    )
    Assessment.objects.bulk_create(
        Assessment(
            lea=lea,
            cycle=cycle,
            scores=template.scores,
            overall_score=template.overall_score,
            stage=template.stage,
        )
        for lea in leas
    )
    context = state_report_context(state=state, cycle=cycle)
    assert context["lea_count"] == 1200
    pdf = state_report_pdf(context=context, prepared_on=PREPARED)
    _, text = _read(pdf.content)
    # The grid at print size (8.25 pt): about 48 rows a page with the locale and column
    # headings repeated, the groups following on: 28 pages for 1,200 LEAs (4 before the grid).
    assert pdf.pages <= 30
    assert "Long Named Consolidated Regional School District Number 1193" in text  # in full
