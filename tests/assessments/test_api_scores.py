"""Scores through the API: the stage, the domain scores and the framework version, from the
selector the results page reads; and the API and the web results page agree on the
scores, the stage and the gap categories of one LEA."""

import html
import re

import pytest

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scores import assessment_rescore
from tests.assessments.api import ApiClient, assert_error_shape, world_with_assessment
from tests.factories import profile_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def nh(two_states):
    return world_with_assessment(two_states)


def answer_all(assessment, framework, rating_of):
    """Answers every indicator: `rating_of(position)` gives a rating, "?" for "don't know"
    or None for no answer."""
    rows = []
    for i, indicator in enumerate(framework.indicators.order_by("position")):
        value = rating_of(i)
        if value is None:
            continue
        rows.append(
            Answer(
                assessment=assessment,
                indicator=indicator,
                rating=None if value == "?" else value,
                dont_know=value == "?",
            )
        )
    Answer.objects.bulk_create(rows)
    assessment.refresh_from_db()
    assessment_rescore(assessment=assessment)


def scores(api, assessment):
    response = api.get(f"/api/v1/assessments/{assessment.pk}/scores/")
    assert response.status_code == 200, response.content
    return response.json()


def test_scores_have_the_stage_domains_and_framework(nh, framework):
    answer_all(nh["assessment"], framework, lambda i: "?" if i % 7 == 0 else 1 + i % 4)
    body = scores(nh["api"][Role.DISTRICT_LEADER], nh["assessment"])
    spec = framework.spec
    assert body["framework"] == {"code": spec.code, "version": spec.version}
    stored = Assessment.objects.get(pk=nh["assessment"].pk)
    assert body["stage"] == {"code": stored.stage, "label": spec.lea_stage_label(stored.stage)}
    assert body["overall"] == stored.overall_score
    assert [d["code"] for d in body["domains"]] == list(spec.domain_codes)
    for domain, saved in zip(body["domains"], stored.scores["domains"], strict=True):
        assert domain["score"] == saved["score"]
        assert domain["answered"] == saved["rated"] + saved["dont_know"]
        assert domain["total"] == saved["total"]
        assert set(domain) >= {"code", "name", "score", "answered", "total"}


def test_a_fresh_assessment_has_no_stage_and_no_domain_scores(nh, framework):
    body = scores(nh["api"][Role.STATE_STAFF], nh["assessment"])
    assert body["stage"] is None
    assert body["overall"] is None
    assert all(d["score"] is None and d["answered"] == 0 for d in body["domains"])
    assert sum(d["total"] for d in body["domains"]) == len(framework.spec.indicators)


def test_scores_follow_answers_written_through_the_api(nh, framework):
    api = nh["api"][Role.STATE_STAFF]
    first_domain = framework.spec.domains[0].code
    for code in framework.spec.domain_indicator_codes(first_domain):
        response = api.put(
            f"/api/v1/assessments/{nh['assessment'].pk}/answers/{code}/",
            {"rating": 4, "dont_know": False, "evidence": "", "version": 0},
        )
        assert response.status_code == 200
    domain = scores(api, nh["assessment"])["domains"][0]
    assert (domain["code"], domain["score"]) == (first_domain, 100.0)
    assert domain["answered"] == domain["total"]


def test_another_states_scores_are_a_404(nh):
    response = nh["api"]["vt_admin"].get(f"/api/v1/assessments/{nh['assessment'].pk}/scores/")
    assert_error_shape(response, 404)


# --- the API and the web page agree ---------------------------------------------------------

DOMAIN_ROW = re.compile(
    r'<tr><th scope="row">(?P<name>[^<]+)</th>\s*'
    r'<td class="text-right">(?P<score>[^<]+)</td>\s*'
    r'<td class="text-right">(?P<rated>\d+) of (?P<total>\d+)</td>'
)
GAP = re.compile(
    r'<h3 class="margin-bottom-05">(?P<title>[^<]+?) '
    r'<span class="usa-tag[^"]*">(?P<category>[^<]+)</span>'
)
STAGE = re.compile(r'<h2 id="stage-h"[^>]*>Stage: (?P<label>[^<]+?)(?: <span|</h2>)')


def page_figures(client, lea, cycle) -> dict:
    response = client.get(f"/leas/{lea.leaid}/results/{cycle.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    domains = {
        html.unescape(m["name"]): (
            None if m["score"] == "Insufficient evidence" else float(m["score"]),
            int(m["rated"]),
            int(m["total"]),
        )
        for m in DOMAIN_ROW.finditer(text)
    }
    return {
        "stage": html.unescape(STAGE.search(text)["label"]),
        "domains": domains,
        # The page names each gap by its title and its kind in words.
        "gaps": {html.unescape(m["title"]): m["category"].strip() for m in GAP.finditer(text)},
    }


def api_figures(api, assessment) -> dict:
    body = scores(api, assessment)
    lea, cycle = assessment.lea, assessment.cycle
    alignment = api.get(f"/api/v1/leas/{lea.leaid}/cycles/{cycle.pk}/alignment/").json()
    domains = {d["name"]: (d["score"], d["rated"], d["total"]) for d in body["domains"]}
    # The page's table ends with the overall score over every indicator.
    domains["Overall"] = (
        body["overall"],
        sum(d["rated"] for d in body["domains"]),
        sum(d["total"] for d in body["domains"]),
    )
    return {
        "stage": body["stage"]["label"] if body["stage"] else "Insufficient evidence",
        "domains": domains,
        "gaps": {gap["indicator_title"]: gap["category_label"] for gap in alignment["gaps"]},
    }


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.DISTRICT_LEADER])
def test_the_api_and_the_results_page_give_the_same_scores_stage_and_gaps(
    nh, framework, role, client
):
    # A spread of ratings, a few "don't know" and blanks, and a neighbour for the medians.
    answer_all(
        nh["assessment"],
        framework,
        lambda i: None if i % 11 == 5 else ("?" if i % 9 == 4 else 1 + (i * 7) % 4),
    )
    neighbour = Assessment.objects.create(lea=nh["leas"][1], cycle=nh["cycle"])
    answer_all(neighbour, framework, lambda i: 1 + i % 4)
    profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={"credit_flexibility": "enacted", "innovation_zones": "statewide"},
    )
    user = nh["users"][role]
    client.force_login(user)
    page = page_figures(client, nh["leas"][0], nh["cycle"])
    api = api_figures(ApiClient(user), nh["assessment"])

    assert page["stage"] == api["stage"] != "Insufficient evidence"
    assert len(page["domains"]) == len(framework.spec.domains) + 1
    assert page["domains"] == api["domains"]
    assert page["gaps"] == api["gaps"]
    assert {"Opened", "Blocked"} <= set(api["gaps"].values())
