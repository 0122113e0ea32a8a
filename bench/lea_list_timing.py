"""The LEA list at national scale, measured in-process (django test Client) on PostgreSQL.
Run by hand, not by pytest (speed belongs to the benchmark; fold this into bench/ there):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbe_leaslist \
        EXPLAIN=1 .venv/bin/python bench/lea_list_timing.py

Builds ~19,400 LEAs in 51 states (2,200 in the largest, 10 in the smallest), three
cycles per state (the latest open), ~40,800 assessments, when the database has fewer LEAs;
then prints p50/p95 of 20 requests per case and EXPLAIN ANALYZE of the rows query.

On the national bench data set (bench/make_national.py) it signs in as its users:
`national-admin`, and the administrator and staff of the largest state and of the
smallest with at least 10 LEAs (California and Nevada). Name cases on the command line
to run only those.

Before and after in one run: `--against /path/to/other/checkout` serves the same
requests from that checkout's code in a second process (this script, run there with
--serve) and alternates the two request by request; it prints both sides and the median
of the pairwise ratios (this code / the other). It does not build or migrate then, so
it only reads the database; a plain run migrates and, below 19,400 LEAs, builds.
"""

import html
import os
import random
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(os.environ.get("CBE_ROOT", Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbe_portal.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

N_LEAS = 19_400
REQUESTS = int(os.environ.get("N", "20"))  # per case; p50 and p95 of these
URL = reverse("readiness:lea_list")


def build():
    from accounts.models import Role, User
    from assessments.models import Assessment, AssessmentCycle
    from directory.models import LEA, Locale, State
    from frameworks.models import FrameworkVersion
    from frameworks.services import framework_load

    call_command("migrate", verbosity=0)
    if LEA.objects.count() >= N_LEAS:
        return
    rng = random.Random(13)
    framework = FrameworkVersion.objects.first()
    if framework is None:
        framework, _ = framework_load(path=ROOT / "frameworks" / "cbe-v2.yaml")
    states = State.objects.bulk_create(
        [
            State(
                code=f"{chr(65 + i // 26)}{chr(65 + i % 26)}",
                fips=f"{i:02d}",
                name=f"State {i:02d}",
            )
            for i in range(51)
        ]
    )
    # The largest state has 2,200 LEAs, the smallest 10, the rest share what is left.
    sizes = [2200, 10] + [(N_LEAS - 2210) // 49] * 49
    sizes[-1] += N_LEAS - sum(sizes)
    locales = [c for c, _ in Locale.choices if c]
    leas = []
    n = 0
    for state, size in zip(states, sizes, strict=True):
        for i in range(size):
            n += 1
            leas.append(
                LEA(
                    leaid=f"{n:07d}",
                    state=state,
                    state_code=state.code,
                    name=f"{rng.choice(['North', 'South', 'East', 'West', 'Lake', 'Hill'])} "
                    f"{rng.choice(['Valley', 'River', 'County', 'City', 'Union'])} District {i}",
                    locale=rng.choice(locales),
                )
            )
    leas = LEA.objects.bulk_create(leas, batch_size=2000)
    users = []
    for state in states:
        users.append(User(username=f"admin-{state.code}", role=Role.STATE_ADMIN, state=state))
        users += [
            User(
                username=f"staff-{state.code}-{k}",
                role=Role.STATE_STAFF,
                state=state,
                first_name=f"Pat{k}",
                last_name=f"Staff{state.code}",
            )
            for k in range(5)
        ]
    users.append(User(username="national", role=Role.NATIONAL_ADMIN))
    User.objects.bulk_create(users)
    staff = {}
    for user in User.objects.filter(role=Role.STATE_STAFF):
        staff.setdefault(user.state_id, []).append(user.pk)
    cycles = {}
    for state in states:
        for k, (year, share) in enumerate([(2023, 0.6), (2024, 0.8), (2025, 0.7)]):
            cycles[(state.pk, k)] = (
                AssessmentCycle(
                    state=state,
                    name=f"{year}-{year - 1999}",
                    starts_on=date(year, 8, 1),
                    ends_on=date(year + 1, 6, 30),
                    framework=framework,
                    is_open=k == 2,
                    assessments_due_on=date(year + 1, 3, 1),
                    reviews_due_on=date(year + 1, 5, 1),
                ),
                share,
            )
    AssessmentCycle.objects.bulk_create([c for c, _ in cycles.values()])
    statuses = ["draft", "draft", "submitted", "returned", "accepted"]
    rows = []
    for lea in leas:
        for k in range(3):
            cycle, share = cycles[(lea.state_id, k)]
            if rng.random() >= share:
                continue
            status = rng.choice(statuses) if k == 2 else "accepted"
            rows.append(
                Assessment(
                    lea=lea,
                    cycle=cycle,
                    status=status,
                    answered_count=rng.randint(0, 48) if status == "draft" else 48,
                    assignee_id=rng.choice(staff[lea.state_id]) if rng.random() < 0.5 else None,
                )
            )
    Assessment.objects.bulk_create(rows, batch_size=5000)
    # Spread the change times over a year so "Last change" sorts mean something.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE readiness_assessment SET updated_at = now() - (id % 365) * interval '1 day'"
        )
        cursor.execute("ANALYZE")
    print(f"built {len(leas)} LEAs, {len(rows)} assessments", flush=True)


class Local:
    """Requests answered by this process's code (the test client, signed in per user)."""

    def __init__(self):
        self.clients = {}

    def get(self, username: str, url: str) -> dict:
        from accounts.models import User

        if username not in self.clients:
            self.clients[username] = Client()
            self.clients[username].force_login(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = self.clients[username].get(url)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return {
            "ms": elapsed,
            "sql": sum(float(q["time"]) for q in ctx.captured_queries) * 1000,
            "queries": len(ctx.captured_queries),
            "rows": response.content.count(b'<th scope="row">'),
            "html": response.content.decode(),
        }


class Remote:
    """Requests answered by another checkout's code: this script run there with --serve,
    one request per line, so that both sides are timed alike, in process."""

    def __init__(self, root: str):
        import subprocess

        env = dict(os.environ, CBE_ROOT=root)
        # From its own directory: importing Celery puts the working directory on sys.path.
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve"],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def get(self, username: str, url: str) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"{username} {url}\n")
        self.process.stdin.flush()
        ms, sql, queries, rows = self.process.stdout.readline().split()
        return {"ms": float(ms), "sql": float(sql), "queries": int(queries), "rows": int(rows)}

    def close(self):
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait()


def serve():
    """The --serve side of a pair: "username url" in, "ms sql queries rows" out."""
    local = Local()
    for request in sys.stdin:
        got = local.get(*request.split())
        print(f"{got['ms']:.3f} {got['sql']:.3f} {got['queries']} {got['rows']}", flush=True)


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))]


