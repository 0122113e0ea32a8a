"""Reads for the state policy side: profiles, their stage, their history, and alignment.

Who may see a profile is decided by `access.selectors` (the one scoping module);
everything here starts from a row the caller already obtained through it, or from a
state and cycle the caller is allowed to see.

Alignment (Part C of the framework) links each indicator of the LEA needs assessment to
the levers that enable progress on it. The framework file is the only source of that
link and of which statuses count as "active", so these functions read the framework
version's content, not hard-coded lists:

- a gap is an indicator rated at or below the framework's `gap_max_rating`;
- a gap is *opened* when at least one lever aligned to it is active (enacted or
  statewide in cbe-v1) in the LEA's state for the assessment's cycle, and *blocked*
  when none is; a lever with no recorded status counts as "none".

Everything returned is plain data (frozen dataclasses, tuples, strings, numbers), so
the LEA page, the PDF, the dashboard and the API use the same functions.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from access import selectors as scoping
from accounts.models import User
from assessments.models import Answer, Assessment, AssessmentCycle
from assessments.scoring import (
    ALL_LEVERS,
    NO_STATUS,
    AnswerData,
    classify,
    state_stage,
    state_stage_counts,
)
from directory.models import State
from frameworks.document import Framework, framework_from_content
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_specs_by_id

from .models import LeverStatus, StatePolicyProfile, citation_link

# --- framework helpers (pure) -------------------------------------------------


def opened_indicator_codes(framework: Framework, statuses: Mapping[str, str]) -> set[str]:
    """Codes of the indicators that at least one active lever is aligned to."""
    active = framework.active_status_codes
    active_levers = {code for code, status in statuses.items() if status in active}
    return {ind.code for ind in framework.indicators if active_levers & set(ind.levers)}


# --- the stage and how it was reached (pure) ---------------------------------------


@dataclass(frozen=True)
class RequirementCheck:
    """One condition of a stage, e.g. "at least 2 getting-started levers active"."""

    key: str
    text: str
    needed: int
    have: int

    @property
    def met(self) -> bool:
        return self.have >= self.needed


@dataclass(frozen=True)
class StageCheck:
    code: str
    label: str
    meaning: str
    requirements: tuple[RequirementCheck, ...]
    reached: bool  # this is the state's stage

    @property
    def met(self) -> bool:
        return all(req.met for req in self.requirements)


@dataclass(frozen=True)
class CountRow:
    """Engaged and in-force levers within one scope: all levers, or one lever group."""

    scope: str  # "any" or a lever group code
    label: str
    levers: int
    engaged: int
    active: int


@dataclass(frozen=True)
class StageWorking:
    """The state's stage with every count and condition that led to it."""

    stage: str
    label: str
    meaning: str
    engaged_statuses: str  # e.g. "exploring, enacted or statewide"
    active_statuses: str  # e.g. "enacted or statewide"
    counts: tuple[CountRow, ...]
    stages: tuple[StageCheck, ...]

    @property
    def count_by_key(self) -> dict[str, int]:
        """The counts under the names stage requirements use, e.g. "active_getting_started"."""
        result = {}
        for row in self.counts:
            result[f"engaged_{row.scope}"] = row.engaged
            result[f"active_{row.scope}"] = row.active
        return result


def _status_list(framework: Framework, flag: str) -> str:
    labels = [s.label.lower() for s in framework.statuses if getattr(s, flag)]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def _scope_label(framework: Framework, scope: str) -> str:
    if scope == ALL_LEVERS:
        return f"All {len(framework.levers)} levers"
    return framework.lever_group(scope).label


def _requirement_text(framework: Framework, key: str) -> str:
    """E.g. "In force (enacted or statewide): For states getting started"."""
    flag, scope = key.split("_", 1)
    kind = "In force" if flag == "active" else "Engaged"
    return f"{kind} ({_status_list(framework, flag)}): {_scope_label(framework, scope)}"


