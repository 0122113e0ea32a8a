import re
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from assessments.models import Answer, Assessment, AssessmentCycle, Comment
from demo.seed import DEMO_PASSWORD
from directory.models import LEA, State
from frameworks.models import FrameworkVersion
from policies.models import LeverStatus, StatePolicyProfile

from ..factories import LEAFactory, StateFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _no_framework_yet(without_framework):
    """seed_demo starts from an empty database, the framework table included."""


DEMO_MODELS = (
    State,
    LEA,
    User,
    AssessmentCycle,
    Assessment,
    Answer,
    Comment,
    StatePolicyProfile,
    LeverStatus,
    FrameworkVersion,
)


def seed(*args) -> str:
    # Tests run with DEBUG off, as production does: seed_demo then needs the flag.
    out = StringIO()
    call_command("seed_demo", *args, "--i-know-this-is-not-production", stdout=out)
    return out.getvalue()


def test_seed_demo_refuses_to_run_with_debug_off_unless_told_it_is_not_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        call_command("seed_demo", stdout=StringIO())
    assert State.objects.count() == 0 and User.objects.count() == 0


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in DEMO_MODELS}
    counts["history"] = (
        Answer.history.count() + Assessment.history.count() + LeverStatus.history.count()
    )
    return counts


def stage_by_rule(content: dict, statuses: dict[str, str]) -> str:
    """The framework's state-stage rule, applied here without the app's own code: counts
    of engaged and active levers (cbe-v1's `requires`) and lever conditions (cbe-v2's
    `requires_all` / `requires_any`: at least `count` of the levers at `at_least` or
    further along in the file's order of statuses)."""
    order = [s["code"] for s in content["policy"]["statuses"]]
    every = [lever["code"] for lever in content["levers"]]
    group_of = {lever["code"]: lever["group"] for lever in content["levers"]}

    def holds(condition: dict) -> bool:
        if "levers" in condition:
            levers = condition["levers"]
        elif condition["group"] == "any":
            levers = every
        else:
            levers = [code for code in every if group_of[code] == condition["group"]]
        floor = order.index(condition["at_least"])
        have = sum(order.index(statuses.get(code, "none")) >= floor for code in levers)
        return have >= condition.get("count", len(levers))

    def conditions_hold(stage: dict) -> bool:
        any_of = stage.get("requires_any", [])
        return all(holds(c) for c in stage.get("requires_all", [])) and (
            not any_of or any(holds(c) for c in any_of)
        )

    status_flags = {s["code"]: s for s in content["policy"]["statuses"]}
    group_of = {lever["code"]: lever["group"] for lever in content["levers"]}
    counts = {}
    for lever_code, status in statuses.items():
        flags, group = status_flags[status], group_of[lever_code]
        counts["engaged_any"] = counts.get("engaged_any", 0) + flags["engaged"]
        counts["active_any"] = counts.get("active_any", 0) + flags["active"]
        counts[f"engaged_{group}"] = counts.get(f"engaged_{group}", 0) + flags["engaged"]
        counts[f"active_{group}"] = counts.get(f"active_{group}", 0) + flags["active"]
    reached = [
        stage["code"]
        for stage in content["policy"]["state_stages"]
        if all(counts.get(key, 0) >= need for key, need in stage.get("requires", {}).items())
        and conditions_hold(stage)
    ]
    return reached[-1]


def test_seed_demo_loads_both_frameworks_and_creates_states_with_valid_leas():
    assert not FrameworkVersion.objects.exists()
    started = time.monotonic()
    seed()
    print(f"seed_demo took {time.monotonic() - started:.2f} s")  # shown with pytest -s

    assert sorted(FrameworkVersion.objects.values_list("code", "version")) == [
        ("cbe", 1),
        ("cbe", 2),
    ]
    assert State.objects.count() >= 3
    assert LEA.objects.count() >= 150
    for lea in LEA.objects.select_related("state"):
        assert re.fullmatch(r"\d{7}", lea.leaid)
        assert lea.leaid.startswith(lea.state.fips)
        assert (
            lea.locale_code[:1]
            == {"city": "1", "suburb": "2", "town": "3", "rural": "4"}[lea.locale]
        )
        if lea.enrollment is not None:
            assert 40 <= lea.enrollment <= 50000
            assert lea.school_count >= 1
    assert LEA.objects.filter(is_charter=True, agency_type="Charter agency").exists()
    assert (
        LEA.objects.filter(enrollment__lt=300).count()
        > LEA.objects.filter(enrollment__gte=10000).count()
    )


def test_running_seed_demo_twice_changes_nothing_and_prints_the_logins_again():
    seed()
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert "Already seeded" in output
    assert "district-leader" in output and DEMO_PASSWORD in output


def test_reset_rebuilds_the_same_demo_and_leaves_other_states_alone():
    other_state = StateFactory(code="VT", fips="50", name="Vermont")
    LEAFactory(state=other_state, leaid="5000001")
    UserFactory(role=Role.STATE_ADMIN, state=other_state, username="vt-admin")
    seed()
    before = row_counts()
    leas = sorted(LEA.objects.values_list("leaid", "name", "enrollment"))
    ratings = sorted(
        Answer.objects.values_list(
            "assessment__lea__leaid",
            "assessment__cycle__name",
            "indicator__code",
            "rating",
            "dont_know",
            "evidence",
        )
    )

    output = seed("--reset")

    assert "Deleted the demo data" in output
    assert row_counts() == before
    assert sorted(LEA.objects.values_list("leaid", "name", "enrollment")) == leas
    assert (
        sorted(
            Answer.objects.values_list(
                "assessment__lea__leaid",
                "assessment__cycle__name",
                "indicator__code",
                "rating",
                "dont_know",
                "evidence",
            )
        )
        == ratings
    )
    assert User.objects.filter(username="vt-admin").exists()
    assert LEA.objects.filter(leaid="5000001").exists()
