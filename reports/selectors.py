"""Reads for the reports: what goes into each PDF, as plain data, and who may ask for one.

`lea_report_context` and `state_report_context` return JSON-safe dicts. The same dict is
hashed to decide whether a stored PDF can be reused (reports.services) and handed to the
PDF template, so a PDF is reused exactly when nothing it shows has changed: answers,
evidence, scores, the state's lever statuses, the comparison medians, the previous cycle.
The cover date is the only thing on the page that is not part of the hash.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db.models import Count
from django.db.models.fields.files import FieldFile
from django.utils.text import slugify

from assessments.models import Assessment, AssessmentCycle
from assessments.results import assessment_with_previous_get, lea_results, lea_stage_rule
from assessments.scoring import INSUFFICIENT
from assessments.selectors import assessment_district_differences
from cbe_portal.storage import STORAGE_ERRORS, StorageUnavailable
from dashboards import selectors as figures
from directory.models import LEA, Locale, State
from frameworks.document import INSUFFICIENT_LABEL, Framework
from plans.selectors import plan_report_section
from policies.selectors import (
    GAP_CATEGORIES,
    LOCAL,
    REACH_ALL,
    REACH_LISTED,
    ProfileLevers,
    lea_alignment_build,
    profile_levers_recorded,
    reach_text,
    state_levers_held_back,
    state_stage_working,
)

from .models import ReportBatch, ReportJob

LOCALE_LABELS = dict(Locale.choices)


# --- who may ask ------------------------------------------------------------------


def batch_progress(*, batch: ReportBatch) -> dict:
    """Counts by status, in one query."""
    counts = dict(
        batch.jobs.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    done = counts.get(ReportJob.Status.DONE, 0)
    failed = counts.get(ReportJob.Status.FAILED, 0)
    return {
        "total": total,
        "done": done,
        "failed": failed,
        "running": counts.get(ReportJob.Status.RUNNING, 0),
        "queued": counts.get(ReportJob.Status.QUEUED, 0),
        "finished": total > 0 and done + failed == total,
        "percent": round(100 * (done + failed) / total) if total else 0,
    }


@dataclass(frozen=True)
class ReportFile:
    file: File  # the stored PDF, open for reading
    filename: str  # the name to save it under


def report_job_file(*, job: ReportJob) -> ReportFile | None:
    """The job's stored PDF and its download name, or None while the job is not done. The
    web download and the API read it here. The caller found the job through
    access.selectors (`report_job_list_for_user`)."""
    if job.status != ReportJob.Status.DONE or not job.file:
        return None
    subject = job.lea.leaid if job.lea is not None else f"{job.state.code}-statewide"
    what = "plan" if job.kind == ReportJob.Kind.PLAN else "readiness"
    return ReportFile(
        file=_open_stored(job.file), filename=f"{subject}-{job.cycle.name}-{what}.pdf"
    )


# --- a batch as one zip ------------------------------------------------------------


@dataclass(frozen=True)
class ZipMember:
    job_id: int
    stored_name: str  # the PDF's name in the file storage
    archive_name: str  # its name inside the zip: the LEA's name, its LEAID and the cycle


def batch_zip_members(*, batch: ReportBatch) -> list[ZipMember]:
    """The batch's finished PDFs, by LEA name: exactly what its zip holds."""
    cycle = slugify(batch.cycle.name)
    rows = (
        batch.jobs.filter(status=ReportJob.Status.DONE, lea__isnull=False)
        .exclude(file="")
        .order_by("lea__name", "lea__leaid")
        .values_list("pk", "file", "lea__name", "lea__leaid")
    )
    return [
        ZipMember(
            job_id=pk,
            stored_name=file,
            archive_name=f"{slugify(name)[:80] or 'lea'}-{leaid}-{cycle}-readiness.pdf",
        )
        for pk, file, name, leaid in rows
    ]


def batch_zip_digest(*, members: list[ZipMember]) -> str:
    """Names the set of PDFs a zip holds: the same PDFs, the same zip."""
    digest = hashlib.sha256()
    for member in members:
        digest.update(f"{member.job_id}:{member.stored_name}\n".encode())
    return digest.hexdigest()


def batch_zip_for_page(*, batch: ReportBatch):
    """The newest zip of the batch that holds its current PDFs (done, on its way or
    failed), or None when there is none: then the page offers to make one."""
    digest = batch_zip_digest(members=batch_zip_members(batch=batch))
    return batch.zips.filter(input_hash=digest).order_by("-created_at", "-pk").first()


def batch_zip_filename(*, batch: ReportBatch) -> str:
    return f"{batch.state.code}-{slugify(batch.cycle.name)}-readiness-reports-{batch.pk}.zip"


