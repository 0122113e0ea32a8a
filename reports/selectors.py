"""Reads for the reports: what goes into each PDF, as plain data, and who may ask for one.

`lea_report_context` and `state_report_context` return JSON-safe dicts. The same dict is
hashed to decide whether a stored PDF can be reused (reports.services) and handed to the
PDF template, so a PDF is reused exactly when nothing it shows has changed: answers,
evidence, scores, the state's lever statuses, the comparison medians, the previous cycle.
The cover date is the only thing on the page that is not part of the hash.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping
from statistics import median
from typing import Any

from django.db.models import Count

from policies.selectors import state_levers_held_back
from readiness.models import LEA, Assessment, AssessmentCycle, Locale, State
from readiness.results import INSUFFICIENT_LABEL, lea_results
from readiness.scoring import INSUFFICIENT, state_stage

from .models import ReportBatch, ReportJob

LOCALE_LABELS = dict(Locale.choices)
# Heatmap rows per grid: two grids side by side fill a page.
GRID_ROWS = 55


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


# --- shared pieces ------------------------------------------------------------------


def _labels(framework: dict) -> dict:
    return {
        "status": {s["code"]: s["label"] for s in framework["policy"]["statuses"]},
        "active": {s["code"] for s in framework["policy"]["statuses"] if s["active"]},
        "group": {g["code"]: g["label"] for g in framework["policy"]["lever_groups"]},
        "state_stage": {s["code"]: s for s in framework["policy"]["state_stages"]},
        "lea_stage": {s["code"]: s for s in framework["scoring"]["lea_stages"]},
    }


def _policy(*, state_id: int, cycle: AssessmentCycle, framework: dict) -> dict:
    """The state's nine levers for the cycle (one query) and its policy stage."""
    from policies.models import LeverStatus

    labels = _labels(framework)
    rows = {
        row["lever__code"]: row
        for row in LeverStatus.objects.filter(
            profile__state_id=state_id, profile__cycle=cycle
        ).values("lever__code", "status", "citation", "note", "profile__stage")
    }
    statuses = {code: row["status"] for code, row in rows.items()}
    stored_stage = next((row["profile__stage"] for row in rows.values()), "")
    stage = stored_stage or state_stage(framework, statuses)
    levers = []
    for lever in framework["levers"]:
        row: Mapping[str, Any] = rows.get(lever["code"], {})
        status = row.get("status") or "none"
        levers.append(
            {
                "code": lever["code"],
                "name": lever["name"],
                "summary": lever["summary"],
                "group": lever["group"],
                "group_label": labels["group"][lever["group"]],
                "status": status,
                "status_label": labels["status"].get(status, status),
                "active": status in labels["active"],
                "citation": row.get("citation", ""),
                "note": row.get("note", ""),
            }
        )
    stage_entry = labels["state_stage"].get(stage, {})
    return {
        "recorded": bool(rows),
        "stage": stage,
        "stage_label": stage_entry.get("label", stage),
        "stage_meaning": stage_entry.get("meaning", ""),
        "levers": levers,
        "groups": [
            {
                "label": group["label"],
                "levers": [lever for lever in levers if lever["group"] == group["code"]],
            }
            for group in framework["policy"]["lever_groups"]
        ],
    }


def _lever_door(lever: dict) -> str:
    if lever["active"]:
        return "open"
    return "exploring" if lever["status"] == "exploring" else "blocked"


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


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now - before, 1)


# --- the LEA report -------------------------------------------------------------------


