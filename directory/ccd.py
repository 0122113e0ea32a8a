"""Read NCES Common Core of Data (CCD) district files and load them as states and LEAs.

Two shapes of file are accepted, and which one a file is gets decided from its header row:

- the CCD LEA directory flat file (``ccd_lea_029_<year>_...csv``), one header row of
  column names such as ``LEAID``, ``LEA_NAME``, ``ST`` (upper or lower case), comma or tab
  separated;
- an ELSI table-generator export: a few preamble lines, a header row whose columns carry a
  ``[District] <year>`` suffix, data rows, then a footer (data source, legend). ELSI writes
  ``†`` (not applicable), ``–`` (missing) and ``‡`` (below quality standards) instead of
  values, and ``="0100005"`` to keep leading zeros; all of those are understood.

``ccd_parse`` (this module) turns the bytes into rows and row-level problems without touching
the database. ``directory.importing.ccd_import`` compares them with the database and writes
(or, as a dry run, only reports) what changes. The rules it follows:

- LEAs are matched on LEAID, a 7-character string whose first two digits are the state's
  FIPS code. Importing the same file twice changes nothing the second time.
- A column the file does not have never changes a field (the directory file has no locale
  or enrollment, so it leaves those alone); a column that is present but holds a "missing"
  marker clears the field, except the status, which a missing value leaves as it is.
  A value that cannot be read in an optional column is a warning: the row imports and that
  field is left alone.
- The status comes from UPDATED_STATUS (the later report) before SY_STATUS (the start of the
  school year). The agency type is stored as one label per NCES agency-type code, because
  the CCD file and ELSI word the same type differently.
- An LEA name or city that differs only in letter case (ELSI writes capitals) is no change.
- A row that cannot be used (no LEAID, an LEAID that is not 7 digits, an unknown state,
  no name, a field count that does not match the header...) is reported with its line,
  column and reason. The other rows import, unless ``strict=True``.
- Closing: a CCD directory file is NCES's complete list of LEAs, but an upload may be a
  trimmed copy, so LEAs that the file does not mention are marked closed only for the states
  the person importing declares it complete for, and only after they confirm how many LEAs
  that closes. A state whose rows number fewer than half its operating LEAs is taken as a
  partial list unless they say otherwise as well. Closing is skipped for a state when any
  row of that state was rejected, and for every state when a rejected row cannot be
  attributed to a state (a broken row may hide an LEA). ELSI exports are never treated as
  complete, because the table generator applies filters. Nothing is ever deleted.
- ``allowed_states`` (a state administrator's upload): if any row, used or rejected, belongs
  to a state outside the set, the whole import is refused before anything is written.
- School years: each imported LEA records the school year its facts came from
  (``LEA.ccd_school_year``, always written "2023-2024"). The year of a row is the CCD file's
  SCHOOL_YEAR cell, or for ELSI the newest year suffix of the header ("[District] 2023-24";
  "Latest available year" names no year). A row older than the year stored for its LEA
  changes nothing (counted as skipped: older than stored data, with a warning), so loading
  last year's file after this year's cannot undo it. Closing LEAs missing from a complete
  file happens for a state only when the file's year is at least the newest year stored for
  that state; a file that names no year closes nothing in a state that has dated data.
- The whole import is one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .models import LEA, Locale

FORMAT_CCD = "ccd_directory"
FORMAT_ELSI = "elsi"
FORMAT_LABELS = {
    FORMAT_CCD: "CCD LEA directory file",
    FORMAT_ELSI: "ELSI table-generator export",
}

# USPS code, FIPS code, name: the 50 states, DC and the five inhabited territories.
STATES: tuple[tuple[str, str, str], ...] = (
    ("AL", "01", "Alabama"),
    ("AK", "02", "Alaska"),
    ("AZ", "04", "Arizona"),
    ("AR", "05", "Arkansas"),
    ("CA", "06", "California"),
    ("CO", "08", "Colorado"),
    ("CT", "09", "Connecticut"),
    ("DE", "10", "Delaware"),
    ("DC", "11", "District of Columbia"),
    ("FL", "12", "Florida"),
    ("GA", "13", "Georgia"),
    ("HI", "15", "Hawaii"),
    ("ID", "16", "Idaho"),
    ("IL", "17", "Illinois"),
    ("IN", "18", "Indiana"),
    ("IA", "19", "Iowa"),
    ("KS", "20", "Kansas"),
    ("KY", "21", "Kentucky"),
    ("LA", "22", "Louisiana"),
    ("ME", "23", "Maine"),
    ("MD", "24", "Maryland"),
    ("MA", "25", "Massachusetts"),
    ("MI", "26", "Michigan"),
    ("MN", "27", "Minnesota"),
    ("MS", "28", "Mississippi"),
    ("MO", "29", "Missouri"),
    ("MT", "30", "Montana"),
    ("NE", "31", "Nebraska"),
    ("NV", "32", "Nevada"),
    ("NH", "33", "New Hampshire"),
    ("NJ", "34", "New Jersey"),
    ("NM", "35", "New Mexico"),
    ("NY", "36", "New York"),
    ("NC", "37", "North Carolina"),
    ("ND", "38", "North Dakota"),
    ("OH", "39", "Ohio"),
    ("OK", "40", "Oklahoma"),
    ("OR", "41", "Oregon"),
    ("PA", "42", "Pennsylvania"),
    ("RI", "44", "Rhode Island"),
    ("SC", "45", "South Carolina"),
    ("SD", "46", "South Dakota"),
    ("TN", "47", "Tennessee"),
    ("TX", "48", "Texas"),
    ("UT", "49", "Utah"),
    ("VT", "50", "Vermont"),
    ("VA", "51", "Virginia"),
    ("WA", "53", "Washington"),
    ("WV", "54", "West Virginia"),
    ("WI", "55", "Wisconsin"),
    ("WY", "56", "Wyoming"),
    ("AS", "60", "American Samoa"),
    ("GU", "66", "Guam"),
    ("MP", "69", "Northern Mariana Islands"),
    ("PR", "72", "Puerto Rico"),
    ("VI", "78", "U.S. Virgin Islands"),
)
STATE_FIPS = {code: fips for code, fips, _ in STATES}
STATE_NAMES = {code: name for code, _, name in STATES}
_CODE_BY_FIPS = {fips: code for code, fips, _ in STATES}

# Federal school systems that CCD lists beside the states (Bureau of Indian Education,
# Department of Defense schools). They are not states of this portal: their rows are
# skipped and counted, not reported as errors.
_FEDERAL_CODES = {"BI"}
_FEDERAL_FIPS = {"58", "59", "61"}
_FEDERAL_NAME_WORDS = ("bureau of indian", "department of defense", "dod ", "dodea")

LOCALE_NAMES = {
    "11": "City: Large",
    "12": "City: Midsize",
    "13": "City: Small",
    "21": "Suburb: Large",
    "22": "Suburb: Midsize",
    "23": "Suburb: Small",
    "31": "Town: Fringe",
    "32": "Town: Distant",
    "33": "Town: Remote",
    "41": "Rural: Fringe",
    "42": "Rural: Distant",
    "43": "Rural: Remote",
}
_LOCALE_BY_DIGIT = {"1": Locale.CITY, "2": Locale.SUBURB, "3": Locale.TOWN, "4": Locale.RURAL}

_STATUS_BY_TEXT = {
    "open": LEA.Status.OPEN,
    "closed": LEA.Status.CLOSED,
    "new": LEA.Status.NEW,
    "added": LEA.Status.NEW,
    "changed boundary/agency": LEA.Status.CHANGED,
    "changed agency": LEA.Status.CHANGED,
    "changed boundary": LEA.Status.CHANGED,
    "changed": LEA.Status.CHANGED,
    "inactive": LEA.Status.INACTIVE,
    "future": LEA.Status.FUTURE,
    "reopened": LEA.Status.REOPENED,
}
_STATUS_BY_CODE = {
    "1": LEA.Status.OPEN,
    "2": LEA.Status.CLOSED,
    "3": LEA.Status.NEW,
    "4": LEA.Status.NEW,  # "added": an existing LEA entering the CCD for the first time
    "5": LEA.Status.CHANGED,
    "6": LEA.Status.INACTIVE,
    "7": LEA.Status.FUTURE,
    "8": LEA.Status.REOPENED,
}
# NCES agency-type codes (LEA_TYPE in the CCD file, the number before "-" in ELSI).
_AGENCY_TYPE_BY_CODE = {
    "1": "Regular local school district, not part of a supervisory union",
    "2": "Regular local school district within a supervisory union",
    "3": "Supervisory union administrative center",
    "4": "Regional education service agency",
    "5": "State agency",
    "6": "Federal agency",
    "7": "Independent charter district",
    "8": "Other education agency",
    "9": "Specialized public school district",
}

NAME_MAX = LEA._meta.get_field("name").max_length
CITY_MAX = LEA._meta.get_field("city").max_length
AGENCY_TYPE_MAX = LEA._meta.get_field("agency_type").max_length
INTEGER_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL

# The LEA fields an import may set, in the order the preview lists them.
LEA_FIELDS = (
    "name",
    "agency_type",
    "locale",
    "locale_code",
    "enrollment",
    "school_count",
    "is_charter",
    "status",
    "city",
)

# Logical column -> header names of the CCD flat file (case-insensitive), best first.
_CCD_COLUMNS: dict[str, tuple[str, ...]] = {
    "leaid": ("leaid",),
    "name": ("lea_name",),
    "state_code": ("st", "stabr"),
    "state_name": ("statename",),
    "fips": ("fipst",),
    "city": ("lcity", "mcity"),
    "locale": ("locale", "ulocal", "ulocale"),
    "agency_type": ("lea_type_text",),
    "agency_type_code": ("lea_type", "type"),
    "charter": ("charter_lea_text", "charter_lea"),
    "status": ("updated_status_text", "sy_status_text", "updated_status", "sy_status"),
    "enrollment": ("member", "enrollment"),
    "school_count": ("operational_schools",),
    "school_year": ("school_year", "survyear"),
}
# Logical column -> ELSI header bases (the part before " [District]"), best first.
_ELSI_COLUMNS: dict[str, tuple[str, ...]] = {
    "leaid": ("agency id - nces assigned",),
    "name": ("agency name",),
    "state_code": ("state abbr",),
    "state_name": ("state name",),
    "fips": ("ansi/fips state code",),
    "city": ("location city", "mailing city"),
    "locale": ("locale", "urban-centric locale"),
    "agency_type": ("agency type",),
    "charter": ("lea charter status", "charter status"),
    "status": ("updated status", "start of year status"),
    "enrollment": (
        "total students all grades (excludes ae)",
        "total students, all grades (excludes ae)",
        "total students all grades (includes ae)",
        "total students, all grades (includes ae)",
    ),
    "school_count": ("total number operational schools", "total number of public schools"),
}
_REQUIRED = ("leaid", "name")
_STATE_COLUMNS = ("state_code", "state_name", "fips")

_ELSI_HEADER = re.compile(r"^(?P<base>[^\[\]]*?)\s*\[(?P<level>[^\]]*)\]\s*(?P<year>.*)$")
_YEAR = re.compile(r"(\d{4})\s*[-–/]\s*(\d{2,4})")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CODE_PREFIX = re.compile(r"^\s*(\d{1,3})\s*-\s*(?=\S)")  # ELSI's "1-Open", "11-City: Large"
_LETTER_CODE_PREFIX = re.compile(r"^\s*([A-Z]{3,15})\s*-\s*(?=\S)")  # "NOTCHR-Not a ..."
_MISSING = {"", "†", "–", "—", "‡", "-", "--", "n/a", "na", "null", "none"}
_MISSING_TEXT = {"not reported", "not applicable", "missing", "not available"}
_FOOTER_PREFIXES = ("data source", "source:", "note:", "notes:", "†", "–", "‡")
_HEADER_SEARCH_LIMIT = 200


class CcdImportError(Exception):
    """The file was not imported; nothing was written. ``problems`` lists row issues if any."""

    def __init__(self, message: str, problems: Iterable[RowIssue] = ()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class CcdFormatError(CcdImportError):
    """The file is not one of the accepted shapes (refused before reading any row)."""


class CcdImportRefused(CcdImportError):
    """The file was readable but may not be imported as asked (other states, strict mode)."""


@dataclass(frozen=True)
class RowIssue:
    line: int
    column: str
    reason: str
    leaid: str = ""
    state: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "reason": self.reason,
            "leaid": self.leaid,
            "state": self.state,
        }


@dataclass
class CcdRow:
    """One usable row: the LEAID, its state and the LEA fields the file reports."""

    line: int
    leaid: str
    state: str
    values: dict[str, Any]
    year: str = ""  # the school year the row describes, "2023-2024"; "" when unknown


@dataclass
class CcdFile:
    format: str
    school_year: str
    header_line: int
    columns: dict[str, str]  # logical column -> the header the values were read from
    rows: list[CcdRow] = field(default_factory=list)
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    records: int = 0  # data records read, blank lines and footer excluded
    skipped_other_states: int = 0
    skipped_federal: int = 0
    seen_leaids: set[str] = field(default_factory=set)  # well-formed LEAIDs, used or not
    unattributed_rejects: int = 0  # rejected rows whose state could not be told
    notes: list[str] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return self.format == FORMAT_CCD

    @property
    def school_year_full(self) -> str:
        return school_year_full(self.school_year)

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS[self.format]


# --------------------------------------------------------------------------- states


def _name_key(value: str) -> str:
    value = value.casefold().replace("&", " and ").replace(".", "")
    value = re.sub(r"[^a-z]+", " ", value).strip()
    return value.removeprefix("the ")


_CODE_BY_NAME_KEY = {_name_key(name): code for code, _, name in STATES} | {
    "washington dc": "DC",
    "washington district of columbia": "DC",
    "virgin islands": "VI",
    "us virgin islands": "VI",
    "virgin islands of the united states": "VI",
    "united states virgin islands": "VI",
    "commonwealth of the northern mariana islands": "MP",
    "northern marianas": "MP",
    "commonwealth of puerto rico": "PR",
}


def state_lookup(value: str | None) -> str | None:
    """The USPS code for a state given as a code, a FIPS code or a name in any case."""
    if not value:
        return None
    text = _SPACES.sub(" ", value).strip()
    if len(text) == 2 and text.isalpha() and text.upper() in STATE_FIPS:
        return text.upper()
    if text.isdigit() and len(text) <= 2:
        return _CODE_BY_FIPS.get(text.zfill(2))
    return _CODE_BY_NAME_KEY.get(_name_key(text))


def _is_federal(value: str, kind: str) -> bool:
    if kind == "state_code":
        return value.upper() in _FEDERAL_CODES
    if kind == "fips":
        return value.isdigit() and value.zfill(2) in _FEDERAL_FIPS
    lowered = value.casefold() + " "
    return any(word in lowered for word in _FEDERAL_NAME_WORDS)


# --------------------------------------------------------------------------- cells


def _cell(raw: str) -> str | None:
    """A cell with spreadsheet wrapping, markers and stray whitespace removed; None if empty."""
    text = raw
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    text = text.replace("\u00a0", " ").strip()
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        text = text[2:-1].strip()
    if text.startswith("'"):
        text = text[1:].strip()
    text = _SPACES.sub(" ", text)
    if text.casefold() in _MISSING:
        return None
    return text


def _strip_code(text: str) -> tuple[str | None, str]:
    """'1-Regular local school district' -> ('1', 'Regular local school district')."""
    match = _CODE_PREFIX.match(text)
    if match:
        return match.group(1), text[match.end() :].strip()
    return None, text


def _int_value(text: str) -> int | None:
    """A count as CCD writes it. Negative numbers are CCD's codes for missing values."""
    cleaned = text.replace(",", "").replace(" ", "")
    if re.fullmatch(r"-\d+", cleaned):
        return None
    if re.fullmatch(r"\d+(\.0+)?", cleaned):
        number = int(cleaned.split(".")[0])
        if number > INTEGER_MAX:
            raise ValueError(f"{text!r} is too large")
        return number
    raise ValueError(f"{text!r} is not a whole number")