def measure(side, username: str, url: str, n: int = REQUESTS) -> dict:
    side.get(username, url)  # warm
    got = [side.get(username, url) for _ in range(n)]
    times = [g["ms"] for g in got]
    return {
        "p50": statistics.median(times),
        "p95": _p95(times),
        "sql": statistics.median(g["sql"] for g in got),
        "queries": got[-1]["queries"],
        "rows": got[-1]["rows"],
        "html": got[-1].get("html", ""),
    }


def measure_pairs(local, other, username: str, url: str, n: int = REQUESTS) -> tuple:
    """This code and the other side's, request by request in turn (each goes first every
    other time); each side's figures and the median of the pairwise ratios this/other."""
    for _ in range(2):
        other.get(username, url)
        local.get(username, url)
    ours, theirs = [], []
    for i in range(n):
        for side, into in ((other, theirs), (local, ours))[:: 1 if i % 2 else -1]:
            into.append(side.get(username, url))

    def figures(got):
        times = [g["ms"] for g in got]
        return {
            "p50": statistics.median(times),
            "p95": _p95(times),
            "sql": statistics.median(g["sql"] for g in got),
            "queries": got[-1]["queries"],
            "rows": got[-1]["rows"],
        }

    ratio = statistics.median(a["ms"] / b["ms"] for a, b in zip(ours, theirs, strict=True))
    return figures(ours), figures(theirs), ratio, ours[-1]["html"]


# The page is timed as it is served, without the test environment's template
# instrumentation (it copies every context and costs more than the page itself): what is
# needed of it is read from the HTML.
LAST_LINK = re.compile(r'<a href="([^"]*)" class="usa-pagination__link">\s*<span[^>]*>Last page')


def last_url(page_html: str) -> str | None:
    """The list's last page, as the page itself links to it (None: one page only)."""
    found = LAST_LINK.search(page_html)
    return URL + html.unescape(found.group(1)) if found else None


