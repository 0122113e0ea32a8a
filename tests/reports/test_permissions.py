"""Every role against every report kind, page and endpoint. Anything a user may not see
is a 404, never a 403 that would confirm it exists."""

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse

from accounts.models import Role
from reports.models import ReportBatch, ReportJob
from tests.factories import shipped_framework
from tests.reports.conftest import report_world_create

pytestmark = pytest.mark.django_db

NH_ROLES = [
    Role.NATIONAL_ADMIN,
    Role.STATE_ADMIN,
    Role.STATE_STAFF,
    Role.TASK_FORCE,
    Role.DISTRICT_LEADER,
]
OUTSIDERS = [Role.STATE_ADMIN, Role.TASK_FORCE, Role.DISTRICT_LEADER]

# Which New Hampshire jobs each role may see: its own LEA's (LEA 0), another LEA's
# (LEA 1), the statewide report.
SEES = {
    Role.NATIONAL_ADMIN: {"own_lea", "other_lea", "state"},
    Role.STATE_ADMIN: {"own_lea", "other_lea", "state"},
    Role.STATE_STAFF: {"own_lea", "other_lea", "state"},
    Role.TASK_FORCE: {"own_lea", "other_lea", "state"},
    Role.DISTRICT_LEADER: {"own_lea"},
}
JOB_VIEWS = ["reports:job_detail", "reports:job_status", "reports:job_download"]


# Every test here reads the same world and three finished jobs, and 144 of them only ask
# who may see what: both are built once for the module (`module_db`); each test's own
# writes (requests, retries, batches) are rolled back after it, as usual.


