"""Dashboards and lists at national scale (issue 13), each beside a baseline in the same run.

Against the national data set of bench/make_national.py (database `cbe_bench_national`,
built or reused first), in this process, the way a request is served in production:
Django's test client through the full middleware stack over https, DEBUG off, the
session cache in Redis when it answers, signed in with force_login.

Each page is measured in interleaved pairs with its baseline (A, B, A, B ...) after a
warm-up, so a change in the machine's load touches both alike; the figure that matters
is the median of the pairwise ratios. The baselines are the naive queries a dashboard
could run instead of stored scores, executed with a raw cursor:

- state: AVG(rating) grouped by LEA x domain over the raw answers of the state's cycle
  (answers -> assessments, indicators -> domains);
- national: AVG(rating) grouped by state x domain over the raw answers of every state's
  latest cycle.

A dashboard viewed again with unchanged figures serves the view it kept
(cbe_portal.figures.figures_view); rows marked "drawn afresh" forget the kept views
before every view, as on the first view after a change.

Pages: the CA state dashboard and its CSV exports (state baseline), the national view,
its CSV exports and the LEA list of a national administrator (first page, last page,
?status=draft) (national baseline); then flatness: the state dashboard and the LEA list
of a state administrator in Nevada (10 LEAs), Wyoming (50) and California (2,200),
California paired with each small state. SQL statements per page are counted with
CaptureQueriesContext on one extra request (never a timed one).

    .venv/bin/python bench/bench_national.py [--pairs 20] [--quick] [--write]

--write replaces the "## National scale" section of docs/benchmarks.md (other sections
stay as they are). Figures are printed, never asserted.
"""

import argparse
import atexit
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import make_national  # noqa: E402 - after the path is set

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## National scale"
REDIS_DB = 13
WARM_UP = 3


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
    except OSError:
        return False
    return True


def configure() -> None:
    """Production-like settings for this process, before Django starts."""
    var = tempfile.mkdtemp(prefix="bench-national-")
    atexit.register(shutil.rmtree, var, ignore_errors=True)
    os.environ.update(
        {
            "DATABASE_URL": make_national.DATABASE_URL,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
            "CBE_VAR_DIR": var,
        }
    )
    if _port_open(6379):
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbe_portal.settings")