def state_stage_working(*, framework: Framework, statuses: Mapping[str, str]) -> StageWorking:
    """Explain `assessments.scoring.state_stage`: counts, and each stage's conditions.

    The stage itself is always `state_stage(framework, statuses)`; the checks beside
    it only show the reader why.
    """
    counts = state_stage_counts(framework, statuses)
    stage = state_stage(framework, statuses)
    sizes: dict[str, int] = defaultdict(int)
    for lever in framework.levers:
        sizes[lever.group] += 1
    sizes[ALL_LEVERS] = len(framework.levers)
    scopes = [ALL_LEVERS, *(group.code for group in framework.lever_groups)]
    count_rows = tuple(
        CountRow(
            scope=scope,
            label=_scope_label(framework, scope),
            levers=sizes[scope],
            engaged=counts[f"engaged_{scope}"],
            active=counts[f"active_{scope}"],
        )
        for scope in scopes
    )
    checks = tuple(
        StageCheck(
            code=entry.code,
            label=entry.label,
            meaning=entry.meaning,
            requirements=tuple(
                RequirementCheck(
                    key=key,
                    text=_requirement_text(framework, key),
                    needed=needed,
                    have=counts[key],
                )
                for key, needed in entry.requires.items()
            ),
            reached=entry.code == stage,
        )
        for entry in framework.state_stages
    )
    reached = next(check for check in checks if check.reached)
    return StageWorking(
        stage=stage,
        label=reached.label,
        meaning=reached.meaning,
        engaged_statuses=_status_list(framework, "engaged"),
        active_statuses=_status_list(framework, "active"),
        counts=count_rows,
        stages=checks,
    )


# --- profiles ------------------------------------------------------------------------


@dataclass(frozen=True)
class LeverState:
    """One lever of a profile as shown: its framework text and its recorded status."""

    code: str
    name: str
    summary: str
    group: str
    status: str
    status_label: str
    engaged: bool
    active: bool
    citation: str
    citation_url: str
    note: str
    version: int  # 0 when no status was ever recorded for this lever
    updated_by: str
    updated_at: datetime | None

    @property
    def recorded(self) -> bool:
        return self.version > 0


@dataclass(frozen=True)
class LeverGroup:
    code: str
    label: str
    description: str
    levers: tuple[LeverState, ...]


@dataclass(frozen=True)
class ProfileDetail:
    profile: StatePolicyProfile
    framework: Framework = field(repr=False)
    groups: tuple[LeverGroup, ...]
    working: StageWorking

    @property
    def levers(self) -> list[LeverState]:
        return [lever for group in self.groups for lever in group.levers]


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def policy_profile_get_for_user(*, user: User, state_code: str, cycle_id: int):
    """The profile of a state and cycle, or 404 when it is missing or not the user's to see."""
    return get_object_or_404(
        scoping.policy_profile_list_for_user(user=user).select_related("cycle__framework"),
        state__code=state_code.upper(),
        cycle__pk=cycle_id,  # not cycle_id: an id too large for SQLite is a 404, not a crash
    )


def policy_profile_levers(*, profile: StatePolicyProfile) -> list[LeverState]:
    """The nine levers in framework order with their status (one query for the statuses)."""
    framework = profile.cycle.framework.spec
    rows = {
        row.lever.code: row
        for row in LeverStatus.objects.filter(profile=profile).select_related("lever", "updated_by")
    }
    result = []
    for lever in framework.levers:
        row = rows.get(lever.code)
        code = row.status if row else NO_STATUS
        meta = framework.status(code)
        result.append(
            LeverState(
                code=lever.code,
                name=lever.name,
                summary=lever.summary,
                group=lever.group,
                status=code,
                status_label=meta.label,
                engaged=meta.engaged,
                active=meta.active,
                citation=row.citation if row else "",
                citation_url=citation_link(row.citation) if row else "",
                note=row.note if row else "",
                version=row.version if row else 0,
                updated_by=_person(row.updated_by) if row else "",
                updated_at=row.updated_at if row else None,
            )
        )
    return result


def policy_profile_detail(*, profile: StatePolicyProfile) -> ProfileDetail:
    """Levers grouped as the framework groups them, and the stage with its working."""
    framework = profile.cycle.framework.spec
    levers = policy_profile_levers(profile=profile)
    groups = tuple(
        LeverGroup(
            code=group.code,
            label=group.label,
            description=group.description,
            levers=tuple(lever for lever in levers if lever.group == group.code),
        )
        for group in framework.lever_groups
    )
    working = state_stage_working(
        framework=framework, statuses={lever.code: lever.status for lever in levers}
    )
    return ProfileDetail(profile=profile, framework=framework, groups=groups, working=working)


