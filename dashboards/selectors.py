"""Reads for the state and national dashboards, as plain data.

Who may see a dashboard is decided by `access.selectors` (the one scoping module):
every function here takes a state and cycle the caller already found through it.

Every count, median and mean is added up from the cycles' summaries
(`assessments.summaries`: LEAs per locale, size band, status and stage, and the compared
scores per column), read once per page with the stamp that proves them current, so a
dashboard costs the same fixed number of queries, and about the same time, for 10 LEAs or
2,200:

- `state_dashboard_summary`: completion, stages, both breakdowns, the medians and means;
- `state_dashboard_heatmap`: one page of LEAs with their stored scores (its count from
  the summary, its order from a sort over narrow rows);
- `state_dashboard_domain_medians` and `state_dashboard_trend`: the summaries' scores;
- `national_lever_grid` and `national_state_counts`: a handful of grouped reads and each
  state's latest summary.

One selector per figure: the state dashboard page, its CSV exports, its API and the
statewide PDF (reports.selectors.state_report_context) all read these functions, so
they cannot disagree.

Medians and means are worked out exactly (fractions of the scores as displayed) and
rounded to one decimal with halves up, the rule `assessments.scoring` uses for scores.
They rest on the assessments whose status is in `assessments.models.COMPARED_STATUSES`
(submitted or accepted: drafts and returned assessments may still change), and each is
given with the number of LEAs it rests on. Completion and stage counts cover every
assessment, whatever its status.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from access import selectors as scoping
from accounts.models import User
from assessments.models import COMPARED_STATUSES, Assessment, AssessmentCycle
from assessments.scoring import (
    INSUFFICIENT,
    lea_stage_order,
    score_mean_of_counts,
    score_median_of_counts,
)
from assessments.summaries import NO_STATUS, cycle_score_summaries, cycle_score_summary
from directory.models import LEA, Locale, State
from frameworks.document import Framework
from policies.models import LeverStatus

# --- vocabulary -----------------------------------------------------------------------

# LEA.size_band, as SQL. The bounds are those of the property: small under 1,000
# students, medium under 10,000, large from 10,000; no enrollment reported is "unknown".
SMALL_BELOW = 1000
MEDIUM_BELOW = 10000
SIZE_BANDS = (
    ("small", "Small (under 1,000 students)"),
    ("medium", "Medium (1,000 to 9,999)"),
    ("large", "Large (10,000 or more)"),
    ("unknown", "Enrollment not reported"),
)
SIZE_BAND_LABELS = dict(SIZE_BANDS)
# For chart rows, where a label has about 24 characters.
SIZE_BAND_SHORT_LABELS = {
    "small": "Small",
    "medium": "Medium",
    "large": "Large",
    "unknown": "Not reported",
}
SIZE_BAND_SQL = Case(
    When(enrollment__isnull=True, then=Value("unknown")),
    When(enrollment__lt=SMALL_BELOW, then=Value("small")),
    When(enrollment__lt=MEDIUM_BELOW, then=Value("medium")),
    default=Value("large"),
    output_field=CharField(),
)

# Locales in the order NCES lists them; "" (not reported) last. The filter uses a word
# for "not reported" because an empty GET value means "any locale".
NOT_REPORTED = "not_reported"
LOCALES = tuple((code, label) for code, label in Locale.choices if code) + (
    ("", "Locale not reported"),
)
LOCALE_LABELS = dict(LOCALES)

# "No assessment" first, then the assessment statuses in their order of progress.
NO_ASSESSMENT = "none"
COMPLETION_STATUSES = ((NO_ASSESSMENT, "No assessment"), *Assessment.Status.choices)
COMPLETION_LABELS = dict(COMPLETION_STATUSES)

HEATMAP_PAGE_SIZE = 100


def stage_codes(framework: Framework) -> list[str]:
    """Stage codes, lowest first, "insufficient evidence" first of all."""
    return lea_stage_order(framework)


def stage_labels(framework: Framework) -> dict[str, str]:
    return framework.lea_stage_labels


def _stage_of(code: str | None) -> str:
    # An assessment never scored (no answers yet) has no stage stored: it has too little
    # evidence for one, exactly like an assessment scored "insufficient evidence".
    return code or INSUFFICIENT


# --- filters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    """What the GET filters ask for; empty strings mean "any"."""

    locale: str = ""  # a Locale code, or NOT_REPORTED
    size_band: str = ""  # a SIZE_BANDS code
    status: str = ""  # NO_ASSESSMENT or an Assessment.Status

    @property
    def any(self) -> bool:
        return bool(self.locale or self.size_band or self.status)

    @property
    def without_status(self) -> "DashboardFilters":
        return DashboardFilters(locale=self.locale, size_band=self.size_band)


def _state_leas(
    *, state: State, cycle: AssessmentCycle, filters: DashboardFilters
) -> QuerySet[Any]:  # LEAs, with lookups on the `size` and `current` annotations
    """The state's LEAs, each joined to its assessment in the cycle (if any) as `current`,
    with its size band, narrowed by the filters."""
    qs = LEA.objects.filter(state_id=state.pk).annotate(
        size=SIZE_BAND_SQL,
        current=FilteredRelation("assessments", condition=Q(assessments__cycle_id=cycle.pk)),
    )
    if filters.locale:
        qs = qs.filter(locale="" if filters.locale == NOT_REPORTED else filters.locale)
    if filters.size_band:
        qs = qs.filter(size=filters.size_band)
    if filters.status == NO_ASSESSMENT:
        qs = qs.filter(current__id__isnull=True)
    elif filters.status:
        qs = qs.filter(current__status=filters.status)
    return qs


# --- the state dashboard: completion, stages, breakdowns ----------------------------------


@dataclass(frozen=True)
class GroupRow:
    """One locale or size band: its LEAs, their assessments, scores and stages."""

    key: str
    label: str
    leas: int
    assessed: int
    scored: int  # compared assessments with an overall score: what the mean and median rest on
    mean: float | None
    median: float | None
    stages: tuple[int, ...]  # assessments per stage, in `StateSummary.stage_codes` order


@dataclass(frozen=True)
class StateSummary:
    leas: int
    completion: tuple[tuple[str, str, int], ...]  # (status code, label, LEAs)
    stage_codes: tuple[str, ...]
    stage_labels: tuple[str, ...]
    stages: tuple[int, ...]  # assessed LEAs per stage
    assessed: int
    scored: int  # compared assessments with an overall score: what the mean and median rest on
    mean: float | None
    median: float | None
    locales: tuple[GroupRow, ...]
    sizes: tuple[GroupRow, ...]

    def completion_count(self, status: str) -> int:
        return next(n for code, _, n in self.completion if code == status)


def _selected(filters: DashboardFilters, locale: str, size: str, status: str) -> bool:
    """Whether LEAs of this locale, size band and assessment status ("" for none) are
    among those the filters select."""
    if filters.locale and locale != ("" if filters.locale == NOT_REPORTED else filters.locale):
        return False
    if filters.size_band and size != filters.size_band:
        return False
    if filters.status == NO_ASSESSMENT:
        return status == NO_STATUS
    return not filters.status or status == filters.status


def state_dashboard_summary(
    *, state: State, cycle: AssessmentCycle, framework: Framework, filters: DashboardFilters
) -> StateSummary:
    """Completion of the cycle, LEAs by stage, and the breakdown by locale and by size
    band, for the LEAs the filters select. Added up from the cycle's summary (one query
    while it is current), so the cost does not grow with the number of LEAs."""
    summary = cycle_score_summary(cycle=cycle)
    codes = stage_codes(framework)
    labels = stage_labels(framework)

    completion: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    groups: dict[str, defaultdict[str, Counter[str]]] = {
        "locale": defaultdict(Counter),
        "size": defaultdict(Counter),
    }
    for locale, size, status, stage, n in summary.cells:
        if not _selected(filters, locale, size, status):
            continue
        status = status or NO_ASSESSMENT
        completion[status] += n
        for dimension, key in (("locale", locale), ("size", size)):
            counter = groups[dimension][key]
            counter["leas"] += n
            if status != NO_ASSESSMENT:
                counter["assessed"] += n
                counter[f"stage:{stage}"] += n
        if status != NO_ASSESSMENT:
            stages[stage] += n
            if stage not in codes:
                codes.append(stage)  # scored with another framework version

    # Compared overall scores as {score: LEAs}, for the whole selection and per group.
    values: dict[str, defaultdict[str, Counter[float]]] = {
        "locale": defaultdict(Counter),
        "size": defaultdict(Counter),
    }
    every_score: Counter[float] = Counter()
    for locale, size, status, _, score, n in summary.column_scores(summary.overall_column):
        if filters.any and not _selected(filters, locale, size, status):
            continue
        every_score[score] += n
        values["locale"][locale][score] += n
        values["size"][size][score] += n

    def group_rows(dimension: str, order: Sequence[tuple[str, str]]) -> tuple[GroupRow, ...]:
        found = groups[dimension]
        return tuple(
            GroupRow(
                key=key,
                label=label,
                leas=found[key]["leas"],
                assessed=found[key]["assessed"],
                scored=values[dimension][key].total(),
                mean=score_mean_of_counts(values[dimension][key]),
                median=score_median_of_counts(values[dimension][key]),
                stages=tuple(found[key][f"stage:{code}"] for code in codes),
            )
            for key, label in order
            if key in found
        )

    return StateSummary(
        leas=sum(completion.values()),
        completion=tuple((code, label, completion[code]) for code, label in COMPLETION_STATUSES),
        stage_codes=tuple(codes),
        stage_labels=tuple(labels.get(code, code) for code in codes),
        stages=tuple(stages[code] for code in codes),
        assessed=sum(stages.values()),
        scored=every_score.total(),
        mean=score_mean_of_counts(every_score),
        median=score_median_of_counts(every_score),
        locales=group_rows("locale", LOCALES),
        sizes=group_rows("size", SIZE_BANDS),
    )


# --- the state dashboard: heatmap of LEAs x domains --------------------------------------


@dataclass(frozen=True)
class HeatmapRow:
    leaid: str
    name: str
    locale: str
    locale_label: str
    size_band: str
    enrollment: int | None
    status: str
    stage: str
    overall: float | None
    domains: tuple[float | None, ...]  # in framework order


@dataclass
class HeatmapPage:
    page: Page
    rows: list[HeatmapRow] = field(default_factory=list)


def domain_columns(framework: Framework) -> list[tuple[str, str]]:
    """(code, name) of the framework's domains, in order."""
    return [(domain.code, domain.name) for domain in framework.domains]


