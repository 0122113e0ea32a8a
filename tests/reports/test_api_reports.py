"""Report jobs through the API: request, follow, download; scoped like the report pages.

The render is the worker's own service (`report_render_job`), called here in the test
process; test_api_worker.py goes through a real Celery worker.
"""

import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from accounts.models import Role
from assessments.models import Assessment
from reports.models import ReportJob
from reports.services import report_render_job
from tests.factories import CycleFactory, LEAFactory
from tests.test_api_conventions import assert_error_shape

NH_ROLES = [
    Role.NATIONAL_ADMIN,
    Role.STATE_ADMIN,
    Role.STATE_STAFF,
    Role.TASK_FORCE,
    Role.DISTRICT_LEADER,
]


def ask(client, **body):
    return client.post("/api/v1/reports/", body, content_type="application/json")


def ask_lea(client, world, index=0, cycle=None):
    lea = world["leas"][index]
    return ask(client, kind="lea", lea=lea.leaid, cycle=(cycle or world["cycle"]).pk)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def done_job(report_world, media_root):
    job = ReportJob.objects.create(
        kind="lea",
        state=report_world["state"],
        lea=report_world["leas"][0],
        cycle=report_world["cycle"],
        status="done",
        progress=100,
        page_count=1,
    )
    job.file.save("api-test.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    return job


# --- the whole way ----------------------------------------------------------------------------


def test_a_district_leader_requests_follows_and_downloads_their_leas_pdf(
    client, report_world, media_root
):
    leader = report_world["users"][Role.DISTRICT_LEADER]
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    client.force_login(leader)

    response = ask_lea(client, report_world)
    assert response.status_code == 201, response.content
    job = response.json()
    assert response["Location"] == f"/api/v1/reports/{job['id']}/"
    assert (job["kind"], job["status"], job["progress"]) == ("lea", "queued", 0)
    assert (job["lea"], job["state"], job["cycle"]) == (lea.leaid, "NH", cycle.pk)
    assert job["pdf"] is None and job["subject"] == lea.name

    not_yet = client.get(f"/api/v1/reports/{job['id']}/pdf/")
    body = assert_error_shape(not_yet, 409, "report_not_ready")
    assert (body["status"], body["progress"]) == ("queued", 0)

    again = ask_lea(client, report_world)
    assert again.status_code == 200 and again.json()["id"] == job["id"]  # still on its way

    report_render_job(job_id=job["id"], task_id="in-process")  # what the Celery task calls

    followed = client.get(f"/api/v1/reports/{job['id']}/").json()
    assert (followed["status"], followed["progress"]) == ("done", 100)
    assert followed["finished_at"] and followed["page_count"] >= 1
    assert followed["pdf"] == f"http://testserver/api/v1/reports/{job['id']}/pdf/"
    download = client.get(followed["pdf"], HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert f"{lea.leaid}-{cycle.name}-readiness.pdf" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF-")
    assert lea.name in pdf_text(data)

    # Unchanged inputs: the stored PDF is the answer, no new job.
    reused = ask_lea(client, report_world)
    assert reused.status_code == 200 and reused.json()["id"] == job["id"]
    assert ReportJob.objects.count() == 1


def test_the_api_and_the_web_download_serve_the_same_file(client, report_world, done_job):
    client.force_login(report_world["users"][Role.STATE_STAFF])
    api = client.get(f"/api/v1/reports/{done_job.pk}/pdf/")
    web = client.get(f"/reports/jobs/{done_job.pk}/download/")
    assert api.status_code == web.status_code == 200
    assert api["Content-Disposition"] == web["Content-Disposition"]
    assert b"".join(api.streaming_content) == b"".join(web.streaming_content) == b"%PDF-1.7 test"


def test_a_pdf_is_refused_to_a_client_that_accepts_only_json_and_errors_are_json(
    client, report_world, done_job
):
    client.force_login(report_world["users"][Role.STATE_STAFF])
    url = f"/api/v1/reports/{done_job.pk}/pdf/"
    assert_error_shape(client.get(url, HTTP_ACCEPT="application/json"), 406, "not_acceptable")
    assert client.get(url, HTTP_ACCEPT="application/pdf, */*;q=0.1").status_code == 200
    assert_error_shape(client.get(url, HTTP_ACCEPT="text/html"), 406)
    done_job.status = "running"
    done_job.save()
    assert_error_shape(client.get(url, HTTP_ACCEPT="application/pdf"), 409, "report_not_ready")
    client.logout()
    assert_error_shape(client.get(url, HTTP_ACCEPT="application/pdf"), 401)


def test_a_failed_report_says_why_and_its_download_is_a_409(client, report_world, media_root):
    world = report_world
    client.force_login(world["users"][Role.STATE_ADMIN])
    job = ask_lea(client, world, index=2).json()
    Assessment.objects.filter(lea=world["leas"][2], cycle=world["cycle"]).delete()
    report_render_job(job_id=job["id"], task_id="in-process")
    body = client.get(f"/api/v1/reports/{job['id']}/").json()
    assert body["status"] == "failed" and "no needs assessment" in body["error"]
    assert_error_shape(client.get(f"/api/v1/reports/{job['id']}/pdf/"), 409, "report_not_ready")


# --- who may ask -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", NH_ROLES)
def test_whoever_sees_an_lea_may_ask_for_its_report(client, report_world, role):
    client.force_login(report_world["users"][role])
    index = 0 if role == Role.DISTRICT_LEADER else 1
    assert ask_lea(client, report_world, index=index).status_code == 201


def test_an_lea_or_cycle_out_of_sight_is_a_404(client, report_world):
    world = report_world
    client.force_login(world["users"][Role.DISTRICT_LEADER])
    assert_error_shape(ask_lea(client, world, index=1), 404, "not_found")
    client.force_login(world["outsiders"][Role.STATE_ADMIN])
    assert_error_shape(ask_lea(client, world), 404, "not_found")
    client.force_login(world["users"][Role.STATE_ADMIN])
    other_cycle = world["other_cycle"]
    assert_error_shape(ask_lea(client, world, cycle=other_cycle), 404, "not_found")
    response = ask(client, kind="state", state="VT", cycle=other_cycle.pk)
    assert_error_shape(response, 404, "not_found")
    assert not ReportJob.objects.exists()


def test_an_lea_without_an_assessment_in_the_cycle_is_a_409(client, report_world):
    world = report_world
    lea = LEAFactory(state=world["state"], name="Not Yet Assessed")
    client.force_login(world["users"][Role.STATE_STAFF])
    response = ask(client, kind="lea", lea=lea.leaid, cycle=world["cycle"].pk)
    body = assert_error_shape(response, 409, "no_assessment")
    assert "no needs assessment" in body["message"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.NATIONAL_ADMIN, 201),
        (Role.STATE_ADMIN, 201),
        (Role.TASK_FORCE, 201),
        (Role.STATE_STAFF, 403),
        (Role.DISTRICT_LEADER, 403),
    ],
)
def test_who_may_ask_for_the_statewide_report(client, report_world, role, expected):
    client.force_login(report_world["users"][role])
    # The other kind's field is ignored, like any field the request does not take.
    response = ask(client, kind="state", state="nh", lea="3300001", cycle=report_world["cycle"].pk)
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert (body["kind"], body["lea"], body["state"]) == ("state", None, "NH")
    else:
        assert_error_shape(response, 403, "permission_denied")
        assert not ReportJob.objects.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "lea", "cycle": 1}, {"lea"}),
        ({"kind": "state", "cycle": 1}, {"state"}),
        ({"kind": "district", "cycle": 1}, {"kind"}),
        ({"kind": "state", "state": "New Hampshire", "cycle": 1}, {"state"}),
        ({"kind": "lea", "lea": "3300001", "cycle": "latest"}, {"cycle"}),
        ({"kind": "lea", "lea": "3300001", "cycle": 2**40}, {"cycle"}),
        ({"kind": "lea", "lea": "3300001"}, {"cycle"}),
        ({}, {"kind"}),
        ({"kind": None, "cycle": 1}, {"kind"}),
    ],
)
def test_a_malformed_request_is_a_400_naming_the_fields(client, report_world, body, fields):
    client.force_login(report_world["users"][Role.NATIONAL_ADMIN])
    response = ask(client, **body)
    assert set(assert_error_shape(response, 400, "invalid")["fields"]) == fields


