"""Permission matrix: every role against its own and another state's or LEA's rows,
through the one scoping module, the pages and the API."""

import pytest
from django.contrib.auth.models import AnonymousUser

from access import selectors
from accounts.models import Role
from assessments.models import Assessment, DistrictRating
from directory.models import ImportJob
from policies.models import StatePolicyProfile
from reports.models import ReportJob
from tests.factories import UserFactory

ROLES = [Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER]


@pytest.fixture
def world(two_states):
    for code in ("NH", "VT"):
        place = two_states[code]
        place["assessments"] = [
            Assessment.objects.create(lea=lea, cycle=place["cycle"]) for lea in place["leas"]
        ]
        place["profile"] = StatePolicyProfile.objects.create(
            state=place["state"], cycle=place["cycle"]
        )
        place["lea_jobs"] = [
            ReportJob.objects.create(
                kind="lea", state=place["state"], lea=lea, cycle=place["cycle"]
            )
            for lea in place["leas"]
        ]
        place["state_job"] = ReportJob.objects.create(
            kind="state", state=place["state"], cycle=place["cycle"]
        )
    return two_states


def _visible(world, user):
    return {
        "states": set(selectors.state_list_for_user(user=user).values_list("code", flat=True)),
        "leas": set(selectors.lea_list_for_user(user=user).values_list("pk", flat=True)),
        "cycles": set(selectors.cycle_list_for_user(user=user).values_list("pk", flat=True)),
        "assessments": set(
            selectors.assessment_list_for_user(user=user).values_list("pk", flat=True)
        ),
        "profiles": set(
            selectors.policy_profile_list_for_user(user=user).values_list("pk", flat=True)
        ),
        "jobs": set(selectors.report_job_list_for_user(user=user).values_list("pk", flat=True)),
    }


def _expected_for_state(place, *, only_lea=None):
    leas = [lea for lea in place["leas"] if only_lea is None or lea == only_lea]
    jobs = [j for j in place["lea_jobs"] if j.lea in leas]
    if only_lea is None:
        jobs.append(place["state_job"])
    return {
        "states": {place["state"].code},
        "leas": {lea.pk for lea in leas},
        "cycles": {place["cycle"].pk},
        "assessments": {a.pk for a in place["assessments"] if a.lea in leas},
        "profiles": {place["profile"].pk},
        "jobs": {j.pk for j in jobs},
    }


@pytest.mark.parametrize("role", ROLES)
def test_state_roles_see_exactly_their_own_state_or_lea(world, role):
    nh = world["NH"]
    user = nh["users"][role]
    only_lea = nh["leas"][0] if role == Role.DISTRICT_LEADER else None
    assert _visible(world, user) == _expected_for_state(nh, only_lea=only_lea)


def test_national_admin_sees_every_state(world):
    seen = _visible(world, world["national"])
    for code in ("NH", "VT"):
        expected = _expected_for_state(world[code])
        for kind, rows in expected.items():
            assert rows <= seen[kind], kind


@pytest.mark.parametrize(
    "user_factory",
    [
        lambda w: AnonymousUser(),
        lambda w: UserFactory(role=Role.STATE_STAFF, state=w["NH"]["state"], is_active=False),
    ],
    ids=["anonymous", "inactive"],
)
def test_anonymous_and_inactive_users_see_nothing(world, user_factory):
    seen = _visible(world, user_factory(world))
    assert all(not rows for rows in seen.values())


