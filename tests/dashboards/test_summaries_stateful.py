"""The cycles' summaries stay equal to a brute-force recount, whatever people do.

A generated sequence of answer saves (ratings and "don't know"), submits, returns,
accepts, lever status edits, participation changes and LEA changes runs through the
services people's pages call. After every step:

- a stored summary that calls itself current equals a recount from the answers (so a
  change that moves a figure always marks the summary older than its rows);
- what a reader gets (the summary, rebuilt first when stale) equals that recount;
- the lever rows the dashboard shows equal those counted afresh over the gap answers.
"""

import contextlib
import random
import string

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.models import Role
from assessments import services
from assessments.models import Assessment
from assessments.summaries import (
    cycle_score_summary,
    cycle_score_summary_recounted,
    cycle_score_summary_stored,
)
from directory.models import LEA
from policies.models import Participation
from policies.selectors import (
    cycle_lever_summary,
    cycle_lever_summary_recounted,
    cycle_lever_summary_stored,
    state_levers_held_back,
    state_levers_held_back_counted,
)
from policies.services import LeverEdit, lever_participation_set, policy_profile_update
from tests.factories import (
    CycleFactory,
    LEAFactory,
    StateFactory,
    UserFactory,
    profile_create,
    shipped_framework,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LEAS = 4
STATUSES = ["none", "exploring", "enacted", "statewide"]
LOCALES = ["11", "21", "32", "43", ""]
_codes = iter(a + b for a in string.ascii_uppercase for b in string.ascii_uppercase)


class CycleFigures(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.framework = shipped_framework()
        self.spec = self.framework.spec
        code = next(_codes)
        self.state = StateFactory(code=code, name=f"State {code}")
        self.leas = [LEAFactory(state=self.state, locale=LOCALES[i]) for i in range(LEAS)]
        self.cycle = CycleFactory(state=self.state, framework=self.framework)
        self.staff = UserFactory(role=Role.STATE_STAFF, state=self.state)
        self.admin = UserFactory(role=Role.STATE_ADMIN, state=self.state)
        self.profile = profile_create(state=self.state, cycle=self.cycle, statuses={})
        self.codes = self.spec.indicator_codes
        self.levers = self.spec.lever_codes

    def _assessment(self, lea_index: int) -> Assessment:
        lea = self.leas[lea_index]
        return services.assessment_start(user=self.staff, lea=lea, cycle=self.cycle)

    def _fresh(self, lea_index: int) -> Assessment | None:
        return Assessment.objects.filter(lea=self.leas[lea_index], cycle=self.cycle).first()

    def _answer(self, assessment: Assessment, code: str, rating: int | None) -> None:
        answer = assessment.answers.filter(indicator__code=code).first()
        with contextlib.suppress(services.AssessmentLocked):  # submitted or accepted
            services.answer_save(
                assessment=assessment,
                user=self.staff,
                indicator=code,
                rating=rating,
                dont_know=rating is None,
                evidence="",
                version=answer.version if answer else 0,
            )

    @rule(
        lea=st.integers(0, LEAS - 1),
        position=st.integers(0, 200),
        rating=st.one_of(st.none(), st.integers(1, 4)),
    )
    def save_an_answer(self, lea, position, rating):
        assessment = self._assessment(lea)
        self._answer(assessment, self.codes[position % len(self.codes)], rating)

    @rule(lea=st.integers(0, LEAS - 1), level=st.integers(1, 4), seed=st.integers(0, 99))
    def answer_everything_and_submit(self, lea, level, seed):
        assessment = self._assessment(lea)
        rng = random.Random(seed)
        answered = set(assessment.answers.values_list("indicator__code", flat=True))
        for code in self.codes:
            if code not in answered:
                rating = min(4, max(1, level + rng.choice([-1, 0, 0, 1])))
                self._answer(assessment, code, rating if rng.random() > 0.1 else None)
        assessment.refresh_from_db()
        # Already submitted or accepted: the page would say so.
        with contextlib.suppress(services.AssessmentError, services.NotAllowed):
            services.assessment_submit(
                assessment=assessment, user=self.staff, version=assessment.version
            )

    @rule(lea=st.integers(0, LEAS - 1), accept=st.booleans())
    def review(self, lea, accept):
        assessment = self._fresh(lea)
        if assessment is None or assessment.status != Assessment.Status.SUBMITTED:
            return
        if accept:
            services.assessment_accept(
                assessment=assessment, user=self.admin, version=assessment.version
            )
        else:
            services.assessment_return(
                assessment=assessment,
                user=self.admin,
                version=assessment.version,
                note="Please look again.",
            )

    @rule(
        lever=st.integers(0, 8),
        status=st.sampled_from(["none", "exploring", "enacted", "statewide"]),
    )
    def set_a_lever(self, lever, status):
        code = self.levers[lever]
        row = self.profile.lever_statuses.get(lever__code=code)
        policy_profile_update(
            profile=self.profile,
            user=self.admin,
            edits=[
                LeverEdit(
                    lever=code,
                    status=status,
                    citation="" if status in ("none", "exploring") else "RSA 193-C:3",
                    note="",
                    version=row.version,
                )
            ],
        )

    @rule(lever=st.integers(0, 8), chosen=st.sets(st.integers(0, LEAS - 1)))
    def choose_who_takes_part(self, lever, chosen):
        code = self.levers[lever]
        row = self.profile.lever_statuses.get(lever__code=code)
        if row.status != self.spec.partial_status_code:
            return
        lever_participation_set(
            profile=self.profile,
            user=self.admin,
            lever=code,
            participation=Participation.LISTED,
            leaids=[self.leas[i].leaid for i in sorted(chosen)],
            version=row.version,
        )

    @rule(lea=st.integers(0, LEAS - 1), locale=st.sampled_from(LOCALES))
    def an_import_moves_an_lea(self, lea, locale):
        # What a CCD import does to a changed LEA (directory.importing): new facts and a
        # new change time, in one UPDATE.
        from django.utils import timezone

        LEA.objects.filter(pk=self.leas[lea].pk).update(locale=locale, updated_at=timezone.now())

    @invariant()
    def figures_equal_a_recount(self):
        scores = cycle_score_summary_recounted(cycle=self.cycle)
        stored, current = cycle_score_summary_stored(cycle=self.cycle)
        if current:
            assert stored == scores
        assert cycle_score_summary(cycle=self.cycle) == scores
        assert cycle_score_summary_stored(cycle=self.cycle) == (scores, True)

        levers = cycle_lever_summary_recounted(cycle=self.cycle)
        stored_levers, current = cycle_lever_summary_stored(cycle=self.cycle)
        if current:
            assert stored_levers == levers
        assert cycle_lever_summary(cycle=self.cycle) == levers
        assert state_levers_held_back(
            state=self.state, cycle=self.cycle
        ) == state_levers_held_back_counted(state=self.state, cycle=self.cycle)


def test_summaries_equal_a_recount_after_any_sequence_of_changes(framework):
    run_state_machine_as_test(
        CycleFigures,
        settings=settings(
            max_examples=8,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
