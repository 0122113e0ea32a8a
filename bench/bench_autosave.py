"""Autosave latency on gunicorn + PostgreSQL, beside a ping that touches no database.

What it does, from scratch each run:

1. (re)creates the database `cbe_bench_autosave` on the local PostgreSQL server
   (`dropdb`/`createdb -h 127.0.0.1 -U postgres`), migrates it and loads cbe-v1;
2. creates one state, one open cycle and, per client, an LEA, a state staff user and a
   draft assessment assigned to them (one person per LEA, as in real use; with
   `--shared N` every N clients work on the same assessment and conflicts happen);
3. counts the SQL statements of one save in this process (Django's test client and
   CaptureQueriesContext, session warmed first, as a browser's is);
4. starts gunicorn (gthread) on a free port with DATABASE_URL pointing at that database
   and signs every client in through the login page (its own session and CSRF cookie);
5. for each number of clients (1, 20, 50), in interleaved windows of `--window` seconds
   (ping, save, ping, save ... `--pairs` pairs): every client either pings `/ping/`
   (no cookies, no database) or saves answers as fast as the server answers (a random
   indicator, level and evidence note each time, with the version the last response
   gave, exactly like assessment.js); prints p50/p95 of both and the median of the
   pairwise ratios (save window ÷ the ping window just before it);
6. checks that every assessment's stored scores equal a recomputation.

Run:  .venv/bin/python bench/bench_autosave.py [--clients 1,20,50] [--pairs 6] [--window 3]
      .venv/bin/python bench/bench_autosave.py --quick        # 1 and 5 clients, short
Add --write to replace the "## Autosave" section of docs/benchmarks.md.
The clients, gunicorn and PostgreSQL share the machine, so the figures are a floor for
what a separate database server would give.
"""

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date
from pathlib import Path

from pairs import load_average, ms, pair_summary, run_line, write_section

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "cbe_bench_autosave"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
PASSWORD = "bench-autosave-2026"  # noqa: S105 - a throwaway database


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,20,50", help="client counts, comma-separated")
    parser.add_argument("--pairs", type=int, default=6, help="ping/save window pairs")
    parser.add_argument("--window", type=float, default=3.0, help="seconds per window")
    parser.add_argument("--quick", action="store_true", help="1 and 5 clients, 3 pairs of 1 s")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--shared", type=int, default=1, help="clients per assessment")
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds each client waits between saves"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not measured")
    cpus = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=cpus + 1)
    parser.add_argument(
        "--threads", type=int, default=0, help="per worker; default: one per kept-alive client"
    )
    args = parser.parse_args()
    if args.quick:
        args.clients, args.pairs, args.window, args.warmup = "1,5", 3, 1.0, 1.0
    args.counts = [int(n) for n in args.clients.split(",")]
    # Every client keeps its connection open (as a browser does); a gthread worker serves
    # its connections with its threads, so fewer threads than connections means queueing.
    args.threads = args.threads or -(-max(args.counts) // args.workers)
    return args


def run(cmd, env=None):
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(env) -> None:
    print(f"Creating database {DB_NAME} ...", flush=True)
    run(["dropdb", *PG, "--if-exists", DB_NAME])
    run(["createdb", *PG, DB_NAME])
    run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env)
    run([sys.executable, "manage.py", "load_framework", "frameworks/cbe-v1.yaml"], env=env)


def create_data(clients: int, shared: int) -> list[dict]:
    """One LEA and assessment per `shared` clients; a staff user per client."""
    import django

    django.setup()
    from accounts.models import Role, User
    from assessments.models import Assessment, AssessmentCycle
    from directory.models import LEA, State
    from frameworks.models import FrameworkVersion

    framework = FrameworkVersion.objects.get(code="cbe", version=1)
    codes = list(framework.spec.indicator_codes)
    state = State.objects.create(code="BZ", fips="99", name="Benchmark State")
    cycle = AssessmentCycle.objects.create(
        state=state,
        name="2026-27",
        starts_on=date(2026, 8, 1),
        ends_on=date(2027, 6, 30),
        framework=framework,
    )
    from django.contrib.auth.hashers import make_password

    password = make_password(PASSWORD)
    people = []
    assessments = []
    for i in range(clients):
        user = User.objects.create(
            username=f"bench{i:03d}", role=Role.STATE_STAFF, state=state, password=password
        )
        if i % shared == 0:
            lea = LEA.objects.create(
                leaid=f"{9900000 + i:07d}", state=state, state_code=state.code, name=f"Bench {i}"
            )
            assessments.append(Assessment.objects.create(lea=lea, cycle=cycle, assignee=user))
        people.append({"username": user.username, "assessment": assessments[-1].pk, "codes": codes})
    return people


