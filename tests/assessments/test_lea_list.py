""" "My LEAs": scoping, search, filters, progress, pagination (every row once, the last
page right), the current assessment when a state has several open cycles, and a constant
number of queries at 1,200 LEAs in a state."""

import base64
import datetime
import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import Assessment, AssessmentCycle
from directory.models import LEA, Locale
from tests.factories import CycleFactory, StateFactory, UserFactory

URL = reverse("readiness:lea_list")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    a, b = place["leas"]
    a.name, a.leaid, a.locale = "Ashford Valley School District", "3300001", Locale.TOWN
    b.name, b.leaid, b.locale = "Brookline Regional Schools", "3300002", Locale.CITY
    LEA.objects.bulk_update([a, b], ["name", "leaid", "locale"])
    place["staff"] = place["users"][Role.STATE_STAFF]
    place["other_staff"] = UserFactory(role=Role.STATE_STAFF, state=place["state"])
    place["assessment"] = Assessment.objects.create(
        lea=a, cycle=place["cycle"], assignee=place["staff"], answered_count=12
    )
    return place


def names(response) -> list[str]:
    return [lea.name for lea in response.context["rows"]]


def test_the_list_shows_status_progress_and_assignee(nh):
    r = client_for(nh["staff"]).get(URL)
    assert names(r) == ["Ashford Valley School District", "Brookline Regional Schools"]
    page = r.content.decode()
    assert "12 of 48" in page and 'max="48" value="12"' in page
    assert "Not started" in page and "Draft" in page
    first = r.context["rows"][0]
    assert first.action == "Continue" and first.is_mine


def test_each_row_says_what_opening_its_assessment_lets_the_user_do(nh):
    _fill_state(nh, 12)  # drafts and submitted ones, several of each on the page
    statuses = {"draft": "Continue", "submitted": "Review"}
    for user, expected in ((nh["users"][Role.STATE_ADMIN], statuses), (nh["staff"], None)):
        rows = client_for(user).get(URL).context["rows"]
        with_one = [row for row in rows if row.assessment_id]
        assert {row.status for row in with_one} == {"draft", "submitted"}
        for row in with_one:
            # Staff continue drafts; only an administrator reviews what was submitted.
            want = (expected or {"draft": "Continue", "submitted": "View"})[row.status]
            assert row.action == want, (user.role, row.status)


def test_each_row_links_to_its_lea_and_to_its_assessment(nh):
    rows = client_for(nh["staff"]).get(URL).context["rows"]
    ashford, brookline = nh["leas"]
    assert [(row.url, row.action_url) for row in rows] == [
        (
            reverse("readiness:lea_detail", args=[ashford.leaid]),
            reverse("readiness:assessment", args=[nh["assessment"].pk]),
        ),
        (
            reverse("readiness:lea_detail", args=[brookline.leaid]),
            reverse("readiness:lea_detail", args=[brookline.leaid]),
        ),
    ]


def test_other_states_leas_never_appear(nh, two_states):
    vt_names = {lea.name for lea in two_states["VT"]["leas"]}
    r = client_for(nh["staff"]).get(URL, {"q": "District"})
    assert not vt_names & set(names(r))


def test_a_district_leader_sees_only_their_lea(nh):
    r = client_for(nh["users"][Role.DISTRICT_LEADER]).get(URL)
    assert names(r) == [nh["leas"][0].name]
    assert r.context["rows"][0].action == "View"


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "brook"}, ["Brookline Regional Schools"]),
        ({"q": "3300001"}, ["Ashford Valley School District"]),
        ({"q": "33000"}, ["Ashford Valley School District", "Brookline Regional Schools"]),
        ({"q": "0001"}, []),  # LEAIDs match from the start
        ({"locale": "city"}, ["Brookline Regional Schools"]),
        ({"status": "draft"}, ["Ashford Valley School District"]),
        ({"status": "none"}, ["Brookline Regional Schools"]),
        ({"status": "accepted"}, []),
        ({"mine": "on"}, ["Ashford Valley School District"]),
        ({"q": "ash", "status": "none"}, []),
    ],
)
def test_search_and_filters(nh, params, expected):
    assert names(client_for(nh["staff"]).get(URL, params)) == expected


