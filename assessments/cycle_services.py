"""Running a cycle: opening one with its due dates and its LEAs, closing it, and assigning
its LEAs' assessments to staff.

`assessment_assign` is the one write path of assignments: the LEA list's bulk action, the
CSV upload and the API all end there. Every function checks everything before it writes
and writes in one transaction, so a refusal leaves nothing half done. Refusals are
`CycleInvalid` (fields and rows, each with a message fit to show) or the shared
`AssessmentError` kinds of `assessments.services`.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from access import selectors
from accounts.models import User
from cbe_portal import figures
from cbe_portal.notices import notify_assigned
from directory.models import LEA, LEAID_VALIDATOR, Locale, State
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_for_new_cycles

from .models import Assessment, AssessmentCycle
from .services import AssessmentChanged, AssessmentError, NotAllowed

# LEAs that run schools this year: a new cycle never takes a closed, inactive or
# not-yet-open one.
OPERATIONAL_STATUSES = (LEA.Status.OPEN, LEA.Status.NEW, LEA.Status.CHANGED, LEA.Status.REOPENED)
CSV_MAX_ROWS = 20_000
CYCLE_NAME_MAX: int = AssessmentCycle._meta.get_field("name").max_length or 40


@dataclass(frozen=True)
class RowError:
    """One refused line of an upload (or item of an API list), counted from 1."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


