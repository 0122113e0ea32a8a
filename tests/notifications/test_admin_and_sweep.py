"""What administrators see and do: a changed assignee in the Django admin is told by
email, failed emails are listed with the server's answer and can be sent again, and the
sweep hands over emails the broker never got."""

import datetime
import json

import pytest
from django.utils import timezone

from accounts.models import Role
from assessments.models import Assessment
from notifications.models import OutgoingEmail
from notifications.services import email_queue, email_sweep
from tests.factories import UserFactory

from .conftest import SITE

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(role=Role.NATIONAL_ADMIN, is_staff=True, is_superuser=True)


def _admin_form(client, assessment) -> dict:
    """The assessment's admin change form as a browser would post it back unchanged."""
    page = client.get(f"/admin/assessments/assessment/{assessment.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in ("submitted_at", "accepted_at"):  # split into a date and a time
            data[f"{name}_0"] = value.date().isoformat() if value else ""
            data[f"{name}_1"] = value.time().isoformat() if value else ""
        elif isinstance(value, dict):
            data[name] = json.dumps(value)
        else:
            data[name] = "" if value is None else getattr(value, "pk", value)
    data.update(
        {
            "answers-TOTAL_FORMS": "0",
            "answers-INITIAL_FORMS": "0",
            "answers-MIN_NUM_FORMS": "0",
            "answers-MAX_NUM_FORMS": "1000",
        }
    )
    return data


def test_a_new_assignee_set_in_the_admin_is_told_by_email(
    client, people, superuser, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    assessment = Assessment.objects.create(lea=people["lea"], cycle=people["cycle"])
    client.force_login(superuser)
    data = _admin_form(client, assessment)
    data["assignee"] = people["staff"].pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/assessments/assessment/{assessment.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assessment.refresh_from_db()
    assert assessment.assignee == people["staff"]

    [message] = smtp_server.messages
    assert message.to == ["staff@nh.example.gov"]
    assert message.subject == (
        f"Assigned to you: the needs assessment of {people['lea'].name} (NH 2026-27)"
    )
    assert f"{SITE}/assessments/{assessment.pk}/" in message.part("text/plain")

    # Saved again without a change of assignee: nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/admin/assessments/assessment/{assessment.pk}/change/",
            _admin_form(client, assessment),
        )
    assert len(smtp_server.messages) == 1


def test_failed_emails_are_listed_for_administrators_and_can_be_sent_again(
    client, people, superuser, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            user=people["staff"],
            kind="assigned",
            subject="A test of the list",
            template="assigned",
            context={"items": [], "count": 0},
        )
    email = OutgoingEmail.objects.get()
    assert email.status == "failed"

    client.force_login(superuser)
    listing = client.get("/admin/notifications/outgoingemail/?status__exact=failed")
    text = listing.content.decode()
    assert "staff@nh.example.gov" in text and "ConnectionRefusedError" in text

    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/outgoingemail/",
            {"action": "send_again", "_selected_action": [email.pk]},
        )
    assert response.status_code == 302
    email.refresh_from_db()
    assert (email.status, email.error) == ("done", "")
    assert [m.subject for m in smtp_server.messages] == ["A test of the list"]


def test_the_sweep_sends_emails_the_broker_never_got(
    people, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the hand-over never happens
        email = email_queue(
            user=people["staff"],
            kind="assigned",
            subject="Left behind",
            template="assigned",
            context={"items": [], "count": 0},
        )
    assert email is not None and email.enqueued_at is None
    assert email_sweep(queued_for=900) == 0  # too recent: it may still be on its way
    OutgoingEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert email_sweep(queued_for=900) == 1
    email.refresh_from_db()
    assert email.status == "done"
    assert [m.subject for m in smtp_server.messages] == ["Left behind"]