def _locale_value(text: str) -> tuple[str, str]:
    """'11-City: Large' or '11' -> ('city', '11')."""
    code, label = _strip_code(text)
    if code is None and text.isdigit():
        code, label = text, ""
    if code is not None:
        if code in LOCALE_NAMES:
            return _LOCALE_BY_DIGIT[code[0]], code
        raise ValueError(f"{text!r} is not an NCES locale code (11-13, 21-23, 31-33, 41-43)")
    key = _name_key(label)
    for code, name in LOCALE_NAMES.items():
        if _name_key(name) == key:
            return _LOCALE_BY_DIGIT[code[0]], code
    raise ValueError(f"{text!r} is not an NCES locale")


def _status_value(text: str) -> str:
    code, label = _strip_code(text)
    if code is None and text.isdigit():
        code, label = text, ""
    status = _STATUS_BY_TEXT.get(label.casefold().strip()) if label else None
    if status is None and code is not None:
        status = _STATUS_BY_CODE.get(code)
    if status is None:
        raise ValueError(f"{text!r} is not an operational status CCD uses")
    return status


def _charter_value(text: str) -> bool:
    _, label = _strip_code(text)
    match = _LETTER_CODE_PREFIX.match(label)
    lowered = (label[match.end() :] if match else label).strip().casefold()
    if lowered in {"no", "n", "false", "0", "not applicable", "notchr"}:
        return False
    if lowered.startswith(("not ", "no ", "notchr")):
        return False
    if lowered in {"yes", "y", "true", "1"} or "charter" in lowered or lowered.startswith("chrt"):
        return True
    raise ValueError(f"{text!r} does not say whether the LEA is a charter district")


