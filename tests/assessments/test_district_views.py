"""The district's-view pages through Django test clients: the leader saves a domain
without JavaScript, bad input and stale versions come back with the problem named and
nothing saved, readers see the ratings read-only, and who may open the page at all."""

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.models import Assessment, DistrictRating
from tests.assessments.test_assessment_views import client_for

from .test_district_ratings import rate


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    place["assessment"] = Assessment.objects.create(lea=place["leas"][0], cycle=place["cycle"])
    place["leader"] = place["users"][Role.DISTRICT_LEADER]
    return place


def page(assessment, domain="blended"):
    return reverse("readiness:district_view_domain", args=[assessment.pk, domain])


def ratings():
    return sorted(DistrictRating.objects.values_list("indicator__code", "level", "note", "version"))


def test_the_start_address_opens_the_first_domain(nh):
    response = client_for(nh["leader"]).get(
        reverse("readiness:district_view", args=[nh["assessment"].pk])
    )
    assert response.status_code == 302
    assert response["Location"] == page(nh["assessment"])


def test_a_leader_saves_a_domains_ratings_without_javascript(nh):
    client = client_for(nh["leader"])
    response = client.get(page(nh["assessment"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="BL-01-level"' in html and "State’s rating:" in html
    response = client.post(
        page(nh["assessment"]),
        {
            "BL-01-level": "1",
            "BL-01-note": "Devices are five years old.",
            "BL-01-version": "0",
            "BL-02-level": "",
            "BL-02-note": "",
            "BL-02-version": "0",
            "save_next": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == page(nh["assessment"], "structure")
    assert ratings() == [("BL-01", 1, "Devices are five years old.", 1)]
    followed = client.get(page(nh["assessment"])).content.decode()
    assert "Devices are five years old." in followed


def test_a_note_without_a_level_is_refused_naming_the_indicator(nh):
    response = client_for(nh["leader"]).post(
        page(nh["assessment"]),
        {
            "BL-01-level": "2",
            "BL-01-note": "",
            "BL-01-version": "0",
            "BL-02-level": "",
            "BL-02-note": "We think otherwise.",
            "BL-02-version": "0",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "BL-02" in html and "Choose the district’s level to go with the note." in html.replace(
        "&#x27;", "’"
    ).replace("'", "’")
    assert ratings() == []


def test_a_level_the_framework_does_not_have_is_refused(nh):
    response = client_for(nh["leader"]).post(
        page(nh["assessment"]), {"BL-01-level": "7", "BL-01-note": "", "BL-01-version": "0"}
    )
    assert response.status_code == 400
    assert "must be one of 1, 2, 3, 4" in response.content.decode()
    assert ratings() == []


def test_a_stale_version_shows_both_ratings_and_sending_again_keeps_mine(nh):
    client = client_for(nh["leader"])
    rate(nh["assessment"], nh["leader"], level=4, note="from the other tab")
    sent = {"BL-01-level": "1", "BL-01-note": "mine", "BL-01-version": "0"}
    response = client.post(page(nh["assessment"]), sent)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this rating" in html and "from the other tab" in html
    assert 'name="BL-01-version" value="1"' in html
    assert ratings() == [("BL-01", 4, "from the other tab", 1)]
    response = client.post(page(nh["assessment"]), {**sent, "BL-01-version": "1"})
    assert response.status_code == 302
    assert ratings() == [("BL-01", 1, "mine", 2)]


def test_keeping_their_rating_leaves_it_as_stored(nh):
    rate(nh["assessment"], nh["leader"], level=4, note="theirs")
    response = client_for(nh["leader"]).post(
        page(nh["assessment"]),
        {"BL-01-level": "1", "BL-01-note": "mine", "BL-01-version": "0", "keep_theirs": "BL-01"},
    )
    assert response.status_code == 302
    assert ratings() == [("BL-01", 4, "theirs", 1)]


def test_after_acceptance_the_leader_reads_the_view_and_a_post_changes_nothing(nh):
    rate(nh["assessment"], nh["leader"], level=2, note="kept")
    Assessment.objects.filter(pk=nh["assessment"].pk).update(status=Assessment.Status.ACCEPTED)
    client = client_for(nh["leader"])
    html = client.get(page(nh["assessment"])).content.decode()
    assert "can no longer change" in html and 'name="BL-01-level"' not in html
    response = client.post(
        page(nh["assessment"]), {"BL-01-level": "4", "BL-01-note": "", "BL-01-version": "1"}
    )
    assert response.status_code == 302
    assert ratings() == [("BL-01", 2, "kept", 1)]


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.STATE_STAFF])
def test_state_admins_and_staff_read_the_districts_view_without_a_form(nh, role):
    rate(nh["assessment"], nh["leader"], level=2, note="Our reading")
    html = client_for(nh["users"][role]).get(page(nh["assessment"])).content.decode()
    assert "Our reading" in html and "2 · Beginning" in html
    assert 'name="BL-01-level"' not in html


def test_a_national_admin_reads_it_too(nh, two_states):
    assert client_for(two_states["national"]).get(page(nh["assessment"])).status_code == 200


def test_task_force_and_other_leas_and_states_get_404(nh, two_states):
    other_leader = Assessment.objects.create(lea=nh["leas"][1], cycle=nh["cycle"])
    assert client_for(nh["users"][Role.TASK_FORCE]).get(page(nh["assessment"])).status_code == 404
    assert client_for(nh["leader"]).get(page(other_leader)).status_code == 404
    vt = two_states["VT"]["users"]
    for role in (Role.STATE_ADMIN, Role.DISTRICT_LEADER):
        assert client_for(vt[role]).get(page(nh["assessment"])).status_code == 404


def test_the_tab_is_offered_to_readers_but_not_to_the_task_force(nh):
    review = reverse("readiness:assessment_review", args=[nh["assessment"].pk])
    link = reverse("readiness:district_view", args=[nh["assessment"].pk])
    assert link in client_for(nh["users"][Role.STATE_STAFF]).get(review).content.decode()
    assert link not in client_for(nh["users"][Role.TASK_FORCE]).get(review).content.decode()


def test_the_leas_page_offers_the_leader_the_districts_view(nh):
    html = (
        client_for(nh["leader"])
        .get(reverse("readiness:lea_detail", args=[nh["leas"][0].leaid]))
        .content.decode()
    )
    assert reverse("readiness:district_view", args=[nh["assessment"].pk]) in html


def test_an_unknown_domain_is_404(nh):
    assert client_for(nh["leader"]).get(page(nh["assessment"], "nope")).status_code == 404
