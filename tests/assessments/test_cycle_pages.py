"""The pages of a running cycle: set-up, close, workload, CSV assignments, the LEA list's
bulk assignment and sorting, and their query counts at 10 and 1,000 LEAs."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import Assessment, AssessmentCycle
from directory.models import LEA
from tests.factories import UserFactory

LIST = reverse("readiness:lea_list")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _future(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    place["admin"] = place["users"][Role.STATE_ADMIN]
    place["staff"] = place["users"][Role.STATE_STAFF]
    place["staff2"] = UserFactory(role=Role.STATE_STAFF, state=place["state"], username="bea")
    return place


def _setup_data(place, **extra):
    data = {
        "state": place["state"].pk,
        "name": "2027-28",
        "assessments_due_on": _future(30),
        "reviews_due_on": _future(60),
        "leas": "all",
    }
    data.update(extra)
    return data


def test_an_administrator_opens_a_cycle_from_the_set_up_page(nh):
    client = client_for(nh["admin"])
    assert client.get(reverse("readiness:cycle_setup")).status_code == 200
    response = client.post(reverse("readiness:cycle_setup"), _setup_data(nh))
    cycle = AssessmentCycle.objects.get(state=nh["state"], name="2027-28")
    assert response.status_code == 302
    assert response["Location"] == reverse("readiness:cycle_detail", args=[cycle.pk])
    assert cycle.assessments.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "is open with 2 LEAs" in page and "Close the 2027-28 cycle" in page


def test_the_set_up_page_names_the_field_of_a_past_due_date_and_creates_nothing(nh):
    data = _setup_data(nh, assessments_due_on=_future(-1))
    response = client_for(nh["admin"]).post(reverse("readiness:cycle_setup"), data)
    assert response.status_code == 200
    assert "in the past" in str(response.context["form"].errors["assessments_due_on"])
    assert 'href="#id_assessments_due_on"' in response.content.decode()
    assert not AssessmentCycle.objects.filter(name="2027-28").exists()


def test_the_set_up_page_lists_each_refused_line_of_an_upload(nh, two_states):
    text = f"leaid\n{nh['leas'][0].leaid}\n{two_states['VT']['leas'][0].leaid}\n1234\n"
    data = _setup_data(nh, leas="upload", file=SimpleUploadedFile("leas.csv", text.encode()))
    response = client_for(nh["admin"]).post(reverse("readiness:cycle_setup"), data)
    page = response.content.decode()
    assert "Line 3: LEAID" in page and "Line 4: &#x27;1234&#x27; is not an LEAID" in page
    assert "Nothing was saved: 2 lines" in page
    assert not AssessmentCycle.objects.filter(name="2027-28").exists()


def test_an_upload_choice_without_a_file_asks_for_the_file(nh):
    data = _setup_data(nh, leas="upload")
    response = client_for(nh["admin"]).post(reverse("readiness:cycle_setup"), data)
    assert "Choose the file of LEAIDs" in str(response.context["form"].errors["file"])


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_other_roles_cannot_open_the_cycle_pages(nh, role):
    client = client_for(nh["users"][role])
    assert client.get(reverse("readiness:cycle_setup")).status_code == 403
    assert client.get(reverse("readiness:cycle_list")).status_code == 403
    cycle = nh["cycle"].pk
    for name in ("cycle_detail", "cycle_workload", "assignment_upload"):
        assert client.get(reverse(f"readiness:{name}", args=[cycle])).status_code == 404
    assert client.post(reverse("readiness:cycle_close", args=[cycle])).status_code == 404


def test_closing_from_the_cycle_page(nh):
    client = client_for(nh["admin"])
    response = client.post(reverse("readiness:cycle_close", args=[nh["cycle"].pk]), follow=True)
    assert "is closed" in response.content.decode()
    assert not AssessmentCycle.objects.get(pk=nh["cycle"].pk).is_open


def _assessments(place):
    return [Assessment.objects.create(lea=lea, cycle=place["cycle"]) for lea in place["leas"]]


def test_the_lea_list_assigns_the_ticked_leas_in_one_action(nh):
    ids = [a.pk for a in _assessments(nh)]
    client = client_for(nh["admin"])
    page = client.get(LIST).content.decode()
    assert 'name="assessments"' in page and 'id="pick-all"' in page
    response = client.post(
        reverse("readiness:lea_bulk_assign"),
        {"assessments": ids, "assignee": nh["staff2"].pk, "next": LIST + "?sort=name"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == LIST + "?sort=name"
    assert "2 LEAs assigned to bea" in response.content.decode()
    assert set(Assessment.objects.values_list("assignee_id", flat=True)) == {nh["staff2"].pk}


def test_the_bulk_action_refuses_another_states_staff_and_assigns_nothing(nh, two_states):
    ids = [a.pk for a in _assessments(nh)]
    vt_staff = two_states["VT"]["users"][Role.STATE_STAFF]
    response = client_for(nh["admin"]).post(
        reverse("readiness:lea_bulk_assign"),
        {"assessments": ids, "assignee": vt_staff.pk},
        follow=True,
    )
    assert "Nothing was assigned" in response.content.decode()
    assert not Assessment.objects.filter(assignee__isnull=False).exists()


def test_staff_get_no_ticks_and_cannot_post_a_bulk_assignment(nh):
    ids = [a.pk for a in _assessments(nh)]
    client = client_for(nh["staff"])
    assert 'name="assessments"' not in client.get(LIST).content.decode()
    client.post(
        reverse("readiness:lea_bulk_assign"), {"assessments": ids, "assignee": nh["staff"].pk}
    )
    assert not Assessment.objects.filter(assignee__isnull=False).exists()


def test_the_csv_upload_page_assigns_and_lists_refused_lines(nh):
    _assessments(nh)
    url = reverse("readiness:assignment_upload", args=[nh["cycle"].pk])
    client = client_for(nh["admin"])
    bad = f"{nh['leas'][0].leaid},bea\n{nh['leas'][1].leaid},ghost\n"
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", bad.encode())})
    assert "Line 2: No user has the username &#x27;ghost&#x27;" in response.content.decode()
    assert not Assessment.objects.filter(assignee__isnull=False).exists()
    good = f"{nh['leas'][0].leaid},bea\n{nh['leas'][1].leaid},{nh['staff'].username}\n"
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", good.encode())})
    assert response["Location"] == reverse("readiness:cycle_workload", args=[nh["cycle"].pk])
    assert Assessment.objects.filter(assignee__isnull=False).count() == 2


def test_staff_see_their_own_leas_first(nh):
    a, b = _assessments(nh)
    Assessment.objects.filter(pk=b.pk).update(assignee=nh["staff"])
    rows = client_for(nh["staff"]).get(LIST).context["rows"]
    assert [lea.pk for lea in rows] == [nh["leas"][1].pk, nh["leas"][0].pk]


@pytest.mark.parametrize(
    "sort", ["name", "-name", "status", "-status", "assignee", "-assignee", "updated", "-updated"]
)
def test_every_column_sorts_both_ways_and_says_so(nh, sort):
    a, b = _assessments(nh)
    LEA.objects.filter(pk=nh["leas"][0].pk).update(name="Aaa")
    LEA.objects.filter(pk=nh["leas"][1].pk).update(name="Zzz")
    Assessment.objects.filter(pk=a.pk).update(status="submitted", assignee=nh["staff2"])
    Assessment.objects.filter(pk=b.pk).update(assignee=nh["admin"])
    response = client_for(nh["admin"]).get(LIST, {"sort": sort})
    names = [lea.name for lea in response.context["rows"]]
    key = sort.lstrip("-")
    ascending = {"name": ["Aaa", "Zzz"], "status": ["Zzz", "Aaa"], "updated": ["Aaa", "Zzz"]}
    bea_last = nh["admin"].last_name > "" or nh["admin"].username > "bea"
    ascending["assignee"] = ["Zzz", "Aaa"] if not bea_last else ["Aaa", "Zzz"]
    expected = ascending[key] if not sort.startswith("-") else ascending[key][::-1]
    if key in ("updated", "assignee"):
        assert sorted(names) == ["Aaa", "Zzz"]
    else:
        assert names == expected
    page = response.content.decode()
    direction = "descending" if sort.startswith("-") else "ascending"
    assert page.count("aria-sort=") == 1 and f'aria-sort="{direction}"' in page


def test_the_workload_links_open_the_matching_leas(nh):
    a, b = _assessments(nh)
    Assessment.objects.filter(pk=a.pk).update(assignee=nh["staff2"], answered_count=4)
    client = client_for(nh["admin"])
    response = client.get(reverse("readiness:cycle_workload", args=[nh["cycle"].pk]))
    rows = {row.username: row for row in response.context["rows"]}
    assert rows["bea"].in_progress == 1 and rows[""].assigned == 1
    link = f"?cycle={nh['cycle'].pk}&amp;assignee={nh['staff2'].pk}&amp;status=in_progress"
    assert link in response.content.decode()
    listed = client.get(
        LIST, {"cycle": nh["cycle"].pk, "assignee": nh["staff2"].pk, "status": "in_progress"}
    )
    assert [lea.pk for lea in listed.context["rows"]] == [nh["leas"][0].pk]
    unassigned = client.get(LIST, {"cycle": nh["cycle"].pk, "assignee": "none"})
    assert [lea.pk for lea in unassigned.context["rows"]] == [nh["leas"][1].pk]


def test_overdue_lists_the_unsubmitted_assessments_past_their_due_date(nh):
    a, b = _assessments(nh)
    AssessmentCycle.objects.filter(pk=nh["cycle"].pk).update(
        assessments_due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    Assessment.objects.filter(pk=a.pk).update(status="submitted")
    rows = client_for(nh["admin"]).get(LIST, {"status": "overdue"}).context["rows"]
    assert [lea.pk for lea in rows] == [nh["leas"][1].pk]


def test_state_staff_open_the_results_of_their_states_leas(nh, two_states):
    a, _ = _assessments(nh)
    Assessment.objects.filter(pk=a.pk).update(stage="beginning")
    client = client_for(nh["staff"])
    url = reverse("lea_results", args=[nh["leas"][0].leaid, nh["cycle"].pk])
    assert client.get(url).status_code == 200
    vt = two_states["VT"]
    Assessment.objects.create(lea=vt["leas"][0], cycle=vt["cycle"])
    other = reverse("lea_results", args=[vt["leas"][0].leaid, vt["cycle"].pk])
    assert client.get(other).status_code == 404


def test_a_district_leader_reaches_their_results_from_the_menu(nh):
    a, _ = _assessments(nh)
    leader = nh["users"][Role.DISTRICT_LEADER]
    client = client_for(leader)
    response = client.get(reverse("readiness:my_results"))
    assert response["Location"] == reverse("readiness:lea_detail", args=[nh["leas"][0].leaid])
    Assessment.objects.filter(pk=a.pk).update(stage="beginning")
    response = client.get(reverse("readiness:my_results"))
    assert response["Location"] == reverse(
        "lea_results", args=[nh["leas"][0].leaid, nh["cycle"].pk]
    )


# --- query counts -------------------------------------------------------------------------


def _fill(place, n: int, start: int):
    leas = LEA.objects.bulk_create(
        LEA(leaid=f"{5000000 + start + i:07d}", state=place["state"], name=f"Fill {start + i:05d}")
        for i in range(n)
    )
    people = [place["staff"], place["staff2"], None]
    Assessment.objects.bulk_create(
        Assessment(
            lea=lea,
            cycle=place["cycle"],
            assignee=people[i % 3],
            answered_count=i % 5,
            status=["draft", "submitted", "accepted", "returned"][i % 4],
        )
        for i, lea in enumerate(leas)
    )


def _queries(django_assert_max_num_queries, client, url, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("readiness:lea_list", {}),
        ("readiness:lea_list", {"sort": "-assignee"}),
        ("readiness:lea_list", {"status": "overdue"}),
        ("readiness:cycle_workload", None),
        ("readiness:cycle_list", None),
        ("readiness:cycle_detail", None),
    ],
)
def test_the_assignment_and_workload_pages_make_as_many_queries_at_1000_leas_as_at_10(
    nh, django_assert_max_num_queries, page, params
):
    AssessmentCycle.objects.filter(pk=nh["cycle"].pk).update(
        assessments_due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client = client_for(nh["admin"])
    args = [] if page in ("readiness:lea_list", "readiness:cycle_list") else [nh["cycle"].pk]
    url = reverse(page, args=args)
    _fill(nh, 8, 0)  # 10 LEAs with the two of the fixture
    client.get(url, params or {})  # a session's first request records its activity time
    at_10 = _queries(django_assert_max_num_queries, client, url, params)
    _fill(nh, 990, 100)
    assert LEA.objects.filter(state=nh["state"]).count() == 1000
    at_1000 = _queries(django_assert_max_num_queries, client, url, params)
    assert at_10 == at_1000, (at_10, at_1000)
    assert at_1000 <= 8


def test_a_closed_cycles_leas_are_listed_for_reading_only(nh):
    _assessments(nh)
    AssessmentCycle.objects.filter(pk=nh["cycle"].pk).update(is_open=False)
    rows = client_for(nh["staff"]).get(LIST, {"cycle": nh["cycle"].pk}).context["rows"]
    assert [lea.action for lea in rows] == ["View", "View"]