def _domain_score_sql(index: int):
    """The stored score of the index-th domain (framework order), NULL when the domain has
    insufficient evidence or the assessment has no scores yet."""
    path = KeyTransform(index, KeyTransform("domains", "current__scores"))
    return Case(
        # A JSON null must not be read as 0 by the cast below (SQLite's JSON_TYPE).
        When(Q(**{f"current__scores__domains__{index}__score": None}), then=Value(None)),
        default=Cast(KeyTextTransform("score", path), FloatField()),
        output_field=FloatField(),
    )


def _ordinal_sql(field_name: str, order: Sequence[str]):
    return Case(
        *(When(**{field_name: code}, then=Value(i)) for i, code in enumerate(order)),
        default=Value(len(order)),
        output_field=IntegerField(),
    )


def heatmap_sort_keys(framework: Framework) -> list[str]:
    return ["name", "locale", *(code for code, _ in domain_columns(framework)), "overall"] + [
        "stage",
        "status",
    ]


def _heatmap_queryset(
    *,
    state: State,
    cycle: AssessmentCycle,
    framework: Framework,
    filters: DashboardFilters,
    sort: str,
    descending: bool,
) -> QuerySet:
    domains = domain_columns(framework)
    qs = _state_leas(state=state, cycle=cycle, filters=filters).filter(current__id__isnull=False)
    by_locale = _ordinal_sql("locale", [code for code, _ in LOCALES])
    overall_desc = F("current__overall_score").desc(nulls_last=True)
    if sort in {code for code, _ in domains}:
        index = [code for code, _ in domains].index(sort)
        qs = qs.annotate(sort_value=_domain_score_sql(index))
        key = F("sort_value")
    elif sort == "overall":
        key = F("current__overall_score")
    elif sort == "stage":
        qs = qs.annotate(sort_value=_ordinal_sql("current__stage", stage_codes(framework)))
        key = F("sort_value")
    elif sort == "status":
        order = [code for code, _ in Assessment.Status.choices]
        qs = qs.annotate(sort_value=_ordinal_sql("current__status", order))
        key = F("sort_value")
    elif sort == "name":
        key = F("name")
    else:
        # Default: grouped by locale, the highest overall score first within a locale.
        qs = qs.annotate(sort_value=by_locale)
        key = F("sort_value")
        ordering = [key.desc() if descending else key.asc(), overall_desc, "name", "pk"]
        return qs.order_by(*ordering)
    ordered = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    return qs.order_by(ordered, "name", "pk")


