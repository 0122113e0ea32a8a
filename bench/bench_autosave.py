"""Autosave latency: 50 concurrent clients saving answers against gunicorn on PostgreSQL.

What it does, from scratch each run:

1. (re)creates the database `cbe_bench_autosave` on the local PostgreSQL server
   (`dropdb`/`createdb -h 127.0.0.1 -U postgres`), migrates it and loads cbe-v1;
2. creates one state, one open cycle and, per client, an LEA, a state staff user and a
   draft assessment assigned to them (one person per LEA, as in real use; with
   `--shared N` every N clients work on the same assessment and conflicts happen);
3. starts gunicorn (gthread) on a free port with DATABASE_URL pointing at that database;
4. signs every client in through the login page (its own session and CSRF cookie);
5. lets every client save answers as fast as the server answers them for `--seconds`
   (a random indicator, level and evidence note each time, with the version the last
   response gave, exactly like assessment.js), then prints latency percentiles and
   throughput.

Run:  .venv/bin/python bench/bench_autosave.py [--clients 50] [--seconds 20]
The clients, gunicorn and PostgreSQL share the machine, so the figures are a floor for
what a separate database server would give. Paste the printed block into
docs/benchmarks.md under "Autosave".
"""

import argparse
import http.client
import os
import platform
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

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "cbe_bench_autosave"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
PASSWORD = "bench-autosave-2026"  # noqa: S105 - a throwaway database


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--shared", type=int, default=1, help="clients per assessment")
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds each client waits between saves"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured")
    cpus = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=cpus + 1)
    parser.add_argument(
        "--threads", type=int, default=0, help="per worker; default: one per kept-alive client"
    )
    args = parser.parse_args()
    # Every client keeps its connection open (as a browser does); a gthread worker serves
    # its connections with its threads, so fewer threads than connections means queueing.
    args.threads = args.threads or -(-args.clients // args.workers)
    return args


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{nproc} CPUs ({model}), {platform.system()} {platform.release()}"


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
            lea = LEA.objects.create(leaid=f"{9900000 + i:07d}", state=state, name=f"Bench {i}")
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

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
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

    def save_forever(
        self, stop: threading.Event, rng: random.Random, measure: threading.Event, pause: float
    ):
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
            if measure.is_set():
                self.latencies.append(time.perf_counter() - started)
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                self.versions[code] = json.loads(data)["version"]
            elif status == 409:
                self.versions[code] = json.loads(data)["theirs"]["version"]
            if pause:
                stop.wait(pause * rng.uniform(0.5, 1.5))


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
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        AXES_FAILURE_LIMIT="1000",
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    prepare_database(env)
    people = create_data(args.clients, args.shared)

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
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        clients = [Client(port, person) for person in people]
        print(f"Signing in {len(clients)} clients ...", flush=True)
        sign_ins = [threading.Thread(target=c.sign_in) for c in clients]
        for t in sign_ins:
            t.start()
        for t in sign_ins:
            t.join()

        stop, measure = threading.Event(), threading.Event()
        workers = [
            threading.Thread(
                target=c.save_forever, args=(stop, random.Random(i), measure, args.pause)
            )
            for i, c in enumerate(clients)
        ]
        print(f"Warming up for {args.warmup:.0f} s, then saving for {args.seconds:.0f} s ...")
        for t in workers:
            t.start()
        time.sleep(args.warmup)
        measure.set()
        started = time.perf_counter()
        time.sleep(args.seconds)
        stop.set()
        for t in workers:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    latencies = sorted(x for c in clients for x in c.latencies)
    statuses: dict[int, int] = {}
    for c in clients:
        for status, n in c.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    cuts = statistics.quantiles(latencies, n=100)
    ms = 1000
    print()
    print(f"### Autosave, {date.today().isoformat()}")
    print()
    print(f"- Machine: {machine()}; PostgreSQL, gunicorn and the clients on the same host")
    print(
        f"- gunicorn gthread, {args.workers} workers x {args.threads} threads; "
        f"{len(clients)} clients, {args.shared} per assessment, "
        f"{'flat out' if not args.pause else f'about {args.pause:g} s between saves'}, "
        f"{elapsed:.0f} s measured "
        f"after {args.warmup:.0f} s of warm-up"
    )
    print(f"- Saves: {len(latencies)} ({len(latencies) / elapsed:.0f} per second)")
    print(f"- Responses: {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}")
    print(
        f"- Latency: p50 {cuts[49] * ms:.0f} ms, p95 {cuts[94] * ms:.0f} ms, "
        f"p99 {cuts[98] * ms:.0f} ms, max {latencies[-1] * ms:.0f} ms"
    )
    check_scores()


def check_scores():
    """Stored scores must equal a recomputation from the answers after the run."""
    from assessments.models import Assessment
    from assessments.scores import assessment_list_rescore

    differences = assessment_list_rescore(assessments=Assessment.objects.all(), check_only=True)
    print(f"- Stored scores checked against a recomputation: {len(differences)} differences")


if __name__ == "__main__":
    main()
