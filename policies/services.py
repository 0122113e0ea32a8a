"""Writes for state policy profiles: start a profile, edit its levers, store its stage.

Lever statuses are edited by people who may have the same page open at the same time,
so every change is a conditional `UPDATE ... WHERE version = n`: an edit made on a
stale copy changes nothing and raises `StaleEdit`. History is kept by
django-simple-history; because a queryset UPDATE sends no signal, the history rows
of an edit are written here, in one INSERT.

The stored `StatePolicyProfile.stage` is derived data: always
`assessments.scoring.state_stage` of the lever statuses, rewritten after every edit and
by `policy_profile_restage` / `policy_profile_list_restage`.
"""

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from access import selectors as scoping
from accounts.models import User
from assessments.models import AssessmentCycle
from assessments.scoring import NO_STATUS, state_stage
from cbe_portal import figures
from directory.models import LEA, State
from frameworks.document import Framework
from frameworks.models import Lever
from frameworks.selectors import framework_specs_by_id

from .models import (
    LeverParticipant,
    LeverStatus,
    Participation,
    StatePolicyProfile,
    citation_normalize,
    validate_citation,
)

NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class LeverEdit:
    """What the editor submitted for one lever, and the version they started from.

    version 0 means the lever had no recorded status when the editor opened the page.
    """

    lever: str
    status: str
    citation: str
    note: str
    version: int


class StaleEdit(Exception):
    """Someone saved the profile after the editor loaded it; nothing was changed."""

    def __init__(self, levers: list[str]):
        self.levers = levers
        super().__init__(f"stale edit of levers {', '.join(levers)}")


def lever_edit_problems(*, framework: Framework, edit: LeverEdit) -> dict[str, str]:
    """Problems with one lever's submitted values: {field name: message}; empty when fine.

    The same rules as the edit form, so the API and any other caller cannot bypass them.
    """
    statuses = {s.code: s for s in framework.statuses}
    problems = {}
    if edit.status not in statuses:
        names = [s.label for s in framework.statuses]
        problems["status"] = f"“{edit.status}” is not a status. Choose one of: {', '.join(names)}."
    citation = citation_normalize(edit.citation)
    try:
        validate_citation(citation)
    except ValidationError as exc:
        problems["citation"] = " ".join(exc.messages)
    if "status" not in problems and statuses[edit.status].active and not citation:
        problems["citation"] = citation_required_message(framework, edit.status)
    if len(edit.note) > NOTE_MAX_LENGTH:
        problems["note"] = f"A note can be at most {NOTE_MAX_LENGTH} characters."
    return problems


def citation_required_message(framework: Framework, status: str) -> str:
    label = framework.status_label(status)
    return (
        f"A lever marked {label} needs a citation: the statute, rule, bill or web page that "
        "puts it in force, for example “RSA 193-C:3” or an https:// address."
    )


def _stage_store(*, profile: StatePolicyProfile, stage: str, touch: bool) -> None:
    fields: dict[str, Any] = {"stage": stage}
    if touch:
        fields["updated_at"] = timezone.now()
    StatePolicyProfile.objects.filter(pk=profile.pk).update(**fields)
    profile.stage = stage
    if touch:
        profile.updated_at = fields["updated_at"]


