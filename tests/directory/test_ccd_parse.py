"""Reading CCD and ELSI district files: no database involved."""

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.ccd import (
    FORMAT_CCD,
    FORMAT_ELSI,
    NAME_MAX,
    STATE_FIPS,
    STATES,
    CcdFormatError,
    ccd_parse,
    state_lookup,
)
from directory.models import LEA, Locale

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccd"


def parse_fixture(name: str, **kwargs):
    return ccd_parse((FIXTURES / name).read_bytes(), **kwargs)


def rows_by_leaid(parsed):
    return {row.leaid: row for row in parsed.rows}


# ------------------------------------------------------------------ the CCD directory file


def test_a_ccd_directory_file_is_recognised_with_its_school_year_despite_bom_and_crlf():
    raw = (FIXTURES / "ccd_lea_directory_2022.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture has both quirks

    parsed = ccd_parse(raw)

    assert parsed.format == FORMAT_CCD
    assert parsed.is_complete
    assert parsed.school_year == "2022-23"
    assert parsed.columns["leaid"] == "LEAID"
    assert len(parsed.rows) == 9
    assert parsed.rejected == [] and parsed.warnings == []


def test_leaids_keep_their_leading_zeros_as_seven_character_strings():
    rows = rows_by_leaid(parse_fixture("ccd_lea_directory_2022.csv"))

    assert {"0900010", "0900020", "0900030"} <= rows.keys()
    assert rows["0900010"].state == "CT"


def test_names_with_quoted_commas_and_double_spaces_are_read_whole_and_tidied():
    rows = rows_by_leaid(parse_fixture("ccd_lea_directory_2022.csv"))

    assert rows["3300030"].values["name"] == "Lakes Region Academy, A Public Charter School"
    assert rows["3300020"].values["name"] == "Birch Hill Cooperative School District"
    assert rows["3300020"].values["city"] == "BIRCH HILL"
    assert rows["0900020"].values["name"] == "Elm City Magnet Schools"


def test_a_website_holding_a_street_address_and_grade_codes_do_not_shift_columns():
    rows = rows_by_leaid(parse_fixture("ccd_lea_directory_2022.csv"))

    birch = rows["3300020"].values  # WEBSITE "14 Main Street, Suite 2", GSLO "04"
    assert birch["school_count"] == 2
    assert birch["status"] == LEA.Status.OPEN


def test_every_ccd_operational_status_maps_to_an_lea_status():
    rows = rows_by_leaid(parse_fixture("ccd_lea_directory_2022.csv"))

    assert {leaid: row.values["status"] for leaid, row in rows.items()} == {
        "3300010": LEA.Status.OPEN,
        "3300020": LEA.Status.OPEN,
        "3300030": LEA.Status.NEW,
        "3300040": LEA.Status.CLOSED,  # open at the start of the year, closed since
        "3300050": LEA.Status.CHANGED,
        "3300060": LEA.Status.INACTIVE,
        "0900010": LEA.Status.FUTURE,
        "0900020": LEA.Status.REOPENED,
        "0900030": LEA.Status.NEW,  # "Added"
    }


def test_charter_status_agency_type_and_school_count_are_read():
    rows = rows_by_leaid(parse_fixture("ccd_lea_directory_2022.csv"))

    assert rows["3300030"].values["is_charter"] is True
    assert rows["3300030"].values["agency_type"] == "Independent charter district"
    assert rows["3300010"].values["is_charter"] is False
    assert rows["3300060"].values["school_count"] is None  # CCD's -1: not reported
    assert rows["0900010"].values["school_count"] is None  # empty


def test_a_directory_file_reports_no_locale_or_enrollment_so_it_never_touches_them():
    for row in parse_fixture("ccd_lea_directory_2022.csv").rows:
        assert not {"locale", "locale_code", "enrollment"} & row.values.keys()


def test_lower_case_headers_and_lf_line_ends_are_read_the_same_way():
    parsed = parse_fixture("ccd_lea_directory_2023_nh.csv")

    assert parsed.format == FORMAT_CCD
    assert parsed.school_year == "2023-24"
    assert [row.leaid for row in parsed.rows] == [
        "3300010",
        "3300020",
        "3300030",
        "3300040",
        "3300050",
        "3300070",
    ]


def test_a_tab_separated_directory_file_is_read_like_a_comma_separated_one():
    text = (FIXTURES / "ccd_lea_directory_2022.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(rows)

    parsed = ccd_parse(out.getvalue().encode())

    assert [r.values for r in parsed.rows] == [
        r.values for r in parse_fixture("ccd_lea_directory_2022.csv").rows
    ]


def test_a_file_in_windows_1252_is_read_and_the_report_says_so():
    text = "LEAID,LEA_NAME,ST\n3300010,Caf\u00e9 Hill School District,NH\n"

    parsed = ccd_parse(text.encode("cp1252"))

    assert parsed.rows[0].values["name"] == "Caf\u00e9 Hill School District"
    assert "Windows-1252" in parsed.notes[0]


# ------------------------------------------------------------------ rows that cannot be used


def test_unusable_rows_are_reported_with_line_column_and_reason():
    parsed = parse_fixture("ccd_lea_directory_errors.csv")

    assert [row.leaid for row in parsed.rows] == ["3300010", "3300120", "5000010"]
    found = [(issue.line, issue.column, issue.reason) for issue in parsed.rejected]
    assert found == [
        (3, "LEAID", "no LEAID"),
        (
            4,
            "LEAID",
            "LEAID '900090' is not 7 digits (a spreadsheet may have dropped its leading zeros: "
            "0900090?)",
        ),
        (5, "ST", "unknown state 'ZZ'"),
        (6, "LEAID", "LEAID '33000AB' is not 7 digits"),
        (7, "LEAID", "LEAID 5000110 starts with 50, but the FIPS code of New Hampshire is 33"),
        (8, "LEAID", "LEAID 3300010 already appears on line 2; only that first row was used"),
        (
            10,
            "",
            "the row has 6 fields but the header has 24; a comma or a quote is probably out "
            "of place",
        ),
        (
            11,
            "ST",
            "the state columns disagree: 'NH' (ST) and 'VERMONT' (STATENAME) and '33' (FIPST)",
        ),
        (12, "LEA_NAME", "no LEA name"),
    ]
    assert str(parsed.rejected[0]) == "line 3, column LEAID: no LEAID"


def test_a_junk_optional_value_is_a_warning_and_the_row_still_imports_without_that_field():
    parsed = parse_fixture("ccd_lea_directory_errors.csv")

    many = rows_by_leaid(parsed)["3300120"]
    assert "school_count" not in many.values
    assert [(w.line, w.column) for w in parsed.warnings] == [(9, "OPERATIONAL_SCHOOLS")]
    assert "'many' is not a whole number" in parsed.warnings[0].reason


def test_rejected_rows_know_their_state_when_it_could_be_read():
    parsed = parse_fixture("ccd_lea_directory_errors.csv")

    by_line = {issue.line: issue.state for issue in parsed.rejected}
    assert by_line[3] == "NH" and by_line[4] == "CT"
    assert by_line[5] == "" and by_line[11] == ""
    assert parsed.unattributed_rejects == 3  # lines 5, 10 and 11


def test_a_multi_line_record_from_an_unclosed_quote_is_rejected_with_its_span():
    text = 'LEAID,LEA_NAME,ST\n3300010,"Broken Quote District,NH\n3300020,Next District,NH\n'

    parsed = ccd_parse(text)

    assert parsed.rows == []
    assert parsed.rejected[0].line == 2
    assert "lines 2-3: a quote may be unclosed" in parsed.rejected[0].reason


# ------------------------------------------------------------------ ELSI exports


def test_an_elsi_export_is_recognised_past_its_preamble_and_footer():
    parsed = parse_fixture("elsi_districts_2022.csv")

    assert parsed.format == FORMAT_ELSI
    assert not parsed.is_complete
    assert parsed.header_line == 7
    assert parsed.school_year == "2022-23"
    assert parsed.records == 6  # footer notes and the legend are not rows
    assert [row.line for row in parsed.rows] == [8, 9, 10, 11, 12, 13]
    assert parsed.rejected == []


def test_elsi_leaids_written_as_formulas_or_with_an_apostrophe_keep_their_zeros():
    rows = rows_by_leaid(parse_fixture("elsi_districts_2022.csv"))

    assert {"0100005", "0100012", "0100020", "0100030", "3300010"} <= rows.keys()
    assert rows["0100012"].state == "AL"


def test_elsi_locale_agency_type_and_enrollment_are_read_from_the_latest_year():
    rows = rows_by_leaid(parse_fixture("elsi_districts_2022.csv"))

    maple = rows["0100005"].values
    assert maple["locale"] == Locale.CITY and maple["locale_code"] == "13"
    assert maple["agency_type"] == "Regular local school district, not part of a supervisory union"
    assert maple["enrollment"] == 4310  # "4,310"
    assert maple["school_count"] == 7
    # 2022-23 says 41, 2021-22 said 42: the latest year wins.
    assert rows["0100012"].values["locale_code"] == "41"
    assert rows["0100012"].values["locale"] == Locale.RURAL


def test_elsi_markers_mean_no_value_and_an_older_year_fills_a_missing_one():
    rows = rows_by_leaid(parse_fixture("elsi_districts_2022.csv"))

    child = rows["0100020"].values  # enrollment †, schools ‡, 2022-23 locale –
    assert child["enrollment"] is None and child["school_count"] is None
    assert child["locale_code"] == "21" and child["locale"] == Locale.SUBURB
    assert child["name"] == "A CHILD'S VIEW SCHOOL INC."
    assert child["is_charter"] is True and child["status"] == LEA.Status.NEW

    smith = rows["0100030"].values  # locale – in every year, enrollment ="0"
    assert smith["locale"] == "" and smith["locale_code"] == ""
    assert smith["enrollment"] == 0
    assert smith["name"] == "SMITH, JONES AND BROWN ACADEMY"


def test_the_same_agency_type_code_gives_the_same_label_in_ccd_and_elsi_files():
    ccd = rows_by_leaid(parse_fixture("ccd_lea_directory_2022.csv"))["3300010"].values
    elsi = rows_by_leaid(parse_fixture("elsi_districts_2022.csv"))["3300010"].values

    assert ccd["agency_type"] == elsi["agency_type"]


def test_an_agency_type_without_any_code_is_kept_as_the_file_words_it():
    text = "LEAID,LEA_NAME,ST,LEA_TYPE_TEXT\n3300010,Granite Falls,NH,Collaborative  agency\n"

    assert ccd_parse(text).rows[0].values["agency_type"] == "Collaborative agency"


def test_an_elsi_locale_that_is_not_an_nces_code_is_a_warning():
    parsed = parse_fixture("elsi_districts_2022.csv")

    assert [(w.line, w.column) for w in parsed.warnings] == [(13, "Locale [District] 2022-23")]
    assert "locale" not in rows_by_leaid(parsed)["3300080"].values


# ------------------------------------------------------------------ files of the wrong shape


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ccd_school_directory.csv", "CCD school file"),
        ("elsi_schools.csv", "table of schools"),
        ("not_ccd.csv", "No header row with an LEAID column"),
        ("ccd_missing_name_column.csv", "lacks the column(s) LEA_NAME"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_with_a_clear_message(name, message):
    with pytest.raises(CcdFormatError) as refused:
        parse_fixture(name)
    assert message in refused.value.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\r\n \r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
        (b"LEAID,LEA_NAME,ST\r\n", "no data rows"),
        (b"\x00\x01\x02garbage", "No header row"),
    ],
)
def test_empty_binary_and_header_only_files_are_refused(data, message):
    with pytest.raises(CcdFormatError) as refused:
        ccd_parse(data)
    assert message in refused.value.message


# ------------------------------------------------------------------ states


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NEW HAMPSHIRE", "NH"),
        ("new hampshire", "NH"),
        ("New  Hampshire", "NH"),
        ("nh", "NH"),
        ("33", "NH"),
        ("1", "AL"),
        ("DISTRICT OF COLUMBIA", "DC"),
        ("U.S. Virgin Islands", "VI"),
        ("VIRGIN ISLANDS", "VI"),
        ("Puerto Rico", "PR"),
        ("Atlantis", None),
        ("ZZ", None),
        ("", None),
    ],
)
def test_states_are_found_by_code_fips_or_name_in_any_case(value, code):
    assert state_lookup(value) == code


