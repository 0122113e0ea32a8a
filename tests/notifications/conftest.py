"""A real SMTP server on loopback (aiosmtpd, in a thread) with Django pointed at it, and
Celery running tasks eagerly (in the test's own process, retries included)."""

import email
import email.policy
import socket
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from accounts.models import Role
from assessments.models import Answer, Assessment
from frameworks.models import Indicator
from tests.factories import UserFactory

SITE = "https://readiness.example.gov"


@dataclass
class Received:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert body is not None and body.get_content_type() == content_type
        return body.get_content()


class Inbox:
    """The handler: keeps every message it accepts. `refuse_next` answers that many
    deliveries with a temporary failure (451), as a busy server does."""

    def __init__(self):
        self.messages: list[Received] = []
        self.refuse_next = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 Busy, try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(Received(to=list(envelope.rcpt_tos), message=message))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = _free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[Received]:
        return self.inbox.messages

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.to]


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Readiness Portal <portal@example.gov>"
    settings.SITE_URL = SITE
    yield server
    server.stop()


@pytest.fixture
def eager_celery():
    """Tasks run in this process when queued; a retry runs again at once."""
    from cbe_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def people(two_states):
    """NH with addresses for everyone the workflow emails, and a VT administrator who
    must never hear of NH's assessments."""
    nh, vt = two_states["NH"], two_states["VT"]
    users = nh["users"]
    for role, address in (
        (Role.STATE_STAFF, "staff@nh.example.gov"),
        (Role.STATE_ADMIN, "admin@nh.example.gov"),
        (Role.DISTRICT_LEADER, "leader@lea.example.org"),
        (Role.TASK_FORCE, "taskforce@nh.example.gov"),
    ):
        users[role].email = address
        users[role].save(update_fields=["email"])
    second_admin = UserFactory(
        role=Role.STATE_ADMIN, state=nh["state"], email="admin2@nh.example.gov"
    )
    vt_admin = vt["users"][Role.STATE_ADMIN]
    vt_admin.email = "admin@vt.example.gov"
    vt_admin.save(update_fields=["email"])
    return {
        "state": nh["state"],
        "lea": nh["leas"][0],
        "other_lea": nh["leas"][1],
        "cycle": nh["cycle"],
        "staff": users[Role.STATE_STAFF],
        "admin": users[Role.STATE_ADMIN],
        "admin2": second_admin,
        "leader": users[Role.DISTRICT_LEADER],
        "task_force": users[Role.TASK_FORCE],
        "vt_admin": vt_admin,
    }


def complete_assessment(*, lea, cycle, assignee) -> Assessment:
    """An assessment with every indicator rated, ready to submit."""
    assessment = Assessment.objects.create(lea=lea, cycle=cycle, assignee=assignee)
    Answer.objects.bulk_create(
        Answer(assessment=assessment, indicator=indicator, rating=3, updated_by=assignee)
        for indicator in Indicator.objects.filter(framework=cycle.framework)
    )
    return assessment
