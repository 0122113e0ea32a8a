"""Every stage sentence is generated from the rule and the real counts: the policy page,
the LEA PDF and the statewide PDF say the same thing as the numbers beside them.

The case from the framework-v2 issue: a v1 state with four of five getting-started and
three of four moving-forward levers in force was told "three getting-started and two
moving-forward levers are in force" (the stage's meaning, which restates its thresholds).
"""

import datetime
import io

import pytest
from pypdf import PdfReader

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.results import lea_results
from assessments.scores import assessment_rescore
from frameworks.models import Indicator
from policies.models import LeverStatus
from policies.selectors import state_stage_working
from reports.rendering import lea_report_pdf, state_report_pdf
from reports.selectors import assessment_for_report, lea_report_context, state_report_context
from tests.factories import CycleFactory, LEAFactory, UserFactory, profile_create

PREPARED = datetime.date(2026, 11, 2)
# Four of five getting-started levers and three of four moving-forward levers in force.
IN_FORCE = {
    "task_force": "statewide",
    "credit_flexibility": "enacted",
    "innovation_zones": "enacted",
    "pilots_grants": "statewide",
    "proficiency_diplomas": "enacted",
    "assessment_redesign": "statewide",
    "next_gen_accountability": "enacted",
}
V1_SENTENCE = (
    "Advanced because 4 of 5 getting-started levers are in force (at least 3 needed) and 3 "
    "of 4 moving-forward levers are in force (at least 2 needed)."
)


def _text(content: bytes) -> str:
    """The PDF's text with whitespace collapsed and words split at a hyphen joined again."""
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text.replace("- ", "-")


@pytest.fixture
def advanced_world(report_world):
    profile = report_world["cycle"].policy_profiles.get()
    for code, status in IN_FORCE.items():
        LeverStatus.objects.filter(profile=profile, lever__code=code).update(
            status=status, citation="RSA 193-C:3"
        )
    return report_world


@pytest.mark.django_db
def test_the_policy_page_says_the_real_counts_not_the_stage_meaning(client, advanced_world):
    world = advanced_world
    meaning = world["cycle"].framework.spec.state_stage_entry("advanced").meaning
    client.force_login(world["users"][Role.TASK_FORCE])
    body = client.get(f"/policy/{world['state'].code}/{world['cycle'].pk}/").content.decode()
    assert V1_SENTENCE in body
    assert meaning not in body
    assert "4 of 5</td>" in body and "3 of 4</td>" in body


@pytest.mark.django_db
def test_both_pdfs_give_the_sentence_of_the_rule_and_the_counts(advanced_world):
    world = advanced_world
    meaning = world["cycle"].framework.spec.state_stage_entry("advanced").meaning
    lea = world["leas"][0]
    context = lea_report_context(
        assessment=assessment_for_report(lea_id=lea.id, cycle_id=world["cycle"].id)
    )
    assert context["policy"]["stage_sentence"] == V1_SENTENCE
    lea_text = _text(lea_report_pdf(context=context, prepared_on=PREPARED).content)
    state_context = state_report_context(state=world["state"], cycle=world["cycle"])
    assert state_context["policy"]["stage_sentence"] == V1_SENTENCE
    state_text = _text(state_report_pdf(context=state_context, prepared_on=PREPARED).content)
    for text in (lea_text, state_text):
        assert V1_SENTENCE in text
        assert meaning not in text


@pytest.mark.django_db
def test_the_report_sentence_is_the_working_of_the_recorded_statuses(report_world):
    spec = report_world["cycle"].framework.spec
    statuses = dict(
        LeverStatus.objects.filter(profile__cycle=report_world["cycle"]).values_list(
            "lever__code", "status"
        )
    )
    working = state_stage_working(framework=spec, statuses=statuses)
    context = state_report_context(state=report_world["state"], cycle=report_world["cycle"])
    assert context["policy"]["stage"] == working.stage
    assert context["policy"]["stage_sentence"] == working.sentence


# --- a v2 cycle -----------------------------------------------------------------------


