"""Reads for the state policy side: profiles, their stage, their history, and alignment.

Who may see a profile is decided by `access.selectors` (the one scoping module);
everything here starts from a row the caller already obtained through it, or from a
state and cycle the caller is allowed to see.

Alignment (Part C of the framework) links each indicator of the LEA needs assessment to
the levers that enable progress on it. The framework file is the only source of that
link and of which statuses count as "active", so these functions read the framework
version's content, not hard-coded lists:

- a gap is an indicator rated at or below the framework's `gap_max_rating`;
- each gap is *opened*, *available to join*, *blocked* or *local*, as `gap_category`
  decides from the levers aligned to it, their status in the LEA's state for the
  assessment's cycle and whether the LEA takes part in an enacted one (see "who a lever
  reaches" below); a lever with no recorded status counts as "none".

Everything returned is plain data (frozen dataclasses, tuples, strings, numbers), so
the LEA page, the PDF, the dashboard and the API use the same functions.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from access import selectors as scoping
from accounts.models import User
from assessments.models import Answer, Assessment, AssessmentCycle
from assessments.scoring import (
    ALL_LEVERS,
    NO_STATUS,
    AnswerData,
    classify,
    state_condition_count,
    state_stage,
    state_stage_counts,
)
from directory.models import LEA, State
from frameworks.document import Framework, framework_from_content, name_in_sentence
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_specs_by_id

from .models import (
    CycleLeverSummary,
    LeverParticipant,
    LeverStatus,
    Participation,
    StatePolicyProfile,
    citation_link,
)

# --- the stage and how it was reached (pure) ---------------------------------------


@dataclass(frozen=True)
class RequirementCheck:
    """One condition of a stage, e.g. "at least 2 getting-started levers active", with the
    state's own count and a clause saying how it stands (`clause`), written from the
    condition and the count so it can never disagree with them."""

    key: str
    text: str
    needed: int
    have: int
    clause: str = ""

    @property
    def met(self) -> bool:
        return self.have >= self.needed


@dataclass(frozen=True)
class StageCheck:
    code: str
    label: str
    meaning: str
    requirements: tuple[RequirementCheck, ...]  # all must hold
    reached: bool  # this is the state's stage
    alternatives: tuple[RequirementCheck, ...] = ()  # at least one must hold, when any

    @property
    def met(self) -> bool:
        return all(req.met for req in self.requirements) and (
            not self.alternatives or any(alt.met for alt in self.alternatives)
        )

    @property
    def conditions(self) -> tuple[RequirementCheck, ...]:
        return self.requirements + self.alternatives


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
    # Why this stage and not the next, generated from the rule and the real statuses.
    sentence: str = ""
    # True when the rule counts levers per group (cbe-v1): the count table is its working.
    uses_counts: bool = True

    @property
    def count_by_key(self) -> dict[str, int]:
        """The counts under the names stage requirements use, e.g. "active_getting_started"."""
        result = {}
        for row in self.counts:
            result[f"engaged_{row.scope}"] = row.engaged
            result[f"active_{row.scope}"] = row.active
        return result

    @property
    def describes_tier(self) -> bool:
        """Whether the stage's `meaning` describes the tier rather than restating counts.

        A count rule's meaning restates its thresholds ("three levers are in force"), which
        reads as a fact about the state; `sentence` gives the real counts instead."""
        return not self.uses_counts


def _or_list(words: list[str], joiner: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {joiner} {words[-1]}"


def _status_list(framework: Framework, flag: str) -> str:
    return _or_list([s.label.lower() for s in framework.statuses if getattr(s, flag)])


def _scope_label(framework: Framework, scope: str) -> str:
    if scope == ALL_LEVERS:
        return f"All {len(framework.levers)} levers"
    return framework.lever_group(scope).label


def _requirement_text(framework: Framework, key: str) -> str:
    """E.g. "In force (enacted or statewide): For states getting started"."""
    flag, scope = key.split("_", 1)
    kind = "In force" if flag == "active" else "Engaged"
    return f"{kind} ({_status_list(framework, flag)}): {_scope_label(framework, scope)}"


def _count_clause(framework: Framework, key: str, needed: int, have: int, size: int) -> str:
    """E.g. "4 of 5 getting-started levers are in force (at least 3 needed)"."""
    flag, scope = key.split("_", 1)
    kind = "levers" if scope == ALL_LEVERS else f"{scope.replace('_', '-')} levers"
    verb = "is" if have == 1 else "are"
    state = "in force" if flag == "active" else "engaged"
    return f"{have} of {size} {kind} {verb} {state} (at least {needed} needed)"


def _at_least_words(framework: Framework, status: str) -> str:
    """ "statewide", or "enacted or statewide" for a status with others after it."""
    rank = framework.status_rank(status)
    return _or_list([s.label.lower() for s in framework.statuses[rank:]])


def _condition_check(
    framework: Framework, statuses: Mapping[str, str], key: str, condition
) -> RequirementCheck:
    levers = framework.condition_levers(condition)
    needed = framework.condition_count(condition)
    have = state_condition_count(framework, statuses, condition)
    floor = framework.status(condition.at_least).label.lower()
    status_words = _at_least_words(framework, condition.at_least)
    further = floor if status_words == floor else f"{floor} or further along"
    names = [name_in_sentence(framework.lever_name(code)) for code in levers]
    words = framework.condition_words(condition)
    text = words[:1].upper() + words[1:]
    verb = "is" if have == 1 else "are"
    if condition.group is not None:
        clause = f"{have} of {len(levers)} levers {verb} {further} (at least {needed} needed)"
    elif len(levers) == 1:
        current = framework.status(statuses.get(levers[0], NO_STATUS))
        if have:
            clause = f"{names[0]} is {current.label.lower()}"
        elif framework.status_rank(current.code) == 0:
            clause = f"{names[0]} has no policy ({further} needed)"
        else:
            clause = f"{names[0]} is only {current.label.lower()} ({further} needed)"
    else:
        every = needed == len(levers)
        listed = _or_list(names, "and")
        want = f"all {len(levers)}" if every else f"at least {needed}"
        if every and have == len(levers):
            clause = f"{listed} are all {further}"
        else:
            clause = f"{have} of the {len(levers)} ({listed}) {verb} {further} ({want} needed)"
    return RequirementCheck(key=key, text=text, needed=needed, have=have, clause=clause)


def _checks(framework: Framework, statuses, counts, sizes, entry) -> StageCheck:
    requirements = [
        RequirementCheck(
            key=key,
            text=_requirement_text(framework, key),
            needed=needed,
            have=counts[key],
            clause=_count_clause(framework, key, needed, counts[key], sizes[key.split("_", 1)[1]]),
        )
        for key, needed in entry.requires.items()
    ]
    requirements += [
        _condition_check(framework, statuses, f"requires_all.{n}", condition)
        for n, condition in enumerate(entry.requires_all)
    ]
    alternatives = tuple(
        _condition_check(framework, statuses, f"requires_any.{n}", condition)
        for n, condition in enumerate(entry.requires_any)
    )
    return StageCheck(
        code=entry.code,
        label=entry.label,
        meaning=entry.meaning,
        requirements=tuple(requirements),
        alternatives=alternatives,
        reached=False,
    )


def stage_sentence(stages: tuple[StageCheck, ...], stage: str) -> str:
    """Why the state is at `stage` and not the stage above, in words built from each
    condition's own clause (so the sentence and the counts beside it always agree)."""
    index = [check.code for check in stages].index(stage)
    reached = stages[index]
    parts = []
    if reached.conditions:
        held = [req.clause for req in reached.requirements]
        held += [alt.clause for alt in reached.alternatives if alt.met]
        parts.append(f"{reached.label} because {_or_list(held, 'and')}.")
    else:
        parts.append(f"{reached.label}, the starting point.")
    if index + 1 < len(stages):
        above = stages[index + 1]
        missing = [req.clause for req in above.requirements if not req.met]
        if above.alternatives and not any(alt.met for alt in above.alternatives):
            options = [alt.clause for alt in above.alternatives]
            missing.append(
                options[0] if len(options) == 1 else f"none of these holds: {'; '.join(options)}"
            )
        parts.append(f"Not {above.label}: {_or_list(missing, 'and')}.")
    return " ".join(parts)


