"""Writes to needs assessments: starting one, saving answers, comments and the review
workflow (draft -> submitted -> accepted, or returned -> submitted again).

Every function takes an assessment the caller found through the scoping selectors
(`selectors.assessment_get_for_user`, loaded with its LEA, cycle and framework), checks
that the user may do this now, and writes with conditional updates, so two people never
silently overwrite each other:

- an answer carries a version; a save names the version it started from and is
  refused (AnswerConflict, with the other person's answer) when that is stale;
- the assessment carries a version too, bumped by every save and every transition; a
  transition names the version the user saw, and a save's score update checks that
  nothing else was saved in between (and retries if so), so the stored scores always
  match the answers.

Errors are AssessmentError subclasses with an HTTP status and a message fit to show.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from access import selectors
from accounts.models import Role, User
from cbe_portal import figures
from cbe_portal.notices import notify_accepted, notify_returned, notify_submitted
from directory.models import LEA, State
from frameworks.models import FrameworkVersion, Indicator
from frameworks.selectors import framework_for_new_cycles

from . import selectors as assessment_selectors
from .models import (
    EVIDENCE_MAX_LENGTH,
    Answer,
    Assessment,
    AssessmentCycle,
    Comment,
    DistrictRating,
)
from .scores import assessment_compute, assessment_score_fields
from .scoring import ScoreResult

SAVE_ATTEMPTS = 3
# PostgreSQL cannot store a NUL character in text (SQLite can): refused everywhere alike.
NUL = "\x00"
_NUL_MESSAGE = (
    "The {what} contains a NUL character (\\0), which cannot be stored. Remove it and save again."
)
RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock detected, serialization failure


CYCLE_CLOSED_MESSAGE = (
    "This assessment's cycle is closed: everything in it can still be read, but nothing "
    "can be changed, submitted or reviewed."
)


class AssessmentError(Exception):
    """A refused request: `status` is the HTTP status, `message` what to tell the user,
    `field` the input it is about, when it is about one (for an API's error fields)."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AnswerInvalid(AssessmentError):
    status = 400
    code = "invalid"


class NotAllowed(AssessmentError):
    status = 403
    code = "not_allowed"


class AssessmentLocked(AssessmentError):
    """Submitted (under review) or accepted: answers are read-only."""

    status = 423
    code = "locked"


class AssessmentChanged(AssessmentError):
    """The assessment moved on since the user loaded the page (transitions)."""

    status = 409
    code = "assessment_changed"


class AssessmentBusy(AssessmentError):
    status = 503
    code = "busy"


class AssessmentIncomplete(AssessmentError):
    status = 400
    code = "incomplete"

    def __init__(self, message: str, *, missing: list):
        super().__init__(message)
        self.missing = missing


class AnswerConflict(AssessmentError):
    """Someone saved this indicator since the user loaded it. `theirs` is their answer."""

    status = 409
    code = "answer_conflict"

    def __init__(self, message: str, *, theirs: Answer | None):
        super().__init__(message)
        self.theirs = theirs


@dataclass(frozen=True)
class AnswerSaved:
    indicator: str
    version: int
    saved_at: datetime
    answered: int
    total: int
    domain_answered: dict[str, int]


def _person(user: User | None) -> str:
    if user is None:
        return "someone no longer on the portal"
    return user.get_full_name() or user.get_username()


def _counts(result: ScoreResult) -> tuple[int, int, dict[str, int]]:
    domains = {d.code: d.rated + d.dont_know for d in result.domains}
    return result.rated + result.dont_know, result.total, domains


def _stored_counts(assessment: Assessment) -> tuple[int, int, dict[str, int]]:
    scores = assessment.scores or {}
    domains = {d["code"]: d["rated"] + d["dont_know"] for d in scores.get("domains", [])}
    return assessment.answered_count, scores.get("total", 0), domains


def assessment_check_answerable(*, user: User, assessment: Assessment) -> None:
    """Raise AssessmentLocked or NotAllowed, with a message fit to show, unless the user
    may change answers now."""
    if selectors.user_can_answer(user=user, assessment=assessment):
        return
    if not selectors.assessment_in_open_cycle(assessment):
        raise AssessmentLocked(CYCLE_CLOSED_MESSAGE)
    if assessment.status == Assessment.Status.ACCEPTED:
        when = timezone.localtime(assessment.accepted_at) if assessment.accepted_at else None
        on = f" on {when:%B} {when.day}, {when.year}" if when else ""
        raise AssessmentLocked(
            f"This assessment was accepted{on} and is locked: its answers can no longer change."
        )
    if assessment.status == Assessment.Status.SUBMITTED:
        raise AssessmentLocked(
            "This assessment has been submitted for review. Its answers can change again "
            "only if the reviewer returns it."
        )
    raise NotAllowed("Your role lets you read this assessment but not change its answers.")


def answer_check(
    *,
    assessment: Assessment,
    indicator: str,
    rating: int | None,
    dont_know: bool,
    evidence: str,
    version: int,
) -> None:
    """Raise AnswerInvalid unless the answer fits the assessment's framework version."""
    framework = assessment.cycle.framework.spec
    if indicator not in framework.indicator_by_code:
        raise AnswerInvalid(
            f"Indicator {indicator!r} is not part of framework {framework.label}.",
            field="indicator",
        )
    values = list(framework.rating_labels)
    if rating is not None and (
        isinstance(rating, bool) or not isinstance(rating, int) or rating not in values
    ):
        allowed = ", ".join(str(v) for v in values)
        raise AnswerInvalid(
            f"A rating must be one of {allowed}; {rating!r} is not.", field="rating"
        )
    if rating is not None and dont_know:
        raise AnswerInvalid('Choose either a rating or "Don\'t know", not both.', field="dont_know")
    if len(evidence) > EVIDENCE_MAX_LENGTH:
        raise AnswerInvalid(
            f"The evidence note is {len(evidence):,} characters long; "
            f"the limit is {EVIDENCE_MAX_LENGTH:,}. Shorten it to save.",
            field="evidence",
        )
    if NUL in evidence:
        raise AnswerInvalid(_NUL_MESSAGE.format(what="evidence note"), field="evidence")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise AnswerInvalid(
            "The answer's version is missing or not a whole number.", field="version"
        )


def _upsert_sql() -> str:
    """One statement that inserts a first answer or updates the answer at the version the
    user started from, and returns the other answers of the assessment for rescoring.

    The insert-or-update (ON CONFLICT ... DO UPDATE ... WHERE version = n) also settles two
    people racing to give a first answer: the second one gets no row back, i.e. a
    conflict. The subquery in RETURNING leaves out the saved indicator (SQLite would see
    the new row, PostgreSQL the old one); the caller adds it back.
    """
    qn = connection.ops.quote_name
    answer, indicator = qn(Answer._meta.db_table), qn(Indicator._meta.db_table)
    if connection.vendor == "postgresql":
        rows = "json_agg(json_build_array(i.code, o.rating, o.dont_know))"
    else:
        rows = "json_group_array(json_array(i.code, o.rating, o.dont_know))"
    # Only table names and a function name are formatted in; every value is a parameter.
    return f"""
        INSERT INTO {answer}
            (assessment_id, indicator_id, rating, dont_know, evidence, version,
             updated_by_id, updated_at)
        VALUES (%s, (SELECT id FROM {indicator} WHERE framework_id = %s AND code = %s),
                %s, %s, %s, 1, %s, %s)
        ON CONFLICT (assessment_id, indicator_id) DO UPDATE SET
            rating = excluded.rating,
            dont_know = excluded.dont_know,
            evidence = excluded.evidence,
            updated_by_id = excluded.updated_by_id,
            updated_at = excluded.updated_at,
            version = {answer}.version + 1
        WHERE {answer}.version = %s
        RETURNING id, indicator_id, version,
            (SELECT {rows} FROM {answer} o JOIN {indicator} i ON i.id = o.indicator_id
             WHERE o.assessment_id = %s AND o.indicator_id <> {answer}.indicator_id)
    """  # noqa: S608


def _assessment_lock_and_refresh(assessment: Assessment) -> None:
    fresh = (
        Assessment.objects.select_for_update()
        .values("version", "status", "accepted_at", "submitted_at")
        .get(pk=assessment.pk)
    )
    for key, value in fresh.items():
        setattr(assessment, key, value)


class _AssessmentMoved(Exception):
    """Another save or a transition changed the assessment after it was loaded."""


def answer_save(
    *,
    assessment: Assessment,
    user: User,
    indicator: str,
    rating: int | None,
    dont_know: bool,
    evidence: str,
    version: int,
) -> AnswerSaved:
    """Save one answer given at `version` (0 for a first answer) and rescore.

    Three SQL statements when nothing else is going on: the insert-or-update returning
    the other answers, the history row, and one UPDATE of the assessment that stores the
    new scores and answer count, bumps its version and checks it is still editable.
    Raises AnswerInvalid, NotAllowed, AssessmentLocked or AnswerConflict; nothing
    changes when it raises.
    """
    answer_check(
        assessment=assessment,
        indicator=indicator,
        rating=rating,
        dont_know=dont_know,
        evidence=evidence,
        version=version,
    )
    lock = False
    for _attempt in range(SAVE_ATTEMPTS):
        assessment_check_answerable(user=user, assessment=assessment)
        try:
            with transaction.atomic():
                if lock:
                    _assessment_lock_and_refresh(assessment)
                    assessment_check_answerable(user=user, assessment=assessment)
                return _answer_write(
                    assessment=assessment,
                    user=user,
                    indicator=indicator,
                    rating=rating,
                    dont_know=dont_know,
                    evidence=evidence,
                    version=version,
                )
        except OperationalError as exc:
            # A save holding this answer's row while waiting for the assessment's row
            # can deadlock with a retry holding the assessment's row (PostgreSQL picks
            # one to abort): that one simply tries again.
            if getattr(exc.__cause__, "pgcode", None) not in RETRYABLE_PGCODES:
                raise
            lock = True
        except _AssessmentMoved:
            # Someone else saved (or the status changed) since the assessment was
            # loaded. Try again on top of their change; where the database can, hold
            # the assessment's row while doing so, so the next attempt cannot lose again.
            if connection.features.has_select_for_update:
                lock = True
            else:
                assessment.refresh_from_db()
    raise AssessmentBusy("Many saves are arriving for this assessment at once; try again.")


def _answer_write(
    *,
    assessment: Assessment,
    user: User,
    indicator: str,
    rating: int | None,
    dont_know: bool,
    evidence: str,
    version: int,
) -> AnswerSaved:
    now = timezone.now()
    framework_id = assessment.cycle.framework_id
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql(),
            [
                assessment.pk,
                framework_id,
                indicator,
                rating,
                dont_know,
                evidence,
                user.pk,
                connection.ops.adapt_datetimefield_value(now),
                version,
                assessment.pk,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        theirs = (
            Answer.objects.select_related("updated_by")
            .filter(assessment=assessment, indicator__code=indicator)
            .first()
        )
        same = theirs is not None and (theirs.rating, theirs.dont_know, theirs.evidence) == (
            rating,
            dont_know,
            evidence,
        )
        if same and theirs is not None:
            # Both people gave the same answer: nothing to choose between.
            answered, total, domains = _stored_counts(assessment)
            return AnswerSaved(
                indicator, theirs.version, theirs.updated_at, answered, total, domains
            )
        who = _person(theirs.updated_by if theirs else None)
        raise AnswerConflict(
            f"{who} changed this answer after you opened it. Compare the two answers and "
            "choose which one to keep.",
            theirs=theirs,
        )
    answer_id, indicator_id, new_version, others = row
    if isinstance(others, str):
        others = json.loads(others)
    rows = [(code, r, bool(dk)) for code, r, dk in (others or [])]
    rows.append((indicator, rating, dont_know))

    history = Answer.history.model
    history.objects.bulk_create(
        [
            history(
                id=answer_id,
                assessment_id=assessment.pk,
                indicator_id=indicator_id,
                rating=rating,
                dont_know=dont_know,
                evidence=evidence,
                version=new_version,
                updated_by_id=user.pk,
                updated_at=now,
                history_date=now,
                history_type="+" if new_version == 1 else "~",
                history_user_id=user.pk,
            )
        ]
    )

    result = assessment_compute(assessment=assessment, rows=rows)
    fields = assessment_score_fields(result)
    fields["scored_with_id"] = framework_id
    updated = Assessment.objects.filter(
        pk=assessment.pk,
        version=assessment.version,
        status__in=selectors.ASSESSMENT_EDITABLE_STATUSES,
    ).update(**fields, version=F("version") + 1, updated_at=now)
    if not updated:
        raise _AssessmentMoved
    figures.cycle_figures_changed(cycle_id=assessment.cycle_id)
    for key, value in fields.items():
        setattr(assessment, key, value)
    assessment.version += 1
    answered, total, domains = _counts(result)
    return AnswerSaved(indicator, new_version, now, answered, total, domains)


# --- starting and the review workflow --------------------------------------------------


def assessment_start(*, user: User, lea: LEA, cycle: AssessmentCycle) -> Assessment:
    """Create the LEA's assessment for the cycle (or return the one that exists)."""
    assessment, _created = assessment_get_or_start(user=user, lea=lea, cycle=cycle)
    return assessment


def assessment_get_or_start(
    *, user: User, lea: LEA, cycle: AssessmentCycle
) -> tuple[Assessment, bool]:
    """`assessment_start`, also saying whether the assessment was created now (True) or
    existed already (False), for an API that answers 201 or 200."""
    if not selectors.user_can_start_assessment(user=user, lea=lea, cycle=cycle):
        raise NotAllowed("You can't start a needs assessment for this LEA in this cycle.")
    existing = Assessment.objects.filter(lea=lea, cycle=cycle).first()
    if existing is not None:
        return existing, False
    assessment = Assessment(
        lea=lea, cycle=cycle, assignee=user if user.role == Role.STATE_STAFF else None
    )
    assessment._history_user = user  # type: ignore[attr-defined]  # read by simple_history
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:
        return Assessment.objects.get(lea=lea, cycle=cycle), False
    figures.cycle_figures_changed(cycle_id=cycle.pk)
    return assessment, True


def _history_add(*, assessment: Assessment, user: User, when: datetime, reason: str) -> None:
    history = Assessment.history.model
    values = {f.attname: getattr(assessment, f.attname) for f in history.tracked_fields}
    history.objects.bulk_create(
        [
            history(
                **values,
                history_date=when,
                history_type="~",
                history_user_id=user.pk,
                history_change_reason=reason,
            )
        ]
    )


def _transition(
    *,
    assessment: Assessment,
    user: User,
    version: int,
    allowed_from: tuple,
    to: str,
    reason: str,
    now: datetime,
    extra: dict | None = None,
) -> None:
    """Move the assessment to `to` if it is still at `version` in one of `allowed_from`.
    Call inside a transaction."""
    extra = extra or {}
    updated = Assessment.objects.filter(
        pk=assessment.pk, version=version, status__in=allowed_from
    ).update(status=to, version=F("version") + 1, updated_at=now, **extra)
    if not updated:
        raise AssessmentChanged(
            "This assessment changed after you opened the page (an answer was saved or its "
            "status changed). Reload the page, check it, and try again."
        )
    figures.cycle_figures_changed(cycle_id=assessment.cycle_id)
    assessment.status = to
    assessment.version = version + 1
    for key, value in extra.items():
        setattr(assessment, key, value)
    _history_add(assessment=assessment, user=user, when=now, reason=reason)


def assessment_submit(*, assessment: Assessment, user: User, version: int) -> Assessment:
    """Submit for review: only when every indicator is rated or marked "don't know".
    Raises AssessmentIncomplete with the missing indicators otherwise."""
    if not selectors.user_can_submit(user=user, assessment=assessment):
        if not selectors.assessment_in_open_cycle(assessment):
            raise AssessmentLocked(CYCLE_CLOSED_MESSAGE)
        if assessment.status not in selectors.ASSESSMENT_EDITABLE_STATUSES:
            raise AssessmentLocked(
                f"This assessment is {assessment.get_status_display().lower()}; "
                "it can't be submitted again."
            )
        raise NotAllowed("Only state staff can submit a needs assessment for review.")
    answers = assessment_selectors.assessment_answers(assessment=assessment)
    missing = assessment_selectors.assessment_missing_indicators(
        assessment=assessment, answers=answers
    )
    if missing:
        n = len(missing)
        raise AssessmentIncomplete(
            f"{n} indicator{'s' if n != 1 else ''} still need{'s' if n == 1 else ''} a "
            'rating or "Don\'t know" before the assessment can be submitted.',
            missing=missing,
        )
    now = timezone.now()
    with transaction.atomic():
        _transition(
            assessment=assessment,
            user=user,
            version=version,
            allowed_from=selectors.ASSESSMENT_EDITABLE_STATUSES,
            to=Assessment.Status.SUBMITTED,
            reason="submitted",
            now=now,
            extra={"submitted_at": now},
        )
        notify_submitted(assessment_id=assessment.pk, actor_id=user.pk)
    return assessment


def _refuse_review(*, user: User, assessment: Assessment) -> None:
    if selectors.user_can_review(user=user, assessment=assessment):
        return
    if not selectors.assessment_in_open_cycle(assessment):
        raise AssessmentLocked(CYCLE_CLOSED_MESSAGE)
    if assessment.status != Assessment.Status.SUBMITTED:
        raise AssessmentChanged(
            f"Only a submitted assessment can be reviewed; this one is "
            f"{assessment.get_status_display().lower()}."
        )
    raise NotAllowed("Only a state administrator can accept or return a needs assessment.")


def _clean_note(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if len(text) > EVIDENCE_MAX_LENGTH:
        raise AnswerInvalid(
            f"The {what} is {len(text):,} characters long; the limit is {EVIDENCE_MAX_LENGTH:,}."
        )
    if NUL in text:
        raise AnswerInvalid(_NUL_MESSAGE.format(what=what))
    return text


def _indicator_ids(assessment: Assessment, codes) -> dict[str, int]:
    codes = list(codes)
    if not codes:
        return {}
    framework = assessment.cycle.framework.spec
    unknown = [c for c in codes if c not in framework.indicator_by_code]
    if unknown:
        raise AnswerInvalid(f"Indicator {unknown[0]!r} is not part of framework {framework.label}.")
    return dict(
        Indicator.objects.filter(
            framework_id=assessment.cycle.framework_id, code__in=codes
        ).values_list("code", "id")
    )


def assessment_return(
    *,
    assessment: Assessment,
    user: User,
    version: int,
    note: str = "",
    indicator_notes: Mapping[str, str] | None = None,
) -> Assessment:
    """Send a submitted assessment back to staff with at least one note: on the whole
    assessment and/or per indicator. The notes become return-note comments."""
    _refuse_review(user=user, assessment=assessment)
    note = _clean_note(note, what="note")
    per_indicator = {
        code: _clean_note(text, what=f"note on {code}")
        for code, text in (indicator_notes or {}).items()
    }
    per_indicator = {code: text for code, text in per_indicator.items() if text}
    if not note and not per_indicator:
        raise AnswerInvalid(
            "Say what needs to change: write a note on at least one indicator or on the "
            "whole assessment before returning it."
        )
    ids = _indicator_ids(assessment, per_indicator)
    now = timezone.now()
    comments = []
    if note:
        comments.append(Comment(assessment=assessment, author=user, body=note, is_return_note=True))
    comments += [
        Comment(
            assessment=assessment,
            indicator_id=ids[code],
            author=user,
            body=text,
            is_return_note=True,
        )
        for code, text in per_indicator.items()
    ]
    with transaction.atomic():
        _transition(
            assessment=assessment,
            user=user,
            version=version,
            allowed_from=(Assessment.Status.SUBMITTED,),
            to=Assessment.Status.RETURNED,
            reason="returned",
            now=now,
        )
        Comment.objects.bulk_create(comments)
        notify_returned(assessment_id=assessment.pk, actor_id=user.pk)
    return assessment


def assessment_accept(
    *, assessment: Assessment, user: User, version: int, note: str = ""
) -> Assessment:
    """Accept a submitted assessment: it is locked from then on. An optional note is kept
    as a comment."""
    _refuse_review(user=user, assessment=assessment)
    note = _clean_note(note, what="note")
    now = timezone.now()
    with transaction.atomic():
        _transition(
            assessment=assessment,
            user=user,
            version=version,
            allowed_from=(Assessment.Status.SUBMITTED,),
            to=Assessment.Status.ACCEPTED,
            reason="accepted",
            now=now,
            extra={"accepted_at": now},
        )
        if note:
            Comment.objects.create(assessment=assessment, author=user, body=note)
        notify_accepted(assessment_id=assessment.pk, actor_id=user.pk)
    return assessment


def comment_add(
    *, assessment: Assessment, user: User, body: str, indicator: str | None = None
) -> Comment:
    """A comment on the assessment or on one of its indicators."""
    if not selectors.user_can_comment(user=user, assessment=assessment):
        raise NotAllowed("Your role can read this assessment but not comment on it.")
    body = _clean_note(body, what="comment")
    if not body:
        raise AnswerInvalid("Write a comment before posting it.")
    indicator_id = None
    if indicator:
        indicator_id = _indicator_ids(assessment, [indicator])[indicator]
    return Comment.objects.create(
        assessment=assessment, indicator_id=indicator_id, author=user, body=body
    )


# --- the district's own view -----------------------------------------------------------


class DistrictRatingConflict(AssessmentError):
    """Someone changed the district's rating of this indicator since the user loaded it.
    `theirs` is the stored rating."""

    status = 409
    code = "district_rating_conflict"

    def __init__(self, message: str, *, theirs: DistrictRating | None):
        super().__init__(message)
        self.theirs = theirs


def district_rating_check_allowed(*, user: User, assessment: Assessment) -> None:
    """Raise AssessmentLocked or NotAllowed, with a message fit to show, unless the user
    may give the district's view of this assessment now."""
    if selectors.user_can_rate_as_district(user=user, assessment=assessment):
        return
    if assessment.status == Assessment.Status.ACCEPTED:
        raise AssessmentLocked(
            "This assessment has been accepted, so the district's view given beside it "
            "can no longer change."
        )
    raise NotAllowed("Only a district leader of this LEA can give the district's view.")


def district_rating_check(
    *, assessment: Assessment, indicator: str, level: int, note: str, version: int
) -> None:
    """Raise AnswerInvalid unless the rating fits the assessment's framework version."""
    framework = assessment.cycle.framework.spec
    if indicator not in framework.indicator_by_code:
        raise AnswerInvalid(
            f"Indicator {indicator!r} is not part of framework {framework.label}.",
            field="indicator",
        )
    values = list(framework.rating_labels)
    if isinstance(level, bool) or not isinstance(level, int) or level not in values:
        allowed = ", ".join(str(v) for v in values)
        raise AnswerInvalid(
            f"The district's level must be one of {allowed}; {level!r} is not.", field="level"
        )
    if not isinstance(note, str) or len(note) > EVIDENCE_MAX_LENGTH:
        length = len(note) if isinstance(note, str) else 0
        raise AnswerInvalid(
            f"The district's note is {length:,} characters long; "
            f"the limit is {EVIDENCE_MAX_LENGTH:,}. Shorten it to save.",
            field="note",
        )
    if NUL in note:
        raise AnswerInvalid(_NUL_MESSAGE.format(what="district's note"), field="note")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise AnswerInvalid(
            "The rating's version is missing or not a whole number.", field="version"
        )


def district_rating_save(
    *,
    assessment: Assessment,
    user: User,
    indicator: str,
    level: int,
    note: str,
    version: int,
) -> DistrictRating:
    """Save the district's rating of one indicator, given at `version` (0 for a first
    rating), with the same rule as answers: a stale version is refused
    (DistrictRatingConflict, with the stored rating) and nothing changes. The
    assessment, its answers and its scores are not touched.

    Raises AnswerInvalid, NotAllowed, AssessmentLocked or DistrictRatingConflict."""
    district_rating_check_allowed(user=user, assessment=assessment)
    district_rating_check(
        assessment=assessment, indicator=indicator, level=level, note=note, version=version
    )
    indicator_id = _indicator_ids(assessment, [indicator])[indicator]
    now = timezone.now()
    with transaction.atomic():
        # Hold the assessment's status while writing, so an acceptance arriving now
        # either comes first (and the rating is refused) or waits for it.
        status = (Assessment.objects.select_for_update().values_list("status", flat=True)).get(
            pk=assessment.pk
        )
        assessment.status = status
        district_rating_check_allowed(user=user, assessment=assessment)
        rows = DistrictRating.objects.filter(
            assessment=assessment, indicator_id=indicator_id, version=version
        )
        if version == 0:
            try:
                with transaction.atomic():
                    rating = DistrictRating.objects.create(
                        assessment=assessment,
                        indicator_id=indicator_id,
                        level=level,
                        note=note,
                        updated_by=user,
                    )
                    # simple_history wrote the history row on create.
                    return rating
            except IntegrityError:
                pass  # someone gave a first rating meanwhile: a conflict, below
        elif rows.update(
            level=level, note=note, updated_by=user, updated_at=now, version=F("version") + 1
        ):
            rating = DistrictRating.objects.get(assessment=assessment, indicator_id=indicator_id)
            history = DistrictRating.history.model
            history.objects.bulk_create(
                [
                    history(
                        id=rating.pk,
                        assessment_id=assessment.pk,
                        indicator_id=indicator_id,
                        level=level,
                        note=note,
                        version=rating.version,
                        updated_by_id=user.pk,
                        updated_at=now,
                        history_date=now,
                        history_type="~",
                        history_user_id=user.pk,
                    )
                ]
            )
            return rating
    theirs = (
        DistrictRating.objects.select_related("updated_by")
        .filter(assessment=assessment, indicator_id=indicator_id)
        .first()
    )
    if theirs is not None and (theirs.level, theirs.note) == (level, note):
        return theirs  # both gave the same rating: nothing to choose between
    if theirs is None:
        raise DistrictRatingConflict(
            f"The district has not rated {indicator} yet, so there is no version "
            f"{version} to change: send version 0 for a first rating.",
            theirs=None,
        )
    raise DistrictRatingConflict(
        f"{_person(theirs.updated_by if theirs else None)} changed the district's rating "
        f"of {indicator} after you opened it. Compare the two and choose which to keep.",
        theirs=theirs,
    )


# --- cycles ----------------------------------------------------------------------------


def cycle_create(
    *,
    state: State,
    name: str,
    starts_on: date,
    ends_on: date,
    framework: FrameworkVersion | None = None,
    is_open: bool = True,
) -> AssessmentCycle:
    """Open an assessment cycle. Without a framework it is scored with the newest loaded
    framework version (`framework_for_new_cycles`); a cycle keeps its version for good,
    so past cycles are never rescored under new rules."""
    framework = framework or framework_for_new_cycles()
    if framework is None:
        raise ValueError("No framework is loaded; load one with manage.py load_framework.")
    cycle = AssessmentCycle.objects.create(
        state=state,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        framework=framework,
        is_open=is_open,
    )
    figures.state_pages_changed(state_id=state.pk)  # its dashboards list the new cycle
    return cycle