def test_the_state_table_has_the_fifty_states_dc_and_five_territories_with_unique_codes():
    assert len(STATES) == 56
    assert len({c for c, _, _ in STATES}) == len({f for _, f, _ in STATES}) == 56


def test_a_state_filter_keeps_only_those_rows_and_counts_the_others():
    parsed = parse_fixture("ccd_lea_directory_2022.csv", states=["CT"])

    assert [row.state for row in parsed.rows] == ["CT", "CT", "CT"]
    assert parsed.skipped_other_states == 6


def test_a_state_filter_drops_the_rejected_rows_of_other_states_too():
    parsed = parse_fixture("ccd_lea_directory_errors.csv", states=["VT"])

    assert [row.leaid for row in parsed.rows] == ["5000010"]
    # Left: the rows whose state could not be told (they might be Vermont's).
    assert {issue.line for issue in parsed.rejected} == {5, 10, 11}


def test_federal_school_systems_are_skipped_not_rejected():
    text = (
        "LEAID,LEA_NAME,ST,STATENAME\n5900001,Some Agency Schools,BI,BUREAU OF INDIAN EDUCATION\n"
    )

    parsed = ccd_parse(text + "3300010,Granite Falls,NH,NEW HAMPSHIRE\n")

    assert [row.leaid for row in parsed.rows] == ["3300010"]
    assert parsed.skipped_federal == 1 and parsed.rejected == []


