"""The models that left `readiness` for directory, frameworks and assessments kept their
tables and rows.

A database migrated on the code before the split (readiness 0003, policies 0003, reports
0002) is filled through the models of that time, migrated forward, and read back through
today's models. Were a table dropped, renamed or re-created by the move, a row would be
missing here.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import User
from assessments.models import Answer, Assessment, AssessmentCycle, Comment
from directory.models import LEA, ImportJob, State
from frameworks.models import Domain, FrameworkVersion, Indicator, Lever
from policies.models import LeverStatus, StatePolicyProfile
from reports.models import ReportJob

MAIN_BEFORE_THE_SPLIT = [
    ("readiness", "0003_import_job_and_ccd_year"),
    ("policies", "0003_citation_rule"),
    ("reports", "0002_job_task_id_enqueued_at"),
]
# The apps made by the split did not exist then: none of their migrations is applied.
BEFORE_THE_SPLIT = [
    *MAIN_BEFORE_THE_SPLIT,
    ("directory", None),
    ("frameworks", None),
    ("assessments", None),
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _rows_of_the_old_schema(apps) -> dict[str, int]:
    """One row of every moved model (and of the models pointing at them), written with the
    models as they were before the split. Returns their ids by name."""

    def model(name):
        return apps.get_model(*name.split("."))

    now = timezone.now()
    state = model("readiness.State").objects.create(code="NH", fips="33", name="New Hampshire")
    lea = model("readiness.LEA").objects.create(leaid="3300001", state=state, name="Old District")
    user = model("readiness.User").objects.create(
        username="reviewer", role="state_admin", state=state
    )
    framework = model("readiness.FrameworkVersion").objects.create(
        code="movecheck", version=7, title="Old framework", content={"k": 1}, content_hash="h" * 64
    )
    domain = model("readiness.Domain").objects.create(
        framework=framework, code="blended", name="Blended", position=1
    )
    lever = model("readiness.Lever").objects.create(
        framework=framework, code="pilots", name="Pilots", group="getting_started", position=1
    )
    indicator = model("readiness.Indicator").objects.create(
        framework=framework,
        domain=domain,
        code="A1",
        area="Devices",
        title="Devices",
        prompt="Are there devices?",
        position=1,
    )
    indicator.levers.add(lever)
    cycle = model("readiness.AssessmentCycle").objects.create(
        state=state,
        name="2025-26",
        starts_on=datetime.date(2025, 8, 1),
        ends_on=datetime.date(2026, 6, 30),
        framework=framework,
    )
    assessment = model("readiness.Assessment").objects.create(
        lea=lea, cycle=cycle, assignee=user, status="submitted", stage="emerging"
    )
    model("readiness.HistoricalAssessment").objects.create(
        id=assessment.pk,
        lea=lea,
        cycle=cycle,
        status="draft",
        version=1,
        stage="",
        history_date=now,
        history_type="+",
        history_user=user,
    )
    answer = model("readiness.Answer").objects.create(
        assessment=assessment, indicator=indicator, rating=3, evidence="Laptops", updated_by=user
    )
    history = model("readiness.HistoricalAnswer").objects.create(
        id=answer.pk,
        assessment=assessment,
        indicator=indicator,
        rating=2,
        dont_know=False,
        evidence="Some laptops",
        version=1,
        updated_by=user,
        updated_at=now,
        history_date=now,
        history_type="~",
        history_user=user,
    )
    comment = model("readiness.Comment").objects.create(
        assessment=assessment, indicator=indicator, author=user, body="Which laptops?"
    )
    job = model("readiness.ImportJob").objects.create(
        file="imports/old.csv", original_name="old.csv", uploaded_by=user, status="done"
    )
    profile = model("policies.StatePolicyProfile").objects.create(
        state=state, cycle=cycle, stage="emerging"
    )
    status = model("policies.LeverStatus").objects.create(
        profile=profile, lever=lever, status="enacted", updated_by=user
    )
    report = model("reports.ReportJob").objects.create(
        kind="lea", state=state, lea=lea, cycle=cycle, requested_by=user
    )
    state_type = model("contenttypes.ContentType").objects.get(app_label="readiness", model="state")
    return {
        "state": state.pk,
        "lea": lea.pk,
        "user": user.pk,
        "framework": framework.pk,
        "domain": domain.pk,
        "lever": lever.pk,
        "indicator": indicator.pk,
        "cycle": cycle.pk,
        "assessment": assessment.pk,
        "answer": answer.pk,
        "history": history.pk,
        "comment": comment.pk,
        "import_job": job.pk,
        "profile": profile.pk,
        "lever_status": status.pk,
        "report": report.pk,
        "state_type": state_type.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_split_are_read_through_the_new_models():
    latest = _latest()
    try:
        executor = _migrate(BEFORE_THE_SPLIT)
        ids = _rows_of_the_old_schema(executor.loader.project_state(MAIN_BEFORE_THE_SPLIT).apps)
    finally:
        _migrate(latest)
    ContentType.objects.clear_cache()

    state = State.objects.get(pk=ids["state"])
    lea = LEA.objects.get(pk=ids["lea"], state=state)
    user = User.objects.get(pk=ids["user"], state=state)
    framework = FrameworkVersion.objects.get(pk=ids["framework"], content={"k": 1})
    Domain.objects.get(pk=ids["domain"], framework=framework)
    lever = Lever.objects.get(pk=ids["lever"], framework=framework)
    indicator = Indicator.objects.get(pk=ids["indicator"], levers=lever)
    cycle = AssessmentCycle.objects.get(pk=ids["cycle"], state=state, framework=framework)
    assessment = Assessment.objects.get(pk=ids["assessment"], lea=lea, cycle=cycle, assignee=user)
    answer = Answer.objects.get(pk=ids["answer"], assessment=assessment, indicator=indicator)
    comment = Comment.objects.get(pk=ids["comment"])
    job = ImportJob.objects.get(pk=ids["import_job"])
    profile = StatePolicyProfile.objects.get(pk=ids["profile"])
    lever_status = LeverStatus.objects.get(pk=ids["lever_status"])
    report = ReportJob.objects.get(pk=ids["report"])

    assert (state.code, lea.leaid, user.username) == ("NH", "3300001", "reviewer")
    assert (answer.rating, answer.evidence, answer.updated_by) == (3, "Laptops", user)
    assert [(h.history_id, h.rating) for h in answer.history.all()] == [(ids["history"], 2)]
    assert [h.status for h in assessment.history.all()] == ["draft"]
    assert (comment.assessment, comment.indicator, comment.author) == (assessment, indicator, user)
    assert (job.original_name, job.uploaded_by) == ("old.csv", user)
    assert (profile.state, profile.cycle) == (state, cycle)
    assert (lever_status.lever, lever_status.profile) == (lever, profile)
    assert (report.lea, report.cycle, report.state) == (lea, cycle, state)
    assert list(user.assignments.all()) == [assessment]

    # The content type moved with the model, so its permissions (and admin history) did too.
    state_type = ContentType.objects.get_for_model(State)
    assert (state_type.pk, state_type.app_label) == (ids["state_type"], "directory")
    assert Permission.objects.filter(content_type=state_type, codename="change_state").exists()
    assert not ContentType.objects.filter(app_label="readiness", model="state").exists()
