"""POST /api/v1/states/{code}/policy-simulation/ and GET /api/v1/frameworks/{code}/{version}/:
a script reads the framework, builds a what-if from it and reads the answer."""

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.models import Answer, Assessment
from frameworks.models import Indicator
from policies.models import LeverStatus
from policies.selectors import policy_simulate
from tests.factories import profile_create
from tests.test_api_conventions import assert_error_shape

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(two_states):
    nh = two_states["NH"]
    profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={"task_force": "exploring", "credit_flexibility": "enacted"},
        user=nh["users"][Role.STATE_ADMIN],
    )
    indicators = list(Indicator.objects.filter(framework=nh["cycle"].framework))
    for i, lea in enumerate(nh["leas"]):
        assessment = Assessment.objects.create(lea=lea, cycle=nh["cycle"])
        Answer.objects.bulk_create(
            Answer(assessment=assessment, indicator=ind, rating=(i + n) % 3 + 1)
            for n, ind in enumerate(indicators)
        )
    return two_states


def _url(code="NH"):
    return reverse("api-policy-simulation", args=[code])


def _post(client, body, code="NH"):
    return client.post(_url(code), body, content_type="application/json")


def test_a_script_reads_the_framework_then_asks_what_if(client, world):
    nh = world["NH"]
    client.force_login(nh["users"][Role.TASK_FORCE])
    cycle = client.get("/api/v1/cycles/").json()["results"][0]
    framework = client.get(reverse("api-framework-detail", args=["cbe", 1])).json()
    assert [lever["code"] for lever in framework["levers"]][:2] == [
        "task_force",
        "credit_flexibility",
    ]
    assert [stage["code"] for stage in framework["state_stages"]] == [
        "no_policy",
        "emerging",
        "developing",
        "advanced",
    ]
    assert [s["label"] for s in framework["lea_stages"]] == [
        "Beginning",
        "Emerging",
        "Developing",
        "Advanced",
    ]
    assert framework["participation"] is False
    first = framework["domains"][0]
    assert set(first) == {"code", "name", "indicators"}
    assert set(first["indicators"][0]) == {"code", "name", "levers"}
    assert (
        sum(len(d["indicators"]) for d in framework["domains"])
        == Indicator.objects.filter(framework=nh["cycle"].framework).count()
    )

    # Every getting-started lever statewide; the others not named, so none.
    getting_started = [
        lever["code"] for lever in framework["levers"] if lever["group"] == "getting_started"
    ]
    before = list(LeverStatus.objects.values_list("status", "version"))
    history = LeverStatus.history.count()
    response = _post(
        client, {"cycle": cycle["id"], "levers": dict.fromkeys(getting_started, "statewide")}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stage"] == {"code": "developing", "label": "Developing"}
    assert body["stage_today"]["code"] == "emerging"
    assert [lever["code"] for lever in body["levers"]] == [
        lever["code"] for lever in framework["levers"]
    ]
    lever = body["levers"][2]
    assert set(lever) >= {"code", "leas_opened", "leas_blocked"}
    expected = policy_simulate(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses=dict.fromkeys(getting_started, "statewide"),
    )
    assert body["leas_unblocked"] == expected.leas_unblocked > 0
    assert [(lv["leas_opened"], lv["leas_blocked"]) for lv in body["levers"]] == [
        (lv.simulated.opened, lv.simulated.blocked) for lv in expected.levers
    ]
    assert response["Cache-Control"] == "private, no-store"
    # Nothing stored.
    assert list(LeverStatus.objects.values_list("status", "version")) == before
    assert LeverStatus.history.count() == history


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"levers": {"warp_drive": "statewide"}},
            "levers.warp_drive",
            "“warp_drive” is not a lever",
        ),
        (
            {"levers": {"task_force": "everywhere"}},
            "levers.task_force",
            "“everywhere” is not a status",
        ),
        (
            {"levers": {}, "participation": {"credit_flexibility": "some"}},
            "participation.credit_flexibility",
            "“some” is not a choice",
        ),
        ({"levers": ["task_force"]}, "levers", ""),
    ],
)
def test_an_unknown_lever_or_status_is_a_400_naming_it(client, world, body, field, words):
    nh = world["NH"]
    client.force_login(nh["users"][Role.STATE_ADMIN])
    response = _post(client, {"cycle": nh["cycle"].pk, **body})
    error = assert_error_shape(response, 400, "invalid")
    assert field in error["fields"]
    assert words in error["message"]


def test_a_cycle_of_another_state_is_a_400(client, world):
    client.force_login(world["NH"]["users"][Role.TASK_FORCE])
    error = assert_error_shape(_post(client, {"cycle": world["VT"]["cycle"].pk}), 400, "invalid")
    assert set(error["fields"]) == {"cycle"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (Role.STATE_ADMIN, 200),
        (Role.TASK_FORCE, 200),
        ("national", 200),
        (Role.STATE_STAFF, 403),
        (Role.DISTRICT_LEADER, 403),
        ("other state", 404),
    ],
)
def test_who_may_simulate(client, world, who, status):
    if who == "national":
        user = world["national"]
    elif who == "other state":
        user = world["VT"]["users"][Role.TASK_FORCE]
    else:
        user = world["NH"]["users"][who]
    client.force_login(user)
    response = _post(client, {"cycle": world["NH"]["cycle"].pk})
    assert response.status_code == status
    if status != 200:
        assert_error_shape(response, status)


def test_an_anonymous_caller_may_not_read_a_framework(client, world):
    assert_error_shape(client.get(reverse("api-framework-detail", args=["cbe", 1])), 401)
    client.force_login(world["NH"]["users"][Role.DISTRICT_LEADER])
    assert client.get(reverse("api-framework-detail", args=["cbe", 1])).status_code == 200
    assert_error_shape(client.get(reverse("api-framework-detail", args=["cbe", 77])), 404)
