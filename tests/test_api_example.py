"""The integrator's script in docs/api_example.py, run as a separate process against a live
server and a real Celery worker: token -> answers -> submit -> accept -> PDF. Nothing mocked."""

import io
import subprocess
import sys

import pytest
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from accounts.models import Role
from assessments.models import Assessment
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory

pytestmark = pytest.mark.worker


def test_the_example_script_runs_a_whole_assessment_and_fetches_its_pdf(
    celery_worker_process, live_server, framework, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    state = StateFactory(code="NH", name="New Hampshire")
    lea = LEAFactory(state=state, name="Sugar River Valley School District")
    cycle = CycleFactory(state=state, framework=framework)
    staff = Token.objects.create(user=UserFactory(role=Role.STATE_STAFF, state=state))
    admin = Token.objects.create(user=UserFactory(role=Role.STATE_ADMIN, state=state))
    worker = celery_worker_process(env_overrides={"MEDIA_ROOT": settings.MEDIA_ROOT})
    out = tmp_path / "report.pdf"

    run = subprocess.run(
        [sys.executable, "docs/api_example.py", "--base", live_server.url,
         "--token", staff.key, "--reviewer-token", admin.key,
         "--lea", lea.leaid, "--cycle", str(cycle.pk), "--out", str(out)],
        capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\nworker log:\n{worker.log()}"
    assert "answered" in run.stdout and "accepted" in run.stdout

    assessment = Assessment.objects.get(lea=lea, cycle=cycle)
    assert assessment.status == Assessment.Status.ACCEPTED
    assert assessment.answers.count() == framework.indicators.count()
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert lea.name in " ".join(text.split())
