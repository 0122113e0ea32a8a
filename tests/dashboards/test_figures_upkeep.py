"""How the cycles' summaries are kept current: the refresh asked for after a change, the
sweep, and `recompute_scores --check` proving them equal to a recount."""

import io

import pytest
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import Assessment, CycleScoreSummary
from assessments.summaries import (
    cycle_score_summary,
    cycle_score_summary_recounted,
    cycle_score_summary_stored,
)
from cbe_portal import celery as portal_celery
from dashboards.services import figures_check, figures_sweep
from dashboards.tasks import cycle_figures_refresh
from policies.models import CycleLeverSummary
from policies.selectors import cycle_lever_summary_stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def nh(two_states):
    return two_states["NH"]


def _save(place, rating=2, indicator="BL-01"):
    staff = place["users"]["state_staff"]
    assessment = services.assessment_start(user=staff, lea=place["leas"][0], cycle=place["cycle"])
    answer = assessment.answers.filter(indicator__code=indicator).first()
    services.answer_save(
        assessment=assessment,
        user=staff,
        indicator=indicator,
        rating=rating,
        dont_know=False,
        evidence="",
        version=answer.version if answer else 0,
    )
    return assessment


@pytest.fixture
def eager_celery():
    conf = portal_celery.app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def test_a_saved_answer_has_the_cycles_figures_rebuilt_once_it_commits(
    nh, eager_celery, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),  # a store of its own: the debounce key starts unset
        }
    }
    cycle = nh["cycle"]
    cycle_score_summary(cycle=cycle)  # built before the change
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _save(nh, rating=1)
    assert callbacks, "the save asked for a refresh"
    stored, current = cycle_score_summary_stored(cycle=cycle)
    assert current
    assert stored == cycle_score_summary_recounted(cycle=cycle)
    assert cycle_lever_summary_stored(cycle=cycle)[1]


def test_many_saves_ask_for_one_refresh_per_cycle(
    nh, django_capture_on_commit_callbacks, settings, monkeypatch, tmp_path
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),  # a store of its own: the debounce key starts unset
        }
    }
    queued = []
    monkeypatch.setattr(
        portal_celery.app,
        "signature",
        lambda name, kwargs: type(
            "Sig", (), {"apply_async": lambda self, **options: queued.append((name, kwargs))}
        )(),
    )
    for rating in (1, 2, 3, 4, 1):
        with django_capture_on_commit_callbacks(execute=True):
            _save(nh, rating=rating)
    assert queued == [("dashboards.tasks.cycle_figures_refresh", {"cycle_id": nh["cycle"].pk})]


def test_the_refresh_task_and_the_sweep_rebuild_only_stale_summaries(nh):
    cycle = nh["cycle"]
    _save(nh, rating=3)
    cycle_figures_refresh(cycle_id=cycle.pk)
    built = CycleScoreSummary.objects.get(cycle=cycle).built_at
    figures_sweep()
    assert CycleScoreSummary.objects.get(cycle=cycle).built_at == built  # current: left alone
    _save(nh, rating=1)
    assert not cycle_score_summary_stored(cycle=cycle)[1]
    figures_sweep()
    stored, current = cycle_score_summary_stored(cycle=cycle)
    assert current and stored == cycle_score_summary_recounted(cycle=cycle)
    assert CycleLeverSummary.objects.filter(cycle=cycle).exists()


def test_recompute_scores_check_finds_no_difference_when_the_figures_are_kept(nh):
    _save(nh, rating=2)
    figures_sweep()
    out = io.StringIO()
    call_command("recompute_scores", "--check", stdout=out)
    assert "0 differences" in out.getvalue()
    assert all(check.exact for check in figures_check())


def test_recompute_scores_check_fails_on_a_summary_that_disagrees_with_the_answers(nh):
    assessment = _save(nh, rating=2)
    figures_sweep()
    # A summary that claims to be current but counts what the answers do not say.
    row = CycleScoreSummary.objects.get(cycle=nh["cycle"])
    doc = row.doc
    doc["cells"] = [[*cell[:4], cell[4] + 1] for cell in doc["cells"]]
    CycleScoreSummary.objects.filter(pk=row.pk).update(doc=doc)
    with pytest.raises(CommandError, match="1 of 4 cycle summaries differ"):
        call_command("recompute_scores", "--check", stdout=io.StringIO())
    # Rebuilding (recompute_scores without --check) puts it right.
    call_command("recompute_scores", stdout=io.StringIO())
    call_command("recompute_scores", "--check", stdout=io.StringIO())
    assert Assessment.objects.get(pk=assessment.pk).gap_codes == ["BL-01"]


def test_recompute_scores_check_fails_on_stored_gap_indicators_that_disagree(nh):
    assessment = _save(nh, rating=1)
    Assessment.objects.filter(pk=assessment.pk).update(gap_codes=[])
    with pytest.raises(CommandError, match="1 of 1 stored scores differ"):
        call_command("recompute_scores", "--check", stdout=io.StringIO())