def _school_year(text: str) -> str:
    match = _YEAR.search(text)
    if not match:
        return ""
    start, end = match.groups()
    return f"{start}-{end[-2:]}"


def school_year_full(text: str | None) -> str:
    """The school year in the form stored on an LEA: '2023-24', '2023–2024' -> '2023-2024'.

    Named by its first calendar year, so '1999-00' is '1999-2000'. '' when the text names
    no school year. Strings in this form sort in time order.
    """
    match = _YEAR.search(text or "")
    if not match:
        return ""
    start = int(match.group(1))
    return f"{start}-{start + 1}"


# --------------------------------------------------------------------------- reading


def _decode(data: bytes | str) -> tuple[str, list[str]]:
    notes = []
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), notes
    if data[:4] == b"PK\x03\x04":
        raise CcdFormatError(
            "This is a spreadsheet workbook (.xlsx or .zip), not a CSV file. "
            "Open it and save it as CSV (comma delimited), then import that file."
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), notes
    try:
        return data.decode("utf-8-sig"), notes
    except UnicodeDecodeError:
        notes.append("The file is not UTF-8; it was read as Windows-1252 (Latin) text.")
        try:
            return data.decode("cp1252"), notes
        except UnicodeDecodeError:
            return data.decode("latin-1"), notes


