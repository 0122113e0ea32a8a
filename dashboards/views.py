"""Dashboard pages and their CSV exports.

Who may see what is asked of access.selectors only (through dashboards.selectors):
`state_get_for_user` (404 for a state outside the user's scope),
`user_can_see_state_aggregates` (403 for a district leader, even on their own state) and
`scope_for_user(...).everything` for the national view.
"""

import dataclasses
import functools
from collections.abc import Mapping, Sequence

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

import charts
from access import selectors as scoping
from assessments.models import AssessmentCycle
from assessments.summaries import cycle_score_summaries, one_reading
from audit.services import Kind, access_event_record
from cbe_portal.figures import Found, figures_page, figures_view
from cbe_portal.frames import page_around
from directory.models import State
from frameworks.document import Framework, PolicyStatus
from frameworks.services import framework_current
from plans.selectors import (
    NO_PLAN,
    PLAN_STATUS_LABELS,
    lever_planned_gap_counts,
    state_plan_outcomes,
    state_plan_rows,
    state_plan_status_counts,
)
from policies.selectors import state_levers_held_back

from . import charts as dashboard_charts
from . import selectors
from .forms import NationalFilterForm, PlanStatusFilterForm, StateDashboardForm
from .selectors import (
    COMPLETION_LABELS,
    LOCALE_LABELS,
    NOT_REPORTED,
    SIZE_BAND_LABELS,
    DashboardFilters,
    StateSummary,
)
from .tables import (
    PERCENT,
    SCORE,
    TEXT,
    Column,
    Link,
    SortSpec,
    Table,
    csv_response,
    share,
    sort_status,
    table_context,
    table_csv_response,
    table_sorted,
)

STATE_TABLES = (
    "completion",
    "stages",
    "heatmap",
    "locales",
    "medians",
    "sizes",
    "levers",
    "trend",
)
NATIONAL_TABLES = ("levers", "states")


# --- access -----------------------------------------------------------------------------


def reading_summaries_once(view):
    """Every figure of the page rests on one reading of each cycle's summary."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with one_reading():
            return view(*args, **kwargs)

    return wrapped


def _state_for_dashboard(request, state_code: str) -> State:
    return selectors.state_get_for_dashboard(user=request.user, code=state_code)


def _require_national(request) -> None:
    if not selectors.user_can_see_national_view(user=request.user):
        raise PermissionDenied("The national view is for national administrators.")


# --- the list of dashboards -------------------------------------------------------------


@login_required
def dashboard_home(request):
    """National admins pick a state (or the national view); everyone else goes straight
    to their state's dashboard."""
    scope = scoping.scope_for_user(request.user)
    states = [
        state
        for state in scoping.state_list_for_user(user=request.user)
        if scoping.user_can_see_state_aggregates(user=request.user, state=state)
    ]
    if not scope.everything:
        if len(states) == 1:
            return redirect("dashboards:state_latest", state_code=states[0].code)
        raise PermissionDenied("State dashboards are for state and national staff.")
    return render(request, "dashboards/home.html", {"states": states})


# --- the state dashboard ----------------------------------------------------------------


@login_required
def state_latest(request, state_code: str):
    """The state's dashboard for the cycle picked in the filter form, by default the
    latest one; redirects to the cycle's own address, keeping the other filters."""
    state = _state_for_dashboard(request, state_code)
    cycles = selectors.state_dashboard_cycles(user=request.user, state=state)
    if not cycles:
        return render(request, "dashboards/state_empty.html", {"state": state})
    form = StateDashboardForm(request.GET, cycles=cycles)
    chosen = cycles[0]
    if form.is_bound and form.is_valid() and form.cleaned_data.get("cycle"):
        chosen = next(c for c in cycles if c.pk == form.cleaned_data["cycle"])
    query = request.GET.copy()
    for key in ("cycle", "page"):
        query.pop(key, None)
    url = reverse("dashboards:state", args=[state.code, chosen.pk])
    return redirect(f"{url}?{query.urlencode()}" if query else url)


def _state_and_cycle(request, state_code: str, cycle_id: int):
    state, cycles = selectors.state_and_cycles_for_dashboard(user=request.user, code=state_code)
    cycle = next((c for c in cycles if c.pk == cycle_id), None)
    if cycle is None:
        raise Http404("No such cycle in this state.")
    return state, cycles, cycle