def lea_report_context(*, assessment: Assessment) -> dict:
    """Everything the LEA report shows, as plain data. `assessment` must come with
    lea__state and cycle__framework loaded (see `assessment_for_report`).

    Queries: three in readiness.results.lea_results, one for the state's levers."""
    results = lea_results(assessment=assessment)
    framework = results.framework
    lea = assessment.lea
    cycle = assessment.cycle
    policy = _policy(state_id=lea.state_id, cycle=cycle, framework=framework)
    levers_by_code = {lever["code"]: lever for lever in policy["levers"]}

    gaps = []
    for row in results.gaps:
        item = _indicator(row)
        item["lever_doors"] = [
            {**levers_by_code[code], "door": _lever_door(levers_by_code[code])}
            for code in row.levers
            if code in levers_by_code
        ]
        item["opened"] = any(lever["active"] for lever in item["lever_doors"])
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
    return {
        "kind": "lea",
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
            "title": framework["title"],
            "label": f"{framework['code']}-v{framework['version']}",
        },
        "assessment": {
            "status": assessment.status,
            "status_label": assessment.get_status_display(),
        },
        "overall": {
            "score": score.overall,
            "stage": stage_code,
            "stage_label": results.stage_label,
            "stage_meaning": results.stage_meaning,
            "insufficient": stage_code == INSUFFICIENT,
            "rated": score.rated,
            "dont_know": score.dont_know,
            "total": score.total,
            "state_median": results.overall_state_median,
            "locale_median": results.overall_locale_median,
            "previous": results.previous_overall,
            "previous_cycle": results.previous_cycle,
            "previous_stage_label": results.previous_stage_label,
            "change": _change(score.overall, results.previous_overall),
        },
        "stages": [
            {
                "code": s["code"],
                "label": s["label"],
                "min_score": s["min_score"],
                "current": s["code"] == stage_code,
            }
            for s in framework["scoring"]["lea_stages"]
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
                "previous": d.previous,
                "change": _change(d.score, d.previous),
            }
            for d in results.domains
        ],
        "strengths": [_indicator(row) for row in results.strengths],
        "gaps": gaps,
        "gaps_opened": sum(1 for gap in gaps if gap["opened"]),
        "dont_know": [_indicator(row) for row in results.dont_know],
        "answers_by_domain": answers_by_domain,
        "policy": policy,
        "peers": {"state": results.peers_in_state, "locale": results.peers_in_locale},
        "insufficient_label": INSUFFICIENT_LABEL,
        "min_share": round(framework["scoring"]["min_answered_share"] * 100),
        "gap_max_label": next(
            level["label"]
            for level in framework["rubric"]["levels"]
            if level["value"] == framework["scoring"]["gap_max_rating"]
        ),
    }


def assessment_for_report(*, lea_id: int, cycle_id: int) -> Assessment:
    """The assessment behind an LEA report, with what `lea_report_context` needs (one query).
    Raises Assessment.DoesNotExist when the LEA has none in the cycle."""
    return Assessment.objects.select_related("lea__state", "cycle__framework").get(
        lea_id=lea_id, cycle_id=cycle_id
    )