def test_assigned_to_me_means_me(nh):
    r = client_for(nh["other_staff"]).get(URL, {"mine": "on"})
    assert names(r) == []


def test_an_invalid_filter_is_ignored_rather_than_failing(nh):
    r = client_for(nh["staff"]).get(URL, {"status": "bogus"})
    assert r.status_code == 200 and len(names(r)) == 2


def _fill_state(place, n: int):
    """n LEAs in the state, a third with an assessment (some assigned, some answered)."""
    state, cycle, staff = place["state"], place["cycle"], place["users"][Role.STATE_STAFF]
    start = LEA.objects.count()
    leas = LEA.objects.bulk_create(
        [
            LEA(
                leaid=f"{7000000 + start + i:07d}",
                state=state,
                state_code=state.code,
                name=f"Test District {i:04d}",
                locale=[Locale.CITY, Locale.RURAL, Locale.TOWN][i % 3],
            )
            for i in range(n)
        ]
    )
    Assessment.objects.bulk_create(
        [
            Assessment(
                lea=lea,
                cycle=cycle,
                answered_count=i % 49,
                assignee=staff if i % 2 else None,
                status=Assessment.Status.DRAFT if i % 4 else Assessment.Status.SUBMITTED,
            )
            for i, lea in enumerate(leas)
            if i % 3 == 0
        ]
    )


def _count_and_time(client, params):
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        r = client.get(URL, params)
        elapsed = time.perf_counter() - started
    assert r.status_code == 200
    return len(ctx.captured_queries), elapsed, r


def test_the_list_costs_the_same_queries_with_1200_leas_in_a_state(nh):
    client = client_for(nh["staff"])
    _fill_state(nh, 60)
    client.get(URL)  # a session's first request records its activity time
    small = {}
    for params in ({}, {"status": "draft"}, {"mine": "on", "last": "1"}):
        small[str(params)], _, _ = _count_and_time(client, params)
    _fill_state(nh, 1140)
    assert LEA.objects.filter(state=nh["state"]).count() == 1202
    for params in ({}, {"status": "draft"}, {"mine": "on", "last": "1"}):
        count, _, r = _count_and_time(client, params)
        # The same number of queries whatever the number of LEAs: no N+1. (Its speed is
        # measured by the benchmark, not asserted on a shared machine.)
        assert count == small[str(params)], params
    count, _, r = _count_and_time(client, {})
    assert r.context["count"] == 1202
    assert len(r.context["rows"]) == 50
    # session, user, the user's state (header), cycles (with their indicator totals),
    # count, rows, assignee names
    assert count <= 7


def test_pagination_keeps_the_filters(nh):
    _fill_state(nh, 180)
    r = client_for(nh["staff"]).get(URL, {"locale": "rural"})
    pages = r.context["pages"]
    assert pages["first"] is None and pages["previous"] is None
    assert pages["next"].startswith("?locale=rural&after=")
    assert pages["last"] == "?locale=rural&last=1"
    page = r.content.decode()
    assert 'href="?locale=rural&amp;after=' in page and 'rel="next"' in page


# --- paging through a long list -----------------------------------------------------------


def _follow(client, params, direction: str) -> list[str]:
    """The LEAIDs of every page of the list in turn, following its own links from the
    first page to the last ("next") or from the last to the first ("previous")."""
    url = f"{URL}?last=1" if direction == "previous" else URL
    response = client.get(url, params if direction == "next" else {**params, "last": "1"})
    pages = []
    while True:
        pages.append([lea.leaid for lea in response.context["rows"]])
        link = response.context["pages"][direction]
        if link is None:
            break
        response = client.get(URL + link)
    if direction == "previous":
        pages.reverse()
    return [leaid for page in pages for leaid in page]


def _walk(client, params) -> list[str]:
    """Every page, forward; paging backward from the last page finds the same rows."""
    forward = _follow(client, params, "next")
    assert _follow(client, params, "previous") == forward
    return forward