_HEATMAP_FIELDS = (
    "leaid",
    "name",
    "locale",
    "size",
    "enrollment",
    "current__status",
    "current__stage",
    "current__overall_score",
    "current__scores",
)


def _heatmap_row(values: Mapping, domain_codes: Sequence[str]) -> HeatmapRow:
    stored = values["current__scores"] or {}
    by_code = {d["code"]: d.get("score") for d in stored.get("domains", [])}
    return HeatmapRow(
        leaid=values["leaid"],
        name=values["name"],
        locale=values["locale"],
        locale_label=LOCALE_LABELS.get(values["locale"], values["locale"]),
        size_band=values["size"],
        enrollment=values["enrollment"],
        status=values["current__status"],
        stage=_stage_of(values["current__stage"]),
        overall=values["current__overall_score"],
        domains=tuple(by_code.get(code) for code in domain_codes),
    )


class _HeatmapRows:
    """The heatmap's rows as the paginator reads them: a known count, and a slice read as
    the ids in order (a sort over narrow rows) and then those rows' values."""

    def __init__(self, qs: QuerySet, count: int):
        self.qs = qs
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[dict]:
        ids = list(self.qs.values_list("pk", flat=True)[index])
        found = {
            values["pk"]: values
            for values in self.qs.order_by().filter(pk__in=ids).values("pk", *_HEATMAP_FIELDS)
        }
        return [found[pk] for pk in ids if pk in found]


