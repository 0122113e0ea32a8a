"""The assessment pages and the autosave endpoint, through Django test clients: two people
racing on one indicator, bad input, the page without JavaScript, the workflow by role,
escaping of evidence notes."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from assessments.models import EVIDENCE_MAX_LENGTH, Answer, Assessment, Comment
from frameworks.document import framework_indicators
from tests.factories import UserFactory

from .test_assessment_services import TRANSACTION_CONTROL, answer_everything, snapshot


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    place["assessment"] = Assessment.objects.create(lea=place["leas"][0], cycle=place["cycle"])
    place["staff"] = place["users"][Role.STATE_STAFF]
    place["staff2"] = UserFactory(
        role=Role.STATE_STAFF, state=place["state"], first_name="Robin", last_name="Vale"
    )
    place["admin"] = place["users"][Role.STATE_ADMIN]
    return place


def client_for(user) -> Client:
    # force_login: django-axes' backend needs a request, which Client.login doesn't pass.
    client = Client()
    client.force_login(user)
    return client


def save_url(assessment, code="BL-01"):
    return reverse("readiness:answer_save", args=[assessment.pk, code])


def domain_url(assessment, domain="blended"):
    return reverse("readiness:assessment_domain", args=[assessment.pk, domain])


def codes_of(assessment, domain=None):
    return [
        s.code
        for s in framework_indicators(assessment.cycle.framework.content)
        if domain is None or s.domain == domain
    ]


# --- autosave endpoint -----------------------------------------------------------------


def test_two_signed_in_staff_racing_on_one_indicator(nh):
    a = nh["assessment"]
    first, second = client_for(nh["staff"]), client_for(nh["staff2"])
    # Both open the page while BL-01 has no answer: version 0 in both forms.
    for client in (first, second):
        page = client.get(domain_url(a))
        assert 'name="BL-01-version" value="0"' in page.content.decode()

    r1 = second.post(save_url(a), {"choice": "2", "evidence": "Robin's note", "version": 0})
    assert r1.status_code == 200 and r1.json()["version"] == 1
    before = snapshot(a)
    r2 = first.post(save_url(a), {"choice": "4", "evidence": "My note", "version": 0})
    assert r2.status_code == 409
    body = r2.json()
    assert body["code"] == "answer_conflict"
    assert body["theirs"]["by"] == "Robin Vale"
    assert body["theirs"]["label"] == "2 · Beginning"
    assert body["theirs"]["evidence"] == "Robin's note"
    assert body["theirs"]["version"] == 1
    assert snapshot(a) == before  # never a silent overwrite

    # "Use mine": save again against the version just seen.
    r3 = first.post(save_url(a), {"choice": "4", "evidence": "My note", "version": 1})
    assert r3.status_code == 200
    answer = Answer.objects.get(assessment=a, indicator__code="BL-01")
    assert (answer.rating, answer.evidence, answer.version) == (4, "My note", 2)
    # ... and now Robin's copy is the stale one.
    r4 = second.post(save_url(a), {"choice": "1", "evidence": "", "version": 1})
    assert r4.status_code == 409


def test_a_save_answers_with_progress_for_the_page(nh):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    r = client.post(save_url(a, "EQ-01"), {"choice": "dont_know", "evidence": "", "version": 0})
    data = r.json()
    assert data["ok"] and data["answered"] == 1 and data["total"] == len(codes_of(a))
    assert data["domains"]["equity"] == 1 and data["domains"]["blended"] == 0
    assert Answer.objects.get(assessment=a).dont_know is True


def test_a_save_request_costs_few_queries(nh):
    """The whole request, leaving out the session and user lookups and the test
    transaction's savepoints: the scoped assessment lookup plus the service's three."""
    a = nh["assessment"]
    client = client_for(nh["staff"])
    client.post(save_url(a, "BL-02"), {"choice": "3", "evidence": "", "version": 0})
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(save_url(a), {"choice": "3", "evidence": "note", "version": 0})
    assert r.status_code == 200
    statements = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(TRANSACTION_CONTROL)
        and "django_session" not in q["sql"]
        and 'FROM "readiness_user"' not in q["sql"]
    ]
    assert len(statements) == 4, statements


@pytest.mark.parametrize(
    "code, data, message",
    [
        ("BL-01", {"choice": "7", "evidence": "", "version": 0}, "must be one of 1, 2, 3, 4"),
        ("BL-01", {"choice": "high", "evidence": "", "version": 0}, "is not a rating"),
        ("ZZ-99", {"choice": "3", "evidence": "", "version": 0}, "not part of framework"),
        (
            "BL-01",
            {"choice": "3", "evidence": "x" * (EVIDENCE_MAX_LENGTH + 1), "version": 0},
            "4,001 characters long; the limit is 4,000",
        ),
        ("BL-01", {"choice": "3", "evidence": ""}, "version"),
        ("BL-01", {"choice": "3", "evidence": "", "version": "x"}, "version"),
    ],
)
def test_bad_autosaves_get_a_400_with_a_message_and_change_nothing(nh, code, data, message):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    before = snapshot(a)
    r = client.post(save_url(a, code), data)
    assert r.status_code == 400
    assert message in r.json()["message"]
    assert snapshot(a) == before


def test_autosave_refusals_by_role_and_state(nh, two_states):
    a = nh["assessment"]
    data = {"choice": "3", "evidence": "", "version": 0}
    before = snapshot(a)
    assert client_for(nh["users"][Role.DISTRICT_LEADER]).post(save_url(a), data).status_code == 403
    assert client_for(nh["users"][Role.TASK_FORCE]).post(save_url(a), data).status_code == 403
    vt_staff = two_states["VT"]["users"][Role.STATE_STAFF]
    assert client_for(vt_staff).post(save_url(a), data).status_code == 404
    anonymous = Client().post(save_url(a), data)
    assert anonymous.status_code == 401 and "signed out" in anonymous.json()["message"]
    assert Client().get(save_url(a)).status_code == 405
    assert snapshot(a) == before


def test_a_locked_assessment_refuses_autosave_and_the_domain_form(nh):
    a = answer_everything(nh["assessment"], nh["staff"])
    Assessment.objects.filter(pk=a.pk).update(status=Assessment.Status.ACCEPTED)
    client = client_for(nh["staff"])
    before = snapshot(a)
    r = client.post(save_url(a), {"choice": "1", "evidence": "", "version": 1})
    assert r.status_code == 423 and "locked" in r.json()["message"]
    r = client.post(domain_url(a), {"BL-01-choice": "1", "BL-01-version": 1}, follow=True)
    assert "is locked" in r.content.decode()
    assert snapshot(a) == before
    page = client.get(domain_url(a)).content.decode()
    assert 'type="radio"' not in page and "This assessment is locked" in page


# --- the page without JavaScript -------------------------------------------------------


def domain_post(assessment, domain="blended", **answers):
    data = {}
    for code, (choice, evidence, version) in answers.items():
        code = code.replace("_", "-")
        if choice:
            data[f"{code}-choice"] = choice
        data[f"{code}-evidence"] = evidence
        data[f"{code}-version"] = version
    return data


def test_the_domain_form_saves_changed_answers_without_javascript(nh):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    data = domain_post(a, BL_01=("3", "Counted in May", 0), BL_02=("dont_know", "", 0))
    data.update(domain_post(a, BL_03=("", "", 0)))  # untouched: not saved
    r = client.post(domain_url(a), data)
    assert r.status_code == 302 and r["Location"] == domain_url(a)
    saved = dict(Answer.objects.filter(assessment=a).values_list("indicator__code", "rating"))
    assert saved == {"BL-01": 3, "BL-02": None}
    page = client.get(domain_url(a)).content.decode()
    assert "Saved 2 answers" in page
    # Saving the same form again changes nothing (versions are stale but values equal).
    client.post(domain_url(a), data)
    assert Answer.history.count() == 2


def test_save_and_next_goes_to_the_next_domain(nh):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    data = domain_post(a, BL_01=("3", "", 0))
    data["save_next"] = "1"
    r = client.post(domain_url(a), data)
    assert r["Location"] == domain_url(a, "structure")


def test_the_domain_form_shows_a_conflict_and_lets_the_person_choose(nh):
    a = nh["assessment"]
    mine, theirs = client_for(nh["staff"]), client_for(nh["staff2"])
    theirs.post(save_url(a), {"choice": "2", "evidence": "Theirs <b>bold</b>", "version": 0})
    data = domain_post(a, BL_01=("4", "Mine", 0), BL_02=("3", "", 0))
    r = mine.post(domain_url(a), data)
    assert r.status_code == 409
    page = r.content.decode()
    assert "Someone else changed this answer" in page
    assert "Theirs &lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert "2 · Beginning" in page and "Keep their answer" in page and "Use my answer" in page
    assert 'name="BL-01-version" value="1"' in page  # resubmitting = "use mine"
    assert Answer.objects.get(assessment=a, indicator__code="BL-01").rating == 2
    assert Answer.objects.get(assessment=a, indicator__code="BL-02").rating == 3  # the rest saved

    keep = domain_post(a, BL_01=("4", "Mine", 1), BL_02=("3", "", 1))
    keep["keep_theirs"] = "BL-01"
    assert mine.post(domain_url(a), keep).status_code == 302
    assert Answer.objects.get(assessment=a, indicator__code="BL-01").rating == 2

    use = domain_post(a, BL_01=("4", "Mine", 1), BL_02=("3", "", 1))
    use["use_mine"] = "BL-01"
    assert mine.post(domain_url(a), use).status_code == 302
    answer = Answer.objects.get(assessment=a, indicator__code="BL-01")
    assert (answer.rating, answer.evidence) == (4, "Mine")


def test_the_domain_form_refuses_an_over_long_note_and_keeps_the_text(nh):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    long_note = "y" * (EVIDENCE_MAX_LENGTH + 10)
    data = domain_post(a, BL_01=("3", "fine", 0), BL_02=("2", long_note, 0))
    r = client.post(domain_url(a), data)
    assert r.status_code == 400
    page = r.content.decode()
    assert "Nothing was saved" in page and "4,010 characters long" in page
    assert long_note in page
    assert not Answer.objects.filter(assessment=a).exists()


def test_the_domain_form_refuses_a_rating_outside_the_rubric(nh):
    a = nh["assessment"]
    r = client_for(nh["staff"]).post(domain_url(a), domain_post(a, BL_01=("9", "", 0)))
    assert r.status_code == 400
    assert "must be one of 1, 2, 3, 4" in r.content.decode()
    assert not Answer.objects.filter(assessment=a).exists()


def test_an_unknown_domain_is_404(nh):
    client = client_for(nh["staff"])
    assert client.get(domain_url(nh["assessment"], "nope")).status_code == 404


# --- pages, resume, workflow -----------------------------------------------------------


def test_opening_the_assessment_resumes_at_the_first_unanswered_indicator(nh):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    for code in codes_of(a, "blended"):
        client.post(save_url(a, code), {"choice": "3", "evidence": "", "version": 0})
    client.post(save_url(a, "CS-02"), {"choice": "3", "evidence": "", "version": 0})
    r = client.get(reverse("readiness:assessment", args=[a.pk]))
    assert r.status_code == 302
    assert r["Location"] == domain_url(a, "structure") + "#ind-cs-01"


def test_people_who_only_read_open_the_overview(nh):
    a = nh["assessment"]
    leader = client_for(nh["users"][Role.DISTRICT_LEADER])
    r = leader.get(reverse("readiness:assessment", args=[a.pk]))
    assert r["Location"] == reverse("readiness:assessment_review", args=[a.pk])


def test_evidence_notes_are_escaped_on_every_page(nh):
    a = nh["assessment"]
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client_for(nh["staff"]).post(save_url(a), {"choice": "3", "evidence": nasty, "version": 0})
    client_for(nh["users"][Role.DISTRICT_LEADER]).post(
        reverse("readiness:comment_add", args=[a.pk]), {"body": nasty, "indicator": "BL-01"}
    )
    urls = [
        domain_url(a),
        reverse("readiness:assessment_review", args=[a.pk]),
        reverse("readiness:assessment_activity", args=[a.pk]),
    ]
    for user in (nh["staff"], nh["admin"], nh["users"][Role.DISTRICT_LEADER]):
        client = client_for(user)
        for url in urls:
            page = client.get(url).content.decode()
            assert "<script>alert" not in page and "<img src=x" not in page, (user, url)
    page = client_for(nh["admin"]).get(urls[1]).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_submitting_with_answers_missing_lists_them_with_links(nh):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    client.post(save_url(a), {"choice": "3", "evidence": "", "version": 0})
    r = client.post(reverse("readiness:assessment_submit", args=[a.pk]), {"version": 2})
    assert r.status_code == 400
    page = r.content.decode()
    assert f"{len(codes_of(a)) - 1} indicators still need an answer" in page
    assert f'href="{domain_url(a)}#ind-bl-02"' in page
    assert f'href="{domain_url(a)}#ind-bl-01"' not in page
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.DRAFT


def test_the_workflow_through_the_pages(nh):
    staff, admin = client_for(nh["staff"]), client_for(nh["admin"])
    a = answer_everything(nh["assessment"], nh["staff"])
    review_url = reverse("readiness:assessment_review", args=[a.pk])
    assert "Submit for review" in staff.get(review_url).content.decode()
    assert "Accept and lock" not in admin.get(review_url).content.decode()

    r = staff.post(reverse("readiness:assessment_submit", args=[a.pk]), {"version": a.version})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == Assessment.Status.SUBMITTED
    page = admin.get(review_url).content.decode()
    assert "Accept and lock" in page and "Note to staff on BL-01" in page

    decide = reverse("readiness:assessment_decide", args=[a.pk])
    # Returning without any note is refused and keeps the page.
    r = admin.post(decide, {"version": a.version, "decision": "return", "note": ""})
    assert r.status_code == 400 and "Say what needs to change" in r.content.decode()
    r = admin.post(
        decide,
        {
            "version": a.version,
            "decision": "return",
            "note": "Two things to check.",
            "note-BL-01": "Is the device count current?",
        },
    )
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == Assessment.Status.RETURNED

    # Staff see the notes, are taken to the commented indicator, fix it, resubmit.
    resume = staff.get(reverse("readiness:assessment", args=[a.pk]))
    assert resume["Location"] == domain_url(a) + "#ind-bl-01"
    page = staff.get(domain_url(a)).content.decode()
    assert "Is the device count current?" in page and "Two things to check." in page
    version = Answer.objects.get(assessment=a, indicator__code="BL-01").version
    staff.post(save_url(a), {"choice": "2", "evidence": "Recounted", "version": version})
    a.refresh_from_db()
    staff.post(reverse("readiness:assessment_submit", args=[a.pk]), {"version": a.version})
    a.refresh_from_db()
    assert a.status == Assessment.Status.SUBMITTED

    r = admin.post(decide, {"version": a.version, "decision": "accept", "note": ""})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == Assessment.Status.ACCEPTED
    r = staff.post(save_url(a), {"choice": "4", "evidence": "", "version": version + 1})
    assert r.status_code == 423

    activity = admin.get(reverse("readiness:assessment_activity", args=[a.pk])).content.decode()
    for phrase in ("Submitted for review", "Returned for changes", "Accepted", "Changed the"):
        assert phrase in activity


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_wrong_roles_cannot_decide_through_the_page(nh, role):
    a = answer_everything(nh["assessment"], nh["staff"])
    Assessment.objects.filter(pk=a.pk).update(status=Assessment.Status.SUBMITTED)
    client = client_for(nh["users"][role])
    r = client.post(
        reverse("readiness:assessment_decide", args=[a.pk]),
        {"version": a.version, "decision": "accept"},
    )
    assert r.status_code == 403
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.SUBMITTED


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_wrong_roles_cannot_submit_through_the_page(nh, role):
    a = answer_everything(nh["assessment"], nh["staff"])
    client = client_for(nh["users"][role])
    r = client.post(reverse("readiness:assessment_submit", args=[a.pk]), {"version": a.version})
    assert r.status_code == 403
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.DRAFT


def test_another_states_people_get_404_on_every_assessment_page(nh, two_states):
    a = nh["assessment"]
    vt = two_states["VT"]
    for user in vt["users"].values():
        client = client_for(user)
        for name in ("assessment", "assessment_review", "assessment_activity"):
            assert client.get(reverse(f"readiness:{name}", args=[a.pk])).status_code == 404
        assert client.get(domain_url(a)).status_code == 404
        comment_url = reverse("readiness:comment_add", args=[a.pk])
        assert client.post(comment_url, {"body": "x"}).status_code == 404


def test_district_leader_reads_and_comments(nh):
    a = answer_everything(nh["assessment"], nh["staff"])
    leader = client_for(nh["users"][Role.DISTRICT_LEADER])
    review_url = reverse("readiness:assessment_review", args=[a.pk])
    page = leader.get(review_url).content.decode()
    assert "You can read this assessment and comment on it" in page
    assert "Submit for review" not in page and 'type="radio"' not in page
    r = leader.post(
        reverse("readiness:comment_add", args=[a.pk]),
        {"body": "Our new devices arrived in May.", "indicator": "BL-01"},
    )
    assert r.status_code == 302
    comment = Comment.objects.get(assessment=a)
    assert comment.indicator.code == "BL-01"
    assert "Our new devices arrived in May." in leader.get(domain_url(a)).content.decode()
    # Task force members read, but cannot comment.
    task_force = client_for(nh["users"][Role.TASK_FORCE])
    assert task_force.get(review_url).status_code == 200
    r = task_force.post(reverse("readiness:comment_add", args=[a.pk]), {"body": "Hi"})
    assert r.status_code == 403


def test_starting_an_assessment_from_the_lea_page(nh):
    lea = nh["leas"][1]
    client = client_for(nh["staff"])
    page = client.get(reverse("readiness:lea_detail", args=[lea.leaid])).content.decode()
    assert "Start the 2026-27 needs assessment" in page
    r = client.post(reverse("readiness:assessment_start", args=[lea.leaid, nh["cycle"].pk]))
    a = Assessment.objects.get(lea=lea)
    assert r["Location"] == reverse("readiness:assessment", args=[a.pk])
    assert a.assignee == nh["staff"]
    leader = client_for(nh["users"][Role.DISTRICT_LEADER])
    page = leader.get(reverse("readiness:lea_detail", args=[nh["leas"][0].leaid])).content
    assert b"Start the" not in page


def test_pages_render_for_every_status(nh):
    a = answer_everything(nh["assessment"], nh["staff"])
    for status in Assessment.Status.values:
        Assessment.objects.filter(pk=a.pk).update(status=status)
        for user in (nh["staff"], nh["admin"], nh["users"][Role.DISTRICT_LEADER]):
            client = client_for(user)
            for url in (
                domain_url(a),
                domain_url(a, "equity"),
                reverse("readiness:assessment_review", args=[a.pk]),
                reverse("readiness:assessment_activity", args=[a.pk]),
            ):
                assert client.get(url).status_code == 200, (status, user.role, url)


def test_assessment_pages_make_a_fixed_number_of_queries(nh, django_assert_max_num_queries):
    """No query per indicator, answer or comment: session, user, the user's state for
    the header, the assessment, its answers, its comments (+ history on Activity)."""
    a = answer_everything(nh["assessment"], nh["staff"])
    leader = nh["users"][Role.DISTRICT_LEADER]
    for code in codes_of(a)[:10]:
        Comment.objects.create(assessment=a, author=leader, body="Hm", indicator_id=None)
        Comment.objects.create(
            assessment=a,
            author=nh["admin"],
            body=f"On {code}",
            is_return_note=True,
            indicator=a.cycle.framework.indicators.get(code=code),
        )
    client = client_for(nh["staff"])
    for url, most in (
        (domain_url(a), 7),
        (reverse("readiness:assessment_review", args=[a.pk]), 7),
        (reverse("readiness:assessment_activity", args=[a.pk]), 9),
    ):
        client.get(url)  # warm the framework cache
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


# --- the form's markup (through the shared USWDS form templates) -----------------------


def _indicator_html(page: str, anchor: str) -> str:
    start = page.index('<div class="cbe-indicator')
    start = page.index(f'id="{anchor}"', start)
    end = page.find('<div class="cbe-indicator', start)
    return page[start : end if end != -1 else len(page)]


def _described_by(html: str, tag_id: str) -> list[str]:
    import re

    tag = re.search(rf'<[^>]*\bid="{re.escape(tag_id)}"[^>]*>', html).group(0)
    found = re.search(r'aria-describedby="([^"]*)"', tag)
    return found.group(1).split() if found else []


def test_each_indicator_is_one_fieldset_read_with_its_prompt(nh):
    import re

    a = nh["assessment"]
    page = client_for(nh["staff"]).get(domain_url(a)).content.decode()
    html = _indicator_html(page, "ind-bl-01")
    spec = next(s for s in framework_indicators(a.cycle.framework.content) if s.code == "BL-01")
    fieldset = re.search(r'<fieldset[^>]*aria-describedby="([^"]+)"', html)
    assert fieldset and fieldset.group(1) == "ind-bl-01-hint"
    assert f'id="ind-bl-01-hint">{spec.prompt}' in html.replace("&#x27;", "'")
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", html, re.S).group(1)
    assert "BL-01" in legend and spec.title in legend.replace("&#x27;", "'")
    # One radio per rubric level and "don't know", each label carrying its descriptor.
    for value in ("1", "2", "3", "4", "dont_know"):
        assert f'id="ind-bl-01-choice-{value}"' in html
        label = re.search(rf'<label[^>]*for="ind-bl-01-choice-{value}">(.*?)</label>', html, re.S)
        assert "usa-radio__label-description" in label.group(1)
    assert html.count("<fieldset") == 1  # the evidence note is inside the same group
    # The note: labelled, hinted, and counted by USWDS.
    assert '<label class="usa-label" for="ind-bl-01-evidence">Evidence note' in html
    described = _described_by(html, "ind-bl-01-evidence")
    assert described[0] == "ind-bl-01-evidence-info"
    for ref in described:
        assert f'id="{ref}"' in html
    assert f'maxlength="{EVIDENCE_MAX_LENGTH}"' in html


def test_a_refused_domain_save_ties_each_error_to_its_field(nh):
    a = nh["assessment"]
    client = client_for(nh["staff"])
    data = domain_post(a, BL_01=("high", "", 0), BL_02=("2", "y" * (EVIDENCE_MAX_LENGTH + 1), 0))
    page = client.post(domain_url(a), data).content.decode()
    choice = _indicator_html(page, "ind-bl-01")
    assert 'id="ind-bl-01-choice_error" role="alert">&#x27;high&#x27; is not a rating.' in choice
    assert _described_by(choice, "ind-bl-01-choice-1") == ["ind-bl-01-choice_error"]
    note = _indicator_html(page, "ind-bl-02")
    assert "ind-bl-02-evidence_error" in _described_by(note, "ind-bl-02-evidence")
    assert 'id="ind-bl-02-evidence_error" role="alert">This note is 4,001 characters' in note
    assert 'aria-invalid="true"' in note
