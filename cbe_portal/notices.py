"""What any app calls to have people told by email that something happened.

The emails themselves are written and sent by the `notifications` app, which sits at the
top of the layering (tests/test_layering.py): it reads assessments, cycles and report
jobs, so it cannot sit below the apps that report those events. Those apps reach it
through this module instead, which imports no app: each function here hands the ids of
what happened to a `notifications.tasks` task *by name*, after the current transaction
commits (`transaction.on_commit`), so nothing is said about a change that was rolled
back, and the user's request never waits on (or fails because of) the mail server.

If the broker cannot take the task, the event is logged and the user's action still
succeeds: an email is a courtesy, the state change is what counts.
"""

import logging
from functools import partial

from django.db import transaction

from .celery import app

logger = logging.getLogger(__name__)

TASKS = "notifications.tasks"


def _send(name: str, kwargs: dict) -> None:
    try:
        # A signature runs eagerly under task_always_eager (send_task would not) and goes
        # to the broker otherwise; notifications.apps imports the tasks so they are known.
        app.signature(f"{TASKS}.{name}", kwargs=kwargs).apply_async(retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the action stands
        logger.error("could not queue %s %s (%s: %s)", name, kwargs, type(exc).__name__, exc)


def _on_commit(name: str, **kwargs) -> None:
    transaction.on_commit(partial(_send, name, kwargs), robust=True)


def notify_assigned(
    *, assessment_ids: list[int], assignee_id: int, actor_id: int | None = None
) -> None:
    """Tell `assignee_id` (in one email) that these LEAs' assessments are now theirs.
    The actor, when they assign themselves, is not told."""
    if assessment_ids and assignee_id != actor_id:
        _on_commit(
            "assessments_assigned",
            assessment_ids=sorted(set(assessment_ids)),
            assignee_id=assignee_id,
        )


def notify_submitted(*, assessment_id: int, actor_id: int | None = None) -> None:
    """Tell the state's reviewers (its state administrators) that it awaits review."""
    _on_commit("assessment_submitted", assessment_id=assessment_id, actor_id=actor_id)


def notify_returned(*, assessment_id: int, actor_id: int | None = None) -> None:
    """Tell the assignee that the assessment came back with comments."""
    _on_commit("assessment_returned", assessment_id=assessment_id, actor_id=actor_id)


def notify_accepted(*, assessment_id: int, actor_id: int | None = None) -> None:
    """Tell the assignee and the LEA's district leaders that it was accepted."""
    _on_commit("assessment_accepted", assessment_id=assessment_id, actor_id=actor_id)


def notify_report_ready(*, job_id: int) -> None:
    """Tell the person who asked for a readiness PDF that it is ready to download."""
    _on_commit("report_ready", job_id=job_id)