def policy_profile_update(
    *, profile: StatePolicyProfile, user: User, edits: Iterable[LeverEdit]
) -> list[str]:
    """Apply an editor's changes to a profile's levers; returns the codes of changed levers.

    - The user must be allowed to edit the state's policy (PermissionDenied otherwise).
    - Every edit is validated first (ValidationError keyed "<lever>-<field>", nothing
      written).
    - A lever whose submitted values equal what is stored is left alone, whatever its
      version. Any other lever is updated only if its version is still the one the
      editor started from; if any is not, the whole edit is undone and StaleEdit names
      the levers someone else changed.
    - The stage is then stored (one UPDATE) and one history row written per changed lever.
    """
    if not scoping.user_can_edit_policy(user=user, state=profile.state):
        raise PermissionDenied("You may not edit this state's policy profile.")
    edits = list(edits)
    framework = profile.cycle.framework.spec
    known = set(framework.lever_codes)
    problems = {}
    for edit in edits:
        if edit.lever not in known:
            problems[f"{edit.lever}-lever"] = f"“{edit.lever}” is not a lever of this framework."
            continue
        for name, message in lever_edit_problems(framework=framework, edit=edit).items():
            problems[f"{edit.lever}-{name}"] = message
    if problems:
        raise ValidationError(problems)

    now = timezone.now()
    with transaction.atomic():
        # Lock the profile so concurrent edits of different levers store the right stage.
        StatePolicyProfile.objects.select_for_update().filter(pk=profile.pk).first()
        rows = {
            row.lever.code: row
            for row in LeverStatus.objects.filter(profile=profile).select_related("lever")
        }
        levers = None
        stale, updated, changed = [], [], []
        for edit in edits:
            citation = citation_normalize(edit.citation)
            note = edit.note.strip()
            row = rows.get(edit.lever)
            if row is None:
                if edit.version != 0:
                    stale.append(edit.lever)  # recorded once, then removed: treat as conflict
                    continue
                if (edit.status, citation, note) == (NO_STATUS, "", ""):
                    continue
                if levers is None:
                    levers = {
                        lever.code: lever
                        for lever in Lever.objects.filter(framework_id=profile.cycle.framework_id)
                    }
                row = LeverStatus(
                    profile=profile,
                    lever=levers[edit.lever],
                    status=edit.status,
                    citation=citation,
                    note=note,
                    version=1,
                    updated_by=user,
                )
                row._history_user = user  # type: ignore[attr-defined]  # read by simple_history
                try:
                    with transaction.atomic():
                        row.save()
                except IntegrityError:
                    stale.append(edit.lever)  # someone recorded it meanwhile
                    continue
                rows[edit.lever] = row
                changed.append(edit.lever)
                continue
            if (row.status, row.citation, row.note) == (edit.status, citation, note):
                continue
            count = LeverStatus.objects.filter(pk=row.pk, version=edit.version).update(
                status=edit.status,
                citation=citation,
                note=note,
                version=F("version") + 1,
                updated_by=user,
                updated_at=now,
            )
            if count == 0:
                stale.append(edit.lever)
                continue
            row.status, row.citation, row.note = edit.status, citation, note
            row.version, row.updated_by, row.updated_at = edit.version + 1, user, now
            updated.append(row)
            changed.append(edit.lever)
        if stale:
            raise StaleEdit(stale)  # leaving the atomic block undoes every write above
        if updated:
            LeverStatus.history.bulk_history_create(
                updated, update=True, default_user=user, default_date=now
            )
        stage = state_stage(
            framework, {code: row.status for code, row in rows.items() if code in known}
        )
        if changed or stage != profile.stage:
            _stage_store(profile=profile, stage=stage, touch=bool(changed))
        if changed:
            figures.cycle_figures_changed(cycle_id=profile.cycle_id)
    return changed


def policy_profile_start(
    *, state: State, cycle: AssessmentCycle, user: User
) -> tuple[StatePolicyProfile, bool]:
    """Create the state's profile for a cycle; returns (profile, created).

    Each lever starts from its status, citation and note in the state's latest earlier
    profile (matched by lever code), or as "none" when there is none. Starting a
    profile that already exists returns it unchanged.
    """
    if cycle.state_id != state.pk:
        raise ValueError(f"cycle {cycle.pk} is not a cycle of {state.code}")
    if not scoping.user_can_edit_policy(user=user, state=state):
        raise PermissionDenied("You may not start this state's policy profile.")
    existing = StatePolicyProfile.objects.filter(state=state, cycle=cycle).first()
    if existing is not None:
        return existing, False
    previous = (
        StatePolicyProfile.objects.filter(state=state, cycle__starts_on__lt=cycle.starts_on)
        .select_related("cycle")
        .order_by("-cycle__starts_on")
        .first()
    )
    before = {}
    participants: dict[str, list[int]] = defaultdict(list)
    if previous is not None:
        before = {
            code: (status, citation, note, participation)
            for code, status, citation, note, participation in LeverStatus.objects.filter(
                profile=previous
            ).values_list("lever__code", "status", "citation", "note", "participation")
        }
        for code, lea_id in LeverParticipant.objects.filter(
            lever_status__profile=previous
        ).values_list("lever_status__lever__code", "lea_id"):
            participants[code].append(lea_id)
    framework = cycle.framework.spec
    allowed = {s.code for s in framework.statuses}
    try:
        with transaction.atomic():
            profile = StatePolicyProfile.objects.create(state=state, cycle=cycle)
            figures.cycle_figures_changed(cycle_id=cycle.pk)
            rows = []
            for lever in Lever.objects.filter(framework_id=cycle.framework_id):
                status, citation, note, participation = before.get(
                    lever.code, (NO_STATUS, "", "", "")
                )
                if status not in allowed:
                    status, citation, note, participation = NO_STATUS, "", "", ""
                chosen = participants[lever.code] if participation == Participation.LISTED else []
                rows.append(
                    LeverStatus(
                        profile=profile,
                        lever=lever,
                        status=status,
                        citation=citation,
                        note=note,
                        participation=participation,
                        participant_count=len(chosen),
                        updated_by=user,
                    )
                )
            reason = f"Started from {previous.cycle.name}" if previous else "Started"
            rows = bulk_create_with_history(
                rows, LeverStatus, default_user=user, default_change_reason=reason[:100]
            )
            if participants:
                LeverParticipant.objects.bulk_create(
                    LeverParticipant(lever_status_id=row.pk, lea_id=lea_id)
                    for row in rows
                    if row.participation == Participation.LISTED
                    for lea_id in participants[row.lever.code]
                )
            stage = state_stage(framework, {row.lever.code: row.status for row in rows})
            _stage_store(profile=profile, stage=stage, touch=False)
    except IntegrityError:
        # Someone started it at the same moment: theirs stands.
        return StatePolicyProfile.objects.get(state=state, cycle=cycle), False
    return profile, True


