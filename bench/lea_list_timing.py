"""The LEA list at national scale, measured in-process (django test Client) on PostgreSQL.
Run by hand, not by pytest (speed belongs to the benchmark; fold this into bench/ there):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbe_leaslist \
        EXPLAIN=1 .venv/bin/python bench/lea_list_timing.py

Builds ~19,400 LEAs in 51 states (2,200 in the largest, 10 in the smallest), three
cycles per state (the latest open), ~40,800 assessments, when the database has fewer LEAs;
then prints p50/p95 of 20 requests per case and EXPLAIN ANALYZE of the rows query.

On the national bench data set (bench/make_national.py) it signs in as its users:
`national-admin`, and the state administrators of the largest state and of the smallest
with at least 10 LEAs (California and Nevada). Only read there: never point it at a
database it must not write to while it has fewer LEAs than that, or with migrations to
apply (it migrates and builds). Name cases on the command line to run only those.
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


def measure(client, params, n=REQUESTS):
    client.get(URL, params)  # warm
    times, sql = [], []
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(URL, params)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "sql": statistics.median(sql),
        "queries": len(ctx.captured_queries),
        "rows": response.content.count(b'<th scope="row">'),
        "response": response,
    }


# The page is timed as it is served, without the test environment's template
# instrumentation (it copies every context and costs more than the page itself): what is
# needed of it is read from the HTML.
LAST_LINK = re.compile(r'<a href="([^"]*)" class="usa-pagination__link">\s*<span[^>]*>Last page')


def last_params(response):
    """The query of the list's last page, as the page itself links to it (None: one page)."""
    from django.http import QueryDict

    found = LAST_LINK.search(response.content.decode())
    last = html.unescape(found.group(1)) if found else None
    return dict(QueryDict(last.lstrip("?")).items()) if last else None


def line(label, figures):
    print(
        f"{label:38} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['sql']:8.1f}"
        f" {figures['queries']:8} {figures['rows']:5}",
        flush=True,
    )


def first_and_last(client, label, params):
    first = measure(client, params)
    line(label, first)
    if last := last_params(first["response"]):
        line("  last page", measure(client, last))


def _state_users():
    """(label, user): the administrator and staff of the largest state and of the smallest
    with at least 10 LEAs."""
    from django.db.models import Count

    from accounts.models import Role, User
    from directory.models import State

    states = list(State.objects.annotate(n=Count("leas")).filter(n__gte=10).order_by("-n", "code"))
    for state in (states[0], states[-1]) if states else ():
        for role, word in ((Role.STATE_ADMIN, "admin"), (Role.STATE_STAFF, "staff")):
            user = User.objects.filter(state=state, role=role).order_by("pk").first()
            if user is not None:
                yield f"{state.code} state {word}, {state.n:,} LEAs", user


def main():
    from accounts.models import User
    from directory.models import LEA

    build()
    national = User.objects.filter(username__in=["national-admin", "national"]).first()
    client = Client()
    client.force_login(national)
    cases = [
        ("first page", {}),
        ("?status=draft", {"status": "draft"}),
        ("?q=lake", {"q": "lake"}),
        ("?q=00123 (LEAID)", {"q": "00123"}),
        ("sort=name", {"sort": "name"}),
        ("sort=status", {"sort": "status"}),
        ("sort=-updated", {"sort": "-updated"}),
        ("sort=assignee", {"sort": "assignee"}),
        ("?status=overdue", {"status": "overdue"}),
    ]
    title = f"national admin, {LEA.objects.count():,} LEAs"
    print(f"{title:38} {'p50 ms':>8} {'p95 ms':>8} {'SQL ms':>8} {'queries':>8} {'rows':>5}")
    only = sys.argv[1:]
    for label, params in cases:
        if not only or label in only:
            first_and_last(client, label, params)
    for label, user in _state_users():
        if not only or label in only:
            staff = Client()
            staff.force_login(user)
            first_and_last(staff, label, {})
    if os.environ.get("EXPLAIN"):
        for params in (
            {},
            {"last": "1"},
            {"status": "draft", "last": "1"},
            {"sort": "status", "last": "1"},
            {"sort": "name", "last": "1"},
        ):
            with CaptureQueriesContext(connection) as ctx:
                client.get(URL, params)
            for query in ctx.captured_queries:
                sql = query["sql"]
                if "readiness_lea" not in sql or "readiness_session" in sql:
                    continue
                if not sql.startswith("SELECT") or 'FROM "readiness_lea"' not in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN ANALYZE " + sql)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                kind = "count" if "COUNT(*)" in sql else "rows"
                print(f"\nEXPLAIN ANALYZE, {params}, {kind}:\n{plan}")


if __name__ == "__main__":
    main()
