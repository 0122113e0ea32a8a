"""Writing and sending the portal's emails.

An event (an assessment submitted, a PDF ready...) becomes one OutgoingEmail row per
person who wants that kind of email (accounts.User.wants_email), with its subject and
both its parts rendered at once; each row is handed to the `email_send` task after the
transaction commits. The task sends it through Django's email backend and records the
attempt; a mail server that is down makes the task retry with Celery's backoff, and
after the last retry the row is marked failed with the server's answer, for the admin
to send again (`email_send_again`). The sweep hands over rows the broker never got.
"""

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotificationKind, User
from assessments.models import Assessment
from jobs.services import (
    job_claim,
    job_finish,
    job_give_up,
    job_release,
    job_requeue,
    job_sweep_stale,
)

from . import selectors
from .models import OutgoingEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
GAVE_UP = "Tried {n} times without reaching the mail server."


def absolute_url(path: str) -> str:
    """The address of a page of the portal, for a link in an email."""
    return f"{settings.SITE_URL}{path}"


def _assessment_url(assessment: Assessment, *, view: str = "readiness:assessment") -> str:
    return absolute_url(reverse(view, args=[assessment.pk]))


# --- queueing and sending --------------------------------------------------------------


def email_queue(
    *,
    user: User,
    kind: str,
    subject: str,
    template: str,
    context: dict,
    dedupe_key: str = "",
) -> OutgoingEmail | None:
    """Write one email to `user` (if they want this kind and have an address) from
    `notifications/email/<template>.txt` and `.html`, and hand it to a worker once the
    transaction commits. None when nothing was written (turned off, no address, or an
    email with this `dedupe_key` exists already)."""
    if not user.wants_email(kind):
        return None
    context = {**context, "user": user, "site_url": settings.SITE_URL, "subject": subject}
    settings_url = absolute_url(reverse("accounts:settings") + "#email")
    context["settings_url"] = settings_url
    email = OutgoingEmail(
        kind=kind,
        recipient=user,
        to_address=user.email,
        subject=subject[:200],
        body_text=render_to_string(f"notifications/email/{template}.txt", context),
        body_html=render_to_string(f"notifications/email/{template}.html", context),
        dedupe_key=dedupe_key,
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        if dedupe_key and OutgoingEmail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(lambda: email_enqueue(email_ids=[email.pk]), robust=True)
    return email


def email_enqueue(*, email_ids: list[int]) -> int:
    """Hand emails to the broker and note when. If the broker is down they stay queued
    (enqueued_at unchanged) and the sweep sends them later. Returns how many went."""
    from .tasks import email_send

    sent = []
    try:
        for email_id in email_ids:
            email_send.apply_async(args=[email_id], retry=False)
            sent.append(email_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure: leave the rest to the sweep
        logger.warning(
            "broker unavailable (%s: %s); %d emails left queued for the sweep",
            type(exc).__name__,
            exc,
            len(email_ids) - len(sent),
        )
    if sent:
        OutgoingEmail.objects.filter(pk__in=sent, status=OutgoingEmail.Status.QUEUED).update(
            enqueued_at=timezone.now()
        )
    return len(sent)


def email_deliver(*, email_id: int, task_id: str = "") -> bool:
    """Send one queued email through the configured backend. True when it went now.
    A mail server that cannot be reached (SMTPException, OSError) puts the row back in
    the queue with the error and is raised for the task to retry."""
    email = OutgoingEmail.objects.get(pk=email_id)
    if not job_claim(job=email, task_id=task_id, max_attempts=MAX_ATTEMPTS, gave_up=GAVE_UP):
        return False
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
    )
    message.attach_alternative(email.body_html, "text/html")
    try:
        message.send(fail_silently=False)
    except OSError as exc:  # smtplib.SMTPException is an OSError too
        job_release(job=email, error=_error_text(exc))
        raise
    return job_finish(job=email)


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 500 else text[:499] + "…"


def email_give_up(*, email_id: int) -> bool:
    """After the task's last retry: the email failed, keeping the server's last answer."""
    email = OutgoingEmail.objects.get(pk=email_id)
    if email.status not in (OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RUNNING):
        return False
    reason = email.error or "The mail server could not be reached."
    return job_give_up(job=email, error=f"Not sent after {email.attempts} tries. {reason}")


def email_send_again(*, emails: Iterable[OutgoingEmail]) -> int:
    """Queue failed emails afresh (an administrator's action). Returns how many."""
    ids = [
        email.pk
        for email in emails
        if email.status == OutgoingEmail.Status.FAILED
        and job_requeue(job=email, attempts=0, enqueued_at=None)
    ]
    if ids:
        transaction.on_commit(lambda: email_enqueue(email_ids=ids), robust=True)
    return len(ids)


def email_sweep(*, queued_for: int = 900) -> int:
    """Hand over again emails queued for longer than `queued_for` seconds since their
    last hand-over (or never handed over: the broker was down), and requeue those whose
    worker died while sending. Returns how many were handed over."""
    now = timezone.now()
    requeued, _failed = job_sweep_stale(
        jobs=OutgoingEmail.objects.all(),
        max_attempts=MAX_ATTEMPTS,
        gave_up=GAVE_UP,
        after=timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60),
    )
    cutoff = now - timedelta(seconds=queued_for)
    stuck = list(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED, created_at__lt=cutoff)
        .exclude(enqueued_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    return email_enqueue(email_ids=sorted(set(stuck) | set(requeued)))


# --- the events ------------------------------------------------------------------------


def _place(assessment: Assessment) -> str:
    return f"{assessment.lea.name} ({assessment.cycle})"


def assessments_assigned_notify(*, assessment_ids: list[int], assignee_id: int) -> int:
    """One email to the assignee listing every LEA just assigned to them."""
    assignee = User.objects.filter(pk=assignee_id).first()
    assessments = [
        a
        for a in selectors.assessments_for_notice(assessment_ids=assessment_ids)
        if a.assignee_id == assignee_id  # still theirs when the task runs
    ]
    if assignee is None or not assessments:
        return 0
    n = len(assessments)
    subject = (
        f"Assigned to you: the needs assessment of {_place(assessments[0])}"
        if n == 1
        else f"Assigned to you: {n} LEA needs assessments"
    )
    items = [{"assessment": a, "url": _assessment_url(a)} for a in assessments]
    email = email_queue(
        user=assignee,
        kind=NotificationKind.ASSIGNED,
        subject=subject,
        template="assigned",
        context={"items": items, "count": n},
    )
    return int(email is not None)


def assessment_submitted_notify(*, assessment_id: int, actor_id: int | None = None) -> int:
    """Tell each of the state's reviewers that the assessment awaits their review."""
    assessment = selectors.assessment_for_notice(assessment_id=assessment_id)
    if assessment.status != Assessment.Status.SUBMITTED:
        return 0  # reviewed (or returned) before the task ran: nothing to ask for
    context = {
        "assessment": assessment,
        "url": _assessment_url(assessment, view="readiness:assessment_review"),
    }
    queued = 0
    for reviewer in selectors.reviewers_for_state(state_id=assessment.lea.state_id):
        if reviewer.pk == actor_id:
            continue  # an administrator who submits does not review their own submission
        queued += (
            email_queue(
                user=reviewer,
                kind=NotificationKind.SUBMITTED,
                subject=f"Ready for your review: {_place(assessment)}",
                template="submitted",
                context=context,
            )
            is not None
        )
    return queued


def assessment_returned_notify(*, assessment_id: int, actor_id: int | None = None) -> int:
    """Tell the assignee that the assessment came back, with the reviewer's notes."""
    assessment = selectors.assessment_for_notice(assessment_id=assessment_id)
    assignee = assessment.assignee
    if assessment.status != Assessment.Status.RETURNED or assignee is None:
        return 0
    if assignee.pk == actor_id:
        return 0
    email = email_queue(
        user=assignee,
        kind=NotificationKind.RETURNED,
        subject=f"Returned with comments: {_place(assessment)}",
        template="returned",
        context={
            "assessment": assessment,
            "notes": selectors.return_notes(assessment=assessment),
            "url": _assessment_url(assessment),
        },
    )
    return int(email is not None)


def assessment_accepted_notify(*, assessment_id: int, actor_id: int | None = None) -> int:
    """Tell the assignee and the LEA's district leaders that the assessment is accepted."""
    assessment = selectors.assessment_for_notice(assessment_id=assessment_id)
    if assessment.status != Assessment.Status.ACCEPTED:
        return 0
    people = list(selectors.district_leaders_for_lea(lea_id=assessment.lea_id))
    if assessment.assignee is not None and assessment.assignee.is_active:
        people.insert(0, assessment.assignee)
    context = {
        "assessment": assessment,
        "url": absolute_url(
            reverse("lea_results", args=[assessment.lea.leaid, assessment.cycle_id])
        ),
    }
    queued = 0
    seen: set[int] = set()
    for person in people:
        if person.pk in seen or person.pk == actor_id:
            continue
        seen.add(person.pk)
        queued += (
            email_queue(
                user=person,
                kind=NotificationKind.ACCEPTED,
                subject=f"Accepted: the needs assessment of {_place(assessment)}",
                template="accepted",
                context=context,
            )
            is not None
        )
    return queued


def report_ready_notify(*, job_id: int) -> int:
    """Tell the person who asked for a readiness PDF that it can be downloaded. PDFs
    made for a batch are not announced one by one."""
    job = selectors.report_job_for_notice(job_id=job_id)
    if job.status != job.Status.DONE or job.requested_by is None or job.batch_id is not None:
        return 0
    what = "statewide report" if job.kind == job.Kind.STATE else "readiness report"
    email = email_queue(
        user=job.requested_by,
        kind=NotificationKind.REPORT_READY,
        subject=f"Ready to download: the {what} for {job.subject}",
        template="report_ready",
        context={
            "job": job,
            "what": what,
            "url": absolute_url(reverse("reports:job_detail", args=[job.pk])),
        },
        dedupe_key=f"report-ready:{job.pk}",
    )
    return int(email is not None)


def due_digest_send(*, today: date | None = None) -> int:
    """The daily reminder: one email per person listing all their LEAs due a week from
    today and all those overdue, each part only if they want it. Run twice on one day,
    it sends nothing more. Returns how many emails were written."""
    today = today or timezone.localdate()
    written = 0
    for digest in selectors.digests_for_day(today=today):
        user = digest.user
        due_soon = digest.due_soon if user.wants_email(NotificationKind.DUE_SOON) else []
        overdue = digest.overdue if user.wants_email(NotificationKind.OVERDUE) else []
        if not due_soon and not overdue:
            continue
        kind = NotificationKind.OVERDUE if overdue else NotificationKind.DUE_SOON
        parts = []
        if overdue:
            parts.append(f"{len(overdue)} overdue")
        if due_soon:
            parts.append(f"{len(due_soon)} due in {selectors.DUE_SOON_DAYS} days")
        email = email_queue(
            user=user,
            kind=kind,
            subject=f"Needs assessments waiting on you: {' and '.join(parts)}",
            template="digest",
            context={
                "today": today,
                "days": selectors.DUE_SOON_DAYS,
                "overdue": [{"assessment": a, "url": _assessment_url(a)} for a in overdue],
                "due_soon": [{"assessment": a, "url": _assessment_url(a)} for a in due_soon],
            },
            dedupe_key=f"digest:{today.isoformat()}:{user.pk}",
        )
        written += email is not None
    return written
