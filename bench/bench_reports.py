"""Readiness PDFs: render cost per page, cost per report by state size, a 1,000-LEA batch
on 1 and 2 real Celery worker processes, and the statewide PDF of a 2,200-LEA state.

What it does, from scratch each run:

1. creates its own database (PostgreSQL `cbe_bench_reports` when PostgreSQL answers on
   127.0.0.1:5432, else SQLite in a temporary folder), migrates it, loads cbe-v1, and
   seeds three states of `--small` (50), `--batch-leas` (1,000) and `--large` (2,200)
   LEAs, each LEA assessed on all 48 indicators in two cycles (bulk inserts; stored
   scores filled by the app's own `assessment_list_rescore`), with a policy profile;
2. per page, in this process as a warm worker renders: interleaved pairs of a bare
   one-page WeasyPrint render and one LEA report (bare, report, bare, report ...); the
   figure is the median of the pairwise ratios (report CPU per page ÷ bare CPU), so a
   load swing moves both halves of a pair alike; the queries to gather each report;
3. cost per report by state size: interleaved pairs of `report_render_job` end to end
   (claim, gather, hash, progress, render, storage) for an LEA of the small state and one
   of the large state; the median of the pairwise ratios (large ÷ small);
4. the 1,000-LEA batch: every job row of the state written in one bulk insert, then fed
   in interleaved segments (`--segments`) to two real Celery workers on Redis db 14, one
   with 1 process and one with 2 (`bench/report_worker.py`, which notes each render's
   CPU time), each segment timed from its hand-over to its last job done; time per
   report, the REAL sum of the render CPU the workers used, and the speed-up as the
   median of the pairwise ratios (1 process ÷ 2 processes, per report);
5. the statewide PDF of the large state (and of the small one, its baseline) rendered in
   a subprocess of its own, warmed up as a worker is: gather and render time, render CPU,
   pages and the process's peak resident memory (VmHWM).

Run:  .venv/bin/python bench/bench_reports.py            # about 6 to 8 minutes
      .venv/bin/python bench/bench_reports.py --quick    # 20/100/300 LEAs, about 2 minutes
Add --write to replace the "## Readiness PDFs" section of docs/benchmarks.md.
Everything (database, broker, workers) shares the machine, so the figures are a floor.
"""

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pairs import load_average, ms, pair_summary, run_line, write_section

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "cbe_bench_reports"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
BARE_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bare</title></head>'
    "<body><h1>A bare page</h1><p>One paragraph of text, to compare with.</p></body></html>"
)
QUEUES = {1: "bench-reports-1", 2: "bench-reports-2"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=50, help="LEAs of the small state")
    parser.add_argument("--batch-leas", type=int, default=1000, help="LEAs of the batch's state")
    parser.add_argument("--large", type=int, default=2200, help="LEAs of the large state")
    parser.add_argument("--pairs", type=int, default=12, help="pairs per in-process ratio")
    parser.add_argument(
        "--segments", type=int, default=8, help="batch segments (half on each worker)"
    )
    parser.add_argument("--quick", action="store_true", help="20/100/300 LEAs, fewer pairs")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="per page: measure without gc.freeze after the warm-up (the method before issue 13)",
    )
    parser.add_argument("--database", choices=["auto", "postgres", "sqlite"], default="auto")
    parser.add_argument("--broker", choices=["auto", "redis", "filesystem"], default="auto")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--statewide-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.small, args.batch_leas, args.large, args.pairs, args.segments = 20, 100, 300, 6, 4
    return args


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


# fmt: off
WORDS = [
    "staff", "survey", "shows", "most", "classrooms", "use", "the", "platform", "weekly",
    "while", "some", "schools", "still", "rely", "on", "paper", "plans", "and", "the",
    "board", "asked", "for", "a", "timeline", "next", "year",
]
# fmt: on


