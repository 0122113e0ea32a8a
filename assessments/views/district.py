"""The district's own view of its needs assessment: its district leader rates indicators,
domain by domain, beside the state's ratings, with a note. One save button per domain (no
JavaScript needed); a stale version shows both ratings side by side to choose from.

The state's administrators and staff read the page; task force members and other LEAs
get a 404 (access.selectors.assessment_get_for_district_view).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from access import selectors
from frameworks.document import Framework, IndicatorSpec

from .. import selectors as assessment_selectors
from .. import services
from ..forms import DistrictRatingForm
from ..models import Answer, Assessment, DistrictRating
from .assessments import AreaView, DomainView, _page_context, _person


@dataclass
class DistrictIndicatorView:
    spec: IndicatorSpec
    state_answer: Answer | None
    state_label: str
    rating: DistrictRating | None
    rating_label: str = ""
    level_description: str = ""
    form: DistrictRatingForm | None = None
    error: str = ""
    conflict: dict | None = None

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def anchor(self) -> str:
        return f"ind-{slugify(self.spec.code)}"

    @property
    def answered(self) -> bool:
        return self.rating is not None


def _options(framework: Framework, spec: IndicatorSpec) -> list[tuple[str, str, str]]:
    return [
        (str(value), f"{value} · {label}", spec.levels[str(value)])
        for value, label in framework.rating_labels.items()
    ]


def _url(assessment: Assessment, domain: str) -> str:
    return reverse("readiness:district_view_domain", args=[assessment.pk, domain])


def _district_domains(
    assessment: Assessment, answers: dict, ratings: dict, *, current: str
) -> list[DomainView]:
    framework = assessment.cycle.framework.spec
    domains = []
    for dspec in framework.domains:
        areas = []
        for area in dspec.areas:
            views = []
            for spec in framework.indicators:
                if spec.domain != dspec.code or spec.area_code != area.code:
                    continue
                answer, rating = answers.get(spec.code), ratings.get(spec.code)
                state_label = (
                    framework.answer_label(answer.rating, dont_know=answer.dont_know)
                    if answer is not None
                    else ""
                )
                views.append(
                    DistrictIndicatorView(
                        spec=spec,
                        state_answer=answer,
                        state_label=state_label or "Not answered yet",
                        rating=rating,
                        rating_label=framework.answer_label(rating.level) if rating else "",
                        level_description=spec.levels[str(rating.level)] if rating else "",
                    )
                )
            areas.append(AreaView(name=area.name, indicators=views))  # type: ignore[arg-type]
        domains.append(
            DomainView(
                code=dspec.code,
                name=dspec.name,
                summary=dspec.summary,
                url=_url(assessment, dspec.code),
                areas=areas,
                current=dspec.code == current,
            )
        )
    return domains


def _rating_payload(assessment: Assessment, rating: DistrictRating | None) -> dict:
    """The stored rating, for the conflict panel."""
    if rating is None:
        return {"label": "Not rated", "note": "", "version": 0, "by": "", "at_display": ""}
    when = timezone.localtime(rating.updated_at)
    return {
        "label": assessment.cycle.framework.spec.answer_label(rating.level),
        "note": rating.note,
        "version": rating.version,
        "by": _person(rating.updated_by),
        "at_display": f"{when:%-I:%M %p} on {when:%B} {when.day}",
    }


@login_required
@require_GET
def district_view_start(request, pk: int):
    assessment = selectors.assessment_get_for_district_view(user=request.user, pk=pk)
    first = assessment.cycle.framework.spec.domain_codes[0]
    return redirect(_url(assessment, first))


@login_required
def district_view_domain(request, pk: int, domain: str):
    """One domain of the district's view. POST saves every changed rating of the domain."""
    assessment = selectors.assessment_get_for_district_view(user=request.user, pk=pk)
    framework = assessment.cycle.framework.spec
    if domain not in framework.domain_codes:
        raise Http404("This framework has no such domain.")
    status = 200
    posted: dict[str, DistrictRatingForm] = {}
    conflicts: dict[str, dict] = {}
    if request.method == "POST":
        result = _domain_save(request, assessment, domain, posted, conflicts)
        if result is not None:
            return result
        status = 409 if conflicts else 400
    elif request.method != "GET":
        return JsonResponse({"error": "method", "message": "Use GET or POST."}, status=405)

    context = _page_context(request, assessment, tab="district")
    ratings = assessment_selectors.assessment_district_ratings(assessment=assessment)
    domains = _district_domains(assessment, context["answers"], ratings, current=domain)
    current = next(d for d in domains if d.current)
    can_rate = selectors.user_can_rate_as_district(user=request.user, assessment=assessment)
    for ind in current.indicators:
        form = posted.get(ind.code)
        if form is not None and not form.is_valid():
            ind.error = form.first_error()
        if ind.code in conflicts:
            ind.conflict = conflicts[ind.code]
        if can_rate:
            ind.form = _rating_form(framework, ind, form)
    position = framework.domain_codes.index(domain)
    context.update(
        domains=domains,
        domain=current,
        previous_domain=domains[position - 1] if position > 0 else None,
        next_domain=domains[position + 1] if position + 1 < len(domains) else None,
        can_rate=can_rate,
        rated_total=len(ratings),
        errors=[ind for ind in current.indicators if ind.error],
        progress_word="rated by the district",
    )
    return render(request, "assessments/district_view.html", context, status=status)


