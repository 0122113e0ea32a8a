"""The needs assessment pages: answer domain by domain (autosave, or one save button
per domain without JavaScript), review and submit, accept or return, comments, activity.

Every lookup goes through the scoping selectors; every write is one service call.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from access import selectors
from cbe_portal.api import json_error, json_errors
from frameworks.document import Framework, IndicatorSpec

from .. import selectors as assessment_selectors
from .. import services
from ..forms import DONT_KNOW, AnswerForm, CommentForm, ReviewForm, VersionForm
from ..models import EVIDENCE_MAX_LENGTH, Answer, Assessment

# --- what the templates show ---------------------------------------------------------


@dataclass
class Option:
    value: str
    label: str
    description: str
    checked: bool


@dataclass
class IndicatorView:
    spec: IndicatorSpec
    choice: str = ""
    evidence: str = ""
    version: int = 0
    answer: Answer | None = None
    comments: list = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    conflict: dict | None = None
    error: str = ""
    review_note: str = ""
    form: AnswerForm | None = None

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def anchor(self) -> str:
        return f"ind-{slugify(self.spec.code)}"

    @property
    def answered(self) -> bool:
        return bool(self.choice)

    @property
    def chosen(self) -> Option | None:
        return next((o for o in self.options if o.checked), None)


@dataclass
class AreaView:
    name: str
    indicators: list[IndicatorView]


@dataclass
class DomainView:
    code: str
    name: str
    summary: str
    url: str
    areas: list[AreaView]
    current: bool = False

    @property
    def indicators(self) -> list[IndicatorView]:
        return [ind for area in self.areas for ind in area.indicators]

    @property
    def total(self) -> int:
        return len(self.indicators)

    @property
    def answered(self) -> int:
        return sum(1 for ind in self.indicators if ind.answered)


def _choice_of(answer: Answer | None) -> str:
    if answer is None:
        return ""
    if answer.dont_know:
        return DONT_KNOW
    return str(answer.rating) if answer.rating is not None else ""


def _options(framework: Framework, spec: IndicatorSpec, choice: str) -> list[Option]:
    options = [
        Option(
            value=str(value),
            label=f"{value} · {label}",
            description=spec.levels[str(value)],
            checked=choice == str(value),
        )
        for value, label in framework.rating_labels.items()
    ]
    options.append(
        Option(
            value=DONT_KNOW,
            label=framework.dont_know_label,
            description="Not enough information to rate this yet. Stored and flagged, "
            "but left out of the scores.",
            checked=choice == DONT_KNOW,
        )
    )
    return options


def _domains(
    assessment: Assessment,
    answers: dict,
    comments: list,
    *,
    current: str | None = None,
) -> list[DomainView]:
    framework = assessment.cycle.framework.spec
    by_indicator: dict[str, list] = {}
    for comment in comments:
        if comment.indicator_code:
            by_indicator.setdefault(comment.indicator_code, []).append(comment)
    domains = []
    for dspec in framework.domains:
        areas = []
        for area in dspec.areas:
            views = []
            for spec in framework.indicators:
                if spec.domain != dspec.code or spec.area_code != area.code:
                    continue
                answer = answers.get(spec.code)
                choice = _choice_of(answer)
                views.append(
                    IndicatorView(
                        spec=spec,
                        choice=choice,
                        evidence=answer.evidence if answer else "",
                        version=answer.version if answer else 0,
                        answer=answer,
                        comments=by_indicator.get(spec.code, []),
                        options=_options(framework, spec, choice),
                    )
                )
            areas.append(AreaView(name=area.name, indicators=views))
        domains.append(
            DomainView(
                code=dspec.code,
                name=dspec.name,
                summary=dspec.summary,
                url=reverse("readiness:assessment_domain", args=[assessment.pk, dspec.code]),
                areas=areas,
                current=dspec.code == current,
            )
        )
    return domains


def _person(user) -> str:
    if user is None:
        return "someone no longer on the portal"
    return user.get_full_name() or user.get_username()


def _answer_payload(assessment: Assessment, answer: Answer | None) -> dict:
    """The other person's answer, for the conflict panel."""
    if answer is None:
        return {"choice": "", "label": "No answer", "evidence": "", "version": 0}
    choice = _choice_of(answer)
    label = (
        assessment.cycle.framework.spec.answer_label(answer.rating, dont_know=answer.dont_know)
        or "No answer"
    )
    when = timezone.localtime(answer.updated_at)
    return {
        "choice": choice,
        "label": label,
        "evidence": answer.evidence,
        "version": answer.version,
        "by": _person(answer.updated_by),
        "at": when.isoformat(),
        "at_display": f"{when:%-I:%M %p} on {when:%B} {when.day}",
    }