def _delimiter(text: str) -> str:
    """Comma, unless the header line clearly uses tabs or pipes (older CCD .txt files)."""
    for line in text[:200_000].splitlines()[:_HEADER_SEARCH_LIMIT]:
        lowered = line.casefold()
        if "leaid" in lowered or "agency id" in lowered:
            counts = {d: line.count(d) for d in (",", "\t", "|")}
            return max(counts, key=lambda d: (counts[d], d == ","))
    return ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of every CSV record, blank lines included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    last = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CcdFormatError(
                f"Line {reader.line_num}: the file cannot be read as CSV ({exc}). "
                "Nothing was imported."
            ) from None
        first, last = last + 1, reader.line_num
        yield first, last, record


def _norm_header(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\ufeff", "").replace("\u00a0", " ")).strip().casefold()


def _elsi_year_rank(year: str) -> int:
    if not year or "latest" in year.casefold():
        return 9999
    match = re.search(r"\d{4}", year)
    return int(match.group()) if match else 0


def _header_kind(cells: list[str]) -> str | None:
    names = [_norm_header(c) for c in cells]
    if "ncessch" in names or "sch_name" in names:
        raise CcdFormatError(
            "This is a CCD school file (it has NCESSCH and SCH_NAME columns), not an LEA "
            "(district) file. Download the LEA directory file instead."
        )
    if "leaid" in names:
        return FORMAT_CCD
    for name in names:
        match = _ELSI_HEADER.match(name)
        if match and match["base"].strip() == "school id - nces assigned":
            raise CcdFormatError(
                "This ELSI export is a table of schools, not of districts. In the table "
                "generator, choose 'District' as the table row and export again."
            )
    for name in names:
        match = _ELSI_HEADER.match(name)
        if match and match["base"].strip() == "agency id - nces assigned":
            if match["level"].strip() != "district":
                raise CcdFormatError(
                    "This ELSI export lists schools (its agency ID column is a "
                    f"[{match['level'].strip().title()}] column). Export a table with "
                    "'District' as the row instead."
                )
            return FORMAT_ELSI
    return None


def _column_map(kind: str, header: list[str]) -> dict[str, list[int]]:
    """Logical column -> indexes of the header cells that hold it, best first."""
    names = [_norm_header(c) for c in header]
    found: dict[str, list[int]] = {}
    if kind == FORMAT_CCD:
        for logical, wanted in _CCD_COLUMNS.items():
            found[logical] = [i for w in wanted for i, n in enumerate(names) if n == w]
        return {k: v for k, v in found.items() if v}
    ranked: dict[str, list[tuple[tuple[int, int, int], int]]] = {}
    for index, name in enumerate(names):
        match = _ELSI_HEADER.match(name)
        if match:
            base, level, year = match["base"].strip(), match["level"].strip(), match["year"]
        else:
            base, level, year = name, "district", ""
        for logical, wanted in _ELSI_COLUMNS.items():
            if base in wanted:
                rank = (wanted.index(base), 0 if level == "district" else 1, -_elsi_year_rank(year))
                ranked.setdefault(logical, []).append((rank, index))
    return {k: [i for _, i in sorted(v)] for k, v in ranked.items()}


def _elsi_school_year(header: list[str]) -> str:
    years = []
    for cell in header:
        match = _ELSI_HEADER.match(_norm_header(cell))
        if match and _YEAR.search(match["year"]):
            years.append(_school_year(match["year"]))
    return max(years) if years else ""


def _is_footer(cells: list[str]) -> bool:
    first = next((c.strip() for c in cells if c.strip()), "")
    return first.casefold().startswith(_FOOTER_PREFIXES)


def ccd_parse(data: bytes | str, *, states: Iterable[str] | None = None) -> CcdFile:
    """Read a CCD or ELSI district file into usable rows and row problems. No database access.

    ``states`` (USPS codes) keeps only the rows of those states; the others are counted in
    ``skipped_other_states``. Raises CcdFormatError when the file is not an LEA file.
    """
    wanted = {s.upper() for s in states} if states is not None else None
    text, notes = _decode(data)
    if not text.strip():
        raise CcdFormatError("The file is empty.")
    records = _records(text, _delimiter(text))

    header: list[str] | None = None
    kind = None
    header_line = 0
    for first, _last, cells in records:
        if any(c.strip() for c in cells):
            kind = _header_kind(cells)
            if kind:
                header, header_line = cells, first
                break
        if first > _HEADER_SEARCH_LIMIT:
            break
    if header is None or kind is None:
        raise CcdFormatError(
            "No header row with an LEAID column was found (looked at the first "
            f"{_HEADER_SEARCH_LIMIT} lines). Expected a CCD LEA directory file (columns such "
            "as LEAID, LEA_NAME, ST) or an ELSI export of districts (a column 'Agency ID - "
            "NCES Assigned [District]')."
        )
    columns = _column_map(kind, header)
    missing = [c for c in _REQUIRED if c not in columns]
    if not any(c in columns for c in _STATE_COLUMNS):
        missing.append("state")
    if missing:
        expected = {
            FORMAT_CCD: {"leaid": "LEAID", "name": "LEA_NAME", "state": "ST or STATENAME"},
            FORMAT_ELSI: {
                "leaid": "Agency ID - NCES Assigned [District]",
                "name": "Agency Name",
                "state": "State Name [District] or State Abbr [District]",
            },
        }[kind]
        raise CcdFormatError(
            f"Line {header_line}: the header of this {FORMAT_LABELS[kind]} lacks the column(s) "
            + ", ".join(expected[m] for m in missing)
            + ". Nothing was imported."
        )

    result = CcdFile(
        format=kind,
        school_year=_elsi_school_year(header) if kind == FORMAT_ELSI else "",
        header_line=header_line,
        columns={k: header[v[0]].strip() for k, v in columns.items()},
        notes=notes,
    )
    years: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    width = len(header)
    in_footer = False
    for first, last, cells in records:
        if not any(c.strip() for c in cells):
            if kind == FORMAT_ELSI and result.records:
                in_footer = True  # ELSI ends its data with a blank row before the notes
            continue
        if in_footer or (kind == FORMAT_ELSI and _is_footer(cells)):
            in_footer = True
            continue
        result.records += 1
        if len(cells) < width or any(c.strip() for c in cells[width:]):
            span = f" (lines {first}-{last}: a quote may be unclosed)" if last > first else ""
            result.rejected.append(
                RowIssue(
                    first,
                    "",
                    f"the row has {len(cells)} fields but the header has {width}{span}; "
                    "a comma or a quote is probably out of place",
                )
            )
            result.unattributed_rejects += 1
            continue
        read = _read_row(first, cells, header, columns)
        if read is None:
            result.skipped_federal += 1
            continue
        if wanted is not None and read.state and read.state not in wanted:
            result.skipped_other_states += 1
            continue
        if read.leaid:
            result.seen_leaids.add(read.leaid)
        if read.errors:
            result.rejected.extend(read.errors)
            if not read.state:
                result.unattributed_rejects += 1
            continue
        if read.leaid in first_seen:
            result.rejected.append(
                RowIssue(
                    first,
                    result.columns["leaid"],
                    f"LEAID {read.leaid} already appears on line {first_seen[read.leaid]}; "
                    "only that first row was used",
                    read.leaid,
                    read.state,
                )
            )
            continue
        first_seen[read.leaid] = first
        result.warnings.extend(read.warnings)
        if read.year:
            years[read.year] += 1
        result.rows.append(
            CcdRow(first, read.leaid, read.state, read.values, school_year_full(read.year))
        )
    if kind == FORMAT_CCD and years:
        result.school_year = years.most_common(1)[0][0]
    # A row without a year of its own (every ELSI row) describes the file's year.
    file_year = result.school_year_full
    for row in result.rows:
        row.year = row.year or file_year
    if result.records == 0:
        raise CcdFormatError(
            f"The {FORMAT_LABELS[kind]} has a header on line {header_line} but no data rows."
        )
    return result


def _first_value(cells: list[str], indexes: list[int]) -> tuple[str | None, int]:
    """The first non-missing value among the candidate columns, and the column it came from."""
    for index in indexes:
        value = _cell(cells[index])
        if value is not None:
            return value, index
    return None, indexes[0]


@dataclass
class _ReadRow:
    leaid: str = ""
    state: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    year: str = ""


def _read_row(
    line: int, cells: list[str], header: list[str], columns: dict[str, list[int]]
) -> _ReadRow | None:
    """Read one record. None means a row to skip outright (a federal school system)."""
    read = _ReadRow()
    errors: list[tuple[str, str]] = []  # (column, reason)

    def col(index: int) -> str:
        return header[index].strip()

    raw_leaid, leaid_index = _first_value(cells, columns["leaid"])
    if raw_leaid is None:
        errors.append((col(leaid_index), "no LEAID"))
    elif re.fullmatch(r"\d{7}", raw_leaid):
        read.leaid = raw_leaid
    else:
        reason = f"LEAID {raw_leaid!r} is not 7 digits"
        if raw_leaid.isdigit() and len(raw_leaid) < 7:
            reason += f" (a spreadsheet may have dropped its leading zeros: {raw_leaid.zfill(7)}?)"
        errors.append((col(leaid_index), reason))

    # The state: the USPS code, the name and the FIPS code must agree where given.
    found: list[tuple[str, str, int]] = []  # (code, raw value, column index)
    unknown = False
    for kind in _STATE_COLUMNS:
        if kind not in columns:
            continue
        raw, index = _first_value(cells, columns[kind])
        if raw is None:
            continue
        if _is_federal(raw, kind):
            return None
        code = state_lookup(raw) if kind != "state_code" or len(raw) == 2 else None
        if code is None:
            errors.append((col(index), f"unknown state {raw!r}"))
            unknown = True
            break
        else:
            found.append((code, raw, index))
    if not unknown:
        if len({code for code, _, _ in found}) > 1:
            detail = " and ".join(f"{raw!r} ({col(i)})" for _, raw, i in found)
            errors.append((col(found[0][2]), f"the state columns disagree: {detail}"))
        elif found:
            read.state = found[0][0]
        else:
            index = next(columns[k][0] for k in _STATE_COLUMNS if k in columns)
            errors.append((col(index), "no state"))
    if read.leaid and read.state and read.leaid[:2] != STATE_FIPS[read.state]:
        errors.append(
            (
                col(leaid_index),
                f"LEAID {read.leaid} starts with {read.leaid[:2]}, but the FIPS code of "
                f"{STATE_NAMES[read.state]} is {STATE_FIPS[read.state]}",
            )
        )

    raw_name, name_index = _first_value(cells, columns["name"])
    if raw_name is None:
        errors.append((col(name_index), "no LEA name"))
    elif len(raw_name) > NAME_MAX:
        errors.append((col(name_index), f"the name is longer than {NAME_MAX} characters"))
    else:
        read.values["name"] = raw_name

    if errors:
        leaid = read.leaid or (raw_leaid or "")[:20]
        read.errors = [RowIssue(line, c, r, leaid, read.state) for c, r in errors]
        return read

    values = read.values

    def optional(logical: str, parse: Callable[[str], dict[str, Any]], empty: dict | None) -> None:
        """Fill values from an optional column; on junk, warn and leave the field alone.

        ``empty`` is what a missing value writes; None means it leaves the field alone too.
        """
        if logical not in columns:
            return
        raw, index = _first_value(cells, columns[logical])
        if raw is None or raw.casefold() in _MISSING_TEXT:
            values.update(empty or {})
            return
        try:
            values.update(parse(raw))
        except ValueError as exc:
            read.warnings.append(
                RowIssue(
                    line, col(index), f"{exc}; the field was left as it was", read.leaid, read.state
                )
            )

    def text(name: str, limit: int) -> Callable[[str], dict[str, str]]:
        def parse(raw: str) -> dict[str, str]:
            if len(raw) > limit:
                raise ValueError(f"the value is longer than {limit} characters")
            return {name: raw}

        return parse

    def locale(raw: str) -> dict[str, str]:
        kind, code = _locale_value(raw)
        return {"locale": kind, "locale_code": code}

    optional("city", text("city", CITY_MAX), {"city": ""})
    optional("locale", locale, {"locale": "", "locale_code": ""})
    if "agency_type" in columns or "agency_type_code" in columns:
        label, bad_index = _agency_type(cells, columns)
        if label is not None:
            values["agency_type"] = label
        else:
            reason = f"the agency type is longer than {AGENCY_TYPE_MAX} characters"
            read.warnings.append(
                RowIssue(
                    line,
                    col(bad_index),
                    f"{reason}; the field was left as it was",
                    read.leaid,
                    read.state,
                )
            )
    if "charter" in columns:
        optional("charter", lambda raw: {"is_charter": _charter_value(raw)}, {"is_charter": False})
    elif "agency_type" in values:
        values["is_charter"] = "charter" in values["agency_type"].casefold()
    optional("status", lambda raw: {"status": _status_value(raw)}, None)
    optional("enrollment", lambda raw: {"enrollment": _int_value(raw)}, {"enrollment": None})
    optional("school_count", lambda raw: {"school_count": _int_value(raw)}, {"school_count": None})
    if "school_year" in columns:
        raw_year, _ = _first_value(cells, columns["school_year"])
        read.year = _school_year(raw_year or "")
    return read


def _agency_type(cells: list[str], columns: dict[str, list[int]]) -> tuple[str | None, int | None]:
    """The agency type of a row: (label, None), or (None, column index) when unreadable.

    One label per NCES agency-type code, whichever file and wording the code came from: the
    CCD file says "Regular public school district ..." where ELSI says "1-Regular local school
    district ...", and storing the text as given would flip the field at every other import.
    The file's own text is kept only when no code can be found.
    """
    code = None
    if "agency_type_code" in columns:
        raw_code, _ = _first_value(cells, columns["agency_type_code"])
        code = raw_code if raw_code in _AGENCY_TYPE_BY_CODE else None
    label, index = None, None
    if "agency_type" in columns:
        raw_text, index = _first_value(cells, columns["agency_type"])
        if raw_text:
            code_in_text, label = _strip_code(raw_text)
            if code is None and code_in_text in _AGENCY_TYPE_BY_CODE:
                code = code_in_text
    if code:
        return _AGENCY_TYPE_BY_CODE[code], None
    if not label or label.casefold() in _MISSING_TEXT:
        return "", None
    if len(label) > AGENCY_TYPE_MAX:
        return None, index
    return label, None


# ---------------------------------------- what an import did (see directory.importing)


@dataclass(frozen=True)
class LeaChange:
    leaid: str
    name: str
    state: str
    line: int | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)  # field -> [old, new]

    def as_dict(self) -> dict[str, Any]:
        return {
            "leaid": self.leaid,
            "name": self.name,
            "state": self.state,
            "line": self.line,
            "changes": self.changes,
        }


