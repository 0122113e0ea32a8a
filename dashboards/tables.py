"""The data tables beside the dashboard charts: sorting, display and CSV export.

A table is plain data (columns and rows of raw values, built in their natural order:
locales as NCES lists them, stages from lowest to highest, cycles oldest first). The
server sorts it by the `sort` GET parameter, "<table>.<column>" (ascending) or
"<table>.-<column>" (descending), so every table sorts through links in its headers and
works without JavaScript; with JavaScript on, htmx fetches the same address and swaps in
just the table (see templates/dashboards/includes/table.html). One table is sorted at a
time; sorting by the first column (the row header) gives the natural order. The CSV
export writes the same rows, sorted the same way, with raw numbers.
"""

from dataclasses import dataclass, replace

from django.http import QueryDict

from cbe_portal.csv_download import csv_cell, csv_lines, csv_response

__all__ = ["csv_cell", "csv_lines", "csv_response"]  # used by the dashboard views

TEXT, COUNT, SCORE, PERCENT = "text", "count", "score", "percent"
MISSING = "—"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT  # TEXT, COUNT, SCORE (0-100, one decimal) or PERCENT
    nowrap: bool = False  # short values that read badly broken, e.g. "2025-26"
    # A short header for the page (the full label is its tooltip, and the CSV's header).
    short: str = ""
    csv_only: bool = False  # in the download but not on the page (a wide table's codes)

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere; exported and sorted as its text."""

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

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def table_sorted(table: Table, sort: SortSpec | None) -> Table:
    """The table (in its natural order) sorted as asked, when `sort` is about this table
    and one of its columns; otherwise unchanged. Empty values (no score) go last in
    either direction."""
    if sort is None or sort.table != table.key or table.column(sort.column) is None:
        return table
    index = [c.key for c in table.columns].index(sort.column)
    if index == 0:
        rows = table.rows[::-1] if sort.descending else table.rows
    else:
        text = table.columns[index].kind == TEXT
        present = [row for row in table.rows if row[index] is not None]
        missing = [row for row in table.rows if row[index] is None]
        present.sort(
            key=lambda row: str(row[index]).casefold() if text else row[index],
            reverse=sort.descending,
        )
        rows = tuple(present + missing)
    return replace(table, rows=tuple(rows), sort=sort)


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


def table_context(
    table: Table, query: QueryDict, *, reset_page: bool = False, swap: bool = True
) -> dict:
    """What templates/dashboards/includes/table.html needs: header links that sort by each
    column (toggling the direction of the current one), aria-sort, and display text.
    `swap`: the links swap in just this table when JavaScript is on (not for a table
    whose sort also reorders the charts around it)."""
    headers = []
    for i, column in enumerate(table.columns):
        if column.csv_only:
            continue
        current = table.sort is not None and table.sort.column == column.key
        # A second click reverses; a first click puts the largest number first, and
        # names and the natural order from the top.
        descending = not table.sort.descending if current else column.numeric and i > 0
        link_query = query.copy()
        link_query.pop("sort", None)
        if reset_page:
            link_query.pop("page", None)
        link_query["sort"] = str(SortSpec(table.key, column.key, descending))
        headers.append(
            {
                "key": column.key,
                "label": column.label,
                "short": column.short,
                "numeric": column.numeric,
                "href": f"?{link_query.urlencode()}#{table.key}",
                "aria_sort": (
                    ("descending" if table.sort.descending else "ascending") if current else ""
                ),
                "next": "descending" if descending else "ascending",
            }
        )
    rows = [
        [
            {
                "text": cell_text(value, column.kind),
                "href": value.href if isinstance(value, Link) else "",
                "numeric": column.numeric,
                "nowrap": column.nowrap,
            }
            for column, value in zip(table.columns, row, strict=True)
            if not column.csv_only
        ]
        for row in table.rows
    ]
    return {"table": table, "headers": headers, "rows": rows, "swap": swap}


def sort_status(table: Table) -> str:
    """What a screen reader hears once the table is sorted (read from a live region)."""
    column = table.column(table.sort.column) if table.sort else None
    if column is None:
        return ""
    direction = "descending" if table.sort.descending else "ascending"
    return f"{table.caption}: sorted by {column.label}, {direction}."


# --- CSV ----------------------------------------------------------------------------------


def table_csv_response(table: Table, filename: str):
    return csv_response(filename, [c.label for c in table.columns], table.rows)
