"""cbe-v1 keeps scoring exactly as it did before cbe-v2 existed, and stored scores of both
versions recompute exactly (`recompute_scores --check`).

The golden values below were computed by the scoring code as it stood before the v2 rules
were added (same answers, drawn from a seeded random generator)."""

import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Answer, Assessment
from assessments.scores import assessment_rescore
from assessments.scoring import AnswerData, score_answers, state_stage
from frameworks.document import framework_from_content, framework_parse
from frameworks.models import Indicator
from tests.factories import CycleFactory, LEAFactory

V1 = framework_from_content(
    framework_parse(
        (Path(__file__).resolve().parents[2] / "frameworks" / "cbe-v1.yaml").read_text()
    )
)


def _answers(seed: int) -> list[AnswerData]:
    rng = random.Random(f"v1-golden-{seed}")
    answers = []
    for code in V1.indicator_codes:
        draw = rng.random()
        if draw < 0.1:
            continue
        if draw < 0.15:
            answers.append(AnswerData(code, None, dont_know=True))
            continue
        answers.append(AnswerData(code, rng.randint(1, 4)))
    return answers


@pytest.mark.parametrize(
    ("seed", "overall", "stage", "domains", "rated", "dont_know"),
    [
        (0, 43.9, "emerging", [48.9, 46.3, 36.4], 44, 2),
        (1, 43.7, "emerging", [33.3, 42.2, 55.6], 41, 3),
        (2, 58.3, "emerging", [53.8, 61.1, 60.0], 35, 3),
        (3, 51.5, "emerging", [64.3, 42.9, 47.2], 40, 4),
    ],
)
def test_v1_scores_are_what_they_were_before_v2(seed, overall, stage, domains, rated, dont_know):
    result = score_answers(V1, _answers(seed))
    assert (result.overall, result.stage, result.rated, result.dont_know) == (
        overall,
        stage,
        rated,
        dont_know,
    )
    assert [d.score for d in result.domains] == domains
    assert set(result.as_dict()) == {
        "framework",
        "overall",
        "stage",
        "rated",
        "dont_know",
        "total",
        "domains",
    }


def test_v1_state_stages_are_what_they_were_before_v2():
    rng = random.Random("v1-stage")
    expected = ["developing", "developing", "advanced", "developing", "developing"]
    for stage in expected:
        statuses = {
            lever: rng.choice(["none", "exploring", "enacted", "statewide"])
            for lever in V1.lever_codes
        }
        assert state_stage(V1, statuses) == stage


def _scored_cycle(fv, *, lea_count: int = 3):
    lea = LEAFactory()
    cycle = CycleFactory(state=lea.state, framework=fv)
    indicators = list(Indicator.objects.filter(framework=fv).order_by("position"))
    for n in range(lea_count):
        assessment = Assessment.objects.create(
            lea=lea if n == 0 else LEAFactory(state=lea.state), cycle=cycle
        )
        Answer.objects.bulk_create(
            Answer(assessment=assessment, indicator=ind, rating=(i * 3 + n) % 4 + 1)
            for i, ind in enumerate(indicators)
            if (i + n) % 9
        )
        assessment_rescore(assessment=assessment)
    return cycle


@pytest.mark.django_db
def test_recompute_check_is_clean_on_v1_and_v2_cycles(framework, framework_v2):
    v1_cycle, v2_cycle = _scored_cycle(framework), _scored_cycle(framework_v2)
    out = StringIO()
    call_command("recompute_scores", "--check", stdout=out)
    assert "All 6 stored scores are exact." in out.getvalue()
    v1_scores = Assessment.objects.filter(cycle=v1_cycle).values_list("scores", flat=True)
    assert all("areas" not in scores for scores in v1_scores)
    v2_scores = Assessment.objects.filter(cycle=v2_cycle).values_list("scores", flat=True)
    assert all(scores["framework"] == "cbe-v2" and scores["areas"] for scores in v2_scores)


@pytest.mark.django_db
def test_recompute_check_notices_a_stored_v2_stage_that_ignores_the_cap(framework_v2):
    cycle = _scored_cycle(framework_v2, lea_count=1)
    Assessment.objects.filter(cycle=cycle).update(stage="sustained_practice")
    with pytest.raises(CommandError, match="1 of 1 stored scores differ"):
        call_command("recompute_scores", "--check", stdout=StringIO())
