"""The whole needs-assessment flow in Chromium: two sittings, submit, return, fix, accept,
then edits refused."""

import re

import pytest

from access.selectors import assessment_get_for_user
from accounts.models import Role
from assessments.models import Answer, Assessment, Comment
from assessments.services import answer_save
from frameworks.document import framework_indicators
from tests.factories import DEMO_PASSWORD

from .conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_SITTING = {  # indicator: (choice, evidence note)
    "BL-01": ("3", "Device inventory, August 2026."),
    "BL-02": ("2", ""),
    "BL-03": ("dont_know", "IT has not sent the numbers yet."),
    "BL-04": ("4", "Every teacher coached <twice> a year & observed."),
    "BL-05": ("1", ""),
    "BL-06": ("3", "Line one\nLine two"),
    "BL-07": ("2", ""),
    "BL-08": ("4", ""),
}


def indicator(page, code):
    return page.locator(f'.cbe-indicator[data-indicator="{code}"]')


def answer_in_page(page, code, choice, note):
    box = indicator(page, code)
    box.locator(f'label[for$="-choice-{choice}"]').click()
    if note:
        box.locator("textarea").fill(note)
        box.locator("textarea").blur()
    page.wait_for_function(
        """code => {
            const box = document.querySelector(`.cbe-indicator[data-indicator="${code}"]`);
            return box.querySelector('[data-role=status]').textContent.startsWith('Saved at');
        }""",
        arg=code,
    )


@pytest.fixture
def people(two_states):
    nh = two_states["NH"]
    staff, admin = nh["users"][Role.STATE_STAFF], nh["users"][Role.STATE_ADMIN]
    staff.first_name, staff.last_name = "Dana", "Staff"
    staff.save()
    admin.first_name, admin.last_name = "Ari", "Admin"
    admin.save()
    assessment = Assessment.objects.create(lea=nh["leas"][0], cycle=nh["cycle"], assignee=staff)
    return {"staff": staff, "admin": admin, "assessment": assessment, "lea": nh["leas"][0]}