def _noted_indicators(assessment: Assessment, domains: list[DomainView]) -> list[tuple]:
    """(code, title, url) of the indicators with reviewer notes, while returned."""
    if assessment.status != Assessment.Status.RETURNED:
        return []
    return [
        (ind.code, ind.spec.title, f"{domain.url}#{ind.anchor}")
        for domain in domains
        for ind in domain.indicators
        if any(c.is_return_note for c in ind.comments)
    ]


def _page_context(request, assessment: Assessment, *, tab: str, current: str | None = None):
    """What every assessment page needs: answers, comments, domains with progress (for the
    side navigation) and what the user may do. Two queries."""
    answers = assessment_selectors.assessment_answers(assessment=assessment)
    comments = assessment_selectors.assessment_comments(assessment=assessment)
    domains = _domains(assessment, answers, comments, current=current)
    user = request.user
    can_answer = selectors.user_can_answer(user=user, assessment=assessment)
    return {
        "assessment": assessment,
        "lea": assessment.lea,
        "framework": assessment.cycle.framework,
        "tab": tab,
        "answers": answers,
        "comments": comments,
        "domains": domains,
        "answered_total": sum(d.answered for d in domains),
        "indicator_total": sum(d.total for d in domains),
        "answers_url": reverse("readiness:assessment", args=[assessment.pk])
        if can_answer
        else domains[0].url,
        "can_answer": can_answer,
        "can_submit": selectors.user_can_submit(user=user, assessment=assessment),
        "can_review": selectors.user_can_review(user=user, assessment=assessment),
        "can_comment": selectors.user_can_comment(user=user, assessment=assessment),
        "can_see_district": selectors.user_can_see_district_view(user=user, assessment=assessment),
        "return_notes": [c for c in comments if c.is_return_note and not c.indicator_code],
        "noted_indicators": _noted_indicators(assessment, domains),
        "evidence_max": EVIDENCE_MAX_LENGTH,
        "time_zone": settings.TIME_ZONE,
    }


# --- pages ---------------------------------------------------------------------------


@login_required
@require_POST
def assessment_start(request, leaid: str, cycle_id: int):
    lea = selectors.lea_get_for_user(user=request.user, leaid=leaid)
    cycle = (
        selectors.cycle_list_for_user(user=request.user).filter(pk=cycle_id, is_open=True).first()
    )
    if cycle is None:
        raise Http404("No open cycle with that number.")
    try:
        assessment = services.assessment_start(user=request.user, lea=lea, cycle=cycle)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("readiness:lea_detail", leaid=lea.leaid)
    return redirect("readiness:assessment", pk=assessment.pk)


