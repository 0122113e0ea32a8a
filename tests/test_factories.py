"""Every factory makes a row that the database accepts, with its constraints."""

import pytest

from reports.models import ReportJob
from tests import factories

pytestmark = pytest.mark.django_db

EVERY_FACTORY = [
    factories.StateFactory,
    factories.LEAFactory,
    factories.UserFactory,
    factories.FrameworkVersionFactory,
    factories.DomainFactory,
    factories.LeverFactory,
    factories.IndicatorFactory,
    factories.CycleFactory,
    factories.AssessmentFactory,
    factories.AnswerFactory,
    factories.CommentFactory,
    factories.ImportJobFactory,
    factories.StatePolicyProfileFactory,
    factories.LeverStatusFactory,
    factories.ReportBatchFactory,
    factories.ReportJobFactory,
]


@pytest.mark.parametrize("factory", EVERY_FACTORY, ids=lambda f: f.__name__)
def test_each_factory_saves_a_valid_row(factory, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    row = factory()
    row.full_clean(exclude=["password"])
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_statewide_report_job_names_no_lea():
    job = factories.ReportJobFactory(kind=ReportJob.Kind.STATE, lea=None)
    assert job.lea is None and job.cycle.state == job.state


def test_profile_create_gives_every_lever_a_row_and_active_ones_a_citation():
    cycle = factories.CycleFactory()
    profile = factories.profile_create(
        state=cycle.state, cycle=cycle, statuses={"task_force": "enacted"}, stage="emerging"
    )
    rows = {row.lever.code: row for row in profile.lever_statuses.select_related("lever")}
    assert len(rows) == cycle.framework.levers.count()
    assert (rows["task_force"].status, rows["task_force"].citation) == (
        "enacted",
        factories.DEFAULT_CITATION,
    )
    assert rows["task_force"].history.count() == 1
