"""Answer saves and the review workflow, at the service level: bad input changes nothing,
stale versions are refused, each step is allowed to the right role only, and a save costs
three SQL statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import selectors
from accounts.models import Role
from assessments import selectors as assessment_selectors
from assessments import services
from assessments.models import EVIDENCE_MAX_LENGTH, Answer, Assessment, Comment
from assessments.scores import assessment_compute
from assessments.scoring import ScoreResult
from tests.factories import UserFactory

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


@pytest.fixture
def nh(two_states):
    place = two_states["NH"]
    place["assessment"] = Assessment.objects.create(lea=place["leas"][0], cycle=place["cycle"])
    place["staff"] = place["users"][Role.STATE_STAFF]
    place["staff2"] = UserFactory(role=Role.STATE_STAFF, state=place["state"], first_name="Second")
    place["admin"] = place["users"][Role.STATE_ADMIN]
    return place


def load(user, assessment):
    """The assessment as a view gets it: through the scoping selector."""
    return selectors.assessment_get_for_user(user=user, pk=assessment.pk)


def save(assessment, user, indicator="BL-01", rating=3, dont_know=False, evidence="", version=0):
    return services.answer_save(
        assessment=assessment,
        user=user,
        indicator=indicator,
        rating=rating,
        dont_know=dont_know,
        evidence=evidence,
        version=version,
    )


def snapshot(assessment):
    assessment = Assessment.objects.get(pk=assessment.pk)
    answers = list(
        Answer.objects.filter(assessment=assessment)
        .order_by("pk")
        .values_list("indicator__code", "rating", "dont_know", "evidence", "version")
    )
    return (
        assessment.status,
        assessment.version,
        assessment.answered_count,
        answers,
        Answer.history.count(),
        Assessment.history.count(),
        Comment.objects.count(),
    )


def all_codes(assessment):
    from frameworks.document import framework_indicators

    return [s.code for s in framework_indicators(assessment.cycle.framework.content)]


def answer_everything(assessment, user, *, rating=3):
    """Fill every indicator through the service (a complete assessment)."""
    a = load(user, assessment)
    for code in all_codes(a):
        save(a, user, indicator=code, rating=rating)
    return load(user, assessment)


# --- saving ---------------------------------------------------------------------------


def test_first_save_creates_the_answer_its_history_and_current_scores(nh):
    a = load(nh["staff"], nh["assessment"])
    saved = save(a, nh["staff"], rating=4, evidence="Inventory of 2026")
    assert saved.version == 1
    answer = Answer.objects.get(assessment=a, indicator__code="BL-01")
    assert (answer.rating, answer.evidence) == (4, "Inventory of 2026")
    assert answer.updated_by == nh["staff"]
    history = list(Answer.history.filter(id=answer.pk))
    assert len(history) == 1
    assert history[0].history_user == nh["staff"] and history[0].history_type == "+"
    stored = Assessment.objects.get(pk=a.pk)
    assert stored.answered_count == 1
    assert stored.scores == assessment_compute(assessment=stored).as_dict()
    assert stored.version == 2


def test_a_save_runs_three_sql_statements(nh):
    """Counted: the service call only, leaving out the savepoint pair the test database's
    transaction adds (in production on PostgreSQL `atomic()` sends no statement of its own).
    The three: insert-or-update returning the other answers, the history row, the
    assessment's scores UPDATE."""
    a = load(nh["staff"], nh["assessment"])
    save(a, nh["staff"], indicator="BL-02", rating=2)  # other answers exist
    for version, rating in ((0, 3), (1, 4)):  # a first answer, then a change
        with CaptureQueriesContext(connection) as ctx:
            save(a, nh["staff"], rating=rating, version=version)
        statements = [
            q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
        ]
        assert len(statements) <= 3, statements
        assert len(ctx.captured_queries) <= 5


def test_a_save_stays_within_three_statements_with_django_assert(nh, django_assert_max_num_queries):
    a = load(nh["staff"], nh["assessment"])
    save(a, nh["staff"])
    # 3 statements + SAVEPOINT + RELEASE SAVEPOINT of the test transaction.
    with django_assert_max_num_queries(5):
        save(a, nh["staff"], rating=1, version=1)


