"""Run every benchmark in bench/ and print their figures.

PostgreSQL is used when it answers on 127.0.0.1:5432 (each benchmark creates its own
database whose name contains "bench"); otherwise SQLite, and the benchmarks that need
PostgreSQL (the national data set) are skipped. Figures are printed, never asserted:
speed belongs here, not in the test suite.

    .venv/bin/python bench/run_all.py [--quick]

--quick (`make bench QUICK=1`) asks the national benchmark for 5 pairs per page instead
of 15; it still builds the national data set when it is missing or out of date. Each
benchmark writes its own section of docs/benchmarks.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# title, script, database made for it (None: the script sees to its own), needs PostgreSQL
BENCHMARKS = [
    ("CCD import (issue 5)", "bench_import.py", "cbe_bench", False),
    ("Autosave under load (issue 4)", "bench_autosave.py", None, False),
    ("Readiness PDFs (issue 6)", "bench_reports.py", None, False),
    # Builds or reuses the database cbe_bench_national (bench/make_national.py) first.
    ("Dashboards and lists at national scale (issue 13)", "bench_national.py", None, True),
]


def _postgres_up() -> bool:
    return (
        shutil.which("pg_isready") is not None
        and subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    )


def _arguments(script: str, quick: bool) -> list[str]:
    # Every benchmark replaces its own section of docs/benchmarks.md with this run's figures.
    if script == "bench_national.py":
        return ["--write", *(["--quick"] if quick else [])]
    return ["--write"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer pairs in the national run")
    args = parser.parse_args()
    failures = 0
    postgres = _postgres_up()
    for title, script, database, needs_postgres in BENCHMARKS:
        path = ROOT / script
        if not path.exists():
            print(f"== {title}: {script} not found, skipped")
            continue
        if needs_postgres and not postgres:
            print(f"== {title}: needs PostgreSQL on 127.0.0.1:5432, skipped")
            continue
        env = dict(os.environ)
        if postgres and database:
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", database],
                capture_output=True,
                check=False,
            )
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
        print(f"== {title}", flush=True)
        result = subprocess.run(
            [sys.executable, str(path), *_arguments(script, args.quick)],
            env=env,
            cwd=ROOT.parent,
            check=False,
        )
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