def _state_users():
    """(label, username): the administrator and staff of the largest state and of the
    smallest with at least 10 LEAs."""
    from django.db.models import Count

    from accounts.models import Role, User
    from directory.models import State

    states = list(State.objects.annotate(n=Count("leas")).filter(n__gte=10).order_by("-n", "code"))
    for state in (states[0], states[-1]) if states else ():
        for role, word in ((Role.STATE_ADMIN, "admin"), (Role.STATE_STAFF, "staff")):
            user = User.objects.filter(state=state, role=role).order_by("pk").first()
            if user is not None:
                yield f"{state.code} state {word}, {state.n:,} LEAs", user.username


def _cases():
    """(label, username, query) of every case: the national administrator's pages, then
    the state users'."""
    from django.http import QueryDict

    from accounts.models import User
    from directory.models import LEA

    national = User.objects.filter(username__in=["national-admin", "national"]).first()
    assert national is not None, "no national administrator to sign in as"
    some_leaid = LEA.objects.order_by("leaid").values_list("leaid", flat=True).first() or "00"
    for label, params in (
        ("first page", {}),
        ("?status=draft", {"status": "draft"}),
        ("?status=none", {"status": "none"}),
        ("?status=overdue", {"status": "overdue"}),
        ("?q=lake", {"q": "lake"}),
        ("?q=<LEAID start>", {"q": some_leaid[:4]}),
        ("?locale=rural", {"locale": "rural"}),
        ("sort=name", {"sort": "name"}),
        ("sort=status", {"sort": "status"}),
        ("sort=-updated", {"sort": "-updated"}),
        ("sort=assignee", {"sort": "assignee"}),
    ):
        query = QueryDict(mutable=True)
        query.update(params)
        yield label, national.username, f"{URL}?{query.urlencode()}" if params else URL
    for label, username in _state_users():
        yield label, username, URL


def main():
    from directory.models import LEA

    if "--serve" in sys.argv:
        return serve()
    args = sys.argv[1:]
    against = None
    if "--against" in args:
        at = args.index("--against")
        against = args[at + 1]
        del args[at : at + 2]
    else:
        build()
    local = Local()
    other = Remote(against) if against else None
    title = f"{LEA.objects.count():,} LEAs"
    if other:
        print(f"Interleaved with {against}: this code, then the other's, and their ratio")
        print(
            f"{title:34} {'p50 ms':>7} {'p95 ms':>7} {'SQL ms':>7} {'queries':>7} {'rows':>5}"
            f" | {'p50 ms':>7} {'p95 ms':>7} {'SQL ms':>7} {'queries':>7} | ratio  load"
        )
    else:
        print(f"{title:34} {'p50 ms':>7} {'p95 ms':>7} {'SQL ms':>7} {'queries':>7} {'rows':>5}")

    def line(label, ours, theirs=None, ratio=None):
        text = (
            f"{label:34} {ours['p50']:7.1f} {ours['p95']:7.1f} {ours['sql']:7.1f}"
            f" {ours['queries']:7} {ours['rows']:5}"
        )
        if theirs is not None:
            text += (
                f" | {theirs['p50']:7.1f} {theirs['p95']:7.1f} {theirs['sql']:7.1f}"
                f" {theirs['queries']:7} | {ratio:5.2f}  {os.getloadavg()[0]:.1f}"
            )
        print(text, flush=True)

    def page(label, username, url) -> str:
        """Measure one page; its HTML."""
        if other:
            ours, theirs, ratio, page_html = measure_pairs(local, other, username, url)
            line(label, ours, theirs, ratio)
            return page_html
        ours = measure(local, username, url)
        line(label, ours)
        return ours["html"]

    for label, username, url in _cases():
        if args and label not in args:
            continue
        if last := last_url(page(label, username, url)):
            page("  last page", username, last)
    if other:
        other.close()
    if os.environ.get("EXPLAIN"):
        explain(local, next(_cases())[1])


def explain(local, username: str):
    """EXPLAIN ANALYZE of the national administrator's rows and count queries."""
    for params in ("", "?last=1", "?status=draft&last=1", "?sort=status&last=1"):
        with CaptureQueriesContext(connection) as ctx:
            local.get(username, URL + params)
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or 'FROM "readiness_lea"' not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            kind = "count" if "COUNT(*)" in sql else "rows"
            print(f"\nEXPLAIN ANALYZE, {params or 'first page'}, {kind}:\n{plan}")


if __name__ == "__main__":
    main()
