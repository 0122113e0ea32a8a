"""Keeping the cycles' summaries current in the background, so pages seldom rebuild them."""

from celery import shared_task

from assessments.models import AssessmentCycle
from assessments.summaries import cycle_score_summary
from policies.selectors import cycle_lever_summary

from .services import figures_sweep


def _refresh(cycle: AssessmentCycle) -> None:
    # Both read-throughs rebuild only what is older than its rows.
    cycle_score_summary(cycle=cycle)
    cycle_lever_summary(cycle=cycle)


@shared_task(name="dashboards.tasks.cycle_figures_refresh", ignore_result=True)
def cycle_figures_refresh(*, cycle_id: int | None = None, state_id: int | None = None) -> None:
    """Rebuild one cycle's summaries, or those of every open cycle of a state, if stale."""
    cycles = AssessmentCycle.objects.select_related("framework").defer("framework__content")
    if cycle_id is not None:
        cycles = cycles.filter(pk=cycle_id)
    else:
        cycles = cycles.filter(state_id=state_id, is_open=True)
    for cycle in cycles:
        _refresh(cycle)


@shared_task(name="dashboards.tasks.figures_sweep", ignore_result=True)
def figures_sweep_task() -> None:
    """Rebuild every open cycle's summaries that are older than their rows."""
    figures_sweep()
