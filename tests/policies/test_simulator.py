"""The what-if policy simulator: its counts against a brute-force recount, its fixed
number of queries, bad input, and its page."""

import random
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from assessments.models import Answer, AssessmentCycle
from assessments.scoring import state_stage
from directory.models import LEA, State
from policies.models import LeverParticipant, LeverStatus
from policies.selectors import (
    AVAILABLE,
    BLOCKED,
    OPENED,
    REACH_ALL,
    REACH_LISTED,
    REACH_NOBODY_YET,
    gap_category,
    lever_reach,
    policy_simulate,
    state_levers_held_back,
)
from tests.factories import UserFactory, participation_framework, profile_create
from tests.policies.test_alignment import STATUSES, generated_state

PARTICIPATIONS = ["", "all", "listed", "listed"]
CHOICES = ["recorded", "all", "none"]
WORST = {OPENED: 0, AVAILABLE: 1, BLOCKED: 2}


def with_participation(world, rng: random.Random) -> dict[str, set[int]]:
    """Record participation on the world's levers (random, except that the third lever is
    enacted for chosen LEAs, the fourth enacted with nothing recorded and the fifth
    enacted for every LEA); {lever: chosen LEA ids}."""
    leas = list(LEA.objects.filter(state=world["state"]).values_list("id", flat=True))
    codes = list(world["statuses"])
    fixed = {codes[2]: "listed", codes[3]: "", codes[4]: "all"}
    chosen: dict[str, set[int]] = {}
    for row in LeverStatus.objects.filter(profile=world["profile"]).select_related("lever"):
        code = row.lever.code
        participation = fixed.get(code, rng.choice(PARTICIPATIONS))
        picked = set()
        if participation == "listed":
            picked = set(rng.sample(leas, rng.randrange(len(leas) // 4, len(leas) * 3 // 4)))
        LeverParticipant.objects.bulk_create(
            LeverParticipant(lever_status=row, lea_id=lea_id) for lea_id in picked
        )
        status = "enacted" if code in fixed else row.status
        LeverStatus.objects.filter(pk=row.pk).update(
            status=status, participation=participation, participant_count=len(picked)
        )
        world["statuses"][code] = status
        chosen[code] = picked
    return chosen


def brute_force(fv, cycle, reach_today, reach_what_if, chosen) -> dict:
    """Every count of the simulation, recomputed gap by gap with `gap_category`."""
    spec = fv.spec
    gap_max = spec.scoring.gap_max_rating
    gaps = defaultdict(set)
    for lea, code, rating in Answer.objects.filter(assessment__cycle=cycle).values_list(
        "assessment__lea_id", "indicator__code", "rating"
    ):
        if rating is not None and rating <= gap_max:
            gaps[lea].add(code)

    def kind(lea, code, reach):
        levers = spec.indicator(code).levers
        takes_part = {k for k in levers if lea in chosen.get(k, set())}
        return gap_category(levers=levers, reach=reach, takes_part=takes_part)

    result = {"unblocked": set(), "levers": {}}
    for lever in spec.lever_codes:
        worst_today, worst_what_if, unblocked = {}, {}, set()
        for lea, codes in gaps.items():
            for code in codes:
                if lever not in spec.indicator(code).levers:
                    continue
                today, what_if = kind(lea, code, reach_today), kind(lea, code, reach_what_if)
                worst_today[lea] = max(worst_today.get(lea, OPENED), today, key=WORST.get)
                worst_what_if[lea] = max(worst_what_if.get(lea, OPENED), what_if, key=WORST.get)
                if today == BLOCKED and what_if == OPENED:
                    unblocked.add(lea)

        def counts(worst):
            return tuple(
                sum(1 for k in worst.values() if k == c) for c in (OPENED, AVAILABLE, BLOCKED)
            )

        result["levers"][lever] = {
            "today": counts(worst_today),
            "what_if": counts(worst_what_if),
            "unblocked": len(unblocked),
            "with_gap": len(worst_today),
        }
    for lea, codes in gaps.items():
        if any(
            kind(lea, c, reach_today) == BLOCKED and kind(lea, c, reach_what_if) == OPENED
            for c in codes
        ):
            result["unblocked"].add(lea)
    return result


def _what_if_reach(spec, statuses, choices, recorded_participation):
    reach = {}
    for code in spec.lever_codes:
        status = statuses.get(code, "none")
        choice = choices.get(code, "recorded")
        if status == spec.partial_status_code and choice == "all":
            reach[code] = REACH_ALL
        elif status == spec.partial_status_code and choice == "none":
            reach[code] = REACH_NOBODY_YET
        else:
            reach[code] = lever_reach(
                spec, status=status, participation=recorded_participation[code]
            )
    return reach


@pytest.mark.parametrize("declares", [False, True], ids=["cbe-v1", "declaring participation"])
def test_the_simulation_matches_a_brute_force_recount_for_300_leas(framework, tmp_path, declares):
    fv = participation_framework(tmp_path) if declares else framework
    rng = random.Random(f"simulate-{declares}")
    world = generated_state(fv, lea_count=300, seed=f"simulate-300-{declares}")
    generated_state(fv, lea_count=15, seed="simulate-elsewhere", code="OT")  # must not leak
    chosen = with_participation(world, rng)
    spec = fv.spec
    recorded = dict(
        LeverStatus.objects.filter(profile=world["profile"]).values_list(
            "lever__code", "participation"
        )
    )
    statuses = {code: rng.choice(STATUSES) for code in spec.lever_codes}
    statuses[spec.lever_codes[-1]] = "statewide"  # the state's last lever, "none" today
    statuses.pop(spec.lever_codes[1])  # a lever not named counts as none
    choices = {code: rng.choice(CHOICES) for code in spec.lever_codes}
    # Enacted for the LEAs recorded today, and enacted for nobody.
    statuses[spec.lever_codes[2]], choices[spec.lever_codes[2]] = "enacted", "recorded"
    statuses[spec.lever_codes[5]], choices[spec.lever_codes[5]] = "enacted", "none"

    simulation = policy_simulate(
        state=world["state"], cycle=world["cycle"], statuses=statuses, participation=choices
    )

    reach_today = {
        code: lever_reach(spec, status=world["statuses"][code], participation=recorded[code])
        for code in spec.lever_codes
    }
    reach_what_if = _what_if_reach(spec, statuses, choices, recorded)
    expected = brute_force(fv, world["cycle"], reach_today, reach_what_if, chosen)
    assert simulation.leas_unblocked == len(expected["unblocked"]) > 0
    assert simulation.stage == state_stage(
        spec, {c: statuses.get(c, "none") for c in spec.lever_codes}
    )
    assert simulation.stage_today == state_stage(spec, world["statuses"])
    held_back = {
        row.code: row for row in state_levers_held_back(state=world["state"], cycle=world["cycle"])
    }
    for lever in simulation.levers:
        want = expected["levers"][lever.code]
        today = (lever.today.opened, lever.today.available, lever.today.blocked)
        what_if = (lever.simulated.opened, lever.simulated.available, lever.simulated.blocked)
        assert (today, what_if, lever.leas_unblocked, lever.leas_with_gap) == (
            want["today"],
            want["what_if"],
            want["unblocked"],
            want["with_gap"],
        ), lever.code
        row = held_back[lever.code]
        assert today == (row.leas_opened, row.leas_available, row.leas_blocked)
        assert lever.reach == reach_what_if[lever.code]
    # The generated data exercise every kind and every way of taking part.
    assert any(lever.simulated.available for lever in simulation.levers)
    assert any(lever.today.available for lever in simulation.levers)
    assert any(lever.today.blocked for lever in simulation.levers)
    assert any(lever.leas_unblocked for lever in simulation.levers)
    assert {REACH_LISTED, REACH_ALL} <= set(reach_today.values()) & set(reach_what_if.values())
    assert (REACH_NOBODY_YET in reach_today.values()) is declares


# The recorded levers, one aggregate over the gap answers, the assessed LEAs; plus the
# framework when the caller has not loaded it.
SIMULATE_QUERIES = 3


@pytest.mark.parametrize("lea_count", [10, pytest.param(500, marks=pytest.mark.slow)])
def test_the_simulation_runs_a_fixed_number_of_queries(
    framework, lea_count, django_assert_num_queries
):
    world = generated_state(framework, lea_count=lea_count, seed=f"simulate-queries-{lea_count}")
    with_participation(world, random.Random(lea_count))
    state = State.objects.get(pk=world["state"].pk)
    cycle = AssessmentCycle.objects.select_related("framework").get(pk=world["cycle"].pk)
    levers = cycle.framework.spec.lever_codes
    statuses = {code: "statewide" for code in levers[:3]} | {levers[3]: "enacted"}
    with django_assert_num_queries(SIMULATE_QUERIES):
        simulation = policy_simulate(
            state=state, cycle=cycle, statuses=statuses, participation={levers[3]: "recorded"}
        )
    assert simulation.assessed_leas > lea_count // 2
    cycle = AssessmentCycle.objects.get(pk=cycle.pk)
    with django_assert_num_queries(SIMULATE_QUERIES + 1):
        policy_simulate(state=state, cycle=cycle, statuses=statuses)


def test_unknown_levers_statuses_and_choices_are_named(two_states):
    nh = two_states["NH"]
    with pytest.raises(ValidationError) as caught:
        policy_simulate(
            state=nh["state"],
            cycle=nh["cycle"],
            statuses={"warp_drive": "statewide", "task_force": "everywhere"},
            participation={"credit_flexibility": "some"},
        )
    problems = caught.value.message_dict
    assert problems["warp_drive"] == ["“warp_drive” is not a lever of cbe-v1."]
    assert "“everywhere” is not a status of CBE task force" in problems["task_force"][0]
    assert "“some” is not a choice" in problems["credit_flexibility"][0]
    with pytest.raises(ValueError, match="another state"):
        policy_simulate(state=nh["state"], cycle=two_states["VT"]["cycle"], statuses={})


# --- the page --------------------------------------------------------------------------


def _url(world, **query):
    from urllib.parse import urlencode

    url = reverse("policies:policy_simulator", args=[world["state"].code, world["cycle"].pk])
    return f"{url}?{urlencode(query)}" if query else url


@pytest.fixture
def recorded(two_states):
    nh = two_states["NH"]
    return profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={"task_force": "exploring"},
        user=nh["users"][Role.STATE_ADMIN],
    )


def test_the_task_force_tries_statuses_and_nothing_is_stored(client, two_states, recorded):
    nh = two_states["NH"]
    before = list(LeverStatus.objects.order_by("pk").values_list("status", "version"))
    history = LeverStatus.history.count()
    client.force_login(nh["users"][Role.TASK_FORCE])
    page = client.get(_url(nh))
    assert page.status_code == 200
    html = page.content.decode()
    assert "As recorded today" in html and "State policy stage: <strong>Emerging</strong>" in html

    levers = recorded.cycle.framework.spec.lever_codes
    query = {code: "statewide" for code in levers[:5]} | {
        levers[5]: "enacted",
        f"{levers[5]}-part": "none",
    }
    page = client.get(_url(nh, **query))
    assert page.status_code == 200
    html = page.content.decode()
    assert "With the statuses below" in html
    assert "(today: Emerging)" in html
    assert list(LeverStatus.objects.order_by("pk").values_list("status", "version")) == before
    assert LeverStatus.history.count() == history


def test_an_unknown_lever_or_status_on_the_page_is_named(client, two_states, recorded):
    nh = two_states["NH"]
    client.force_login(nh["users"][Role.STATE_ADMIN])
    page = client.get(_url(nh, warp_drive="statewide", task_force="everywhere"))
    assert page.status_code == 400
    html = page.content.decode()
    assert "“warp_drive” is not a lever of cbe-v1." in html
    assert "“everywhere” is not a status of CBE task force." in html


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (Role.STATE_ADMIN, 200),
        (Role.TASK_FORCE, 200),
        (Role.NATIONAL_ADMIN, 200),
        (Role.STATE_STAFF, 403),
        (Role.DISTRICT_LEADER, 403),
        ("other state's task force", 404),
    ],
)
def test_who_may_use_the_simulator(client, two_states, recorded, who, expected):
    nh = two_states["NH"]
    if who == Role.NATIONAL_ADMIN:
        user = two_states["national"]
    elif who == "other state's task force":
        user = two_states["VT"]["users"][Role.TASK_FORCE]
    else:
        user = nh["users"][who]
    client.force_login(user)
    assert client.get(_url(nh)).status_code == expected


def test_the_profile_page_offers_the_simulator_to_those_who_may_use_it(
    client, two_states, recorded
):
    nh = two_states["NH"]
    url = reverse("policies:profile_detail", args=["NH", nh["cycle"].pk])
    for role, offered in ((Role.TASK_FORCE, True), (Role.STATE_STAFF, False)):
        client.force_login(nh["users"][role])
        assert ("What if? Try other statuses" in client.get(url).content.decode()) is offered


def test_a_state_without_a_profile_starts_from_no_policy(client, two_states):
    nh = two_states["NH"]
    client.force_login(UserFactory(role=Role.TASK_FORCE, state=nh["state"]))
    page = client.get(_url(nh))
    assert page.status_code == 200
    assert "State policy stage: <strong>No active policy</strong>" in page.content.decode()
