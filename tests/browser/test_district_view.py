"""The district's view in Chromium: a district leader gives a rating with the keyboard
alone, and axe finds nothing on the district's-view page (editing and read-only) or on the
review page of a resubmitted assessment (decision at the top, what changed, differences)."""

import pytest

from access.selectors import assessment_get_for_user
from accounts.models import Role
from assessments import services
from assessments.models import Answer, Assessment, DistrictRating
from frameworks.document import framework_indicators
from tests.browsing import axe_violations
from tests.factories import DEMO_PASSWORD

from .conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_page(new_context):
    context = new_context()
    # The machines running these are shared: give a slow first page time to come.
    context.set_default_timeout(60_000)
    return context.new_page()


@pytest.fixture
def place(two_states):
    nh = two_states["NH"]
    users = nh["users"]
    assessment = Assessment.objects.create(lea=nh["leas"][0], cycle=nh["cycle"])
    staff = users[Role.STATE_STAFF]
    loaded = assessment_get_for_user(user=staff, pk=assessment.pk)
    for spec in framework_indicators(nh["cycle"].framework.content):
        services.answer_save(
            assessment=loaded,
            user=staff,
            indicator=spec.code,
            rating=4,
            dont_know=False,
            evidence="",
            version=0,
        )
    return {"assessment": assessment, "users": users}


def test_a_district_leader_rates_an_indicator_with_the_keyboard(live_server, new_context, place):
    base, leader = live_server.url, place["users"][Role.DISTRICT_LEADER]
    page = new_page(new_context)
    sign_in(page, base, leader, DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{place['assessment'].pk}/district-view/")
    page.wait_for_url(f"**/assessments/{place['assessment'].pk}/district-view/blended/")
    assert axe_violations(page)[0] == 0, axe_violations(page)[1]

    page.focus("#ind-bl-01-level-1")  # into the first indicator's radio group
    page.keyboard.press("Space")  # level 1
    page.keyboard.press("ArrowDown")  # level 2
    page.keyboard.press("Tab")  # to the note
    assert page.evaluate("document.activeElement.name") == "BL-01-note"
    page.keyboard.type("Only two of our schools have working devices.")
    # On through the page's controls to the save button, by keyboard only.
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "save":
            break
    page.keyboard.press("Enter")
    page.get_by_text("Saved 1 district rating at").wait_for()
    rating = DistrictRating.objects.get()
    assert (rating.indicator.code, rating.level, rating.note) == (
        "BL-01",
        2,
        "Only two of our schools have working devices.",
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "district-view.png"))
    assert axe_violations(page)[0] == 0, axe_violations(page)[1]

    # The state's staff read it, without a form.
    reader = new_page(new_context)
    sign_in(reader, base, place["users"][Role.STATE_STAFF], DEMO_PASSWORD)
    reader.goto(f"{base}/assessments/{place['assessment'].pk}/district-view/blended/")
    reader.get_by_text("Only two of our schools have working devices.").wait_for()
    assert axe_violations(reader)[0] == 0, axe_violations(reader)[1]


def test_the_review_page_of_a_resubmitted_assessment_passes_axe(live_server, new_context, place):
    users, pk = place["users"], place["assessment"].pk
    staff, admin, leader = (
        users[Role.STATE_STAFF],
        users[Role.STATE_ADMIN],
        users[Role.DISTRICT_LEADER],
    )
    a = assessment_get_for_user(user=staff, pk=pk)
    a = services.assessment_submit(assessment=a, user=staff, version=a.version)
    a = assessment_get_for_user(user=admin, pk=pk)
    services.assessment_return(assessment=a, user=admin, version=a.version, note="Check BL-02.")
    a = assessment_get_for_user(user=staff, pk=pk)
    version = Answer.objects.get(assessment_id=pk, indicator__code="BL-02").version
    services.answer_save(
        assessment=a,
        user=staff,
        indicator="BL-02",
        rating=3,
        dont_know=False,
        evidence="Rechecked.",
        version=version,
    )
    a = assessment_get_for_user(user=staff, pk=pk)
    services.assessment_submit(assessment=a, user=staff, version=a.version)
    services.district_rating_save(
        assessment=assessment_get_for_user(user=leader, pk=pk),
        user=leader,
        indicator="BL-01",
        level=1,
        note="Devices are old.",
        version=0,
    )

    page = new_page(new_context)
    sign_in(page, live_server.url, admin, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assessments/{pk}/review/")
    page.get_by_role("heading", name="What changed since it was returned").wait_for()
    page.get_by_role("heading", name="Where the district sees it differently").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "review-resubmitted.png"))
    assert axe_violations(page)[0] == 0, axe_violations(page)[1]
    # The decision is reachable from the top: the first button after the page's heading.
    page.focus("#decision-summary-heading")
    accept = page.get_by_role("button", name="Accept and lock").first
    assert accept.bounding_box()["y"] < page.locator("#ind-bl-01").bounding_box()["y"]
    accept.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Accepted. The assessment is now locked.").wait_for()
    assert Assessment.objects.get(pk=pk).status == Assessment.Status.ACCEPTED
