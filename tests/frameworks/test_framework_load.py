from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessments.models import Assessment
from frameworks.document import FrameworkError
from frameworks.models import Domain, FrameworkVersion, Indicator, Lever
from frameworks.services import framework_load
from tests.conftest import FRAMEWORK_PATH
from tests.factories import LEAFactory


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "framework.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _row_counts():
    return (
        FrameworkVersion.objects.count(),
        Domain.objects.count(),
        Indicator.objects.count(),
        Lever.objects.count(),
    )


@pytest.fixture(autouse=True)
def _no_framework_yet(without_framework):
    """Each test here starts from an empty framework table, as on a new installation."""


@pytest.fixture
def original_text():
    return FRAMEWORK_PATH.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_shipped_framework_loads_with_40_to_60_indicators_and_nine_levers():
    fv, outcome = framework_load(path=FRAMEWORK_PATH)
    assert outcome == "created"
    assert 40 <= fv.indicators.count() <= 60
    assert fv.levers.count() == 9
    assert fv.domains.count() == 3
    assert all(ind.levers.exists() for ind in fv.indicators.all())


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing():
    framework_load(path=FRAMEWORK_PATH)
    before = _row_counts()
    _, outcome = framework_load(path=FRAMEWORK_PATH)
    assert outcome == "unchanged"
    assert _row_counts() == before


def _mutate(text: str, change) -> str:
    data = yaml.safe_load(text)
    change(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _first_indicator(data):
    return data["domains"][0]["areas"][0]["indicators"][0]


MISTAKES = {
    "missing level descriptor": (
        lambda d: _first_indicator(d)["levels"].pop(3),
        "no descriptor for level 3",
    ),
    "alignment to an unknown lever": (
        lambda d: _first_indicator(d)["levers"].append("teleportation"),
        "unknown lever 'teleportation'",
    ),
    "threshold out of range": (
        lambda d: d["scoring"]["lea_stages"][2].__setitem__("min_score", 140),
        "out of range",
    ),
    "share out of range": (
        lambda d: d["scoring"].__setitem__("min_answered_share", 1.5),
        "min_answered_share",
    ),
    "duplicate indicator code": (
        lambda d: d["domains"][1]["areas"][0]["indicators"][0].__setitem__(
            "code", _first_indicator(d)["code"]
        ),
        "duplicate indicator code",
    ),
    "thresholds not rising": (
        lambda d: d["scoring"]["lea_stages"][2].__setitem__("min_score", 10),
        "must rise",
    ),
    "unknown state-stage condition": (
        lambda d: d["policy"]["state_stages"][1]["requires"].__setitem__("vibes", 1),
        "unknown condition",
    ),
    "policy status missing": (lambda d: d["policy"]["statuses"].pop(), "statuses"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
def test_a_framework_file_with_a_mistake_is_refused_and_nothing_is_written(
    tmp_path, original_text, mistake
):
    change, message = MISTAKES[mistake]
    path = _write(tmp_path, _mutate(original_text, change))
    with pytest.raises(FrameworkError) as caught:
        framework_load(path=path)
    assert message in str(caught.value)
    assert _row_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_errors_name_the_line_of_the_mistake(tmp_path, original_text):
    lines = original_text.splitlines()
    target = next(
        i for i, line in enumerate(lines) if line.strip().startswith("min_answered_share")
    )
    lines[target] = lines[target].split(":")[0] + ": 7"
    path = _write(tmp_path, "\n".join(lines))
    with pytest.raises(FrameworkError) as caught:
        framework_load(path=path)
    assert f"line {target + 1}" in str(caught.value)


@pytest.mark.django_db
def test_broken_yaml_gets_a_line_number(tmp_path):
    path = _write(tmp_path, "code: cbe\nversion: 1\ndomains: [\n  - {code: x\n")
    with pytest.raises(FrameworkError, match="line"):
        framework_load(path=path)


@pytest.mark.django_db
def test_a_version_in_use_cannot_change(tmp_path, original_text):
    fv, _ = framework_load(path=FRAMEWORK_PATH)
    lea = LEAFactory()
    Assessment.objects.create(lea=lea, cycle=_cycle(lea, fv))
    changed = _mutate(original_text, lambda d: d.__setitem__("title", "Another title"))
    with pytest.raises(FrameworkError, match="already used"):
        framework_load(path=_write(tmp_path, changed))
    fv.refresh_from_db()
    assert fv.title != "Another title"
    _, outcome = framework_load(path=FRAMEWORK_PATH)
    assert outcome == "unchanged"


def _cycle(lea, fv):
    from tests.factories import CycleFactory

    return CycleFactory(state=lea.state, framework=fv)


@pytest.mark.django_db
def test_an_unused_version_may_be_corrected(tmp_path, original_text):
    framework_load(path=FRAMEWORK_PATH)
    changed = _mutate(original_text, lambda d: d.__setitem__("title", "Corrected title"))
    fv, outcome = framework_load(path=_write(tmp_path, changed))
    assert outcome == "updated"
    assert fv.title == "Corrected title"


@pytest.mark.django_db
def test_the_command_lists_every_problem_and_exits_with_an_error(tmp_path, original_text):
    def two_mistakes(d):
        _first_indicator(d)["levels"].pop(2)
        _first_indicator(d)["levers"] = ["nowhere"]

    path = _write(tmp_path, _mutate(original_text, two_mistakes))
    with pytest.raises(CommandError) as caught:
        call_command("load_framework", str(path))
    text = str(caught.value)
    assert "nothing was written" in text
    assert "level 2" in text and "'nowhere'" in text
