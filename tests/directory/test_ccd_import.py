"""Importing states and LEAs from CCD and ELSI files: what is written, and what never is."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import directory.importing
from assessments.models import Assessment
from directory.ccd import CcdFormatError, CcdImportError, CcdImportRefused
from directory.importing import ccd_import
from directory.models import LEA, Locale, State

from ..factories import AssessmentFactory, CycleFactory, LEAFactory, StateFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccd"
CCD_2022 = FIXTURES / "ccd_lea_directory_2022.csv"
CCD_2023_NH = FIXTURES / "ccd_lea_directory_2023_nh.csv"
CCD_ERRORS = FIXTURES / "ccd_lea_directory_errors.csv"
ELSI_2022 = FIXTURES / "elsi_districts_2022.csv"

pytestmark = pytest.mark.django_db


def leas() -> dict[str, LEA]:
    return {lea.leaid: lea for lea in LEA.objects.select_related("state")}


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


SMALL_HEADER = ["LEAID", "LEA_NAME", "ST", "UPDATED_STATUS_TEXT"]


# ------------------------------------------------------------------ creating and updating


def test_a_first_import_creates_the_states_with_official_names_and_every_lea():
    result = ccd_import(source=CCD_2022)

    assert result.counts()["created"] == 9
    assert result.states_created == ["CT", "NH"]
    assert {(s.code, s.fips, s.name) for s in State.objects.all()} == {
        ("CT", "09", "Connecticut"),
        ("NH", "33", "New Hampshire"),
    }
    granite = leas()["3300010"]
    assert granite.name == "Granite Falls School District"
    assert granite.state.code == "NH"
    assert granite.city == "GRANITE FALLS"
    assert granite.status == LEA.Status.OPEN
    assert granite.school_count == 4
    assert leas()["0900030"].status == LEA.Status.NEW
    assert leas()["3300030"].is_charter is True


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    ccd_import(source=CCD_2022)
    stamps = {lea.leaid: lea.updated_at for lea in LEA.objects.all()}

    again = ccd_import(source=CCD_2022)

    assert again.counts()["created"] == 0 and again.counts()["updated"] == 0
    assert again.unchanged == 9 and again.closed == []
    assert not again.changed_anything
    assert {lea.leaid: lea.updated_at for lea in LEA.objects.all()} == stamps


def test_an_existing_state_with_a_capitalised_name_gets_its_official_name():
    StateFactory(code="NH", name="NEW HAMPSHIRE", fips=None)

    result = ccd_import(source=CCD_2022)

    nh = State.objects.get(code="NH")
    assert (nh.name, nh.fips) == ("New Hampshire", "33")
    assert result.states_renamed == ["NH"]
    assert result.states_created == ["CT"]


def test_an_elsi_export_adds_locale_and_enrollment_without_renaming_to_capitals():
    ccd_import(source=CCD_2022)

    result = ccd_import(source=ELSI_2022)

    granite = leas()["3300010"]
    assert granite.name == "Granite Falls School District"  # ELSI says it in capitals
    assert (granite.locale, granite.locale_code, granite.enrollment) == (Locale.RURAL, "41", 1234)
    assert [c.leaid for c in result.updated] == ["3300010"]
    assert set(result.updated[0].changes) == {"locale", "locale_code", "enrollment"}
    assert sorted(c.leaid for c in result.created) == [
        "0100005",
        "0100012",
        "0100020",
        "0100030",
        "3300080",
    ]
    assert result.warnings and result.closed == []
    assert ccd_import(source=ELSI_2022).changed_anything is False


def test_a_newer_years_file_updates_names_and_status_and_closes_the_lea_it_lacks():
    ccd_import(source=CCD_2022)

    result = ccd_import(source=CCD_2023_NH, complete_for=["NH"], expected_closures=1)

    now = leas()
    assert now["3300030"].name == "Lakes Region Public Charter Academy"
    assert now["3300030"].status == LEA.Status.OPEN
    assert now["3300050"].status == LEA.Status.OPEN
    assert now["3300060"].status == LEA.Status.CLOSED  # not in the 2023 file
    assert now["3300070"].name == "North Country Virtual Learning Academy"
    assert result.school_year == "2023-24"
    assert result.complete_states == ["NH"]
    assert [c.leaid for c in result.closed] == ["3300060"]
    assert result.closed[0].changes == {"status": [LEA.Status.INACTIVE, LEA.Status.CLOSED]}
    # Connecticut is not in the file at all: its LEAs are left alone.
    assert now["0900010"].status == LEA.Status.FUTURE
    assert LEA.objects.count() == 10


def test_closing_never_deletes_an_lea_and_keeps_its_assessments(framework):
    ccd_import(source=CCD_2022)
    seacoast = LEA.objects.get(leaid="3300060")
    AssessmentFactory(lea=seacoast, cycle=CycleFactory(state=seacoast.state, framework=framework))
    before = LEA.objects.count()

    ccd_import(source=CCD_2023_NH, complete_for=["NH"], expected_closures=1)

    seacoast.refresh_from_db()
    assert seacoast.status == LEA.Status.CLOSED
    assert Assessment.objects.filter(lea=seacoast).count() == 1
    assert LEA.objects.count() == before + 1  # one new, none gone


def test_an_lea_added_by_hand_is_closed_by_a_complete_file_but_kept():
    nh = StateFactory(code="NH", name="New Hampshire", fips="33")
    LEAFactory(state=nh, leaid="3399999", name="Typed In By Hand")

    result = ccd_import(source=CCD_2023_NH, complete_for=["NH"], expected_closures=1)

    assert LEA.objects.get(leaid="3399999").status == LEA.Status.CLOSED
    assert [c.leaid for c in result.closed] == ["3399999"]


def test_an_elsi_export_never_closes_anything_because_it_may_be_filtered():
    ccd_import(source=CCD_2022)

    result = ccd_import(source=ELSI_2022)

    assert result.closed == [] and result.complete_states == []
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 1  # Old Mill, per its row


def test_without_a_complete_list_statement_missing_leas_are_left_alone_and_the_result_says_so():
    ccd_import(source=CCD_2022)

    result = ccd_import(source=CCD_2023_NH)

    assert result.closed == [] and result.complete_states == []
    assert LEA.objects.get(leaid="3300060").status == LEA.Status.INACTIVE
    nh = result.missing["NH"]
    assert (nh["count"], nh["partial"], nh["blocked"]) == (1, False, "")
    assert [lea["leaid"] for lea in nh["leas"]] == ["3300060"]
    assert any("left as they are" in note and "NH" in note for note in result.notes)


def test_closing_is_skipped_entirely_when_a_rejected_row_cannot_be_tied_to_a_state():
    ccd_import(source=CCD_2022)

    result = ccd_import(source=CCD_ERRORS)  # lines 5, 10, 11 have no usable state

    assert result.closed == []
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 1
    assert any("could not be tied to a state" in note for note in result.notes)


def test_closing_is_skipped_for_a_state_with_rejected_rows_but_not_for_the_others():
    nh = StateFactory(code="NH", name="New Hampshire", fips="33")
    vt = StateFactory(code="VT", name="Vermont", fips="50")
    LEAFactory(state=nh, leaid="3300999")
    LEAFactory(state=vt, leaid="5000999")
    data = csv_bytes(
        SMALL_HEADER,
        [
            ["3300010", "Granite Falls", "NH", "Open"],
            ["5000010", "Green Mountain", "VT", "Open"],
            ["50001", "Short Id Union", "VT", "Open"],  # rejected, but known to be Vermont's
        ],
    )

    result = ccd_import(source=data, complete_for=["NH", "VT"], expected_closures=1)

    assert result.complete_states == ["NH"]
    assert LEA.objects.get(leaid="3300999").status == LEA.Status.CLOSED
    assert LEA.objects.get(leaid="5000999").status == LEA.Status.OPEN
    assert any("VT" in note and "rejected" in note for note in result.notes)


def test_a_rejected_row_still_protects_its_own_lea_from_being_closed():
    ccd_import(source=CCD_2022)
    data = (CCD_2023_NH.read_text()).replace(
        "Pemi Valley Regional,01,NH-005,3300050,PLYMOUTH,PLYMOUTH,03264,(603)555-0104,,1,Open",
        ",01,NH-005,3300050,PLYMOUTH,PLYMOUTH,03264,(603)555-0104,,1,Open",
    )

    result = ccd_import(source=data.encode())

    assert [issue.leaid for issue in result.rejected] == ["3300050"]
    assert LEA.objects.get(leaid="3300050").status == LEA.Status.CHANGED
    assert result.closed == []  # NH had a rejected row: nothing closed there


def sixty_lea_state() -> State:
    """New Hampshire with 60 operating LEAs (3300100 to 3300159)."""
    nh = StateFactory(code="NH", name="New Hampshire", fips="33")
    for n in range(60):
        LEAFactory(state=nh, leaid=f"33{100 + n:05d}", name=f"District {n:02d}")
    return nh


ONE_ROW_NH = csv_bytes(SMALL_HEADER, [["3300100", "District 00", "NH", "Open"]])


def test_a_one_row_file_closes_nothing_unless_declared_complete_and_says_why():
    sixty_lea_state()

    result = ccd_import(source=ONE_ROW_NH)

    assert result.closed == [] and result.complete_states == []
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0
    nh = result.missing["NH"]
    assert (nh["operating"], nh["listed"], nh["count"], nh["partial"]) == (60, 1, 59, True)
    assert any("59 operating LEA(s) of NH are not in the file" in n for n in result.notes)


def test_a_file_listing_fewer_than_half_the_states_leas_is_taken_as_partial_even_if_declared():
    sixty_lea_state()

    result = ccd_import(source=ONE_ROW_NH, complete_for=["NH"], expected_closures=0)

    assert result.closed == [] and result.complete_states == []
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0
    assert any("fewer than half" in n and "1 of the state's 60" in n for n in result.notes)


def test_a_partial_looking_file_closes_when_the_caller_says_so_and_confirms_the_number():
    sixty_lea_state()

    result = ccd_import(
        source=ONE_ROW_NH, complete_for=["NH"], partial_ok=["NH"], expected_closures=59
    )

    assert len(result.closed) == 59 and result.complete_states == ["NH"]
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 59
    assert LEA.objects.get(leaid="3300100").status == LEA.Status.OPEN


def test_closing_without_a_confirmed_number_is_refused_and_nothing_is_written():
    sixty_lea_state()
    data = csv_bytes(
        SMALL_HEADER,
        [["3300100", "District 00 Renamed", "NH", "Open"], ["3399999", "New One", "NH", "Open"]],
    )

    with pytest.raises(CcdImportRefused, match="needs the number of LEAs to close"):
        ccd_import(source=data, complete_for=["NH"], partial_ok=["NH"])
    with pytest.raises(CcdImportRefused, match="would now close 59 LEA"):
        ccd_import(source=data, complete_for=["NH"], partial_ok=["NH"], expected_closures=58)

    assert LEA.objects.count() == 60 and not LEA.objects.filter(leaid="3399999").exists()
    assert LEA.objects.get(leaid="3300100").name == "District 00"
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0


def test_the_command_closes_only_with_complete_for_and_the_exact_count(tmp_path):
    sixty_lea_state()
    path = tmp_path / "one_row.csv"
    path.write_bytes(ONE_ROW_NH)
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}

    out = io.StringIO()
    call_command("import_ccd", str(path), stdout=out, stderr=io.StringIO())
    assert "59 operating LEA(s) of NH are not in the file" in out.getvalue()
    assert "--complete-for NH" in out.getvalue()
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0

    with pytest.raises(CommandError, match="give --close-count N"):
        call_command("import_ccd", str(path), "--complete-for", "NH", "--partial-ok", "NH", **quiet)
    with pytest.raises(CommandError, match="would now close 59 LEA"):
        call_command(
            "import_ccd",
            str(path),
            *("--complete-for", "NH", "--partial-ok", "NH", "--close-count", "5"),
            **quiet,
        )
    out = io.StringIO()
    call_command(
        "import_ccd",
        str(path),
        *("--dry-run", "--complete-for", "NH", "--partial-ok", "NH"),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "would close 3300101 District 01 (NH)" in out.getvalue()
    assert "--close-count 59" in out.getvalue()
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0

    call_command(
        "import_ccd",
        str(path),
        *("--complete-for", "NH", "--partial-ok", "NH", "--close-count", "59"),
        **quiet,
    )
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 59


def test_the_command_keeps_a_partial_looking_file_partial_without_partial_ok(tmp_path):
    sixty_lea_state()
    path = tmp_path / "one_row.csv"
    path.write_bytes(ONE_ROW_NH)
    out = io.StringIO()

    call_command(
        "import_ccd",
        str(path),
        *("--complete-for", "NH", "--close-count", "0"),
        stdout=out,
        stderr=io.StringIO(),
    )

    assert "fewer than half" in out.getvalue()
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0


# ------------------------------------------------------------------ rejected rows and refusals


def test_good_rows_import_and_bad_rows_are_reported_with_line_column_and_reason():
    result = ccd_import(source=CCD_ERRORS)

    assert sorted(c.leaid for c in result.created) == ["3300010", "3300120", "5000010"]
    assert [(i.line, i.column) for i in result.rejected][:3] == [
        (3, "LEAID"),
        (4, "LEAID"),
        (5, "ST"),
    ]
    assert len(result.rejected) == 9
    assert LEA.objects.count() == 3


def test_strict_refuses_a_file_with_any_unusable_row_and_writes_nothing():
    with pytest.raises(CcdImportRefused) as refused:
        ccd_import(source=CCD_ERRORS, strict=True)

    assert "9 row(s) cannot be used" in refused.value.message
    assert len(refused.value.problems) == 9
    assert LEA.objects.count() == 0 and State.objects.count() == 0


def test_a_file_of_the_wrong_shape_is_refused_before_anything_is_written():
    with pytest.raises(CcdFormatError):
        ccd_import(source=FIXTURES / "ccd_school_directory.csv")
    with pytest.raises(CcdFormatError, match="Cannot read"):
        ccd_import(source=FIXTURES / "no-such-file.csv")

    assert LEA.objects.count() == 0 and State.objects.count() == 0


def test_a_state_administrator_importing_another_states_rows_is_refused():
    with pytest.raises(CcdImportRefused) as refused:
        ccd_import(source=CCD_2022, allowed_states={"NH"})

    assert "CT (3 rows)" in refused.value.message
    assert "You may import only NH" in refused.value.message
    assert {issue.state for issue in refused.value.problems} == {"CT"}
    assert LEA.objects.count() == 0 and State.objects.count() == 0


def test_a_rejected_row_of_another_state_also_refuses_a_restricted_import():
    # The only Connecticut row of this file is rejected (its LEAID lost a zero).
    with pytest.raises(CcdImportRefused, match="CT"):
        ccd_import(source=CCD_ERRORS, allowed_states={"NH", "VT"})
    assert LEA.objects.count() == 0


def test_a_state_administrator_may_import_their_own_states_rows():
    result = ccd_import(source=CCD_2023_NH, allowed_states={"NH"})

    assert len(result.created) == 6


def test_a_restricted_import_of_a_national_file_filtered_to_the_own_state_is_allowed():
    result = ccd_import(source=CCD_2022, states={"CT"}, allowed_states={"CT"})

    assert sorted(c.leaid for c in result.created) == ["0900010", "0900020", "0900030"]
    assert result.skipped_other_states == 6


def test_a_state_filter_imports_only_those_states_and_closes_only_within_them():
    ccd_import(source=CCD_2022)
    vt = StateFactory(code="VT", name="Vermont", fips="50")
    LEAFactory(state=vt, leaid="5000999")

    result = ccd_import(source=CCD_ERRORS, states=["VT"])

    assert [c.leaid for c in result.created] == ["5000010"]
    assert LEA.objects.get(leaid="3300060").status == LEA.Status.INACTIVE  # NH untouched
    # Rows whose state is unknown might be Vermont's, so Vermont is not closed either.
    assert LEA.objects.get(leaid="5000999").status == LEA.Status.OPEN


def test_an_unknown_state_code_in_the_filter_is_refused():
    with pytest.raises(CcdImportRefused, match="XX"):
        ccd_import(source=CCD_2022, states=["XX"])


# ------------------------------------------------------------------ dry run, progress, atomicity


def test_a_dry_run_writes_nothing_and_previews_exactly_what_the_import_then_does():
    ccd_import(source=CCD_2022)
    before = {lea.leaid: (lea.name, lea.status, lea.updated_at) for lea in LEA.objects.all()}

    preview = ccd_import(source=CCD_2023_NH, dry_run=True)

    assert {lea.leaid: (lea.name, lea.status, lea.updated_at) for lea in LEA.objects.all()} == (
        before
    )
    real = ccd_import(source=CCD_2023_NH)
    assert preview.dry_run and not real.dry_run
    for key in ("created", "updated", "closed", "rejected"):
        assert preview.as_dict()[key] == real.as_dict()[key]
    assert preview.unchanged == real.unchanged


def test_a_dry_run_on_an_empty_database_creates_no_state():
    preview = ccd_import(source=CCD_2022, dry_run=True)

    assert preview.states_created == ["CT", "NH"] and len(preview.created) == 9
    assert State.objects.count() == 0 and LEA.objects.count() == 0


def test_progress_is_reported_from_zero_to_the_total():
    calls = []

    ccd_import(source=CCD_2022, progress=lambda done, total: calls.append((done, total)))

    assert calls[0] == (0, 9) and calls[-1] == (9, 9)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_failure_half_way_leaves_nothing_half_written(monkeypatch):
    ccd_import(source=CCD_2022)
    before = {lea.leaid: (lea.name, lea.status) for lea in LEA.objects.all()}

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(directory.importing, "_bulk_update", fail)  # after the new LEA is created
    with pytest.raises(RuntimeError):
        ccd_import(source=CCD_2023_NH)

    assert {lea.leaid: (lea.name, lea.status) for lea in LEA.objects.all()} == before
    assert not LEA.objects.filter(leaid="3300070").exists()


def test_the_result_is_plain_json_ready_data():
    import json

    result = ccd_import(source=CCD_ERRORS)

    data = json.loads(json.dumps(result.as_dict()))
    assert data["counts"]["created"] == 3
    assert data["rejected"][0] == {
        "line": 3,
        "column": "LEAID",
        "reason": "no LEAID",
        "leaid": "",
        "state": "NH",
    }


# ------------------------------------------------------------------ junk never writes half


state_cell = st.sampled_from(["NH", "VT", "nh", "NEW HAMPSHIRE", "Vermont", "ZZ", "", "†", "33"])
leaid_cell = st.one_of(
    st.sampled_from(["3300010", "3300020", "5000010", "5000020", "0100005"]),
    st.text(alphabet="0123456789", max_size=8),
    st.text(max_size=8),
)
junk = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["†", "–", "‡", "Open", "1-Closed", "Added", "x" * 250, '"', "\x00", ","]),
)
junk_row = st.tuples(leaid_cell, junk, state_cell, junk).map(list)
good_row = st.tuples(
    st.sampled_from([("33", "NH"), ("50", "VT"), ("33", "NEW HAMPSHIRE"), ("50", "vermont")]),
    st.integers(min_value=10, max_value=30),
    st.one_of(st.sampled_from(["Granite Falls", "Birch  Hill", "Lakes, Region"]), junk),
    st.one_of(st.sampled_from(["Open", "Closed", "New", "1-Open", ""]), junk),
).map(lambda t: [f"{t[0][0]}000{t[1]}", t[2], t[0][1], t[3]])
row = st.one_of(good_row, good_row, junk_row)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row, max_size=10), strict=st.booleans(), seeded=st.booleans())
def test_random_junk_never_crashes_the_import_nor_writes_part_of_it(rows, strict, seeded):
    with transaction.atomic():
        if seeded:
            nh = State.objects.get_or_create(code="NH", defaults={"name": "NH", "fips": "33"})[0]
            LEA.objects.get_or_create(leaid="3300010", defaults={"state": nh, "name": "Old"})
        before = LEA.objects.count()
        snapshot = {lea.leaid: (lea.name, lea.status) for lea in LEA.objects.all()}
        data = csv_bytes(SMALL_HEADER, rows)
        try:
            result = ccd_import(source=data, strict=strict)
        except CcdImportError:
            event("refused")
            assert LEA.objects.count() == before
            assert {lea.leaid: (lea.name, lea.status) for lea in LEA.objects.all()} == snapshot
        else:
            event(f"imported: {'some' if result.created or result.updated else 'no'} change")
            event(f"rejected rows: {'some' if result.rejected else 'none'}")
            assert LEA.objects.count() == before + len(result.created)
            assert not (strict and result.rejected)
            again = ccd_import(source=data, strict=strict)
            assert again.created == [] and again.updated == [] and again.closed == []
        transaction.set_rollback(True)


# ------------------------------------------------------------------ the command


def test_the_command_imports_and_reports_counts():
    out = io.StringIO()

    call_command("import_ccd", str(CCD_2022), stdout=out, stderr=io.StringIO())

    text = out.getvalue()
    assert "CCD LEA directory file, school year 2022-23, 9 data rows." in text
    assert "Created 9 · updated 0 · unchanged 0 · closed 0 · rejected 0." in text
    assert LEA.objects.count() == 9


def test_the_command_dry_run_writes_nothing():
    out = io.StringIO()

    call_command("import_ccd", str(CCD_2022), "--dry-run", stdout=out, stderr=io.StringIO())

    assert "Would create 9 · update 0 · leave unchanged 0 · close 0 · reject 0." in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue()
    assert LEA.objects.count() == 0


def test_the_command_restricts_to_the_given_states():
    call_command(
        "import_ccd", str(CCD_2022), "--state", "ct", stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert set(LEA.objects.values_list("state__code", flat=True)) == {"CT"}


def test_the_command_lists_rejected_rows_and_refuses_them_when_strict():
    out = io.StringIO()
    call_command("import_ccd", str(CCD_ERRORS), stdout=out, stderr=io.StringIO())
    assert "line 3, column LEAID: no LEAID" in out.getvalue()

    LEA.objects.all().delete()
    with pytest.raises(CommandError, match="was not imported"):
        call_command("import_ccd", str(CCD_ERRORS), "--strict", stdout=io.StringIO())
    assert LEA.objects.count() == 0


def test_the_command_refuses_a_file_of_the_wrong_shape():
    with pytest.raises(CommandError, match="CCD school file"):
        call_command("import_ccd", str(FIXTURES / "ccd_school_directory.csv"))


def test_the_command_shows_progress_on_a_long_import(tmp_path):
    path = tmp_path / "long.csv"
    rows = [[f"33{n:05d}", f"District {n}", "NH", "Open"] for n in range(2500)]
    path.write_bytes(csv_bytes(SMALL_HEADER, rows))
    err = io.StringIO()

    call_command("import_ccd", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()  # not a terminal: one line per tenth
    assert lines[0].startswith("[---") and " 0/2,500 rows" in lines[0]
    assert "100%  2,500/2,500 rows" in lines[-1]
    assert LEA.objects.count() == 2500
