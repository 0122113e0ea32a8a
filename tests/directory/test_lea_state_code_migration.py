"""Migration 0006 gives every existing LEA a copy of its state's code."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("directory", "0005_lea_state_changed")]
AFTER = [("directory", "0006_lea_state_code")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_existing_leas_get_their_states_code():
    old = _migrate(BEFORE)
    State, LEA = old.get_model("directory", "State"), old.get_model("directory", "LEA")
    nh = State.objects.create(code="NH", name="New Hampshire")
    vt = State.objects.create(code="VT", name="Vermont")
    for leaid, state in (("3300001", nh), ("3300002", nh), ("5000001", vt)):
        LEA.objects.create(leaid=leaid, state=state, name=f"District {leaid}")

    try:
        LEA = _migrate(AFTER).get_model("directory", "LEA")
        assert dict(LEA.objects.values_list("leaid", "state_code")) == {
            "3300001": "NH",
            "3300002": "NH",
            "5000001": "VT",
        }
    finally:
        _migrate(_latest())