def state_dashboard_heatmap(
    *,
    state: State,
    cycle: AssessmentCycle,
    framework: Framework,
    filters: DashboardFilters,
    sort: str = "locale",
    descending: bool = False,
    page_number: str | int | None = 1,
    per_page: int = HEATMAP_PAGE_SIZE,
) -> HeatmapPage:
    """One page of the assessed LEAs with their stored domain scores. The count comes from
    the cycle's summary; the page is read in two narrow steps (its LEAs in order, then
    their scores), so only the page's scores are read and sorting a state of 2,200 LEAs
    moves no stored scores."""
    qs = _heatmap_queryset(
        state=state,
        cycle=cycle,
        framework=framework,
        filters=filters,
        sort=sort,
        descending=descending,
    )
    summary = cycle_score_summary(cycle=cycle)
    count = sum(
        n
        for locale, size, status, _, n in summary.cells
        if status != NO_STATUS and _selected(filters, locale, size, status)
    )
    rows = cast(Sequence[dict], _HeatmapRows(qs, count))  # a count and slices, as a list has
    page: Page = Paginator(rows, per_page).get_page(page_number)
    codes = [code for code, _ in domain_columns(framework)]
    return HeatmapPage(page=page, rows=[_heatmap_row(values, codes) for values in page])


def state_dashboard_heatmap_rows(
    *,
    state: State,
    cycle: AssessmentCycle,
    framework: Framework,
    filters: DashboardFilters,
    sort: str = "locale",
    descending: bool = False,
) -> Iterator[HeatmapRow]:
    """Every row of the heatmap (for the CSV export), read in chunks. One query."""
    qs = _heatmap_queryset(
        state=state,
        cycle=cycle,
        framework=framework,
        filters=filters,
        sort=sort,
        descending=descending,
    ).values(*_HEATMAP_FIELDS)
    codes = [code for code, _ in domain_columns(framework)]
    for values in qs.iterator(chunk_size=500):
        yield _heatmap_row(values, codes)