@pytest.fixture(scope="module")
def report_world(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        return report_world_create(framework=shipped_framework())


@pytest.fixture(scope="module")
def jobs(report_world, django_db_blocker, tmp_path_factory):
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        with django_db_blocker.unblock():
            made = _jobs_create(report_world)
        yield made


def _jobs_create(world) -> dict:
    made = {}
    for key, lea in (
        ("own_lea", world["leas"][0]),
        ("other_lea", world["leas"][1]),
        ("state", None),
    ):
        job = ReportJob.objects.create(
            kind="lea" if lea else "state",
            state=world["state"],
            lea=lea,
            cycle=world["cycle"],
            status="done",
            progress=100,
            page_count=5,
        )
        job.file.save(f"perm-{key}.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
        made[key] = job
    return made


def _user(world, role, outsider=False):
    return (world["outsiders"] if outsider else world["users"])[role]


@pytest.mark.parametrize("view", JOB_VIEWS)
@pytest.mark.parametrize("kind", ["own_lea", "other_lea", "state"])
@pytest.mark.parametrize("role", NH_ROLES)
def test_report_jobs_are_visible_exactly_to_the_roles_that_may_see_them(
    client, report_world, jobs, role, kind, view
):
    client.force_login(_user(report_world, role))
    response = client.get(reverse(view, args=[jobs[kind].pk]))
    expected = 200 if kind in SEES[role] else 404
    assert response.status_code == expected


@pytest.mark.parametrize("view", JOB_VIEWS)
@pytest.mark.parametrize("kind", ["own_lea", "other_lea", "state"])
@pytest.mark.parametrize("role", OUTSIDERS)
def test_users_of_another_state_see_none_of_its_reports(
    client, report_world, jobs, role, kind, view
):
    client.force_login(_user(report_world, role, outsider=True))
    assert client.get(reverse(view, args=[jobs[kind].pk])).status_code == 404


@pytest.mark.parametrize("view", JOB_VIEWS)
def test_anonymous_visitors_are_sent_to_sign_in(client, jobs, view):
    response = client.get(reverse(view, args=[jobs["own_lea"].pk]))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_a_district_leader_asking_for_another_leas_file_gets_404(client, report_world, jobs):
    client.force_login(report_world["users"][Role.DISTRICT_LEADER])
    assert (
        client.get(reverse("reports:job_download", args=[jobs["other_lea"].pk])).status_code == 404
    )
    own = client.get(reverse("reports:job_download", args=[jobs["own_lea"].pk]))
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == b"%PDF-1.7 test"


def test_the_report_list_shows_a_district_leader_only_their_leas_reports(
    client, report_world, jobs
):
    client.force_login(report_world["users"][Role.DISTRICT_LEADER])
    page = client.get(reverse("reports:job_list")).content.decode()
    assert report_world["leas"][0].name in page
    assert report_world["leas"][1].name not in page
    assert "statewide" not in page.lower().split("requested reports")[-1]


# --- requesting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "lea_index", "outsider", "expected"),
    [
        (Role.NATIONAL_ADMIN, 1, False, 302),
        (Role.STATE_ADMIN, 1, False, 302),
        (Role.STATE_STAFF, 1, False, 302),
        (Role.TASK_FORCE, 1, False, 302),
        (Role.DISTRICT_LEADER, 0, False, 302),
        (Role.DISTRICT_LEADER, 1, False, 404),
        (Role.STATE_ADMIN, 1, True, 404),
        (Role.TASK_FORCE, 1, True, 404),
        (Role.DISTRICT_LEADER, 1, True, 404),
    ],
)
def test_who_may_request_an_lea_report(client, report_world, role, lea_index, outsider, expected):
    client.force_login(_user(report_world, role, outsider))
    lea, cycle = report_world["leas"][lea_index], report_world["cycle"]
    response = client.post(reverse("reports:lea_report_request", args=[lea.leaid, cycle.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "outsider", "expected"),
    [
        (Role.NATIONAL_ADMIN, False, 302),
        (Role.STATE_ADMIN, False, 302),
        (Role.TASK_FORCE, False, 302),
        (Role.STATE_STAFF, False, 404),
        (Role.DISTRICT_LEADER, False, 404),
        (Role.STATE_ADMIN, True, 404),
        (Role.TASK_FORCE, True, 404),
        (Role.DISTRICT_LEADER, True, 404),
    ],
)
def test_who_may_request_the_statewide_report(client, report_world, role, outsider, expected):
    client.force_login(_user(report_world, role, outsider))
    response = client.post(
        reverse("reports:state_report_request"), {"cycle": report_world["cycle"].pk}
    )
    assert response.status_code == expected
    if expected == 302:
        assert ReportJob.objects.filter(kind="state", state=report_world["state"]).exists()


@pytest.mark.parametrize(
    ("role", "outsider", "expected"),
    [
        (Role.NATIONAL_ADMIN, False, 302),
        (Role.STATE_ADMIN, False, 302),
        (Role.TASK_FORCE, False, 404),
        (Role.STATE_STAFF, False, 404),
        (Role.DISTRICT_LEADER, False, 404),
        (Role.STATE_ADMIN, True, 404),
    ],
)
def test_only_state_and_national_admins_queue_a_whole_state(
    client, report_world, role, outsider, expected
):
    client.force_login(_user(report_world, role, outsider))
    response = client.post(reverse("reports:batch_request"), {"cycle": report_world["cycle"].pk})
    assert response.status_code == expected
    assert ReportBatch.objects.exists() == (expected == 302)


@pytest.mark.parametrize("view", ["reports:batch_detail", "reports:batch_status"])
@pytest.mark.parametrize(
    ("role", "outsider", "expected"),
    [
        (Role.NATIONAL_ADMIN, False, 200),
        (Role.STATE_ADMIN, False, 200),
        (Role.TASK_FORCE, False, 404),
        (Role.STATE_STAFF, False, 200),
        (Role.DISTRICT_LEADER, False, 404),
        (Role.STATE_ADMIN, True, 404),
        (Role.TASK_FORCE, True, 404),
    ],
)
def test_batch_pages_are_for_the_states_administrators_and_staff(
    client, report_world, role, outsider, expected, view
):
    batch = ReportBatch.objects.create(state=report_world["state"], cycle=report_world["cycle"])
    client.force_login(_user(report_world, role, outsider))
    assert client.get(reverse(view, args=[batch.pk])).status_code == expected


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        (Role.DISTRICT_LEADER, "own_lea", 302),
        (Role.DISTRICT_LEADER, "other_lea", 404),
        (Role.DISTRICT_LEADER, "state", 404),
        (Role.STATE_STAFF, "other_lea", 302),
        (Role.STATE_STAFF, "state", 404),
        (Role.TASK_FORCE, "state", 302),
    ],
)
def test_who_may_retry_a_failed_report(client, report_world, jobs, role, kind, expected):
    ReportJob.objects.filter(pk=jobs[kind].pk).update(status="failed", error="x")
    client.force_login(_user(report_world, role))
    response = client.post(reverse("reports:job_retry", args=[jobs[kind].pk]))
    assert response.status_code == expected


