"""axe-core finds no violations on the main pages, and one domain can be completed with
the keyboard alone."""

import pytest

from access.selectors import assessment_get_for_user
from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.services import answer_save, assessment_submit
from frameworks.document import framework_indicators
from tests.factories import DEMO_PASSWORD

from .conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def axe_violations(page) -> str:
    """An empty string when axe finds nothing, else a readable report."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    if results.violations_count == 0:
        return ""
    return results.generate_report()


@pytest.fixture
def place(two_states):
    nh = two_states["NH"]
    staff, admin = nh["users"][Role.STATE_STAFF], nh["users"][Role.STATE_ADMIN]
    draft = Assessment.objects.create(lea=nh["leas"][0], cycle=nh["cycle"], assignee=staff)
    submitted = Assessment.objects.create(lea=nh["leas"][1], cycle=nh["cycle"], assignee=staff)
    specs = framework_indicators(nh["cycle"].framework.content)
    loaded = assessment_get_for_user(user=staff, pk=draft.pk)
    for spec in specs[:5]:
        answer_save(
            assessment=loaded,
            user=staff,
            indicator=spec.code,
            rating=3,
            dont_know=False,
            evidence="Seen in the district plan <2025>.",
            version=0,
        )
    loaded = assessment_get_for_user(user=staff, pk=submitted.pk)
    for i, spec in enumerate(specs):
        answer_save(
            assessment=loaded,
            user=staff,
            indicator=spec.code,
            rating=None if i % 7 else 2,
            dont_know=bool(i % 7),
            evidence="A note." if i % 3 else "",
            version=0,
        )
    assessment_submit(assessment=loaded, user=staff, version=loaded.version)
    return {"staff": staff, "admin": admin, "draft": draft, "submitted": submitted}


def test_axe_finds_no_violations_on_the_main_pages(live_server, new_context, place):
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context().new_page()
    page.goto(f"{base}/accounts/login/")
    assert axe_violations(page) == "", "login page"

    sign_in(page, base, place["staff"], DEMO_PASSWORD)
    pages = {
        "lea-list": f"{base}/leas/",
        "assessment-domain": f"{base}/assessments/{place['draft'].pk}/domains/blended/",
        "check-and-submit": f"{base}/assessments/{place['draft'].pk}/review/",
        "activity": f"{base}/assessments/{place['draft'].pk}/activity/",
    }
    for name, url in pages.items():
        page.goto(url)
        assert axe_violations(page) == "", name
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    # The page after a save, with the save status shown.
    page.goto(pages["assessment-domain"])
    page.locator('label[for="ind-bl-06-choice-2"]').click()
    page.get_by_text("All changes saved at").wait_for()
    assert axe_violations(page) == "", "assessment page after a save"

    admin_page = new_context().new_page()
    sign_in(admin_page, base, place["admin"], DEMO_PASSWORD)
    admin_page.goto(f"{base}/assessments/{place['submitted'].pk}/review/")
    admin_page.locator("#ind-bl-01 summary").click()
    assert axe_violations(admin_page) == "", "review page"


def test_a_conflict_panel_has_no_violations(live_server, new_context, place):
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, place["staff"], DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{place['draft'].pk}/domains/blended/")
    # Someone else saves BL-06 after this page was loaded.
    loaded = assessment_get_for_user(user=place["admin"], pk=place["draft"].pk)
    answer_save(
        assessment=loaded,
        user=place["admin"],
        indicator="BL-06",
        rating=4,
        dont_know=False,
        evidence="Theirs",
        version=0,
    )
    page.locator('label[for="ind-bl-06-choice-1"]').click()
    page.locator("#ind-bl-06 .cbe-conflict").wait_for()
    page.locator("#ind-bl-06 .cbe-conflict").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "conflict.png"))
    assert axe_violations(page) == ""


def test_one_domain_completed_with_the_keyboard_alone(live_server, new_context, place):
    """Tab into each indicator's radio group, Space to choose, arrow keys to change the
    level, Tab to the note and type, Tab on to the next indicator; Enter on the save
    button at the end. No mouse."""
    base = live_server.url
    staff = place["staff"]
    assessment = place["draft"]
    page = new_context().new_page()
    page.goto(f"{base}/accounts/login/")
    page.keyboard.press("Tab")  # skip link
    page.focus("#id_username")
    page.keyboard.type(staff.username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{base}/assessments/{assessment.pk}/domains/equity/")
    codes = [
        s.code
        for s in framework_indicators(assessment.cycle.framework.content)
        if s.domain == "equity"
    ]

    def focused():
        return page.evaluate(
            """() => {
                const el = document.activeElement;
                const box = el && el.closest('.cbe-indicator');
                return {tag: el.tagName, type: el.type || '', name: el.name || '',
                        text: (el.textContent || '').trim(),
                        indicator: box ? box.dataset.indicator : null};
            }"""
        )

    def tab_until(predicate, limit=150):
        for _ in range(limit):
            page.keyboard.press("Tab")
            state = focused()
            if predicate(state):
                return state
        raise AssertionError(f"never reached by Tab; last focus {focused()}")

    tab_until(lambda f: f["indicator"] == codes[0] and f["type"] == "radio")
    for i, code in enumerate(codes):
        state = focused()
        assert state["indicator"] == code and state["type"] == "radio", state
        page.keyboard.press("Space")  # choose the focused level (1)
        for _ in range(i % 5):
            page.keyboard.press("ArrowDown")  # move to another level, even "Don't know"
        page.keyboard.press("Tab")
        assert focused()["tag"] == "TEXTAREA"
        if i % 2 == 0:
            page.keyboard.type(f"Checked by keyboard, item {i}.")
        page.keyboard.press("Tab")
    assert focused()["text"] == "Save this domain"
    page.keyboard.press("Enter")
    page.get_by_text("All answers in this domain are saved").wait_for()

    saved = {
        a.indicator.code: a
        for a in Answer.objects.filter(
            assessment=assessment, indicator__code__in=codes
        ).select_related("indicator")
    }
    assert set(saved) == set(codes)
    for i, code in enumerate(codes):
        expected = [(1, False), (2, False), (3, False), (4, False), (None, True)][i % 5]
        assert (saved[code].rating, saved[code].dont_know) == expected, code
        assert saved[code].evidence == (f"Checked by keyboard, item {i}." if i % 2 == 0 else "")