def test_stored_scores_follow_every_save(nh):
    a = load(nh["staff"], nh["assessment"])
    for i, code in enumerate(all_codes(a)[:20]):
        save(a, nh["staff"], indicator=code, rating=1 + i % 4)
    save(a, nh["staff"], indicator=all_codes(a)[3], rating=None, dont_know=True, version=1)
    stored = Assessment.objects.get(pk=a.pk)
    expected = assessment_compute(assessment=stored)
    assert stored.scores == expected.as_dict()
    assert stored.answered_count == 20
    assert ScoreResult.from_dict(stored.scores).dont_know == 1


def test_a_stale_version_is_refused_with_the_other_answer_and_nothing_changes(nh):
    a = load(nh["staff"], nh["assessment"])
    save(a, nh["staff"], rating=2, evidence="first")
    b = load(nh["staff2"], nh["assessment"])
    save(b, nh["staff2"], rating=4, evidence="theirs", version=1)
    before = snapshot(a)
    with pytest.raises(services.AnswerConflict) as caught:
        save(a, nh["staff"], rating=1, evidence="mine", version=1)
    assert caught.value.status == 409
    theirs = caught.value.theirs
    assert (theirs.rating, theirs.evidence, theirs.version) == (4, "theirs", 2)
    assert theirs.updated_by == nh["staff2"]
    assert "Second" in caught.value.message
    assert snapshot(a) == before
    # "Use mine": save again against their version.
    save(a, nh["staff"], rating=1, evidence="mine", version=theirs.version)
    assert Answer.objects.get(assessment=a, indicator__code="BL-01").evidence == "mine"


def test_two_first_answers_to_the_same_indicator_conflict_instead_of_overwriting(nh):
    a = load(nh["staff"], nh["assessment"])
    b = load(nh["staff2"], nh["assessment"])
    save(b, nh["staff2"], rating=2, version=0)
    with pytest.raises(services.AnswerConflict):
        save(a, nh["staff"], rating=3, version=0)
    assert Answer.objects.get(assessment=a, indicator__code="BL-01").rating == 2


def test_the_same_answer_given_twice_is_not_a_conflict(nh):
    a = load(nh["staff"], nh["assessment"])
    b = load(nh["staff2"], nh["assessment"])
    save(b, nh["staff2"], rating=2, evidence="same")
    saved = save(a, nh["staff"], rating=2, evidence="same", version=0)
    assert saved.version == 1
    assert Answer.history.count() == 1


def test_saves_on_different_indicators_from_stale_copies_keep_scores_exact(nh):
    """Two people load the assessment, each saves a different indicator: the second save
    finds the assessment moved on, redoes its save on top, and the stored scores count
    both answers."""
    a = load(nh["staff"], nh["assessment"])
    b = load(nh["staff2"], nh["assessment"])
    save(a, nh["staff"], indicator="BL-01", rating=4)
    save(b, nh["staff2"], indicator="BL-02", rating=1)
    stored = Assessment.objects.get(pk=a.pk)
    assert stored.answered_count == 2
    assert stored.scores == assessment_compute(assessment=stored).as_dict()
    assert Answer.history.count() == 2  # the retried save left no extra history row


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rating": 5}, "must be one of 1, 2, 3, 4"),
        ({"rating": 0}, "must be one of 1, 2, 3, 4"),
        ({"rating": True}, "must be one of"),
        ({"indicator": "ZZ-99"}, "not part of framework cbe-v1"),
        ({"rating": 2, "dont_know": True}, "either a rating"),
        ({"evidence": "x" * (EVIDENCE_MAX_LENGTH + 1)}, "limit is 4,000"),
        ({"version": -1}, "version"),
    ],
)
def test_bad_answers_get_a_clear_400_and_change_nothing(nh, change, message):
    a = load(nh["staff"], nh["assessment"])
    save(a, nh["staff"], indicator="BL-02", rating=2)
    before = snapshot(a)
    args = {"indicator": "BL-01", "rating": 3, "dont_know": False, "evidence": "", "version": 0}
    args.update(change)
    with pytest.raises(services.AnswerInvalid) as caught:
        save(a, nh["staff"], **args)
    assert caught.value.status == 400
    assert message in caught.value.message
    assert snapshot(a) == before


def test_an_evidence_note_of_exactly_the_limit_is_accepted(nh):
    a = load(nh["staff"], nh["assessment"])
    save(a, nh["staff"], evidence="é" * EVIDENCE_MAX_LENGTH)
    assert len(Answer.objects.get(assessment=a).evidence) == EVIDENCE_MAX_LENGTH