@dataclass(frozen=True)
class ProfileSummary:
    profile: StatePolicyProfile
    stage: str
    stage_label: str
    engaged: int
    active: int
    lever_total: int


def policy_profile_summaries_for_user(*, user: User) -> list[ProfileSummary]:
    """Every profile the user may see, latest cycle first within each state. Three queries."""
    return policy_profile_summaries(
        profiles=scoping.policy_profile_list_for_user(user=user).order_by(
            "state__name", "-cycle__starts_on"
        )
    )


def policy_profile_summaries(*, profiles: Iterable[StatePolicyProfile]) -> list[ProfileSummary]:
    """The stage and lever counts of each profile, in the order given (the caller scoped
    them through access.selectors; the API passes one page). Two queries and the profiles'."""
    profiles = list(profiles)
    frameworks = framework_specs_by_id(ids={profile.cycle.framework_id for profile in profiles})
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    for profile_id, lever_code, status in LeverStatus.objects.filter(
        profile__in=[profile.pk for profile in profiles]
    ).values_list("profile_id", "lever__code", "status"):
        statuses[profile_id][lever_code] = status
    result = []
    for profile in profiles:
        framework = frameworks[profile.cycle.framework_id]
        known = set(framework.lever_codes)
        these = {code: s for code, s in statuses[profile.pk].items() if code in known}
        counts = state_stage_counts(framework, these)
        stage = state_stage(framework, these)
        result.append(
            ProfileSummary(
                profile=profile,
                stage=stage,
                stage_label=framework.state_stage_label(stage),
                engaged=counts[f"engaged_{ALL_LEVERS}"],
                active=counts[f"active_{ALL_LEVERS}"],
                lever_total=len(framework.levers),
            )
        )
    return result


def policy_profile_startable_cycles(*, user: User) -> list[AssessmentCycle]:
    """Open cycles without a profile yet, in states whose profile this user may edit."""
    cycles = scoping.cycle_list_for_user(user=user).filter(
        is_open=True, policy_profiles__isnull=True
    )
    return [
        cycle
        for cycle in cycles.order_by("state__name", "-starts_on")
        if scoping.user_can_edit_policy(user=user, state=cycle.state)
    ]


def policy_cycle_get_for_user(*, user: User, state_code: str, cycle_id: int) -> AssessmentCycle:
    """A cycle of a state the user may see, or 404."""
    return get_object_or_404(
        scoping.cycle_list_for_user(user=user), state__code=state_code.upper(), pk=cycle_id
    )


# --- history ----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    lever_code: str
    lever_name: str
    kind: str  # "created" or "changed"
    changes: tuple[str, ...]
    reason: str


def _quoted(value: str, limit: int = 80) -> str:
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"“{value}”"


def _describe(field_name: str, old, new, labels: Mapping[str, str]) -> str:
    if field_name == "status":
        return f"Status: {labels.get(old, old)} → {labels.get(new, new)}"
    title = field_name.capitalize()
    if not old:
        return f"{title} added: {_quoted(new)}"
    if not new:
        return f"{title} removed (was {_quoted(old)})"
    return f"{title}: {_quoted(old)} → {_quoted(new)}"


def policy_profile_history(*, profile: StatePolicyProfile) -> list[HistoryEntry]:
    """Every recorded change to the profile's levers, newest first (one query).

    Each entry lists what changed against the previous version of the same lever.
    """
    framework = profile.cycle.framework.spec
    labels = dict(framework.status_choices)
    records = (
        LeverStatus.history.filter(profile_id=profile.pk)
        .select_related("history_user", "lever")
        .order_by("lever_id", "history_date", "history_id")
    )
    entries = []
    previous: dict[int, object] = {}
    for record in records:
        before = previous.get(record.lever_id)
        previous[record.lever_id] = record
        code = record.lever.code if record.lever else ""
        if before is None:
            changes = [f"First recorded as {labels.get(record.status, record.status)}"]
            if record.citation:
                changes.append(f"Citation: {_quoted(record.citation)}")
            if record.note:
                changes.append(f"Note: {_quoted(record.note)}")
            kind = "created"
        else:
            changes = [
                _describe(name, getattr(before, name), getattr(record, name), labels)
                for name in ("status", "citation", "note")
                if getattr(before, name) != getattr(record, name)
            ]
            kind = "changed"
            if not changes:
                continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=_person(record.history_user) or "System",
                lever_code=code,
                lever_name=framework.lever_name(code),
                kind=kind,
                changes=tuple(changes),
                reason=record.history_change_reason or "",
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