def batch_zip_file(*, batch_zip) -> ReportFile | None:
    """The stored zip and its download name, or None while it is not done. The caller
    found it through access.selectors (`batch_zip_list_for_user`)."""
    if batch_zip.status != "done" or not batch_zip.file:
        return None
    return ReportFile(
        file=_open_stored(batch_zip.file), filename=batch_zip_filename(batch=batch_zip.batch)
    )


def _open_stored(field: FieldFile) -> File:
    """The stored file, open for reading; StorageUnavailable when the file store (the media
    folder or object storage) does not answer, so a download can say so instead of failing.
    A file that is missing is a different matter and is raised as it is."""
    try:
        return field.open("rb")
    except FileNotFoundError:
        raise
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc


# --- shared pieces ------------------------------------------------------------------


def _policy(*, profile: ProfileLevers, framework: Framework) -> dict:
    """The state's levers for the cycle, who each reaches, and the state's policy stage."""
    statuses = {code: lever.status for code, lever in profile.levers.items()}
    # The stage and its sentence come from the rule itself, never from a stored copy, so
    # the sentence always matches the statuses printed beside it.
    working = state_stage_working(
        framework=framework,
        statuses={c: s for c, s in statuses.items() if c in framework.lever_by_code},
    )
    stage = working.stage
    levers = []
    for lever in framework.levers:
        row = profile.lever(lever.code)
        reach = row.reach(framework)
        levers.append(
            {
                "code": lever.code,
                "name": lever.name,
                "summary": lever.summary,
                "group": lever.group,
                "group_label": framework.lever_group(lever.group).label,
                "status": row.status,
                "status_label": framework.status_label(row.status),
                "active": row.status in framework.active_status_codes,
                "enacted": row.status == framework.partial_status_code,
                "reach": reach_text(reach, row.participant_count),
                "takes_part": reach == REACH_ALL or (reach == REACH_LISTED and row.listed),
                "citation": row.citation,
                "note": row.note,
            }
        )
    stage_entry = framework.state_stage_entry(stage)
    return {
        "recorded": profile.recorded,
        "stage": stage,
        "stage_label": framework.state_stage_label(stage),
        "stage_meaning": stage_entry.meaning if stage_entry else "",
        "stage_sentence": working.sentence,
        "stage_describes_tier": working.describes_tier,
        "levers": levers,
        "groups": [
            {
                "label": group.label,
                "levers": [lever for lever in levers if lever["group"] == group.code],
            }
            for group in framework.lever_groups
        ],
    }


def _indicator(row) -> dict:
    return {
        "code": row.code,
        "title": row.title,
        "domain": row.domain_name,
        "area": row.area,
        "rating": row.rating,
        "rating_label": row.rating_label,
        "level_text": row.level_text,
        "evidence": row.evidence,
        "next_step": row.next_step,
        "levers": list(row.levers),
    }


# --- the LEA report -------------------------------------------------------------------

# Each gap kind as a reader says it, after the indicator's rating ("rated Started · ...").
GAP_KIND_PHRASES = {
    "opened": "opened: a state policy in force reaches this LEA",
    "available": "available to join: the LEA can take part in a state policy",
    "blocked": "blocked: no state policy in force makes room yet",
    "local": "local: up to the LEA, no state lever applies",
}
# Where the first page's next steps come from: gaps the LEA can act on now first.
GAP_KIND_ORDER = ("opened", "available", "local", "blocked")
FIRST_PAGE_STEPS = 3