def state_stage_working(*, framework: Framework, statuses: Mapping[str, str]) -> StageWorking:
    """Explain `assessments.scoring.state_stage`: counts, each stage's conditions, and a
    sentence saying why this stage and not the next.

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
        replace(_checks(framework, statuses, counts, sizes, entry), reached=entry.code == stage)
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
        sentence=stage_sentence(checks, stage),
        uses_counts=any(entry.requires for entry in framework.state_stages),
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
    participation: str = ""
    participant_count: int = 0
    reach: str = "none"
    enacted: bool = False  # in force for the LEAs taking part only

    @property
    def recorded(self) -> bool:
        return self.version > 0

    @property
    def reach_text(self) -> str:
        """Who the lever reaches, in words."""
        return reach_text(self.reach, self.participant_count)


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
                participation=row.participation if row else "",
                participant_count=row.participant_count if row else 0,
                reach=lever_reach(
                    framework,
                    status=code,
                    participation=row.participation if row else "",
                ),
                enacted=code == framework.partial_status_code,
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
class StateActionRow:
    """One state action of the profile's framework with what the state recorded."""

    code: str
    name: str
    summary: str
    status: str
    status_label: str
    note: str


def policy_profile_state_actions(*, profile: StatePolicyProfile) -> list[StateActionRow]:
    """The framework's state actions in file order with their recorded status and note
    (the first status when none is recorded); empty when the framework has none."""
    actions = profile.cycle.framework.spec.state_actions
    if actions is None:
        return []
    labels = {status.code: status.label for status in actions.statuses}
    first = actions.statuses[0].code
    recorded = profile.state_actions or {}
    rows = []
    for action in actions.actions:
        entry = recorded.get(action.code) or {}
        status: str = entry["status"] if entry.get("status") in labels else first
        rows.append(
            StateActionRow(
                code=action.code,
                name=action.name,
                summary=action.summary,
                status=status,
                status_label=labels[status],
                note=entry.get("note", ""),
            )
        )
    return rows


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


# --- who takes part in an enacted lever --------------------------------------------------


@dataclass(frozen=True)
class LeaChoice:
    id: int
    leaid: str
    name: str
    city: str
    chosen: bool


@dataclass(frozen=True)
class ParticipationDetail:
    lever: LeverState
    enacted: bool  # the lever's status is the one that reaches chosen LEAs only
    enacted_label: str
    participation: str  # "", Participation.ALL or Participation.LISTED
    reach: str
    reach_text: str
    leas: tuple[LeaChoice, ...]  # every LEA of the state, by name

    @property
    def chosen(self) -> tuple[LeaChoice, ...]:
        return tuple(lea for lea in self.leas if lea.chosen)