def test_an_indicator_only_in_another_framework_version_is_refused(nh, tmp_path):
    """cbe-v2 renames BL-16 to BL-99: an assessment on cbe-v1 cannot answer BL-99, and a
    code both versions share is stored against the assessment's own version."""
    from frameworks.services import framework_load
    from tests.conftest import FRAMEWORK_PATH

    text = FRAMEWORK_PATH.read_text().replace("\nversion: 1\n", "\nversion: 2\n", 1)
    text = text.replace("code: BL-16", "code: BL-99")
    (tmp_path / "cbe-v2.yaml").write_text(text)
    v2, _ = framework_load(path=tmp_path / "cbe-v2.yaml")
    assert v2.indicators.filter(code="BL-99").exists()

    a = load(nh["staff"], nh["assessment"])
    before = snapshot(a)
    with pytest.raises(services.AnswerInvalid) as caught:
        save(a, nh["staff"], indicator="BL-99")
    assert "not part of framework cbe-v1" in caught.value.message
    assert snapshot(a) == before
    save(a, nh["staff"], indicator="BL-03", rating=2)
    assert Answer.objects.get(assessment=a).indicator.framework_id == a.cycle.framework_id


@pytest.mark.parametrize("role", [Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_roles_that_only_read_cannot_save(nh, role):
    user = nh["users"][role]
    a = load(user, nh["assessment"])
    before = snapshot(a)
    with pytest.raises(services.NotAllowed):
        save(a, user)
    assert snapshot(a) == before


def test_another_states_assessment_is_not_even_found(nh, two_states):
    from django.http import Http404

    vt_staff = two_states["VT"]["users"][Role.STATE_STAFF]
    with pytest.raises(Http404):
        load(vt_staff, nh["assessment"])


def test_a_stale_object_of_another_state_cannot_be_saved_either(nh, two_states):
    """Even handed an assessment object directly, the service asks the selectors."""
    vt_staff = two_states["VT"]["users"][Role.STATE_STAFF]
    a = load(nh["staff"], nh["assessment"])
    before = snapshot(a)
    with pytest.raises(services.NotAllowed):
        save(a, vt_staff)
    assert snapshot(a) == before


# --- workflow ---------------------------------------------------------------------------


def test_submitting_an_incomplete_assessment_lists_what_is_missing(nh):
    a = load(nh["staff"], nh["assessment"])
    save(a, nh["staff"], indicator="BL-01", rating=3)
    with pytest.raises(services.AssessmentIncomplete) as caught:
        services.assessment_submit(assessment=a, user=nh["staff"], version=a.version)
    missing = [spec.code for spec in caught.value.missing]
    assert "BL-01" not in missing and "BL-02" in missing
    assert len(missing) == len(all_codes(a)) - 1
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.DRAFT


def test_dont_know_counts_as_an_answer_for_submitting(nh):
    a = load(nh["staff"], nh["assessment"])
    for code in all_codes(a):
        save(a, nh["staff"], indicator=code, rating=None, dont_know=True)
    services.assessment_submit(assessment=a, user=nh["staff"], version=a.version)
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.SUBMITTED


def test_the_full_workflow_by_the_right_roles(nh):
    staff, admin = nh["staff"], nh["admin"]
    a = answer_everything(nh["assessment"], staff)
    services.assessment_submit(assessment=a, user=staff, version=a.version)
    a = load(admin, a)
    assert a.status == Assessment.Status.SUBMITTED and a.submitted_at
    services.assessment_return(
        assessment=a,
        user=admin,
        version=a.version,
        note="Please look again at two answers.",
        indicator_notes={"BL-01": "The device count is from 2019.", "BL-02": "  "},
    )
    a = load(staff, a)
    assert a.status == Assessment.Status.RETURNED
    notes = Comment.objects.filter(assessment=a, is_return_note=True)
    assert {(c.indicator.code if c.indicator else None) for c in notes} == {None, "BL-01"}
    # Staff fix an answer and submit again.
    version = Answer.objects.get(assessment=a, indicator__code="BL-01").version
    save(a, staff, indicator="BL-01", rating=2, evidence="2026 count", version=version)
    services.assessment_submit(assessment=a, user=staff, version=a.version)
    a = load(admin, a)
    services.assessment_accept(assessment=a, user=admin, version=a.version)
    a = load(staff, a)
    assert a.status == Assessment.Status.ACCEPTED and a.is_locked and a.accepted_at
    statuses = list(
        Assessment.history.filter(id=a.pk)
        .order_by("history_date")
        .values_list("status", "history_user__username")
    )
    assert [s for s, _ in statuses] == ["draft", "submitted", "returned", "submitted", "accepted"]
    assert statuses[2][1] == admin.username and statuses[1][1] == staff.username


def test_a_locked_assessment_refuses_every_edit_with_a_clear_message(nh):
    staff, admin = nh["staff"], nh["admin"]
    a = answer_everything(nh["assessment"], staff)
    services.assessment_submit(assessment=a, user=staff, version=a.version)
    a = load(admin, a)
    services.assessment_accept(assessment=a, user=admin, version=a.version)
    for user in (staff, admin, nh["users"][Role.DISTRICT_LEADER]):
        a = load(user, a)
        before = snapshot(a)
        with pytest.raises(services.AssessmentLocked) as caught:
            save(a, user, version=1, rating=1)
        assert caught.value.status == 423
        assert "locked" in caught.value.message
        assert snapshot(a) == before
    with pytest.raises(services.AssessmentLocked):
        services.assessment_submit(assessment=load(staff, a), user=staff, version=a.version)
    with pytest.raises(services.AssessmentChanged):
        services.assessment_accept(assessment=load(admin, a), user=admin, version=a.version)


def test_a_submitted_assessment_refuses_answer_changes(nh):
    staff = nh["staff"]
    a = answer_everything(nh["assessment"], staff)
    services.assessment_submit(assessment=a, user=staff, version=a.version)
    a = load(staff, a)
    with pytest.raises(services.AssessmentLocked) as caught:
        save(a, staff, version=1, rating=1)
    assert "submitted for review" in caught.value.message


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_only_state_staff_submit(nh, role):
    a = answer_everything(nh["assessment"], nh["staff"])
    user = nh["users"][role]
    a = load(user, a)
    with pytest.raises(services.NotAllowed):
        services.assessment_submit(assessment=a, user=user, version=a.version)
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.DRAFT


def test_a_national_admin_may_submit_and_review(nh, two_states):
    national = two_states["national"]
    a = answer_everything(nh["assessment"], nh["staff"])
    a = load(national, a)
    services.assessment_submit(assessment=a, user=national, version=a.version)
    services.assessment_accept(assessment=a, user=national, version=a.version)
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.ACCEPTED


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_only_a_state_administrator_accepts_or_returns(nh, role):
    a = answer_everything(nh["assessment"], nh["staff"])
    services.assessment_submit(assessment=a, user=nh["staff"], version=a.version)
    user = nh["users"][role]
    a = load(user, a)
    before = snapshot(a)
    with pytest.raises(services.NotAllowed):
        services.assessment_accept(assessment=a, user=user, version=a.version)
    with pytest.raises(services.NotAllowed):
        services.assessment_return(assessment=a, user=user, version=a.version, note="No")
    assert snapshot(a) == before


def test_another_states_administrator_cannot_review(nh, two_states):
    a = answer_everything(nh["assessment"], nh["staff"])
    services.assessment_submit(assessment=a, user=nh["staff"], version=a.version)
    vt_admin = two_states["VT"]["users"][Role.STATE_ADMIN]
    a = Assessment.objects.select_related("lea", "cycle__framework").get(pk=a.pk)
    with pytest.raises(services.NotAllowed):
        services.assessment_accept(assessment=a, user=vt_admin, version=a.version)


def test_returning_needs_a_note(nh):
    a = answer_everything(nh["assessment"], nh["staff"])
    services.assessment_submit(assessment=a, user=nh["staff"], version=a.version)
    a = load(nh["admin"], a)
    before = snapshot(a)
    with pytest.raises(services.AnswerInvalid) as caught:
        services.assessment_return(
            assessment=a, user=nh["admin"], version=a.version, indicator_notes={"BL-01": " "}
        )
    assert "note" in caught.value.message
    with pytest.raises(services.AnswerInvalid):
        services.assessment_return(
            assessment=a, user=nh["admin"], version=a.version, indicator_notes={"XX-1": "Hm"}
        )
    assert snapshot(a) == before


def test_a_transition_from_a_stale_page_is_refused(nh):
    """The reviewer's page showed version n; a later change makes their decision stale."""
    staff = nh["staff"]
    a = answer_everything(nh["assessment"], staff)
    seen = a.version
    save(a, staff, indicator="BL-01", rating=1, version=1)  # someone saves meanwhile
    with pytest.raises(services.AssessmentChanged) as caught:
        services.assessment_submit(assessment=load(staff, a), user=staff, version=seen)
    assert caught.value.status == 409
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.DRAFT


def test_district_leaders_comment_on_their_own_lea_only(nh, two_states):
    leader = nh["users"][Role.DISTRICT_LEADER]
    a = load(leader, nh["assessment"])
    comment = services.comment_add(
        assessment=a, user=leader, body="We bought devices in May.", indicator="BL-01"
    )
    assert comment.indicator.code == "BL-01" and comment.author == leader
    other = Assessment.objects.create(lea=nh["leas"][1], cycle=nh["cycle"])
    other = Assessment.objects.select_related("lea", "cycle__framework").get(pk=other.pk)
    with pytest.raises(services.NotAllowed):
        services.comment_add(assessment=other, user=leader, body="Hello")
    task_force = nh["users"][Role.TASK_FORCE]
    with pytest.raises(services.NotAllowed):
        services.comment_add(assessment=load(task_force, a), user=task_force, body="Hi")


def test_comments_are_checked(nh):
    a = load(nh["staff"], nh["assessment"])
    with pytest.raises(services.AnswerInvalid):
        services.comment_add(assessment=a, user=nh["staff"], body="   ")
    with pytest.raises(services.AnswerInvalid):
        services.comment_add(assessment=a, user=nh["staff"], body="x" * (EVIDENCE_MAX_LENGTH + 1))
    with pytest.raises(services.AnswerInvalid):
        services.comment_add(assessment=a, user=nh["staff"], body="Hi", indicator="NOPE")
    assert Comment.objects.count() == 0


def test_starting_an_assessment_is_idempotent_and_assigns_the_staff_member(nh):
    lea, cycle = nh["leas"][1], nh["cycle"]
    first = services.assessment_start(user=nh["staff"], lea=lea, cycle=cycle)
    again = services.assessment_start(user=nh["staff2"], lea=lea, cycle=cycle)
    assert first.pk == again.pk and first.assignee == nh["staff"]
    assert Assessment.history.filter(id=first.pk).get().history_user == nh["staff"]
    with pytest.raises(services.NotAllowed):
        services.assessment_start(user=nh["users"][Role.DISTRICT_LEADER], lea=lea, cycle=cycle)


def test_activity_lists_answer_and_status_changes_in_two_queries(nh, django_assert_num_queries):
    staff, admin = nh["staff"], nh["admin"]
    a = answer_everything(nh["assessment"], staff)
    save(a, staff, indicator="BL-01", rating=1, evidence="a", version=1)
    save(a, staff, indicator="BL-01", rating=1, evidence="ab", version=2)
    save(a, staff, indicator="BL-01", rating=1, evidence="abc", version=3)
    services.assessment_submit(assessment=a, user=staff, version=a.version)
    a = load(admin, a)
    with django_assert_num_queries(2):
        entries = assessment_selectors.assessment_activity(assessment=a)
    assert entries[0].summary == "Submitted for review" and entries[0].kind == "status"
    bl01 = [e for e in entries if e.indicator == "BL-01"]
    assert bl01[0].summary == "Edited the evidence note" and bl01[0].saves == 2
    assert bl01[1].summary.startswith("Changed the rating to 1 · Not yet (was 3 · Developing)")
    assert entries[-1].summary == "Started the needs assessment"
    assert len([e for e in entries if e.kind == "answer"]) == len(all_codes(a)) + 2


def test_a_save_racing_with_acceptance_is_refused_and_rolled_back(nh):
    """The page was loaded while the assessment was a draft; it is accepted before the
    save arrives. The save's write is undone and the user is told it is locked."""
    staff, admin = nh["staff"], nh["admin"]
    a = answer_everything(nh["assessment"], staff)
    stale = load(staff, a)  # still says draft
    services.assessment_submit(assessment=load(staff, a), user=staff, version=a.version)
    fresh = load(admin, a)
    services.assessment_accept(assessment=fresh, user=admin, version=fresh.version)
    before = snapshot(a)
    assert stale.status == Assessment.Status.DRAFT
    with pytest.raises(services.AssessmentLocked):
        save(stale, staff, indicator="BL-01", rating=1, version=1)
    assert snapshot(a) == before