def _state_form(request, cycle: AssessmentCycle, cycles) -> StateDashboardForm:
    # The cycle is in the address, not the query: put it in the form so its menu shows it.
    data = request.GET.copy()
    data["cycle"] = str(cycle.pk)
    return StateDashboardForm(data, cycles=cycles)


def _state_setup(request, state_code: str, cycle_id: int):
    state, cycles, cycle = _state_and_cycle(request, state_code, cycle_id)
    framework = selectors.cycle_framework(cycle=cycle)
    return state, cycles, cycle, framework, _state_form(request, cycle, cycles)


def _filter_query(request) -> str:
    """The current filters (not sort or page) as a query string, for export links."""
    query = request.GET.copy()
    for key in ("cycle", "page"):
        query.pop(key, None)
    return query.urlencode()


def _query_parts(request) -> list:
    """The query string as a page body depends on it (every key, in a fixed order)."""
    return sorted(request.GET.lists())


@login_required
def state_dashboard(request, state_code: str, cycle_id: int):
    user = request.user

    def find() -> Found:
        state, cycles, cycle = _state_and_cycle(request, state_code, cycle_id)
        can_simulate = scoping.user_can_simulate_policy(user=user, state=state)
        return Found(
            frame={"state": {"name": state.name}, "cycle": {"name": cycle.name}},
            parts=(
                "state",
                state.pk,
                state.name,
                [(c.pk, c.name, c.starts_on, c.ends_on, c.is_open, c.framework_id) for c in cycles],
                cycle.pk,
                scoping.standing_for_user(user),  # what the viewer may see and do
                can_simulate,
                _query_parts(request),
            ),
            cycle_ids=tuple(c.pk for c in cycles),
            state_ids=(state.pk,),
            objects=(state, cycles, cycle, can_simulate),
        )

    frame, body = figures_view(
        address=(
            "state",
            state_code.upper(),
            cycle_id,
            scoping.standing_for_user(user),  # decides what `find` lets the viewer see
            _query_parts(request),
        ),
        find=find,
        build=lambda found: _state_dashboard_body(request, *found.objects),
    )
    return page_around(request, "dashboards/state.html", frame, body)


@reading_summaries_once
def _state_dashboard_body(
    request, state: State, cycles: list[AssessmentCycle], cycle: AssessmentCycle, can_simulate
) -> str:
    """The dashboard below the page's header: the filters, key figures and sections."""
    framework = selectors.cycle_framework(cycle=cycle)
    form = _state_form(request, cycle, cycles)
    cycle_score_summaries(cycles=cycles)  # every cycle's summary in one look (the trend's)
    filters = form.filters()
    sort = SortSpec.parse(request.GET.get("sort"))
    summary = selectors.state_dashboard_summary(
        state=state, cycle=cycle, framework=framework, filters=filters
    )
    heat_sort = _heatmap_sort(sort, framework)
    heat = selectors.state_dashboard_heatmap(
        state=state,
        cycle=cycle,
        framework=framework,
        filters=filters,
        sort=heat_sort.column,
        descending=heat_sort.descending,
        page_number=request.GET.get("page"),
    )
    levers = state_levers_held_back(state=state, cycle=cycle)
    medians = selectors.state_dashboard_domain_medians(
        state=state, cycle=cycle, framework=framework, filters=filters
    )
    trend = selectors.state_dashboard_trend(
        state=state, cycles=cycles, stage_order=summary.stage_codes, filters=filters
    )
    policy_stage = selectors.state_policy_stage(user=request.user, state=state, cycle=cycle)

    tables = {
        "completion": _completion_table(summary),
        "stages": _stages_table(summary, framework),
        "locales": _group_table("locales", "Locale", summary.locales, summary),
        "medians": _medians_table(medians, framework),
        "sizes": _group_table("sizes", "Size band", summary.sizes, summary),
        "levers": _levers_table(levers, lever_planned_gap_counts(state=state, cycle=cycle)),
        "trend": _trend_table(trend, summary),
    }
    tables = {key: table_sorted(table, sort) for key, table in tables.items()}
    heat_table = _heatmap_table(heat.rows, framework, heat_sort, cycle)
    query = request.GET.copy()
    export_query = _filter_query(request)

    def export_url(key: str) -> str:
        url = reverse("dashboards:state_export", args=[state.code, cycle.pk, key])
        return f"{url}?{export_query}" if export_query else url

    page = heat.page
    page_query = request.GET.copy()
    page_query.pop("page", None)
    context = {
        "state": state,
        "cycle": cycle,
        "cycles": cycles,
        "form": form,
        "filters": filters,
        "filter_labels": _filter_labels(filters),
        "summary": summary,
        "accepted": summary.completion_count("accepted"),
        "policy_stage": framework.state_stage_label(policy_stage),
        "can_simulate": can_simulate,
        "scope_note": _scope_note(filters),
        "charts": dashboard_charts.state_charts(
            cycle=cycle, filters=filters, summary=summary, levers=levers, trend=trend
        ),
        "heatmap_groups": _heatmap_groups(heat.rows, framework, heat_sort, page),
        "heat_page": page,
        "heat_page_range": page.paginator.get_elided_page_range(
            page.number, on_each_side=1, on_ends=1
        ),
        "heat_query": page_query.urlencode(),
        "tables": {key: table_context(table, query) for key, table in tables.items()},
        # Sorting the heatmap reorders its charts and pages too: its links load the page.
        "heat_table": table_context(heat_table, query, reset_page=True, swap=False),
        "sort_status": next((sort_status(t) for t in (*tables.values(), heat_table) if t.sort), ""),
        "heat_table_open": sort is not None and sort.table == "heatmap",
        "exports": {key: export_url(key) for key in STATE_TABLES},
        "sections": [
            ("completion", "Completion"),
            ("stages", "Readiness stages"),
            ("heatmap", "LEAs by domain"),
            ("locales", "By locale"),
            ("sizes", "By size"),
            ("levers", "Levers and LEAs’ gaps"),
            ("trend", "Trend across cycles"),
        ],
    }
    context["key_figures"] = _key_figures(context, levers)
    context["open_sections"] = _open_sections(request, sort)
    return render_to_string("dashboards/includes/state_body.html", context)


