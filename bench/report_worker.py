"""A Celery worker for bench/bench_reports.py that notes the CPU time of every render.

Run as `python bench/report_worker.py -A cbe_portal worker ...` with CBE_BENCH_RENDER_LOG
set to a file: each LEA report rendered appends one line, "<pid> <cpu seconds> <pages>",
so the benchmark sums the render CPU its batch really used instead of estimating it. The
wrapper is installed in the parent before the pool forks, so every pool process has it.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbe_portal.settings")

import django  # noqa: E402

django.setup()

from reports import services  # noqa: E402

_render = services.lea_report_pdf
_log = os.environ["CBE_BENCH_RENDER_LOG"]


def _timed_render(**kwargs):
    started = time.process_time()
    pdf = _render(**kwargs)
    cpu = time.process_time() - started
    with open(_log, "a") as log:  # one short line per write: appends do not interleave
        log.write(f"{os.getpid()} {cpu:.6f} {pdf.pages}\n")
    return pdf


services.lea_report_pdf = _timed_render

if __name__ == "__main__":
    from celery.__main__ import main

    sys.argv[0] = "celery"
    sys.exit(main())