def test_needs_assessment_from_first_answer_to_locked(live_server, new_context, people):
    base, staff, admin = live_server.url, people["staff"], people["admin"]
    assessment, lea = people["assessment"], people["lea"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # --- First sitting: half of the first domain, then the tab is closed.
    context = new_context()
    page = context.new_page()
    sign_in(page, base, staff, DEMO_PASSWORD)
    page.goto(f"{base}/leas/")
    page.get_by_role("link", name=re.compile(f"Continue the assessment of {lea.name}")).click()
    page.wait_for_url(re.compile(r"/domains/blended/#ind-bl-01$"))
    for code, (choice, note) in FIRST_SITTING.items():
        answer_in_page(page, code, choice, note)
    page.wait_for_function(
        "document.getElementById('save-status').textContent.startsWith('All changes saved')"
    )
    assert page.locator("[data-domain-count]").inner_text() == "8"
    page.close()
    context.close()
    assert Answer.objects.filter(assessment=assessment).count() == 8

    # --- Second sitting, in a new browser context: every answer is there.
    context = new_context()
    page = context.new_page()
    sign_in(page, base, staff, DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{assessment.pk}/")
    page.wait_for_url(re.compile(r"/domains/blended/#ind-bl-09$"))
    for code, (choice, note) in FIRST_SITTING.items():
        box = indicator(page, code)
        assert box.locator(f'input[type=radio][value="{choice}"]').is_checked(), code
        assert box.locator("textarea").input_value() == note, code
    # Finish the domain in the page ...
    specs = framework_indicators(assessment.cycle.framework.content)
    blended = [s.code for s in specs if s.domain == "blended"]
    for code in blended[8:]:
        answer_in_page(page, code, "3", "")
    # ... and the other domains through the service, as another sitting would.
    loaded = assessment_get_for_user(user=staff, pk=assessment.pk)
    for spec in specs:
        if spec.domain != "blended":
            answer_save(
                assessment=loaded,
                user=staff,
                indicator=spec.code,
                rating=2,
                dont_know=False,
                evidence="",
                version=0,
            )
    page.get_by_role("link", name="Check and submit").first.click()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Submitted for review. A state administrator").wait_for()
    context.close()

    # --- The state administrator returns it with a note on BL-03.
    context = new_context()
    page = context.new_page()
    sign_in(page, base, admin, DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{assessment.pk}/review/")
    # Evidence notes are shown as text, never as markup.
    assert "coached <twice> a year &amp; observed" not in page.content()
    page.get_by_text("Every teacher coached <twice> a year & observed.").wait_for()
    page.locator("#ind-bl-03 summary").click()
    page.get_by_label("Note to staff on BL-03").fill("Please get the numbers from IT and rate it.")
    page.screenshot(path=str(SCREENSHOTS / "review.png"))
    # The decision form at the end, under the notes (the panel at the top has the same two).
    page.get_by_role("button", name="Return for changes").last.click()
    page.get_by_text("Returned to state staff with your notes.").wait_for()
    context.close()
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.RETURNED
    assert Comment.objects.get(assessment=assessment).indicator.code == "BL-03"

    # --- Staff open it again: straight to the commented indicator; fix; resubmit.
    context = new_context()
    page = context.new_page()
    sign_in(page, base, staff, DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{assessment.pk}/")
    page.wait_for_url(re.compile(r"/domains/blended/#ind-bl-03$"))
    indicator(page, "BL-03").get_by_text("Please get the numbers from IT").wait_for()
    answer_in_page(page, "BL-03", "2", "IT counted 84% coverage.")
    page.get_by_role("link", name="Check and submit").first.click()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Submitted for review. A state administrator").wait_for()
    context.close()

    # --- The administrator accepts.
    context = new_context()
    page = context.new_page()
    sign_in(page, base, admin, DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{assessment.pk}/review/")
    changed = page.locator(".cbe-changed")
    changed.get_by_role("link", name=re.compile("BL-03")).wait_for()
    # Accepted from the decision panel at the top of the page.
    page.get_by_role("button", name="Accept and lock").first.click()
    page.get_by_text("Accepted. The assessment is now locked.").wait_for()
    context.close()

    # --- Edits are refused from then on.
    context = new_context()
    page = context.new_page()
    sign_in(page, base, staff, DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{assessment.pk}/domains/blended/")
    page.get_by_text("This assessment is locked").wait_for()
    assert page.locator("input[type=radio]").count() == 0
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{base}/assessments/{assessment.pk}/answers/BL-01/",
        form={"choice": "1", "evidence": "", "version": "1"},
        headers={"X-CSRFToken": csrf, "Referer": base + "/"},
    )
    assert response.status == 423
    assert "locked" in response.json()["message"]
    answer = Answer.objects.get(assessment=assessment, indicator__code="BL-03")
    assert (answer.rating, answer.evidence) == (2, "IT counted 84% coverage.")
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.ACCEPTED


def test_a_failed_save_keeps_the_answer_and_retries(live_server, new_context, people):
    """Offline: the answer stays on the page with a clear message and is saved when the
    browser is back online. Server error: retried with a growing delay until it works."""
    base, staff, assessment = live_server.url, people["staff"], people["assessment"]
    context = new_context()
    page = context.new_page()
    sign_in(page, base, staff, DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{assessment.pk}/domains/blended/")

    context.set_offline(True)
    box = indicator(page, "BL-02")
    box.locator('label[for$="-choice-4"]').click()
    box.locator("textarea").fill("Written on the train.")
    box.locator("textarea").blur()
    status = box.locator("[data-role=status]")
    status.get_by_text("the connection to the server was lost").wait_for()
    page.get_by_text("1 answer is not saved yet").wait_for()
    assert box.locator('input[type=radio][value="4"]').is_checked()
    assert box.locator("textarea").input_value() == "Written on the train."
    assert not Answer.objects.filter(assessment=assessment).exists()
    context.set_offline(False)  # the page hears "online" and saves at once
    status.get_by_text("Saved at").wait_for()
    answer = Answer.objects.get(assessment=assessment, indicator__code="BL-02")
    assert (answer.rating, answer.evidence) == (4, "Written on the train.")

    failures = []

    def fail_twice(route):
        if len(failures) < 2:
            failures.append(route.request.url)
            route.fulfill(status=502, body="Bad gateway")
        else:
            route.continue_()

    page.route("**/answers/BL-05/", fail_twice)
    box = indicator(page, "BL-05")
    box.locator('label[for$="-choice-2"]').click()
    box.locator("[data-role=status]").get_by_text("trying again in 2 seconds").wait_for()
    box.locator("[data-role=status]").get_by_text("Saved at").wait_for(timeout=20_000)
    assert len(failures) == 2
    assert Answer.objects.get(assessment=assessment, indicator__code="BL-05").rating == 2