# --- the statewide report ------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def state_report_context(*, state: State, cycle: AssessmentCycle) -> dict:
    """Everything the statewide report shows, as plain data, in a fixed number of queries
    whatever the number of LEAs (levers, LEAs, assessments, and the aggregates of
    policies.selectors.state_levers_held_back)."""
    framework = cycle.framework.content
    labels = _labels(framework)
    policy = _policy(state_id=state.id, cycle=cycle, framework=framework)
    domains = [(d["code"], d["name"]) for d in framework["domains"]]

    leas = list(LEA.objects.filter(state=state).values("id", "name", "leaid", "locale"))
    assessments = {
        row["lea_id"]: row
        for row in Assessment.objects.filter(cycle=cycle).values(
            "lea_id", "status", "stage", "overall_score", "scores"
        )
    }

    # Completion of the cycle.
    status_order = [choice for choice, _ in Assessment.Status.choices]
    status_labels = dict(Assessment.Status.choices)
    completion = Counter(
        assessments[lea["id"]]["status"] if lea["id"] in assessments else "not_started"
        for lea in leas
    )
    completion_series = ["not_started", *status_order]
    completion_labels = {"not_started": "Not started", **status_labels}

    # LEAs by stage, overall and by locale.
    stage_codes = [INSUFFICIENT, *(s["code"] for s in framework["scoring"]["lea_stages"])]
    stage_names = {INSUFFICIENT: INSUFFICIENT_LABEL} | {
        code: entry["label"] for code, entry in labels["lea_stage"].items()
    }
    locales = [code for code, _ in Locale.choices]
    by_locale: dict[str, Counter] = defaultdict(Counter)
    for lea in leas:
        row = assessments.get(lea["id"])
        if row is None or not row["scores"]:
            continue
        by_locale[lea["locale"]][row["stage"] or INSUFFICIENT] += 1
    stage_total: Counter[str] = Counter()
    for counter in by_locale.values():
        stage_total.update(counter)

    # Heatmap rows: every LEA with scores, grouped by locale, by name within a locale.
    groups = []
    for locale in locales:
        rows: list[dict[str, Any]] = []
        for lea in sorted(
            (lea for lea in leas if lea["locale"] == locale), key=lambda lea: lea["name"]
        ):
            row = assessments.get(lea["id"])
            if row is None or not row["scores"]:
                continue
            scores = {d["code"]: d["score"] for d in row["scores"].get("domains", [])}
            rows.append(
                {
                    "label": lea["name"],
                    "values": [scores.get(code) for code, _ in domains] + [row["overall_score"]],
                }
            )
        if rows:
            groups.append(
                {
                    "locale": locale,
                    "label": LOCALE_LABELS.get(locale) or "Locale not reported",
                    "rows": rows,
                    "medians": [
                        _median([r["values"][i] for r in rows if r["values"][i] is not None])
                        for i in range(len(domains) + 1)
                    ],
                }
            )

    # Levers ranked by the LEAs their absence holds back (policies.selectors, aggregated
    # in the database): LEAs with a gap on an indicator the lever enables that no lever in
    # force opens. A lever in force holds no LEA back.
    held_back: list[dict[str, Any]] = [
        {
            "code": row.code,
            "name": row.name,
            "status_label": row.status_label,
            "active": row.active,
            "held_back": row.leas_blocked,
            "leas_with_gaps": row.leas_held_back,
            "indicators": [
                f"{ind.code} ({ind.lea_count})"
                for ind in sorted(row.indicators, key=lambda ind: -ind.lea_count)
            ],
        }
        for row in state_levers_held_back(state=state, cycle=cycle)
    ]
    held_back.sort(key=lambda lever: (-lever["held_back"], -lever["leas_with_gaps"], lever["name"]))

    scored = [row for row in assessments.values() if row["scores"]]
    return {
        "kind": "state",
        "state": {"name": state.name, "code": state.code},
        "cycle": {"name": cycle.name},
        "framework": {
            "title": framework["title"],
            "label": f"{framework['code']}-v{framework['version']}",
        },
        "policy": policy,
        "lea_count": len(leas),
        "scored_count": len(scored),
        "completion": {
            "series": [completion_labels[code] for code in completion_series],
            "counts": [completion[code] for code in completion_series],
            "rows": [
                {"label": completion_labels[code], "count": completion[code]}
                for code in completion_series
            ],
        },
        "stages": {
            "series": [stage_names[code] for code in stage_codes],
            "codes": stage_codes,
            "total": [stage_total[code] for code in stage_codes],
            "by_locale": [
                {
                    "label": LOCALE_LABELS.get(locale) or "Locale not reported",
                    "counts": [by_locale[locale][code] for code in stage_codes],
                }
                for locale in locales
                if by_locale.get(locale)
            ],
            "meanings": [
                {"label": s["label"], "min_score": s["min_score"], "meaning": s["meaning"]}
                for s in framework["scoring"]["lea_stages"]
            ],
        },
        "domains": [name for _, name in domains],
        "thresholds": [s["min_score"] for s in framework["scoring"]["lea_stages"]],
        "band_labels": [s["label"] for s in framework["scoring"]["lea_stages"]],
        "heatmap_groups": groups,
        "held_back": held_back,
        "gap_max_label": next(
            level["label"]
            for level in framework["rubric"]["levels"]
            if level["value"] == framework["scoring"]["gap_max_rating"]
        ),
        "domain_codes": [code for code, _ in domains],
    }