def _first_page(
    *, lea_name: str, state_name: str, top_label: str, results, gaps: list[dict]
) -> dict:
    """The findings and next steps the first page opens with: a handful of sentences a
    board member can read without the rest of the report."""
    score = results.score
    findings: list[str] = []
    if score.overall is not None:
        sentence = (
            f"{lea_name} is at the {results.stage_label} stage, with an overall score of "
            f"{score.overall:.1f} out of 100"
        )
        median = results.overall_state_median
        if median is not None:
            relation = (
                "above"
                if score.overall > median
                else "below"
                if score.overall < median
                else "level with"
            )
            n = results.overall_state_median_leas
            sentence += (
                f", {relation} the {state_name} median of {median:.1f} "
                f"({n} submitted or accepted assessment{'s' if n != 1 else ''})"
            )
        findings.append(sentence + ".")
    scored = [d for d in results.domains if d.score is not None]
    if len(scored) >= 2:
        best = max(scored, key=lambda d: d.score)
        worst = min(scored, key=lambda d: d.score)
        findings.append(
            f"Strongest domain: {best.name} ({best.score:.1f}); most room to grow: "
            f"{worst.name} ({worst.score:.1f})."
        )
    if results.previous_cycle and results.framework_changed:
        findings.append(
            f"The framework changed since {results.previous_cycle}, so the overall score is "
            "not compared with that cycle's."
        )
    elif results.previous_cycle and results.overall_change is not None:
        change = results.overall_change
        direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
        amount = f" {abs(change):.1f} points" if change else ""
        findings.append(
            f"Overall score {direction}{amount} since {results.previous_cycle}, when the LEA "
            f"was at the {results.previous_stage_label} stage."
        )
    strengths = len(results.strengths)
    findings.append(
        f"{strengths} indicator{'s' if strengths != 1 else ''} rated {top_label.lower()}, "
        f"to keep and share; {len(gaps)} gap{'s' if len(gaps) != 1 else ''} to work on."
        if strengths or gaps
        else "No indicator is rated as a strength or a gap yet."
    )
    ranked = sorted(gaps, key=lambda g: (GAP_KIND_ORDER.index(g["category"]), g["rating"] or 0))
    steps = [
        {"title": g["title"], "next_step": g["next_step"], "kind": g["category_label"].lower()}
        for g in ranked[:FIRST_PAGE_STEPS]
    ]
    return {"findings": findings[:4], "next_steps": steps}


def plan_report_context(*, lea_id: int, cycle_id: int) -> dict | None:
    """Everything the plan-only report shows, as plain data; None without a plan."""
    plan = plan_report_section(lea_id=lea_id, cycle_id=cycle_id)
    if plan is None:
        return None
    lea = LEA.objects.select_related("state").get(pk=lea_id)
    cycle = AssessmentCycle.objects.only("name").get(pk=cycle_id)
    return {
        "kind": "plan",
        "lea": {"name": lea.name, "leaid": lea.leaid},
        "state": {"name": lea.state.name, "code": lea.state.code},
        "cycle": {"name": cycle.name},
        "plan": plan,
    }