# Which section holds each table (for opening the section a sort or page link targets).
TABLE_SECTIONS = {"medians": "locales"}


def _open_sections(request, sort: SortSpec | None) -> set[str]:
    """The sections shown open when the page loads: the one whose table was just sorted
    or whose heatmap page was turned (without JavaScript those are full page loads)."""
    opened = set()
    if sort is not None:
        opened.add(TABLE_SECTIONS.get(sort.table, sort.table))
    if request.GET.get("page"):
        opened.add("heatmap")
    return opened


def _key_figures(context: dict, levers) -> list[dict]:
    """The handful of figures a task force acts on, each linking to its section."""
    summary: StateSummary = context["summary"]
    figures = [
        {
            "value": f"{summary.assessed:,}",
            "text": f"of {summary.leas:,} LEAs have a needs assessment",
            "href": "#completion",
        },
        {"value": f"{context['accepted']:,}", "text": "accepted", "href": "#completion"},
        {
            "value": "—" if summary.median is None else f"{summary.median:.1f}",
            "text": f"median overall score ({summary.scored:,} submitted or accepted)",
            "href": "#heatmap",
        },
    ]
    if summary.stage_labels:
        figures.append(
            {
                "value": f"{summary.stages[-1]:,}",
                "text": f"LEAs at the top stage, {summary.stage_labels[-1].lower()}",
                "href": "#stages",
            }
        )
    blocked = max(levers, key=lambda row: row.leas_blocked, default=None)
    if blocked is not None and blocked.leas_blocked:
        figures.append(
            {
                "value": f"{blocked.leas_blocked:,}",
                "text": f"LEAs with a gap blocked that “{blocked.name}” governs, "
                "more than any other lever",
                "href": "#levers",
            }
        )
    figures.append(
        {
            "value": context["policy_stage"] or "—",
            "text": "state policy stage"
            + ("" if context["policy_stage"] else " (not recorded for this cycle)"),
            "href": "#levers",
        }
    )
    return figures