def policy_profile_restage(*, profile: StatePolicyProfile) -> str:
    """Recompute and store one profile's stage; returns it. One read, at most one UPDATE."""
    framework = profile.cycle.framework.spec
    known = set(framework.lever_codes)
    statuses = {
        code: status
        for code, status in LeverStatus.objects.filter(profile=profile).values_list(
            "lever__code", "status"
        )
        if code in known
    }
    stage = state_stage(framework, statuses)
    if stage != profile.stage:
        _stage_store(profile=profile, stage=stage, touch=False)
    return stage


def policy_profile_list_restage(
    *, profiles: QuerySet[StatePolicyProfile], check_only: bool = False
) -> list[tuple[StatePolicyProfile, str, str]]:
    """Recompute the stage of many profiles: (profile, stored, computed) for each that differed.

    Three reads whatever the number of profiles, then one UPDATE per distinct new stage
    (at most four in cbe-v1). With check_only nothing is written.
    """
    loaded = list(profiles.select_related("cycle"))
    frameworks = framework_specs_by_id(ids={profile.cycle.framework_id for profile in loaded})
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    for profile_id, code, status in LeverStatus.objects.filter(
        profile__in=[profile.pk for profile in loaded]
    ).values_list("profile_id", "lever__code", "status"):
        statuses[profile_id][code] = status
    differences = []
    by_stage: dict[str, list[int]] = defaultdict(list)
    for profile in loaded:
        framework = frameworks[profile.cycle.framework_id]
        known = set(framework.lever_codes)
        stage = state_stage(
            framework, {c: s for c, s in statuses[profile.pk].items() if c in known}
        )
        if stage != profile.stage:
            differences.append((profile, profile.stage, stage))
            by_stage[stage].append(profile.pk)
    if not check_only:
        for stage, ids in by_stage.items():
            StatePolicyProfile.objects.filter(pk__in=ids).update(stage=stage)
    return differences


# --- who takes part in an enacted lever ------------------------------------------------
#
# For a lever whose status is enacted (in force for some LEAs only), the profile records
# which LEAs take part: every LEA of the state, or a chosen list. The list is chosen on
# the lever's participation page or read from a CSV file of LEAIDs. A change is one
# conditional UPDATE of the lever's row (version n -> n + 1) with its LeverParticipant
# rows replaced, and one history row that says what changed; any problem (an unknown
# LEAID, an LEA of another state, a bad row of the file, a stale page) stores nothing.

PARTICIPATION_CSV_MAX_BYTES = 2 * 1024 * 1024
_LEAID = re.compile(r"\d{7}")
_LEAID_HEADERS = {"leaid", "nces leaid", "lea id", "nces lea id", "agency id"}


@dataclass(frozen=True)
class CsvRowProblem:
    line: int
    value: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


class ParticipationFileError(ValueError):
    """The file cannot be used; `problems` lists every bad row (nothing was stored)."""

    def __init__(self, message: str, problems: Iterable[CsvRowProblem] = ()):
        self.problems = list(problems)
        super().__init__(message)


@dataclass(frozen=True)
class ParticipationChange:
    lever: str
    participation: str
    count: int
    added: int
    removed: int
    changed: bool


