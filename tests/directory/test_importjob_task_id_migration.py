"""Migration 0004 moves an import job's task id and start time out of its ``result``
JSON into columns, keeps every row, and puts them back when reversed."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("directory", "0001_initial")]
AFTER = [("directory", "0002_importjob_task_id")]
STARTED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_task_ids_move_to_their_column_and_back_with_every_row_kept():
    old = _migrate(BEFORE).get_model("directory", "ImportJob")
    running = old.objects.create(
        file="imports/a.csv",
        original_name="a.csv",
        status="running",
        result={"task_id": "task-1", "started_at": STARTED.isoformat()},
    )
    done = old.objects.create(
        file="imports/b.csv", original_name="b.csv", status="done", result={"counts": {"x": 1}}
    )
    previewed = old.objects.create(file="imports/c.csv", original_name="c.csv")

    try:
        new = _migrate(AFTER).get_model("directory", "ImportJob")
        assert new.objects.count() == 3
        row = new.objects.get(pk=running.pk)
        assert (row.task_id, row.started_at, row.heartbeat_at) == ("task-1", STARTED, STARTED)
        assert row.result == {} and row.attempts == 0
        assert new.objects.get(pk=done.pk).result == {"counts": {"x": 1}}
        assert new.objects.get(pk=previewed.pk).task_id == ""

        old = _migrate(BEFORE).get_model("directory", "ImportJob")
        assert old.objects.get(pk=running.pk).result == {
            "task_id": "task-1",
            "started_at": STARTED.isoformat(),
        }
        assert old.objects.get(pk=done.pk).result == {"counts": {"x": 1}}
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
