"""Migration 0003 gives every existing import job its phase: a previewed job, and one whose
preview refused the file, stay previews; every other job is an import."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("directory", "0002_importjob_task_id")]
AFTER = [("directory", "0003_import_preview_in_worker")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_previewed_and_refused_uploads_stay_previews_and_the_rest_are_imports():
    old = _migrate(BEFORE).get_model("directory", "ImportJob")

    def job(status, **fields):
        return old.objects.create(
            file=f"imports/{status}.csv", original_name="x.csv", status=status, **fields
        ).pk

    ids = {
        "previewed": job("previewed"),
        "refused": job("failed"),
        "import failed": job("failed", started_at=timezone.now()),
        "queued": job("queued"),
        "running": job("running", started_at=timezone.now()),
        "done": job("done", started_at=timezone.now()),
    }
    try:
        new = _migrate(AFTER).get_model("directory", "ImportJob")
        phases = {name: new.objects.get(pk=pk).phase for name, pk in ids.items()}
        assert phases == {
            "previewed": "preview",
            "refused": "preview",
            "import failed": "import",
            "queued": "import",
            "running": "import",
            "done": "import",
        }
        assert new.objects.get(pk=ids["queued"]).expected_closures is None
    finally:
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