# ------------------------------------------------------------------ junk never crashes


CCD_HEADER = ["SCHOOL_YEAR", "ST", "STATENAME", "LEAID", "LEA_NAME", "LCITY"]
CCD_HEADER += ["UPDATED_STATUS_TEXT", "LEA_TYPE_TEXT", "CHARTER_LEA_TEXT", "OPERATIONAL_SCHOOLS"]
junk_cell = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789", min_size=0, max_size=9),
    st.sampled_from(["†", "–", "‡", '="0100005"', "'0900010", "-1", "NH", "NEW HAMPSHIRE"]),
    st.sampled_from(["11-City: Large", "99-Nowhere", "1-Open", "Closed", "x" * (NAME_MAX + 1)]),
    st.sampled_from(['"', '""', ",", "\r\n", "\x00", "\ufeff", "  two  spaces  "]),
)


def build_csv(rows: list[list[str]], *, header=CCD_HEADER, crlf=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def assert_rows_are_storable(parsed) -> None:
    """Every usable row fits the LEA model: what the import writes cannot break a constraint."""
    choices = {c for c, _ in LEA.Status.choices}
    for row in parsed.rows:
        assert len(row.leaid) == 7 and row.leaid.isdigit()
        assert row.state in STATE_FIPS and row.leaid[:2] == STATE_FIPS[row.state]
        values = row.values
        assert 0 < len(values["name"]) <= NAME_MAX
        assert "\x00" not in values["name"] and "  " not in values["name"]
        assert len(values.get("city", "")) <= 100
        assert len(values.get("agency_type", "")) <= 100
        assert values.get("status", "open") in choices
        assert values.get("locale", "") in {c for c, _ in Locale.choices}
        for number in ("enrollment", "school_count"):
            assert values.get(number) is None or 0 <= values[number] <= 2_147_483_647
    for issue in parsed.rejected + parsed.warnings:
        assert issue.line >= 2 and issue.reason


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.lists(junk_cell, min_size=len(CCD_HEADER), max_size=len(CCD_HEADER)), max_size=8
    ),
    crlf=st.booleans(),
)
def test_random_junk_in_every_field_never_crashes_the_parser(rows, crlf):
    try:
        parsed = ccd_parse(build_csv(rows, crlf=crlf))
    except CcdFormatError:
        return  # refused as a whole: a clean outcome
    assert_rows_are_storable(parsed)
    # Every data record is used, rejected or skipped, and only one of those.
    used = {row.line for row in parsed.rows}
    rejected = {issue.line for issue in parsed.rejected}
    assert not used & rejected
    assert len(used) + len(rejected) + parsed.skipped_federal == parsed.records


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_are_either_refused_or_parsed_never_a_crash(data):
    try:
        parsed = ccd_parse(b"LEAID,LEA_NAME,ST\n" + data)
    except CcdFormatError:
        return
    assert_rows_are_storable(parsed)
