"""Report jobs without a worker: reuse, claims, failures, sweep, batch, query counts.

The renders here are real WeasyPrint renders run in the test process; the worker tests
(test_worker_pdf.py) do the same through a real Celery worker.
"""

import datetime
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Answer, Assessment, DistrictRating
from assessments.scores import assessment_rescore
from assessments.summaries import cycle_score_summary
from directory.models import LEA
from jobs import services as job_services
from plans.models import Objective, Plan, Task
from policies.models import LeverStatus
from reports import services
from reports.models import ReportBatch, ReportJob
from reports.selectors import assessment_for_report, lea_report_context, state_report_context
from reports.services import (
    MAX_ATTEMPTS,
    ReportUnavailable,
    report_batch_request,
    report_job_retry,
    report_render_job,
    report_request,
    report_state_request,
    report_sweep,
)
from tests.factories import LEAFactory
from tests.reports.conftest import LOCALES


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Record what would go to the broker instead of sending it."""
    sent = []

    def fake_enqueue_many(*, job_ids):
        sent.extend(job_ids)
        ReportJob.objects.filter(pk__in=job_ids, status="queued").update(enqueued_at=timezone.now())
        return len(job_ids)

    monkeypatch.setattr(services, "report_enqueue_many", fake_enqueue_many)
    return sent


def _finish(job: ReportJob, task_id: str = "task-1") -> ReportJob:
    report_render_job(job_id=job.pk, task_id=task_id)
    job.refresh_from_db()
    return job


def _request(world, lea_index=0, role="state_staff"):
    return report_request(
        user=world["users"][role], lea=world["leas"][lea_index], cycle=world["cycle"]
    )


# --- reuse -------------------------------------------------------------------------------


def test_same_inputs_return_the_same_job_without_a_new_render(report_world, media_root):
    job = _finish(_request(report_world))
    assert job.status == ReportJob.Status.DONE
    again = _request(report_world, role="district_leader")
    assert again.pk == job.pk
    assert ReportJob.objects.count() == 1


def test_a_pending_job_is_reused_rather_than_queued_twice(report_world):
    first = _request(report_world)
    assert _request(report_world).pk == first.pk


def test_a_changed_answer_means_a_new_render_on_the_next_request(report_world, media_root):
    job = _finish(_request(report_world))
    answer = Answer.objects.filter(
        assessment__lea=report_world["leas"][0], assessment__cycle=report_world["cycle"]
    ).first()
    answer.rating = answer.rating % 4 + 1
    answer.save(update_fields=["rating"])
    assessment_rescore(assessment=answer.assessment)
    again = _request(report_world)
    assert again.pk != job.pk
    assert again.input_hash != job.input_hash


def test_a_changed_evidence_note_means_a_new_render(report_world, media_root):
    job = _finish(_request(report_world))
    Answer.objects.filter(
        assessment__lea=report_world["leas"][0], assessment__cycle=report_world["cycle"]
    ).update(evidence="A new note")
    assert _request(report_world).pk != job.pk


def test_a_changed_lever_status_means_a_new_render(report_world, media_root):
    job = _finish(_request(report_world))
    LeverStatus.objects.filter(
        profile__state=report_world["state"], lever__code="proficiency_diplomas"
    ).update(status="enacted", citation="RSA 193-E:2")
    assert _request(report_world).pk != job.pk


def test_a_peer_change_that_moves_the_state_median_means_a_new_render(report_world, media_root):
    peer = Assessment.objects.get(lea=report_world["leas"][3], cycle=report_world["cycle"])
    Assessment.objects.filter(pk=peer.pk).update(status=Assessment.Status.SUBMITTED)
    job = _finish(_request(report_world))
    Answer.objects.filter(assessment=peer).update(rating=4)
    assessment_rescore(assessment=peer)
    assert _request(report_world).pk != job.pk


def test_a_change_to_a_draft_peer_moves_no_median_and_the_pdf_is_reused(report_world, media_root):
    job = _finish(_request(report_world))
    peer = Assessment.objects.get(lea=report_world["leas"][3], cycle=report_world["cycle"])
    assert peer.status == Assessment.Status.DRAFT
    Answer.objects.filter(assessment=peer).update(rating=4)
    assessment_rescore(assessment=peer)
    assert _request(report_world).pk == job.pk


def test_an_edit_to_the_report_templates_means_a_new_render(report_world, media_root, monkeypatch):
    job = _finish(_request(report_world))
    monkeypatch.setattr(services, "template_fingerprint", lambda: "edited-template")
    assert _request(report_world).pk != job.pk


def test_an_lea_without_an_assessment_cannot_be_requested(report_world):
    lea = LEAFactory(state=report_world["state"])
    with pytest.raises(ReportUnavailable, match="no needs assessment"):
        report_request(
            user=report_world["users"]["state_admin"], lea=lea, cycle=report_world["cycle"]
        )


def test_statewide_requests_are_reused_too(report_world, media_root):
    user = report_world["users"]["task_force"]
    job = report_state_request(user=user, state=report_world["state"], cycle=report_world["cycle"])
    job = _finish(job)
    assert job.status == ReportJob.Status.DONE, job.error
    again = report_state_request(
        user=user, state=report_world["state"], cycle=report_world["cycle"]
    )
    assert again.pk == job.pk


# --- one render, with progress, exactly once -----------------------------------------------


def test_a_render_stores_one_pdf_and_records_its_pages(report_world, media_root):
    job = _finish(_request(report_world))
    assert job.status == ReportJob.Status.DONE
    assert job.progress == 100
    assert job.attempts == 1
    assert job.finished_at is not None
    assert 4 <= job.page_count <= 9
    assert job.file.read().startswith(b"%PDF-")
    assert len(list(media_root.rglob("*.pdf"))) == 1


def test_progress_moves_through_gather_render_and_store(report_world, media_root, monkeypatch):
    seen = []
    original = job_services.job_update

    def spy(*, job, **fields):
        if "progress" in fields:
            seen.append(fields["progress"])
        return original(job=job, **fields)

    monkeypatch.setattr(job_services, "job_update", spy)
    _finish(_request(report_world))
    assert seen == [5, 20, 70, 100]


def test_a_message_for_a_done_job_does_nothing(report_world, media_root):
    job = _finish(_request(report_world))
    result = report_render_job(job_id=job.pk, task_id="task-1")
    assert not result.rendered
    job.refresh_from_db()
    assert job.attempts == 1
    assert len(list(media_root.rglob("*.pdf"))) == 1


def test_a_second_message_for_a_running_job_leaves_it_alone(report_world):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(
        status="running", task_id="first", started_at=timezone.now(), attempts=1
    )
    result = report_render_job(job_id=job.pk, task_id="second")
    assert not result.rendered
    job.refresh_from_db()
    assert (job.status, job.task_id, job.attempts) == ("running", "first", 1)


def test_a_redelivered_message_takes_over_the_job_its_dead_attempt_held(report_world, media_root):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(
        status="running", task_id="same-task", started_at=timezone.now(), attempts=1, progress=45
    )
    result = report_render_job(job_id=job.pk, task_id="same-task")
    assert result.rendered
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == ("done", 2, 100)


def test_an_attempt_overtaken_mid_render_keeps_no_file(report_world, media_root, monkeypatch):
    job = _request(report_world)
    original = services.lea_report_pdf

    def overtaken(**kwargs):
        pdf = original(**kwargs)
        # Another attempt takes the job over while this one renders.
        ReportJob.objects.filter(pk=job.pk).update(version=999, task_id="newer")
        return pdf

    monkeypatch.setattr(services, "lea_report_pdf", overtaken)
    result = report_render_job(job_id=job.pk, task_id="older")
    assert not result.rendered
    job.refresh_from_db()
    assert job.status == "running" and job.task_id == "newer"
    assert list(media_root.rglob("*.pdf")) == []


def test_a_job_that_used_up_its_attempts_fails_in_plain_words(report_world):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(attempts=MAX_ATTEMPTS)
    report_render_job(job_id=job.pk, task_id="t")
    job.refresh_from_db()
    assert job.status == "failed"
    assert "stopped 3 times" in job.error


def test_an_unexpected_error_fails_the_job_in_plain_words(report_world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("KeyError: 'domains' at line 12")

    monkeypatch.setattr(services, "lea_report_pdf", broken)
    job = _request(report_world)
    report_render_job(job_id=job.pk, task_id="t")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == services.UNEXPECTED
    assert "KeyError" not in job.status_message


def test_a_transient_error_puts_the_job_back_in_the_queue_for_a_retry(report_world, monkeypatch):
    from django.db import OperationalError

    def flaky(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "lea_report_pdf", flaky)
    job = _request(report_world)
    with pytest.raises(OperationalError):
        report_render_job(job_id=job.pk, task_id="t")
    job.refresh_from_db()
    assert job.status == "queued"


def test_a_batch_job_of_an_lea_that_lost_its_assessment_fails_in_plain_words(report_world):
    job = ReportJob.objects.create(
        kind="lea",
        state=report_world["state"],
        lea=LEAFactory(state=report_world["state"]),
        cycle=report_world["cycle"],
    )
    report_render_job(job_id=job.pk, task_id="t")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == services.NO_ASSESSMENT


def test_a_failed_job_can_be_queued_again(report_world, _no_broker):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(status="failed", error="x", attempts=3)
    assert report_job_retry(job=job) is True
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == ("queued", "", 0)


def test_a_job_that_is_not_failed_is_not_retried(report_world):
    job = _request(report_world)
    assert report_job_retry(job=job) is False


# --- the sweep ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _known_broker():
    """Under CI the broker is Redis: let the sweeps see it once, so they do not take this
    test for a broker restart (tests/jobs/test_broker.py tests that)."""
    from cbe_portal.celery import app
    from jobs.broker import broker_restart_seen

    broker_restart_seen(app=app, name="reports")


def test_the_sweep_sends_jobs_the_broker_never_received(report_world, _no_broker):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(
        enqueued_at=None, created_at=timezone.now() - timedelta(minutes=1)
    )
    result = report_sweep(queued_for=900)
    assert result.requeued == 1
    assert _no_broker == [job.pk]
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_the_sweep_leaves_recently_sent_jobs_alone(report_world, _no_broker):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    assert report_sweep(queued_for=900).requeued == 0
    ReportJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - timedelta(hours=1))
    assert report_sweep(queued_for=900).requeued == 1


def test_the_sweep_restarts_running_jobs_whose_heartbeat_stopped(
    report_world, settings, _no_broker
):
    settings.JOB_STALE_SECONDS = 45
    job = _request(report_world)
    started = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    ReportJob.objects.filter(pk=job.pk).update(
        status="running",
        started_at=started,
        heartbeat_at=timezone.now() - timedelta(seconds=10),
        attempts=1,
        task_id="dead",
    )
    # Running far longer than the time limit, but its heartbeat is fresh: left alone.
    assert report_sweep().restarted == 0
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=50))
    result = report_sweep()
    assert (result.restarted, result.requeued) == (1, 1)
    job.refresh_from_db()
    assert (job.status, job.task_id, job.attempts) == ("queued", "", 1)
    assert _no_broker == [job.pk]


def test_the_sweep_fails_running_jobs_that_used_up_their_attempts(report_world, _no_broker):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(
        status="running",
        started_at=timezone.now() - timedelta(days=1),
        attempts=MAX_ATTEMPTS,
    )
    assert report_sweep().failed == 1
    job.refresh_from_db()
    assert job.status == "failed" and "stopped" in job.error


def test_the_sweep_command_reports_what_it_did(report_world, _no_broker, capsys):
    job = _request(report_world)
    ReportJob.objects.filter(pk=job.pk).update(
        enqueued_at=None, created_at=timezone.now() - timedelta(minutes=5)
    )
    call_command("report_sweep", "--queued-for", "60")
    assert "1 queued job(s) sent to the broker" in capsys.readouterr().out


# --- batch ---------------------------------------------------------------------------------


def test_a_batch_queues_every_assessed_lea_in_one_insert(
    report_world, django_assert_num_queries, django_capture_on_commit_callbacks, _no_broker
):
    user = report_world["users"]["state_admin"]
    LEAFactory(state=report_world["state"])  # no assessment: not in the batch
    # Queries: LEA ids, savepoint, batch, one INSERT for every job, release.
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(5):
        batch = report_batch_request(
            user=user, state=report_world["state"], cycle=report_world["cycle"]
        )
    jobs = list(batch.jobs.all())
    assert len(jobs) == len(report_world["leas"])
    assert {job.status for job in jobs} == {"queued"}
    assert sorted(_no_broker) == sorted(job.pk for job in jobs)


def test_a_batch_job_with_unchanged_inputs_reuses_the_stored_pdf(report_world, media_root):
    done = _finish(_request(report_world))
    batch = report_batch_request(
        user=report_world["users"]["state_admin"],
        state=report_world["state"],
        cycle=report_world["cycle"],
    )
    job = batch.jobs.get(lea=report_world["leas"][0])
    result = report_render_job(job_id=job.pk, task_id="b1")
    assert not result.rendered
    job.refresh_from_db()
    assert (job.status, job.file.name, job.page_count) == ("done", done.file.name, done.page_count)
    assert len(list(media_root.rglob("*.pdf"))) == 1


def test_a_single_report_is_announced_and_a_batchs_reports_are_not(
    report_world, media_root, monkeypatch
):
    announced = []
    monkeypatch.setattr(services, "notify_report_ready", lambda *, job_id: announced.append(job_id))
    single = _finish(_request(report_world))
    batch = report_batch_request(
        user=report_world["users"]["state_admin"],
        state=report_world["state"],
        cycle=report_world["cycle"],
    )
    reused = batch.jobs.get(lea=report_world["leas"][0])  # the single one's PDF, reused
    rendered = batch.jobs.get(lea=report_world["leas"][1])
    for job in (reused, rendered):
        _finish(job, task_id=f"b{job.pk}")
        assert job.status == "done"
    assert announced == [single.pk]


def test_batch_progress_counts_jobs_by_status(report_world):
    from reports.selectors import batch_progress

    batch = ReportBatch.objects.create(state=report_world["state"], cycle=report_world["cycle"])
    for status in ("done", "done", "failed", "running", "queued"):
        ReportJob.objects.create(
            kind="lea",
            state=report_world["state"],
            lea=report_world["leas"][0],
            cycle=report_world["cycle"],
            batch=batch,
            status=status,
        )
    progress = batch_progress(batch=batch)
    assert progress == {
        "total": 5,
        "done": 2,
        "failed": 1,
        "running": 1,
        "queued": 1,
        "finished": False,
        "percent": 60,
    }


# --- data gathering ------------------------------------------------------------------------


def _peers_add(world, count: int) -> None:
    """`count` more LEAs in the world's state, each with an accepted assessment in the
    cycle carrying the stored scores of LEA 1's (bulk inserts: no answers needed, the
    peers are read from the cycle's summary)."""
    scored = Assessment.objects.get(lea=world["leas"][1], cycle=world["cycle"])
    leas = LEA.objects.bulk_create(
        LEAFactory.build(state=world["state"], locale=LOCALES[i % len(LOCALES)])
        for i in range(count)
    )
    Assessment.objects.bulk_create(
        Assessment(
            lea=lea,
            cycle=world["cycle"],
            status="accepted",
            scores=scored.scores,
            overall_score=scored.overall_score,
            stage=scored.stage,
            scored_with_id=scored.scored_with_id,
        )
        for lea in leas
    )