def seed_state(*, code: str, name: str, n: int, first_leaid: int, framework, rng) -> dict:
    """One state, two cycles, n LEAs assessed and scored in both, a policy profile."""
    import datetime

    from assessments.models import Answer, Assessment, AssessmentCycle
    from assessments.scores import assessment_list_rescore
    from directory.models import LEA, Locale, State
    from frameworks.models import Indicator, Lever
    from policies.models import LeverStatus, StatePolicyProfile

    state = State.objects.create(code=code, name=name)
    cycles = [
        AssessmentCycle.objects.create(
            state=state,
            name=cycle_name,
            starts_on=datetime.date(year, 8, 1),
            ends_on=datetime.date(year + 1, 6, 30),
            framework=framework,
            is_open=year == 2026,
        )
        for cycle_name, year in (("2025-26", 2025), ("2026-27", 2026))
    ]
    locales = [Locale.CITY, Locale.SUBURB, Locale.TOWN, Locale.RURAL]
    places = ["North", "South", "East", "West", "Upper", "Lower", "Lake", "River", "Pine", "Oak"]
    kinds = ["School District", "Public Schools", "Community Schools", "Regional School District"]
    leas = LEA.objects.bulk_create(
        LEA(
            leaid=f"{first_leaid + i:07d}",
            state=state,
            state_code=state.code,
            name=f"{rng.choice(places)} {rng.choice(places)}ton {rng.choice(kinds)} {i}",
            locale=locales[i % 4],
            enrollment=rng.randint(80, 40000),
            school_count=rng.randint(1, 60),
        )
        for i in range(n)
    )
    indicators = list(Indicator.objects.filter(framework=framework).order_by("position"))
    levers = list(Lever.objects.filter(framework=framework))
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
                    note = " ".join(rng.choices(WORDS, k=rng.randint(5, 30))).capitalize() + "."
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
            for lever in levers
        )
    return {"state": state, "cycle": cycles[1], "leas": leas}


def seed(args) -> dict:
    from frameworks.services import framework_load

    rng = random.Random("cbe-bench-reports")
    framework, _ = framework_load(path=ROOT / "frameworks" / "cbe-v1.yaml")
    sizes = {
        "small": ("BS", args.small),
        "batch": ("BN", args.batch_leas),
        "large": ("BL", args.large),
    }
    worlds = {}
    for i, (key, (code, n)) in enumerate(sizes.items()):
        worlds[key] = seed_state(
            code=code,
            name=f"Bench {key} state",
            n=n,
            first_leaid=7000000 + i * 100000,
            framework=framework,
            rng=rng,
        )
    return worlds


def cpu_of(fn):
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def _gather(lea_id: int, cycle_id: int) -> dict:
    from reports.selectors import assessment_for_report, lea_report_context

    return lea_report_context(assessment=assessment_for_report(lea_id=lea_id, cycle_id=cycle_id))


def per_page(world, pairs: int, *, freeze: bool = True) -> dict:
    """Interleaved pairs: a bare page, then one LEA report; CPU per page ÷ bare CPU.

    With `freeze`, the process moves what it holds after the warm-up out of the garbage
    collector's way (gc.collect, gc.freeze) before measuring, as every worker process does
    after its warm-up (reports/tasks.py), and undoes it afterwards. Without it the
    collector rescans this process's heap (the seeded states, Django, WeasyPrint) while
    rendering: about 14% of a report's CPU here that no worker spends."""
    import datetime
    import gc

    from weasyprint import HTML

    from reports.rendering import lea_report_pdf

    rng = random.Random(7)
    sample = rng.sample(world["leas"], min(pairs, len(world["leas"])))
    cycle_id = world["cycle"].id
    today = datetime.date.today()
    # Warm up the process as a worker is: templates, fonts, stylesheet.
    for lea in sample[:2]:
        lea_report_pdf(context=_gather(lea.id, cycle_id), prepared_on=today)
        HTML(string=BARE_PAGE).write_pdf()
    if freeze:
        gc.collect()
        gc.freeze()
    try:
        return _per_page_pairs(sample, cycle_id, today)
    finally:
        if freeze:
            gc.unfreeze()


def _per_page_pairs(sample, cycle_id: int, today) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from weasyprint import HTML

    from reports.rendering import lea_report_pdf

    bare, per_page_cpu, renders, pages, queries, gathers = [], [], [], [], [], []
    for lea in sample:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            context = _gather(lea.id, cycle_id)
            gathers.append(time.perf_counter() - started)
        queries.append(len(captured))
        bare.append(cpu_of(lambda: HTML(string=BARE_PAGE).write_pdf())[0])
        cpu, pdf = cpu_of(
            lambda context=context: lea_report_pdf(context=context, prepared_on=today)
        )
        renders.append(cpu)
        pages.append(pdf.pages)
        per_page_cpu.append(cpu / pdf.pages)
    return {
        **pair_summary(per_page_cpu, bare),
        "render": statistics.median(renders),
        "pages": (min(pages), statistics.median(pages), max(pages)),
        "queries": max(queries),
        "gather": statistics.median(gathers),
    }


