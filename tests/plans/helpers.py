"""Shared set-up for the plan tests: an LEA with an assessment whose ratings make gaps."""

from assessments.models import Answer, Assessment
from frameworks.models import Indicator
from plans import services
from tests.factories import profile_create


def rate(assessment: Assessment, ratings: dict[str, int]) -> None:
    indicators = {
        i.code: i for i in Indicator.objects.filter(framework_id=assessment.cycle.framework_id)
    }
    Answer.objects.bulk_create(
        Answer(assessment=assessment, indicator=indicators[code], rating=rating)
        for code, rating in ratings.items()
    )


def indicator_codes(framework) -> list[str]:
    return list(framework.spec.indicator_codes)


def lea_with_gaps(place, framework, *, lea_index: int = 0, status="submitted"):
    """The LEA's assessment in the place's cycle: the first four indicators are gaps
    (rated 1, 2, 1, 2), the next two strengths. An opened lever makes the first gap
    opened (a profile with its first lever statewide)."""
    codes = indicator_codes(framework)
    assessment = Assessment.objects.create(
        lea=place["leas"][lea_index], cycle=place["cycle"], status=status
    )
    rate(assessment, {codes[0]: 1, codes[1]: 2, codes[2]: 1, codes[3]: 2, codes[4]: 4, codes[5]: 3})
    return assessment, codes


def opened_profile(place, framework):
    first = framework.spec.indicator(indicator_codes(framework)[0])
    return profile_create(
        state=place["state"], cycle=place["cycle"], statuses={first.levers[0]: "statewide"}
    )


def plan_with_task(place, framework, leader):
    assessment, codes = lea_with_gaps(place, framework)
    plan = services.plan_priorities_set(
        user=leader, assessment=assessment, indicator_codes=codes[:2]
    )
    objective = plan.objectives.order_by("indicator__position").first()
    task = services.task_create(
        user=leader,
        objective=objective,
        description="Map devices per school",
        owner_name="Pat Lee",
        starts_on="2026-09-01",
        due_on="2026-10-01",
    )
    return plan, objective, task, codes
