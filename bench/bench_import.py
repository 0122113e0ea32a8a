"""Time the CCD import at national size (about 19,400 LEAs of the 50 states and DC),
each run beside a baseline measured in the same run in interleaved pairs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbe_bench .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py            # SQLite, in /tmp/cbe-bench.sqlite3
    .venv/bin/python bench/bench_import.py --quick    # 2,000 rows, 2 pairs

It migrates the database, empties its LEAs and states (so it refuses a database whose name
does not contain "bench", and one with assessments), writes a synthetic national CCD file
and a "next year" file with 10 % churn to /tmp (bench/make_ccd_file.py), then times, in
`--pairs` interleaved pairs (baseline, import, baseline, import ...):

1. the first import (every LEA created) beside the floor of any import: reading the same
   file with the csv module and bulk-inserting one bare row (LEAID, state, name) per LEA;
2. the same file again (nothing changes) beside reading the file and every stored LEA;

and once each, after those: a dry run of the next year's file and the next year's file
(names, types and statuses updated, dropped LEAs closed).

Targets (issue 5, PostgreSQL): first import under 15 s, re-import under 10 s.
Add --write to replace the "## CCD import" section of docs/benchmarks.md.
"""

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbe_portal.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.gettempdir()}/cbe-bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from make_ccd_file import write_ccd_file  # noqa: E402
from pairs import load_average, pair_summary, run_line, write_section  # noqa: E402

from accounts.models import User  # noqa: E402
from assessments.models import Assessment  # noqa: E402
from directory.importing import ccd_import  # noqa: E402
from directory.models import LEA, State  # noqa: E402

TARGETS = {"first import": 15.0, "re-import": 10.0}


def _prepare_database(*, force: bool) -> None:
    name = str(connection.settings_dict["NAME"])
    if "bench" not in Path(name).name and not force:
        sys.exit(f"refusing to empty LEAs of database {name!r}: its name lacks 'bench'")
    call_command("migrate", verbosity=0)
    if Assessment.objects.exists():
        sys.exit(f"refusing: database {name!r} holds assessments")
    User.objects.filter(lea__isnull=False).delete()
    LEA.objects.all().delete()
    State.objects.filter(users__isnull=True).delete()


def _timed(label: str, **kwargs) -> tuple[str, float, dict]:
    started = time.perf_counter()
    result = ccd_import(**kwargs)
    seconds = time.perf_counter() - started
    return label, seconds, result.counts()


def _empty() -> None:
    User.objects.filter(lea__isnull=False).delete()
    LEA.objects.all().delete()


def _bare_insert(path: Path) -> float:
    """The floor of a first import: the file read and one bare row inserted per LEA."""
    started = time.perf_counter()
    states = dict(State.objects.values_list("code", "id"))
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [
            LEA(
                leaid=row["LEAID"],
                state_id=states[row["ST"]],
                state_code=row["ST"],
                name=row["LEA_NAME"][:200],
            )
            for row in csv.DictReader(f)
            if row["ST"] in states
        ]
    LEA.objects.bulk_create(rows, batch_size=5000)
    return time.perf_counter() - started