@dataclass(frozen=True)
class MedianCell:
    """A median score and the number of LEAs it rests on."""

    median: float | None
    leas: int


@dataclass(frozen=True)
class DomainMedianRow:
    key: str  # a locale code, or ALL_LOCALES
    label: str
    cells: tuple[MedianCell, ...]  # each domain in framework order, then the overall score

    @property
    def overall(self) -> MedianCell:
        return self.cells[-1]


ALL_LOCALES = "all"


def state_dashboard_domain_medians(
    *, state: State, cycle: AssessmentCycle, framework: Framework, filters: DashboardFilters
) -> tuple[DomainMedianRow, ...]:
    """The median of each domain score and of the overall score, per locale (NCES order,
    locales without a compared assessment left out) and then for all locales, over the
    compared assessments the filters select. Added up from the cycle's summary."""
    summary = cycle_score_summary(cycle=cycle)
    columns = [*range(len(domain_columns(framework))), summary.overall_column]
    position = {column: i for i, column in enumerate(columns)}
    values: dict[str, list[Counter[float]]] = defaultdict(lambda: [Counter() for _ in columns])
    for column, i in position.items():
        for locale, size, status, _, score, n in summary.column_scores(column):
            if filters.any and not _selected(filters, locale, size, status):
                continue
            values[locale][i][score] += n
            values[ALL_LOCALES][i][score] += n
    for locale, size, status, _, _ in summary.cells:
        # A locale with compared assessments has a row even when none of them has a score.
        if status in COMPARED_STATUSES and _selected(filters, locale, size, status):
            values[locale]  # noqa: B018 - creates the locale's row

    def cells(key: str) -> tuple[MedianCell, ...]:
        return tuple(
            MedianCell(median=score_median_of_counts(column), leas=column.total())
            for column in values[key]
        )

    rows = [
        DomainMedianRow(key=code, label=label, cells=cells(code))
        for code, label in LOCALES
        if code in values
    ]
    rows.append(DomainMedianRow(key=ALL_LOCALES, label="All locales", cells=cells(ALL_LOCALES)))
    return tuple(rows)


# --- the state dashboard: trend across cycles ----------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    cycle_id: int
    name: str
    assessed: int
    scored: int  # compared assessments with an overall score: what the median and mean rest on
    median: float | None
    mean: float | None
    stages: tuple[int, ...]
    framework: str = ""  # the framework version of the cycle, e.g. "cbe-v1"