# --- alignment: one LEA -------------------------------------------------------------
#
# The kinds of gap, in the order pages, PDFs and the API list them. A gap's kind is
# `GapRow.state`; these give each kind its words.

OPENED = "opened"
BLOCKED = "blocked"


@dataclass(frozen=True)
class GapCategory:
    code: str
    label: str
    description: str


GAP_CATEGORIES = (
    GapCategory(
        OPENED,
        "Opened",
        "At least one state lever aligned to this practice is in force, so state policy "
        "already makes room for the work.",
    ),
    GapCategory(
        BLOCKED,
        "Blocked",
        "None of the state levers aligned to this practice is in force yet.",
    ),
)


@dataclass(frozen=True)
class LeverLink:
    """A lever aligned to a gap, with its status in the LEA's state for the cycle."""

    code: str
    name: str
    group: str
    status: str
    status_label: str
    active: bool
    citation: str


@dataclass(frozen=True)
class GapRow:
    indicator_code: str
    indicator_title: str
    domain_code: str
    domain_name: str
    area: str
    rating: int
    rating_label: str
    evidence: str
    next_step: str
    levers: tuple[LeverLink, ...]

    @property
    def opened(self) -> bool:
        """True when at least one aligned lever is active in the state."""
        return any(lever.active for lever in self.levers)

    @property
    def state(self) -> str:
        return OPENED if self.opened else BLOCKED


@dataclass(frozen=True)
class GapRef:
    code: str
    title: str


@dataclass(frozen=True)
class LeverContextRow:
    """One lever for one LEA: active or not, and the LEA's gaps it is aligned to."""

    code: str
    name: str
    group: str
    status: str
    status_label: str
    active: bool
    citation: str
    gaps: tuple[GapRef, ...]

    @property
    def gap_codes(self) -> tuple[str, ...]:
        return tuple(gap.code for gap in self.gaps)


@dataclass(frozen=True)
class CategoryCount:
    code: str
    label: str
    description: str
    count: int


@dataclass(frozen=True)
class LeaAlignment:
    profile_recorded: bool
    gaps: tuple[GapRow, ...]
    levers: tuple[LeverContextRow, ...]

    @property
    def opened_count(self) -> int:
        return sum(1 for gap in self.gaps if gap.opened)

    @property
    def blocked_count(self) -> int:
        return sum(1 for gap in self.gaps if not gap.opened)

    @property
    def categories(self) -> tuple[CategoryCount, ...]:
        """Every kind of gap, in order, with how many of this LEA's gaps are of it."""
        return tuple(
            CategoryCount(c.code, c.label, c.description, len(self.gaps_of(c.code)))
            for c in GAP_CATEGORIES
        )

    def gaps_of(self, category: str) -> tuple[GapRow, ...]:
        return tuple(gap for gap in self.gaps if gap.state == category)


def _assessment_framework(assessment: Assessment) -> Framework:
    """The typed framework of the assessment's cycle: taken from the loaded objects when
    the caller used select_related("cycle__framework"), else read with one query."""
    if Assessment._meta.get_field("cycle").is_cached(assessment):
        cycle = assessment.cycle
        if AssessmentCycle._meta.get_field("framework").is_cached(cycle):
            return cycle.framework.spec
    content, digest = FrameworkVersion.objects.values_list("content", "content_hash").get(
        cycles__id=assessment.cycle_id
    )
    return framework_from_content(content, digest=digest)