@dataclass
class Pair:
    """One page and its baseline, measured in interleaved pairs."""

    label: str
    who: str
    page: list[float]
    base: list[float]
    base_label: str
    queries: int | None = None
    sql_ms: float | None = None

    @property
    def ratio(self) -> float:
        return statistics.median(a / b for a, b in zip(self.page, self.base, strict=True))


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=15, help="measured pairs per page")
    parser.add_argument("--quick", action="store_true", help="5 pairs, fewer exports")
    parser.add_argument("--no-build", action="store_true", help="use the database as it is")
    parser.add_argument("--write", action="store_true", help=f"update {DOC.name}")
    args = parser.parse_args()
    pairs = 5 if args.quick else args.pairs
    if not args.no_build:
        make_national.ensure()
    configure()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from assessments.models import Answer, Assessment, AssessmentCycle
    from directory.models import LEA
    from frameworks.models import Domain, Indicator

    load_start = os.getloadavg()
    started = time.monotonic()
    clients: dict[str, Client] = {}

    def client_for(username: str) -> Client:
        if username not in clients:
            client = Client()
            client.force_login(
                User.objects.get(username=username),
                backend="accounts.backends.PortalModelBackend",
            )
            clients[username] = client
        return clients[username]

    def get(username: str, url: str):
        response = client_for(username).get(url, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{url} as {username}: HTTP {response.status_code}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body

    from cbe_portal.figures import pages_forgotten

    def timed_page(username: str, url: str, *, drawn: bool = False):
        def run() -> float:
            if drawn:
                pages_forgotten()  # as on the first view after the page's figures changed
            begun = time.perf_counter()
            get(username, url)
            return time.perf_counter() - begun

        return run

    def timed_sql(sql: str, params: list):
        def run() -> float:
            begun = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()
            return time.perf_counter() - begun

        return run

    def count_queries(username: str, url: str, *, drawn: bool = False) -> tuple[int, float]:
        if drawn:
            pages_forgotten()
        with CaptureQueriesContext(connection) as captured:
            get(username, url)
        return len(captured), sum(float(q["time"]) for q in captured.captured_queries) * 1000

    def measure(
        label: str, who: str, page, base, base_label: str, url: str, *, drawn: bool = False
    ) -> Pair:
        for _ in range(WARM_UP):
            page()
            base()
        a, b = [], []
        for _ in range(pairs):
            a.append(page())
            b.append(base())
        pair = Pair(label, who, a, b, base_label)
        pair.queries, pair.sql_ms = count_queries(who, url, drawn=drawn)
        print(
            f"  {label}: p50 {ms(p50(a))}, p95 {ms(p95(a))}, {pair.queries} queries; "
            f"{base_label} p50 {ms(p50(b))}; median ratio {pair.ratio:.2f}",
            flush=True,
        )
        return pair

    t = {
        "answer": Answer._meta.db_table,
        "assessment": Assessment._meta.db_table,
        "indicator": Indicator._meta.db_table,
        "domain": Domain._meta.db_table,
        "lea": LEA._meta.db_table,
    }
    state_sql = (
        f"SELECT s.lea_id, d.code, AVG(a.rating) FROM {t['answer']} a "
        f"JOIN {t['assessment']} s ON s.id = a.assessment_id "
        f"JOIN {t['indicator']} i ON i.id = a.indicator_id "
        f"JOIN {t['domain']} d ON d.id = i.domain_id "
        "WHERE s.cycle_id = %s GROUP BY s.lea_id, d.code"
    )
    national_sql = (
        f"SELECT l.state_id, d.code, AVG(a.rating) FROM {t['answer']} a "
        f"JOIN {t['assessment']} s ON s.id = a.assessment_id "
        f"JOIN {t['lea']} l ON l.id = s.lea_id "
        f"JOIN {t['indicator']} i ON i.id = a.indicator_id "
        f"JOIN {t['domain']} d ON d.id = i.domain_id "
        "WHERE s.cycle_id = ANY(%s) GROUP BY l.state_id, d.code"
    )

    latest: dict[str, int] = {}
    for code, cycle_id in AssessmentCycle.objects.order_by("state__code", "starts_on").values_list(
        "state__code", "pk"
    ):
        latest[code] = cycle_id  # the last one read is the newest
    big, mid, small = make_national.LARGE_STATE, make_national.MID_STATE, make_national.SMALL_STATE
    state_base = timed_sql(state_sql, [latest[big]])
    national_base = timed_sql(national_sql, [list(latest.values())])
    state_label = f"{big} LEA x domain GROUP BY"
    national_label = "national state x domain GROUP BY"
    admin = "national-admin"
    results: list[Pair] = []

    print(f"National scale: {pairs} pairs per page after {WARM_UP} warm-up", flush=True)
    dashboard = reverse("dashboards:state", args=[big, latest[big]])
    results.append(
        measure(
            f"{big} state dashboard",
            admin,
            timed_page(admin, dashboard),
            state_base,
            state_label,
            dashboard,
        )
    )
    results.append(
        measure(
            f"{big} state dashboard, drawn afresh",
            admin,
            timed_page(admin, dashboard, drawn=True),
            state_base,
            state_label,
            dashboard,
            drawn=True,
        )
    )
    national = reverse("dashboards:national")
    results.append(
        measure(
            "national view",
            admin,
            timed_page(admin, national),
            national_base,
            national_label,
            national,
        )
    )
    results.append(
        measure(
            "national view, drawn afresh",
            admin,
            timed_page(admin, national, drawn=True),
            national_base,
            national_label,
            national,
            drawn=True,
        )
    )

    lea_list = reverse("readiness:lea_list")
    # The list pages by keyset: its "Last page" link is ?last=1 (no page numbers).
    for label, url in (
        ("LEA list, first page", lea_list),
        ("LEA list, last page", f"{lea_list}?last=1"),
        ("LEA list, ?status=draft", f"{lea_list}?status=draft"),
    ):
        results.append(
            measure(label, admin, timed_page(admin, url), national_base, national_label, url)
        )

    from dashboards.views import NATIONAL_TABLES, STATE_TABLES

    state_tables = ("heatmap", "medians", "levers") if args.quick else STATE_TABLES
    for table in state_tables:
        url = reverse("dashboards:state_export", args=[big, latest[big], table])
        results.append(
            measure(
                f"{big} export {table}.csv",
                admin,
                timed_page(admin, url),
                state_base,
                state_label,
                url,
            )
        )
    if not args.quick:
        url = reverse("dashboards:state_plans_export", args=[big, latest[big]])
        results.append(
            measure(
                f"{big} export plans.csv",
                admin,
                timed_page(admin, url),
                state_base,
                state_label,
                url,
            )
        )
    for table in NATIONAL_TABLES:
        url = reverse("dashboards:national_export", args=[table])
        results.append(
            measure(
                f"national export {table}.csv",
                admin,
                timed_page(admin, url),
                national_base,
                national_label,
                url,
            )
        )

    # Flatness: California beside the small states, each seen by its own administrator.
    counts = dict(
        LEA.objects.filter(state__code__in=[big, mid, small])
        .values_list("state__code")
        .annotate(n=Count("id"))
    )
    flat: list[tuple[str, str, Pair, int]] = []
    print("Flatness: California beside the small states", flush=True)
    for kind in ("state dashboard", "state dashboard, drawn afresh", "LEA list"):
        drawn = kind.endswith("afresh")
        for other in (small, mid):

            def url_of(code: str, kind: str = kind) -> str:
                if kind == "LEA list":
                    return lea_list
                return reverse("dashboards:state", args=[code, latest[code]])

            big_user, other_user = f"{big.lower()}-admin", f"{other.lower()}-admin"
            pair = measure(
                f"{kind}, {big} vs {other}",
                big_user,
                timed_page(big_user, url_of(big), drawn=drawn),
                timed_page(other_user, url_of(other), drawn=drawn),
                f"{other} {kind}",
                url_of(big),
                drawn=drawn,
            )
            other_queries, _ = count_queries(other_user, url_of(other), drawn=drawn)
            flat.append((kind, other, pair, other_queries))

    load_end = os.getloadavg()
    seconds = time.monotonic() - started
    table = _table(results, flat, counts, big, pairs)
    machine = _machine(load_start, load_end)
    print()
    print(machine)
    print()
    print(table)
    print(f"\n({seconds:.0f} s)")
    if args.write:
        _write(table, machine, pairs)
        print(f"Wrote the national section of {DOC.relative_to(ROOT)}.")
    return 0


def _table(results: list[Pair], flat, counts: dict, big: str, pairs: int) -> str:
    lines = [
        "| page (signed in as) | p50 | p95 | SQL statements (time) | baseline | baseline p50 "
        "| median of page ÷ baseline |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} ({r.who}) | {ms(p50(r.page))} | {ms(p95(r.page))} | "
            f"{r.queries} ({r.sql_ms:.0f} ms) | {r.base_label} | {ms(p50(r.base))} | "
            f"{r.ratio:.2f}x |"
        )
    lines += [
        "",
        f"Flatness: each page for {big} ({counts.get(big, 0):,} LEAs) beside the same page for a "
        "small state, each signed in as that state's administrator, in interleaved pairs.",
        "",
        f"| page | {big} p50 | {big} p95 | small state | small p50 | small p95 "
        f"| median of {big} ÷ small | statements ({big} / small) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, other, r, other_queries in flat:
        lines.append(
            f"| {kind} | {ms(p50(r.page))} | {ms(p95(r.page))} | {other} "
            f"({counts.get(other, 0):,} LEAs) | {ms(p50(r.base))} | {ms(p95(r.base))} | "
            f"{r.ratio:.2f}x | {r.queries} / {other_queries} |"
        )
    return "\n".join(lines)


def _machine(load_start, load_end) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        server = subprocess.run(
            ["psql", *make_national.PG, "-d", make_national.DB_NAME, "-tAc", "SHOW server_version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        server = "?"
    return (
        f"Measured {date.today().isoformat()} on {os.cpu_count()} CPUs ({cpu}), "
        f"Linux {platform.release()}, PostgreSQL {server}, Python {platform.python_version()}; "
        f"load average {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f} at the "
        f"start, {load_end[0]:.2f} / {load_end[1]:.2f} / {load_end[2]:.2f} at the end."
    )


def _write(table: str, machine: str, pairs: int) -> None:
    section = f"""{HEADING}

Dashboards and lists over the whole country (issue 13): 51 states, 19,400 LEAs, three
cycles each, 40,805 assessments and about 1.96 million answers, built by
`bench/make_national.py` in its own database `cbe_bench_national` (reused while the
migrations, frameworks, scoring modules and generator are unchanged).

Script: `bench/bench_national.py` (`make bench` runs it). In-process, through the full
middleware stack over https with DEBUG off, signed in with `force_login`. Each page is
measured in {pairs} interleaved pairs with its baseline after a warm-up, and the ratio
is the median of the pairwise ratios. Baselines, run with a raw cursor: the naive
`AVG(rating)` GROUP BY over the raw answers, LEA x domain for the state's cycle (state
pages) or state x domain over every state's latest cycle (national pages).

The dashboards keep each view they draw while its figures stay unchanged
(`cbe_portal.figures.figures_view`, for at most `FIGURES_PAGE_SECONDS`): the body, with
what the view looked up to draw it (the state and its cycles), and the page around the
body for each viewer (`cbe_portal.frames`); sessions are read from the cache
(`cbe_portal.sessions`). So a plain row, a view of an unchanged page as most views are,
reads only the signed-in user from the database. A row marked "drawn afresh" forgets the
kept views before each view, as on the first view after a save moved the page's figures.

```sh
.venv/bin/python bench/bench_national.py            # builds the data set if needed
.venv/bin/python bench/bench_national.py --quick    # 5 pairs, fewer exports
```

{machine}

{table}
"""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = text.find(f"\n{HEADING}\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        after = text.find("\n## ", start + len(HEADING) + 2)
        rest = text[after:] if after != -1 else ""
        text = text[: start + 1] + section + rest
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