def lever_participation_detail(
    *, profile: StatePolicyProfile, lever_code: str
) -> ParticipationDetail:
    """One lever of the profile with who takes part, and the state's LEAs (three queries).
    Raises Http404 for a lever the framework does not have."""
    framework = profile.cycle.framework.spec
    if lever_code not in framework.lever_by_code:
        raise Http404("No such lever.")
    lever = next(
        lever for lever in policy_profile_levers(profile=profile) if lever.code == lever_code
    )
    chosen = set(
        LeverParticipant.objects.filter(
            lever_status__profile=profile, lever_status__lever__code=lever_code
        ).values_list("lea_id", flat=True)
    )
    leas = tuple(
        LeaChoice(id=pk, leaid=leaid, name=name, city=city, chosen=pk in chosen)
        for pk, leaid, name, city in LEA.objects.filter(state_id=profile.state_id)
        .order_by("name", "leaid")
        .values_list("id", "leaid", "name", "city")
    )
    reach = lever_reach(framework, status=lever.status, participation=lever.participation)
    return ParticipationDetail(
        lever=lever,
        enacted=lever.status == framework.partial_status_code,
        enacted_label=framework.status_label(framework.partial_status_code),
        participation=lever.participation,
        reach=reach,
        reach_text=reach_text(reach, len(chosen)),
        leas=leas,
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


def _participation_words(participation: str, count: int) -> str:
    if participation == Participation.ALL:
        return "every LEA"
    if participation == Participation.LISTED:
        return f"{count} chosen LEA{'s' if count != 1 else ''}"
    return "not recorded"


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
    previous: dict[int, Any] = {}  # the lever's previous historical record
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
            if record.participation:
                words = _participation_words(record.participation, record.participant_count)
                changes.append(f"Taking part: {words}")
            kind = "created"
        else:
            changes = [
                _describe(name, getattr(before, name), getattr(record, name), labels)
                for name in ("status", "citation", "note")
                if getattr(before, name) != getattr(record, name)
            ]
            old_part = _participation_words(before.participation, before.participant_count)
            new_part = _participation_words(record.participation, record.participant_count)
            if old_part != new_part:
                changes.append(f"Taking part: {old_part} → {new_part}")
            elif record.history_change_reason and record.participation:
                changes.append(f"Taking part: {new_part}, list changed")
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


# --- who a lever reaches, and the four kinds of gap (pure) ---------------------------------
#
# A gap (an indicator rated at or below the framework's gap level) is one of four kinds,
# decided by `gap_category` and nowhere else:
#
# - opened: a lever aligned to it reaches the LEA: it is statewide, or it is enacted and
#   the LEA takes part;
# - available to join: no aligned lever reaches the LEA, but one is enacted for others;
# - blocked: levers are aligned to it, and none of them is in force;
# - local: no state lever governs it.
#
# Who an enacted lever reaches is recorded per lever (participation): every LEA, or a
# chosen list. A framework whose policy part sets `participation: true` reads an enacted
# lever with nothing recorded as reaching nobody yet; a framework without the flag
# (cbe-v1, so every past cycle) reads it as reaching every LEA, as it always did.

REACH_NONE = "none"  # not in force
REACH_ALL = "all"  # in force for every LEA
REACH_LISTED = "listed"  # enacted, for the LEAs chosen as taking part
REACH_NOBODY_YET = "nobody_yet"  # enacted, nobody recorded as taking part

OPENED = "opened"
AVAILABLE = "available"
BLOCKED = "blocked"
LOCAL = "local"


@dataclass(frozen=True)
class GapCategory:
    code: str
    label: str
    description: str


GAP_CATEGORIES = (
    GapCategory(
        OPENED,
        "Opened",
        "A state policy in force reaches this LEA and makes room for the work.",
    ),
    GapCategory(
        AVAILABLE,
        "Available to join",
        "A state policy that makes room for the work is in force for some LEAs, "
        "but this LEA does not take part in it yet.",
    ),
    GapCategory(
        BLOCKED,
        "Blocked",
        "State levers could make room for the work, but none of them is in force.",
    ),
    GapCategory(
        LOCAL,
        "Local",
        "No state lever governs this practice: progress is up to the LEA.",
    ),
)
GAP_CATEGORY_BY_CODE = {category.code: category for category in GAP_CATEGORIES}


def gap_category_label(code: str) -> str:
    return GAP_CATEGORY_BY_CODE[code].label


def lever_reach(framework: Framework, *, status: str, participation: str) -> str:
    """Which LEAs a lever with this status and recorded participation reaches."""
    if status not in framework.active_status_codes:
        return REACH_NONE
    if status != framework.partial_status_code or participation == Participation.ALL:
        return REACH_ALL
    if participation == Participation.LISTED:
        return REACH_LISTED
    return REACH_NOBODY_YET if framework.declares_participation else REACH_ALL


def gap_category(
    *, levers: Sequence[str], reach: Mapping[str, str], takes_part: Container[str]
) -> str:
    """The kind of one gap of one LEA: OPENED, AVAILABLE, BLOCKED or LOCAL.

    `levers` are the levers aligned to the gap's indicator; `reach` gives each lever's
    `lever_reach`; `takes_part` holds the levers whose chosen LEAs include this LEA.
    """
    if not levers:
        return LOCAL
    reaches = [reach.get(code, REACH_NONE) for code in levers]
    if any(
        r == REACH_ALL or (r == REACH_LISTED and code in takes_part)
        for code, r in zip(levers, reaches, strict=True)
    ):
        return OPENED
    if any(r != REACH_NONE for r in reaches):
        return AVAILABLE
    return BLOCKED


def opened_indicator_codes(framework: Framework, statuses: Mapping[str, str]) -> set[str]:
    """Codes of the indicators a lever in force opens for every LEA (participation as in
    a file without the participation flag: an enacted lever reaches everyone)."""
    active = framework.active_status_codes
    active_levers = {code for code, status in statuses.items() if status in active}
    return {ind.code for ind in framework.indicators if active_levers & set(ind.levers)}


# --- the recorded levers of a state's profile -------------------------------------------------


@dataclass(frozen=True)
class RecordedLever:
    """One lever as recorded in a profile (or "none" when it is not)."""

    status: str = NO_STATUS
    citation: str = ""
    note: str = ""
    participation: str = ""
    participant_count: int = 0
    listed: bool = False  # the LEA asked about is among the chosen LEAs

    def reach(self, framework: Framework) -> str:
        return lever_reach(framework, status=self.status, participation=self.participation)


NOT_RECORDED = RecordedLever()


@dataclass(frozen=True)
class ProfileLevers:
    """A state's recorded profile for one cycle: whether there is one, its stored stage,
    and each recorded lever."""

    recorded: bool
    stage: str
    levers: Mapping[str, RecordedLever]

    def lever(self, code: str) -> RecordedLever:
        return self.levers.get(code, NOT_RECORDED)


def profile_levers_recorded(
    *, cycle_id: int, lea_id: int | None = None, state_id: int | None = None
) -> ProfileLevers:
    """The state's profile for the cycle, found through the LEA's state when an LEA is
    given (the caller need not load the LEA): then `listed` says whether that LEA is
    among each lever's chosen LEAs. One query."""
    recorded, stage, levers = _profile_levers(cycle_id=cycle_id, lea_id=lea_id, state_id=state_id)
    return ProfileLevers(recorded=recorded, stage=stage, levers=levers)


def _profile_levers(
    *, cycle_id: int, lea_id: int | None = None, state_id: int | None = None
) -> tuple[bool, str, dict[str, RecordedLever]]:
    """(profile recorded?, stored stage, {lever code: RecordedLever}). One query."""
    qs = StatePolicyProfile.objects.filter(cycle_id=cycle_id)
    if lea_id is not None:
        qs = qs.filter(state__leas__id=lea_id).annotate(
            listed=Exists(
                LeverParticipant.objects.filter(
                    lever_status_id=OuterRef("lever_statuses__id"), lea_id=lea_id
                )
            )
        )
    else:
        qs = qs.filter(state_id=cast(int, state_id)).annotate(listed=Value(False))
    rows = list(
        qs.values_list(
            "stage",
            "lever_statuses__lever__code",
            "lever_statuses__status",
            "lever_statuses__citation",
            "lever_statuses__note",
            "lever_statuses__participation",
            "lever_statuses__participant_count",
            "listed",
        )
    )
    levers = {
        code: RecordedLever(
            status=status,
            citation=citation or "",
            note=note or "",
            participation=participation or "",
            participant_count=count or 0,
            listed=bool(listed),
        )
        for _, code, status, citation, note, participation, count, listed in rows
        if code
    }
    return bool(rows), (rows[0][0] if rows else ""), levers


# --- alignment: one LEA -------------------------------------------------------------


@dataclass(frozen=True)
class LeverLink:
    """A lever aligned to a gap, with its status in the LEA's state for the cycle and
    whether it reaches this LEA."""

    code: str
    name: str
    group: str
    status: str
    status_label: str
    active: bool
    citation: str
    reach: str = REACH_NONE
    takes_part: bool = False  # the LEA is among the lever's chosen LEAs

    @property
    def reaches_lea(self) -> bool:
        return self.reach == REACH_ALL or (self.reach == REACH_LISTED and self.takes_part)

    @property
    def reach_text(self) -> str:
        """How far the lever reaches, in words, for this LEA."""
        if self.reach == REACH_NONE:
            return "not in force"
        if self.reach == REACH_ALL:
            return "in force for every LEA"
        if self.reaches_lea:
            return "in force, and this LEA takes part"
        return "in force for some LEAs; this LEA does not take part"


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
    category: str = BLOCKED  # see gap_category

    @property
    def category_label(self) -> str:
        return gap_category_label(self.category)

    @property
    def opened(self) -> bool:
        """True when a lever aligned to the gap reaches the LEA."""
        return self.category == OPENED

    @property
    def state(self) -> str:
        """The gap's kind (OPENED, AVAILABLE, BLOCKED or LOCAL)."""
        return self.category


@dataclass(frozen=True)
class GapRef:
    code: str
    title: str


@dataclass(frozen=True)
class LeverContextRow:
    """One lever for one LEA: in force or not, whether it reaches the LEA, and the LEA's
    gaps it is aligned to."""

    code: str
    name: str
    group: str
    status: str
    status_label: str
    active: bool
    citation: str
    gaps: tuple[GapRef, ...]
    reach: str = REACH_NONE
    takes_part: bool = False

    @property
    def gap_codes(self) -> tuple[str, ...]:
        return tuple(gap.code for gap in self.gaps)

    @property
    def reaches_lea(self) -> bool:
        return self.reach == REACH_ALL or (self.reach == REACH_LISTED and self.takes_part)


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

    def _count(self, category: str) -> int:
        return sum(1 for gap in self.gaps if gap.category == category)

    @property
    def opened_count(self) -> int:
        return self._count(OPENED)

    @property
    def available_count(self) -> int:
        return self._count(AVAILABLE)

    @property
    def blocked_count(self) -> int:
        return self._count(BLOCKED)

    @property
    def local_count(self) -> int:
        return self._count(LOCAL)

    @property
    def categories(self) -> tuple[CategoryCount, ...]:
        """Every kind of gap with how many of this LEA's gaps are of it, in order."""
        return tuple(
            CategoryCount(c.code, c.label, c.description, self._count(c.code))
            for c in GAP_CATEGORIES
        )

    def gaps_of(self, category: str) -> tuple[GapRow, ...]:
        return tuple(gap for gap in self.gaps if gap.category == category)


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


def lea_alignment(*, assessment: Assessment) -> LeaAlignment:
    """The assessment's gaps with the levers aligned to each and the kind of each gap
    (`gap_category`), and each lever's gaps.

    Queries: one for the answers, one for the state's levers (with whether this LEA takes
    part in each), and one for the framework unless `assessment.cycle.framework` is
    already loaded (select_related). The count never depends on the number of answers,
    levers or LEAs.
    """
    framework = _assessment_framework(assessment)
    profile = profile_levers_recorded(cycle_id=assessment.cycle_id, lea_id=assessment.lea_id)
    answers = {
        code: (cast(int, rating), evidence)
        for code, rating, evidence in Answer.objects.filter(
            assessment_id=assessment.pk, rating__isnull=False
        ).values_list("indicator__code", "rating", "evidence")
    }
    return lea_alignment_build(framework=framework, profile=profile, answers=answers)


def lea_alignment_build(
    *, framework: Framework, profile: ProfileLevers, answers: Mapping[str, tuple[int, str]]
) -> LeaAlignment:
    """`lea_alignment` from data already read: the profile (with `listed` for this LEA,
    see `profile_levers_recorded`) and the rated answers {indicator: (rating, evidence)}.
    No query."""
    gap_codes, _ = classify(
        framework,
        [AnswerData(indicator=code, rating=rating) for code, (rating, _) in answers.items()],
    )
    links = {}
    for lever in framework.levers:
        row = profile.lever(lever.code)
        meta = framework.status(row.status)
        links[lever.code] = LeverLink(
            code=lever.code,
            name=lever.name,
            group=lever.group,
            status=meta.code,
            status_label=meta.label,
            active=meta.active,
            citation=row.citation,
            reach=row.reach(framework),
            takes_part=row.listed,
        )
    reach = {code: link.reach for code, link in links.items()}
    takes_part = {code for code, link in links.items() if link.takes_part}
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
                category=gap_category(levers=ind.levers, reach=reach, takes_part=takes_part),
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
            reach=link.reach,
            takes_part=link.takes_part,
        )
        for link in links.values()
    )
    return LeaAlignment(profile_recorded=profile.recorded, gaps=tuple(gaps), levers=levers)