def _expected(place, sort: str) -> list[str]:
    """The list's order worked out here, from the rows themselves: what the page shows
    must be the same LEAs in the same order."""
    me = place["staff"].pk
    rows = []
    for lea in LEA.objects.filter(state=place["state"]).select_related("state"):
        current = lea.assessments.filter(cycle=place["cycle"]).select_related("assignee").first()
        rows.append((lea, current))

    def last_if_none(value):
        return (value is None, value if value is not None else "")

    keys = {
        "": lambda r: (r[1] is None or r[1].assignee_id != me, r[0].name, r[0].pk),
        "name": lambda r: (r[0].name, r[0].pk),
        "status": lambda r: (last_if_none(r[1] and r[1].status), r[0].name, r[0].pk),
        "assignee": lambda r: (
            last_if_none(r[1] and r[1].assignee and r[1].assignee.last_name),
            last_if_none(r[1] and r[1].assignee and r[1].assignee.first_name),
            last_if_none(r[1] and r[1].assignee and r[1].assignee.username),
            r[0].name,
            r[0].pk,
        ),
        "updated": lambda r: (last_if_none(r[1] and r[1].updated_at), r[0].name, r[0].pk),
    }
    key = keys[sort.lstrip("-")]
    if not sort.startswith("-"):
        return [lea.leaid for lea, _ in sorted(rows, key=key)]
    # The other way round, but LEAs without an assessment stay last.
    with_one = sorted((r for r in rows if key(r)[0] != (True, "")), key=key, reverse=True)
    without = sorted((r for r in rows if key(r)[0] == (True, "")), key=key, reverse=True)
    if sort == "-name":
        with_one, without = sorted(rows, key=key, reverse=True), []
    return [lea.leaid for lea, _ in with_one + without]


@pytest.fixture
def long_list(nh):
    """130 LEAs in the state (three pages), a third with an assessment, the change times
    spread so that sorting by the last change means something."""
    _fill_state(nh, 128)
    for i, assessment in enumerate(Assessment.objects.filter(cycle=nh["cycle"]).order_by("pk")):
        Assessment.objects.filter(pk=assessment.pk).update(
            updated_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
            + datetime.timedelta(hours=(i * 7) % 40)
        )
    return nh


@pytest.mark.parametrize("sort", ["", "name", "-name", "status", "-status", "assignee", "-updated"])
def test_paging_shows_every_lea_once_in_the_lists_own_order(long_list, sort):
    found = _walk(client_for(long_list["staff"]), {"sort": sort} if sort else {})
    assert len(found) == len(set(found)) == 130
    assert found == _expected(long_list, sort)


def test_the_last_page_shows_the_last_rows(long_list):
    client = client_for(long_list["staff"])
    r = client.get(URL, {"sort": "status", "last": "1"})
    assert [lea.leaid for lea in r.context["rows"]] == _expected(long_list, "status")[80:]
    assert r.context["pages"]["next"] is None and r.context["pages"]["last"] is None
    # Its "previous" link leads to the 50 rows before it.
    r = client.get(URL + r.context["pages"]["previous"])
    assert [lea.leaid for lea in r.context["rows"]] == _expected(long_list, "status")[30:80]


def lea_cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def test_a_cursor_that_is_not_the_lists_own_gives_the_first_page(long_list):
    client = client_for(long_list["staff"])
    first = [lea.leaid for lea in client.get(URL, {"sort": "status"}).context["rows"]]
    too_big = lea_cursor_of(["draft", "x", 2**70])
    with_nul = lea_cursor_of(["draft", "x\x00", 1])
    beyond_the_end = lea_cursor_of([None, "~", 2**40])
    for cursor in ("nonsense", "W10", "WyJhIiwxXQ", too_big, with_nul, beyond_the_end):
        r = client.get(URL, {"sort": "status", "after": cursor})
        assert r.status_code == 200
        assert [lea.leaid for lea in r.context["rows"]] == first


