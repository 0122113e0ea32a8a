"""Generated states for the dashboard tests: LEAs of every locale and size band, two
cycles, assessments in every status with scores computed by assessments.scoring from
random answers, and a policy profile. Rows are bulk-inserted so 500 LEAs take well
under a second."""

import datetime
import random
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scoring import AnswerData, score_answers
from directory.models import LEA, Locale
from frameworks.document import framework_from_content, framework_indicators
from frameworks.models import Indicator
from tests.factories import CycleFactory, StateFactory, UserFactory, profile_create

LOCALE_CODES = [code for code, _ in Locale.choices]  # includes "" (not reported)
# Both sides of every size-band bound, and no enrollment at all.
ENROLLMENTS = [None, 40, 999, 1000, 4200, 9999, 10000, 25000]
STATUSES = [None, "draft", "submitted", "returned", "accepted"]


@dataclass
class World:
    state: object
    cycle: object  # the current cycle
    prior: object  # the cycle before it
    leas: list = field(default_factory=list)
    assessments: list = field(default_factory=list)  # both cycles


def random_scores(content: dict, rng: random.Random, *, with_answers: bool = True) -> dict:
    """Fields of a scored assessment: ratings at random, some "don't know", some blank."""
    answers = []
    level = rng.uniform(1.2, 3.8)
    if with_answers:
        for spec in framework_indicators(content):
            roll = rng.random()
            if roll < 0.15:
                continue
            if roll < 0.2:
                answers.append(AnswerData(indicator=spec.code, rating=None, dont_know=True))
                continue
            rating = min(4, max(1, round(rng.gauss(level, 0.8))))
            answers.append(AnswerData(indicator=spec.code, rating=rating))
    result = score_answers(framework_from_content(content), answers)
    return {
        "scores": result.as_dict(),
        "overall_score": result.overall,
        "stage": result.stage,
        "gap_codes": list(result.gaps),
        "answers": answers,
    }


def world_create(
    *,
    framework,
    code: str,
    lea_count: int,
    seed: str,
    with_answers: bool = False,
    profile_statuses: dict | None = None,
) -> World:
    rng = random.Random(seed)
    content = framework.content
    state = StateFactory(code=code, name=f"State {code}")
    prior = CycleFactory(
        state=state,
        framework=framework,
        name="2025-26",
        starts_on=datetime.date(2025, 8, 1),
        ends_on=datetime.date(2026, 6, 30),
        is_open=False,
    )
    cycle = CycleFactory(state=state, framework=framework, name="2026-27")
    base = rng.randrange(1_000_000, 8_000_000)
    leas = LEA.objects.bulk_create(
        LEA(
            leaid=f"{base + i:07d}",
            state=state,
            name=f"{code} District {i:04d}",
            locale=rng.choice(LOCALE_CODES),
            enrollment=rng.choice(ENROLLMENTS),
        )
        for i in range(lea_count)
    )
    rows = []
    answers = []
    for lea in leas:
        for which, this_cycle in (("prior", prior), ("current", cycle)):
            status = rng.choice(STATUSES) if which == "current" else rng.choice(STATUSES[1:])
            if status is None or (which == "prior" and rng.random() < 0.3):
                continue
            fields = {
                "scores": {},
                "overall_score": None,
                "stage": "",
                "gap_codes": [],
                "answers": [],
            }
            if rng.random() > 0.05:  # a few assessments were never scored
                fields = random_scores(content, rng)
            assessment = Assessment(
                lea=lea,
                cycle=this_cycle,
                status=status,
                scores=fields["scores"],
                overall_score=fields["overall_score"],
                stage=fields["stage"],
                gap_codes=fields["gap_codes"],
                scored_with=framework if fields["scores"] else None,
            )
            rows.append(assessment)
            answers.append(fields["answers"])
    created = Assessment.objects.bulk_create(rows)
    if with_answers:
        indicators = dict(Indicator.objects.filter(framework=framework).values_list("code", "id"))
        answers_insert(
            (assessment.pk, indicators[a.indicator], a.rating, a.dont_know)
            for assessment, given in zip(created, answers, strict=True)
            for a in given
        )
    profile_create(state=state, cycle=cycle, statuses=profile_statuses or {}, stage="emerging")
    return World(state=state, cycle=cycle, prior=prior, leas=list(leas), assessments=created)


def answers_insert(rows) -> None:
    """Insert (assessment id, indicator id, rating, don't know) rows in one executemany.

    Tens of thousands of answers through bulk_create spend most of their time building
    model instances; the rows are plain data here, so they skip that. (Like bulk_create,
    this writes no history.)"""
    field_values = {
        "assessment": None,
        "indicator": None,
        "rating": None,
        "dont_know": None,
        "evidence": "",
        "version": 1,
        "updated_at": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    columns = [Answer._meta.get_field(name).column for name in field_values]
    defaults = list(field_values.values())[4:]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        connection.ops.quote_name(Answer._meta.db_table),
        ", ".join(connection.ops.quote_name(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row, *defaults) for row in rows])


@pytest.fixture
def make_world(framework):
    def make(**kwargs) -> World:
        return world_create(framework=framework, **kwargs)

    return make


@pytest.fixture
def national_client(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    return client