def _decode_csv(content: bytes) -> str:
    if content[:4] == b"PK\x03\x04":
        raise ParticipationFileError(
            "This is a spreadsheet workbook, not a CSV file. Save it as CSV (comma "
            "delimited) and load that file."
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def participation_csv_read(*, content: bytes, state: State) -> list[str]:
    """The LEAIDs of a participation file, in file order without repeats.

    The file is a CSV with a column headed LEAID (other columns are ignored), one LEA a
    row. Every row is checked: a LEAID must be 7 digits and name an LEA of `state`.
    Raises ParticipationFileError naming every bad row; blank rows are skipped.
    """
    if len(content) > PARTICIPATION_CSV_MAX_BYTES:
        raise ParticipationFileError(
            f"The file is larger than {PARTICIPATION_CSV_MAX_BYTES // (1024 * 1024)} MB; a "
            "list of LEAIDs is much smaller. Check that this is the right file."
        )
    text = _decode_csv(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    column = None
    values: list[tuple[int, str]] = []
    try:
        for record in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue
            if column is None:
                headers = [" ".join(cell.casefold().split()) for cell in cells]
                column = next((i for i, h in enumerate(headers) if h in _LEAID_HEADERS), None)
                if column is None:
                    raise ParticipationFileError(
                        "The first line of the file must name its columns, one of them "
                        "LEAID (the 7-digit NCES number of each LEA)."
                    )
                continue
            values.append((line, cells[column] if column < len(cells) else ""))
    except csv.Error as exc:
        raise ParticipationFileError(
            f"Line {reader.line_num}: the file cannot be read as CSV ({exc})."
        ) from None
    if column is None:
        raise ParticipationFileError("The file is empty.")
    if not values:
        raise ParticipationFileError("The file names no LEA: it has a header line only.")
    problems = []
    wanted = {value for _, value in values if _LEAID.fullmatch(value)}
    found = dict(LEA.objects.filter(leaid__in=wanted).values_list("leaid", "state_id"))
    leaids: dict[str, None] = {}
    for line, value in values:
        if not value:
            problems.append(CsvRowProblem(line, value, "no LEAID in this row."))
        elif not _LEAID.fullmatch(value):
            hint = ""
            if value.isdigit() and len(value) < 7:
                hint = f" (a spreadsheet may have dropped its leading zeros: {value.zfill(7)}?)"
            problems.append(
                CsvRowProblem(line, value, f"“{value[:40]}” is not a 7-digit LEAID{hint}.")
            )
        elif value not in found:
            problems.append(CsvRowProblem(line, value, f"no LEA has the LEAID {value}."))
        elif found[value] != state.pk:
            problems.append(
                CsvRowProblem(line, value, f"LEA {value} is not an LEA of {state.name}.")
            )
        else:
            leaids[value] = None
    if problems:
        raise ParticipationFileError(
            f"Nothing was saved: {len(problems)} row{'s' if len(problems) != 1 else ''} of the "
            "file need fixing.",
            problems,
        )
    return list(leaids)


def _people(n: int) -> str:
    return f"{n} LEA{'s' if n != 1 else ''}"


def lever_participation_set(
    *,
    profile: StatePolicyProfile,
    user: User,
    lever: str,
    participation: str,
    leaids: Iterable[str] = (),
    version: int,
    source: str = "",
) -> ParticipationChange:
    """Record who takes part in an enacted lever: every LEA ("all") or the LEAs named by
    `leaids` ("listed"). Returns what changed.

    - PermissionDenied unless the user may edit the state's policy;
    - ValidationError (nothing stored) for an unknown lever, a lever that is not enacted,
      an unknown participation, or LEAIDs that are not LEAs of the profile's state (each
      named);
    - StaleEdit when the lever changed since the editor loaded version `version`.
    `source` says where the list came from, for the history ("a CSV file ...").
    """
    if not scoping.user_can_edit_policy(user=user, state=profile.state):
        raise PermissionDenied("You may not edit this state's policy profile.")
    framework = profile.cycle.framework.spec
    if lever not in framework.lever_by_code:
        raise ValidationError({"lever": f"“{lever}” is not a lever of this framework."})
    if participation not in Participation.values:
        raise ValidationError(
            {"participation": f"“{participation}” is not a choice: use “all” or “listed”."}
        )
    wanted = list(dict.fromkeys(leaid.strip() for leaid in leaids if leaid.strip()))
    if participation == Participation.ALL:
        wanted = []
    row = (
        LeverStatus.objects.filter(profile=profile, lever__code=lever)
        .select_related("lever")
        .first()
    )
    name = framework.lever_name(lever)
    if row is None or row.status != framework.partial_status_code:
        status = framework.status_label(row.status if row else NO_STATUS).lower()
        enacted = framework.status_label(framework.partial_status_code).lower()
        raise ValidationError(
            {
                "lever": f"Only an {enacted} lever has LEAs taking part; {name} is {status}. "
                f"Mark it {enacted} on the edit page first."
            }
        )
    leas = dict(
        LEA.objects.filter(leaid__in=wanted, state_id=profile.state_id).values_list("leaid", "id")
    )
    missing = [leaid for leaid in wanted if leaid not in leas]
    if missing:
        shown = ", ".join(missing[:20]) + (" and others" if len(missing) > 20 else "")
        raise ValidationError(
            {"leaids": f"Not LEAs of {profile.state.name}: {shown}. Nothing was saved."}
        )

    now = timezone.now()
    with transaction.atomic():
        before = set(
            LeverParticipant.objects.filter(lever_status=row).values_list("lea_id", flat=True)
        )
        after = set(leas.values())
        added, removed = after - before, before - after
        if row.participation == participation and not added and not removed:
            return ParticipationChange(lever, participation, len(after), 0, 0, changed=False)
        count = LeverStatus.objects.filter(pk=row.pk, version=version).update(
            participation=participation,
            participant_count=len(after),
            version=F("version") + 1,
            updated_by=user,
            updated_at=now,
        )
        if count == 0:
            raise StaleEdit([lever])
        if removed:
            LeverParticipant.objects.filter(lever_status=row, lea_id__in=removed).delete()
        LeverParticipant.objects.bulk_create(
            LeverParticipant(lever_status=row, lea_id=lea_id, added_by=user)
            for lea_id in sorted(added)
        )
        figures.cycle_figures_changed(cycle_id=profile.cycle_id)
        row.participation, row.participant_count = participation, len(after)
        row.version, row.updated_by, row.updated_at = version + 1, user, now
        if participation == Participation.ALL:
            reason = "Every LEA takes part"
        else:
            parts = [f"{_people(len(after))} chosen"]
            if added:
                parts.append(f"{len(added)} added")
            if removed:
                parts.append(f"{len(removed)} removed")
            reason = ", ".join(parts) + (f" ({source})" if source else "")
        LeverStatus.history.bulk_history_create(
            [row],
            update=True,
            default_user=user,
            default_date=now,
            default_change_reason=reason[:100],
        )
    return ParticipationChange(
        lever, participation, len(after), len(added), len(removed), changed=True
    )


# --- state actions ---------------------------------------------------------------------


@dataclass(frozen=True)
class StateActionEdit:
    """What the editor submitted for one state action."""

    action: str
    status: str
    note: str


def policy_profile_state_actions_update(
    *, profile: StatePolicyProfile, user: User, edits: Iterable[StateActionEdit]
) -> list[str]:
    """Record the status and note of the state actions of the profile's framework.

    Returns the codes of the actions that changed. Raises PermissionDenied unless the
    user may edit the state's policy, and ValidationError naming every unknown action or
    status and every note that is too long (nothing is stored then). Actions not edited
    keep what they had.
    """
    if not scoping.user_can_edit_policy(user=user, state=profile.state):
        raise PermissionDenied("Only the state administrator can edit this profile.")
    framework = profile.cycle.framework.spec
    actions = framework.state_actions
    if actions is None:
        raise ValidationError(f"Framework {framework.label} has no state actions to record.")
    known = {action.code for action in actions.actions}
    statuses = {status.code for status in actions.statuses}
    problems = []
    edits = list(edits)
    for edit in edits:
        if edit.action not in known:
            problems.append(f"“{edit.action}” is not a state action of {framework.label}.")
        elif edit.status not in statuses:
            problems.append(f"“{edit.status}” is not a status of a state action.")
        if len(edit.note) > NOTE_MAX_LENGTH:
            problems.append(f"A note can be at most {NOTE_MAX_LENGTH} characters.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        profile = StatePolicyProfile.objects.select_for_update().get(pk=profile.pk)
        stored = dict(profile.state_actions or {})
        changed = []
        for edit in edits:
            value = {"status": edit.status, "note": edit.note.strip()}
            if stored.get(edit.action) != value:
                stored[edit.action] = value
                changed.append(edit.action)
        if changed:
            profile.state_actions = stored
            profile.save(update_fields=["state_actions", "updated_at"])
    return changed