class Client:
    """One browser: its own keep-alive connection, session and CSRF cookies."""

    def __init__(self, port: int, person: dict):
        self.port = port
        self.person = person
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}

    def request(self, method, path, body=None, headers=None, cookies=True):
        headers = dict(headers or {})
        if self.cookies and cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        if cookies:
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def sign_in(self):
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {
                "username": self.person["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.decode(),
            }
        )
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.person['username']} could not sign in ({status})")

    def ping_until(self, stop: threading.Event, window: "Window", rng, pause: float):
        """GET /ping/ without cookies (no session, no database) until told to stop."""
        while not stop.is_set():
            started = time.perf_counter()
            status, _ = self.request("GET", "/ping/", cookies=False)
            window.record(time.perf_counter() - started, status)
            if pause:
                stop.wait(pause * rng.uniform(0.5, 1.5))

    def save_until(self, stop: threading.Event, window: "Window", rng, pause: float):
        """Save answers, as assessment.js does, until told to stop."""
        import json

        pk = self.person["assessment"]
        while not stop.is_set():
            code = rng.choice(self.person["codes"])
            choice = rng.choice(["1", "2", "3", "4", "dont_know"])
            words = rng.randint(0, 60)
            note = " ".join(rng.choice(["devices", "survey", "plan", "data"]) for _ in range(words))
            body = urllib.parse.urlencode(
                {"choice": choice, "evidence": note, "version": self.versions.get(code, 0)}
            )
            started = time.perf_counter()
            status, data = self.request(
                "POST",
                f"/assessments/{pk}/answers/{code}/",
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-CSRFToken": self.cookies.get("csrftoken", ""),
                    "Accept": "application/json",
                },
            )
            window.record(time.perf_counter() - started, status)
            if status == 200:
                self.versions[code] = json.loads(data)["version"]
            elif status == 409:
                self.versions[code] = json.loads(data)["theirs"]["version"]
            if pause:
                stop.wait(pause * rng.uniform(0.5, 1.5))


