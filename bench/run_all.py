"""Run every benchmark in bench/ and print their figures.

PostgreSQL is used when it answers on 127.0.0.1:5432 (each benchmark creates its own
database whose name contains "bench"); otherwise SQLite. Figures are printed, never
asserted: speed belongs here, not in the test suite.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BENCHMARKS = [
    ("CCD import (issue 5)", "bench_import.py", "cbe_bench"),
    ("Autosave under load (issue 4)", "bench_autosave.py", None),
    ("Readiness PDFs (issue 6)", "bench_reports.py", None),
]


def _postgres_up() -> bool:
    return (
        shutil.which("pg_isready") is not None
        and subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    )


def main() -> int:
    failures = 0
    postgres = _postgres_up()
    for title, script, database in BENCHMARKS:
        path = ROOT / script
        if not path.exists():
            print(f"== {title}: {script} not found, skipped")
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
        result = subprocess.run([sys.executable, str(path)], env=env, cwd=ROOT.parent, check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
