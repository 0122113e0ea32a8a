"""Schemathesis against the published schema of /api/v1/, through the WSGI app.

Every operation in the schema is fuzzed (the examples, coverage and fuzzing phases, valid
and invalid inputs, writes included) as a state staff member signed in with a session
(and its CSRF token), as a state administrator with an API token, and anonymously, with
every check on: no 5xx, no status code or content type the schema does not list, no reply
that does not match its schema, no invalid input accepted, no valid input refused (save
the few business-rule 400s that the schema documents: BUSINESS_RULE_400).

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
from cbe_portal.api import MESSAGES
from cbe_portal.sessions import SessionStore
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

PATH_VALUES = {
    "state_code": list(STATES),
    "leaid": [leaid for code in STATES for leaid in LEAIDS[code]],
    "cycle_id": list(CYCLE_IDS.values()),
    # `id` names an assessment or a report job, depending on the path (see ID_VALUES).
    "id": [pk for code in STATES for pk in ASSESSMENT_IDS[code] + JOB_IDS[code]],
    "indicator_code": INDICATOR_CODES,
    "lever_code": list(_FRAMEWORK.lever_codes),
}
DICTIONARIES = {
    **PATH_VALUES,
    "sort": SORT_KEYS,
    # Citations the policy edit takes, so a lever in force is saved, not refused.
    "citation": ["RSA 193-C:3", "https://example.org/rules/credit-flexibility"],
    # Every row below starts at version 1: a write that names it gets past the 409.
    "version": [1],
}
# Under these paths `id` is drawn from the ids of its own kind of row.
ID_VALUES = {
    "/api/v1/assessments/": [pk for code in STATES for pk in ASSESSMENT_IDS[code]],
    "/api/v1/reports/": [pk for code in STATES for pk in JOB_IDS[code]],
}
DICTIONARIES.update({f"id under {prefix}": ids for prefix, ids in ID_VALUES.items()})
# Query and body fields that take the same values as a path parameter.
SAME_AS = {"state": "state_code", "lea": "leaid", "cycle": "cycle_id"}

# Operations with rules a JSON schema cannot state, which a schema-valid body can break:
# each documents that 400 in the schema (test_business_rule_400s_are_documented), and for
# these alone a 400 to a schema-valid request is not a failure.
BUSINESS_RULE_400 = {
    # A rating together with dont_know true.
    ("PUT", "/api/v1/assessments/{id}/answers/{indicator_code}/"),
    # No note at all, or a comment on an indicator code the framework lacks.
    ("POST", "/api/v1/assessments/{id}/return/"),
    # The citation rules of the edit page.
    ("PUT", "/api/v1/policy-profiles/{state_code}/{cycle_id}/levers/{lever_code}/"),
    # A lever or status the cycle's framework does not have (the keys of a free map).
    ("POST", "/api/v1/states/{state_code}/policy-simulation/"),
    # Due dates in the past or out of order, a name taken, LEAIDs that are not the state's.
    ("POST", "/api/v1/cycles/"),
    # LEAs not in the cycle, unknown usernames, people who are not staff of the state.
    ("POST", "/api/v1/cycles/{cycle_id}/assignments/"),
    # Plans: a priority that is not a gap of the LEA; a text of spaces only; a due date
    # before the start; a portal owner who cannot see the plan; a note dated in the
    # future; a status that does not allow the move.
    ("PUT", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/priorities/"),
    ("POST", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/submit/"),
    ("POST", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/review/"),
    ("PUT", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/objectives/{objective_id}/"),
    ("POST", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/objectives/{objective_id}/tasks/"),
    ("POST", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/objectives/{objective_id}/comments/"),
    ("PUT", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/tasks/{task_id}/"),
    ("POST", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/tasks/{task_id}/notes/"),
}
ACCEPTED_FOR_VALID_INPUT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _config() -> SchemathesisConfig:
    def drawn(dictionary: str, probability: float = KNOWN_VALUE_SHARE) -> dict:
        return {"dictionary": dictionary, "probability": probability}

    parameters = {f"path.{name}": drawn(name) for name in PATH_VALUES}
    parameters["query.sort"] = drawn("sort", 1.0)
    for field, dictionary in SAME_AS.items():
        parameters[f"query.{field}"] = drawn(dictionary)
        parameters[f"body.{field}"] = drawn(dictionary)
    parameters["body.citation"] = drawn("citation")
    parameters["body.version"] = drawn("version", 0.5)
    business_rules = [
        {
            "include-name": f"{method} {path}",
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": [*ACCEPTED_FOR_VALID_INPUT, "400"]
                }
            },
        }
        for method, path in sorted(BUSINESS_RULE_400)
    ]
    ids_by_path = [
        {
            "include-path-regex": f"^{prefix}",
            "parameters": {"path.id": drawn(f"id under {prefix}")},
        }
        for prefix in ID_VALUES
    ]
    return SchemathesisConfig.from_dict(
        {
            "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
            "parameters": parameters,
            "operations": business_rules + ids_by_path,
            # No example database: each run stands alone (a failure prints its curl).
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {
                "coverage": {"generate-duplicate-query-parameters": True},
                "stateful": {"enabled": False},
            },
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_INPUT}},
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
    session[BACKEND_SESSION_KEY] = "accounts.backends.PortalModelBackend"
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


def test_business_rule_400s_are_documented():
    """Each operation whose 400 the fuzz accepts for a schema-valid request says in the
    schema what refuses it (more than the generic words every operation has)."""
    generic = MESSAGES[400]
    for method, path in BUSINESS_RULE_400:
        operation = schema.raw_schema["paths"][path][method.lower()]
        description = operation["responses"]["400"]["description"]
        assert description != generic, f"{method} {path}: say in the schema what refuses it"