def lea_gaps_with_levers(*, assessment: Assessment) -> list[GapRow]:
    """Each gap of the assessment (framework order) with its aligned levers; see lea_alignment."""
    return list(lea_alignment(assessment=assessment).gaps)


def lea_policy_context(*, assessment: Assessment) -> list[LeverContextRow]:
    """Per lever (framework order): in force or not, and the assessment's gaps it would open."""
    return list(lea_alignment(assessment=assessment).levers)


# --- alignment: a whole state --------------------------------------------------------
#
# The state-wide counts are aggregated in the database. Whether a gap is opened depends
# on the LEA when an enacted lever reaches only its chosen LEAs, so "opened" is written as
# an SQL condition on the answer row: its indicator is aligned to a lever reaching every
# LEA, or to a lever reaching chosen LEAs with the row's LEA among them (a subquery on the
# lever's LeverParticipant rows). `gap_category` stays the one rule: the tests recount
# every figure by calling it for each gap of each LEA.


@dataclass(frozen=True)
class _Scenario:
    """Each lever's reach, and for a lever reaching chosen LEAs the LEAs it chose."""

    reach: Mapping[str, str]
    participants: Mapping[str, QuerySet]  # lever code -> LeverParticipant lea_id values


def _participants_sql(*, state_id: int, cycle_id: int, lever: str) -> QuerySet:
    return LeverParticipant.objects.filter(
        lever_status__profile__state_id=state_id,
        lever_status__profile__cycle_id=cycle_id,
        lever_status__lever__code=lever,
    ).values("lea_id")


def _aligned(framework: Framework) -> dict[str, list[str]]:
    aligned: dict[str, list[str]] = {code: [] for code in framework.lever_codes}
    for ind in framework.indicators:
        for lever_code in ind.levers:
            aligned[lever_code].append(ind.code)
    return aligned