def _rating_form(
    framework: Framework, ind: DistrictIndicatorView, posted: DistrictRatingForm | None
) -> DistrictRatingForm:
    """The stored rating as a form; after a refused save, what the person sent (with the
    stored version after a conflict, so sending it again means "use mine")."""
    question = {
        "prefix": ind.code,
        "id_prefix": ind.anchor,
        "number": ind.code,
        "legend": ind.spec.title,
        "hint": ind.spec.prompt,
        "options": _options(framework, ind.spec),
    }
    if posted is None:
        initial = {
            "level": str(ind.rating.level) if ind.rating else "",
            "note": ind.rating.note if ind.rating else "",
            "version": ind.rating.version if ind.rating else 0,
        }
        return DistrictRatingForm(initial=initial, **question)
    data = posted.data.copy()
    if ind.conflict:
        data[posted.add_prefix("version")] = str(ind.conflict["theirs"]["version"])
    form = DistrictRatingForm(data, **question)
    for error in posted.non_field_errors():
        form.add_error(None, error)
    return form


def _domain_save(request, assessment, domain, posted, conflicts):
    """Save the domain's ratings. A redirect when all were saved, else None (the page is
    shown again with the problems; nothing is saved while any rating is invalid)."""
    framework = assessment.cycle.framework.spec
    try:
        services.district_rating_check_allowed(user=request.user, assessment=assessment)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect(_url(assessment, domain))
    keep_theirs = request.POST.get("keep_theirs", "")
    for spec in framework.indicators:
        if spec.domain != domain or spec.code == keep_theirs:
            continue
        if f"{spec.code}-version" in request.POST:
            posted[spec.code] = DistrictRatingForm(request.POST, prefix=spec.code)
    if any(not form.is_valid() for form in posted.values()):
        return None
    stored = assessment_selectors.assessment_district_ratings(assessment=assessment)
    saved = 0
    for code, form in posted.items():
        level, note = form.cleaned_data["level"], form.cleaned_data["note"]
        current = stored.get(code)
        unchanged = current is not None and (current.level, current.note) == (level, note)
        if level is None or unchanged:
            continue
        try:
            services.district_rating_save(
                assessment=assessment,
                user=request.user,
                indicator=code,
                level=level,
                note=note,
                version=form.cleaned_data["version"],
            )
            saved += 1
        except services.DistrictRatingConflict as exc:
            conflicts[code] = {
                "theirs": _rating_payload(assessment, exc.theirs),
                "message": exc.message,
            }
        except services.AssessmentError as exc:
            form.add_error(None, exc.message)
            messages.error(request, f"{code}: {exc.message}")
            return None
    if conflicts:
        n = len(conflicts)
        messages.warning(
            request,
            f"Saved {saved} rating{'s' if saved != 1 else ''}. {n} rating"
            f"{'s were' if n != 1 else ' was'} changed by someone else meanwhile; "
            "choose which to keep below.",
        )
        return None
    if saved:
        when = timezone.localtime()
        messages.success(
            request,
            f"Saved {saved} district rating{'s' if saved != 1 else ''} at {when:%-I:%M %p}.",
        )
    elif keep_theirs:
        messages.info(request, f"Kept the other rating for {keep_theirs}.")
    else:
        messages.info(request, "No district ratings in this domain had changed.")
    codes = framework.domain_codes
    if request.POST.get("save_next") and codes.index(domain) + 1 < len(codes):
        domain = codes[codes.index(domain) + 1]
    return redirect(_url(assessment, domain))
