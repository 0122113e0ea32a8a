"""Readiness PDFs: render cost per page, queries, job overhead, and a batch on real workers.

What it does, from scratch each run:

1. creates its own database (PostgreSQL `cbe_bench_reports` when PostgreSQL answers on
   127.0.0.1:5432, else SQLite in a temporary folder), migrates it, loads cbe-v1, and
   seeds one state with `--leas` LEAs, each assessed on all 48 indicators in two cycles
   (random ratings around a per-LEA level, evidence notes on about 40% of answers),
   scored, with a policy profile;
2. single render, in this process, the way a warm worker renders: the median CPU time of
   a bare one-page WeasyPrint render (`HTML(string=...).write_pdf()`) and of the LEA
   report for a sample of LEAs, per page, and their ratio; the SQL queries and time to
   gather one report's data;
3. job overhead: `report_render_job` end to end (claim, gather, hash, progress updates,
   storage) minus its render, plus the cost of handing one job to the broker;
4. batch: starts `celery worker --concurrency=--workers` on the configured broker (Redis
   db 14 on 127.0.0.1:6379 when it answers, else the file-system broker), queues every
   LEA with `report_batch_request`, polls the batch's progress every second until all
   are done, and compares the wall time with (total single-render CPU / workers); the
   total is the mean render CPU of the sample times the number of LEAs. Samples each
   worker process's resident memory (RSS) throughout.

Run:  .venv/bin/python bench/bench_reports.py [--leas 200] [--workers 2] [--samples 20]
Add --write to put the figures (with date and machine) into docs/benchmarks-reports.md.
Everything (database, broker, workers) shares the machine, so the figures are a floor.
"""

import argparse
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "cbe_bench_reports"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
BARE_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bare</title></head>'
    "<body><h1>A bare page</h1><p>One paragraph of text, to compare with.</p></body></html>"
)
DOC = ROOT / "docs" / "benchmarks-reports.md"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leas", type=int, default=200, help="LEAs in the batch")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--samples", type=int, default=20, help="single renders measured")
    parser.add_argument("--database", choices=["auto", "postgres", "sqlite"], default="auto")
    parser.add_argument("--broker", choices=["auto", "redis", "filesystem"], default="auto")
    parser.add_argument("--write", action="store_true", help="update " + str(DOC))
    return parser.parse_args()


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
    except OSError:
        return False
    return True


