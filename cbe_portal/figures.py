"""What a writer calls once a change may have moved a cycle's figures.

The state dashboard, the national view, the results pages and the PDFs read a cycle's
figures from its summaries (`assessments.summaries`, `policies.selectors`
`cycle_lever_summary`), which are rebuilt before use whenever their rows changed. To keep
pages from waiting on that rebuild, a writer asks for it here: after its transaction
commits, `dashboards.tasks.cycle_figures_refresh` is queued *by name* (this module imports
no app, so apps low in the layering can call it), at most once per cycle every
`FIGURES_REFRESH_DELAY` seconds however many answers are saved meanwhile. If the cache or
the broker is down nothing is lost: the next page to read the figures rebuilds them, and
the sweep does the rest.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .celery import app

logger = logging.getLogger(__name__)

TASK = "dashboards.tasks.cycle_figures_refresh"


def _queue(kwargs: dict, key: str) -> None:
    delay = settings.FIGURES_REFRESH_DELAY
    try:
        if cache.add(key, 1, timeout=delay):
            app.signature(TASK, kwargs=kwargs).apply_async(countdown=delay, retry=False)
    except Exception as exc:  # noqa: BLE001 - the figures are rebuilt when next read
        logger.warning(
            "could not queue a figures refresh %s (%s: %s)", kwargs, type(exc).__name__, exc
        )


def cycle_figures_changed(*, cycle_id: int) -> None:
    """The cycle's assessments or recorded levers changed (or will, once this commits)."""
    transaction.on_commit(
        partial(_queue, {"cycle_id": cycle_id}, f"figures-refresh:cycle:{cycle_id}"), robust=True
    )


def state_figures_changed(*, state_id: int) -> None:
    """The state's LEAs changed: every open cycle of the state is refreshed."""
    transaction.on_commit(
        partial(_queue, {"state_id": state_id}, f"figures-refresh:state:{state_id}"), robust=True
    )