def _bare_read(path: Path) -> float:
    """The floor of a re-import: the file read and every stored LEA fetched."""
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    stored = {lea["leaid"]: lea for lea in LEA.objects.values()}
    del rows, stored
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the CCD import at national size.")
    parser.add_argument("--rows", type=int, default=19_400)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 rows, 2 pairs")
    parser.add_argument("--force", action="store_true", help="allow any database name")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.pairs = 2_000, 2

    first_file = Path(tempfile.gettempdir()) / "cbe-bench-ccd-2022.csv"
    next_file = Path(tempfile.gettempdir()) / "cbe-bench-ccd-2023.csv"
    rows = write_ccd_file(first_file, rows=args.rows, year="2022-2023")
    write_ccd_file(next_file, rows=args.rows, year="2023-2024", churn=0.1)
    _prepare_database(force=args.force)

    vendor = connection.vendor
    print(f"database: {vendor} {connection.settings_dict['NAME']}")
    print(f"file: {first_file} ({rows:,} LEAs, {first_file.stat().st_size / 1e6:.1f} MB)")
    loads = [load_average()]
    # The states exist before the first baseline, as they do after any import.
    ccd_import(source=first_file)
    first, first_base, again, again_base = [], [], [], []
    counts = {}
    for _ in range(args.pairs):
        _empty()
        first_base.append(_bare_insert(first_file))
        _empty()
        label, seconds, counts["first import"] = _timed("first import", source=first_file)
        first.append(seconds)
        again_base.append(_bare_read(first_file))
        label, seconds, counts["re-import"] = _timed("re-import", source=first_file)
        again.append(seconds)
    # Next year's file is the complete list of every state's LEAs: the dropped ones close,
    # in the number the dry run announced (what a person confirms on the import page).
    every_state = list(State.objects.values_list("code", flat=True))
    dry = _timed("next year, dry run", source=next_file, dry_run=True, complete_for=every_state)
    real = _timed(
        "next year",
        source=next_file,
        complete_for=every_state,
        expected_closures=dry[2]["closed"],
    )
    singles = [dry, real]
    loads.append(load_average())
    first_pairs, again_pairs = pair_summary(first, first_base), pair_summary(again, again_base)

    failed = False
    lines = [
        f"{run_line()} · {vendor} · {rows:,} LEAs in the file "
        f"({first_file.stat().st_size / 1e6:.1f} MB) · {args.pairs} pairs per ratio · "
        f"load average (1 / 5 / 15 min) {loads[0]} at the start, {loads[1]} at the end",
        "",
        "| run | seconds (median) | baseline in the same run | ratio: median of pairs (range) "
        "| created / updated / unchanged / closed / rejected | target |",
        "|---|---|---|---|---|---|",
    ]
    for label, values, base_label, summary in (
        ("first import, every LEA created", first, "read + bare bulk insert", first_pairs),
        ("same file again, nothing changes", again, "read file + every stored LEA", again_pairs),
    ):
        key = "first import" if label.startswith("first") else "re-import"
        seconds = statistics.median(values)
        target = TARGETS[key]
        failed |= seconds >= target and vendor == "postgresql"
        c = counts[key]
        low, high = summary["ratio_range"]
        base = statistics.median(summary["b"])
        lines.append(
            f"| {label} | **{seconds:.2f} s** | {base_label} {base:.2f} s"
            f" | {summary['ratio']:.1f}× ({low:.1f}–{high:.1f}) | {_counts(c)}"
            f" | < {target:.0f} s |"
        )
    for label, seconds, c in singles:
        lines.append(f"| {label} (once) | {seconds:.2f} s | | | {_counts(c)} | |")
    lines.append("")
    lines.append(f"LEAs in the database after the runs: {LEA.objects.count():,}.")
    block = "\n".join(lines)
    print(block)
    if args.write:
        write_section("CCD import", DOC_INTRO + "\n" + block + "\n")
    if failed:
        sys.exit(1)


def _counts(c: dict) -> str:
    return " / ".join(
        f"{c[k]:,}" for k in ("created", "updated", "unchanged", "closed", "rejected")
    )


DOC_INTRO = """
Loading every LEA of the 50 states and DC from an NCES Common Core of Data directory
file, then loading it again, then next year's file.

Script: `bench/bench_import.py` (with `bench/make_ccd_file.py`, which writes a synthetic
national file of about 19,400 rows and a "next year" file with 10 % churn to /tmp;
`--quick` for 2,000 rows, `--write` to replace this section). It refuses a database
whose name lacks "bench". The first import and the re-import are each timed in
interleaved pairs beside a floor measured in the same run: reading the file with the csv
module and bulk-inserting a bare row per LEA (for the first import), reading the file
and every stored LEA (for the re-import).

```sh
createdb -h 127.0.0.1 -U postgres cbe_bench
DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbe_bench .venv/bin/python bench/bench_import.py
```

A national import runs a handful of SQL statements whatever the number of rows: one read
of the existing LEAs by LEAID, bulk inserts, and on PostgreSQL one `UPDATE ... FROM
(VALUES ...)` per 1,000 changed rows.
"""


if __name__ == "__main__":
    main()