@login_required
@require_GET
def assessment_resume(request, pk: int):
    """Open at the first indicator without an answer (people who only read go to the
    overview)."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if not selectors.user_can_answer(user=request.user, assessment=assessment):
        return redirect("readiness:assessment_review", pk=assessment.pk)
    answers = assessment_selectors.assessment_answers(assessment=assessment)
    missing = assessment_selectors.assessment_missing_indicators(
        assessment=assessment, answers=answers
    )
    if not missing and assessment.status == Assessment.Status.RETURNED:
        # Back from review: start at the first indicator the reviewer commented on.
        comments = assessment_selectors.assessment_comments(assessment=assessment)
        noted = _noted_indicators(assessment, _domains(assessment, answers, comments))
        if noted:
            return redirect(noted[0][2])
    if not missing:
        return redirect("readiness:assessment_review", pk=assessment.pk)
    first = missing[0]
    url = reverse("readiness:assessment_domain", args=[assessment.pk, first.domain])
    return redirect(f"{url}#ind-{slugify(first.code)}")


def _unchanged(answer: Answer | None, form: AnswerForm) -> bool:
    return (_choice_of(answer), answer.evidence if answer else "") == (
        form.cleaned_data["choice"],
        form.cleaned_data["evidence"],
    )


@login_required
def assessment_domain(request, pk: int, domain: str):
    """One domain's indicators. POST (the page without JavaScript) saves every changed
    answer of the domain, with the same checks as autosave."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    framework = assessment.cycle.framework.spec
    if domain not in framework.domain_codes:
        raise Http404("This framework has no such domain.")
    status = 200
    posted: dict[str, AnswerForm] = {}
    conflicts: dict[str, dict] = {}
    if request.method == "POST":
        result = _domain_save(request, assessment, domain, posted, conflicts)
        if result is not None:
            return result
        status = 409 if conflicts else 400
    elif request.method != "GET":
        return JsonResponse({"error": "method", "message": "Use GET or POST."}, status=405)

    context = _page_context(request, assessment, tab="answers", current=domain)
    domains = context["domains"]
    current = next(d for d in domains if d.current)
    # After a refused save, show what the person typed, not what is stored.
    for ind in current.indicators:
        form = posted.get(ind.code)
        if form is None:
            continue
        if form.is_valid():
            ind.choice = form.cleaned_data["choice"]
            ind.evidence = form.cleaned_data["evidence"]
        else:
            ind.choice = (form.data.get(f"{ind.code}-choice") or "").strip()
            ind.evidence = form.data.get(f"{ind.code}-evidence") or ""
            ind.error = form.first_error()
        ind.options = _options(framework, ind.spec, ind.choice)
        if ind.code in conflicts:
            ind.conflict = conflicts[ind.code]
            ind.version = ind.conflict["theirs"]["version"]
    if context["can_answer"]:
        for ind in current.indicators:
            ind.form = _answer_form(ind, posted.get(ind.code))
    position = framework.domain_codes.index(domain)
    context.update(
        domain=current,
        previous_domain=domains[position - 1] if position > 0 else None,
        next_domain=domains[position + 1] if position + 1 < len(domains) else None,
        conflicts=conflicts,
        errors=[ind for ind in current.indicators if ind.error],
    )
    return render(request, "assessments/assessment_domain.html", context, status=status)


def _answer_form(ind: IndicatorView, posted: AnswerForm | None) -> AnswerForm:
    """The indicator as a form for the page. After a refused save it shows what the person
    sent, with its errors; after a conflict, their version (so sending it again means
    "use mine"); otherwise the stored answer."""
    question = {
        "prefix": ind.code,
        "id_prefix": ind.anchor,
        "number": ind.code,
        "legend": ind.spec.title,
        "hint": ind.spec.prompt,
        "options": [(o.value, o.label, o.description) for o in ind.options],
    }
    if posted is None:
        initial = {"choice": ind.choice, "evidence": ind.evidence, "version": ind.version}
        return AnswerForm(initial=initial, **question)
    data = posted.data.copy()
    data[posted.add_prefix("version")] = str(ind.version)
    form = AnswerForm(data, **question)
    for error in posted.non_field_errors():  # refusals of the service, not of the form
        form.add_error(None, error)
    return form