def _opened_q(framework: Framework, aligned: Mapping[str, list[str]], scenario: _Scenario):
    """The SQL condition "this gap answer is opened for its LEA", or None when no gap is."""
    everyone = [
        ind.code
        for ind in framework.indicators
        if any(scenario.reach.get(code) == REACH_ALL for code in ind.levers)
    ]
    q = Q(indicator__code__in=everyone) if everyone else None
    for code, reach in scenario.reach.items():
        if reach == REACH_LISTED and aligned[code]:
            term = Q(indicator__code__in=aligned[code]) & Q(
                assessment__lea_id__in=scenario.participants[code]
            )
            q = term if q is None else q | term
    return q


def _blocked_codes(framework: Framework, scenario: _Scenario) -> set[str]:
    """Indicators no lever in force governs (aligned to levers, all of them not in force)."""
    return {
        ind.code
        for ind in framework.indicators
        if ind.levers and all(scenario.reach.get(c, REACH_NONE) == REACH_NONE for c in ind.levers)
    }


def _scenario_aggregates(
    framework: Framework, aligned: Mapping[str, list[str]], scenario: _Scenario, prefix: str
) -> dict[str, Count]:
    """Per lever: LEAs with an aligned gap not opened, LEAs and gaps with one blocked."""
    lea = "assessment__lea_id"
    opened = _opened_q(framework, aligned, scenario)
    blocked = _blocked_codes(framework, scenario)
    aggregates = {}
    for code, codes in aligned.items():
        if not codes:
            continue
        here = Q(indicator__code__in=codes)
        aggregates[f"{prefix}{code}__not_opened"] = Count(
            lea, distinct=True, filter=here if opened is None else here & ~opened
        )
        here_blocked = [c for c in codes if c in blocked]
        if here_blocked:
            q = Q(indicator__code__in=here_blocked)
            aggregates[f"{prefix}{code}__leas_blocked"] = Count(lea, distinct=True, filter=q)
            aggregates[f"{prefix}{code}__gaps_blocked"] = Count("id", filter=q)
    return aggregates


@dataclass(frozen=True)
class IndicatorCount:
    code: str
    title: str
    lea_count: int  # LEAs with this indicator as a gap


@dataclass(frozen=True)
class LeverLeaCounts:
    """LEAs with a gap aligned to one lever, each counted once by its least open such gap:
    blocked if any is blocked, else available to join if any is, else opened."""

    opened: int
    available: int
    blocked: int


def _lea_counts(totals: Mapping[str, int | None], prefix: str, code: str) -> LeverLeaCounts:
    with_gap = totals.get(f"{code}__leas") or 0
    not_opened = totals.get(f"{prefix}{code}__not_opened") or 0
    blocked = totals.get(f"{prefix}{code}__leas_blocked") or 0
    return LeverLeaCounts(
        opened=with_gap - not_opened, available=not_opened - blocked, blocked=blocked
    )


