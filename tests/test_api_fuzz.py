"""Schemathesis against the published schema of /api/v1/, through the WSGI app.

Every operation in the schema is fuzzed (the examples, coverage and fuzzing phases, valid
and invalid inputs, writes included) as a state staff member signed in with a session
(and its CSRF token), as a state administrator with an API token, and anonymously, with
every check on: no 5xx, no status code or content type the schema does not list, no reply
that does not match its schema, no invalid input accepted, no valid input refused.

The operations come from the schema, so an endpoint added later is fuzzed with no change
here. Path, query and body values are drawn most of the time from the rows built below
(their ids are fixed, because the schema is loaded when the module is imported), so the
fuzz reaches past the 404 of an unknown id. Each operation is one test whose writes are
rolled back after it; MAX_EXAMPLES bounds the fuzzing phase of each.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
import yaml
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scores import assessment_list_rescore
from frameworks.document import framework_from_content
from reports.models import ReportJob
from tests.factories import (
    FRAMEWORK_PATH,
    CycleFactory,
    LEAFactory,
    StateFactory,
    UserFactory,
    profile_create,
    shipped_framework,
)

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 15
# How often a path, query or body value is one of the rows below rather than made up.
KNOWN_VALUE_SHARE = 0.8

STATES = ("NH", "VT")
# Fixed ids, far above what a sequence hands out in a test run.
LEAIDS = {"NH": ["3390001", "3390002", "3390003"], "VT": ["5090001", "5090002", "5090003"]}
CYCLE_IDS = {"NH": 91001, "VT": 91002}
ASSESSMENT_IDS = {"NH": [92001, 92002], "VT": [92003, 92004]}
JOB_IDS = {"NH": [93001, 93002, 93003], "VT": [93004, 93005, 93006]}
_FRAMEWORK = framework_from_content(yaml.safe_load(FRAMEWORK_PATH.read_text(encoding="utf-8")))
INDICATOR_CODES = list(_FRAMEWORK.indicator_codes[:6])
# The heatmap's sort keys include the cycle's domain codes, which one schema for every
# cycle cannot list; its values are always drawn from these (see the report).
SORT_KEYS = [
    f"{direction}{key}"
    for key in ("locale", "name", "overall", "stage", "status", *_FRAMEWORK.domain_codes)
    for direction in ("", "-")
]

DICTIONARIES = {
    "state_code": list(STATES),
    "leaid": [leaid for code in STATES for leaid in LEAIDS[code]],
    "cycle_id": list(CYCLE_IDS.values()),
    # `id` names an assessment or a report job, depending on the path.
    "id": [pk for code in STATES for pk in ASSESSMENT_IDS[code] + JOB_IDS[code]],
    "indicator_code": INDICATOR_CODES,
    "sort": SORT_KEYS,
}
# Query and body fields that take the same values as a path parameter.
SAME_AS = {"state": "state_code", "lea": "leaid", "cycle": "cycle_id"}


def _config() -> SchemathesisConfig:
    def drawn(dictionary: str) -> dict:
        return {"dictionary": dictionary, "probability": KNOWN_VALUE_SHARE}

    parameters = {f"path.{name}": drawn(name) for name in DICTIONARIES if name != "sort"}
    parameters["query.sort"] = {"dictionary": "sort", "probability": 1.0}
    for field, dictionary in SAME_AS.items():
        parameters[f"query.{field}"] = drawn(dictionary)
        parameters[f"body.{field}"] = drawn(dictionary)
    return SchemathesisConfig.from_dict(
        {
            "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
            "parameters": parameters,
            # No example database: each run stands alone (a failure prints its curl).
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {
                "coverage": {"generate-duplicate-query-parameters": True},
                "stateful": {"enabled": False},
            },
        }
    )


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", WSGIHandler(), config=_config()
)


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    """Two states, each with three LEAs, a cycle, a policy profile, a fully answered draft
    assessment (to answer and submit), a fully answered submitted one (to accept or
    return), an LEA without one (to start), and report jobs: queued for the LEA and the
    state, and one done with its PDF. The fuzz signs in as NH's staff and administrator."""
    with django_db_blocker.unblock():
        framework = shipped_framework()
        indicators = list(framework.indicators.order_by("position"))
        users, pdfs = {}, []
        for code in STATES:
            state = StateFactory(code=code, name=f"State {code}")
            leas = [LEAFactory(state=state, leaid=leaid) for leaid in LEAIDS[code]]
            cycle = CycleFactory(pk=CYCLE_IDS[code], state=state, framework=framework)
            users[code] = {
                "staff": UserFactory(role=Role.STATE_STAFF, state=state),
                "admin": UserFactory(role=Role.STATE_ADMIN, state=state),
            }
            draft_id, submitted_id = ASSESSMENT_IDS[code]
            assessments = [
                Assessment.objects.create(
                    pk=draft_id, lea=leas[0], cycle=cycle, assignee=users[code]["staff"]
                ),
                Assessment.objects.create(
                    pk=submitted_id,
                    lea=leas[1],
                    cycle=cycle,
                    assignee=users[code]["staff"],
                    status=Assessment.Status.SUBMITTED,
                ),
            ]
            Answer.objects.bulk_create(
                Answer(
                    assessment=assessment,
                    indicator=indicator,
                    rating=1 + i % 4,
                    evidence="Seen in the district plan.",
                )
                for assessment in assessments
                for i, indicator in enumerate(indicators)
            )
            assessment_list_rescore(assessments=Assessment.objects.filter(cycle=cycle))
            profile_create(state=state, cycle=cycle)
            lea_job, state_job, done_job = JOB_IDS[code]
            ReportJob.objects.create(pk=lea_job, kind="lea", state=state, lea=leas[0], cycle=cycle)
            ReportJob.objects.create(pk=state_job, kind="state", state=state, cycle=cycle)
            done = ReportJob(
                pk=done_job,
                kind="lea",
                state=state,
                lea=leas[1],
                cycle=cycle,
                status=ReportJob.Status.DONE,
                progress=100,
            )
            done.file.save(f"fuzz-{code}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
            done.save()
            pdfs.append(done.file)
    yield users["NH"]
    for pdf in pdfs:
        pdf.storage.delete(pdf.name)


@pytest.fixture(autouse=True)
def _requests_inside_the_test_transaction(settings):
    """Requests go straight to Django's WSGI handler, which closes the database connection
    around each request unless told otherwise (Django's test client does the same), and
    the write throttle is lifted: the fuzz writes far faster than any person."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "1000000/minute"},
    }
    cache.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The credentials are fixed (schemathesis applies them to the examples it builds when the
# module is collected); each test's fixture makes the rows that make them valid.
STAFF_SESSION_KEY = "fuzzstaffsession00000000000000000"
CSRF_SECRET = "fuzzcsrfsecret000000000000000000"
ADMIN_TOKEN_KEY = "f" * 40


class _SignedIn:
    """A schemathesis auth provider: schemathesis then knows the credentials are real,
    and checks that the API refuses the same request without them or with wrong ones."""

    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}

    def get(self, case, context):
        return True

    def set(self, case, data, context):
        case.headers.update(self.headers)
        case.cookies.update(self.cookies)


class StaffSession(_SignedIn):
    cookies = {"sessionid": STAFF_SESSION_KEY, "csrftoken": CSRF_SECRET}
    headers = {"X-CSRFToken": CSRF_SECRET}


class AdminToken(_SignedIn):
    headers = {"Authorization": f"Token {ADMIN_TOKEN_KEY}"}


@pytest.fixture
def staff_session(world):
    session = SessionStore()
    session[SESSION_KEY] = str(world["staff"].pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = world["staff"].get_session_auth_hash()
    session._session_key = STAFF_SESSION_KEY
    session.save(must_create=True)


@pytest.fixture
def admin_token(world):
    Token.objects.create(user=world["admin"], key=ADMIN_TOKEN_KEY)


# The fixtures give each operation its signed-in user; no generated input changes them.
FUZZ = hypothesis.settings(suppress_health_check=list(hypothesis.HealthCheck), deadline=None)


@schema.parametrize()
@schema.auth.apply(StaffSession, refresh_interval=None)
@FUZZ
def test_the_api_as_state_staff_signed_in_with_a_session(case, staff_session):
    case.call_and_validate()


@schema.parametrize()
@schema.auth.apply(AdminToken, refresh_interval=None)
@FUZZ
def test_the_api_as_a_state_administrator_with_a_token(case, admin_token):
    case.call_and_validate()


@schema.parametrize()
@FUZZ
def test_the_api_anonymously(case, world):
    case.call_and_validate()
