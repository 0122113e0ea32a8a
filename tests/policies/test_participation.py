"""Who takes part in an enacted lever: the rule, the four kinds of gap, the service, the
CSV file and the page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scores import assessment_rescore
from frameworks.models import Indicator
from policies.models import LeverParticipant, LeverStatus
from policies.selectors import (
    AVAILABLE,
    BLOCKED,
    LOCAL,
    OPENED,
    REACH_ALL,
    REACH_LISTED,
    REACH_NOBODY_YET,
    REACH_NONE,
    gap_category,
    lea_alignment,
    lever_reach,
    policy_profile_history,
    state_levers_held_back,
)
from policies.services import (
    ParticipationFileError,
    StaleEdit,
    lever_participation_set,
    participation_csv_read,
)
from tests.factories import (
    CycleFactory,
    LEAFactory,
    StateFactory,
    UserFactory,
    participation_framework,
    profile_create,
)

LEVER = "credit_flexibility"


# --- the rule (pure) ------------------------------------------------------------------


def _declaring(framework):
    spec = framework.spec
    return spec.model_copy(
        update={"policy": spec.policy.model_copy(update={"participation": True})}
    )


@pytest.mark.parametrize(
    ("status", "participation", "without_flag", "with_flag"),
    [
        ("none", "", REACH_NONE, REACH_NONE),
        ("exploring", "all", REACH_NONE, REACH_NONE),
        ("statewide", "", REACH_ALL, REACH_ALL),
        ("statewide", "listed", REACH_ALL, REACH_ALL),
        ("enacted", "", REACH_ALL, REACH_NOBODY_YET),
        ("enacted", "all", REACH_ALL, REACH_ALL),
        ("enacted", "listed", REACH_LISTED, REACH_LISTED),
    ],
)
def test_who_a_lever_reaches(framework, status, participation, without_flag, with_flag):
    spec = framework.spec
    assert not spec.declares_participation
    assert lever_reach(spec, status=status, participation=participation) == without_flag
    assert lever_reach(_declaring(framework), status=status, participation=participation) == (
        with_flag
    )


def test_the_four_kinds_of_gap():
    reach = {"a": REACH_NONE, "b": REACH_LISTED, "c": REACH_ALL, "d": REACH_NOBODY_YET}
    assert gap_category(levers=(), reach=reach, takes_part=set()) == LOCAL
    assert gap_category(levers=("a",), reach=reach, takes_part=set()) == BLOCKED
    assert gap_category(levers=("a", "b"), reach=reach, takes_part=set()) == AVAILABLE
    assert gap_category(levers=("a", "b"), reach=reach, takes_part={"b"}) == OPENED
    assert gap_category(levers=("a", "d"), reach=reach, takes_part={"d"}) == AVAILABLE
    assert gap_category(levers=("a", "c"), reach=reach, takes_part=set()) == OPENED
    # A lever missing from `reach` is not in force.
    assert gap_category(levers=("zzz",), reach=reach, takes_part=set()) == BLOCKED


# --- the service ------------------------------------------------------------------------


@pytest.fixture
def enacted(two_states):
    nh = two_states["NH"]
    profile = profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={LEVER: "enacted", "task_force": "statewide"},
        user=nh["users"][Role.STATE_ADMIN],
    )
    return {
        **nh,
        "profile": profile,
        "row": LeverStatus.objects.get(profile=profile, lever__code=LEVER),
    }


def _set(world, **kwargs):
    row = LeverStatus.objects.get(pk=world["row"].pk)
    defaults = {
        "profile": world["profile"],
        "user": world["users"][Role.STATE_ADMIN],
        "lever": LEVER,
        "version": row.version,
    }
    return lever_participation_set(**(defaults | kwargs))


def test_a_chosen_list_is_stored_with_its_history(enacted):
    leas = enacted["leas"]
    change = _set(enacted, participation="listed", leaids=[leas[0].leaid, leas[0].leaid, " "])
    assert (change.count, change.added, change.removed, change.changed) == (1, 1, 0, True)
    row = LeverStatus.objects.get(pk=enacted["row"].pk)
    assert (row.participation, row.participant_count, row.version) == ("listed", 1, 2)
    assert list(LeverParticipant.objects.values_list("lea_id", flat=True)) == [leas[0].pk]

    change = _set(enacted, participation="listed", leaids=[leas[1].leaid], source="by hand")
    assert (change.count, change.added, change.removed) == (1, 1, 1)
    assert list(LeverParticipant.objects.values_list("lea_id", flat=True)) == [leas[1].pk]
    # Saving the same again changes nothing, not even the version.
    assert not _set(enacted, participation="listed", leaids=[leas[1].leaid]).changed
    assert LeverStatus.objects.get(pk=enacted["row"].pk).version == 3

    change = _set(enacted, participation="all", leaids=[leas[0].leaid])
    assert (change.count, change.removed) == (0, 1)
    assert not LeverParticipant.objects.exists()

    history = [
        e for e in policy_profile_history(profile=enacted["profile"]) if e.lever_code == LEVER
    ]
    assert history[0].changes == ("Taking part: 1 chosen LEA → every LEA",)
    assert history[0].reason == "Every LEA takes part"
    assert history[1].changes == ("Taking part: 1 chosen LEA, list changed",)
    assert history[1].reason == "1 LEA chosen, 1 added, 1 removed (by hand)"
    assert history[2].changes == ("Taking part: not recorded → 1 chosen LEA",)


def test_leas_of_another_state_or_unknown_leaids_store_nothing(enacted, two_states):
    vt_lea = two_states["VT"]["leas"][0]
    with pytest.raises(ValidationError) as caught:
        _set(
            enacted,
            participation="listed",
            leaids=[enacted["leas"][0].leaid, vt_lea.leaid, "9999999"],
        )
    message = " ".join(caught.value.messages)
    assert vt_lea.leaid in message and "9999999" in message
    assert enacted["leas"][0].leaid not in message
    row = LeverStatus.objects.get(pk=enacted["row"].pk)
    assert (row.participation, row.version) == ("", 1)
    assert not LeverParticipant.objects.exists()


def test_only_an_enacted_lever_has_leas_taking_part(enacted):
    with pytest.raises(ValidationError, match="Only an enacted lever"):
        _set(enacted, lever="task_force", participation="all", version=1)
    with pytest.raises(ValidationError, match="not a lever"):
        _set(enacted, lever="warp_drive", participation="all")
    with pytest.raises(ValidationError, match="not a choice"):
        _set(enacted, participation="some")


def test_a_stale_page_or_another_role_changes_nothing(enacted):
    with pytest.raises(StaleEdit):
        _set(enacted, participation="all", version=7)
    for role in (Role.TASK_FORCE, Role.STATE_STAFF):
        with pytest.raises(PermissionDenied):
            _set(enacted, participation="all", user=enacted["users"][role])
    assert LeverStatus.objects.get(pk=enacted["row"].pk).version == 1


def test_a_new_cycle_starts_with_the_same_leas_taking_part(enacted):
    from datetime import date

    from policies.services import policy_profile_start

    _set(enacted, participation="listed", leaids=[enacted["leas"][1].leaid])
    later = CycleFactory(
        state=enacted["state"],
        name="2027-28",
        starts_on=date(2027, 8, 1),
        ends_on=date(2028, 6, 30),
    )
    profile, created = policy_profile_start(
        state=enacted["state"], cycle=later, user=enacted["users"][Role.STATE_ADMIN]
    )
    assert created
    row = LeverStatus.objects.get(profile=profile, lever__code=LEVER)
    assert (row.status, row.participation, row.participant_count) == ("enacted", "listed", 1)
    assert list(row.participants.values_list("lea_id", flat=True)) == [enacted["leas"][1].pk]


# --- the CSV file ---------------------------------------------------------------------


def test_a_csv_file_gives_its_leaids_in_order(enacted):
    a, b = enacted["leas"]
    content = f"Name,LEAID\nFirst,{b.leaid}\n\n Second , {a.leaid} \nAgain,{b.leaid}\n".encode()
    assert participation_csv_read(content=b"\xef\xbb\xbf" + content, state=enacted["state"]) == [
        b.leaid,
        a.leaid,
    ]


def test_every_bad_row_of_a_csv_file_is_named(enacted, two_states):
    vt_lea = two_states["VT"]["leas"][0]
    good = enacted["leas"][0].leaid
    content = f"leaid\n{good}\n12345\n9999999\n{vt_lea.leaid}\n,x\nabc\n".encode()
    with pytest.raises(ParticipationFileError) as caught:
        participation_csv_read(content=content, state=enacted["state"])
    problems = [(p.line, p.message) for p in caught.value.problems]
    assert problems == [
        (
            3,
            "“12345” is not a 7-digit LEAID "
            "(a spreadsheet may have dropped its leading zeros: 0012345?).",
        ),
        (4, "no LEA has the LEAID 9999999."),
        (5, f"LEA {vt_lea.leaid} is not an LEA of State NH."),
        (6, "no LEAID in this row."),
        (7, "“abc” is not a 7-digit LEAID."),
    ]
    assert "5 rows" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,city\nx,y\n", "LEAID"),
        (b"LEAID\n", "header line only"),
        (b"PK\x03\x04rest", "workbook"),
    ],
)
def test_a_file_that_is_not_a_list_of_leaids_is_refused(enacted, content, message):
    with pytest.raises(ParticipationFileError, match=message):
        participation_csv_read(content=content, state=enacted["state"])


# --- gaps of one LEA -----------------------------------------------------------------


def _gap_on(assessment, framework, indicator_code, rating=1):
    indicator = Indicator.objects.get(framework=framework, code=indicator_code)
    Answer.objects.create(assessment=assessment, indicator=indicator, rating=rating)
    assessment_rescore(assessment=assessment)


def _aligned_to(framework, lever):
    """The first indicator aligned to `lever` (the profile has no other lever in force)."""
    return next(ind.code for ind in framework.spec.indicators if lever in ind.levers)


def test_an_leas_gap_is_opened_only_if_it_takes_part(enacted, framework):
    # An indicator the enacted lever governs and the statewide one does not.
    code = next(
        ind.code
        for ind in framework.spec.indicators
        if LEVER in ind.levers and "task_force" not in ind.levers
    )
    inside, outside = enacted["leas"]
    assessments = [
        Assessment.objects.create(lea=lea, cycle=enacted["cycle"]) for lea in (inside, outside)
    ]
    for assessment in assessments:
        _gap_on(assessment, framework, code)

    def kinds():
        return [
            next(g.category for g in lea_alignment(assessment=a).gaps if g.indicator_code == code)
            for a in assessments
        ]

    # cbe-v1 does not declare participation: enacted with nothing recorded reaches everyone.
    assert kinds() == [OPENED, OPENED]
    _set(enacted, participation="listed", leaids=[inside.leaid])
    assert kinds() == [OPENED, AVAILABLE]
    alignment = lea_alignment(assessment=assessments[1])
    link = next(lv for g in alignment.gaps for lv in g.levers if lv.code == LEVER)
    assert link.reach_text == "in force for some LEAs; this LEA does not take part"
    assert alignment.available_count == 1


def test_a_framework_declaring_participation_reaches_nobody_until_recorded(db, tmp_path):
    fv = participation_framework(tmp_path)
    state = StateFactory(code="PF", name="Participating")
    cycle = CycleFactory(state=state, framework=fv)
    inside, outside = LEAFactory(state=state), LEAFactory(state=state)
    spec = fv.spec
    local_code = spec.indicators[0].code
    assert spec.indicators[0].levers == ()
    code = _aligned_to(fv, LEVER)
    profile = profile_create(state=state, cycle=cycle, statuses={LEVER: "enacted"})
    assessments = [Assessment.objects.create(lea=lea, cycle=cycle) for lea in (inside, outside)]
    for assessment in assessments:
        _gap_on(assessment, fv, code)
        _gap_on(assessment, fv, local_code, rating=2)

    def kinds(assessment):
        return {g.indicator_code: g.category for g in lea_alignment(assessment=assessment).gaps}

    assert kinds(assessments[0]) == {local_code: LOCAL, code: AVAILABLE}
    admin = UserFactory(role=Role.STATE_ADMIN, state=state)
    row = LeverStatus.objects.get(profile=profile, lever__code=LEVER)
    lever_participation_set(
        profile=profile,
        user=admin,
        lever=LEVER,
        participation="listed",
        leaids=[inside.leaid],
        version=row.version,
    )
    assert kinds(assessments[0]) == {local_code: LOCAL, code: OPENED}
    assert kinds(assessments[1]) == {local_code: LOCAL, code: AVAILABLE}
    counts = {row.code: row for row in state_levers_held_back(state=state, cycle=cycle)}
    lever_row = counts[LEVER]
    assert (lever_row.leas_opened, lever_row.leas_available, lever_row.leas_blocked) == (1, 1, 0)
    assert lever_row.reach_text == "1 chosen LEA"


# --- the page -----------------------------------------------------------------------------


def _url(world, lever=LEVER):
    return reverse(
        "policies:lever_participation", args=[world["state"].code, world["cycle"].pk, lever]
    )


def test_the_administrator_chooses_leas_on_the_page(client, enacted):
    client.force_login(enacted["users"][Role.STATE_ADMIN])
    page = client.get(_url(enacted))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Who takes part in Credit flexibility" in html
    assert enacted["leas"][0].leaid in html
    response = client.post(
        _url(enacted),
        {
            "action": "choose",
            "choose-participation": "listed",
            "choose-leas": [enacted["leas"][1].leaid],
            "choose-version": "1",
        },
    )
    assert response.status_code == 302
    row = LeverStatus.objects.get(pk=enacted["row"].pk)
    assert (row.participation, row.participant_count) == ("listed", 1)
    detail = client.get(
        reverse("policies:profile_detail", args=[enacted["state"].code, enacted["cycle"].pk])
    )
    assert "Reaches 1 chosen LEA of 2." in detail.content.decode()


def test_choosing_the_list_without_ticking_an_lea_is_an_error(client, enacted):
    client.force_login(enacted["users"][Role.STATE_ADMIN])
    response = client.post(
        _url(enacted),
        {"action": "choose", "choose-participation": "listed", "choose-version": "1"},
    )
    assert response.status_code == 400
    assert "Tick at least one LEA" in response.content.decode()
    assert LeverStatus.objects.get(pk=enacted["row"].pk).participation == ""


def test_a_bad_file_shows_every_bad_row_and_stores_nothing(client, enacted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(enacted["users"][Role.STATE_ADMIN])
    upload = SimpleUploadedFile(
        "takers.csv", f"LEAID\n{enacted['leas'][0].leaid}\n9999999\n".encode(), "text/csv"
    )
    response = client.post(
        _url(enacted), {"action": "upload", "upload-file": upload, "upload-version": "1"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "no LEA has the LEAID 9999999." in html and '<th scope="row">3</th>' in html
    assert not LeverParticipant.objects.exists()

    upload = SimpleUploadedFile("takers.csv", f"LEAID\n{enacted['leas'][0].leaid}\n".encode())
    response = client.post(
        _url(enacted), {"action": "upload", "upload-file": upload, "upload-version": "1"}
    )
    assert response.status_code == 302
    row = LeverStatus.objects.get(pk=enacted["row"].pk)
    assert (row.participation, row.participant_count) == ("listed", 1)
    assert (
        row.history.first().history_change_reason
        == "1 LEA chosen, 1 added (from the file takers.csv)"
    )


def test_readers_see_the_list_and_district_leaders_do_not(client, enacted):
    _set(enacted, participation="listed", leaids=[enacted["leas"][0].leaid])
    client.force_login(enacted["users"][Role.TASK_FORCE])
    page = client.get(_url(enacted))
    assert page.status_code == 200
    assert "Save who takes part" not in page.content.decode()
    assert enacted["leas"][0].name in page.content.decode()
    response = client.post(
        _url(enacted), {"action": "choose", "choose-participation": "all", "choose-version": "2"}
    )
    assert response.status_code == 403
    client.force_login(enacted["users"][Role.DISTRICT_LEADER])
    assert client.get(_url(enacted)).status_code == 403
    assert client.get(_url(enacted, lever="warp_drive")).status_code in (403, 404)


def test_a_lever_not_enacted_has_no_list_to_choose(client, enacted):
    client.force_login(enacted["users"][Role.STATE_ADMIN])
    page = client.get(_url(enacted, lever="task_force"))
    assert page.status_code == 200
    assert "Only a lever marked enacted" in page.content.decode()
    assert "Save who takes part" not in page.content.decode()
    assert client.get(_url(enacted, lever="warp_drive")).status_code == 404