# --- seeing jobs -------------------------------------------------------------------------------


@pytest.fixture
def jobs(report_world):
    world = report_world
    made = {
        "own_lea": ReportJob.objects.create(
            kind="lea", state=world["state"], lea=world["leas"][0], cycle=world["cycle"]
        ),
        "other_lea": ReportJob.objects.create(
            kind="lea", state=world["state"], lea=world["leas"][1], cycle=world["prior"]
        ),
        "state": ReportJob.objects.create(
            kind="state", state=world["state"], cycle=world["cycle"], status="failed"
        ),
        "other_state": ReportJob.objects.create(
            kind="lea",
            state=world["other_state"],
            lea=world["other_lea"],
            cycle=world["other_cycle"],
        ),
    }
    return made


def listed(client, **query) -> set[int]:
    response = client.get("/api/v1/reports/", query)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_list_holds_the_jobs_the_caller_may_see(client, report_world, jobs):
    ids = {key: job.pk for key, job in jobs.items()}
    client.force_login(report_world["users"][Role.DISTRICT_LEADER])
    assert listed(client) == {ids["own_lea"]}
    for key in ("other_lea", "state", "other_state"):
        assert_error_shape(client.get(f"/api/v1/reports/{ids[key]}/"), 404, "not_found")
        assert_error_shape(client.get(f"/api/v1/reports/{ids[key]}/pdf/"), 404, "not_found")
    client.force_login(report_world["users"][Role.TASK_FORCE])
    assert listed(client) == {ids["own_lea"], ids["other_lea"], ids["state"]}
    client.force_login(report_world["users"][Role.NATIONAL_ADMIN])
    assert listed(client) == set(ids.values())