@login_required
@reading_summaries_once
def state_export(request, state_code: str, cycle_id: int, table: str):
    """One table of the state dashboard as CSV, with the page's filters and sort."""
    if table not in STATE_TABLES:
        raise Http404("No such table.")
    state, cycles, cycle, framework, form = _state_setup(request, state_code, cycle_id)
    filters = form.filters()
    sort = SortSpec.parse(request.GET.get("sort"))
    filename = export_filename(state=state, cycle=cycle, table=table, filters=filters)
    access_event_record(request=request, kind=Kind.CSV_EXPORT, detail=filename)
    if table == "heatmap":
        heat_sort = _heatmap_sort(sort, framework)
        rows = selectors.state_dashboard_heatmap_rows(
            state=state,
            cycle=cycle,
            framework=framework,
            filters=filters,
            sort=heat_sort.column,
            descending=heat_sort.descending,
        )
        return _heatmap_csv(rows, framework, filename)
    if table == "levers":
        data = _levers_table(
            state_levers_held_back(state=state, cycle=cycle),
            lever_planned_gap_counts(state=state, cycle=cycle),
        )
    elif table == "medians":
        data = _medians_table(
            selectors.state_dashboard_domain_medians(
                state=state, cycle=cycle, framework=framework, filters=filters
            ),
            framework,
        )
    else:
        summary = selectors.state_dashboard_summary(
            state=state, cycle=cycle, framework=framework, filters=filters
        )
        if table == "completion":
            data = _completion_table(summary)
        elif table == "stages":
            data = _stages_table(summary, framework)
        elif table == "locales":
            data = _group_table("locales", "Locale", summary.locales, summary)
        elif table == "sizes":
            data = _group_table("sizes", "Size band", summary.sizes, summary)
        else:
            trend = selectors.state_dashboard_trend(
                state=state, cycles=cycles, stage_order=summary.stage_codes, filters=filters
            )
            data = _trend_table(trend, summary)
    return table_csv_response(table_sorted(data, sort), filename)


# --- tables of the state dashboard ---------------------------------------------------------


def _completion_table(summary: StateSummary) -> Table:
    return Table(
        key="completion",
        caption="LEAs by needs-assessment status",
        columns=(
            Column("status", "Status", TEXT),
            Column("leas", "LEAs"),
            Column("share", "Share of LEAs", PERCENT),
        ),
        rows=tuple((label, n, share(n, summary.leas)) for _, label, n in summary.completion),
    )


def _stages_table(summary: StateSummary, framework: Framework) -> Table:
    starts = {s.code: s.min_score for s in framework.lea_stages}
    return Table(
        key="stages",
        caption="Assessed LEAs by readiness stage",
        columns=(
            Column("stage", "Stage", TEXT),
            Column("from", "From overall score", SCORE),
            Column("leas", "LEAs"),
            Column("share", "Share of assessed LEAs", PERCENT),
        ),
        rows=tuple(
            (label, starts.get(code), n, share(n, summary.assessed))
            for code, label, n in zip(
                summary.stage_codes, summary.stage_labels, summary.stages, strict=True
            )
        ),
    )


def _group_table(key: str, header: str, groups, summary: StateSummary) -> Table:
    return Table(
        key=key,
        caption=f"Readiness by {header.lower()}",
        columns=(
            Column("group", header, TEXT),
            Column("leas", "LEAs"),
            Column("assessed", "Assessed"),
            Column("mean", "Mean overall score", SCORE),
            Column("median", "Median overall score", SCORE),
            Column("median_leas", "LEAs in the mean and median"),
            *(
                Column(f"stage_{code}", label)
                for code, label in zip(summary.stage_codes, summary.stage_labels, strict=True)
            ),
        ),
        rows=tuple(
            (g.label, g.leas, g.assessed, g.mean, g.median, g.scored, *g.stages) for g in groups
        ),
    )


def _medians_table(rows, framework: Framework) -> Table:
    domains = [*selectors.domain_columns(framework), ("overall", "Overall score")]
    columns = [Column("locale", "Locale", TEXT)]
    for code, name in domains:
        columns += [
            Column(f"{code}_median", f"{name}: median", SCORE),
            Column(f"{code}_leas", f"{name}: LEAs"),
        ]
    return Table(
        key="medians",
        caption="Median domain scores by locale, each with the LEAs it rests on",
        columns=tuple(columns),
        rows=tuple(
            (row.label, *(v for cell in row.cells for v in (cell.median, cell.leas)))
            for row in rows
        ),
    )