def _domain_save(request, assessment, domain, posted, conflicts):
    """Save the domain form. Returns a redirect when everything was saved, else None
    (the page is shown again with the problems; `posted` and `conflicts` are filled)."""
    framework = assessment.cycle.framework.spec
    specs = [s for s in framework.indicators if s.domain == domain]
    if not selectors.user_can_answer(user=request.user, assessment=assessment):
        try:
            services.assessment_check_answerable(user=request.user, assessment=assessment)
        except services.AssessmentError as exc:
            messages.error(request, exc.message)
        return redirect("readiness:assessment_domain", pk=assessment.pk, domain=domain)
    keep_theirs = request.POST.get("keep_theirs", "")
    for spec in specs:
        if spec.code == keep_theirs:
            continue  # the person chose the other answer: leave it as stored
        if f"{spec.code}-version" not in request.POST:
            continue
        posted[spec.code] = AnswerForm(request.POST, prefix=spec.code)
    if any(not form.is_valid() for form in posted.values()):
        return None  # nothing is saved while any answer is invalid
    answers = assessment_selectors.assessment_answers(assessment=assessment)
    saved = 0
    for code, form in posted.items():
        if _unchanged(answers.get(code), form):
            continue
        try:
            services.answer_save(
                assessment=assessment,
                user=request.user,
                indicator=code,
                rating=form.rating,
                dont_know=form.dont_know,
                evidence=form.cleaned_data["evidence"],
                version=form.cleaned_data["version"],
            )
            saved += 1
        except services.AnswerConflict as exc:
            conflicts[code] = {
                "theirs": _answer_payload(assessment, exc.theirs),
                "message": exc.message,
            }
        except services.AssessmentError as exc:
            form.add_error(None, exc.message)
            messages.error(request, f"{code}: {exc.message}")
            return None
    when = timezone.localtime()
    if conflicts:
        n = len(conflicts)
        messages.warning(
            request,
            f"Saved {saved} answer{'s' if saved != 1 else ''}. {n} answer"
            f"{'s were' if n != 1 else ' was'} changed by someone else meanwhile; "
            "choose which to keep below.",
        )
        return None
    if saved:
        messages.success(
            request,
            f"Saved {saved} answer{'s' if saved != 1 else ''} at {when:%-I:%M %p}.",
        )
    elif keep_theirs:
        messages.info(request, f"Kept the other answer for {keep_theirs}.")
    else:
        messages.info(request, "No answers in this domain had changed.")
    codes = framework.domain_codes
    if request.POST.get("save_next") and codes.index(domain) + 1 < len(codes):
        domain = codes[codes.index(domain) + 1]
    return redirect("readiness:assessment_domain", pk=assessment.pk, domain=domain)


def _json_error(code: str, message: str, status: int, **extra) -> JsonResponse:
    return json_error(status, code=code, message=message, extra=extra)


@json_errors
@require_POST
def answer_save(request, pk: int, code: str):
    """Autosave of one answer. JSON in every case, including errors: those raised here, and
    those of the CSRF check, the method check and a crash (cbe_portal.api's middleware)."""
    if not request.user.is_authenticated:
        return _json_error(
            "signed_out",
            "You have been signed out. Sign in again in another tab; "
            "your answer stays on this page.",
            401,
        )
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return json_error(
            400,
            message=form.first_error(),
            fields={name: list(errors) for name, errors in form.errors.items()},
        )
    try:
        saved = services.answer_save(
            assessment=assessment,
            user=request.user,
            indicator=code,
            rating=form.rating,
            dont_know=form.dont_know,
            evidence=form.cleaned_data["evidence"],
            version=form.cleaned_data["version"],
        )
    except services.AnswerConflict as exc:
        return _json_error(
            exc.code, exc.message, exc.status, theirs=_answer_payload(assessment, exc.theirs)
        )
    except services.AssessmentError as exc:
        return _json_error(exc.code, exc.message, exc.status)
    return JsonResponse(
        {
            "ok": True,
            "indicator": code,
            "version": saved.version,
            "saved_at": timezone.localtime(saved.saved_at).isoformat(),
            "answered": saved.answered,
            "total": saved.total,
            "domains": saved.domain_answered,
        }
    )


@login_required
@require_GET
def assessment_review(request, pk: int):
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    return _review_page(request, assessment)