def lea_report_context(*, assessment: Assessment) -> dict:
    """Everything the LEA report shows, as plain data. `assessment` must come with
    lea__state and cycle__framework loaded (see `assessment_for_report`).

    Queries, four given the assessment from `assessment_for_report` (five in all, the
    same whatever the number of LEAs in the state): in assessments.results.lea_results
    the answers with the district's own ratings beside them (those two or more levels
    from the state's are shown) and the cycle's summary (the peers' medians, read as
    counts, not peer by peer); the state's levers; the LEA's plan with its objectives and
    tasks (one query, with a plan or without). The previous cycle's scores came with the
    assessment."""
    results = lea_results(assessment=assessment)
    framework = results.framework
    lea = assessment.lea
    cycle = assessment.cycle
    profile = profile_levers_recorded(cycle_id=cycle.pk, lea_id=lea.pk)
    policy = _policy(profile=profile, framework=framework)
    alignment = lea_alignment_build(
        framework=framework,
        profile=profile,
        answers={row.code: (row.rating, row.evidence) for row in results.answers if row.rating},
    )
    kinds = {gap.indicator_code: gap for gap in alignment.gaps}

    gaps = []
    for row in results.gaps:
        item = _indicator(row)
        gap = kinds[row.code]
        item["category"] = gap.category
        item["category_label"] = gap.category_label
        item["category_phrase"] = GAP_KIND_PHRASES[gap.category]
        item["levers"] = [
            {"name": link.name, "status_label": link.status_label, "reach": link.reach_text}
            for link in gap.levers
        ]
        gaps.append(item)

    answers_by_domain: list[dict] = []
    for row in results.answers:
        if not answers_by_domain or answers_by_domain[-1]["name"] != row.domain_name:
            answers_by_domain.append({"name": row.domain_name, "areas": []})
        areas = answers_by_domain[-1]["areas"]
        if not areas or areas[-1]["name"] != row.area:
            areas.append({"name": row.area, "answers": []})
        areas[-1]["answers"].append(
            {
                "code": row.code,
                "title": row.title,
                "rating_label": row.rating_label,
                "evidence": row.evidence,
            }
        )

    score = results.score
    stage_code = score.stage
    accepted = assessment.status == Assessment.Status.ACCEPTED
    return {
        "kind": "lea",
        # Not accepted: every page carries the draft mark and the first page a notice.
        "draft": not accepted,
        "first_page": _first_page(
            lea_name=lea.name,
            state_name=lea.state.name,
            top_label=framework.rating_label(4),
            results=results,
            gaps=gaps,
        ),
        "lea": {
            "name": lea.name,
            "leaid": lea.leaid,
            "city": lea.city,
            "locale": lea.locale,
            "locale_label": LOCALE_LABELS.get(lea.locale, "Not reported"),
            "enrollment": lea.enrollment,
            "school_count": lea.school_count,
        },
        "state": {"name": lea.state.name, "code": lea.state.code},
        "cycle": {"name": cycle.name},
        "framework": {
            "title": framework.title,
            "label": framework.label,
            "lowest_rating": framework.rating_label(1),
            "highest_rating": framework.rating_label(4),
            "stage_rule": lea_stage_rule(framework),
        },
        "assessment": {
            "status": assessment.status,
            "status_label": assessment.get_status_display(),
        },
        # The LEA's improvement plan ("Our plan"), when it has one: part of the inputs, so
        # a changed plan makes a new PDF.
        "plan": plan_report_section(lea_id=lea.pk, cycle_id=cycle.pk),
        "overall": {
            "score": score.overall,
            "stage": stage_code,
            "stage_label": results.stage_label,
            "stage_meaning": results.stage_meaning,
            "stage_reason": results.stage_reason,
            "stage_cap_note": results.stage_cap_note,
            "insufficient": stage_code == INSUFFICIENT,
            "rated": score.rated,
            "dont_know": score.dont_know,
            "total": score.total,
            "state_median": results.overall_state_median,
            "locale_median": results.overall_locale_median,
            "state_median_leas": results.overall_state_median_leas,
            "locale_median_leas": results.overall_locale_median_leas,
            "previous": results.previous_overall,
            "previous_cycle": results.previous_cycle,
            "previous_stage_label": results.previous_stage_label,
            "change": results.overall_change,
            "in_comparison": results.in_comparison,
        },
        "framework_change": {
            "changed": results.framework_changed,
            "previous": results.previous_framework,
            "dropped": list(results.previous_domains_dropped),
        },
        "stages": [
            {
                "code": s.code,
                "label": s.label,
                "min_score": s.min_score,
                "current": s.code == stage_code,
            }
            for s in framework.lea_stages
        ],
        "domains": [
            {
                "code": d.code,
                "name": d.name,
                "score": d.score,
                "rated": d.rated,
                "dont_know": d.dont_know,
                "total": d.total,
                "state_median": d.state_median,
                "locale_median": d.locale_median,
                "state_median_leas": d.state_median_leas,
                "locale_median_leas": d.locale_median_leas,
                "previous": d.previous,
                "change": d.change,
            }
            for d in results.domains
        ],
        "strengths": [_indicator(row) for row in results.strengths],
        "gaps": gaps,
        "gap_categories": [
            {
                "code": c.code,
                "label": c.label,
                "description": c.description,
                "count": c.count,
                "phrase": GAP_KIND_PHRASES[c.code],
                "indicators": [gap["title"] for gap in gaps if gap["category"] == c.code],
            }
            for c in alignment.categories
        ],
        "dont_know": [_indicator(row) for row in results.dont_know],
        "answers_by_domain": answers_by_domain,
        # Part of the report's inputs: a change to one of them makes a new PDF.
        "district_differences": [
            {
                "code": d.code,
                "title": d.title,
                "domain": d.domain_name,
                "state_label": d.state_label,
                "district_label": d.district_label,
                "note": d.note,
            }
            for d in assessment_district_differences(
                assessment=assessment,
                answers={row.code: row for row in results.answers},
                ratings=results.district_ratings,
            )
        ],
        "policy": policy,
        "peers": {"state": results.peers_in_state, "locale": results.peers_in_locale},
        "insufficient_label": INSUFFICIENT_LABEL,
        "min_share": round(framework.scoring.min_answered_share * 100),
        "gap_max_label": framework.gap_rating_label,
    }


def assessment_for_report(*, lea_id: int, cycle_id: int) -> Assessment:
    """The assessment behind an LEA report, with what `lea_report_context` needs, the LEA's
    scores of the previous cycle included (one query). Raises Assessment.DoesNotExist
    when the LEA has none in the cycle.

    The framework's document is not read: its typed form is kept in memory by content
    hash, so only the first report of a version in a worker process reads it (one query
    more, once) instead of every report carrying some 25 KB of JSON."""
    return assessment_with_previous_get(
        assessments=Assessment.objects.select_related("lea__state", "cycle__framework").defer(
            "cycle__framework__content"
        ),
        lea_id=lea_id,
        cycle_id=cycle_id,
    )


# --- the statewide report ------------------------------------------------------------


TOP_INDICATORS = 3


