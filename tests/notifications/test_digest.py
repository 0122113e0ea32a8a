"""The daily reminder: one email per person listing all their LEAs due in a week and
overdue, through a real SMTP server; each part only for people who want it."""

import datetime

import pytest

from accounts.models import Role
from assessments.models import Assessment
from notifications.models import OutgoingEmail
from notifications.services import due_digest_send
from notifications.tasks import due_digest
from tests.factories import CycleFactory, LEAFactory, UserFactory

from .conftest import SITE

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def due(people):
    """Staff with two LEAs due in a week and one overdue from last year's cycle; a
    colleague with one due in a week; and assessments that must not be listed."""
    state, staff = people["state"], people["staff"]
    cycle = people["cycle"]
    cycle.assessments_due_on = TODAY + datetime.timedelta(days=7)
    cycle.save(update_fields=["assessments_due_on"])
    last_year = CycleFactory(
        state=state,
        name="2025-26",
        starts_on=datetime.date(2025, 8, 1),
        ends_on=datetime.date(2026, 12, 31),
        assessments_due_on=TODAY - datetime.timedelta(days=3),
    )
    colleague = UserFactory(role=Role.STATE_STAFF, state=state, email="colleague@nh.example.gov")
    extra = [LEAFactory(state=state, name=f"Extra {n}") for n in range(3)]
    made = {
        "due_1": Assessment.objects.create(lea=people["lea"], cycle=cycle, assignee=staff),
        "due_2": Assessment.objects.create(
            lea=people["other_lea"], cycle=cycle, assignee=staff, status="returned"
        ),
        "overdue": Assessment.objects.create(lea=extra[0], cycle=last_year, assignee=staff),
        "colleague": Assessment.objects.create(lea=extra[1], cycle=cycle, assignee=colleague),
        # Submitted on time: not late, not listed.
        "submitted": Assessment.objects.create(
            lea=extra[2], cycle=last_year, assignee=staff, status="submitted"
        ),
    }
    # Due in three days: reminded a week before, not again every day.
    soon_cycle = CycleFactory(
        state=state,
        name="Spring pilot",
        assessments_due_on=TODAY + datetime.timedelta(days=3),
    )
    made["in_three_days"] = Assessment.objects.create(
        lea=extra[1], cycle=soon_cycle, assignee=staff
    )
    return {**made, "colleague_user": colleague}


def _names(text: str, due) -> set[str]:
    return {key for key, a in due.items() if key != "colleague_user" and a.lea.name in text}


def test_each_person_gets_one_email_listing_all_their_leas(
    people, due, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert due_digest_send(today=TODAY) == 2

    assert sorted(m.to[0] for m in smtp_server.messages) == [
        "colleague@nh.example.gov",
        "staff@nh.example.gov",
    ]
    [mine] = smtp_server.to("staff@nh.example.gov")
    assert mine.subject == "Needs assessments waiting on you: 1 overdue and 2 due in 7 days"
    text, html = mine.part("text/plain"), mine.part("text/html")
    for part in (text, html):
        assert _names(part, due) >= {"due_1", "due_2", "overdue"}
        assert due["submitted"].lea.name not in part
        assert "December 8, 2026" in part and "November 28, 2026" in part
    for key in ("due_1", "due_2", "overdue"):
        url = f"{SITE}/assessments/{due[key].pk}/"
        assert url in text and f'href="{url}"' in html
    assert text.index("Overdue") < text.index("Due in 7 days")

    [theirs] = smtp_server.to("colleague@nh.example.gov")
    assert theirs.subject == "Needs assessments waiting on you: 1 due in 7 days"
    assert f"{SITE}/assessments/{due['colleague'].pk}/" in theirs.part("text/plain")


def test_the_digest_runs_once_a_day_whatever_the_number_of_runs(
    people, due, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        due_digest_send(today=TODAY)
        assert due_digest_send(today=TODAY) == 0
    assert len(smtp_server.messages) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert due_digest_send(today=TODAY + datetime.timedelta(days=1)) == 1
    [later] = smtp_server.messages[2:]
    assert later.to == ["staff@nh.example.gov"]
    assert later.subject == "Needs assessments waiting on you: 1 overdue"


def test_a_person_who_turned_overdue_reminders_off_gets_only_the_week_ahead(
    people, due, smtp_server, eager_celery, django_capture_on_commit_callbacks
):
    staff = people["staff"]
    staff.notifications_off = ["overdue"]
    staff.save(update_fields=["notifications_off"])
    colleague = due["colleague_user"]
    colleague.notifications_off = ["due_soon", "overdue"]
    colleague.save(update_fields=["notifications_off"])

    with django_capture_on_commit_callbacks(execute=True):
        assert due_digest_send(today=TODAY) == 1

    [mine] = smtp_server.messages
    assert mine.to == ["staff@nh.example.gov"]
    assert mine.subject == "Needs assessments waiting on you: 2 due in 7 days"
    assert due["overdue"].lea.name not in mine.part("text/plain")


def test_the_beat_task_sends_todays_digest(
    people, due, smtp_server, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        due_digest.delay()
    assert len(smtp_server.messages) == 2
    assert OutgoingEmail.objects.filter(dedupe_key__startswith="digest:2026-12-01:").count() == 2