def test_a_row_changing_between_pages_neither_hides_nor_repeats_the_others(long_list):
    client = client_for(long_list["staff"])
    first = client.get(URL, {"sort": "name"})
    seen = [lea.leaid for lea in first.context["rows"]]
    # A row of the first page is renamed to sort among the later ones.
    LEA.objects.filter(leaid=seen[0]).update(name="Test District 0100a")
    rest = client.get(URL + first.context["pages"]["next"]).context["rows"]
    expected = _expected(long_list, "name")
    following = expected[expected.index(seen[-1]) + 1 :][:50]
    assert [lea.leaid for lea in rest] == following


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "draft"}, lambda a: a is not None and a.status == "draft"),
        (
            {"status": "in_progress"},
            lambda a: a is not None and a.status == "draft" and a.answered_count > 0,
        ),
        (
            {"status": "not_started"},
            lambda a: a is not None and a.status == "draft" and a.answered_count == 0,
        ),
        ({"status": "none"}, lambda a: a is None),
        ({"mine": "on", "sort": "-updated"}, lambda a: a is not None and a.assignee_id is not None),
    ],
)
def test_filters_apply_on_every_page(long_list, params, expected):
    found = _walk(client_for(long_list["staff"]), params)
    assessments = {a.lea.leaid: a for a in Assessment.objects.select_related("lea")}
    leaids = LEA.objects.filter(state=long_list["state"]).values_list("leaid", flat=True)
    assert len(found) == len(set(found))
    assert set(found) == {leaid for leaid in leaids if expected(assessments.get(leaid))}


# --- across states: a national administrator ------------------------------------------------


@pytest.fixture
def nation(nh, two_states):
    """LEAs of three states for the national administrator: 130 in NH (three pages), 60
    in VT and 40 in AK, a state whose code sorts first and whose name sorts last."""
    _fill_state(nh, 128)
    _fill_state(two_states["VT"], 58)
    ak = StateFactory(code="AK", name="Zed Territory")
    ak_staff = UserFactory(role=Role.STATE_STAFF, state=ak)
    cycle = CycleFactory(state=ak, framework=nh["cycle"].framework)
    _fill_state({"state": ak, "cycle": cycle, "users": {Role.STATE_STAFF: ak_staff}}, 40)
    return {"national": two_states["national"], "ak_staff": ak_staff, **two_states}


def _national_order(assessment_filter=lambda a: True) -> list[str]:
    """Every LEA the national administrator's list holds, in its order worked out here:
    state code, then name."""
    current = {a.lea_id: a for a in Assessment.objects.select_related("lea__state")}
    leas = [
        lea for lea in LEA.objects.select_related("state") if assessment_filter(current.get(lea.pk))
    ]
    return [lea.leaid for lea in sorted(leas, key=lambda lea: (lea.state.code, lea.name, lea.pk))]


def test_the_national_list_runs_by_state_code_then_name_on_every_page(nation):
    client = client_for(nation["national"])
    found = _walk(client, {})
    assert len(found) == len(set(found)) == 230
    assert found == _national_order()
    assert client.get(URL).context["count"] == 230


def test_the_national_list_filters_every_page(nation):
    found = _walk(client_for(nation["national"]), {"status": "draft"})
    assert found == _national_order(lambda a: a is not None and a.status == "draft")


def test_only_people_of_the_pages_states_are_offered_to_assign_to(nation):
    client = client_for(nation["national"])
    first = client.get(URL)  # AK's 40 LEAs, then NH's first ten
    assert {row.state_code for row in first.context["rows"]} == {"AK", "NH"}
    offered = {person.state.code for person in first.context["assignees"]}
    assert offered == {"AK", "NH"}
    assert nation["ak_staff"] in first.context["assignees"]
    last = client.get(URL, {"last": "1"})
    assert {person.state.code for person in last.context["assignees"]} == {"VT"}


