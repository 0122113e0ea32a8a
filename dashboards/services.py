"""Keeping the cycles' summaries current, and proving them exact.

A cycle's figures (`assessments.summaries` for scores, stages and completion,
`policies.selectors.cycle_lever_summary` for the lever counts) are rebuilt whenever they
are read older than their rows; these functions rebuild them ahead of the reader (the
sweep) and compare them with a recount from the answers themselves (the check run by
`recompute_scores --check`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from assessments.models import AssessmentCycle
from assessments.summaries import (
    cycle_score_summaries,
    cycle_score_summary_build,
    cycle_score_summary_recounted,
    cycle_score_summary_refresh,
    cycle_score_summary_stored,
)
from cbe_portal.figures import every_figure_changed
from policies.selectors import (
    cycle_lever_summary,
    cycle_lever_summary_build,
    cycle_lever_summary_recounted,
    cycle_lever_summary_refresh,
    cycle_lever_summary_stored,
)


def _cycles(cycles: QuerySet[AssessmentCycle] | None = None) -> list[AssessmentCycle]:
    qs = AssessmentCycle.objects.all() if cycles is None else cycles
    return list(qs.select_related("framework", "state").defer("framework__content"))


def figures_sweep(*, cycles: QuerySet[AssessmentCycle] | None = None) -> int:
    """Rebuild the summaries of the open cycles (or of `cycles`) that are older than their
    rows. One query finds the stale score summaries; one per cycle checks its levers.
    Returns the number of cycles looked at."""
    found = _cycles(AssessmentCycle.objects.filter(is_open=True) if cycles is None else cycles)
    cycle_score_summaries(cycles=found)
    for cycle in found:
        cycle_lever_summary(cycle=cycle)
    return len(found)


def figures_rebuild(*, cycles: QuerySet[AssessmentCycle] | None = None) -> int:
    """Rebuild every summary of `cycles` (all cycles by default), current or not."""
    found = _cycles(cycles)
    for cycle in found:
        cycle_score_summary_refresh(cycle=cycle)
        cycle_lever_summary_refresh(cycle=cycle)
    every_figure_changed()  # the scores under them may have been recomputed
    return len(found)


@dataclass(frozen=True)
class FiguresCheck:
    cycle: AssessmentCycle
    kind: str  # "scores" or "levers"
    state: str  # "current", "stale" (older than its rows) or "missing"
    exact: bool  # what a reader gets equals a recount from the answers

    def __str__(self) -> str:
        where = f"{self.cycle.state.code} {self.cycle.name}: the {self.kind} summary"
        stored = {
            "current": "is current",
            "stale": "is older than its rows and is rebuilt when next read",
            "missing": "is not built yet and is built when first read",
        }[self.state]
        verdict = "equals" if self.exact else "DIFFERS from"
        return f"{where} {stored}; what readers get {verdict} a recount of the answers"


def figures_check(*, cycles: QuerySet[AssessmentCycle] | None = None) -> Iterable[FiguresCheck]:
    """Compare what a reader of each cycle's figures gets (the stored summary while it is
    current, else what the read would rebuild) with a recount from the answers
    themselves. Writes nothing."""
    for cycle in _cycles(cycles):
        scores, current = cycle_score_summary_stored(cycle=cycle)
        state = "missing" if scores is None else "current" if current else "stale"
        if not current:
            scores = cycle_score_summary_build(cycle=cycle)
        yield FiguresCheck(
            cycle, "scores", state, scores == cycle_score_summary_recounted(cycle=cycle)
        )
        levers, current = cycle_lever_summary_stored(cycle=cycle)
        state = "missing" if levers is None else "current" if current else "stale"
        if not current:
            levers = cycle_lever_summary_build(cycle=cycle)
        yield FiguresCheck(
            cycle, "levers", state, levers == cycle_lever_summary_recounted(cycle=cycle)
        )