class Window:
    """The latencies and statuses of one window of pings or saves."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}

    def record(self, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def quantile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


def run_window(clients, kind: str, seconds: float, pause: float, seed: int) -> Window:
    """Every client pings or saves for `seconds`; a request still under way at the end is
    finished and counted (so each window holds only whole requests)."""
    window, stop = Window(), threading.Event()
    threads = [
        threading.Thread(
            target=getattr(c, f"{kind}_until"), args=(stop, window, random.Random(seed + i), pause)
        )
        for i, c in enumerate(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    window.seconds = time.perf_counter() - started
    return window


def pooled(windows: list[Window]) -> Window:
    result = Window()
    for w in windows:
        result.latencies.extend(w.latencies)
        for status, n in w.statuses.items():
            result.statuses[status] = result.statuses.get(status, 0) + n
    result.seconds = sum(w.seconds for w in windows)
    return result


def statements_per_save(person: dict, saves: int = 20) -> dict:
    """SQL statements of one save, counted in this process with the test client."""
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = TestClient()
    client.force_login(User.objects.get(username=person["username"]))
    client.get("/")  # the session's activity time is written on its first request
    rng = random.Random(3)
    versions: dict[str, int] = {}
    counts, statements, walls = [], [], []
    for _ in range(saves):
        code = rng.choice(person["codes"])
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                f"/assessments/{person['assessment']}/answers/{code}/",
                {"choice": rng.choice(["1", "2", "3", "4"]), "version": versions.get(code, 0)},
                HTTP_ACCEPT="application/json",
            )
        if response.status_code != 200:
            raise RuntimeError(f"in-process save answered {response.status_code}")
        walls.append(time.perf_counter() - started)
        versions[code] = response.json()["version"]
        counts.append(len(captured))
        statements = [q["sql"].split()[0] for q in captured.captured_queries]
    return {
        "max": max(counts),
        "median": statistics.median(counts),
        "last": statements,
        "wall": statistics.median(walls),
    }


def measure_count(clients, args, seed: int) -> dict:
    """Warm up, then `args.pairs` pairs of windows: ping, save, ping, save ..."""
    run_window(clients, "save", args.warmup, args.pause, seed)
    pings, saves = [], []
    loads = [load_average()]
    for i in range(args.pairs):
        pings.append(run_window(clients, "ping", args.window, args.pause, seed + 1000 * i))
        saves.append(run_window(clients, "save", args.window, args.pause, seed + 1000 * i + 500))
    loads.append(load_average())
    return {
        "pings": pooled(pings),
        "saves": pooled(saves),
        "p50": pair_summary([w.quantile(50) for w in saves], [w.quantile(50) for w in pings]),
        "p95": pair_summary([w.quantile(95) for w in saves], [w.quantile(95) for w in pings]),
        "loads": loads,
    }


def start_server(env, args) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cbe_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return server, port


def main():
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="cbe-bench-"))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        CBE_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="cbe_portal.settings",
        SECRET_KEY="bench-only-" + "x" * 40,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="ERROR",  # a 409 is logged as a warning; the table counts them
        AXES_FAILURE_LIMIT="1000",
        # Plain http on this machine, as `make run` serves it.
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    prepare_database(env)
    # One more person than clients: the in-process count saves on an assessment of its own.
    *people, counted = create_data(max(args.counts) + args.shared, args.shared)
    people = people[: max(args.counts)]
    sql = statements_per_save(counted)

    server, port = start_server(env, args)
    results = {}
    try:
        clients = [Client(port, person) for person in people]
        print(f"Signing in {len(clients)} clients ...", flush=True)
        sign_ins = [threading.Thread(target=c.sign_in) for c in clients]
        for t in sign_ins:
            t.start()
        for t in sign_ins:
            t.join()
        for n in args.counts:
            print(
                f"{n} clients: {args.pairs} pairs of {args.window:g} s windows (ping, save) ...",
                flush=True,
            )
            results[n] = measure_count(clients[:n], args, seed=n)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    differences = check_scores()
    block = report(args, results, sql, differences)
    print()
    print(block)
    if args.write:
        write_section("Autosave", DOC_INTRO + "\n" + block + "\n" + DOC_READING)


def report(args, results, sql, differences) -> str:
    pace = "flat out" if not args.pause else f"about {args.pause:g} s between requests"
    lines = [
        f"{run_line()} · PostgreSQL, gunicorn and the clients on this one machine · "
        f"gunicorn gthread, {args.workers} workers × {args.threads} threads · "
        f"each client {pace}, {args.shared} per assessment · {args.pairs} pairs of "
        f"{args.window:g} s windows per row (ping, save, ping, save ...) after "
        f"{args.warmup:g} s of saves not measured",
        "",
        "| clients | saves (per s) | save p50 | save p95 | ping p50 | ping p95 "
        "| save ÷ ping p50, median of pairs (range) | p95, median of pairs (range) "
        "| save responses | load average before → after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in results.items():
        saves, pings = r["saves"], r["pings"]
        p50, p95 = r["p50"], r["p95"]
        lines.append(
            f"| {n} | {len(saves.latencies):,} ({len(saves.latencies) / saves.seconds:.0f}) "
            f"| {ms(saves.quantile(50))} | **{ms(saves.quantile(95))}** "
            f"| {ms(pings.quantile(50))} | {ms(pings.quantile(95))} "
            f"| **{p50['ratio']:.1f}×** ({p50['ratio_range'][0]:.1f}–{p50['ratio_range'][1]:.1f}) "
            f"| **{p95['ratio']:.1f}×** ({p95['ratio_range'][0]:.1f}–{p95['ratio_range'][1]:.1f}) "
            f"| {', '.join(f'{k}: {v:,}' for k, v in sorted(saves.statuses.items()))} "
            f"| {r['loads'][0]} → {r['loads'][1]} |"
        )
    lines += [
        "",
        f"SQL statements per save (in-process, session warm): **{sql['max']}** at most, "
        f"median {sql['median']:g} (target ≤ 8): {', '.join(sql['last'])}; "
        f"median wall of one save in-process, no other client: {ms(sql['wall'])}.",
        f"Stored scores checked against a recomputation after the run: {differences} differences.",
    ]
    return "\n".join(lines)


DOC_INTRO = """
What a save costs when many people answer needs assessments at once: one answer posted
to `/assessments/<id>/answers/<indicator>/` (what `static/js/assessment.js` sends after a
radio change or a pause in typing), through gunicorn, Django and PostgreSQL, beside
`/ping/`, a view that answers "ok" without touching the database, served by the same
gunicorn to the same clients in interleaved windows.

Script: `bench/bench_autosave.py` (`--quick` for a short run, `--write` to replace this
section). It recreates the database `cbe_bench_autosave`, loads cbe-v1, creates a state
staff account and a draft assessment per client, starts gunicorn (gthread, one thread
per kept-alive client) with `DATABASE_URL` set and signs every client in through the
login page. For each number of clients it alternates windows of pings (no cookies) and
of saves (a random indicator, level and evidence note, with the answer version the
previous response returned, just as the page does); each row's ratios are the median of
the pairwise ratios save window ÷ the ping window just before it.

Per save the application sends, besides the session and user lookups: one scoped query
for the assessment (the framework document is kept in memory per version and content
hash), then in one transaction an insert-or-update of the answer that only applies at
the version the client started from, the history row, and one UPDATE of the assessment
storing the new scores, guarded by its version and status.
"""

DOC_READING = """
Reading the figures: with one client the ratio is what a save's work (the session, the
scoped assessment, the answer, its history row and the rescoring, in one transaction)
costs beside a request that does nothing. With 20 and 50 clients flat out the two CPUs
are saturated by the clients, gunicorn and PostgreSQL together, so both latencies are
mostly queueing and the ratio says how much more CPU a save takes than a ping. The load
average column shows how much else the machine was doing.
"""


def check_scores() -> int:
    """Stored scores must equal a recomputation from the answers after the run."""
    from assessments.models import Assessment
    from assessments.scores import assessment_list_rescore

    return len(assessment_list_rescore(assessments=Assessment.objects.all(), check_only=True))


if __name__ == "__main__":
    main()