@pytest.mark.parametrize("role", ROLES)
def test_no_role_can_open_another_states_lea_page(client, world, role):
    client.force_login(world["NH"]["users"][role])
    other = world["VT"]["leas"][0]
    assert client.get(f"/leas/{other.leaid}/").status_code == 404
    assert client.get(f"/api/v1/leas/{other.leaid}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_its_own_lea_page_and_api(client, world, role):
    client.force_login(world["NH"]["users"][role])
    own = world["NH"]["leas"][0]
    assert client.get(f"/leas/{own.leaid}/").status_code == 200
    assert client.get(f"/api/v1/leas/{own.leaid}/").status_code == 200


def test_district_leader_cannot_open_a_neighbouring_lea_in_their_state(client, world):
    client.force_login(world["NH"]["users"][Role.DISTRICT_LEADER])
    neighbour = world["NH"]["leas"][1]
    assert client.get(f"/leas/{neighbour.leaid}/").status_code == 404
    assert client.get(f"/api/v1/leas/{neighbour.leaid}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_only_what_the_selector_allows(client, world, role):
    user = world["NH"]["users"][role]
    client.force_login(user)
    listed = {row["leaid"] for row in client.get("/api/v1/leas/").json()["results"]}
    assert listed == set(selectors.lea_list_for_user(user=user).values_list("leaid", flat=True))
    states = {row["code"] for row in client.get("/api/v1/states/").json()["results"]}
    assert states == {"NH"}


@pytest.mark.parametrize("role", ROLES)
def test_report_downloads_of_another_state_are_404(client, world, role):
    client.force_login(world["NH"]["users"][role])
    for job in world["VT"]["lea_jobs"] + [world["VT"]["state_job"]]:
        assert client.get(f"/reports/jobs/{job.pk}/").status_code == 404
        assert client.get(f"/reports/jobs/{job.pk}/download/").status_code == 404


def test_district_leader_cannot_see_the_statewide_report_or_a_neighbours(client, world):
    client.force_login(world["NH"]["users"][Role.DISTRICT_LEADER])
    assert client.get(f"/reports/jobs/{world['NH']['state_job'].pk}/").status_code == 404
    assert client.get(f"/reports/jobs/{world['NH']['lea_jobs'][1].pk}/").status_code == 404
    assert client.get(f"/reports/jobs/{world['NH']['lea_jobs'][0].pk}/").status_code == 200


def test_anonymous_users_are_sent_to_sign_in(client, world):
    for url in (
        "/",
        "/leas/",
        f"/leas/{world['NH']['leas'][0].leaid}/",
        "/reports/",
        "/accounts/settings/",
        "/accounts/settings/email/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    assert client.get("/api/v1/leas/").status_code in (401, 403)


@pytest.mark.parametrize("role", ROLES + [Role.NATIONAL_ADMIN])
def test_only_state_admins_of_the_state_and_national_admins_may_edit_policy(world, role):
    user = world["national"] if role == Role.NATIONAL_ADMIN else world["NH"]["users"][role]
    may_edit_own = selectors.user_can_edit_policy(user=user, state=world["NH"]["state"])
    may_edit_other = selectors.user_can_edit_policy(user=user, state=world["VT"]["state"])
    assert may_edit_own == (role in (Role.STATE_ADMIN, Role.NATIONAL_ADMIN))
    assert may_edit_other == (role == Role.NATIONAL_ADMIN)


# --- improvement plans ----------------------------------------------------------------------
# Every plan page and its export, for every role: own LEA's plan, another LEA's plan in the
# same state, another state's plan. Reading: the LEA's district leaders and the state's
# staff and administrators (and national admins); task force members only in aggregate.


def _plan_world(world):
    from plans import services as plan_services
    from tests.plans.helpers import lea_with_gaps

    out = {}
    for code in ("NH", "VT"):
        place = world[code]
        Assessment.objects.filter(lea__in=place["leas"]).delete()
        plans = []
        for index in (0, 1):
            leader = (
                place["users"][Role.DISTRICT_LEADER]
                if index == 0
                else UserFactory(
                    role=Role.DISTRICT_LEADER, lea=place["leas"][1], state=place["state"]
                )
            )
            assessment, codes = lea_with_gaps(place, place["cycle"].framework, lea_index=index)
            plan = plan_services.plan_priorities_set(
                user=leader, assessment=assessment, indicator_codes=codes[:1]
            )
            objective = plan.objectives.get()
            task = plan_services.task_create(
                user=leader,
                objective=objective,
                description="Survey",
                owner_name="Jo",
                starts_on="2026-09-01",
                due_on="2026-09-30",
            )
            plans.append((plan, objective, task))
        out[code] = plans
    return out


def _plan_gets(plan, objective, task):
    base = f"/leas/{plan.lea.leaid}/plan/{plan.cycle_id}/"
    return [base, f"{base}priorities/", f"{base}tasks/{task.pk}/"]


def _plan_posts(plan, objective, task):
    base = f"/leas/{plan.lea.leaid}/plan/{plan.cycle_id}/"
    return [
        f"{base}priorities/",
        f"{base}objectives/{objective.pk}/",
        f"{base}objectives/{objective.pk}/tasks/",
        f"{base}objectives/{objective.pk}/comments/",
        f"{base}tasks/{task.pk}/status/",
        f"{base}tasks/{task.pk}/notes/",
        f"{base}submit/",
        f"{base}review/",
    ]


# What each role gets on its own LEA's plan (index 0 of NH): page by page.
OWN_PLAN_GETS = {
    Role.DISTRICT_LEADER: [200, 200, 200],
    Role.STATE_ADMIN: [200, 200, 404],  # reads and coaches; the task editor is the LEA's
    Role.STATE_STAFF: [200, 200, 404],
    Role.TASK_FORCE: [404, 404, 404],
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_plan_pages_it_may(client, world, role):
    plans = _plan_world(world)
    client.force_login(world["NH"]["users"][role])
    codes = [client.get(url).status_code for url in _plan_gets(*plans["NH"][0])]
    assert codes == OWN_PLAN_GETS[role]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_opens_or_changes_another_states_plan(client, world, role):
    plans = _plan_world(world)
    client.force_login(world["NH"]["users"][role])
    other = plans["VT"][0]
    assert {client.get(url).status_code for url in _plan_gets(*other)} == {404}
    assert {client.post(url, {}).status_code for url in _plan_posts(*other)} == {404}


def test_district_leader_cannot_open_or_change_a_neighbouring_leas_plan(client, world):
    plans = _plan_world(world)
    client.force_login(world["NH"]["users"][Role.DISTRICT_LEADER])
    neighbour = plans["NH"][1]
    assert {client.get(url).status_code for url in _plan_gets(*neighbour)} == {404}
    assert {client.post(url, {}).status_code for url in _plan_posts(*neighbour)} == {404}


def test_task_force_cannot_change_a_plan_of_its_state(client, world):
    plans = _plan_world(world)
    client.force_login(world["NH"]["users"][Role.TASK_FORCE])
    assert {client.post(url, {}).status_code for url in _plan_posts(*plans["NH"][0])} == {404}


def test_national_admin_opens_every_plan(client, world):
    plans = _plan_world(world)
    client.force_login(world["national"])
    for code in ("NH", "VT"):
        for entry in plans[code]:
            assert {client.get(url).status_code for url in _plan_gets(*entry)} == {200}


@pytest.mark.parametrize(
    "role, page, export",
    [
        (Role.STATE_ADMIN, 200, 200),
        (Role.STATE_STAFF, 200, 200),
        (Role.TASK_FORCE, 200, 404),
        (Role.DISTRICT_LEADER, 403, 403),
    ],
)
def test_state_plan_view_and_export_by_role(client, world, role, page, export):
    nh = world["NH"]
    client.force_login(nh["users"][role])
    base = f"/dashboards/NH/{nh['cycle'].pk}/plans"
    assert client.get(f"{base}/").status_code == page
    assert client.get(f"{base}.csv").status_code == export
    vt = world["VT"]
    assert client.get(f"/dashboards/VT/{vt['cycle'].pk}/plans/").status_code == 404


def test_plan_selector_hides_plans_from_the_task_force_and_other_leas(world):
    plans = _plan_world(world)
    nh = world["NH"]
    seen = {
        role: set(selectors.plan_list_for_user(user=nh["users"][role]).values_list("pk", flat=True))
        for role in ROLES
    }
    nh_plans = {entry[0].pk for entry in plans["NH"]}
    assert seen[Role.STATE_ADMIN] == seen[Role.STATE_STAFF] == nh_plans
    assert seen[Role.DISTRICT_LEADER] == {plans["NH"][0][0].pk}
    assert seen[Role.TASK_FORCE] == set()


@pytest.mark.parametrize("role", ROLES + [Role.NATIONAL_ADMIN])
def test_only_the_task_force_and_administrators_may_run_the_policy_simulator(world, role):
    user = world["national"] if role == Role.NATIONAL_ADMIN else world["NH"]["users"][role]
    own = selectors.user_can_simulate_policy(user=user, state=world["NH"]["state"])
    other = selectors.user_can_simulate_policy(user=user, state=world["VT"]["state"])
    assert own == (role in (Role.STATE_ADMIN, Role.TASK_FORCE, Role.NATIONAL_ADMIN))
    assert other == (role == Role.NATIONAL_ADMIN)


# The district's own view (DistrictRating): its page, for each role of the LEA's state,
# another state and the neighbouring LEA's leader. POSTs change nothing for those who may
# only read.
DISTRICT_VIEW_PAGE = {
    Role.STATE_ADMIN: 200,
    Role.STATE_STAFF: 200,
    Role.TASK_FORCE: 404,
    Role.DISTRICT_LEADER: 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_district_view_page_by_role(client, world, role):
    assessment = world["NH"]["assessments"][0]
    url = f"/assessments/{assessment.pk}/district-view/blended/"
    client.force_login(world["NH"]["users"][role])
    assert client.get(url).status_code == DISTRICT_VIEW_PAGE[role]
    client.post(url, {"BL-01-level": "2", "BL-01-note": "", "BL-01-version": "0"})
    expected = 1 if role == Role.DISTRICT_LEADER else 0
    assert DistrictRating.objects.filter(assessment=assessment).count() == expected
    client.force_login(world["VT"]["users"][role])
    assert client.get(url).status_code == 404


def test_the_district_view_page_is_for_the_national_admin_to_read(client, world):
    assessment = world["NH"]["assessments"][0]
    url = f"/assessments/{assessment.pk}/district-view/blended/"
    client.force_login(world["national"])
    assert client.get(url).status_code == 200
    client.post(url, {"BL-01-level": "2", "BL-01-note": "", "BL-01-version": "0"})
    assert not DistrictRating.objects.exists()


def test_a_district_leader_cannot_open_the_neighbouring_leas_district_view(client, world):
    neighbour = world["NH"]["assessments"][1]
    client.force_login(world["NH"]["users"][Role.DISTRICT_LEADER])
    assert client.get(f"/assessments/{neighbour.pk}/district-view/").status_code == 404
    assert client.get(f"/api/v1/assessments/{neighbour.pk}/district-ratings/").status_code == 404


def _import_job(code: str) -> ImportJob:
    """A previewed upload limited to one state, whose file would close one LEA there."""
    missing = {
        "operating": 2,
        "listed": 1,
        "count": 1,
        "partial": False,
        "blocked": "",
        "leas": [{"leaid": "3300999", "name": "Gone District", "status": "open"}],
    }
    return ImportJob.objects.create(
        original_name=f"{code.lower()}.csv",
        allowed_states=[code],
        status=ImportJob.Status.PREVIEWED,
        phase=ImportJob.Phase.PREVIEW,
        preview={"missing": {code: missing}},
    )


@pytest.mark.parametrize("role", ROLES + [Role.NATIONAL_ADMIN])
def test_import_pages_open_only_to_administrators_of_the_jobs_state(client, world, role):
    """Every import page and action: the job's own state administrator and national admins
    get in; another state's administrator gets 404; every other role 403."""
    user = world["national"] if role == Role.NATIONAL_ADMIN else world["NH"]["users"][role]
    own, other = _import_job("NH"), _import_job("VT")
    client.force_login(user)

    for job, allowed in (
        (own, role in (Role.STATE_ADMIN, Role.NATIONAL_ADMIN)),
        (other, role == Role.NATIONAL_ADMIN),
    ):
        refused = 403 if role != Role.STATE_ADMIN else 404
        base = f"/imports/{job.pk}/"
        reads = {
            base: 200,
            f"{base}status/": 200,
            f"{base}close/?complete_for={job.allowed_states[0]}": 200,
        }
        for url, ok in reads.items():
            assert client.get(url).status_code == (ok if allowed else refused), url
        if not allowed:
            for action in ("confirm", "close", "cancel"):
                assert client.post(f"{base}{action}/").status_code == refused, action
            job.refresh_from_db()
            assert job.status == ImportJob.Status.PREVIEWED
    if role in (Role.STATE_ADMIN, Role.NATIONAL_ADMIN):
        assert client.post(f"/imports/{own.pk}/cancel/").status_code == 302
        own.refresh_from_db()
        assert own.status == ImportJob.Status.CANCELLED


def test_anonymous_users_are_sent_to_sign_in_from_every_import_page(client, world):
    job = _import_job("NH")
    for url in ("/imports/", f"/imports/{job.pk}/", f"/imports/{job.pk}/close/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    for action in ("confirm", "close", "cancel"):
        response = client.post(f"/imports/{job.pk}/{action}/")
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


@pytest.mark.parametrize("role", ROLES + [Role.NATIONAL_ADMIN])
def test_only_national_admins_read_the_access_log_page_its_csv_and_its_rows(client, world, role):
    user = world["national"] if role == Role.NATIONAL_ADMIN else world["NH"]["users"][role]
    client.force_login(user)  # itself an access event, so there is a row to see
    national = role == Role.NATIONAL_ADMIN
    assert selectors.user_can_read_access_log(user=user) == national
    assert selectors.access_event_list_for_user(user=user).exists() == national
    assert client.get("/access-log/").status_code == (200 if national else 403)
    assert client.get("/access-log/export.csv").status_code == (200 if national else 403)


@pytest.mark.parametrize("user_factory", [lambda w: AnonymousUser()], ids=["anonymous"])
def test_anonymous_users_read_no_access_log(client, world, user_factory):
    assert not selectors.access_event_list_for_user(user=user_factory(world)).exists()
    assert client.get("/access-log/").status_code == 302


# --- running a cycle: the pages -------------------------------------------------------------


def _cycle_pages(cycle_id: int) -> list[str]:
    return [
        f"/cycles/{cycle_id}/",
        f"/cycles/{cycle_id}/workload/",
        f"/cycles/{cycle_id}/assignments/",
    ]


@pytest.mark.parametrize("role", ROLES + [Role.NATIONAL_ADMIN])
def test_only_administrators_open_the_pages_of_a_cycle(client, world, role):
    user = world["national"] if role == Role.NATIONAL_ADMIN else world["NH"]["users"][role]
    client.force_login(user)
    admin = role in (Role.STATE_ADMIN, Role.NATIONAL_ADMIN)
    for url in ("/cycles/", "/cycles/new/"):
        assert client.get(url).status_code == (200 if admin else 403), url
    for url in _cycle_pages(world["NH"]["cycle"].pk):
        assert client.get(url).status_code == (200 if admin else 404), url


@pytest.mark.parametrize("role", ROLES)
def test_no_role_opens_or_closes_another_states_cycle(client, world, role):
    client.force_login(world["NH"]["users"][role])
    vt = world["VT"]["cycle"]
    for url in _cycle_pages(vt.pk):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cycles/{vt.pk}/close/").status_code == 404
    vt.refresh_from_db()
    assert vt.is_open


@pytest.mark.parametrize("role", ROLES + [Role.NATIONAL_ADMIN])
def test_only_administrators_assign_from_the_lea_list(client, world, role):
    user = world["national"] if role == Role.NATIONAL_ADMIN else world["NH"]["users"][role]
    client.force_login(user)
    staff = world["NH"]["users"][Role.STATE_STAFF]
    ids = [a.pk for a in world["NH"]["assessments"]]
    client.post("/leas/assign/", {"assessments": ids, "assignee": staff.pk})
    assigned = Assessment.objects.filter(pk__in=ids, assignee=staff).count()
    assert assigned == (len(ids) if role in (Role.STATE_ADMIN, Role.NATIONAL_ADMIN) else 0)


@pytest.mark.parametrize("role", ROLES)
def test_no_role_assigns_another_states_leas(client, world, role):
    client.force_login(world["NH"]["users"][role])
    ids = [a.pk for a in world["VT"]["assessments"]]
    staff = world["VT"]["users"][Role.STATE_STAFF]
    client.post("/leas/assign/", {"assessments": ids, "assignee": staff.pk})
    assert not Assessment.objects.filter(pk__in=ids, assignee__isnull=False).exists()


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE])
def test_state_roles_open_the_results_of_their_own_states_leas_only(client, world, role):
    client.force_login(world["NH"]["users"][role])
    for code, expected in (("NH", 200), ("VT", 404)):
        place = world[code]
        Assessment.objects.filter(pk=place["assessments"][1].pk).update(stage="beginning")
        url = f"/leas/{place['leas'][1].leaid}/results/{place['cycle'].pk}/"
        assert client.get(url).status_code == expected, (code, url)