def _top_indicators(indicators) -> dict:
    """The gap indicators a lever governs that most LEAs share, by name with the number of
    LEAs that have each as a gap, and how many more indicators there are."""
    ranked = sorted(indicators, key=lambda ind: (-ind.lea_count, ind.title))
    return {
        "shown": [{"title": ind.title, "leas": ind.lea_count} for ind in ranked[:TOP_INDICATORS]],
        "more": max(0, len(ranked) - TOP_INDICATORS),
    }


def state_report_context(*, state: State, cycle: AssessmentCycle) -> dict:
    """Everything the statewide report shows, as plain data, in a fixed number of queries
    whatever the number of LEAs: the state's levers, then the very selectors of the state
    dashboard (its summary, its heatmap rows, policies.selectors.state_levers_held_back),
    unfiltered, so the PDF and the dashboard can never disagree."""
    framework = cycle.framework.spec
    policy = _policy(
        profile=profile_levers_recorded(cycle_id=cycle.pk, state_id=state.pk), framework=framework
    )
    domains = figures.domain_columns(framework)
    everything = figures.DashboardFilters()

    summary = figures.state_dashboard_summary(
        state=state, cycle=cycle, framework=framework, filters=everything
    )
    # Every assessed LEA, grouped by locale (NCES order), by name within a locale.
    by_locale: dict[str, list[dict]] = defaultdict(list)
    for row in figures.state_dashboard_heatmap_rows(
        state=state, cycle=cycle, framework=framework, filters=everything, sort="name"
    ):
        by_locale[row.locale].append({"label": row.name, "values": [*row.domains, row.overall]})
    groups = [
        {"locale": locale, "label": label, "rows": by_locale[locale]}
        for locale, label in figures.LOCALES
        if by_locale.get(locale)
    ]
    # The median of each domain per locale and in all, over the compared assessments, each
    # with the LEAs it rests on: the dashboard's selector.
    medians = [
        {
            "label": row.label,
            "leas": row.overall.leas,
            "cells": [[cell.median, cell.leas] for cell in row.cells],
        }
        for row in figures.state_dashboard_domain_medians(
            state=state, cycle=cycle, framework=framework, filters=everything
        )
    ]

    # Per lever, the LEAs whose related gaps it leaves opened, available to join or blocked
    # (policies.selectors, aggregated in the database), the most blocked LEAs first.
    lever_gaps: list[dict[str, Any]] = [
        {
            "code": row.code,
            "name": row.name,
            "status_label": row.status_label,
            "active": row.active,
            "reach": row.reach_text,
            "leas_opened": row.leas_opened,
            "leas_available": row.leas_available,
            "leas_blocked": row.leas_blocked,
            "leas_with_gap": row.leas_with_gap,
            "indicators": _top_indicators(row.indicators),
        }
        for row in state_levers_held_back(state=state, cycle=cycle)
    ]
    lever_gaps.sort(
        key=lambda lever: (-lever["leas_blocked"], -lever["leas_available"], lever["name"])
    )

    return {
        "kind": "state",
        "state": {"name": state.name, "code": state.code},
        "cycle": {"name": cycle.name},
        "framework": {"title": framework.title, "label": framework.label},
        "policy": policy,
        "lea_count": summary.leas,
        "assessed_count": summary.assessed,
        # Assessments by review status, for the cover's notice when not all are accepted.
        "status_counts": {code: n for code, _, n in summary.completion},
        "median": {"overall": summary.median, "mean": summary.mean, "leas": summary.scored},
        "locale_medians": medians,
        "completion": {
            "series": [label for _, label, _ in summary.completion],
            "counts": [n for _, _, n in summary.completion],
        },
        "stages": {
            "series": list(summary.stage_labels),
            "codes": list(summary.stage_codes),
            "total": list(summary.stages),
            "by_locale": [
                {"label": group.label, "counts": list(group.stages)}
                for group in summary.locales
                if group.assessed
            ],
            "meanings": [
                {"label": s.label, "min_score": s.min_score, "meaning": s.meaning}
                for s in framework.lea_stages
            ],
            "rule": lea_stage_rule(framework),
        },
        "domains": [name for _, name in domains],
        "thresholds": [s.min_score for s in framework.lea_stages],
        "band_labels": [s.label for s in framework.lea_stages],
        "heatmap_groups": groups,
        "lever_gaps": lever_gaps,
        "gap_categories": [
            {"label": c.label, "description": c.description}
            for c in GAP_CATEGORIES
            if c.code != LOCAL
        ],
        "gap_max_label": framework.gap_rating_label,
        "domain_codes": [code for code, _ in domains],
    }