def _levers_table(levers, planned: Mapping[str, int]) -> Table:
    return Table(
        key="levers",
        caption="Assessed LEAs by what each lever means for their related gaps",
        columns=(
            Column("lever", "Lever", TEXT),
            Column("status", "State policy status", TEXT),
            Column("opened", "LEAs with related gaps all opened"),
            Column("available", "LEAs with a related gap available to join"),
            Column("blocked", "LEAs with a related gap blocked"),
            Column("no_gap", "LEAs without a related gap"),
            Column("assessed", "Assessed LEAs"),
            Column("planned", "Related gaps in an LEA’s plan"),
        ),
        rows=tuple(
            (
                row.name,
                row.status_label,
                row.leas_opened,
                row.leas_available,
                row.leas_blocked,
                row.leas_without_gap,
                row.assessed_leas,
                planned.get(row.code, 0),
            )
            for row in levers
        ),
    )


def _trend_table(trend, summary: StateSummary) -> Table:
    return Table(
        key="trend",
        caption="Readiness in each cycle",
        columns=(
            Column("cycle", "Cycle", TEXT, nowrap=True),
            Column("framework", "Framework", TEXT, nowrap=True),
            Column("assessed", "Assessments"),
            Column("median", "Median overall score", SCORE),
            Column("mean", "Mean overall score", SCORE),
            Column("median_leas", "LEAs in the median and mean"),
            *(
                Column(f"stage_{code}", label)
                for code, label in zip(summary.stage_codes, summary.stage_labels, strict=True)
            ),
        ),
        rows=tuple(
            (row.name, row.framework, row.assessed, row.median, row.mean, row.scored, *row.stages)
            for row in trend
        ),
    )


def _heatmap_sort(sort: SortSpec | None, framework: Framework) -> SortSpec:
    if sort and sort.table == "heatmap" and sort.column in selectors.heatmap_sort_keys(framework):
        return sort
    return SortSpec(table="heatmap", column="locale")


def _heatmap_columns(framework: Framework) -> tuple[Column, ...]:
    return (
        Column("name", "LEA", TEXT),
        Column("locale", "Locale", TEXT),
        *(Column(code, name, SCORE) for code, name in selectors.domain_columns(framework)),
        Column("overall", "Overall score", SCORE),
        Column("stage", "Stage", TEXT),
        Column("status", "Status", TEXT),
    )


def _heatmap_table(rows, framework: Framework, sort: SortSpec, cycle: AssessmentCycle) -> Table:
    labels = selectors.stage_labels(framework)
    return Table(
        key="heatmap",
        caption="Domain and overall scores of the LEAs on this page",
        columns=_heatmap_columns(framework),
        rows=tuple(
            (
                Link(row.name, reverse("lea_results", args=[row.leaid, cycle.pk])),
                row.locale_label,
                *row.domains,
                row.overall,
                labels.get(row.stage, row.stage),
                COMPLETION_LABELS.get(row.status, row.status),
            )
            for row in rows
        ),
        sort=sort,
    )


def _heatmap_csv(rows, framework: Framework, filename: str):
    labels = selectors.stage_labels(framework)
    domains = selectors.domain_columns(framework)
    header = [
        "LEAID",
        "LEA",
        "Locale",
        "Size band",
        "Enrollment",
        *(name for _, name in domains),
        "Overall score",
        "Stage",
        "Status",
    ]
    lines = (
        (
            row.leaid,
            row.name,
            row.locale_label,
            SIZE_BAND_LABELS.get(row.size_band, row.size_band),
            row.enrollment,
            *row.domains,
            row.overall,
            labels.get(row.stage, row.stage),
            COMPLETION_LABELS.get(row.status, row.status),
        )
        for row in rows
    )
    return csv_response(filename, header, lines)


# --- charts and groups of the state dashboard ----------------------------------------------