def _profile_statuses(*, cycle_id: int, lea_id: int | None = None, state_id: int | None = None):
    """(profile recorded?, {lever code: (status, citation)}) for the state's profile. One query.

    The profile is found through the LEA's state when an LEA is given, so the caller
    need not load the LEA.
    """
    qs = StatePolicyProfile.objects.filter(cycle_id=cycle_id)
    qs = (
        qs.filter(state__leas__id=lea_id)
        if lea_id is not None
        else qs.filter(state_id=cast(int, state_id))
    )
    rows = list(
        qs.values_list(
            "id",
            "lever_statuses__lever__code",
            "lever_statuses__status",
            "lever_statuses__citation",
        )
    )
    statuses = {code: (status, citation) for _, code, status, citation in rows if code}
    return bool(rows), statuses


def lea_alignment(*, assessment: Assessment) -> LeaAlignment:
    """The assessment's gaps with the levers aligned to each, and each lever's gaps.

    Queries: one for the answers, one for the state's lever statuses, and one for the
    framework unless `assessment.cycle.framework` is already loaded (select_related).
    The count never depends on the number of answers, levers or LEAs.
    """
    framework = _assessment_framework(assessment)
    profile_recorded, recorded = _profile_statuses(
        cycle_id=assessment.cycle_id, lea_id=assessment.lea_id
    )
    answers = {
        code: (rating, evidence)
        for code, rating, evidence in Answer.objects.filter(
            assessment_id=assessment.pk, rating__isnull=False
        ).values_list("indicator__code", "rating", "evidence")
    }
    gap_codes, _ = classify(
        framework,
        [AnswerData(indicator=code, rating=rating) for code, (rating, _) in answers.items()],
    )
    return _alignment_from(framework, recorded, answers, gap_codes, profile_recorded)


def _alignment_from(framework, recorded, answers, gap_codes, profile_recorded) -> LeaAlignment:
    links = {}
    for lever in framework.levers:
        status, citation = recorded.get(lever.code, (NO_STATUS, ""))
        meta = framework.status(status)
        links[lever.code] = LeverLink(
            code=lever.code,
            name=lever.name,
            group=lever.group,
            status=meta.code,
            status_label=meta.label,
            active=meta.active,
            citation=citation or "",
        )
    gaps = []
    for code in gap_codes:
        ind = framework.indicator(code)
        rating, evidence = answers[code]
        gaps.append(
            GapRow(
                indicator_code=code,
                indicator_title=ind.title,
                domain_code=ind.domain,
                domain_name=ind.domain_name,
                area=ind.area,
                rating=rating,
                rating_label=framework.rating_label(rating),
                evidence=evidence,
                next_step=ind.next_step,
                levers=tuple(links[lever] for lever in ind.levers),
            )
        )
    levers = tuple(
        LeverContextRow(
            code=link.code,
            name=link.name,
            group=link.group,
            status=link.status,
            status_label=link.status_label,
            active=link.active,
            citation=link.citation,
            gaps=tuple(
                GapRef(code=gap.indicator_code, title=gap.indicator_title)
                for gap in gaps
                if any(lever.code == link.code for lever in gap.levers)
            ),
        )
        for link in links.values()
    )
    return LeaAlignment(profile_recorded=profile_recorded, gaps=tuple(gaps), levers=levers)


def lea_gaps_with_levers(*, assessment: Assessment) -> list[GapRow]:
    """Each gap of the assessment (framework order) with its aligned levers; see lea_alignment."""
    return list(lea_alignment(assessment=assessment).gaps)


def lea_policy_context(*, assessment: Assessment) -> list[LeverContextRow]:
    """Per lever (framework order): active or not, and the assessment's gaps it would open."""
    return list(lea_alignment(assessment=assessment).levers)


# --- alignment: a whole state --------------------------------------------------------


@dataclass(frozen=True)
class IndicatorCount:
    code: str
    title: str
    lea_count: int  # LEAs with this indicator as a gap


