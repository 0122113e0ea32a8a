"""The review workflow's emails, through a real SMTP server: exactly who is told what,
with a plain-text and an HTML part and an absolute link, and what happens when the mail
server is busy or down (the user's action always stands; the email follows)."""

import pytest

from assessments import services as assessment_services
from assessments.models import Assessment
from cbe_portal.notices import notify_assigned, notify_report_ready
from notifications.models import OutgoingEmail
from notifications.services import email_send_again
from notifications.tasks import MAX_RETRIES
from reports.models import ReportBatch, ReportJob

from .conftest import SITE, complete_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(people):
    return complete_assessment(lea=people["lea"], cycle=people["cycle"], assignee=people["staff"])


def fresh(assessment):
    return Assessment.objects.select_related("lea__state", "cycle__framework").get(pk=assessment.pk)


def submit(assessment, user, capture):
    a = fresh(assessment)
    with capture(execute=True):
        assessment_services.assessment_submit(assessment=a, user=user, version=a.version)


def give_back(assessment, user, capture):
    a = fresh(assessment)
    with capture(execute=True):
        assessment_services.assessment_return(
            assessment=a,
            user=user,
            version=a.version,
            note="Please add evidence for the ratings of 4.",
            indicator_notes={"BL-01": "Say which devices the district lends to families."},
        )


def accept(assessment, user, capture):
    a = fresh(assessment)
    with capture(execute=True):
        assessment_services.assessment_accept(assessment=a, user=user, version=a.version)


def test_submit_return_resubmit_accept_send_exactly_the_expected_emails(
    people, assessment, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    lea, place = people["lea"].name, f"{people['lea'].name} (NH 2026-27)"
    review = f"{SITE}/assessments/{assessment.pk}/review/"

    submit(assessment, people["staff"], capture)
    assert sorted(m.to[0] for m in smtp_server.messages) == [
        "admin2@nh.example.gov",
        "admin@nh.example.gov",
    ]
    for message in smtp_server.messages:
        assert message.subject == f"Ready for your review: {place}"
        assert message.message["From"] == "Readiness Portal <portal@example.gov>"
        assert review in message.part("text/plain")
        assert f'href="{review}"' in message.part("text/html")
        assert f"<strong>{lea}</strong>" in message.part("text/html")

    give_back(assessment, people["admin"], capture)
    returned = smtp_server.messages[2:]
    assert [m.to for m in returned] == [["staff@nh.example.gov"]]
    assert returned[0].subject == f"Returned with comments: {place}"
    text, html = returned[0].part("text/plain"), returned[0].part("text/html")
    for part in (text, html):
        assert "Please add evidence for the ratings of 4." in part
        assert "Say which devices the district lends to families." in part
    assert f"{SITE}/assessments/{assessment.pk}/" in text
    assert f'href="{SITE}/assessments/{assessment.pk}/"' in html

    submit(assessment, people["staff"], capture)
    resubmitted = smtp_server.messages[3:]
    assert sorted(m.to[0] for m in resubmitted) == [
        "admin2@nh.example.gov",
        "admin@nh.example.gov",
    ]
    assert {m.subject for m in resubmitted} == {f"Ready for your review: {place}"}

    accept(assessment, people["admin"], capture)
    accepted = smtp_server.messages[5:]
    assert sorted(m.to[0] for m in accepted) == ["leader@lea.example.org", "staff@nh.example.gov"]
    results = f"{SITE}/leas/{people['lea'].leaid}/results/{people['cycle'].pk}/"
    for message in accepted:
        assert message.subject == f"Accepted: the needs assessment of {place}"
        assert results in message.part("text/plain")
        assert f'href="{results}"' in message.part("text/html")

    assert len(smtp_server.messages) == 7
    everyone = {address for m in smtp_server.messages for address in m.to}
    assert "admin@vt.example.gov" not in everyone
    assert "taskforce@nh.example.gov" not in everyone
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"done"}
    assert set(OutgoingEmail.objects.values_list("attempts", flat=True)) == {1}