def _heatmap_groups(rows, framework: Framework, sort: SortSpec, page) -> list[dict]:
    """The page's rows as heatmaps: one per locale when grouped by locale, else one."""
    if not rows:
        return []
    stages = framework.lea_stages
    columns = [
        code.replace("_", " ").capitalize() for code, _ in selectors.domain_columns(framework)
    ]
    columns.append("Overall")
    runs: list[tuple[str, list]] = []
    for row in rows:
        key = row.locale_label if sort.column == "locale" else ""
        if not runs or runs[-1][0] != key:
            runs.append((key, []))
        runs[-1][1].append(row)
    first = page.start_index()
    groups = []
    for i, (label, members) in enumerate(runs):
        heading = f"{label}: " if label else ""
        title = f"{heading}LEAs {first:,} to {first + len(members) - 1:,} by domain score"
        first += len(members)
        groups.append(
            {
                "label": label,
                "chart": charts.heatmap(
                    chart_id=f"chart-heatmap-{i}",
                    title=title,
                    columns=columns,
                    rows=[
                        {"label": row.name, "values": [*row.domains, row.overall]}
                        for row in members
                    ],
                    thresholds=[s.min_score for s in stages],
                    band_labels=[s.label for s in stages],
                    legend=i == len(runs) - 1,
                    label_width=250,
                    label_limit=40,
                    cell_width=70,
                    row_height=18,
                ),
            }
        )
    return groups


def export_filename(*, state: State, cycle, table: str, filters: DashboardFilters) -> str:
    """The CSV's file name: state, cycle and table, then the filters when any apply, so a
    filtered download is never mistaken for the whole state's
    ("nh-2025-26-heatmap-filtered-rural-small.csv")."""
    parts = [slugify(state.code), slugify(cycle.name), table]
    # The lever table counts every assessed LEA whatever the filters (see _scope_note).
    if filters.any and table != "levers":
        labels = [
            LOCALE_LABELS.get("" if filters.locale == NOT_REPORTED else filters.locale)
            if filters.locale
            else None,
            f"{selectors.SIZE_BAND_SHORT_LABELS.get(filters.size_band, filters.size_band)} LEAs"
            if filters.size_band
            else None,
            COMPLETION_LABELS.get(filters.status, filters.status) if filters.status else None,
        ]
        parts += ["filtered", *(slugify(label) for label in labels if label)]
    return "-".join(part for part in parts if part) + ".csv"


def _filter_labels(filters: DashboardFilters) -> list[str]:
    labels = []
    if filters.locale:
        labels.append(LOCALE_LABELS.get("" if filters.locale == NOT_REPORTED else filters.locale))
    if filters.size_band:
        labels.append(SIZE_BAND_LABELS.get(filters.size_band, filters.size_band))
    if filters.status:
        labels.append(COMPLETION_LABELS.get(filters.status, filters.status))
    return [label for label in labels if label]


def _scope_note(filters: DashboardFilters) -> str:
    if not filters.any:
        return ""
    return "Filters apply to every section except the levers (always every assessed LEA)."


# --- the national view ---------------------------------------------------------------------


def _national_data(request):
    _require_national(request)
    framework_version = framework_current()
    if framework_version is None:
        raise Http404("No framework is loaded.")
    framework = framework_version.spec
    form = NationalFilterForm(
        request.GET or None, cycle_names=selectors.national_cycle_names(user=request.user)
    )
    levers = framework.levers
    rows = selectors.national_overview(
        user=request.user,
        lever_codes=list(framework.lever_codes),
        cycle_name=form.cycle_name(),
    )
    return framework, form, levers, rows


def _national_levers_table(framework: Framework, levers, rows) -> Table:
    return Table(
        key="levers",
        caption="Each state's policy status on the nine levers",
        columns=(
            Column("state", "State", TEXT),
            # The page shows nine levers beside the state: its code is in the CSV only.
            Column("code", "Code", TEXT, csv_only=True),
            Column("cycle", "Cycle", TEXT),
            Column("stage", "Policy stage", TEXT),
            *(
                Column(lever.code, lever.name, TEXT, short=framework.lever_short_name(lever.code))
                for lever in levers
            ),
        ),
        rows=tuple(
            (
                _state_link(row),
                row.state_code,
                row.cycle_name or None,
                framework.state_stage_label(row.stage) if row.profile_recorded else "Not recorded",
                *(framework.status_label(s) if s else "Not recorded" for s in row.statuses),
            )
            for row in rows
        ),
    )


