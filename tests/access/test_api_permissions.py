"""The API's permission matrix, generated from the schema: every operation against every
role, anonymously and from another state.

- Anonymous: every operation of the schema is a 401.
- Another state: every operation that names an object in its path answers 404 to every
  role of another state (the object is not theirs to know about).
- Each role of the object's own state (and a national admin): the status in TABLE below.

TABLE is written by hand, one row per operation (a path template of the schema and a
method), with what each role gets: OK (past the permission check), 403 or 404, following
the rules of access/selectors.py that the pages apply. A row whose operation is not in the
schema is skipped; an operation of the schema that has no row FAILS, so a new endpoint
cannot arrive without saying who may use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scores import assessment_list_rescore
from plans import services as plan_services
from reports.models import ReportJob
from tests.factories import (
    CycleFactory,
    LEAFactory,
    StateFactory,
    UserFactory,
    profile_create,
    shipped_framework,
)

pytestmark = pytest.mark.django_db

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = sorted(
    (method.upper(), path) for path, item in SCHEMA["paths"].items() for method in item
)
READS = ("GET", "HEAD", "OPTIONS")

NA, SA, SS, TF, DL = (
    Role.NATIONAL_ADMIN,
    Role.STATE_ADMIN,
    Role.STATE_STAFF,
    Role.TASK_FORCE,
    Role.DISTRICT_LEADER,
)
ROLES = (NA, SA, SS, TF, DL)
STATE_ROLES = (SA, SS, TF, DL)
OK = "ok"


def allow(*roles: str, refused: int = 403) -> dict[str, Any]:
    """The roles named may; the others get `refused`."""
    return {role: OK if role in roles else refused for role in ROLES}


EVERYONE = allow(*ROLES)
STATE_VIEWERS = allow(NA, SA, SS, TF)  # a state's aggregates: not a district leader
ANSWERERS = allow(NA, SA, SS)
REVIEWERS = allow(NA, SA)
PLAN_READERS = allow(NA, SA, SS, DL, refused=404)
PLAN_WRITERS = {**allow(NA, DL), TF: 404}
PLAN_COACHES = {**allow(NA, SA, SS), TF: 404}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, Any]
    # The JSON body of a write, from the place (its ids); None sends no body.
    body: Any = None
    # The assessment's status before the request, when the operation needs one.
    assessment_status: str = ""
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.name})" if self.name else "")


TABLE = [
    # Directory and cycles: readable by every role, scoped.
    Row("GET", "/api/v1/states/", EVERYONE),
    Row("GET", "/api/v1/leas/", EVERYONE),
    Row("GET", "/api/v1/leas/{leaid}/", EVERYONE),
    Row("GET", "/api/v1/cycles/", EVERYONE),
    # Running a cycle (user_can_manage_state, user_can_manage_cycle): administrators only.
    Row(
        "POST",
        "/api/v1/cycles/",
        REVIEWERS,
        body=lambda p: {
            "state": p["state"].code,
            "name": "2099-00",
            "assessments_due_on": "2099-09-01",
            "reviews_due_on": "2099-10-01",
        },
    ),
    Row("POST", "/api/v1/cycles/{cycle_id}/close/", REVIEWERS, body=lambda p: {}),
    Row(
        "POST",
        "/api/v1/cycles/{cycle_id}/assignments/",
        REVIEWERS,
        body=lambda p: {
            "assignments": [{"lea": p["lea"].leaid, "assignee": p["users"][SS].username}]
        },
    ),
    Row("GET", "/api/v1/cycles/{cycle_id}/workload/", REVIEWERS),
    # Results and alignment of the district leader's own LEA are theirs to read.
    Row("GET", "/api/v1/leas/{leaid}/results/{cycle_id}/", EVERYONE),
    Row("GET", "/api/v1/leas/{leaid}/cycles/{cycle_id}/alignment/", EVERYONE),
    # State policy (user_can_edit_policy): everyone of the state reads, district leaders
    # included; state administrators start a profile and edit its levers, one at a time.
    Row("GET", "/api/v1/policy-profiles/", EVERYONE),
    Row(
        "POST",
        "/api/v1/policy-profiles/",
        REVIEWERS,
        body=lambda p: {"state": p["state"].code, "cycle": p["cycle"].pk},
    ),
    Row("GET", "/api/v1/policy-profiles/{state_code}/{cycle_id}/", EVERYONE),
    Row(
        "PUT",
        "/api/v1/policy-profiles/{state_code}/{cycle_id}/levers/{lever_code}/",
        REVIEWERS,
        body=lambda p: {"status": "exploring", "citation": "", "note": "", "version": 1},
    ),
    # Per-lever state figures are a state aggregate (user_can_see_state_aggregates).
    Row("GET", "/api/v1/states/{state_code}/cycles/{cycle_id}/levers/", STATE_VIEWERS),
    # The what-if simulator (user_can_simulate_policy): the task force and administrators.
    Row(
        "POST",
        "/api/v1/states/{state_code}/policy-simulation/",
        allow(NA, SA, TF),
        body=lambda p: {"cycle": p["cycle"].pk, "levers": {"credit_flexibility": "statewide"}},
    ),
    # A framework version is public to every signed-in user (it belongs to no state).
    Row("GET", "/api/v1/frameworks/{code}/{version}/", EVERYONE),
    # Dashboards: state aggregates are not for district leaders; national for national.
    Row("GET", "/api/v1/dashboards/{state_code}/{cycle_id}/", STATE_VIEWERS),
    Row("GET", "/api/v1/dashboards/{state_code}/{cycle_id}/leas/", STATE_VIEWERS),
    Row("GET", "/api/v1/dashboards/national/", allow(NA)),
    # Assessments (contract of issue 11).
    Row("GET", "/api/v1/assessments/", EVERYONE),
    Row(
        "POST",
        "/api/v1/assessments/",
        ANSWERERS,
        body=lambda p: {"lea": p["lea"].leaid, "cycle": p["cycle"].pk},
    ),
    Row("GET", "/api/v1/assessments/{id}/", EVERYONE),
    Row("GET", "/api/v1/assessments/{id}/answers/", EVERYONE),
    Row("GET", "/api/v1/assessments/{id}/answers/{indicator_code}/", EVERYONE),
    Row(
        "PUT",
        "/api/v1/assessments/{id}/answers/{indicator_code}/",
        ANSWERERS,
        body=lambda p: {"rating": 2, "dont_know": False, "evidence": "", "version": 1},
    ),
    # The district's own view: its district leader writes it; the state's administrators
    # and staff read it; for the task force it does not exist (404).
    Row("GET", "/api/v1/assessments/{id}/district-ratings/", allow(NA, SA, SS, DL, refused=404)),
    Row(
        "GET",
        "/api/v1/assessments/{id}/district-ratings/{indicator_code}/",
        allow(NA, SA, SS, DL, refused=404),
    ),
    Row(
        "PUT",
        "/api/v1/assessments/{id}/district-ratings/{indicator_code}/",
        {NA: 403, SA: 403, SS: 403, TF: 404, DL: OK},
        body=lambda p: {"level": 1, "note": "We see it otherwise.", "version": 0},
    ),
    Row("GET", "/api/v1/assessments/{id}/scores/", EVERYONE),
    Row("POST", "/api/v1/assessments/{id}/submit/", allow(NA, SS), body=lambda p: {}),
    Row(
        "POST",
        "/api/v1/assessments/{id}/return/",
        REVIEWERS,
        body=lambda p: {"message": "Please add evidence.", "comments": {}},
        assessment_status=Assessment.Status.SUBMITTED,
    ),
    Row(
        "POST",
        "/api/v1/assessments/{id}/accept/",
        REVIEWERS,
        body=lambda p: {},
        assessment_status=Assessment.Status.SUBMITTED,
    ),
    # Reports: an LEA's report by anyone who sees the LEA; the statewide one by task
    # forces and administrators (user_can_request_state_report; the API answers 403 to
    # the others of the state, who see the state). The list is scoped like the page's.
    Row("GET", "/api/v1/reports/", EVERYONE),
    Row(
        "POST",
        "/api/v1/reports/",
        EVERYONE,
        body=lambda p: {"kind": "lea", "lea": p["lea"].leaid, "cycle": p["cycle"].pk},
        name="an LEA's report",
    ),
    Row(
        "POST",
        "/api/v1/reports/",
        allow(NA, SA, TF),
        body=lambda p: {"kind": "state", "state": p["state"].code, "cycle": p["cycle"].pk},
        name="the statewide report",
    ),
    Row("GET", "/api/v1/reports/{id}/", EVERYONE),
    Row("GET", "/api/v1/reports/{id}/pdf/", EVERYONE),
    # Improvement plans: the LEA's district leaders write them, the state's staff and
    # administrators read, coach and review; task force members see plans only in
    # aggregate (a plan is a 404 to them; the list is empty).
    Row("GET", "/api/v1/plans/", EVERYONE),
    Row("GET", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/", PLAN_READERS),
    Row(
        "PUT",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/priorities/",
        PLAN_READERS,
        body=lambda p: {"indicators": [p["indicator_code"]]},
    ),
    Row(
        "POST",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/submit/",
        PLAN_WRITERS,
        body=lambda p: {"version": 1},
    ),
    Row(
        "POST",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/review/",
        PLAN_COACHES,
        body=lambda p: {"version": 1},
    ),
    Row(
        "PUT",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/objectives/{objective_id}/",
        PLAN_WRITERS,
        body=lambda p: {"statement": "All devices", "target_on": "2027-05-01", "version": 1},
    ),
    Row(
        "POST",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/objectives/{objective_id}/tasks/",
        PLAN_WRITERS,
        body=lambda p: {
            "description": "Survey",
            "owner_name": "Jo",
            "starts_on": "2026-09-01",
            "due_on": "2026-09-30",
        },
    ),
    Row(
        "POST",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/objectives/{objective_id}/comments/",
        PLAN_COACHES,
        body=lambda p: {"body": "Good start."},
    ),
    Row("GET", "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/tasks/{task_id}/", PLAN_READERS),
    Row(
        "PUT",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/tasks/{task_id}/",
        PLAN_WRITERS,
        body=lambda p: {
            "description": "Survey",
            "owner_name": "Jo",
            "starts_on": "2026-09-01",
            "due_on": "2026-09-30",
            "status": "done",
            "version": 1,
        },
    ),
    Row(
        "POST",
        "/api/v1/leas/{leaid}/cycles/{cycle_id}/plan/tasks/{task_id}/notes/",
        PLAN_WRITERS,
        body=lambda p: {"body": "Half done.", "evidence": "inventory"},
    ),
]
TABLE_OPERATIONS = {(row.method, row.path) for row in TABLE}


def test_every_operation_of_the_schema_has_a_row_in_the_table():
    missing = [
        f"{method} {path}" for method, path in OPERATIONS if (method, path) not in TABLE_OPERATIONS
    ]
    assert not missing, (
        "Say who may use these operations: add a row to TABLE in "
        f"tests/access/test_api_permissions.py for each of {missing}"
    )


def test_the_table_gives_every_role_an_expectation():
    for row in TABLE:
        assert set(row.expect) == set(ROLES), row.id
        assert all(value in (OK, 403, 404) for value in row.expect.values()), row.id
        assert (row.body is None) == (row.method in READS), row.id


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    """Two states, each with LEAs, a cycle, a policy profile, a fully answered draft
    assessment of the district leader's LEA, that LEA's reports (one queued, one done with
    its PDF), a statewide report, and a user of every role."""
    from django.core.files.base import ContentFile

    with django_db_blocker.unblock():
        framework = shipped_framework()
        indicators = list(framework.indicators.order_by("position"))
        world = {"national": UserFactory(role=NA)}
        for code in ("NH", "VT"):
            state = StateFactory(code=code, name=f"State {code}")
            leas = [LEAFactory(state=state), LEAFactory(state=state)]
            cycle = CycleFactory(state=state, framework=framework)
            users = {role: UserFactory(role=role, state=state) for role in (SA, SS, TF)}
            users[DL] = UserFactory(role=DL, state=state, lea=leas[0])
            assessment = Assessment.objects.create(lea=leas[0], cycle=cycle, assignee=users[SS])
            Answer.objects.bulk_create(
                Answer(assessment=assessment, indicator=indicator, rating=1 + i % 4)
                for i, indicator in enumerate(indicators)
            )
            assessment_list_rescore(assessments=Assessment.objects.filter(pk=assessment.pk))
            profile_create(state=state, cycle=cycle)
            plan = plan_services.plan_priorities_set(
                user=users[DL], assessment=assessment, indicator_codes=[indicators[0].code]
            )
            objective = plan.objectives.get()
            task = plan_services.task_create(
                user=users[DL],
                objective=objective,
                description="Survey",
                owner_name="Jo",
                starts_on="2026-09-01",
                due_on="2026-09-30",
            )
            done = ReportJob(
                kind="lea",
                state=state,
                lea=leas[0],
                cycle=cycle,
                status=ReportJob.Status.DONE,
                progress=100,
            )
            done.file.save(f"matrix-{code}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
            done.save()
            world[code] = {
                "state": state,
                "lea": leas[0],
                "cycle": cycle,
                "assessment": assessment,
                "report": done,
                "indicator_code": indicators[0].code,
                "lever_code": framework.levers.order_by("position").first().code,
                "users": users,
                "objective": objective,
                "task": task,
            }
    yield world
    for code in ("NH", "VT"):
        report = world[code]["report"]
        report.file.storage.delete(report.file.name)


def _path_values(place: dict, path: str) -> dict[str, Any]:
    values = {
        "state_code": place["state"].code,
        "leaid": place["lea"].leaid,
        "cycle_id": place["cycle"].pk,
        "indicator_code": place["indicator_code"],
        "lever_code": place["lever_code"],
        "code": place["cycle"].framework.code,
        "version": place["cycle"].framework.version,
        "objective_id": place["objective"].pk,
        "task_id": place["task"].pk,
        # `id` is a report under /reports/, an assessment under /assessments/.
        "id": place["report"].pk if path.startswith("/api/v1/reports/") else place["assessment"].pk,
    }
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    unknown = [name for name in names if name not in values]
    assert not unknown, f"{path}: say in _path_values which row {unknown} names"
    return {name: values[name] for name in names}


def _call(client, method: str, path: str, place: dict, body=None):
    url = path.format(**_path_values(place, path))
    if body is None:
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def _user(world, role, code="NH"):
    return world["national"] if role == NA else world[code]["users"][role]


def _in_schema(method: str, path: str) -> None:
    if (method, path) not in set(OPERATIONS):
        pytest.skip(f"{method} {path} is not in the schema (yet)")


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.id)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(client, world, row, role):
    _in_schema(row.method, row.path)
    place = world["NH"]
    if row.assessment_status:
        Assessment.objects.filter(pk=place["assessment"].pk).update(status=row.assessment_status)
    client.force_login(_user(world, role))
    body = row.body(place) if row.body else None
    response = _call(client, row.method, row.path, place, body)
    expected = row.expect[role]
    if expected == OK:
        passed = (200 <= response.status_code < 300) or (
            row.method not in READS and response.status_code in (400, 409)
        )
        assert passed, f"{role}: {response.status_code} {response.content[:300]!r}"
    else:
        assert response.status_code == expected, (role, response.content[:300])


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_is_a_401_anonymously(client, world, method, path):
    response = _call(client, method, path, world["NH"], None if method in READS else {})
    assert response.status_code == 401, response.content[:300]


# Operations on rows of no state (framework versions) have no "other state" to refuse.
NOT_STATE_SCOPED = {("GET", "/api/v1/frameworks/{code}/{version}/")}
OBJECT_OPERATIONS = [(m, p) for m, p in OPERATIONS if "{" in p and (m, p) not in NOT_STATE_SCOPED]


@pytest.mark.parametrize(
    ("method", "path"), OBJECT_OPERATIONS, ids=[f"{m} {p}" for m, p in OBJECT_OPERATIONS]
)
@pytest.mark.parametrize("role", STATE_ROLES)
def test_another_states_object_is_a_404_for_every_role(client, world, method, path, role):
    client.force_login(_user(world, role, code="VT"))
    rows = [row for row in TABLE if (row.method, row.path) == (method, path)]
    body = rows[0].body(world["NH"]) if rows and rows[0].body else None
    if body is None and method not in READS:
        body = {}
    response = _call(client, method, path, world["NH"], body)
    assert response.status_code == 404, response.content[:300]