def _plan_and_district_view(world) -> None:
    """LEA 0's plan (two objectives, one with two tasks) and a district rating three
    levels above the state's rating of the first indicator."""
    lea, cycle, indicators = world["leas"][0], world["cycle"], world["indicators"]
    plan = Plan.objects.create(lea=lea, cycle=cycle, last_activity_at=timezone.now())
    first = Objective.objects.create(plan=plan, indicator=indicators[0], statement="Devices")
    Objective.objects.create(plan=plan, indicator=indicators[2], statement="Later")
    for day, status in ((20, "done"), (10, "in_progress")):
        Task.objects.create(
            objective=first,
            description=f"Task due on the {day}th",
            owner_name="Pat Lee",
            starts_on=datetime.date(2026, 9, 1),
            due_on=datetime.date(2026, 10, day),
            status=status,
        )
    assessment = Assessment.objects.get(lea=lea, cycle=cycle)
    assert assessment.answers.get(indicator=indicators[0]).rating == 1
    DistrictRating.objects.create(
        assessment=assessment, indicator=indicators[0], level=4, note="We see it otherwise"
    )


@pytest.mark.parametrize("leas_in_state", [10, pytest.param(1000, marks=pytest.mark.slow)])
def test_an_lea_report_gathers_its_data_in_five_queries_whatever_the_size_of_the_state(
    report_world, django_assert_num_queries, leas_in_state
):
    # The assessment with its LEA, state, cycle and the previous cycle's scores; its
    # answers with the district's ratings beside them; the cycle's summary (the peers'
    # medians); the state's levers; the LEA's plan with its objectives and tasks.
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    Assessment.objects.filter(cycle=cycle).exclude(lea=lea).update(status="accepted")
    _peers_add(report_world, leas_in_state - len(report_world["leas"]))
    _plan_and_district_view(report_world)
    # The cycle's summary is built by the first report of a batch (or the page before it)
    # and read, with its stamp, in one query by every report after.
    cycle_score_summary(cycle=cycle)
    with django_assert_num_queries(5):
        context = lea_report_context(
            assessment=assessment_for_report(lea_id=lea.id, cycle_id=cycle.id)
        )
    assert LEA.objects.filter(state=report_world["state"]).count() == leas_in_state
    assert context["lea"]["name"] == lea.name
    assert context["overall"]["previous_cycle"] == "2025-26"
    assert context["overall"]["previous"] is not None
    # Every LEA but this draft one is compared.
    assert context["peers"]["state"] == leas_in_state - 1
    assert context["overall"]["state_median_leas"] == leas_in_state - 1
    assert [d["code"] for d in context["district_differences"]] == [
        report_world["indicators"][0].code
    ]
    assert context["district_differences"][0]["note"] == "We see it otherwise"
    plan = context["plan"]
    assert (plan["task_count"], plan["done_count"], plan["percent_done"]) == (2, 1, 50)
    assert [o["code"] for o in plan["objectives"]] == [
        report_world["indicators"][0].code,
        report_world["indicators"][2].code,
    ]
    assert [t["description"] for t in plan["objectives"][0]["tasks"]] == [
        "Task due on the 10th",
        "Task due on the 20th",
    ]
    assert plan["objectives"][1]["tasks"] == []