def _national_states_table(rows) -> Table:
    return Table(
        key="states",
        caption="LEAs and needs assessments by state",
        columns=(
            Column("state", "State", TEXT),
            Column("code", "Code", TEXT),
            Column("cycle", "Cycle", TEXT),
            Column("leas", "LEAs"),
            Column("assessments", "Assessments"),
            Column("accepted", "Accepted"),
            Column("share", "Share of LEAs assessed", PERCENT),
            Column("median", "Median overall score", SCORE),
            Column("median_leas", "LEAs in the median"),
        ),
        rows=tuple(
            (
                _state_link(row),
                row.state_code,
                row.cycle_name or None,
                row.leas,
                row.assessments,
                row.accepted,
                share(row.assessments, row.leas),
                row.median,
                row.median_leas,
            )
            for row in rows
        ),
    )


def _state_link(row) -> Link:
    if row.cycle_id is None:
        return Link(row.state_name, reverse("dashboards:state_latest", args=[row.state_code]))
    return Link(row.state_name, reverse("dashboards:state", args=[row.state_code, row.cycle_id]))


def _stage_or_none(stages: Mapping[str, str], row) -> str:
    return stages.get(row.stage, row.stage) if row.profile_recorded else "no profile"


def _status_grid(
    *,
    columns: Sequence[str],
    rows: Sequence[tuple[str, Sequence[str | None]]],
    statuses: Sequence[PolicyStatus],
) -> dict:
    """States x levers, each cell shaded and labelled by the lever's status (darker the
    further the policy goes). rows: (label, [status code or None per lever])."""
    position = {status.code: i for i, status in enumerate(statuses)}
    labels = {status.code: status.label for status in statuses}
    missing = "Not recorded"
    return charts.heatmap(
        chart_id="chart-national-levers",
        title="Policy status of the nine levers in each state",
        columns=list(columns),
        rows=[{"label": label, "values": list(codes)} for label, codes in rows],
        band_labels=list(labels.values()),
        band_of=position.get,
        value_text=lambda code: labels.get(code, code) if code else "—",
        missing_label=missing,
        desc=(
            f"{len(rows)} states by {len(columns)} levers; each cell names the lever's status "
            f"({', '.join(labels.values())}), shaded darker the further the policy goes; "
            f"a dash means {missing.lower()}."
        ),
        row_header="State",
        label_width=170,
        label_limit=30,
        cell_width=84,
        row_height=20,
    )


@login_required
def national(request):
    _require_national(request)
    body = figures_page(
        parts=("national", _query_parts(request)),
        every_state=True,
        build=lambda: _national_body(request),
    )
    return page_around(request, "dashboards/national.html", {}, body)


@reading_summaries_once
def _national_body(request) -> str:
    """The national view below the page's header."""
    framework, form, levers, rows = _national_data(request)
    sort = SortSpec.parse(request.GET.get("sort"))
    levers_table = table_sorted(_national_levers_table(framework, levers, rows), sort)
    states_table = table_sorted(_national_states_table(rows), sort)
    stages = {s.code: s.label for s in framework.state_stages}
    by_code = {row.state_code: row for row in rows}
    ordered = [by_code[table_row[1]] for table_row in levers_table.rows]
    query = request.GET.copy()
    export_query = query.copy()
    export_query.pop("page", None)

    def export_url(key: str) -> str:
        url = reverse("dashboards:national_export", args=[key])
        return f"{url}?{export_query.urlencode()}" if export_query else url

    grid = (
        _status_grid(
            columns=[framework.lever_short_name(lever.code) for lever in levers],
            rows=[
                (f"{row.state_name} ({_stage_or_none(stages, row)})", row.statuses)
                for row in ordered
            ],
            statuses=framework.statuses,
        )
        if rows
        else None
    )
    completion = (
        dashboard_charts.national_completion(
            rows=[by_code[table_row[1]] for table_row in states_table.rows]
        )
        if rows
        else None
    )
    return render_to_string(
        "dashboards/includes/national_body.html",
        {
            "form": form,
            "grid": grid,
            "completion": completion,
            "levers": levers,
            "tables": {
                "levers": table_context(levers_table, query),
                "states": table_context(states_table, query),
            },
            "exports": {key: export_url(key) for key in NATIONAL_TABLES},
            "sort_status": sort_status(levers_table) or sort_status(states_table),
            "state_count": len(rows),
        },
    )


