"""New cycles are scored with the newest framework version unless another is chosen; a
cycle keeps its version, so past cycles never change."""

import datetime

import pytest

from assessments.models import AssessmentCycle
from assessments.services import cycle_create
from tests.factories import StateFactory, UserFactory

STARTS, ENDS = datetime.date(2027, 8, 1), datetime.date(2028, 6, 30)


@pytest.mark.django_db
def test_a_new_cycle_takes_the_newest_framework(framework, framework_v2):
    cycle = cycle_create(state=StateFactory(), name="2027-28", starts_on=STARTS, ends_on=ENDS)
    assert cycle.framework_id == framework_v2.pk


@pytest.mark.django_db
def test_a_cycle_may_still_be_opened_on_an_older_version(framework, framework_v2):
    cycle = cycle_create(
        state=StateFactory(), name="2027-28", starts_on=STARTS, ends_on=ENDS, framework=framework
    )
    assert AssessmentCycle.objects.get(pk=cycle.pk).framework_id == framework.pk


@pytest.mark.django_db
def test_the_admin_form_for_a_new_cycle_starts_on_the_newest_framework(
    client, framework, framework_v2
):
    admin = UserFactory(role="national_admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/assessments/assessmentcycle/add/")
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["framework"] == framework_v2.pk