def _review_page(request, assessment, *, status=200, review_form=None, comment_form=None):
    context = _page_context(request, assessment, tab="review")
    framework = assessment.cycle.framework.spec
    domains = context["domains"]
    missing = assessment_selectors.assessment_missing_indicators(
        assessment=assessment, answers=context["answers"]
    )
    anchors = {}
    for domain in domains:
        for ind in domain.indicators:
            anchors[ind.code] = f"{domain.url}#{ind.anchor}"
    codes = list(framework.indicator_codes)
    if review_form is not None and review_form.is_bound:
        # A refused decision: keep the notes the reviewer wrote.
        notes = review_form.indicator_notes()
        for domain in domains:
            for ind in domain.indicators:
                ind.review_note = notes.get(ind.code, "")
    if review_form is None:
        review_form = ReviewForm(indicator_codes=codes, initial={"version": assessment.version})
    if comment_form is None:
        comment_form = CommentForm(indicators=framework.indicators)
    changed = []
    if assessment.status == Assessment.Status.SUBMITTED:
        changed = assessment_selectors.assessment_changes_since_return(assessment=assessment)
    # The far-apart ratings are part of the LEA's results (its page and PDF), shown to
    # whoever may see those; the full set of district ratings is the district's-view
    # page, which the task force does not get.
    differences = assessment_selectors.assessment_district_differences(
        assessment=assessment, answers=context["answers"]
    )
    context.update(
        changed_since_return=[(spec, anchors[spec.code]) for spec in changed],
        district_differences=differences,
        missing=[(spec, anchors[spec.code]) for spec in missing],
        review_form=review_form,
        comment_form=comment_form,
        general_comments=[c for c in context["comments"] if not c.indicator_code],
    )
    return render(request, "assessments/assessment_review.html", context, status=status)


@login_required
@require_POST
def assessment_submit(request, pk: int):
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete; reload the page and try again.")
        return redirect("readiness:assessment_review", pk=pk)
    try:
        services.assessment_submit(
            assessment=assessment, user=request.user, version=form.cleaned_data["version"]
        )
    except services.AssessmentIncomplete as exc:
        messages.error(request, exc.message)
        return _review_page(request, assessment, status=400)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return _review_page(request, assessment, status=exc.status)
    messages.success(
        request, "Submitted for review. A state administrator will accept it or return it."
    )
    return redirect("readiness:assessment_review", pk=pk)


@login_required
@require_POST
def assessment_decide(request, pk: int):
    """Accept or return a submitted assessment (state administrator)."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    codes = list(assessment.cycle.framework.spec.indicator_codes)
    form = ReviewForm(request.POST, indicator_codes=codes)
    if not form.is_valid():
        messages.error(request, "Choose whether to accept or return the assessment.")
        return _review_page(request, assessment, status=400, review_form=form)
    version = form.cleaned_data["version"]
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == "accept":
            services.assessment_accept(
                assessment=assessment, user=request.user, version=version, note=note
            )
            messages.success(request, "Accepted. The assessment is now locked.")
        else:
            services.assessment_return(
                assessment=assessment,
                user=request.user,
                version=version,
                note=note,
                indicator_notes=form.indicator_notes(),
            )
            messages.success(request, "Returned to state staff with your notes.")
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return _review_page(request, assessment, status=exc.status, review_form=form)
    return redirect("readiness:assessment_review", pk=pk)


@login_required
@require_POST
def comment_add(request, pk: int):
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    form = CommentForm(request.POST, indicators=assessment.cycle.framework.spec.indicators)
    if not form.is_valid():
        return _review_page(request, assessment, status=400, comment_form=form)
    try:
        services.comment_add(
            assessment=assessment,
            user=request.user,
            body=form.cleaned_data["body"],
            indicator=form.cleaned_data["indicator"] or None,
        )
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return _review_page(request, assessment, status=exc.status, comment_form=form)
    messages.success(request, "Comment posted.")
    return redirect(reverse("readiness:assessment_review", args=[pk]) + "#comments")


@login_required
@require_GET
def assessment_activity(request, pk: int):
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    context = _page_context(request, assessment, tab="activity")
    entries = assessment_selectors.assessment_activity(assessment=assessment)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context.update(
        page_obj=page,
        page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
    )
    return render(request, "assessments/assessment_activity.html", context)
