"""The data tables beside the dashboard charts: sorting, display and CSV export.

A table is plain data (columns and rows of raw values). The page sorts it by the
`sort` GET parameter, so every table sorts without JavaScript through links in its
headers; static/js/dashboard.js may sort the same rows in place. The CSV export writes
the same rows with raw numbers.

`sort` reads "<table>.<column>" (ascending) or "<table>.-<column>" (descending); it
sorts one table at a time and the others keep their natural order. Sorting by the first
column (the row header) restores that natural order: locales in NCES order, stages from
lowest to highest, cycles oldest first.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.http import QueryDict, StreamingHttpResponse

TEXT, COUNT, SCORE, PERCENT = "text", "count", "score", "percent"
MISSING = "—"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT  # TEXT, COUNT, SCORE (0-100, one decimal) or PERCENT
    nowrap: bool = False  # short values that read badly broken, e.g. "2025-26"

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere on the page; exported and sorted as its text."""

    text: str
    href: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class SortSpec:
    table: str
    column: str
    descending: bool = False

    @classmethod
    def parse(cls, value: str | None) -> "SortSpec | None":
        """SortSpec from "<table>.<column>" or "<table>.-<column>"; None when malformed."""
        if not value or "." not in value:
            return None
        table, column = value.split(".", 1)
        descending = column.startswith("-")
        column = column.lstrip("-")
        if not table or not column:
            return None
        return cls(table=table, column=column, descending=descending)

    def __str__(self) -> str:
        return f"{self.table}.{'-' if self.descending else ''}{self.column}"


@dataclass(frozen=True)
class Table:
    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]  # raw values, one per column; the first is the row header
    sort: SortSpec | None = None  # the sort applied, if any
    # True when the page holds every row, so sorting in the browser gives the same
    # result as sorting on the server.
    complete: bool = True
    # Each row's place in the natural order (the order the rows were built in), kept
    # through sorting so the first column can restore it.
    positions: tuple[int, ...] | None = None

    @property
    def natural_positions(self) -> tuple[int, ...]:
        return self.positions if self.positions is not None else tuple(range(len(self.rows)))

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _sort_value(value, column: Column):
    if column.kind == TEXT:
        return str(value).casefold()
    return value


def table_sorted(table: Table, sort: SortSpec | None) -> Table:
    """The table sorted as asked, when `sort` is about this table and one of its columns;
    otherwise unchanged. Empty values (no score) go last in either direction."""
    if sort is None or sort.table != table.key or table.column(sort.column) is None:
        return table
    index = [c.key for c in table.columns].index(sort.column)
    pairs = list(zip(table.natural_positions, table.rows, strict=True))
    if index == 0:
        pairs.sort(key=lambda pair: pair[0], reverse=sort.descending)
    else:
        column = table.columns[index]
        present = [pair for pair in pairs if pair[1][index] is not None]
        missing = [pair for pair in pairs if pair[1][index] is None]
        present.sort(key=lambda pair: _sort_value(pair[1][index], column), reverse=sort.descending)
        pairs = present + missing
    return replace(
        table,
        rows=tuple(row for _, row in pairs),
        positions=tuple(position for position, _ in pairs),
        sort=sort,
    )


def cell_text(value, kind: str) -> str:
    if value is None:
        return MISSING
    if kind == COUNT:
        return f"{value:,}"
    if kind == SCORE:
        return f"{value:.1f}"
    if kind == PERCENT:
        return f"{value:.1f}%"
    return str(value)


def share(part: int, whole: int) -> float | None:
    """part / whole as a percentage with one decimal, None when whole is 0."""
    return round(100 * part / whole, 1) if whole else None


def _query(base: QueryDict, **changes) -> str:
    query = base.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


def table_context(table: Table, query: QueryDict, *, reset_page: bool = False) -> dict:
    """What templates/dashboards/includes/table.html needs: header links that sort by each
    column (toggling the direction of the current one), aria-sort, and display text."""
    headers = []
    for i, column in enumerate(table.columns):
        current = table.sort and table.sort.column == column.key
        # A second click reverses; a first click puts the largest number first, and
        # names and the natural order from the top.
        descending = not table.sort.descending if current else column.numeric and i > 0
        sort = SortSpec(table=table.key, column=column.key, descending=descending)
        changes = {"sort": str(sort)}
        if reset_page:
            changes["page"] = None
        headers.append(
            {
                "key": column.key,
                "label": column.label,
                "numeric": column.numeric,
                "href": f"?{_query(query, **changes)}#{table.key}",
                "aria_sort": (
                    ("descending" if table.sort.descending else "ascending") if current else ""
                ),
                "next": "descending" if descending else "ascending",
            }
        )
    rows = []
    for position, row in zip(table.natural_positions, table.rows, strict=True):
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            sort_value = position if column is table.columns[0] else value
            cells.append(
                {
                    "text": cell_text(value, column.kind),
                    "href": value.href if isinstance(value, Link) else "",
                    "numeric": column.numeric,
                    "nowrap": column.nowrap,
                    "sort_value": "" if sort_value is None else str(sort_value),
                }
            )
        rows.append(cells)
    return {"table": table, "headers": headers, "rows": rows}


# --- CSV ----------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"); tab and carriage return are on OWASP's list too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value made safe for a spreadsheet: text that could start a formula gets a leading
    single quote. Numbers are written as they are (a negative number is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A streamed CSV download with a header row; rows may be a generator."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def table_csv_response(table: Table, filename: str):
    return csv_response(filename, [c.label for c in table.columns], table.rows)


def querystring(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v})
