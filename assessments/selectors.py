"""Reads of assessments: answers, comments, activity, and the "My LEAs" rows.

Callers pass objects they already looked up through `access.selectors` (or, for the
"My LEAs" rows, the user, whose LEAs come from there).
"""

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from access import selectors as scoping
from accounts.models import User
from directory.models import LEA
from frameworks.document import Framework, IndicatorSpec
from frameworks.models import Indicator

from .models import Answer, Assessment, Comment, DistrictRating


def assessment_answers(*, assessment: Assessment) -> dict:
    """The assessment's answers by indicator code (one query)."""
    rows = (
        Answer.objects.filter(assessment=assessment)
        .select_related("updated_by")
        .annotate(code=F("indicator__code"))
    )
    return {answer.code: answer for answer in rows}


@dataclass(frozen=True)
class AnswerRow:
    """One indicator of the assessment's framework with its answer (None: not answered
    yet, so a first answer is given at version 0)."""

    spec: IndicatorSpec
    answer: Answer | None


def assessment_answer_rows(*, assessment: Assessment) -> list[AnswerRow]:
    """Every indicator of the assessment's framework, in framework order, with its answer
    or None (one query)."""
    answers = assessment_answers(assessment=assessment)
    return [
        AnswerRow(spec=spec, answer=answers.get(spec.code))
        for spec in assessment.cycle.framework.spec.indicators
    ]


