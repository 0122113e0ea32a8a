"""Running a cycle in Chromium: an administrator opens a cycle of 50 LEAs and shares them
between two staff members, 25 each, each share in one bulk action (the second by keyboard
alone); axe finds nothing on the set-up, LEA list and workload pages."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from assessments.models import Assessment, AssessmentCycle
from directory.models import LEA
from tests.factories import DEMO_PASSWORD, UserFactory

from .conftest import SCREENSHOTS, sign_in
from .test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def place(two_states):
    nh = two_states["NH"]
    state = nh["state"]
    # The fixture's two LEAs have closed: the new cycle takes the 50 below.
    LEA.objects.filter(pk__in=[lea.pk for lea in nh["leas"]]).update(status=LEA.Status.CLOSED)
    LEA.objects.bulk_create(
        LEA(leaid=f"33{n:05d}", state=state, name=f"{word} Valley District {i:02d}")
        for n, (word, i) in enumerate(
            [(w, i) for w in ("Alder", "Birch") for i in range(1, 26)], start=1
        )
    )
    admin = nh["users"][Role.STATE_ADMIN]
    admin.first_name, admin.last_name = "Ari", "Admin"
    admin.save()
    first = UserFactory(
        role=Role.STATE_STAFF, state=state, username="cam", first_name="Cam", last_name="Cole"
    )
    second = UserFactory(
        role=Role.STATE_STAFF, state=state, username="dee", first_name="Dee", last_name="Diaz"
    )
    return {"admin": admin, "first": first, "second": second, "state": state}


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName, id: el.id || '', type: el.type || '',
                    text: (el.textContent || '').trim()};
        }"""
    )


def _tab_until(page, predicate, limit=300):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if predicate(_focused(page)):
            return
    raise AssertionError(f"never reached by Tab; last focus {_focused(page)}")


def test_an_administrator_opens_a_cycle_and_shares_50_leas_between_two_staff(
    live_server, new_context, place
):
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, place["admin"], DEMO_PASSWORD)

    # From the menu to the set-up page.
    page.get_by_role("link", name="Cycles", exact=True).click()
    page.get_by_role("link", name="Open a new cycle").click()
    assert axe_violations(page) == "", "set-up page"
    due = timezone.localdate() + datetime.timedelta(days=45)
    page.fill("#id_name", "2027-28")
    page.fill("#id_assessments_due_on", due.isoformat())
    page.fill("#id_reviews_due_on", (due + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Open the cycle").click()
    page.get_by_text("is open with 50 LEAs").wait_for()
    cycle = AssessmentCycle.objects.get(state=place["state"], name="2027-28")
    assert cycle.assessments.count() == 50

    # The first 25 by mouse: filter, tick them all, choose the person, assign.
    page.goto(f"{base}/leas/?q=Alder")
    assert axe_violations(page) == "", "LEA list"
    page.locator("label[for=pick-all]").click()
    page.get_by_text("25 of 25 LEAs on this page ticked.").wait_for()
    page.select_option("#bulk-assignee", str(place["first"].pk))
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("25 LEAs assigned to Cam Cole.").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "cycle-bulk-assigned.png"), full_page=True)

    # The other 25 by keyboard alone.
    page.goto(f"{base}/leas/?q=Birch")
    _tab_until(page, lambda f: f["id"] == "pick-all")
    page.keyboard.press("Space")
    _tab_until(page, lambda f: f["id"] == "bulk-assignee")
    page.keyboard.type("Dee")
    assert page.eval_on_selector("#bulk-assignee", "el => el.value") == str(place["second"].pk)
    _tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Assign")
    page.keyboard.press("Enter")
    page.get_by_text("25 LEAs assigned to Dee Diaz.").wait_for()

    counts = {
        who: Assessment.objects.filter(cycle=cycle, assignee=place[who]).count()
        for who in ("first", "second")
    }
    assert counts == {"first": 25, "second": 25}
    assert not Assessment.objects.filter(cycle=cycle, assignee__isnull=True).exists()

    # The workload, reached from the cycle's page.
    page.goto(f"{base}/cycles/{cycle.pk}/")
    page.get_by_role("link", name="Workload of staff").click()
    page.get_by_role("heading", name="Workload of staff, State NH 2027-28").wait_for()
    assert axe_violations(page) == "", "workload page"
    row = page.get_by_role("row", name="Cam Cole (cam)")
    assert row.get_by_role("cell").nth(0).inner_text().startswith("25")