@login_required
@reading_summaries_once
def national_export(request, table: str):
    if table not in NATIONAL_TABLES:
        raise Http404("No such table.")
    framework, form, levers, rows = _national_data(request)
    sort = SortSpec.parse(request.GET.get("sort"))
    data = (
        _national_levers_table(framework, levers, rows)
        if table == "levers"
        else _national_states_table(rows)
    )
    cycle = slugify(form.cycle_name()) or "latest"
    filename = f"national-{cycle}-{table}.csv"
    access_event_record(request=request, kind=Kind.CSV_EXPORT, detail=filename)
    return table_csv_response(table_sorted(data, sort), filename)


# --- the state's improvement plans ------------------------------------------------------


def _plans_table(rows, *, state: State, cycle: AssessmentCycle) -> Table:
    return Table(
        key="plans",
        caption=f"LEAs of {state.name} by the status of their improvement plan, {cycle.name}",
        columns=(
            Column("lea", "LEA", TEXT),
            Column("status", "Plan status", TEXT),
            Column("tasks", "Tasks"),
            Column("done", "Tasks done"),
            Column("overdue", "Overdue tasks"),
            Column("activity", "Last activity", TEXT, nowrap=True),
            Column("leaid", "LEAID", TEXT, csv_only=True),
        ),
        rows=tuple(
            (
                Link(row.lea_name, reverse("plans:plan", args=[row.leaid, cycle.pk]))
                if row.status != NO_PLAN
                else row.lea_name,
                row.status_label,
                row.tasks,
                row.done,
                row.overdue,
                timezone.localtime(row.last_activity).strftime("%Y-%m-%d %H:%M")
                if row.last_activity
                else None,
                row.leaid,
            )
            for row in rows
        ),
    )


def _plans_setup(request, state_code: str, cycle_id: int):
    state = _state_for_dashboard(request, state_code)
    cycles = selectors.state_dashboard_cycles(user=request.user, state=state)
    cycle = next((c for c in cycles if c.pk == cycle_id), None)
    if cycle is None:
        raise Http404("No such cycle in this state.")
    return state, cycle, PlanStatusFilterForm(request.GET)


@login_required
def state_plans(request, state_code: str, cycle_id: int):
    """The state's plans: counts by status and how planned gaps moved for everyone who
    sees the state's aggregates; LEA by LEA only for the state's staff and administrators."""
    state, cycle, form = _plans_setup(request, state_code, cycle_id)
    show_leas = scoping.user_can_see_state_plans(user=request.user, state=state)
    context = {
        "state": state,
        "cycle": cycle,
        "form": form,
        "counts": [
            (PLAN_STATUS_LABELS[code], n)
            for code, n in state_plan_status_counts(state=state, cycle=cycle).items()
        ],
        "outcomes": state_plan_outcomes(state=state, cycle=cycle),
        "show_leas": show_leas,
    }
    if show_leas:
        sort = SortSpec.parse(request.GET.get("sort"))
        rows = state_plan_rows(state=state, cycle=cycle, status=form.status())
        table = table_sorted(_plans_table(rows, state=state, cycle=cycle), sort)
        page = Paginator(table.rows, 200).get_page(request.GET.get("page"))
        shown = dataclasses.replace(table, rows=tuple(page.object_list))
        export_query = request.GET.copy()
        export_query.pop("page", None)
        export = reverse("dashboards:state_plans_export", args=[state.code, cycle.pk])
        page_query = request.GET.copy()
        page_query.pop("page", None)
        context.update(
            table=table_context(shown, request.GET, reset_page=True, swap=False),
            sort_status=sort_status(table),
            export_url=f"{export}?{export_query.urlencode()}" if export_query else export,
            page_obj=page,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            page_query=page_query.urlencode(),
        )
    return render(request, "dashboards/state_plans.html", context)


@login_required
def state_plans_export(request, state_code: str, cycle_id: int):
    state, cycle, form = _plans_setup(request, state_code, cycle_id)
    if not scoping.user_can_see_state_plans(user=request.user, state=state):
        raise Http404("No such export.")
    rows = state_plan_rows(state=state, cycle=cycle, status=form.status())
    table = table_sorted(
        _plans_table(rows, state=state, cycle=cycle), SortSpec.parse(request.GET.get("sort"))
    )
    suffix = f"-{form.status()}" if form.status() else ""
    filename = f"plans-{state.code.lower()}-{slugify(cycle.name)}{suffix}.csv"
    access_event_record(request=request, kind=Kind.CSV_EXPORT, detail=filename)
    return table_csv_response(table, filename)