class CycleInvalid(AssessmentError):
    """Bad input: `fields` maps a field to its messages, `rows` lists refused lines."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        *,
        fields: dict[str, list[str]] | None = None,
        rows: Sequence[RowError] = (),
        row_field: str = "file",
    ):
        self.fields = dict(fields or {})
        self.rows = list(rows)
        self.row_field = row_field
        if self.rows:
            n = len(self.rows)
            summary = f"{n} line{'s' if n != 1 else ''} could not be used; nothing was saved."
            messages = self.fields.setdefault(row_field, [])
            if summary not in messages:
                messages.append(summary)
        first_field, messages = next(iter(self.fields.items()))
        super().__init__(f"{first_field}: {messages[0]}", field=first_field)


# --- choosing a cycle's LEAs --------------------------------------------------------------


@dataclass(frozen=True)
class LeaChoice:
    """Which LEAs a new cycle takes: exactly `leaids` (line number, LEAID) when given,
    otherwise every operational LEA of the state, narrowed to the agency types and
    locales named (none named: no narrowing)."""

    agency_types: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    leaids: tuple[tuple[int, str], ...] | None = None


def _csv_rows(text: str, *, what: str) -> list[tuple[int, list[str]]]:
    """Non-empty lines of a CSV as (line number, cells), without a header line whose first
    cell is not a number. Raises CycleInvalid for a file that is empty or too long."""
    text = text.lstrip("\ufeff")
    rows = [
        (number, [cell.strip() for cell in cells])
        for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(cell.strip() for cell in cells)
    ]
    if rows and not rows[0][1][0].isdigit():
        rows = rows[1:]
    if not rows:
        raise CycleInvalid(fields={"file": [f"The file has no {what} in it."]})
    if len(rows) > CSV_MAX_ROWS:
        raise CycleInvalid(
            fields={
                "file": [
                    f"The file has {len(rows):,} lines; the most one upload takes "
                    f"is {CSV_MAX_ROWS:,}."
                ]
            }
        )
    return rows


def _leaid_problem(leaid: str) -> str:
    try:
        LEAID_VALIDATOR(leaid)
    except Exception:  # noqa: BLE001 - a ValidationError: say so in this line's words
        return f"{leaid!r} is not an LEAID: an NCES LEAID is exactly 7 digits."
    return ""


def leaids_from_csv(*, text: str) -> tuple[tuple[int, str], ...]:
    """The LEAIDs of an upload, one per line in its first column (a header line is
    skipped), with their line numbers. Whether each is an LEAID at all is checked with
    the rest (`cycle_leas_choose`), so every bad line is named at once."""
    rows = _csv_rows(text, what="LEAIDs")
    return tuple((line, cells[0]) for line, cells in rows)


def _state_leas_by_leaid(*, actor: User, leaids: Iterable[str]) -> dict[str, LEA]:
    return {
        lea.leaid: lea
        for lea in selectors.lea_list_for_user(user=actor).filter(leaid__in=set(leaids))
    }


def _lea_row_problem(lea: LEA | None, leaid: str, state: State) -> str:
    if lea is None:
        return f"LEAID {leaid} is not an LEA of {state.name} in the directory."
    if lea.state_id != state.pk:
        return f"LEAID {leaid} is an LEA of {lea.state.name}, not of {state.name}."
    return ""


def cycle_leas_choose(
    *, actor: User, state: State, choice: LeaChoice, field: str = "leas"
) -> list[int]:
    """The ids of the LEAs `choice` names, all operational LEAs of `state`. Raises
    CycleInvalid naming each refused line, or the field when nothing is chosen."""
    if choice.leaids is None:
        leas = LEA.objects.filter(state=state, status__in=OPERATIONAL_STATUSES)
        if choice.agency_types:
            leas = leas.filter(agency_type__in=choice.agency_types)
        if choice.locales:
            leas = leas.filter(locale__in=choice.locales)
        matching = list(leas.order_by("pk").values_list("pk", flat=True))
        if not matching:
            raise CycleInvalid(
                fields={field: [f"No operational LEA of {state.name} matches this choice."]}
            )
        return matching
    found = _state_leas_by_leaid(actor=actor, leaids=(leaid for _, leaid in choice.leaids))
    problems: list[RowError] = []
    ids: list[int] = []
    first_line: dict[str, int] = {}
    for line, leaid in choice.leaids:
        lea = found.get(leaid)
        if problem := _leaid_problem(leaid) or _lea_row_problem(lea, leaid, state):
            problems.append(RowError(line, problem))
        elif leaid in first_line:
            problems.append(
                RowError(
                    line, f"LEAID {leaid} is listed twice (first on line {first_line[leaid]})."
                )
            )
        elif lea is not None and lea.status not in OPERATIONAL_STATUSES:
            problems.append(
                RowError(
                    line,
                    f"{lea.name} ({leaid}) is not operational: NCES "
                    f"lists it as {lea.get_status_display().lower()}.",
                )
            )
        elif lea is not None:
            first_line[leaid] = line
            ids.append(lea.pk)
    if problems:
        raise CycleInvalid(rows=problems, row_field=field)
    if not ids:
        raise CycleInvalid(fields={field: ["Name at least one LEA."]})
    return ids


# --- opening and closing ------------------------------------------------------------------


@dataclass(frozen=True)
class CycleOpened:
    cycle: AssessmentCycle
    assessment_ids: list[int] = field(default_factory=list)


def cycle_open(
    *,
    actor: User,
    state: State,
    name: str,
    assessments_due_on: date | None,
    reviews_due_on: date | None,
    choice: LeaChoice,
    framework: FrameworkVersion | None = None,
    today: date | None = None,
) -> CycleOpened:
    """Open a cycle of `state` with its two due dates and create the draft assessment of
    each chosen LEA, all in one transaction. Raises NotAllowed unless the actor manages
    the state, CycleInvalid (every bad field and line at once) for bad input."""
    if not selectors.user_can_manage_state(user=actor, state=state):
        raise NotAllowed(f"Only an administrator of {state.name} can open a cycle there.")
    today = today or timezone.localdate()
    name = (name or "").strip()
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = ["Give the cycle a name, for example 2027-28."]
    elif len(name) > CYCLE_NAME_MAX:
        problems["name"] = [f"A cycle's name has at most {CYCLE_NAME_MAX} characters."]
    elif AssessmentCycle.objects.filter(state=state, name__iexact=name).exists():
        problems["name"] = [f"{state.name} already has a cycle named {name}."]
    if assessments_due_on is None:
        problems["assessments_due_on"] = ["Give the date assessments are due."]
    elif assessments_due_on < today:
        problems["assessments_due_on"] = [
            f"The due date for assessments is in the past ({assessments_due_on:%B} "
            f"{assessments_due_on.day}, {assessments_due_on.year}); choose today or later."
        ]
    if reviews_due_on is None:
        problems["reviews_due_on"] = ["Give the date reviews are due."]
    elif assessments_due_on is not None and reviews_due_on < assessments_due_on:
        problems["reviews_due_on"] = [
            "Reviews cannot be due before the assessments they review: choose a date on or "
            "after the assessments' due date."
        ]
    framework = framework or framework_for_new_cycles()
    if framework is None:
        problems["framework"] = [
            "No framework is loaded yet; a national administrator loads one first."
        ]
    try:
        lea_ids = cycle_leas_choose(actor=actor, state=state, choice=choice)
    except CycleInvalid as exc:
        if problems:
            fields = {**problems, **exc.fields}
            raise CycleInvalid(fields=fields, rows=exc.rows, row_field=exc.row_field) from exc
        raise
    if problems:
        raise CycleInvalid(fields=problems)
    assert assessments_due_on is not None and reviews_due_on is not None
    assert framework is not None
    try:
        with transaction.atomic():
            cycle = AssessmentCycle.objects.create(
                state=state,
                name=name,
                starts_on=today,
                ends_on=reviews_due_on,
                framework=framework,
                assessments_due_on=assessments_due_on,
                reviews_due_on=reviews_due_on,
                is_open=True,
            )
            created = bulk_create_with_history(
                [Assessment(lea_id=lea_id, cycle=cycle) for lea_id in lea_ids],
                Assessment,
                default_user=actor,
                default_change_reason="cycle opened",
            )
    except IntegrityError as exc:  # a cycle of the same name opened at the same moment
        raise CycleInvalid(
            fields={"name": [f"{state.name} already has a cycle named {name}."]}
        ) from exc
    figures.cycle_figures_changed(cycle_id=cycle.pk)
    figures.state_pages_changed(state_id=state.pk)  # its dashboards list the new cycle
    ids = (
        [a.pk for a in created]
        if all(a.pk for a in created)
        else list(cycle.assessments.order_by("pk").values_list("pk", flat=True))
    )
    return CycleOpened(cycle=cycle, assessment_ids=ids)


def cycle_close(*, actor: User, cycle: AssessmentCycle) -> AssessmentCycle:
    """Close the cycle: from then on its assessments are read-only (no answers, submits,
    reviews or assignments), and everything in it stays readable."""
    if not selectors.user_can_manage_cycle(user=actor, cycle=cycle):
        raise NotAllowed("Only an administrator of the cycle's state can close it.")
    now = timezone.now()
    closed = AssessmentCycle.objects.filter(pk=cycle.pk, is_open=True).update(
        is_open=False, closed_at=now
    )
    if not closed:
        raise AssessmentChanged("This cycle is already closed.")
    figures.state_pages_changed(state_id=cycle.state_id)  # its dashboards show it closed
    cycle.is_open, cycle.closed_at = False, now
    return cycle


# --- assignments --------------------------------------------------------------------------


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _assign_problems(
    *, actor: User, assessments: Sequence[Assessment], assignee: User
) -> list[str]:
    problems = []
    for assessment in assessments:
        cycle = assessment.cycle
        if not selectors.user_can_manage_cycle(user=actor, cycle=cycle):
            problems.append(f"You cannot assign the LEAs of {cycle.state.name}.")
        elif not cycle.is_open:
            problems.append(
                f"The cycle {cycle.name} is closed; its LEAs can no longer be assigned."
            )
        elif not selectors.user_can_be_assigned(assignee=assignee, state_id=cycle.state_id):
            problems.append(
                f"{_person(assignee)} is not state staff or a state administrator "
                f"of {cycle.state.name}."
            )
    return list(dict.fromkeys(problems))


def _assign_write(*, actor: User, assessments: Sequence[Assessment], assignee: User) -> list[int]:
    """Point the assessments at the assignee, with a history row each. Call inside a
    transaction, after the checks."""
    changed = [a for a in assessments if a.assignee_id != assignee.pk]
    if not changed:
        return []
    now = timezone.now()
    ids = [a.pk for a in changed]
    Assessment.objects.filter(pk__in=ids).update(assignee=assignee, updated_at=now)
    history = Assessment.history.model
    rows = []
    for assessment in changed:
        assessment.assignee_id = assignee.pk
        values = {f.attname: getattr(assessment, f.attname) for f in history.tracked_fields}
        rows.append(
            history(
                **values,
                history_date=now,
                history_type="~",
                history_user_id=actor.pk,
                history_change_reason="assigned",
            )
        )
    history.objects.bulk_create(rows)
    # One "assigned to you" email for the lot, sent after the commit.
    notify_assigned(assessment_ids=list(ids), assignee_id=assignee.pk, actor_id=actor.pk)
    return ids


def _assessments_for(*, actor: User, ids: Iterable[int]) -> list[Assessment]:
    return list(
        selectors.assessment_list_for_user(user=actor)
        .filter(pk__in=set(ids))
        .select_related("lea__state", "cycle__state")
        .defer("scores", "cycle__framework__content")
        .order_by("pk")
    )


def assessment_assign(*, actor: User, assessment_ids: Sequence[int], assignee: User) -> list[int]:
    """Assign the assessments to `assignee` (or reassign them), all or none. Returns the
    ids whose assignee changed (those already assigned to them are left alone).

    Refused (NotAllowed, CycleInvalid) unless the actor manages every assessment's cycle,
    every cycle is open and the assignee is active staff or an administrator of each
    assessment's state."""
    ids = list(dict.fromkeys(assessment_ids))
    if not ids:
        raise CycleInvalid(fields={"assessments": ["Choose at least one LEA to assign."]})
    assessments = _assessments_for(actor=actor, ids=ids)
    if len(assessments) != len(ids):
        missing = sorted(set(ids) - {a.pk for a in assessments})
        raise CycleInvalid(
            fields={
                "assessments": [
                    f"No assessment {pk} among those you may see." for pk in missing[:10]
                ]
            }
        )
    problems = _assign_problems(actor=actor, assessments=assessments, assignee=assignee)
    if problems:
        if any(p.startswith("You cannot") for p in problems):
            raise NotAllowed(problems[0])
        raise CycleInvalid(fields={"assignee": problems})
    with transaction.atomic():
        return _assign_write(actor=actor, assessments=assessments, assignee=assignee)