@pytest.fixture
def v2_world(framework_v2):
    lea = LEAFactory(name="Cap Valley School District")
    cycle = CycleFactory(state=lea.state, framework=framework_v2)
    assessment = Assessment.objects.create(lea=lea, cycle=cycle)
    indicators = Indicator.objects.filter(framework=framework_v2).select_related("domain")
    # Blended and equity fully in place, structure only started: the overall score reaches
    # Spreading practice, but structure caps the stage at Laying foundations.
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            indicator=indicator,
            rating=2 if indicator.domain.code == "structure" else 4,
        )
        for indicator in indicators
    )
    assessment_rescore(assessment=assessment)
    profile_create(
        state=lea.state,
        cycle=cycle,
        statuses={"credit_flexibility": ("statewide", "RSA 193-C:3"), "task_force": "enacted"},
    )
    return {"lea": lea, "cycle": cycle, "assessment": assessment}


@pytest.mark.django_db
def test_a_capped_lea_stage_says_why_on_the_results_page(client, v2_world):
    assessment = Assessment.objects.select_related("lea", "cycle__framework").get(
        pk=v2_world["assessment"].pk
    )
    results = lea_results(assessment=assessment)
    assert (results.score.overall, results.score.stage) == (77.8, "foundations")
    assert results.stage_reason == (
        "The overall score, 77.8, reaches Spreading practice (from 60). The competency-based "
        "structure score, 33.3, reaches only Laying foundations, and the stage is never above "
        "what that domain supports."
    )
    client.force_login(UserFactory(role=Role.STATE_STAFF, state=v2_world["lea"].state))
    body = client.get(
        f"/leas/{v2_world['lea'].leaid}/results/{v2_world['cycle'].pk}/"
    ).content.decode()
    assert "reaches only Laying foundations" in body


@pytest.mark.django_db
def test_the_v2_lea_pdf_states_both_stage_rules_in_words(v2_world):
    lea, cycle = v2_world["lea"], v2_world["cycle"]
    context = lea_report_context(assessment=assessment_for_report(lea_id=lea.id, cycle_id=cycle.id))
    assert context["policy"]["stage_sentence"] == (
        "Developing because credit flexibility is statewide. Not Advanced: 1 of the 3 (credit "
        "flexibility, proficiency-based diplomas and building local capacity) is statewide "
        "(all 3 needed)."
    )
    text = _text(lea_report_pdf(context=context, prepared_on=PREPARED).content)
    assert "reaches only Laying foundations" in text
    assert (
        "Overall score 77.8 out of 100, from 51 rated indicators of 51. Held at Laying "
        "foundations by the competency-based structure score (33.3); the overall score alone "
        "would reach Spreading practice." in text
    )
    assert "Developing because credit flexibility is statewide." in text
    assert "Ratings run from 1 (Not yet) to 4 (Fully in place)" in text


@pytest.mark.django_db
def test_an_lea_without_enough_answers_is_told_what_is_missing(v2_world):
    assessment = v2_world["assessment"]
    Answer.objects.filter(
        assessment=assessment, indicator__code__in=["EQ-04", "EQ-15", "EQ-06"]
    ).update(rating=None, dont_know=True)
    assessment_rescore(assessment=assessment)
    assessment = Assessment.objects.select_related("lea", "cycle__framework").get(pk=assessment.pk)
    results = lea_results(assessment=assessment)
    assert results.stage_reason == (
        "No stage yet: Flexible pace without ranking has 1 of 4 rated (3 needed)."
    )


@pytest.mark.django_db
def test_a_previous_stage_scored_with_v1_is_named_by_v1(v2_world, framework):
    lea = v2_world["lea"]
    prior = CycleFactory(
        state=lea.state,
        framework=framework,
        name="2025-26",
        starts_on=datetime.date(2025, 8, 1),
        ends_on=datetime.date(2026, 6, 30),
    )
    before = Assessment.objects.create(lea=lea, cycle=prior)
    Answer.objects.bulk_create(
        Answer(assessment=before, indicator=indicator, rating=2)
        for indicator in Indicator.objects.filter(framework=framework)
    )
    assessment_rescore(assessment=before)
    assessment = Assessment.objects.select_related("lea", "cycle__framework").get(
        pk=v2_world["assessment"].pk
    )
    results = lea_results(assessment=assessment)
    assert (results.previous_cycle, results.previous_stage_label) == ("2025-26", "Beginning")