def test_a_reviewer_who_turned_submissions_off_gets_no_email_for_them(
    client, people, assessment, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(people["admin2"])
    kept = ["assigned", "returned", "accepted", "report_ready", "due_soon", "overdue"]
    response = client.post("/accounts/settings/email/", {"kinds_on": kept})
    assert response.status_code == 302

    submit(assessment, people["staff"], django_capture_on_commit_callbacks)

    assert [m.to for m in smtp_server.messages] == [["admin@nh.example.gov"]]
    assert not OutgoingEmail.objects.filter(to_address="admin2@nh.example.gov").exists()


def test_a_busy_mail_server_is_tried_again_until_it_takes_the_email(
    people, assessment, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    smtp_server.inbox.refuse_next = 2
    people["admin2"].is_active = False
    people["admin2"].save(update_fields=["is_active"])

    submit(assessment, people["staff"], django_capture_on_commit_callbacks)

    assert [m.to for m in smtp_server.messages] == [["admin@nh.example.gov"]]
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts, email.error) == ("done", 3, "")


def test_with_the_mail_server_down_the_workflow_completes_and_the_email_follows_later(
    people, assessment, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    smtp_server.stop()

    submit(assessment, people["staff"], django_capture_on_commit_callbacks)

    assert fresh(assessment).status == Assessment.Status.SUBMITTED
    failed = list(OutgoingEmail.objects.order_by("to_address"))
    assert [e.to_address for e in failed] == ["admin2@nh.example.gov", "admin@nh.example.gov"]
    for email in failed:
        assert email.status == "failed"
        assert email.attempts == MAX_RETRIES + 1
        assert email.error.startswith(f"Not sent after {MAX_RETRIES + 1} tries.")
        assert "ConnectionRefusedError" in email.error
    assert smtp_server.messages == []

    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        assert email_send_again(emails=OutgoingEmail.objects.all()) == 2

    assert sorted(m.to[0] for m in smtp_server.messages) == [
        "admin2@nh.example.gov",
        "admin@nh.example.gov",
    ]
    assert {m.subject for m in smtp_server.messages} == {
        f"Ready for your review: {people['lea'].name} (NH 2026-27)"
    }
    assert set(OutgoingEmail.objects.values_list("status", "error")) == {("done", "")}


def test_assigning_several_leas_sends_the_assignee_one_email_listing_them_all(
    people, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    staff, cycle = people["staff"], people["cycle"]
    first = Assessment.objects.create(lea=people["lea"], cycle=cycle, assignee=staff)
    second = Assessment.objects.create(lea=people["other_lea"], cycle=cycle, assignee=staff)

    with django_capture_on_commit_callbacks(execute=True):
        notify_assigned(
            assessment_ids=[second.pk, first.pk], assignee_id=staff.pk, actor_id=people["admin"].pk
        )

    [message] = smtp_server.messages
    assert message.to == ["staff@nh.example.gov"]
    assert message.subject == "Assigned to you: 2 LEA needs assessments"
    for assessment in (first, second):
        url = f"{SITE}/assessments/{assessment.pk}/"
        assert url in message.part("text/plain")
        assert f'href="{url}">{assessment.lea.name}</a>' in message.part("text/html")


def test_assigning_yourself_sends_nothing(
    people, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    staff = people["staff"]
    mine = Assessment.objects.create(lea=people["lea"], cycle=people["cycle"], assignee=staff)
    with django_capture_on_commit_callbacks(execute=True):
        notify_assigned(assessment_ids=[mine.pk], assignee_id=staff.pk, actor_id=staff.pk)
    assert smtp_server.messages == []


def test_a_finished_pdf_is_announced_to_the_person_who_asked_but_not_each_one_of_a_batch(
    people, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    leader, cycle = people["leader"], people["cycle"]
    job = ReportJob.objects.create(
        kind="lea",
        state=people["state"],
        lea=people["lea"],
        cycle=cycle,
        requested_by=leader,
        status="done",
    )
    batch = ReportBatch.objects.create(state=people["state"], cycle=cycle, requested_by=leader)
    in_batch = ReportJob.objects.create(
        kind="lea",
        state=people["state"],
        lea=people["other_lea"],
        cycle=cycle,
        requested_by=leader,
        status="done",
        batch=batch,
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify_report_ready(job_id=job.pk)
        notify_report_ready(job_id=in_batch.pk)
        notify_report_ready(job_id=job.pk)  # a redelivered message: still one email

    [message] = smtp_server.messages
    assert message.to == ["leader@lea.example.org"]
    assert message.subject == (f"Ready to download: the readiness report for {people['lea'].name}")
    url = f"{SITE}/reports/jobs/{job.pk}/"
    assert url in message.part("text/plain")
    assert f'href="{url}"' in message.part("text/html")


def test_a_broker_that_refuses_the_task_does_not_fail_the_submission(
    people, assessment, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from cbe_portal import notices

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("the broker is down")

    monkeypatch.setattr(notices.app, "signature", refuse)
    submit(assessment, people["staff"], django_capture_on_commit_callbacks)

    assert fresh(assessment).status == Assessment.Status.SUBMITTED
    assert "could not queue assessment_submitted" in caplog.text