def assignments_from_csv(*, text: str) -> tuple[tuple[int, str, str], ...]:
    """(line, LEAID, username) of an upload with two columns, LEAID and username (a
    header line is skipped). Raises CycleInvalid naming every line it cannot read."""
    rows = _csv_rows(text, what="assignments")
    problems, out = [], []
    for line, cells in rows:
        if len(cells) < 2 or not cells[1]:
            problems.append(RowError(line, "Give two columns: the LEAID, then the username."))
        else:
            out.append((line, cells[0], cells[1]))
    if problems:
        raise CycleInvalid(rows=problems)
    return tuple(out)


def assessment_assign_rows(
    *,
    actor: User,
    cycle: AssessmentCycle,
    rows: Sequence[tuple[int, str, str]],
    row_field: str = "file",
) -> list[int]:
    """Assign the cycle's LEAs as the rows say, (line, LEAID, username) each: all rows or
    none. Raises CycleInvalid naming each refused line: an LEA that is not of the cycle's
    state or not in the cycle, a username nobody has, a person who is not state staff or
    a state administrator there, an LEA named twice."""
    if not selectors.user_can_manage_cycle(user=actor, cycle=cycle):
        raise NotAllowed(f"You cannot assign the LEAs of {cycle.state.name}.")
    if not cycle.is_open:
        raise CycleInvalid(
            fields={
                row_field: [
                    f"The cycle {cycle.name} is closed; its LEAs can no longer be assigned."
                ]
            }
        )
    state = cycle.state
    leas = _state_leas_by_leaid(actor=actor, leaids=(leaid for _, leaid, _ in rows))
    in_cycle = dict(
        Assessment.objects.filter(cycle=cycle, lea__leaid__in=set(leas)).values_list(
            "lea__leaid", "pk"
        )
    )
    people = {u.username: u for u in User.objects.filter(username__in={r[2] for r in rows})}
    problems: list[RowError] = []
    first_line: dict[str, int] = {}
    by_assignee: dict[int, tuple[User, list[int]]] = {}
    for line, leaid, username in rows:
        lea, person = leas.get(leaid), people.get(username)
        if problem := _leaid_problem(leaid) or _lea_row_problem(lea, leaid, state):
            problems.append(RowError(line, problem))
        elif leaid not in in_cycle:
            problems.append(RowError(line, f"LEAID {leaid} is not part of the cycle {cycle.name}."))
        elif leaid in first_line:
            problems.append(
                RowError(
                    line, f"LEAID {leaid} is listed twice (first on line {first_line[leaid]})."
                )
            )
        elif person is None:
            problems.append(RowError(line, f"No user has the username {username!r}."))
        elif not selectors.user_can_be_assigned(assignee=person, state_id=state.pk):
            problems.append(
                RowError(
                    line, f"{username} is not state staff or a state administrator of {state.name}."
                )
            )
        else:
            first_line[leaid] = line
            by_assignee.setdefault(person.pk, (person, []))[1].append(in_cycle[leaid])
    if problems:
        raise CycleInvalid(rows=problems, row_field=row_field)
    changed: list[int] = []
    with transaction.atomic():
        for person, ids in by_assignee.values():
            assessments = _assessments_for(actor=actor, ids=ids)
            changed += _assign_write(actor=actor, assessments=assessments, assignee=person)
    return changed


LOCALE_VALUES = tuple(value for value, _ in Locale.choices if value)
