"""Alignment through the API: an LEA's gaps grouped by category in the page's words, and
per lever for a state, from the selectors the page and the dashboard read."""

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scores import assessment_rescore
from frameworks.models import Indicator
from policies.selectors import GAP_CATEGORIES, lea_alignment, state_levers_held_back
from tests.factories import CycleFactory
from tests.test_api_conventions import assert_error_shape


@pytest.fixture
def assessed(two_states, nh_profile, framework):
    """NH's first LEA with one gap opened by credit flexibility (enacted in nh_profile) and
    one gap that no lever in force opens."""
    nh = two_states["NH"]
    assessment = Assessment.objects.create(lea=nh["leas"][0], cycle=nh["cycle"])
    opened = Indicator.objects.filter(framework=framework, levers__code="credit_flexibility")[0]
    blocked = (
        Indicator.objects.filter(framework=framework)
        .exclude(levers__code__in=["credit_flexibility", "task_force"])
        .exclude(levers__isnull=True)[0]
    )
    Answer.objects.create(assessment=assessment, indicator=opened, rating=1, evidence="thin")
    Answer.objects.create(assessment=assessment, indicator=blocked, rating=2)
    assessment_rescore(assessment=assessment)
    return assessment, opened, blocked


def alignment_url(assessment):
    return f"/api/v1/leas/{assessment.lea.leaid}/cycles/{assessment.cycle_id}/alignment/"


def levers_url(code, cycle):
    return f"/api/v1/states/{code}/cycles/{cycle.pk}/levers/"


def test_an_leas_gaps_come_grouped_by_category_in_the_pages_words(client, two_states, assessed):
    assessment, opened, blocked = assessed
    client.force_login(two_states["NH"]["users"][Role.STATE_STAFF])
    body = client.get(alignment_url(assessment)).json()
    assert [c["code"] for c in body["categories"]] == [c.code for c in GAP_CATEGORIES]
    groups = {c["code"]: c for c in body["categories"]}
    assert [g["indicator_code"] for g in groups["opened"]["gaps"]] == [opened.code]
    assert [g["indicator_code"] for g in groups["blocked"]["gaps"]] == [blocked.code]
    assert (groups["opened"]["count"], body["opened_count"]) == (1, 1)
    assert (groups["blocked"]["count"], body["blocked_count"]) == (1, 1)

    selected = lea_alignment(assessment=assessment)
    for category in selected.categories:
        group = groups[category.code]
        assert (group["label"], group["description"]) == (category.label, category.description)
        assert [g["indicator_code"] for g in group["gaps"]] == [
            gap.indicator_code for gap in selected.gaps_of(category.code)
        ]
        for gap in group["gaps"]:
            assert gap["category"] == gap["state"] == category.code
            assert gap["category_label"] == category.label

    # The results page names each gap with the same words.
    page = client.get(reverse("lea_results", args=[assessment.lea.leaid, assessment.cycle_id]))
    html = page.content.decode()
    for group in body["categories"]:
        for gap in group["gaps"]:
            heading = html[html.index(gap["indicator_title"]) :]
            assert f">{group['label']}<" in heading[: heading.index("</h3>")]


def test_an_leas_alignment_is_hidden_outside_its_scope(client, two_states, assessed):
    assessment, _, _ = assessed
    client.force_login(two_states["VT"]["users"][Role.STATE_ADMIN])
    assert_error_shape(client.get(alignment_url(assessment)), 404, "not_found")
    client.force_login(two_states["NH"]["users"][Role.DISTRICT_LEADER])
    assert client.get(alignment_url(assessment)).status_code == 200
    assert_error_shape(client.get(alignment_url(assessment).replace("/alignment", "x")), 404)


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE])
def test_a_states_lever_figures_are_the_dashboards(client, two_states, assessed, role):
    assessment, opened, blocked = assessed
    nh = two_states["NH"]
    client.force_login(nh["users"][role])
    body = client.get(levers_url("nh", nh["cycle"])).json()
    rows = state_levers_held_back(state=nh["state"], cycle=nh["cycle"])
    assert (body["state"], body["cycle_id"]) == ("NH", nh["cycle"].pk)
    assert [lever["code"] for lever in body["levers"]] == [row.code for row in rows]
    for lever, row in zip(body["levers"], rows, strict=True):
        assert lever["status"] == row.status
        assert lever["leas_blocked"] == row.leas_blocked
        assert lever["leas_with_gap"] == row.leas_with_gap
        assert lever["leas_opened"] == row.leas_opened
        assert lever["leas_available"] == row.leas_available
        assert lever["leas_without_gap"] == row.leas_without_gap
        assert [i["code"] for i in lever["indicators"]] == [i.code for i in row.indicators]
    credit = next(lever for lever in body["levers"] if lever["code"] == "credit_flexibility")
    assert (credit["active"], credit["leas_with_gap"], credit["leas_blocked"]) == (True, 1, 0)
    dashboard = client.get(reverse("api-dashboard-state", args=["NH", nh["cycle"].pk])).json()
    assert [(d["code"], d["leas_blocked"]) for d in dashboard["levers"]] == [
        (lever["code"], lever["leas_blocked"]) for lever in body["levers"]
    ]


def test_a_states_lever_figures_are_refused_outside_its_aggregates(client, two_states, framework):
    nh, vt = two_states["NH"], two_states["VT"]
    client.force_login(nh["users"][Role.DISTRICT_LEADER])
    assert_error_shape(client.get(levers_url("NH", nh["cycle"])), 403, "permission_denied")
    client.force_login(nh["users"][Role.STATE_ADMIN])
    assert_error_shape(client.get(levers_url("VT", vt["cycle"])), 404, "not_found")
    assert_error_shape(client.get(levers_url("NH", vt["cycle"])), 404, "not_found")
    client.force_login(two_states["national"])
    assert client.get(levers_url("VT", vt["cycle"])).status_code == 200
    # A cycle without assessments or a profile: every lever counted, none holding anyone back.
    empty = CycleFactory(state=vt["state"], framework=framework, name="2030-31")
    body = client.get(levers_url("VT", empty)).json()
    assert len(body["levers"]) == 9
    assert {lever["assessed_leas"] for lever in body["levers"]} == {0}
    client.logout()
    assert_error_shape(client.get(levers_url("NH", nh["cycle"])), 401, "not_authenticated")