def configure(args, folder: Path) -> dict:
    """Environment for this process and the workers: database, broker, media."""
    env = {"CBE_VAR_DIR": str(folder), "MEDIA_ROOT": str(folder / "media"), "LOG_LEVEL": "WARNING"}
    use_pg = args.database == "postgres" or (
        args.database == "auto" and shutil.which("createdb") and _port_open(5432)
    )
    if use_pg:
        subprocess.run(["dropdb", *PG, "--if-exists", DB_NAME], check=True, capture_output=True)
        subprocess.run(["createdb", *PG, DB_NAME], check=True, capture_output=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    use_redis = args.broker == "redis" or (args.broker == "auto" and _port_open(6379))
    if use_redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbe_portal.settings")
    return env


def seed(n: int) -> dict:
    """One state, two cycles, n LEAs assessed and scored in both, a policy profile."""
    import datetime

    from assessments.models import Answer, Assessment, AssessmentCycle
    from assessments.scores import assessment_list_rescore
    from directory.models import LEA, Locale, State
    from frameworks.models import Indicator, Lever
    from frameworks.services import framework_load
    from policies.models import LeverStatus, StatePolicyProfile

    rng = random.Random("cbe-bench-reports")
    framework, _ = framework_load(path=ROOT / "frameworks" / "cbe-v1.yaml")
    state = State.objects.create(code="BN", name="Benchland")
    cycles = [
        AssessmentCycle.objects.create(
            state=state,
            name=name,
            starts_on=datetime.date(year, 8, 1),
            ends_on=datetime.date(year + 1, 6, 30),
            framework=framework,
            is_open=year == 2026,
        )
        for name, year in (("2025-26", 2025), ("2026-27", 2026))
    ]
    locales = [Locale.CITY, Locale.SUBURB, Locale.TOWN, Locale.RURAL]
    places = ["North", "South", "East", "West", "Upper", "Lower", "Lake", "River", "Pine", "Oak"]
    kinds = ["School District", "Public Schools", "Community Schools", "Regional School District"]
    leas = LEA.objects.bulk_create(
        LEA(
            leaid=f"{8000000 + i:07d}",
            state=state,
            name=f"{rng.choice(places)} {rng.choice(places)}ton {rng.choice(kinds)} {i}",
            locale=locales[i % 4],
            enrollment=rng.randint(80, 40000),
            school_count=rng.randint(1, 60),
        )
        for i in range(n)
    )
    indicators = list(Indicator.objects.filter(framework=framework).order_by("position"))
    words = [
        "staff",
        "survey",
        "shows",
        "most",
        "classrooms",
        "use",
        "the",
        "platform",
        "weekly",
        "while",
        "some",
        "schools",
        "still",
        "rely",
        "on",
        "paper",
        "plans",
        "and",
        "the",
        "board",
        "asked",
        "for",
        "a",
        "timeline",
        "next",
        "year",
    ]
    for c, cycle in enumerate(cycles):
        assessments = Assessment.objects.bulk_create(
            Assessment(lea=lea, cycle=cycle, status="accepted" if c == 0 else "submitted")
            for lea in leas
        )
        answers = []
        for assessment in assessments:
            level = rng.uniform(1.3, 3.7) + c * 0.2
            for indicator in indicators:
                rating = min(4, max(1, round(rng.gauss(level, 0.8))))
                note = ""
                if rng.random() < 0.4:
                    note = " ".join(rng.choices(words, k=rng.randint(5, 30))).capitalize() + "."
                answers.append(
                    Answer(assessment=assessment, indicator=indicator, rating=rating, evidence=note)
                )
        Answer.objects.bulk_create(answers, batch_size=5000)
        assessment_list_rescore(assessments=Assessment.objects.filter(cycle=cycle))
        profile = StatePolicyProfile.objects.create(state=state, cycle=cycle)
        statuses = ["none", "exploring", "enacted", "statewide"]
        LeverStatus.objects.bulk_create(
            LeverStatus(
                profile=profile,
                lever=lever,
                status=(status := rng.choice(statuses)),
                citation=""
                if status in ("none", "exploring")
                else f"RSA 193-C:{rng.randint(1, 9)}",
            )
            for lever in Lever.objects.filter(framework=framework)
        )
    return {"state": state, "cycle": cycles[1], "leas": leas}


def cpu_of(fn):
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def single_renders(world, samples: int) -> dict:
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from weasyprint import HTML

    from reports.rendering import lea_report_pdf
    from reports.selectors import assessment_for_report, lea_report_context

    rng = random.Random(7)
    sample = rng.sample(world["leas"], min(samples, len(world["leas"])))
    cycle = world["cycle"]
    today = datetime.date.today()

    def gather(lea):
        assessment = assessment_for_report(lea_id=lea.id, cycle_id=cycle.id)
        return lea_report_context(assessment=assessment)

    # Warm up the process as a worker would be: templates, fonts, stylesheet.
    for lea in sample[:2]:
        lea_report_pdf(context=gather(lea), prepared_on=today)
        HTML(string=BARE_PAGE).write_pdf()

    bare = [cpu_of(lambda: HTML(string=BARE_PAGE).write_pdf())[0] for _ in range(samples)]
    renders, per_page, pages, gathers, queries = [], [], [], [], []
    for lea in sample:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            context = gather(lea)
            gathers.append(time.perf_counter() - started)
        queries.append(len(captured))
        cpu, pdf = cpu_of(
            lambda context=context: lea_report_pdf(context=context, prepared_on=today)
        )
        renders.append(cpu)
        pages.append(pdf.pages)
        per_page.append(cpu / pdf.pages)
    bare_median = statistics.median(bare)
    return {
        "bare": bare_median,
        "render_median": statistics.median(renders),
        "render_mean": statistics.mean(renders),
        "per_page": statistics.median(per_page),
        "ratio": statistics.median(per_page) / bare_median,
        "pages": (min(pages), statistics.median(pages), max(pages)),
        "gather": statistics.median(gathers),
        "queries": max(queries),
    }


def job_overhead(world, samples: int) -> dict:
    from reports import services
    from reports.models import ReportJob

    render_walls = []
    original = services.lea_report_pdf

    def timed(**kwargs):
        started = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            render_walls.append(time.perf_counter() - started)

    services.lea_report_pdf = timed
    totals = []
    try:
        for lea in world["leas"][:samples]:
            job = ReportJob.objects.create(
                kind="lea", state=world["state"], lea=lea, cycle=world["cycle"]
            )
            started = time.perf_counter()
            services.report_render_job(job_id=job.pk, task_id=f"bench-{job.pk}")
            totals.append(time.perf_counter() - started)
    finally:
        services.lea_report_pdf = original
    overheads = [total - render for total, render in zip(totals, render_walls, strict=True)]
    return {
        "total": statistics.median(totals),
        "render": statistics.median(render_walls),
        "overhead": statistics.median(overheads),
    }


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _service_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL and Redis process (the database and the broker)."""
    result = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name.startswith(("postgres", "redis-server")):
            result[int(stat.parent.name)] = _cpu_seconds(int(stat.parent.name))
    return result


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def batch(world, env: dict, workers: int, folder: Path) -> dict:
    from accounts.models import Role, User
    from reports.models import ReportJob
    from reports.selectors import batch_progress
    from reports.services import report_batch_request

    ReportJob.objects.all().delete()  # no stored PDF to reuse: every job renders
    log = open(folder / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cbe_portal",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={workers}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-{os.getpid()}@%h",
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(worker.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # the pool's children finish importing
        user = User.objects.create(
            username="bench-admin", role=Role.STATE_ADMIN, state=world["state"]
        )
        cpu_before = {pid: _cpu_seconds(pid) for pid in _children(worker.pid)}
        machine_before = _machine_busy_seconds()
        services_before = _service_cpu()
        started = time.perf_counter()
        batch = report_batch_request(user=user, state=world["state"], cycle=world["cycle"])
        enqueue_wall = time.perf_counter() - started
        timeline, rss = [], {}
        while True:
            progress = batch_progress(batch=batch)
            elapsed = time.perf_counter() - started
            timeline.append((elapsed, progress["done"], progress["running"], progress["queued"]))
            for pid in _children(worker.pid):
                rss[pid] = max(rss.get(pid, 0.0), _rss_mb(pid))
            if progress["finished"]:
                break
            if elapsed > 3600:
                raise RuntimeError("batch did not finish within an hour")
            time.sleep(1)
        wall = time.perf_counter() - started
        machine_cpu = _machine_busy_seconds() - machine_before
        services_cpu = sum(
            cpu - services_before.get(pid, 0.0) for pid, cpu in _service_cpu().items()
        )
        busy = [
            (job.finished_at - job.started_at).total_seconds()
            for job in ReportJob.objects.filter(batch=batch, status="done")
        ]
        worker_cpu = sum(
            _cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in _children(worker.pid)
        )
        failed = progress["failed"]
        renders = ReportJob.objects.filter(batch=batch, status="done").count()
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
        log.close()
    return {
        "wall": wall,
        "enqueue": enqueue_wall,
        "timeline": timeline,
        "rss": rss,
        "worker_cpu": worker_cpu,
        "machine_cpu": machine_cpu,
        "services_cpu": services_cpu,
        "job_wall": statistics.median(busy) if busy else 0.0,
        "failed": failed,
        "done": renders,
    }


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{model or platform.processor()}, {os.cpu_count()} CPUs, {mem:.0f} GB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cbe-bench-reports-"))
    env = configure(args, folder)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import weasyprint

    seeded = time.perf_counter()
    world = seed(args.leas)
    seed_time = time.perf_counter() - seeded
    single = single_renders(world, args.samples)
    overhead = job_overhead(world, min(args.samples, 10))
    result = batch(world, env, args.workers, folder)

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "Redis" if env.get("REDIS_URL") else "file-system broker"
    total_cpu = single["render_mean"] * args.leas
    target = total_cpu / args.workers
    per_job_enqueue = result["enqueue"] / args.leas
    overhead_share = (overhead["overhead"] + per_job_enqueue) / overhead["render"]
    marks = [0.1, 0.25, 0.5, 0.75, 0.9]
    total_wall = result["wall"]
    progress_points = []
    for mark in marks:
        point = min(result["timeline"], key=lambda row: abs(row[0] - mark * total_wall))
        progress_points.append(f"{point[0]:.0f} s: {point[1]} done, {point[2]} running")
    rss = sorted(result["rss"].values())
    lines = [
        f"Run on {date.today().isoformat()} · {machine()} · WeasyPrint {weasyprint.__version__}"
        f" · {database} · {broker} · {args.leas} LEAs (seeded in {seed_time:.0f} s)",
        "",
        "| measure | figure | target |",
        "|---|---|---|",
        f"| bare one-page render, median CPU | {single['bare'] * 1000:.1f} ms | |",
        f"| LEA report, median CPU ({args.samples} LEAs) | {single['render_median'] * 1000:.0f} ms"
        f" for {single['pages'][1]:g} pages (range {single['pages'][0]}–{single['pages'][2]}) | |",
        f"| LEA report, median CPU per page | {single['per_page'] * 1000:.1f} ms"
        f" = **{single['ratio']:.2f}×** the bare page | ≤ 4× |",
        f"| SQL queries to gather one report's data | **{single['queries']}**"
        f" ({single['gather'] * 1000:.1f} ms) | ≤ 5 |",
        f"| job end to end in-process, median wall | {overhead['total'] * 1000:.0f} ms,"
        f" of which render {overhead['render'] * 1000:.0f} ms | |",
        f"| job overhead (claim, gather, hash, progress, storage) + hand-over to the broker"
        f" | {overhead['overhead'] * 1000:.1f} ms + {per_job_enqueue * 1000:.2f} ms"
        f" = **{overhead_share * 100:.1f}%** of the render | < 10% |",
        f"| batch of {args.leas} with {args.workers} worker processes, wall"
        f" | {total_wall:.1f} s ({result['done']} done, {result['failed']} failed) | |",
        f"| total single-render CPU ÷ {args.workers} (mean {single['render_mean'] * 1000:.0f} ms"
        f" × {args.leas} ÷ {args.workers}) | {target:.1f} s | |",
        f"| batch wall ÷ that | **{total_wall / target:.2f}×** | ≤ 1.2× |",
        f"| CPU used during the batch: workers / database and broker / whole machine"
        f" | {result['worker_cpu']:.1f} s / {result['services_cpu']:.1f} s"
        f" / {result['machine_cpu']:.1f} s (of {total_wall * (os.cpu_count() or 1):.1f} s"
        " available; the rest is other load on the machine) | |",
        f"| one job in a worker, median wall from claim to done"
        f" | {result['job_wall'] * 1000:.0f} ms | |",
        f"| worker RSS, highest per process | **{rss[-1] if rss else 0:.0f} MB**"
        f" ({', '.join(f'{r:.0f}' for r in rss)}) | < 300 MB |",
        f"| progress seen while it ran | {'; '.join(progress_points)} | |",
    ]
    block = "\n".join(lines)
    print(block)
    if args.write:
        write_doc(block, args)
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if result["failed"] == 0 else 1


def write_doc(block: str, args) -> None:
    marker = f"<!-- bench_reports --leas {args.leas} --workers {args.workers} -->"
    text = DOC.read_text() if DOC.exists() else ""
    heading = f"### {args.leas} LEAs, {args.workers} worker processes"
    section = f"{marker}\n{heading}\n\n{block}\n<!-- end -->\n"
    if marker in text:
        start = text.index(marker)
        end = text.index("<!-- end -->", start) + len("<!-- end -->\n")
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