def test_an_lea_report_without_a_plan_or_district_view_gathers_in_five_queries_too(
    report_world, django_assert_num_queries
):
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    cycle_score_summary(cycle=cycle)
    with django_assert_num_queries(5):
        context = lea_report_context(
            assessment=assessment_for_report(lea_id=lea.id, cycle_id=cycle.id)
        )
    assert context["plan"] is None
    assert context["district_differences"] == []
    assert context["overall"]["previous_cycle"] == "2025-26"


def test_the_statewide_report_gathers_its_data_in_a_fixed_number_of_queries(
    report_world, django_assert_max_num_queries
):
    # Levers, LEAs, assessments, the locale medians, and four in
    # policies.selectors.state_levers_held_back; the same whatever the number of LEAs
    # (more LEAs are added below). The cycle's summaries are built the first time (three
    # queries each) and only read after.
    state_report_context(state=report_world["state"], cycle=report_world["cycle"])
    with django_assert_max_num_queries(8):
        context = state_report_context(state=report_world["state"], cycle=report_world["cycle"])
    assert context["lea_count"] == 6
    for lea in LEAFactory.create_batch(20, state=report_world["state"]):
        Assessment.objects.create(lea=lea, cycle=report_world["cycle"])
    state_report_context(state=report_world["state"], cycle=report_world["cycle"])
    with django_assert_max_num_queries(8):
        bigger = state_report_context(state=report_world["state"], cycle=report_world["cycle"])
    assert bigger["lea_count"] == 26
    assert sum(len(group["rows"]) for group in context["heatmap_groups"]) == 6
    statuses = {lever["code"]: lever["status"] for lever in context["policy"]["levers"]}
    assert statuses["credit_flexibility"] == "enacted"
    # Blocked only by levers not in force.
    for lever in context["lever_gaps"]:
        if lever["active"]:
            assert lever["leas_blocked"] == 0
