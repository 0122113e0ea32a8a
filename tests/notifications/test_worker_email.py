"""A real Celery worker sends the workflow's email through a real SMTP server, and when
that server is down at first it retries with backoff until the email goes out."""

import pytest

from accounts.models import Role
from assessments import services as assessment_services
from assessments.models import Assessment
from notifications.models import OutgoingEmail
from tests.conftest import wait_for
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory

from .conftest import SITE, SmtpServer, complete_assessment

pytestmark = pytest.mark.worker


def test_a_worker_retries_until_the_mail_server_is_back(celery_worker_process, framework):
    state = StateFactory(code="NH", name="New Hampshire")
    cycle = CycleFactory(state=state, framework=framework)
    lea = LEAFactory(state=state, name="Baker River School District")
    staff = UserFactory(role=Role.STATE_STAFF, state=state, email="staff@nh.example.gov")
    UserFactory(role=Role.STATE_ADMIN, state=state, email="admin@nh.example.gov")
    assessment = complete_assessment(lea=lea, cycle=cycle, assignee=staff)
    server = SmtpServer()  # its port is chosen, but nothing listens there yet
    worker = celery_worker_process(
        env_overrides={
            "EMAIL_URL": "",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
            "SITE_URL": SITE,
            "DEFAULT_FROM_EMAIL": "Readiness Portal <portal@example.gov>",
        }
    )

    a = Assessment.objects.select_related("lea__state", "cycle__framework").get(pk=assessment.pk)
    assessment_services.assessment_submit(assessment=a, user=staff, version=a.version)
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.SUBMITTED

    def refused_once():
        return OutgoingEmail.objects.filter(error__contains="ConnectionRefusedError").first()

    try:
        wait_for(refused_once, timeout=90, what="a first attempt that the server refused")
        server.start()
        wait_for(
            lambda: OutgoingEmail.objects.filter(status="done").exists(),
            timeout=120,
            what="the email to be sent after a retry",
        )
    except AssertionError:
        raise AssertionError(worker.log()) from None
    finally:
        server.stop()

    email = OutgoingEmail.objects.get()
    assert email.attempts >= 2 and email.error == ""
    [message] = server.messages
    assert message.to == ["admin@nh.example.gov"]
    assert message.subject == "Ready for your review: Baker River School District (NH 2026-27)"
    assert f"{SITE}/assessments/{a.pk}/review/" in message.part("text/plain")
    assert f'href="{SITE}/assessments/{a.pk}/review/"' in message.part("text/html")