def test_requests_must_be_posted(client, report_world):
    client.force_login(report_world["users"][Role.STATE_ADMIN])
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    assert (
        client.get(reverse("reports:lea_report_request", args=[lea.leaid, cycle.pk])).status_code
        == 405
    )
    assert client.get(reverse("reports:state_report_request")).status_code == 405
    assert client.get(reverse("reports:batch_request")).status_code == 405


def test_a_cycle_of_another_state_is_404_for_the_statewide_report(client, report_world):
    client.force_login(report_world["users"][Role.TASK_FORCE])
    response = client.post(
        reverse("reports:state_report_request"), {"cycle": report_world["other_cycle"].pk}
    )
    assert response.status_code == 404
    assert client.post(reverse("reports:state_report_request"), {"cycle": "x"}).status_code == 404


@pytest.mark.parametrize("kind", ["own_lea", "other_lea", "state"])
@pytest.mark.parametrize("role", NH_ROLES)
def test_the_retry_button_shows_exactly_when_a_retry_would_be_accepted(
    client, report_world, jobs, role, kind
):
    """The page and the retry endpoint ask the same selector, so they cannot disagree."""
    if kind not in SEES[role]:
        return  # the job page is a 404: covered above
    ReportJob.objects.filter(pk=jobs[kind].pk).update(status="failed", error="x")
    client.force_login(_user(report_world, role))
    page = client.get(reverse("reports:job_detail", args=[jobs[kind].pk])).content.decode()
    offered = reverse("reports:job_retry", args=[jobs[kind].pk]) in page
    accepted = client.post(reverse("reports:job_retry", args=[jobs[kind].pk])).status_code
    assert (offered, accepted) in {(True, 302), (False, 404)}


def test_a_finished_report_is_never_offered_for_retry(client, report_world, jobs):
    from access.selectors import user_can_retry_report

    admin = report_world["users"][Role.NATIONAL_ADMIN]
    assert not user_can_retry_report(user=admin, job=jobs["own_lea"])
    assert client.post(reverse("reports:job_retry", args=[jobs["own_lea"].pk])).status_code in {
        302,  # login redirect for the anonymous client
        404,
    }


@pytest.mark.parametrize("role", NH_ROLES)
def test_a_batch_lists_only_the_reports_the_user_may_see(report_world, jobs, role):
    from access.selectors import batch_job_list_for_user

    batch = ReportBatch.objects.create(state=report_world["state"], cycle=report_world["cycle"])
    ReportJob.objects.filter(pk__in=[j.pk for j in jobs.values()]).update(batch=batch)
    listed = set(batch_job_list_for_user(user=_user(report_world, role), batch=batch))
    assert listed == {jobs[kind] for kind in SEES[role]}


def test_state_staff_see_their_states_lea_reports_and_batches_not_another_states(
    client, report_world, media_root
):
    world = report_world
    batch = ReportBatch.objects.create(state=world["state"], cycle=world["cycle"])
    own = ReportJob.objects.create(
        kind="lea", state=world["state"], lea=world["leas"][2], cycle=world["cycle"], batch=batch
    )
    other_batch = ReportBatch.objects.create(state=world["other_state"], cycle=world["other_cycle"])
    other = ReportJob.objects.create(
        kind="lea",
        state=world["other_state"],
        lea=world["other_lea"],
        cycle=world["other_cycle"],
        batch=other_batch,
    )
    client.force_login(world["users"][Role.STATE_STAFF])
    page = client.get(reverse("reports:job_list")).content.decode()
    assert world["leas"][2].name in page
    assert world["other_lea"].name not in page
    # Each row names its LEA and links to its batch, which the staff member may open.
    assert reverse("reports:batch_detail", args=[batch.pk]) in page
    assert "(whole state)" not in page
    assert client.get(reverse("reports:job_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("reports:batch_detail", args=[batch.pk])).status_code == 200
    assert client.get(reverse("reports:job_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("reports:batch_detail", args=[other_batch.pk])).status_code == 404