def state_dashboard_trend(
    *,
    state: State,
    cycles: Sequence[AssessmentCycle],
    stage_order: Sequence[str],
    filters: DashboardFilters,
) -> list[TrendRow]:
    """Per cycle of the state, oldest first: assessments, median and mean overall score,
    and assessments per stage (in `stage_order`; a stage missing from it is left out).
    The locale and size band filters apply; the status filter does not (a status belongs
    to one cycle). Added up from the cycles' summaries (one query while they are current)."""
    if not cycles:
        return []
    without_status = filters.without_status
    summaries = cycle_score_summaries(cycles=cycles)
    rows = []
    for cycle in sorted(cycles, key=lambda c: (c.starts_on, c.pk)):
        summary = summaries[cycle.pk]
        counts: Counter[str] = Counter()
        for locale, size, status, stage, n in summary.cells:
            if status != NO_STATUS and _selected(without_status, locale, size, status):
                counts[stage] += n
        scores: Counter[float] = Counter()
        for locale, size, status, _, score, n in summary.column_scores(summary.overall_column):
            if not without_status.any or _selected(without_status, locale, size, status):
                scores[score] += n
        rows.append(
            TrendRow(
                cycle_id=cycle.pk,
                name=cycle.name,
                framework=f"{cycle.framework.code}-v{cycle.framework.version}",
                assessed=sum(counts.values()),
                scored=scores.total(),
                median=score_median_of_counts(scores),
                mean=score_mean_of_counts(scores),
                stages=tuple(counts[code] for code in stage_order),
            )
        )
    return rows


# --- the state dashboard: access, cycles and the state's policy stage ------------------


def state_get_for_dashboard(*, user: User, code: str) -> State:
    """The state whose dashboard the user asks for: 404 when the state is outside the
    user's scope, 403 when the user may see the state but not its aggregates (a district
    leader). Both answers come from access.selectors."""
    state = scoping.state_get_for_user(user=user, code=code)
    if not scoping.user_can_see_state_aggregates(user=user, state=state):
        raise PermissionDenied("State dashboards are for state and national staff.")
    return state


def user_can_see_national_view(*, user: User) -> bool:
    return scoping.scope_for_user(user).everything


def cycle_framework(*, cycle: AssessmentCycle) -> Framework:
    """The cycle's typed framework, kept in memory per content hash, so policies.selectors
    reads it again without another query."""
    return cycle.framework.spec


def state_and_cycles_for_dashboard(*, user: User, code: str) -> tuple[State, list[AssessmentCycle]]:
    """`state_get_for_dashboard` and `state_dashboard_cycles` in one query when the state
    has cycles the user may see (the state comes with them); else as those two do."""
    cycles = list(
        scoping.cycle_list_for_user(user=user)
        .filter(state__code=code.upper())
        .defer("framework__content")
        .order_by("-starts_on", "-pk")
    )
    if not cycles:
        return state_get_for_dashboard(user=user, code=code), []
    state = cycles[0].state
    if not scoping.user_can_see_state_aggregates(user=user, state=state):
        raise PermissionDenied("State dashboards are for state and national staff.")
    return state, cycles


def state_dashboard_cycles(*, user: User, state: State) -> list[AssessmentCycle]:
    """The state's cycles the user may see, newest first, without their framework content
    (read at most once, for the cycle shown, through `FrameworkVersion.spec`)."""
    return list(
        scoping.cycle_list_for_user(user=user)
        .filter(state_id=state.pk)
        .defer("framework__content")
        .order_by("-starts_on", "-pk")
    )


def state_policy_stage(*, user: User, state: State, cycle: AssessmentCycle) -> str | None:
    """The stage stored on the state's policy profile for the cycle, or None without one."""
    return (
        scoping.policy_profile_list_for_user(user=user)
        .filter(state_id=state.pk, cycle_id=cycle.pk)
        .values_list("stage", flat=True)
        .first()
    )


# --- the national view ----------------------------------------------------------------------


@dataclass(frozen=True)
class NationalRow:
    state_code: str
    state_name: str
    cycle_id: int | None
    cycle_name: str
    profile_recorded: bool
    stage: str  # the state's policy stage code, "" without a profile
    statuses: tuple[str | None, ...]  # per lever (framework order); None = not recorded
    leas: int
    assessments: int
    accepted: int
    median: float | None
    median_leas: int = 0  # compared assessments with an overall score behind the median