def assessment_rows(*, assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Assessments (already scoped by access.selectors) with what a list shows about each:
    LEA and state, cycle and framework version (without the document), assignee and
    `indicator_total`, the number of indicators of its framework. One query, whatever
    the number of rows."""
    totals = (
        Indicator.objects.filter(framework_id=OuterRef("cycle__framework_id"))
        .order_by()
        .values("framework_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        assessments.select_related("lea__state", "cycle__framework", "assignee")
        .defer("cycle__framework__content")
        .annotate(indicator_total=Subquery(totals))
    )


def assessment_row_for_user(*, user: User, pk: int) -> Assessment:
    """One row of `assessment_rows`, or 404 when the user may not see it."""
    return get_object_or_404(
        assessment_rows(assessments=scoping.assessment_list_for_user(user=user)), pk=pk
    )


def assessment_missing_indicators(*, assessment: Assessment, answers: dict) -> list:
    """Indicators (framework order) with neither a rating nor "don't know"."""
    return [
        spec
        for spec in assessment.cycle.framework.spec.indicators
        if spec.code not in answers or not answers[spec.code].is_answered
    ]


def assessment_comments(*, assessment: Assessment) -> list:
    """Comments and return notes, oldest first, each with `indicator_code` (or None)."""
    return list(
        Comment.objects.filter(assessment=assessment)
        .select_related("author")
        .annotate(indicator_code=F("indicator__code"))
        .order_by("created_at", "pk")
    )


# The LEA list's sort orders: (key, the annotations it orders by, ascending); "-key"
# sorts the other way. Rows without an assessment (a null first key) come last either way.
LEA_SORTS = {
    "name": ("name", "pk"),
    "status": ("assessment_status", "name", "pk"),
    "assignee": ("assignee_last_name", "assignee_first_name", "assignee_username", "name", "pk"),
    "updated": ("assessment_updated_at", "name", "pk"),
}
# Unsorted: the user's own assignments first, then by state (its code, which the State
# column shows; a list of one state's LEAs leaves it out) and name. Without the first key,
# a page is read from an index of the LEAs: lea_state_order, or (state, name) for one state.
_DEFAULT_ORDER = ("not_mine", "state_code", "name", "pk")
# Sort keys that are the LEA's own columns (an index of the LEAs can give their order).
_LEA_KEYS = frozenset(["state_code", "name", "pk"])
# Annotations that are null for an LEA without a current assessment (or its assignee).
_NULLABLE_KEYS = frozenset(
    ["assessment_status", "assignee_last_name", "assignee_first_name", "assignee_username"]
    + ["assessment_updated_at"]
)


# The LEA's own columns the list reads (the rest stay in the table).
_LIST_COLUMNS = ("leaid", "name", "state_id", "state_code", "locale")


# What each sort key holds, when not text (a cursor is checked against it).
_KEY_KINDS: dict[str, type] = {"pk": int, "not_mine": int, "assessment_updated_at": datetime}


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False

    @property
    def nullable(self) -> bool:
        return self.field in _NULLABLE_KEYS

    def order_by(self, *, backward: bool = False):
        """The ORDER BY term; nulls last (first when reading backward)."""
        descending = self.descending != backward
        if self.nullable:
            nulls = {"nulls_first": True} if backward else {"nulls_last": True}
            expression = F(self.field)
            return expression.desc(**nulls) if descending else expression.asc(**nulls)
        return f"-{self.field}" if descending else self.field


def _comparable(value: object) -> bool:
    """What the database can compare: a 64-bit number, or text without NUL."""
    if isinstance(value, int):
        return abs(value) < 2**63
    return not isinstance(value, str) or "\x00" not in value


def _sort_keys(sort: str, *, own_first: bool, across_states: bool) -> list[SortKey]:
    fields = LEA_SORTS.get(sort.lstrip("-"))
    if fields is None:
        left_out = {"not_mine"} if not own_first else set()
        if not across_states:
            left_out.add("state_code")
        return [SortKey(f) for f in _DEFAULT_ORDER if f not in left_out]
    return [SortKey(f, descending=sort.startswith("-")) for f in fields]


@dataclass(frozen=True)
class ListCycle:
    """What the LEA list shows of a cycle its rows' assessments belong to."""

    id: int
    state_id: int
    name: str
    starts_on: date
    framework_id: int
    due_on: date | None
    is_open: bool
    indicator_total: int | None
    # Whether the user holds one of the cycle's assessments (their own come first).
    has_mine: bool


@dataclass(frozen=True)
class LeaList:
    """The "My LEAs" rows (a queryset to page) and the cycles of their assessments."""

    leas: QuerySet[LEA]
    cycles: dict[int, ListCycle]
    keys: list[SortKey]
    # The same LEAs, to count (no join when no filter reads the assessment).
    counted: QuerySet[LEA]


def _list_cycles(*, user: User, cycle: int | None) -> list[ListCycle]:
    """The cycle named, or every open cycle the user may see, newest first (one query,
    each with the number of indicators of its framework)."""
    totals = (
        Indicator.objects.filter(framework_id=OuterRef("framework_id"))
        .order_by()
        .values("framework_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    mine = Assessment.objects.filter(cycle_id=OuterRef("pk"), assignee_id=user.pk)
    cycles = scoping.cycle_list_for_user(user=user)
    cycles = cycles.filter(pk=cycle) if cycle else cycles.filter(is_open=True)
    rows = (
        cycles.annotate(
            indicator_total=Subquery(totals),
            has_mine=Exists(mine) if user.pk else Value(False),
        )
        .order_by("-starts_on", "-pk")
        .values_list(
            "id",
            "state_id",
            "name",
            "starts_on",
            "framework_id",
            "assessments_due_on",
            "is_open",
            "indicator_total",
            "has_mine",
        )
    )
    return [ListCycle(*row) for row in rows]


def _current_assessment_join(cycles: list[ListCycle]) -> tuple[Q, dict[int, int]]:
    """The join condition of an LEA's candidate current assessments (those in the cycles
    given) and, for the states with more than one such cycle, each of their cycles'
    rank (higher: newer), with which the caller keeps only the newest candidate."""
    by_state: dict[int, list[ListCycle]] = {}
    for cycle in cycles:
        by_state.setdefault(cycle.state_id, []).append(cycle)
    ranked = [c for same in by_state.values() if len(same) > 1 for c in same]
    ranks = {c.id: len(ranked) - i for i, c in enumerate(ranked)}  # `cycles` is newest first
    return Q(assessments__cycle_id__in=[c.id for c in cycles]), ranks


def _rank(field: str, ranks: dict[int, int]) -> Case:
    return Case(
        *(When(**{field: cycle_id}, then=Value(rank)) for cycle_id, rank in ranks.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def lea_list_with_assessment(*, user: User, filters: dict | None = None) -> LeaList:
    """The "My LEAs" rows: LEAs the user may see, each annotated with its current
    assessment (the one in the latest open cycle, or in the cycle named): its id, status,
    answers given, assignee, cycle (`current_cycle_id`, a key of `cycles`) and when it
    last changed.

    The current assessment is found by one LEFT JOIN on the assessments of the cycles
    that can hold it, read first in a small query of their own (`cycles`): an LEA's
    assessments are in cycles of its own state, so where a state has one open cycle the
    join finds at most one per LEA; where it has several, an anti-join keeps the newest
    (latest start, then latest created). So the rows cost one join and one sort whatever
    the page, where a subquery per LEA and column made the last page cost seconds.

    filters: q (name contains, or LEAID starts with), locale, status ("none" for not
    started, and "not_started", "in_progress", "overdue" for drafts with no answer, with
    some, and past the cycle's due date unsubmitted), mine (only assessments assigned to
    `user`), cycle (that cycle's assessments only), assignee (a user's id, or "none"),
    sort (a key of LEA_SORTS, "-" before it for the other way). Unsorted, the user's own
    assignments come first, then the LEAs by state (for those who see several) and name.
    """
    filters = filters or {}
    cycle = filters.get("cycle")
    cycles = _list_cycles(user=user, cycle=cycle)
    # Only the LEA's columns a row shows: the join and the sort carry narrower rows.
    qs = scoping.lea_list_for_user(user=user).select_related(None).only(*_LIST_COLUMNS)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(leaid__startswith=q))
    if locale := filters.get("locale"):
        qs = qs.filter(locale=locale)
    # Counted without the join while no filter reads the assessment.
    counted = qs.order_by()
    ranks: dict[int, int] = {}
    if cycle:
        condition = Q(assessments__cycle_id=cycle)
    else:
        condition, ranks = _current_assessment_join(cycles)
    qs = qs.annotate(current=FilteredRelation("assessments", condition=condition)).annotate(
        assessment_id=F("current__id"),
        assessment_status=F("current__status"),
        answered=F("current__answered_count"),
        assignee_id=F("current__assignee_id"),
        current_cycle_id=F("current__cycle_id"),
        assessment_updated_at=F("current__updated_at"),
    )
    if ranks:
        newer = (
            Assessment.objects.filter(lea_id=OuterRef("pk"), cycle_id__in=list(ranks))
            .annotate(rank=_rank("cycle_id", ranks))
            .filter(rank__gt=OuterRef("current_rank"))
        )
        qs = qs.annotate(current_rank=_rank("current__cycle_id", ranks)).filter(~Exists(newer))
    if cycle:
        qs = qs.filter(assessment_id__isnull=False)
    editable = scoping.ASSESSMENT_EDITABLE_STATUSES
    if status := filters.get("status"):
        if status == "none":
            # On the join's own column (a strict join condition reads it), PostgreSQL reads
            # "no such assessment" as an anti-join and walks the LEAs in the list's order; on
            # the assessment's id it joined and sorted every LEA.
            qs = qs.alias(joined_lea=F("current__lea_id")).filter(joined_lea__isnull=True)
        elif status == "not_started":
            qs = qs.filter(assessment_status__in=editable, answered=0)
        elif status == "in_progress":
            qs = qs.filter(assessment_status__in=editable, answered__gt=0)
        elif status == "overdue":
            today = filters.get("today") or timezone.localdate()
            past_due = [c.id for c in cycles if c.due_on is not None and c.due_on < today]
            qs = qs.filter(assessment_status__in=editable)
            if len(past_due) < len(cycles):
                # (When every cycle the join reads is past due, saying so again made
                # PostgreSQL misjudge the rows and count them from the table, not the index.)
                qs = qs.filter(current_cycle_id__in=past_due)
        else:
            qs = qs.filter(assessment_status=status)
    if filters.get("mine"):
        qs = qs.filter(assignee_id=user.pk)
    if assignee := filters.get("assignee"):
        qs = (
            qs.filter(assessment_id__isnull=False, assignee_id__isnull=True)
            if assignee == "none"
            else qs.filter(assignee_id=assignee)
        )
    if ranks or cycle or filters.get("status") or filters.get("mine") or assignee:
        counted = qs.order_by()
    sort = filters.get("sort") or ""
    # Without assignments of the user's own in these cycles, "own first" orders nothing.
    own_first = not sort and any(c.has_mine for c in cycles)
    if sort.lstrip("-") == "assignee":
        qs = qs.annotate(
            assignee_last_name=F("current__assignee__last_name"),
            assignee_first_name=F("current__assignee__first_name"),
            assignee_username=F("current__assignee__username"),
        )
    elif own_first:
        qs = qs.annotate(not_mine=Case(When(assignee_id=user.pk, then=Value(0)), default=Value(1)))
    keys = _sort_keys(
        sort, own_first=own_first, across_states=scoping.scope_for_user(user).everything
    )
    return LeaList(
        leas=qs.order_by(*(key.order_by() for key in keys)),
        cycles={c.id: c for c in cycles},
        keys=keys,
        counted=counted,
    )


# --- the LEA list's pages -----------------------------------------------------------------
#
# Pages are read by keyset: a page starts after (or ends before) the row a cursor names by
# its sort keys, so the database reads the page's rows from the top of one ordered scan
# (a top-N sort) on every page, the last as cheap as the first, where an OFFSET sorts
# and skips every row before the page.


@dataclass(frozen=True)
class LeaPage:
    rows: list
    # Cursors of the page's first and last rows (None: no page before or after).
    previous: str | None
    next: str | None


def _cursor_values(lea, keys: list[SortKey]) -> list:
    values = []
    for key in keys:
        value = getattr(lea, key.field)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return values


def lea_cursor(lea, keys: list[SortKey]) -> str:
    """The cursor of a row of the list: its sort keys, in a URL-safe string."""
    raw = json.dumps(_cursor_values(lea, keys), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_read(cursor: str, keys: list[SortKey]) -> list | None:
    """The sort keys a cursor holds, or None when it is not one of this sort's."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    read: list[object] = []
    for key, value in zip(keys, values, strict=True):
        kind = _KEY_KINDS.get(key.field, str)
        if value is None and key.nullable:
            read.append(None)
        elif kind is datetime and isinstance(value, str):
            try:
                read.append(datetime.fromisoformat(value))
            except ValueError:
                return None
        elif type(value) is kind and _comparable(value):
            read.append(value)
        else:
            return None
    return read


def _beyond(keys: list[SortKey], values: list, *, backward: bool) -> Q:
    """Rows after the cursor's row in the list's order (before it, when backward): the
    first key that differs decides, and a null key (no assessment) sorts last."""
    condition = Q(pk__in=[])
    same = Q()
    # The same rows, bounded on the first key alone as well: an index on that key (the
    # LEA's name) then starts its scan at the cursor.
    first, value = keys[0], values[0]
    if value is None:
        bound = Q() if backward else Q(**{f"{first.field}__isnull": True})
    else:
        later = first.descending == backward
        bound = Q(**{f"{first.field}__{'gte' if later else 'lte'}": value})
        if first.nullable and not backward:
            bound |= Q(**{f"{first.field}__isnull": True})
    for key, value in zip(keys, values, strict=True):
        later = key.descending == backward  # the rows beyond have a larger value
        if value is None:
            # The cursor is among the rows without this key, which come last.
            if backward:
                condition |= same & Q(**{f"{key.field}__isnull": False})
            same &= Q(**{f"{key.field}__isnull": True})
            continue
        step = Q(**{f"{key.field}__{'gt' if later else 'lt'}": value})
        if key.nullable and not backward:
            step |= Q(**{f"{key.field}__isnull": True})
        condition |= same & step
        same &= Q(**{key.field: value})
    return bound & condition


def lea_list_page(
    *,
    listed: LeaList,
    size: int,
    after: str | None = None,
    before: str | None = None,
    last: bool = False,
) -> LeaPage:
    """One page of `size` rows of the list: the first, the one after or before a cursor,
    or the last. One query. A cursor that is not one of this sort's, or beyond which no
    row is left, gives the first page."""
    keys = listed.keys
    after_values = _cursor_read(after, keys) if after else None
    before_values = _cursor_read(before, keys) if before else None
    backward = last or before_values is not None
    qs = listed.leas
    if backward:
        qs = qs.order_by(*(key.order_by(backward=True) for key in keys))
        if before_values is not None:
            qs = qs.filter(_beyond(keys, before_values, backward=True))
    elif after_values is not None:
        qs = qs.filter(_beyond(keys, after_values, backward=False))
    if any(key.field not in _LEA_KEYS for key in keys):
        # No index of the LEAs gives this order, so every row is joined and sorted: pick
        # the page's LEAs in a subquery that reads only the keys (its assessments from an
        # index alone when sorted by status), then read those rows whole.
        qs = qs.filter(pk__in=qs.values("pk")[: size + 1])
    rows = list(qs[: size + 1])
    if not rows and (after_values or before_values):
        # The rows around the cursor are gone (changed or deleted since): start again.
        return lea_list_page(listed=listed, size=size)
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        has_previous, has_next = more, before_values is not None
    else:
        has_previous, has_next = after_values is not None, more
    return LeaPage(
        rows=rows,
        previous=lea_cursor(rows[0], keys) if rows and has_previous else None,
        next=lea_cursor(rows[-1], keys) if rows and has_next else None,
    )


def indicator_totals(*, framework_ids) -> dict[int, int]:
    """Number of indicators in each framework version (one query)."""
    ids = {i for i in framework_ids if i is not None}
    if not ids:
        return {}
    rows = (
        Indicator.objects.filter(framework_id__in=ids)
        .values("framework_id")
        .annotate(n=Count("id"))
        .values_list("framework_id", "n")
    )
    return dict(rows)


@dataclass(frozen=True)
class ActivityEntry:
    """One line of an assessment's activity tab."""

    when: datetime
    who: str
    kind: str  # "status" or "answer"
    summary: str
    indicator: str = ""
    indicator_title: str = ""
    saves: int = 1


def _person(user) -> str:
    if user is None:
        return "Someone no longer on the portal"
    return user.get_full_name() or user.get_username()


def _choice_label(framework: Framework, rating, dont_know) -> str:
    return framework.answer_label(rating, dont_know=dont_know) or "no answer"


_STATUS_PHRASES = {
    Assessment.Status.DRAFT: "Reopened as a draft",
    Assessment.Status.SUBMITTED: "Submitted for review",
    Assessment.Status.RETURNED: "Returned for changes",
    Assessment.Status.ACCEPTED: "Accepted; answers are now locked",
}


def assessment_activity(*, assessment: Assessment) -> list[ActivityEntry]:
    """Every status change and every answer change, newest first, from the history
    tables (two queries). Consecutive saves of one evidence note by one person (autosave
    while typing) are shown as one entry with the number of saves."""
    framework = assessment.cycle.framework.spec
    entries: list[ActivityEntry] = []

    previous_status = None
    status_rows = (
        Assessment.history.filter(id=assessment.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in status_rows:
        if row.history_type == "+":
            summary = "Started the needs assessment"
        elif row.status != previous_status:
            summary = _STATUS_PHRASES.get(row.status, row.status)
        else:
            summary = ""
        previous_status = row.status
        if summary:
            entries.append(
                ActivityEntry(
                    when=row.history_date,
                    who=_person(row.history_user),
                    kind="status",
                    summary=summary,
                )
            )

    answer_rows = (
        Answer.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "indicator")
        .order_by("history_date", "history_id")
    )
    last_by_answer: dict[int, Any] = {}  # historical Answer rows
    answer_entries: list[ActivityEntry] = []
    for row in answer_rows:
        before = last_by_answer.get(row.id)
        last_by_answer[row.id] = row
        now_label = _choice_label(framework, row.rating, row.dont_know)
        parts = []
        note_only = False
        if before is None:
            parts.append(
                f"Answered {now_label}" + (" with an evidence note" if row.evidence else "")
            )
        else:
            if (before.rating, before.dont_know) != (row.rating, row.dont_know):
                was = _choice_label(framework, before.rating, before.dont_know)
                parts.append(f"Changed the rating to {now_label} (was {was})")
            if before.evidence != row.evidence:
                parts.append("Edited the evidence note" if parts == [] else "edited the note")
                note_only = len(parts) == 1
        if not parts:
            parts.append("Saved without changes")
        code = row.indicator.code if row.indicator_id and row.indicator else ""
        title = row.indicator.title if row.indicator_id and row.indicator else ""
        who = _person(row.history_user)
        last = answer_entries[-1] if answer_entries else None
        if (
            note_only
            and last is not None
            and last.indicator == code
            and last.who == who
            and last.summary.startswith("Edited the evidence note")
        ):
            answer_entries[-1] = ActivityEntry(
                when=row.history_date,
                who=who,
                kind="answer",
                summary="Edited the evidence note",
                indicator=code,
                indicator_title=title,
                saves=last.saves + 1,
            )
            continue
        answer_entries.append(
            ActivityEntry(
                when=row.history_date,
                who=who,
                kind="answer",
                summary=", ".join(parts),
                indicator=code,
                indicator_title=title,
            )
        )
    entries.extend(answer_entries)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def assignee_names(*, ids) -> dict[int, str]:
    """Display names of the assignees of rows the caller already scoped (one query)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {
        user.pk: user.get_full_name() or user.get_username()
        for user in User.objects.filter(pk__in=ids).only("first_name", "last_name", "username")
    }


# --- the district's own view and the review ---------------------------------------------

# How far apart (in rubric levels) the state's and the district's ratings must be before
# the review page, the results page and the PDF show them side by side.
DISTRICT_DIFFERENCE_LEVELS = 2


def assessment_district_ratings(*, assessment: Assessment) -> dict[str, DistrictRating]:
    """The district's ratings by indicator code (one query). The caller has checked
    `access.selectors.user_can_see_district_view` (or is a report, which is shown to the
    people who may)."""
    rows = (
        DistrictRating.objects.filter(assessment=assessment)
        .select_related("updated_by")
        .annotate(code=F("indicator__code"))
    )
    return {rating.code: rating for rating in rows}


@dataclass(frozen=True)
class DistrictDifference:
    """One indicator the state and the district rate at least
    DISTRICT_DIFFERENCE_LEVELS apart."""

    code: str
    title: str
    domain_name: str
    state_level: int
    state_label: str
    district_level: int
    district_label: str
    note: str

    @property
    def levels_apart(self) -> int:
        return abs(self.state_level - self.district_level)


def assessment_district_differences(
    *,
    assessment: Assessment,
    answers: dict | None = None,
    ratings: dict[str, DistrictRating] | None = None,
) -> list[DistrictDifference]:
    """Indicators (framework order) where the state's rating and the district's differ by
    DISTRICT_DIFFERENCE_LEVELS or more. An indicator the state marked "don't know" or has
    not rated has nothing to compare. Two queries (none for what is passed in)."""
    framework = assessment.cycle.framework.spec
    if answers is None:
        answers = assessment_answers(assessment=assessment)
    if ratings is None:
        ratings = assessment_district_ratings(assessment=assessment)
    names = {d.code: d.name for d in framework.domains}
    found = []
    for spec in framework.indicators:
        answer, rating = answers.get(spec.code), ratings.get(spec.code)
        if answer is None or answer.rating is None or rating is None:
            continue
        if abs(answer.rating - rating.level) < DISTRICT_DIFFERENCE_LEVELS:
            continue
        found.append(
            DistrictDifference(
                code=spec.code,
                title=spec.title,
                domain_name=names.get(spec.domain, spec.domain),
                state_level=answer.rating,
                state_label=framework.answer_label(answer.rating),
                district_level=rating.level,
                district_label=framework.answer_label(rating.level),
                note=rating.note,
            )
        )
    return found


def assessment_changes_since_return(*, assessment: Assessment) -> list[IndicatorSpec]:
    """After a return, the indicators (framework order) whose answer or evidence note is
    now different from what it was when the assessment was returned: what the reviewer
    should look at again. Empty if it was never returned. Two queries."""
    returned_at = (
        Assessment.history.filter(id=assessment.pk, history_change_reason="returned")
        .order_by("-history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    if returned_at is None:
        return []
    at_return: dict[int, tuple] = {}
    now: dict[int, tuple] = {}
    codes: dict[int, str] = {}
    rows = (
        Answer.history.filter(assessment_id=assessment.pk)
        .annotate(code=F("indicator__code"))
        .order_by("history_date", "history_id")
        .values_list("indicator_id", "code", "history_date", "rating", "dont_know", "evidence")
    )
    for indicator_id, code, when, rating, dont_know, evidence in rows:
        codes[indicator_id] = code
        value = (rating, bool(dont_know), evidence)
        now[indicator_id] = value
        if when <= returned_at:
            at_return[indicator_id] = value
    changed = {codes[i] for i, value in now.items() if at_return.get(i) != value}
    return [spec for spec in assessment.cycle.framework.spec.indicators if spec.code in changed]