@dataclass
class CcdImportResult:
    """What an import did, or, for a dry run, what it would do."""

    format: str
    school_year: str
    dry_run: bool
    rows_read: int
    created: list[LeaChange] = field(default_factory=list)
    updated: list[LeaChange] = field(default_factory=list)
    unchanged: int = 0
    closed: list[LeaChange] = field(default_factory=list)
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    # Rows older than the school year stored for their LEA: not applied.
    skipped_older: list[LeaChange] = field(default_factory=list)
    # Unchanged LEAs whose recorded school year moves to the file's (no fact changed).
    years_recorded: int = 0
    ccd_school_year: str = ""  # the file's school year as stored on LEAs, "2023-2024"
    skipped_other_states: int = 0
    skipped_federal: int = 0
    states_created: list[str] = field(default_factory=list)
    states_renamed: list[str] = field(default_factory=list)
    complete_states: list[str] = field(default_factory=list)  # states whose missing LEAs close
    # Per state of a complete file: its operating LEAs that the file does not list, whether
    # or not they are closed (see directory.importing._closing_plan).
    missing: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS[self.format]

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.closed
            or self.states_created
            or self.states_renamed
            or self.years_recorded
        )

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "closed": len(self.closed),
            "rejected": len(self.rejected),
            "warnings": len(self.warnings),
            "skipped_older": len(self.skipped_older),
            "skipped_other_states": self.skipped_other_states,
            "skipped_federal": self.skipped_federal,
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, e.g. for a job row that a page shows as the preview."""
        return {
            "format": self.format,
            "format_label": self.format_label,
            "school_year": self.school_year,
            "ccd_school_year": self.ccd_school_year,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "counts": self.counts(),
            "created": [c.as_dict() for c in self.created],
            "updated": [c.as_dict() for c in self.updated],
            "closed": [c.as_dict() for c in self.closed],
            "rejected": [r.as_dict() for r in self.rejected],
            "warnings": [w.as_dict() for w in self.warnings],
            "skipped_older": [c.as_dict() for c in self.skipped_older],
            "years_recorded": self.years_recorded,
            "states_created": self.states_created,
            "states_renamed": self.states_renamed,
            "complete_states": self.complete_states,
            "missing": self.missing,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[int, int], None]


def read_source(source: Path | str | bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise CcdFormatError(f"Cannot read {source}: {exc.strerror}.") from None
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def check_allowed_states(parsed: CcdFile, allowed: set[str]) -> None:
    outside: Counter[str] = Counter()
    examples: list[RowIssue] = []
    for row in parsed.rows:
        if row.state not in allowed:
            outside[row.state] += 1
            if len(examples) < 20:
                column = parsed.columns.get("state_code") or parsed.columns.get("state_name", "")
                reason = f"{STATE_NAMES[row.state]} is not a state you may import"
                examples.append(RowIssue(row.line, column, reason, row.leaid, row.state))
    for issue in parsed.rejected:
        if issue.state and issue.state not in allowed:
            outside[issue.state] += 1
    if outside:
        listed = ", ".join(f"{code} ({n} rows)" for code, n in sorted(outside.items()))
        mine = f"only {', '.join(sorted(allowed))}" if allowed else "no state's rows"
        raise CcdImportRefused(
            f"The file holds rows of states you may not import: {listed}. You may import "
            f"{mine}. Remove the other states' rows (or ask a national administrator) "
            "and try again. Nothing was imported.",
            examples,
        )
