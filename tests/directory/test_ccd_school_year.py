"""The school-year guard of the CCD import: an older file never undoes a newer one."""

import csv
import io
from pathlib import Path

import pytest

from directory.ccd import ccd_parse, school_year_full
from directory.importing import ccd_import
from directory.models import LEA

from ..factories import LEAFactory, StateFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccd"
CCD_2022 = FIXTURES / "ccd_lea_directory_2022.csv"
CCD_2023_NH = FIXTURES / "ccd_lea_directory_2023_nh.csv"
ELSI_2022 = FIXTURES / "elsi_districts_2022.csv"

pytestmark = pytest.mark.django_db


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def years() -> dict[str, str]:
    return dict(LEA.objects.values_list("leaid", "ccd_school_year"))


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2023-2024", "2023-2024"),
        ("2023-24", "2023-2024"),
        ("2023–24", "2023-2024"),
        ("2023/24", "2023-2024"),
        ("State Name [District] 2023-24", "2023-2024"),
        ("1999-00", "1999-2000"),
        ("Latest available year", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_school_years_are_stored_in_one_form(text, stored):
    assert school_year_full(text) == stored


def test_a_ccd_file_records_its_school_year_on_every_lea_it_imports():
    result = ccd_import(source=CCD_2022)

    assert result.ccd_school_year == "2022-2023"
    assert set(years().values()) == {"2022-2023"}


def test_an_elsi_export_takes_its_year_from_the_header_suffix():
    result = ccd_import(source=ELSI_2022)

    assert result.ccd_school_year == "2022-2023"
    assert years()["0100005"] == "2022-2023"


def test_an_elsi_export_that_names_only_the_latest_available_year_records_no_year():
    data = (
        b"ELSI Export\r\n\r\n"
        b"Agency Name,State Name [District] Latest available year,"
        b"Agency ID - NCES Assigned [District] Latest available year\r\n"
        b'MAPLE VALLEY CITY SCHOOLS,ALABAMA,="0100005"\r\n'
    )

    assert ccd_parse(data).school_year_full == ""
    ccd_import(source=data)
    assert years() == {"0100005": ""}


def test_last_years_file_after_this_years_changes_nothing_and_says_why():
    ccd_import(source=CCD_2023_NH)
    before = {
        lea.leaid: (lea.name, lea.status, lea.ccd_school_year, lea.updated_at)
        for lea in LEA.objects.all()
    }

    result = ccd_import(source=CCD_2022)

    after = {
        lea.leaid: (lea.name, lea.status, lea.ccd_school_year, lea.updated_at)
        for lea in LEA.objects.all()
    }
    assert {k: v for k, v in after.items() if k in before} == before
    assert LEA.objects.get(leaid="3300030").name == "Lakes Region Public Charter Academy"
    # The five NH LEAs both files list are skipped; the ones only 2022 lists are new.
    skipped = sorted(change.leaid for change in result.skipped_older)
    assert skipped == ["3300010", "3300020", "3300030", "3300040", "3300050"]
    assert result.counts()["skipped_older"] == 5
    assert result.updated == []
    assert sorted(c.leaid for c in result.created) == [
        "0900010",
        "0900020",
        "0900030",
        "3300060",
    ]
    older = [w for w in result.warnings if "older than stored data" in w.reason]
    assert [(w.line, w.column, w.leaid) for w in older][:2] == [
        (2, "SCHOOL_YEAR", "3300010"),
        (3, "SCHOOL_YEAR", "3300020"),
    ]
    assert "2022-2023" in older[0].reason and "2023-2024" in older[0].reason
    assert any("older than stored data" in note for note in result.notes)


def test_an_older_complete_file_closes_nothing_in_a_state_with_newer_data():
    ccd_import(source=CCD_2023_NH)  # 3300070 exists only from 2023-2024 on

    result = ccd_import(source=CCD_2022, complete_for=["NH", "CT"], expected_closures=0)

    assert LEA.objects.get(leaid="3300070").status == LEA.Status.NEW  # as 2023-2024 says
    assert result.closed == []
    # Connecticut had no data yet: the 2022 file is complete for it.
    assert result.complete_states == ["CT"]
    assert any(
        note.startswith("LEAs of NH missing from the file were not marked closed")
        and "2022-2023" in note
        and "2023-2024" in note
        for note in result.notes
    )


def test_a_file_of_the_same_or_a_newer_year_still_closes_what_it_lacks():
    ccd_import(source=CCD_2022)

    result = ccd_import(source=CCD_2023_NH, complete_for=["NH"], expected_closures=1)

    assert [c.leaid for c in result.closed] == ["3300060"]
    closed = LEA.objects.get(leaid="3300060")
    assert (closed.status, closed.ccd_school_year) == (LEA.Status.CLOSED, "2023-2024")
    assert years()["0900010"] == "2022-2023"  # Connecticut is not in the file


def test_a_file_without_a_year_closes_only_in_states_without_dated_data():
    nh = StateFactory(code="NH", name="New Hampshire", fips="33")
    vt = StateFactory(code="VT", name="Vermont", fips="50")
    LEAFactory(state=nh, leaid="3300999", ccd_school_year="2023-2024")
    LEAFactory(state=vt, leaid="5000999")
    data = csv_bytes(
        ["LEAID", "LEA_NAME", "ST"],
        [["3300010", "Granite Falls", "NH"], ["5000010", "Green Mountain", "VT"]],
    )

    result = ccd_import(source=data, complete_for=["NH", "VT"], expected_closures=1)

    assert result.complete_states == ["VT"]
    assert LEA.objects.get(leaid="3300999").status == LEA.Status.OPEN
    assert LEA.objects.get(leaid="5000999").status == LEA.Status.CLOSED
    assert any("does not say its school year" in note for note in result.notes)
    assert years()["3300010"] == ""


def test_a_newer_file_with_the_same_facts_records_its_year_without_an_update():
    ccd_import(source=CCD_2022)
    stamps = dict(LEA.objects.values_list("leaid", "updated_at"))
    newer = CCD_2022.read_bytes().replace(b"2022-2023,", b"2023-2024,")

    result = ccd_import(source=newer)

    assert result.updated == [] and result.unchanged == 9
    assert result.years_recorded == 9 and result.changed_anything
    assert set(years().values()) == {"2023-2024"}
    assert dict(LEA.objects.values_list("leaid", "updated_at")) == stamps
    again = ccd_import(source=newer)
    assert again.years_recorded == 0 and not again.changed_anything


def test_only_the_rows_older_than_their_lea_are_skipped():
    ccd_import(source=CCD_2023_NH)
    data = csv_bytes(
        ["SCHOOL_YEAR", "LEAID", "LEA_NAME", "ST"],
        [
            ["2022-2023", "3300010", "Granite Falls (old name)", "NH"],
            ["2024-2025", "3300020", "Birch Hill Regional School District", "NH"],
        ],
    )

    result = ccd_import(source=data)

    assert [c.leaid for c in result.skipped_older] == ["3300010"]
    assert [c.leaid for c in result.updated] == ["3300020"]
    assert LEA.objects.get(leaid="3300010").name == "Granite Falls School District"
    birch = LEA.objects.get(leaid="3300020")
    assert (birch.name, birch.ccd_school_year) == (
        "Birch Hill Regional School District",
        "2024-2025",
    )


def test_a_dry_run_reports_the_skipped_rows_and_writes_nothing():
    ccd_import(source=CCD_2023_NH)
    before = years()

    preview = ccd_import(source=CCD_2022, dry_run=True)

    assert years() == before
    real = ccd_import(source=CCD_2022)
    assert preview.as_dict()["skipped_older"] == real.as_dict()["skipped_older"]
    assert preview.counts() == real.counts()
