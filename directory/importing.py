"""Write a parsed CCD file to the database: ``ccd_import``.

The file formats and the import's rules are described in ``directory.ccd``, which parses
without touching the database; this module compares the rows with the stored states and
LEAs and writes what changed, in one transaction.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from cbe_portal import figures

from .ccd import (
    LEA_FIELDS,
    STATE_FIPS,
    STATE_NAMES,
    CcdFile,
    CcdImportRefused,
    CcdImportResult,
    LeaChange,
    Progress,
    RowIssue,
    ccd_parse,
    check_allowed_states,
    read_source,
)
from .models import LEA, State

_WRITE_BATCH = 1000
# ELSI writes names in capitals where the CCD file has mixed case: not a change.
_CASE_BLIND = {"name", "city"}


def _chunk_size() -> int:
    """How many parameters one IN (...) may carry: all at once on PostgreSQL."""
    return connection.features.max_query_params or 100_000


def _existing_leas(leaids: list[str]) -> dict[str, LEA]:
    fields = ("id", "leaid", "state_id", "ccd_school_year", *LEA_FIELDS)
    found: dict[str, LEA] = {}
    chunk = _chunk_size()
    for start in range(0, len(leaids), chunk):
        for lea in LEA.objects.filter(leaid__in=leaids[start : start + chunk]).only(*fields):
            found[lea.leaid] = lea
    return found


def ccd_import(
    *,
    source: Path | str | bytes | IO[bytes],
    states: Iterable[str] | None = None,
    allowed_states: set[str] | None = None,
    strict: bool = False,
    dry_run: bool = False,
    complete_for: Iterable[str] = (),
    partial_ok: Iterable[str] = (),
    expected_closures: int | None = None,
    progress: Progress | None = None,
) -> CcdImportResult:
    """Import (or preview, with ``dry_run``) a CCD LEA directory file or an ELSI export.

    ``states`` restricts the import to those USPS codes (other rows are skipped and counted);
    ``allowed_states`` refuses the whole file if any row belongs elsewhere; ``strict`` refuses
    it if any row is rejected. Raises CcdImportError (CcdFormatError or CcdImportRefused);
    then nothing was written.

    Closing LEAs that the file does not list happens only for the states in
    ``complete_for``: the caller (a person) says the file is the complete list of those
    states' LEAs. A state whose rows in the file number fewer than half its operating LEAs
    looks like a partial list and is closed only when also in ``partial_ok``. A real import
    that closes anything must name ``expected_closures``, the number the person confirmed;
    if the file would close a different number, the whole import is refused. Whatever the
    caller says, the result's ``missing`` lists, per state of the file, the operating LEAs
    the file does not list, so a preview can offer the choice.

    ``progress(done, total)`` is called a few dozen times at most, from 0 to total (the usable
    rows plus the LEAs to close). It runs inside the import's transaction, so a progress
    value it saves through the default database connection stays invisible until the
    commit: keep progress in the cache (or another connection) for a page to poll.
    """
    started = time.monotonic()
    if states is not None:
        states = {s.upper() for s in states}
        unknown = sorted(s for s in states if s not in STATE_FIPS)
        if unknown:
            raise CcdImportRefused(f"Unknown state code(s): {', '.join(unknown)}.")
    complete_for = {s.upper() for s in complete_for}
    partial_ok = {s.upper() for s in partial_ok}
    if complete_for and not dry_run and expected_closures is None:
        raise CcdImportRefused(
            "Closing the LEAs missing from a complete file needs the number of LEAs to close, "
            "as confirmed after a preview. Nothing was imported."
        )
    parsed = ccd_parse(read_source(source), states=states)
    if allowed_states is not None:
        check_allowed_states(parsed, {s.upper() for s in allowed_states})
    if strict and parsed.rejected:
        raise CcdImportRefused(
            f"{len(parsed.rejected)} row(s) cannot be used, and the import is strict. "
            "Nothing was imported.",
            parsed.rejected,
        )
    result = CcdImportResult(
        format=parsed.format,
        school_year=parsed.school_year,
        dry_run=dry_run,
        rows_read=parsed.records,
        ccd_school_year=parsed.school_year_full,
        rejected=parsed.rejected,
        warnings=list(parsed.warnings),
        skipped_other_states=parsed.skipped_other_states,
        skipped_federal=parsed.skipped_federal,
        notes=list(parsed.notes),
    )
    with transaction.atomic():
        _import_rows(
            parsed,
            result,
            complete_for=complete_for,
            partial_ok=partial_ok,
            expected_closures=None if dry_run else expected_closures,
            progress=progress,
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            # The states whose LEAs changed have their cycles' figures rebuilt once this
            # commits (a page reading them first would rebuild them anyway); a renamed
            # state's pages are drawn afresh.
            touched = {c.state for c in (*result.created, *result.updated, *result.closed)}
            for state_id in State.objects.filter(code__in=touched).values_list("id", flat=True):
                figures.state_figures_changed(state_id=state_id)
            renamed = State.objects.filter(code__in=result.states_renamed)
            for state_id in renamed.values_list("id", flat=True):
                figures.state_pages_changed(state_id=state_id)
    result.seconds = time.monotonic() - started
    return result


def _import_rows(
    parsed: CcdFile,
    result: CcdImportResult,
    *,
    complete_for: set[str],
    partial_ok: set[str],
    expected_closures: int | None,
    progress: Progress | None,
) -> None:
    report = progress or (lambda done, total: None)
    states = {s.code: s for s in State.objects.all()}
    code_of = {s.id: s.code for s in states.values()}
    row_states = sorted({row.state for row in parsed.rows})

    # States: create the missing ones, set the official name and FIPS code of the others.
    used_fips = {s.fips for s in states.values() if s.fips}
    new_states = []
    for code in row_states:
        state = states.get(code)
        fips = STATE_FIPS[code]
        if state is None:
            state = State(
                code=code, name=STATE_NAMES[code], fips=None if fips in used_fips else fips
            )
            new_states.append(state)
            states[code] = state
            result.states_created.append(code)
        else:
            update = []
            if state.name != STATE_NAMES[code]:
                state.name = STATE_NAMES[code]
                update.append("name")
            if not state.fips and fips not in used_fips:
                state.fips = fips
                update.append("fips")
            if update:
                result.states_renamed.append(code)
                if not result.dry_run:
                    state.save(update_fields=update)
        used_fips.add(state.fips)
    if new_states and not result.dry_run:
        State.objects.bulk_create(new_states)
        states.update({s.code: s for s in State.objects.filter(code__in=result.states_created)})

    # Compare every row with its LEA.
    existing = _existing_leas([row.leaid for row in parsed.rows])
    to_create: list[LEA] = []
    to_update: list[LEA] = []
    update_fields: set[str] = set()
    year_only: dict[str, list[int]] = {}  # school year -> LEAs whose facts are unchanged
    year_column = parsed.columns.get("school_year", "")
    for row in parsed.rows:
        lea = existing.get(row.leaid)
        if lea is None:
            result.created.append(LeaChange(row.leaid, row.values["name"], row.state, row.line))
            to_create.append(
                LEA(
                    leaid=row.leaid,
                    state_id=states[row.state].pk,
                    state_code=row.state,
                    ccd_school_year=row.year,
                    **row.values,
                )
            )
            continue
        stored_year = lea.ccd_school_year
        if row.year and stored_year and row.year < stored_year:
            result.skipped_older.append(
                LeaChange(
                    row.leaid,
                    lea.name,
                    row.state,
                    row.line,
                    {"ccd_school_year": [stored_year, row.year]},
                )
            )
            result.warnings.append(
                RowIssue(
                    row.line,
                    year_column,
                    f"the row is from {row.year}, but the portal holds this LEA's data from "
                    f"{stored_year}; the row was skipped (older than stored data)",
                    row.leaid,
                    row.state,
                )
            )
            continue
        year_moves = bool(row.year) and row.year != stored_year
        changes: dict[str, list[Any]] = {}
        if code_of.get(lea.state_id) != row.state:
            changes["state"] = [code_of.get(lea.state_id), row.state]
            lea.state_id, lea.state_code = states[row.state].pk, row.state
        for name, value in row.values.items():
            old = getattr(lea, name)
            if old == value or (name in _CASE_BLIND and old.casefold() == value.casefold()):
                continue
            changes[name] = [old, value]
            setattr(lea, name, value)
        if changes:
            result.updated.append(LeaChange(row.leaid, lea.name, row.state, row.line, changes))
            to_update.append(lea)
            update_fields.update(changes)
            if year_moves:
                lea.ccd_school_year = row.year
                update_fields.add("ccd_school_year")
        else:
            result.unchanged += 1
            if year_moves:
                year_only.setdefault(row.year, []).append(lea.pk)
    result.years_recorded = sum(len(ids) for ids in year_only.values())
    if result.skipped_older:
        newest = max(c.changes["ccd_school_year"][0] for c in result.skipped_older)
        result.notes.append(
            f"{len(result.skipped_older):,} row(s) were skipped because the portal already "
            f"holds newer data for those LEAs (up to {newest}): older than stored data."
        )
    result.warnings.sort(key=lambda issue: issue.line)

    to_close = _closing_plan(parsed, result, complete_for=complete_for, partial_ok=partial_ok)
    if expected_closures is not None and len(to_close) != expected_closures:
        raise CcdImportRefused(
            f"This import would now close {len(to_close):,} LEA(s), but {expected_closures:,} "
            "were confirmed. The LEAs changed since the preview. Nothing was imported: "
            "upload the file again and check the new preview."
        )
    total = len(parsed.rows) + len(to_close)
    done = result.unchanged + len(result.skipped_older)
    report(done, total)
    if result.dry_run:
        report(total, total)
        return

    for start in range(0, len(to_create), _WRITE_BATCH):
        batch = to_create[start : start + _WRITE_BATCH]
        LEA.objects.bulk_create(batch, batch_size=_WRITE_BATCH)
        done += len(batch)
        report(done, total)
    if to_update:
        now = timezone.now()
        written = update_fields | {"updated_at"}
        if "state" in written:
            written.add("state_code")  # the LEA's copy of its state's code moves with it
        fields = sorted(written)
        for lea in to_update:
            lea.updated_at = now
        for start in range(0, len(to_update), _WRITE_BATCH):
            batch = to_update[start : start + _WRITE_BATCH]
            _bulk_update(batch, fields)
            done += len(batch)
            report(done, total)
    chunk = _chunk_size()
    for year, ids in year_only.items():
        # Only the bookkeeping year moves: updated_at (when a fact last changed) stays.
        for start in range(0, len(ids), chunk):
            LEA.objects.filter(id__in=ids[start : start + chunk]).update(ccd_school_year=year)
    if to_close:
        now = timezone.now()
        ids = [lea_id for lea_id, _ in to_close]
        closing = {"status": LEA.Status.CLOSED, "updated_at": now}
        if parsed.school_year_full:
            closing["ccd_school_year"] = parsed.school_year_full
        for start in range(0, len(ids), chunk):
            LEA.objects.filter(id__in=ids[start : start + chunk]).update(**closing)
    report(total, total)


def _bulk_update(leas: list[LEA], fields: list[str]) -> None:
    """Write the given fields of these LEAs.

    On PostgreSQL this is one UPDATE ... FROM (VALUES ...) per batch. Django's bulk_update
    builds a CASE WHEN per field that grows with the batch and took 7-12 s for a national
    file in which every row changed; this takes well under a second.
    """
    if connection.vendor != "postgresql":
        LEA.objects.bulk_update(leas, fields, batch_size=200)
        return
    model_fields = [LEA._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in model_fields)
    assignments = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}::{f.db_type(connection)}" for f in model_fields
    )
    row_sql = "(" + ", ".join(["%s"] * (len(model_fields) + 1)) + ")"
    table = quote(LEA._meta.db_table)
    rows = ", ".join([row_sql] * len(leas))
    # Identifiers come from the model's metadata; every value is a query parameter.
    sql = f"UPDATE {table} AS t SET {assignments} FROM (VALUES {rows}) AS v(id, {columns}) "  # noqa: S608
    sql += "WHERE t.id = v.id::bigint"
    params: list[Any] = []
    for lea in leas:
        params.append(lea.pk)
        params.extend(f.get_db_prep_save(getattr(lea, f.attname), connection) for f in model_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _states_with_newer_data(parsed: CcdFile, codes: set[str]) -> dict[str, str]:
    """States whose stored LEA data is newer than the file (or dated, when the file is not),
    with the reason: a file cannot say which LEAs of such a state are gone."""
    file_year = parsed.school_year_full
    newest = dict(
        LEA.objects.filter(state__code__in=codes)
        .exclude(ccd_school_year="")
        .order_by()
        .values("state__code")
        .annotate(year=Max("ccd_school_year"))
        .values_list("state__code", "year")
    )
    held_back = {}
    for code in sorted(codes):
        stored = newest.get(code)
        if not stored or (file_year and file_year >= stored):
            continue
        if file_year:
            why = f"the file is from {file_year}, older than the {stored} data the portal holds"
        else:
            why = f"the file does not say its school year, and the portal holds {stored} data"
        held_back[code] = why
    return held_back


def _closing_plan(
    parsed: CcdFile, result: CcdImportResult, *, complete_for: set[str], partial_ok: set[str]
) -> list[tuple[int, LeaChange]]:
    """LEAs to close: those of the states in ``complete_for`` that the file does not list,
    as (id, change). Fills ``result.missing`` for every state of the file either way."""
    if not parsed.is_complete:
        if complete_for:
            result.notes.append(
                "No LEA was marked closed: an ELSI export may be filtered, so it is never "
                "taken as a complete list."
            )
        return []
    row_states = {row.state for row in parsed.rows}
    listed = Counter(row.state for row in parsed.rows)
    blocked: dict[str, str] = {}
    if parsed.unattributed_rejects:
        why = (
            f"{parsed.unattributed_rejects} rejected row(s) could not be tied to a state, and "
            "a broken row may hide an LEA that is still open"
        )
        blocked = dict.fromkeys(row_states, why)
    else:
        for issue in parsed.rejected:
            if issue.state in row_states:
                blocked[issue.state] = "some of its rows were rejected"
        blocked.update(_states_with_newer_data(parsed, row_states - set(blocked)))
    operating: dict[str, list[tuple[int, str, str, str]]] = {code: [] for code in row_states}
    candidates = (
        LEA.objects.filter(state__code__in=row_states)
        .exclude(status=LEA.Status.CLOSED)
        .order_by("state__code", "name", "leaid")
        .values_list("id", "leaid", "name", "status", "state__code")
    )
    for lea_id, leaid, name, status, code in candidates:
        operating[code].append((lea_id, leaid, name, status))

    plan = []
    for code in sorted(row_states):
        missing = [lea for lea in operating[code] if lea[1] not in parsed.seen_leaids]
        partial = 2 * listed[code] < len(operating[code])
        result.missing[code] = {
            "operating": len(operating[code]),
            "listed": listed[code],
            "count": len(missing),
            "partial": partial,
            "blocked": blocked.get(code, ""),
            "leas": [
                {"leaid": leaid, "name": name, "status": status}
                for _, leaid, name, status in missing
            ],
        }
        if code in blocked:
            if missing:
                result.notes.append(
                    f"LEAs of {code} missing from the file were not marked closed: {blocked[code]}."
                )
            continue
        if code not in complete_for:
            if missing:
                result.notes.append(
                    f"{len(missing):,} operating LEA(s) of {code} are not in the file and are "
                    f"left as they are: the file was not declared the complete list of "
                    f"{code}'s LEAs."
                )
            continue
        if partial and code not in partial_ok:
            result.notes.append(
                f"The {len(missing):,} LEA(s) of {code} missing from the file were not marked "
                f"closed: the file lists {listed[code]:,} of the state's "
                f"{len(operating[code]):,} operating LEAs, fewer than half, so it is taken as "
                "part of the list, not all of it, unless you say otherwise."
            )
            continue
        result.complete_states.append(code)
        for lea_id, leaid, name, status in missing:
            change = LeaChange(leaid, name, code, None, {"status": [status, LEA.Status.CLOSED]})
            result.closed.append(change)
            plan.append((lea_id, change))
    return plan