def job_pairs(small, large, pairs: int) -> dict:
    """Interleaved pairs of report_render_job end to end: an LEA of the small state, then
    one of the large state. Also the gathering and the render inside each job."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import services
    from reports.models import ReportJob

    renders: list[float] = []
    original = services.lea_report_pdf

    def timed(**kwargs):
        started = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            renders.append(time.perf_counter() - started)

    def one_job(world, lea) -> dict:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            _gather(lea.id, world["cycle"].id)
            gather = time.perf_counter() - started
        job = ReportJob.objects.create(
            kind="lea", state=world["state"], lea=lea, cycle=world["cycle"]
        )
        started = time.perf_counter()
        services.report_render_job(job_id=job.pk, task_id=f"bench-{job.pk}")
        total = time.perf_counter() - started
        return {"total": total, "render": renders[-1], "gather": gather, "queries": len(captured)}

    rng = random.Random(11)
    # One LEA more than pairs in each state, to warm up on: the process then is as a worker
    # is after its first report of a batch (templates, fonts, the cycle's summary read),
    # and no measured job reuses the warm-up's PDF (that would skip its render).
    small_leas = rng.sample(small["leas"], min(pairs + 1, len(small["leas"])))
    large_leas = rng.sample(large["leas"], min(pairs + 1, len(large["leas"])))
    services.lea_report_pdf = timed
    try:
        one_job(small, small_leas.pop())
        one_job(large, large_leas.pop())
        rows_small, rows_large = [], []
        for lea_s, lea_l in zip(small_leas, large_leas, strict=False):
            rows_small.append(one_job(small, lea_s))
            rows_large.append(one_job(large, lea_l))
    finally:
        services.lea_report_pdf = original

    def median(rows, key):
        return statistics.median(row[key] for row in rows)

    def overhead(rows):
        return statistics.median((r["total"] - r["render"]) / r["render"] for r in rows)

    return {
        "total": pair_summary([r["total"] for r in rows_large], [r["total"] for r in rows_small]),
        "gather": pair_summary(
            [r["gather"] for r in rows_large], [r["gather"] for r in rows_small]
        ),
        "small": {k: median(rows_small, k) for k in ("total", "render", "gather")},
        "large": {k: median(rows_large, k) for k in ("total", "render", "gather")},
        "queries": (max(r["queries"] for r in rows_small), max(r["queries"] for r in rows_large)),
        "overhead": (overhead(rows_small), overhead(rows_large)),
    }


def _status_field(pid: int, field: str) -> float:
    """A memory figure of /proc/<pid>/status in MB (VmRSS, VmHWM), 0 when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    """The worker's pool processes (read from /proc, not by starting pgrep every poll)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _start_worker(env: dict, processes: int, folder: Path, render_log: Path):
    log = open(folder / f"worker-{processes}.log", "w")  # noqa: SIM115 - closed by _stop_worker
    worker = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "report_worker.py"),
            "-A",
            "cbe_portal",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={processes}",
            "-Q",
            QUEUES[processes],
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-reports-{processes}-{os.getpid()}@%h",
        ],
        env={**os.environ, **env, "CBE_BENCH_RENDER_LOG": str(render_log)},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return worker, log


def _stop_worker(worker, log) -> None:
    os.killpg(worker.pid, 15)
    worker.wait(timeout=120)
    log.close()


def _render_log(path: Path) -> list[tuple[int, float, int]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        pid, cpu, pages = line.split()
        rows.append((int(pid), float(cpu), int(pages)))
    return rows


def batch(world, env: dict, segments: int, folder: Path) -> dict:
    """The whole state's jobs in one bulk insert (as report_batch_request writes them),
    handed to the broker in interleaved segments: 1 worker process, 2, 1, 2 ..."""
    from cbe_portal.celery import app
    from reports.models import ReportBatch, ReportJob
    from reports.tasks import report_render

    ReportJob.objects.filter(state=world["state"]).delete()  # no stored PDF to reuse
    batch_row = ReportBatch.objects.create(state=world["state"], cycle=world["cycle"])
    jobs = ReportJob.objects.bulk_create(
        ReportJob(
            kind=ReportJob.Kind.LEA,
            state=world["state"],
            lea=lea,
            cycle=world["cycle"],
            batch=batch_row,
        )
        for lea in sorted(world["leas"], key=lambda lea: lea.name)
    )
    ids = [job.pk for job in jobs]
    size = -(-len(ids) // segments)
    render_logs = {n: folder / f"renders-{n}.log" for n in (1, 2)}
    workers = {n: _start_worker(env, n, folder, render_logs[n]) for n in (1, 2)}
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and any(
            len(_children(w.pid)) < n for n, (w, _) in workers.items()
        ):
            time.sleep(0.2)
        time.sleep(3)  # the pool's processes finish warming up
        rows, rss, enqueue = [], {}, []
        for s in range(segments):
            processes = 1 if s % 2 == 0 else 2
            chunk = ids[s * size : (s + 1) * size]
            if not chunk:
                break
            logged = len(_render_log(render_logs[processes]))
            load = os.getloadavg()[0]
            started = time.perf_counter()
            with app.producer_or_acquire() as producer:
                for job_id in chunk:
                    report_render.apply_async(
                        args=[job_id], producer=producer, retry=False, queue=QUEUES[processes]
                    )
            enqueue.append((time.perf_counter() - started) / len(chunk))
            pending = ReportJob.objects.filter(pk__in=chunk).exclude(status__in=["done", "failed"])
            while pending.exists():
                for w, _ in workers.values():
                    for pid in _children(w.pid):
                        rss[pid] = max(rss.get(pid, 0.0), _status_field(pid, "VmRSS"))
                if time.perf_counter() - started > 1800:
                    raise RuntimeError("a batch segment did not finish within 30 minutes")
                time.sleep(0.25)
            wall = time.perf_counter() - started
            cpu = [row[1] for row in _render_log(render_logs[processes])[logged:]]
            rows.append(
                {
                    "processes": processes,
                    "jobs": len(chunk),
                    "wall": wall,
                    "render_cpu": sum(cpu),
                    "renders": len(cpu),
                    "load": (load, os.getloadavg()[0]),
                }
            )
            print(
                f"  segment {s + 1}/{segments}: {len(chunk)} reports on {processes} process(es)"
                f" in {wall:.1f} s ({wall / len(chunk) * 1000:.0f} ms per report)",
                flush=True,
            )
    finally:
        for worker, log in workers.values():
            _stop_worker(worker, log)
    done = ReportJob.objects.filter(batch=batch_row, status="done").count()
    failed = ReportJob.objects.filter(batch=batch_row, status="failed").count()
    return {"segments": rows, "rss": rss, "done": done, "failed": failed, "enqueue": enqueue}


def statewide_child(state_id: int, cycle_id: int) -> None:
    """In a fresh process warmed up as a worker is: gather and render the statewide PDF,
    print what it cost and the process's peak memory as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbe_portal.settings")
    import django

    django.setup()
    import datetime

    from assessments.models import AssessmentCycle
    from directory.models import State
    from reports.rendering import state_report_pdf, warm_up
    from reports.selectors import state_report_context

    warm_up()
    before = _status_field(os.getpid(), "VmHWM")
    state, cycle = State.objects.get(pk=state_id), AssessmentCycle.objects.get(pk=cycle_id)
    started = time.perf_counter()
    context = state_report_context(state=state, cycle=cycle)
    gather = time.perf_counter() - started
    after_gather = _status_field(os.getpid(), "VmHWM")
    laid_out = {}

    def on_laid_out(pages):
        laid_out["hwm"] = _status_field(os.getpid(), "VmHWM")
        laid_out["wall"] = time.perf_counter() - started

    started = time.perf_counter()
    cpu_started = time.process_time()
    pdf = state_report_pdf(
        context=context, prepared_on=datetime.date.today(), on_laid_out=on_laid_out
    )
    print(
        json.dumps(
            {
                "gather": gather,
                "render_wall": time.perf_counter() - started,
                "render_cpu": time.process_time() - cpu_started,
                "layout_wall": laid_out["wall"],
                "pages": pdf.pages,
                "bytes": len(pdf.content),
                "hwm_warm": before,
                "hwm_gathered": after_gather,
                "hwm_laid_out": laid_out["hwm"],
                "hwm": _status_field(os.getpid(), "VmHWM"),
                "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def statewide(world) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--statewide-child",
            str(world["state"].id),
            str(world["cycle"].id),
        ],
        env=dict(os.environ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    if args.statewide_child:
        statewide_child(*args.statewide_child)
        return 0
    folder = Path(tempfile.mkdtemp(prefix="cbe-bench-reports-"))
    env = configure(args, folder)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import weasyprint

    loads = {"start": load_average()}
    print("Seeding ...", flush=True)
    started = time.perf_counter()
    worlds = seed(args)
    seeded = time.perf_counter() - started
    print(f"  {args.small + args.batch_leas + args.large} LEAs in {seeded:.0f} s", flush=True)
    print("Per page: interleaved pairs of a bare page and an LEA report ...", flush=True)
    page = per_page(worlds["batch"], args.pairs, freeze=not args.no_freeze)
    print("Cost per report by state size: interleaved pairs of jobs ...", flush=True)
    jobs = job_pairs(worlds["small"], worlds["large"], args.pairs)
    loads["before the batch"] = load_average()
    print(f"Batch of {args.batch_leas} in {args.segments} segments on 1 and 2 processes ...")
    result = batch(worlds["batch"], env, args.segments, folder)
    loads["after the batch"] = load_average()
    print("Statewide PDFs, each in a process of its own ...", flush=True)
    state_small = statewide(worlds["small"])
    state_large = statewide(worlds["large"])
    loads["end"] = load_average()

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "Redis" if env.get("REDIS_URL") else "file-system broker"
    header = (
        f"{run_line()} · WeasyPrint {weasyprint.__version__} · {database} · {broker} · "
        f"states of {args.small}, {args.batch_leas} and {args.large} LEAs seeded in "
        f"{seeded:.0f} s · load average (1 / 5 / 15 min) at the start {loads['start']}, "
        f"before the batch {loads['before the batch']}, after it {loads['after the batch']}, "
        f"at the end {loads['end']}"
    )
    block = header + "\n\n" + table(args, page, jobs, result, state_small, state_large, settings)
    print()
    print(block)
    if args.write:
        write_section("Readiness PDFs", DOC_INTRO + "\n" + block + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if result["failed"] == 0 else 1


def _range(summary: dict) -> str:
    low, high = summary["ratio_range"]
    return f"**{summary['ratio']:.2f}×** ({low:.2f}–{high:.2f}, {len(summary['ratios'])} pairs)"


def table(args, page, jobs, result, state_small, state_large, settings) -> str:
    segments = result["segments"]
    by = {n: [row for row in segments if row["processes"] == n] for n in (1, 2)}
    per_report = {n: [row["wall"] / row["jobs"] for row in by[n]] for n in (1, 2)}
    speed_up = pair_summary(per_report[1][: len(per_report[2])], per_report[2])
    lines = [
        "| measure | figure | baseline in the same run | ratio: median of pairs (range) | target |",
        "|---|---|---|---|---|",
        f"| LEA report, render CPU per page ({args.pairs} LEAs of the {args.batch_leas}-LEA state;"
        f" median {ms(page['render'])} for {page['pages'][1]:g} pages, range"
        f" {page['pages'][0]}–{page['pages'][2]}"
        f"{'' if args.no_freeze else '; the process frozen after its warm-up, as a worker is'})"
        f" | {ms(statistics.median(page['a']))}"
        f" | bare one-page render {ms(statistics.median(page['b']))} | {_range(page)} | ≤ 4× |",
        f"| SQL queries to gather one report ({args.small} / {args.batch_leas} / {args.large}"
        f" LEAs in the state) | **{jobs['queries'][0]} / {page['queries']} / {jobs['queries'][1]}**"
        " | | | ≤ 5 |",
        f"| report job end to end (claim, gather, hash, progress, render, storage), LEA of the"
        f" {args.large}-LEA state | {ms(jobs['large']['total'])} | LEA of the {args.small}-LEA"
        f" state {ms(jobs['small']['total'])} | {_range(jobs['total'])} | ≤ 1.2× |",
        f"| of which gathering the report's data | {ms(jobs['large']['gather'])}"
        f" | {ms(jobs['small']['gather'])} | {_range(jobs['gather'])} | |",
        f"| job overhead beside the render ({args.small} / {args.large} LEAs)"
        f" | {jobs['overhead'][0] * 100:.1f}% / {jobs['overhead'][1] * 100:.1f}% of the render"
        f" + {statistics.median(result['enqueue']) * 1000:.2f} ms hand-over | | | < 10% |",
    ]
    for n in (1, 2):
        rows = by[n]
        jobs_n = sum(r["jobs"] for r in rows)
        wall = sum(r["wall"] for r in rows)
        cpu = sum(r["render_cpu"] for r in rows)
        renders = sum(r["renders"] for r in rows)
        lines.append(
            f"| {args.batch_leas}-LEA batch, {n} worker process{'es' if n > 1 else ''}:"
            f" {len(rows)} segments, {jobs_n} reports | {ms(wall / jobs_n)} per report"
            f" ({wall:.1f} s) | render CPU summed over its {renders} renders {cpu:.1f} s"
            f" ({ms(cpu / max(renders, 1))} each) ÷ {n} = {cpu / n:.1f} s"
            f" | wall ÷ that: **{wall / (cpu / n):.2f}×** | ≤ 1.2× |"
        )
    total_cpu = sum(r["render_cpu"] for r in segments)
    total_wall = sum(r["wall"] for r in segments)
    rss = sorted(result["rss"].values())
    lines += [
        f"| speed-up of 2 processes over 1, per report | {ms(statistics.median(per_report[2]))}"
        f" | 1 process {ms(statistics.median(per_report[1]))}"
        f" | 1 ÷ 2: {_range(speed_up)} | |",
        f"| the whole batch: {result['done']} done, {result['failed']} failed"
        f" | {total_wall:.1f} s of segments | real sum of render CPU {total_cpu:.1f} s"
        " (not a mean × N) | | |",
        f"| worker RSS, highest per process | **{rss[-1] if rss else 0:.0f} MB**"
        f" ({', '.join(f'{r:.0f}' for r in rss)}) | | | < 300 MB |",
    ]
    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    for label, small_value, large_value, unit, target in (
        ("render CPU", state_small["render_cpu"], state_large["render_cpu"], "s", ""),
        (
            "gather + render, wall",
            state_small["gather"] + state_small["render_wall"],
            state_large["gather"] + state_large["render_wall"],
            "s",
            f"well inside the {limit} s soft limit",
        ),
        (
            "peak RSS of the rendering process (VmHWM)",
            state_small["hwm"],
            state_large["hwm"],
            "MB",
            "< 300 MB",
        ),
    ):
        figure = f"{large_value:.1f} s" if unit == "s" else f"**{large_value:.0f} MB**"
        base = f"{small_value:.1f} s" if unit == "s" else f"{small_value:.0f} MB"
        lines.append(
            f"| statewide PDF, {args.large} LEAs ({state_large['pages']} pages): {label}"
            f" | {figure} | {args.small} LEAs ({state_small['pages']} pages): {base}"
            f" | {large_value / small_value:.2f}× (one of each) | {target} |"
        )
    lines.append(
        f"| statewide PDF, {args.large} LEAs: where the memory goes | warmed-up process"
        f" {state_large['hwm_warm']:.0f} MB, after gathering {state_large['hwm_gathered']:.0f} MB,"
        f" after layout {state_large['hwm_laid_out']:.0f} MB, after writing"
        f" {state_large['hwm']:.0f} MB; gather {state_large['gather']:.1f} s, layout"
        f" {state_large['layout_wall']:.1f} s; PDF {state_large['bytes'] / 1e6:.1f} MB | | | |"
    )
    return "\n".join(lines)


DOC_INTRO = """
What one LEA report costs to render, what a report costs as the state grows, how a
1,000-LEA batch runs on real Celery workers, and what the statewide PDF of a 2,200-LEA
state takes. Method and design notes: [benchmarks-reports.md](benchmarks-reports.md).

Script: `bench/bench_reports.py` (`--quick` for a smaller run, `--write` to replace this
section). Every ratio is the median of pairwise ratios from interleaved pairs (baseline,
figure, baseline, figure ...) in the same run; the batch's render CPU is the sum of
each render's CPU time as the workers measured it.
"""


if __name__ == "__main__":
    sys.exit(main())