def national_cycle_names(*, user: User) -> list[str]:
    """Distinct cycle names across the states the user may see, newest first."""
    names = scoping.cycle_list_for_user(user=user).order_by().values_list("name", flat=True)
    return sorted(set(names.distinct()), reverse=True)


def national_overview(
    *, user: User, lever_codes: Sequence[str], cycle_name: str = ""
) -> list[NationalRow]:
    """Per state the user may see: the lever statuses and policy stage of its policy
    profile, its LEAs, assessments, accepted assessments and median overall score.

    The cycle is the one named `cycle_name` in each state, or by default each state's
    latest cycle (the one that starts last). Six queries while the cycles' summaries are
    current, whatever the number of states, LEAs or assessments.
    """
    states = list(scoping.state_list_for_user(user=user).values_list("id", "code", "name"))
    cycles = scoping.cycle_list_for_user(user=user).order_by()
    if cycle_name:
        cycles = cycles.filter(name=cycle_name)
    chosen: dict[int, tuple] = {}
    for cycle_id, state_id, name, starts_on in cycles.values_list(
        "id", "state_id", "name", "starts_on"
    ):
        current = chosen.get(state_id)
        if current is None or (starts_on, cycle_id) > (current[2], current[0]):
            chosen[state_id] = (cycle_id, name, starts_on)
    cycle_ids = [cycle_id for cycle_id, _, _ in chosen.values()]

    profiles = {
        state_id: (profile_id, stage)
        for profile_id, state_id, stage in scoping.policy_profile_list_for_user(user=user)
        .filter(cycle_id__in=cycle_ids)
        .values_list("id", "state_id", "stage")
    }
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    for status_profile_id, lever_code, status in LeverStatus.objects.filter(
        profile_id__in=[pid for pid, _ in profiles.values()]
    ).values_list("profile_id", "lever__code", "status"):
        statuses[status_profile_id][lever_code] = status

    lea_counts = dict(
        scoping.lea_list_for_user(user=user)
        .order_by()
        .values("state_id")
        .annotate(n=Count("id"))
        .values_list("state_id", "n")
    )
    # Each chosen cycle's assessments by status and its compared overall scores, from the
    # cycles' summaries (one query while they are current).
    summaries = cycle_score_summaries(
        cycles=list(
            AssessmentCycle.objects.filter(pk__in=cycle_ids)
            .select_related("framework")
            .defer("framework__content")
        )
    )
    assessment_counts: dict[int, Counter] = defaultdict(Counter)
    scores: defaultdict[int, Counter[float]] = defaultdict(Counter)  # overall scores
    for state_id, (cycle_id, _, _) in chosen.items():
        summary = summaries[cycle_id]
        for _, _, status, _, n in summary.cells:
            if status != NO_STATUS:
                assessment_counts[state_id][status] += n
        scores[state_id] = summary.counts(summary.overall_column)

    rows = []
    for state_id, code, name in states:
        cycle = chosen.get(state_id)
        profile_id, stage = profiles.get(state_id, (None, ""))
        recorded = statuses.get(profile_id, {}) if profile_id is not None else {}
        rows.append(
            NationalRow(
                state_code=code,
                state_name=name,
                cycle_id=cycle[0] if cycle else None,
                cycle_name=cycle[1] if cycle else "",
                profile_recorded=profile_id is not None,
                stage=stage or "",
                # A profile records every lever; one missing from it counts as "none",
                # as in assessments.scoring. Without a profile nothing is recorded.
                statuses=tuple(
                    (recorded.get(lever, "none") if profile_id is not None else None)
                    for lever in lever_codes
                ),
                leas=lea_counts.get(state_id, 0),
                assessments=sum(assessment_counts[state_id].values()),
                accepted=assessment_counts[state_id][Assessment.Status.ACCEPTED],
                median=score_median_of_counts(scores[state_id]),
                median_leas=scores[state_id].total(),
            )
        )
    return rows
