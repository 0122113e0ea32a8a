"""The "how scores work" page: one page per loaded framework version, generated from its
file, with the rules in plain words and why each threshold sits where it does."""

import pytest
from django.utils.html import escape

from tests.factories import UserFactory


@pytest.fixture
def reader(client, framework, framework_v2):
    client.force_login(UserFactory(role="national_admin"))
    return client


def _page(client, query: str = "") -> str:
    response = client.get(f"/how-scores-work/{query}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_newest_version_is_shown_by_default_with_its_version(reader, framework_v2):
    body = _page(reader)
    assert "version 2</strong> (cbe-v2)" in body
    assert 'value="cbe-v1"' in body and 'value="cbe-v2"' in body


@pytest.mark.django_db
def test_the_v2_page_states_every_rule_and_why(reader, framework_v2):
    spec = framework_v2.spec
    body = _page(reader, "?framework=cbe-v2")
    for stage in spec.lea_stages:
        assert all(escape(text) in body for text in (stage.label, stage.meaning, stage.why))
    for why in spec.scoring.why.values():
        assert escape(why) in body
    for share in spec.rubric.shares:
        assert f"{share.from_percent}–{share.to_percent}%" in body
        assert escape(share.meaning) in body
    assert escape(spec.rubric.best_fit) in body
    # the state tiers: Aurora's definitions in our words, the portal's reading, and why
    assert escape("this portal's reading of those definitions") in body
    for stage in spec.state_stages:
        assert all(escape(t) in body for t in (stage.definition, stage.meaning, stage.why))
    advanced = "Credit flexibility, proficiency-based diplomas and building local capacity"
    assert f"{advanced} all statewide" in body
    assert "pilots and planning grants enacted or further along" in body
    assert "At least 1 of the 9 levers exploring or further along" in body
    # the LEA rule in plain words
    assert "all 3 domains have a score" in body
    assert "Flexible pace without ranking (3 of 4)" in body
    assert "competency-based structure domain’s own score" in body
    for action in spec.state_actions.actions:
        assert escape(action.name) in body
    assert "None: a district matter" in body


@pytest.mark.django_db
def test_the_v1_page_still_shows_the_v1_rules(reader, framework):
    body = _page(reader, "?framework=cbe-v1")
    assert "version 1</strong> (cbe-v1)" in body
    assert "At least 2 getting-started levers in force (enacted or statewide)" in body
    assert "at least 2 of the 3 domains have a score" in body
    assert "Aurora Institute’s definition" not in body
    assert "What “some”" not in body


@pytest.mark.django_db
def test_an_unknown_version_is_a_404(reader):
    assert reader.get("/how-scores-work/?framework=cbe-v9").status_code == 404
