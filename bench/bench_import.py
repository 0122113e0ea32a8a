"""Time the CCD import at national size: about 19,400 LEAs of the 50 states and DC.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbe_bench .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py            # SQLite, in /tmp/cbe-bench.sqlite3

It migrates the database, empties its LEAs and states (so it refuses a database whose name
does not contain "bench", and one with assessments), writes a synthetic national CCD file
and a "next year" file with 10 % churn to /tmp, then times:

1. the first import (every LEA created),
2. the same file again (nothing changes),
3. a dry run of the next year's file,
4. the next year's file (names, types and statuses updated, dropped LEAs closed).

Targets (issue 5, PostgreSQL): first import under 15 s, re-import under 10 s.
"""

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the CCD import at national size.")
    parser.add_argument("--rows", type=int, default=19_400)
    parser.add_argument("--force", action="store_true", help="allow any database name")
    args = parser.parse_args()

    first_file = Path(tempfile.gettempdir()) / "cbe-bench-ccd-2022.csv"
    next_file = Path(tempfile.gettempdir()) / "cbe-bench-ccd-2023.csv"
    rows = write_ccd_file(first_file, rows=args.rows, year="2022-2023")
    write_ccd_file(next_file, rows=args.rows, year="2023-2024", churn=0.1)
    _prepare_database(force=args.force)

    vendor = connection.vendor
    print(f"database: {vendor} {connection.settings_dict['NAME']}")
    print(f"file: {first_file} ({rows:,} LEAs, {first_file.stat().st_size / 1e6:.1f} MB)")
    runs = [
        _timed("first import", source=first_file),
        _timed("re-import", source=first_file),
        _timed("next year, dry run", source=next_file, dry_run=True),
        _timed("next year", source=next_file),
    ]
    print(f"{'run':<20} {'seconds':>8}  created  updated  unchanged  closed  rejected")
    failed = False
    for label, seconds, counts in runs:
        target = TARGETS.get(label)
        verdict = ""
        if target is not None:
            ok = seconds < target
            failed |= not ok and vendor == "postgresql"
            verdict = f"  (target < {target:.0f} s: {'ok' if ok else 'MISSED'})"
        print(
            f"{label:<20} {seconds:8.2f}  {counts['created']:7,}  {counts['updated']:7,}  "
            f"{counts['unchanged']:9,}  {counts['closed']:6,}  {counts['rejected']:8,}{verdict}"
        )
    print(f"LEAs in the database: {LEA.objects.count():,}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