@dataclass(frozen=True)
class LeverRow:
    """One lever across a state's LEAs in one cycle.

    - leas_with_gap: LEAs (with an assessment in the cycle) having at least one gap
      this lever is aligned to;
    - gaps: the number of such gaps across those LEAs (one per LEA and indicator);
    - gaps_blocked: of those gaps, the ones no active lever opens (all of them while
      this lever and the gap's other levers are inactive; none once this lever is active);
    - leas_blocked: LEAs having at least one such blocked gap: the LEAs this lever's
      absence holds back;
    - indicators: the aligned indicators that are a gap somewhere, with how many LEAs.

    The dashboard, its API and CSV, and the statewide PDF derive their other lever counts
    from these through the properties below, never on their own.
    """

    code: str
    name: str
    group: str
    status: str
    status_label: str
    active: bool
    citation: str
    assessed_leas: int
    leas_with_gap: int
    gaps: int
    gaps_blocked: int
    leas_blocked: int
    indicators: tuple[IndicatorCount, ...]

    @property
    def leas_gaps_opened(self) -> int:
        """LEAs with a gap aligned to this lever, every one of them opened."""
        return self.leas_with_gap - self.leas_blocked

    @property
    def leas_without_gap(self) -> int:
        """Assessed LEAs with no gap aligned to this lever."""
        return self.assessed_leas - self.leas_with_gap


def state_levers_held_back(*, state: State, cycle: AssessmentCycle) -> list[LeverRow]:
    """Per lever (framework order), how many of the state's LEAs its absence holds back.

    Aggregated in the database, whatever the number of LEAs: one query for the state's
    lever statuses, one aggregate over the gap answers (every lever's counts in one
    row), one count of LEAs per gap indicator, one count of assessed LEAs, plus one to
    load `cycle.framework` unless the caller already did (select_related).
    """
    if cycle.state_id != state.pk:
        raise ValueError(f"cycle {cycle.pk} belongs to another state than {state.code}")
    framework = cycle.framework.spec
    _, recorded = _profile_statuses(cycle_id=cycle.pk, state_id=state.pk)
    gap_max = framework.scoring.gap_max_rating
    indicators = framework.indicators
    aligned: dict[str, list[str]] = {code: [] for code in framework.lever_codes}
    for ind in indicators:
        for lever_code in ind.levers:
            aligned[lever_code].append(ind.code)
    opened = opened_indicator_codes(
        framework, {code: status for code, (status, _) in recorded.items()}
    )
    blocked_codes = [ind.code for ind in indicators if ind.code not in opened]

    gaps = Answer.objects.filter(
        assessment__cycle_id=cycle.pk,
        assessment__lea__state_id=state.pk,
        rating__isnull=False,
        rating__lte=gap_max,
    )
    aggregates = {}
    for code, codes in aligned.items():
        if not codes:
            continue
        here = Q(indicator__code__in=codes)
        blocked = [c for c in codes if c in blocked_codes]
        aggregates[f"{code}__leas"] = Count("assessment__lea_id", distinct=True, filter=here)
        aggregates[f"{code}__gaps"] = Count("id", filter=here)
        if blocked:
            here_blocked = Q(indicator__code__in=blocked)
            aggregates[f"{code}__gaps_blocked"] = Count("id", filter=here_blocked)
            aggregates[f"{code}__leas_blocked"] = Count(
                "assessment__lea_id", distinct=True, filter=here_blocked
            )
    totals = gaps.aggregate(**aggregates) if aggregates else {}
    per_indicator = dict(
        gaps.values("indicator__code")
        .annotate(leas=Count("assessment__lea_id", distinct=True))
        .order_by()
        .values_list("indicator__code", "leas")
    )
    assessed = (
        Assessment.objects.filter(cycle_id=cycle.pk, lea__state_id=state.pk)
        .values("lea_id")
        .distinct()
        .count()
    )
    rows = []
    for lever in framework.levers:
        code = lever.code
        status, citation = recorded.get(code, (NO_STATUS, ""))
        meta = framework.status(status)
        rows.append(
            LeverRow(
                code=code,
                name=lever.name,
                group=lever.group,
                status=meta.code,
                status_label=meta.label,
                active=meta.active,
                citation=citation or "",
                assessed_leas=assessed,
                leas_with_gap=totals.get(f"{code}__leas") or 0,
                gaps=totals.get(f"{code}__gaps") or 0,
                gaps_blocked=totals.get(f"{code}__gaps_blocked") or 0,
                leas_blocked=totals.get(f"{code}__leas_blocked") or 0,
                indicators=tuple(
                    IndicatorCount(
                        code=ind, title=framework.indicator(ind).title, lea_count=per_indicator[ind]
                    )
                    for ind in aligned[code]
                    if per_indicator.get(ind)
                ),
            )
        )
    return rows