def test_the_list_filters(client, report_world, jobs):
    world = report_world
    client.force_login(world["users"][Role.NATIONAL_ADMIN])
    assert listed(client, kind="state") == {jobs["state"].pk}
    assert listed(client, status="failed") == {jobs["state"].pk}
    assert listed(client, state="vt") == {jobs["other_state"].pk}
    assert listed(client, lea=world["leas"][0].leaid) == {jobs["own_lea"].pk}
    assert listed(client, cycle=world["prior"].pk) == {jobs["other_lea"].pk}
    assert listed(client, cycle=world["cycle"].pk, kind="lea") == {jobs["own_lea"].pk}


@pytest.mark.parametrize(
    "query",
    ["kind=district", "status=finished", "state=N", "cycle=x", "cycle=-1", "kind=lea&kind=state"],
)
def test_a_bad_list_filter_is_a_400_naming_it(client, report_world, query):
    client.force_login(report_world["users"][Role.NATIONAL_ADMIN])
    body = assert_error_shape(client.get(f"/api/v1/reports/?{query}"), 400, "invalid")
    assert set(body["fields"]) == {query.split("=")[0]}


def test_signed_out_callers_get_a_401_everywhere(client, report_world, jobs):
    job = jobs["own_lea"].pk
    for response in (
        client.get("/api/v1/reports/"),
        client.get(f"/api/v1/reports/{job}/"),
        client.get(f"/api/v1/reports/{job}/pdf/"),
        ask_lea(client, report_world),
    ):
        assert_error_shape(response, 401, "not_authenticated")


def test_a_cycle_without_reports_lists_nothing(client, report_world, framework, jobs):
    cycle = CycleFactory(state=report_world["state"], framework=framework, name="2031-32")
    client.force_login(report_world["users"][Role.STATE_ADMIN])
    assert listed(client, cycle=cycle.pk) == set()


def test_the_schema_declares_the_pdf_and_the_create_or_get_replies(client, report_world):
    client.force_login(report_world["users"][Role.NATIONAL_ADMIN])
    schema = client.get("/api/v1/schema/?format=json").json()
    pdf = schema["paths"]["/api/v1/reports/{id}/pdf/"]["get"]["responses"]
    assert list(pdf["200"]["content"]) == ["application/pdf"]
    assert list(pdf["409"]["content"]) == ["application/json"]
    assert list(pdf["404"]["content"]) == ["application/json"]
    create = schema["paths"]["/api/v1/reports/"]["post"]["responses"]
    assert {"200", "201", "409"} <= set(create)