@pytest.mark.parametrize("vt_past_due", [False, True])
def test_overdue_across_states_means_past_each_cycles_own_due_date(nation, vt_past_due):
    today = timezone.localdate()
    due = {"NH": today - datetime.timedelta(days=1), "AK": today - datetime.timedelta(days=3)}
    due["VT"] = today - datetime.timedelta(days=2) if vt_past_due else today
    for code, day in due.items():
        AssessmentCycle.objects.filter(state__code=code).update(assessments_due_on=day)
    found = _walk(client_for(nation["national"]), {"status": "overdue"})
    late = {"NH", "AK", "VT"} if vt_past_due else {"NH", "AK"}
    assert found == _national_order(
        lambda a: a is not None and a.status == "draft" and a.lea.state.code in late
    )


# --- several open cycles in a state ---------------------------------------------------------


@pytest.fixture
def two_open_cycles(nh):
    """NH's 2026-27 cycle holds both LEAs (Ashford accepted, Brookline returned); a newer
    open cycle, 2027-28, holds Ashford only, as a draft."""
    a, b = nh["leas"]
    Assessment.objects.filter(pk=nh["assessment"].pk).update(status=Assessment.Status.ACCEPTED)
    nh["older_b"] = Assessment.objects.create(
        lea=b, cycle=nh["cycle"], status=Assessment.Status.RETURNED
    )
    nh["newer"] = CycleFactory(
        state=nh["state"],
        name="2027-28",
        starts_on=datetime.date(2027, 8, 1),
        ends_on=datetime.date(2028, 6, 30),
    )
    nh["newer_a"] = Assessment.objects.create(lea=a, cycle=nh["newer"], answered_count=3)
    return nh


def test_an_lea_in_two_open_cycles_shows_the_newer_ones_assessment(two_open_cycles):
    nh = two_open_cycles
    r = client_for(nh["staff"]).get(URL)
    rows = {lea.name: lea for lea in r.context["rows"]}
    assert r.context["count"] == 2 and len(r.context["rows"]) == 2
    ashford, brookline = rows["Ashford Valley School District"], rows["Brookline Regional Schools"]
    assert (ashford.assessment_id, ashford.cycle_name) == (nh["newer_a"].pk, "2027-28")
    assert (brookline.assessment_id, brookline.cycle_name) == (nh["older_b"].pk, "2026-27")
    assert ashford.action == "Continue" and ashford.total == 48


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "accepted"}, []),  # Ashford's accepted one is not its current one
        ({"status": "draft"}, ["Ashford Valley School District"]),
        ({"status": "returned"}, ["Brookline Regional Schools"]),
        ({"sort": "-status"}, ["Brookline Regional Schools", "Ashford Valley School District"]),
    ],
)
def test_filters_read_the_current_assessment_of_each_lea(two_open_cycles, params, expected):
    assert names(client_for(two_open_cycles["staff"]).get(URL, params)) == expected


def test_a_cycle_named_shows_that_cycles_assessments(two_open_cycles):
    nh = two_open_cycles
    r = client_for(nh["staff"]).get(URL, {"cycle": nh["cycle"].pk, "status": "accepted"})
    assert [lea.assessment_id for lea in r.context["rows"]] == [nh["assessment"].pk]
    AssessmentCycle.objects.filter(pk=nh["cycle"].pk).update(is_open=False)
    r = client_for(nh["staff"]).get(URL)
    assert [lea.assessment_id for lea in r.context["rows"]] == [nh["newer_a"].pk, None]


def test_with_two_open_cycles_the_list_costs_the_same_queries_with_1000_leas(two_open_cycles):
    nh = two_open_cycles
    client = client_for(nh["users"][Role.STATE_ADMIN])
    _fill_state(nh, 8)
    client.get(URL)  # a session's first request records its activity time
    params = ({}, {"status": "draft", "last": "1"}, {"sort": "-assignee"})
    small = [_count_and_time(client, p)[0] for p in params]
    _fill_state(nh, 990)
    Assessment.objects.bulk_create(
        Assessment(lea=lea, cycle=nh["newer"])
        for lea in LEA.objects.filter(state=nh["state"], name__endswith="7")
    )
    assert [_count_and_time(client, p)[0] for p in params] == small