@dataclass(frozen=True)
class LeverRow:
    """One lever across a state's LEAs in one cycle.

    - leas_with_gap: LEAs (with an assessment in the cycle) having at least one gap this
      lever is aligned to; each of them is counted once in
    - leas_opened (every such gap opened for the LEA), leas_available (none blocked, but
      at least one only available to join) or leas_blocked (at least one blocked: the
      LEAs this lever's absence holds back);
    - gaps: the number of such gaps across those LEAs (one per LEA and indicator);
    - gaps_blocked: of those gaps, the blocked ones (none once this lever is in force);
    - indicators: the aligned indicators that are a gap somewhere, with how many LEAs.
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
    leas_opened: int
    leas_available: int
    leas_blocked: int
    gaps: int
    gaps_blocked: int
    indicators: tuple[IndicatorCount, ...]
    reach: str = REACH_NONE
    participant_count: int = 0  # the chosen LEAs, when the lever reaches chosen LEAs

    @property
    def leas_without_gap(self) -> int:
        """Assessed LEAs with no gap aligned to this lever."""
        return self.assessed_leas - self.leas_with_gap

    @property
    def reach_text(self) -> str:
        return reach_text(self.reach, self.participant_count)


def reach_text(reach: str, participant_count: int) -> str:
    """Who a lever reaches, in words ("every LEA", "12 chosen LEAs", ...)."""
    if reach == REACH_ALL:
        return "every LEA"
    if reach == REACH_LISTED:
        return f"{participant_count} chosen LEA{'s' if participant_count != 1 else ''}"
    if reach == REACH_NOBODY_YET:
        return "no LEA yet (none recorded as taking part)"
    return "no LEA (not in force)"


def _gap_answers(*, framework: Framework, state_id: int, cycle_id: int) -> QuerySet:
    return Answer.objects.filter(
        assessment__cycle_id=cycle_id,
        assessment__lea__state_id=state_id,
        rating__isnull=False,
        rating__lte=framework.scoring.gap_max_rating,
    )


def _assessed_count(*, state_id: int, cycle_id: int) -> int:
    return (
        Assessment.objects.filter(cycle_id=cycle_id, lea__state_id=state_id)
        .values("lea_id")
        .distinct()
        .count()
    )


def _today(
    framework: Framework, recorded: Mapping[str, RecordedLever], *, state_id: int, cycle_id: int
) -> _Scenario:
    reach = {
        code: recorded.get(code, NOT_RECORDED).reach(framework) for code in framework.lever_codes
    }
    return _Scenario(
        reach=reach,
        participants={
            code: _participants_sql(state_id=state_id, cycle_id=cycle_id, lever=code)
            for code, r in reach.items()
            if r == REACH_LISTED
        },
    )


def state_levers_held_back_counted(*, state: State, cycle: AssessmentCycle) -> list[LeverRow]:
    """`state_levers_held_back` counted afresh over the gap answers themselves, not read
    from the cycle's lever summary: what `recompute_scores --check` compares it with.

    Aggregated in the database, whatever the number of LEAs: one query for the state's
    lever statuses, one aggregate over the gap answers (every lever's counts in one row),
    one count of LEAs per gap indicator, one count of assessed LEAs, plus one to load
    `cycle.framework` unless the caller already did (select_related).
    """
    if cycle.state_id != state.pk:
        raise ValueError(f"cycle {cycle.pk} belongs to another state than {state.code}")
    framework = cycle.framework.spec
    _, _, recorded = _profile_levers(cycle_id=cycle.pk, state_id=state.pk)
    aligned = _aligned(framework)
    today = _today(framework, recorded, state_id=state.pk, cycle_id=cycle.pk)

    gaps = _gap_answers(framework=framework, state_id=state.pk, cycle_id=cycle.pk)
    aggregates: dict[str, Count] = {}
    for code, codes in aligned.items():
        if codes:
            here = Q(indicator__code__in=codes)
            aggregates[f"{code}__leas"] = Count("assessment__lea_id", distinct=True, filter=here)
            aggregates[f"{code}__gaps"] = Count("id", filter=here)
    aggregates |= _scenario_aggregates(framework, aligned, today, "")
    totals = gaps.aggregate(**aggregates) if aggregates else {}
    per_indicator = dict(
        gaps.values("indicator__code")
        .annotate(leas=Count("assessment__lea_id", distinct=True))
        .order_by()
        .values_list("indicator__code", "leas")
    )
    assessed = _assessed_count(state_id=state.pk, cycle_id=cycle.pk)
    counts = {
        code: {
            key: totals.get(f"{code}__{key}") or 0
            for key in ("leas", "gaps", "not_opened", "leas_blocked", "gaps_blocked")
        }
        for code, codes in aligned.items()
        if codes
    }
    doc = {"assessed": assessed, "levers": counts, "indicators": per_indicator}
    return _lever_rows(framework, recorded, today.reach, doc)


# --- alignment: a whole state, kept as counts per cycle ------------------------------------
#
# The dashboard, its API and CSV, and the statewide PDF read the counts from the cycle's
# `CycleLeverSummary`, built from the assessments' stored gap indicators with
# `gap_category` itself, so a page costs the same for 10 LEAs or 2,200. Its stamp names
# the rows it was built from (the cycle's assessments and their versions, the recorded
# levers and their versions); a summary older than them is rebuilt before it is read.

LEVER_SUMMARY_FORMAT = 1


def _lever_stamp_sql() -> str:
    assessment = Assessment._meta.db_table
    lever = LeverStatus._meta.db_table
    profile = StatePolicyProfile._meta.db_table
    summary = CycleLeverSummary._meta.db_table
    levers = (
        f"FROM {lever} l JOIN {profile} p ON p.id = l.profile_id "
        "WHERE p.cycle_id = %s AND p.state_id = %s"
    )
    # Table names come from the models; every value is a parameter.
    return (
        f"SELECT (SELECT COUNT(*) FROM {assessment} WHERE cycle_id = %s), "  # noqa: S608
        f"(SELECT COALESCE(SUM(version), 0) FROM {assessment} WHERE cycle_id = %s), "
        f"(SELECT MAX(updated_at) FROM {assessment} WHERE cycle_id = %s), "
        f"(SELECT COUNT(*) {levers}), (SELECT COALESCE(SUM(l.version), 0) {levers}), "
        f"(SELECT stamp FROM {summary} WHERE cycle_id = %s), "
        f"(SELECT doc FROM {summary} WHERE cycle_id = %s)"
    )


def _lever_stamp_and_stored(cycle: AssessmentCycle) -> tuple[str, str | None, dict | None]:
    """The stamp of the rows the cycle's lever counts rest on now, and the stored summary's
    stamp and document. One query."""
    with connection.cursor() as cursor:
        cursor.execute(  # noqa: S608 - the SQL names tables, the values are parameters
            _lever_stamp_sql(),
            [cycle.pk, cycle.pk, cycle.pk, cycle.pk, cycle.state_id, cycle.pk, cycle.state_id]
            + [cycle.pk] * 2,
        )
        count, versions, changed, levers, lever_versions, stored_stamp, doc = cursor.fetchone()
    if isinstance(doc, str):
        doc = json.loads(doc)
    stamp = f"{LEVER_SUMMARY_FORMAT}|{count}|{versions}|{changed}|{levers}|{lever_versions}"
    return stamp, stored_stamp, doc


def lever_counts_build(
    *,
    framework: Framework,
    reach: Mapping[str, str],
    participants: Mapping[str, Container[int]],
    gaps_by_lea: Iterable[tuple[int, Sequence[str]]],
) -> dict:
    """Per lever and per indicator, the counts `state_levers_held_back` shows, from each
    assessed LEA's gap indicators: every gap is given its kind by `gap_category`."""
    aligned = _aligned(framework)
    levers_of = {ind.code: tuple(ind.levers) for ind in framework.indicators}
    counts = {
        code: {"leas": 0, "gaps": 0, "not_opened": 0, "leas_blocked": 0, "gaps_blocked": 0}
        for code, codes in aligned.items()
        if codes
    }
    indicators: Counter[str] = Counter()
    assessed = 0
    for lea_id, gaps in gaps_by_lea:
        assessed += 1
        takes_part = {code for code, leas in participants.items() if lea_id in leas}
        seen: dict[str, list[str]] = {}
        for indicator in gaps:
            levers = levers_of.get(indicator)
            if levers is None:
                continue  # scored with another framework version: not one of this cycle's
            indicators[indicator] += 1
            kind = gap_category(levers=levers, reach=reach, takes_part=takes_part)
            for lever in levers:
                seen.setdefault(lever, []).append(kind)
        for lever, kinds in seen.items():
            row = counts[lever]
            row["leas"] += 1
            row["gaps"] += len(kinds)
            row["not_opened"] += any(kind != OPENED for kind in kinds)
            blocked = sum(kind == BLOCKED for kind in kinds)
            row["leas_blocked"] += blocked > 0
            row["gaps_blocked"] += blocked
    return {
        "format": LEVER_SUMMARY_FORMAT,
        "assessed": assessed,
        "levers": counts,
        "indicators": dict(sorted(indicators.items())),
    }


def _lever_participants(*, cycle: AssessmentCycle, levers: Iterable[str]) -> dict[str, set[int]]:
    chosen: dict[str, set[int]] = {code: set() for code in levers}
    if chosen:
        for code, lea_id in LeverParticipant.objects.filter(
            lever_status__profile__state_id=cycle.state_id,
            lever_status__profile__cycle_id=cycle.pk,
            lever_status__lever__code__in=list(chosen),
        ).values_list("lever_status__lever__code", "lea_id"):
            chosen[code].add(lea_id)
    return chosen


def _lever_inputs(cycle: AssessmentCycle, recorded: Mapping[str, RecordedLever]):
    framework = cycle.framework.spec
    reach = {
        code: recorded.get(code, NOT_RECORDED).reach(framework) for code in framework.lever_codes
    }
    listed = [code for code, r in reach.items() if r == REACH_LISTED]
    return framework, reach, _lever_participants(cycle=cycle, levers=listed)


def cycle_lever_summary_build(*, cycle: AssessmentCycle, recorded=None) -> dict:
    """The cycle's lever counts from the stored gap indicators, without storing them."""
    if recorded is None:
        recorded = _profile_levers(cycle_id=cycle.pk, state_id=cycle.state_id)[2]
    framework, reach, participants = _lever_inputs(cycle, recorded)
    return lever_counts_build(
        framework=framework,
        reach=reach,
        participants=participants,
        gaps_by_lea=Assessment.objects.filter(cycle_id=cycle.pk, lea__state_id=cycle.state_id)
        .values_list("lea_id", "gap_codes")
        .iterator(chunk_size=2000),
    )


def cycle_lever_summary_refresh(
    *, cycle: AssessmentCycle, stamp: str | None = None, recorded=None
) -> dict:
    """Build the cycle's lever counts from the stored gap indicators and store them."""
    if stamp is None:
        stamp = _lever_stamp_and_stored(cycle)[0]
    doc = cycle_lever_summary_build(cycle=cycle, recorded=recorded)
    CycleLeverSummary.objects.bulk_create(
        [CycleLeverSummary(cycle_id=cycle.pk, stamp=stamp, doc=doc, built_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["cycle"],
        update_fields=["stamp", "doc", "built_at"],
    )
    return doc


def cycle_lever_summary(*, cycle: AssessmentCycle, recorded=None) -> dict:
    """The cycle's lever counts: one query when the stored ones are current."""
    stamp, stored_stamp, doc = _lever_stamp_and_stored(cycle)
    if doc and stored_stamp == stamp and doc.get("format") == LEVER_SUMMARY_FORMAT:
        return doc
    return cycle_lever_summary_refresh(cycle=cycle, stamp=stamp, recorded=recorded)


def cycle_lever_summary_stored(*, cycle: AssessmentCycle) -> tuple[dict | None, bool]:
    """The stored lever counts (None without them) and whether they are current."""
    stamp, stored_stamp, doc = _lever_stamp_and_stored(cycle)
    if not doc or doc.get("format") != LEVER_SUMMARY_FORMAT:
        return None, False
    return doc, stored_stamp == stamp


def cycle_lever_summary_recounted(*, cycle: AssessmentCycle) -> dict:
    """The lever counts from the answers themselves (the gap answers, not the stored gap
    indicators): what `recompute_scores --check` compares the stored summary with."""
    framework = cycle.framework.spec
    recorded = _profile_levers(cycle_id=cycle.pk, state_id=cycle.state_id)[2]
    framework, reach, participants = _lever_inputs(cycle, recorded)
    order = {code: i for i, code in enumerate(framework.indicator_codes)}
    gaps: dict[int, list[str]] = {
        lea_id: []
        for lea_id in Assessment.objects.filter(
            cycle_id=cycle.pk, lea__state_id=cycle.state_id
        ).values_list("lea_id", flat=True)
    }
    for lea_id, code in _gap_answers(
        framework=framework, state_id=cycle.state_id, cycle_id=cycle.pk
    ).values_list("assessment__lea_id", "indicator__code"):
        gaps[lea_id].append(code)
    return lever_counts_build(
        framework=framework,
        reach=reach,
        participants=participants,
        gaps_by_lea=(
            (lea_id, sorted(codes, key=lambda c: order.get(c, len(order))))
            for lea_id, codes in gaps.items()
        ),
    )


def state_levers_held_back(*, state: State, cycle: AssessmentCycle) -> list[LeverRow]:
    """Per lever (framework order), the state's LEAs whose related gaps it leaves opened,
    available to join or blocked.

    Two queries whatever the number of LEAs: the recorded levers, and the cycle's lever
    summary with its stamp (plus its rebuild when the rows changed since it was built,
    and one to load `cycle.framework` unless the caller already did).
    """
    if cycle.state_id != state.pk:
        raise ValueError(f"cycle {cycle.pk} belongs to another state than {state.code}")
    framework = cycle.framework.spec
    _, _, recorded = _profile_levers(cycle_id=cycle.pk, state_id=state.pk)
    doc = cycle_lever_summary(cycle=cycle, recorded=recorded)
    reach = {
        code: recorded.get(code, NOT_RECORDED).reach(framework) for code in framework.lever_codes
    }
    return _lever_rows(framework, recorded, reach, doc)


_NO_COUNTS = {"leas": 0, "gaps": 0, "not_opened": 0, "leas_blocked": 0, "gaps_blocked": 0}


def _lever_rows(
    framework: Framework,
    recorded: Mapping[str, RecordedLever],
    reach: Mapping[str, str],
    doc: Mapping[str, Any],
) -> list[LeverRow]:
    """One LeverRow per lever (framework order) from lever counts as `lever_counts_build`
    gives them: the summary's, or those counted afresh over the gap answers."""
    aligned = _aligned(framework)
    per_indicator = doc["indicators"]
    rows = []
    for lever in framework.levers:
        code = lever.code
        row = recorded.get(code, NOT_RECORDED)
        meta = framework.status(row.status)
        counts = doc["levers"].get(code, _NO_COUNTS)
        rows.append(
            LeverRow(
                code=code,
                name=lever.name,
                group=lever.group,
                status=meta.code,
                status_label=meta.label,
                active=meta.active,
                citation=row.citation,
                assessed_leas=doc["assessed"],
                leas_with_gap=counts["leas"],
                leas_opened=counts["leas"] - counts["not_opened"],
                leas_available=counts["not_opened"] - counts["leas_blocked"],
                leas_blocked=counts["leas_blocked"],
                gaps=counts["gaps"],
                gaps_blocked=counts["gaps_blocked"],
                indicators=tuple(
                    IndicatorCount(
                        code=ind, title=framework.indicator(ind).title, lea_count=per_indicator[ind]
                    )
                    for ind in aligned[code]
                    if per_indicator.get(ind)
                ),
                reach=reach[code],
                participant_count=row.participant_count,
            )
        )
    return rows


# --- the what-if simulator -----------------------------------------------------------------
#
# A task force tries lever statuses (and, for an enacted lever, who takes part) other than
# the recorded ones and sees the state stage that would follow and, per lever, how the
# LEAs' related gaps would change. Nothing is stored. The counts come from the same SQL
# conditions as `state_levers_held_back`, for today and for the what-if in one aggregate.

SIMULATE_RECORDED = "recorded"
SIMULATE_EVERY_LEA = "all"
SIMULATE_NO_LEA = "none"
SIMULATED_PARTICIPATION = (
    (SIMULATE_RECORDED, "The LEAs recorded today"),
    (SIMULATE_EVERY_LEA, "Every LEA"),
    (SIMULATE_NO_LEA, "No LEA yet"),
)


@dataclass(frozen=True)
class SimulatedLever:
    code: str
    name: str
    group: str
    status_today: str
    status_today_label: str
    status: str
    status_label: str
    reach_today: str
    reach: str
    reach_today_text: str
    reach_text: str
    leas_with_gap: int
    today: LeverLeaCounts
    simulated: LeverLeaCounts
    leas_unblocked: int  # LEAs with a gap aligned to it that moves from blocked to opened

    @property
    def changed(self) -> bool:
        return (self.status, self.reach_text) != (self.status_today, self.reach_today_text)

    @property
    def in_force(self) -> bool:
        return self.reach != REACH_NONE


@dataclass(frozen=True)
class Simulation:
    framework_label: str
    stage_today: str
    stage_today_label: str
    stage: str
    stage_label: str
    stage_meaning: str
    assessed_leas: int
    leas_unblocked: int  # LEAs with at least one gap that moves from blocked to opened
    levers: tuple[SimulatedLever, ...]

    @property
    def changed_levers(self) -> tuple[SimulatedLever, ...]:
        return tuple(lever for lever in self.levers if lever.changed)


def policy_simulation_problems(
    *, framework: Framework, statuses: Mapping[str, str], participation: Mapping[str, str]
) -> dict[str, str]:
    """What is wrong with a what-if: {lever code: message}, each naming the bad value."""
    known = framework.lever_by_code
    codes = [s.code for s in framework.statuses]
    choices = [code for code, _ in SIMULATED_PARTICIPATION]
    problems = {}
    for lever, status in statuses.items():
        if lever not in known:
            problems[lever] = f"“{lever}” is not a lever of {framework.label}."
        elif status not in codes:
            problems[lever] = (
                f"“{status}” is not a status of {known[lever].name}; use one of {', '.join(codes)}."
            )
    for lever, choice in participation.items():
        if lever not in known:
            problems.setdefault(lever, f"“{lever}” is not a lever of {framework.label}.")
        elif choice not in choices:
            problems.setdefault(
                lever,
                f"“{choice}” is not a choice of who takes part in {known[lever].name}; use "
                f"one of {', '.join(choices)}.",
            )
    return problems


def policy_simulate(
    *,
    state: State,
    cycle: AssessmentCycle,
    statuses: Mapping[str, str],
    participation: Mapping[str, str] | None = None,
) -> Simulation:
    """The state stage and each lever's LEA counts if the levers had `statuses` (a lever
    not named is "none") and, for an enacted lever, `participation` (SIMULATE_RECORDED,
    the default, SIMULATE_EVERY_LEA or SIMULATE_NO_LEA), against the recorded profile.

    Raises ValidationError naming each unknown lever, status or participation choice.
    Reads only: one query for the recorded levers, one aggregate over the gap answers,
    one count of assessed LEAs (plus one for `cycle.framework` unless already loaded),
    whatever the number of LEAs.
    """
    if cycle.state_id != state.pk:
        raise ValueError(f"cycle {cycle.pk} belongs to another state than {state.code}")
    framework = cycle.framework.spec
    participation = dict(participation or {})
    problems = policy_simulation_problems(
        framework=framework, statuses=statuses, participation=participation
    )
    if problems:
        raise ValidationError(problems)
    _, _, recorded = _profile_levers(cycle_id=cycle.pk, state_id=state.pk)
    aligned = _aligned(framework)
    today = _today(framework, recorded, state_id=state.pk, cycle_id=cycle.pk)

    what_if: dict[str, str] = {}
    for code in framework.lever_codes:
        status = statuses.get(code, NO_STATUS)
        choice = participation.get(code, SIMULATE_RECORDED)
        row = recorded.get(code, NOT_RECORDED)
        kept: str
        if choice == SIMULATE_EVERY_LEA:
            kept = Participation.ALL
        elif choice == SIMULATE_NO_LEA:
            kept = Participation.LISTED  # with no LEA chosen
        else:
            kept = row.participation
        reach = lever_reach(framework, status=status, participation=kept)
        if reach == REACH_LISTED and choice == SIMULATE_NO_LEA:
            reach = REACH_NOBODY_YET
        what_if[code] = reach
    scenario = _Scenario(
        reach=what_if,
        participants={
            code: _participants_sql(state_id=state.pk, cycle_id=cycle.pk, lever=code)
            for code, reach in what_if.items()
            if reach == REACH_LISTED
        },
    )

    lea = "assessment__lea_id"
    aggregates: dict[str, Count] = {}
    for code, codes in aligned.items():
        if codes:
            aggregates[f"{code}__leas"] = Count(
                lea, distinct=True, filter=Q(indicator__code__in=codes)
            )
    aggregates |= _scenario_aggregates(framework, aligned, today, "today_")
    aggregates |= _scenario_aggregates(framework, aligned, scenario, "what_if_")
    blocked_today = _blocked_codes(framework, today)
    opened_what_if = _opened_q(framework, aligned, scenario)
    if blocked_today and opened_what_if is not None:
        aggregates["unblocked"] = Count(
            lea, distinct=True, filter=Q(indicator__code__in=blocked_today) & opened_what_if
        )
        for code, codes in aligned.items():
            here = [c for c in codes if c in blocked_today]
            if here:
                aggregates[f"{code}__unblocked"] = Count(
                    lea, distinct=True, filter=Q(indicator__code__in=here) & opened_what_if
                )
    gaps = _gap_answers(framework=framework, state_id=state.pk, cycle_id=cycle.pk)
    totals = gaps.aggregate(**aggregates) if aggregates else {}
    assessed = _assessed_count(state_id=state.pk, cycle_id=cycle.pk)

    status_today = {code: recorded.get(code, NOT_RECORDED).status for code in framework.lever_codes}
    status_what_if = {code: statuses.get(code, NO_STATUS) for code in framework.lever_codes}
    stage_today = state_stage(framework, status_today)
    stage = state_stage(framework, status_what_if)
    entry = framework.state_stage_entry(stage)
    levers = []
    for lever in framework.levers:
        code = lever.code
        row = recorded.get(code, NOT_RECORDED)
        chosen = row.participant_count
        levers.append(
            SimulatedLever(
                code=code,
                name=lever.name,
                group=lever.group,
                status_today=status_today[code],
                status_today_label=framework.status_label(status_today[code]),
                status=status_what_if[code],
                status_label=framework.status_label(status_what_if[code]),
                reach_today=today.reach[code],
                reach=what_if[code],
                reach_today_text=reach_text(today.reach[code], chosen),
                reach_text=reach_text(what_if[code], chosen),
                leas_with_gap=totals.get(f"{code}__leas") or 0,
                today=_lea_counts(totals, "today_", code),
                simulated=_lea_counts(totals, "what_if_", code),
                leas_unblocked=totals.get(f"{code}__unblocked") or 0,
            )
        )
    return Simulation(
        framework_label=framework.label,
        stage_today=stage_today,
        stage_today_label=framework.state_stage_label(stage_today),
        stage=stage,
        stage_label=framework.state_stage_label(stage),
        stage_meaning=entry.meaning if entry else "",
        assessed_leas=assessed,
        leas_unblocked=totals.get("unblocked") or 0,
        levers=tuple(levers),
    )
