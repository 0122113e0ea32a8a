from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from access import selectors
from directory.models import Locale

from .. import selectors as assessment_selectors
from ..forms import LeaFilterForm
from ..models import Assessment, AssessmentCycle

# The page of each section the home page may send someone to.
HOME_PAGES = {
    "my_district": "readiness:my_district",
    "dashboards": "dashboards:home",
    "leas": "readiness:lea_list",
}


@login_required
def home(request):
    """Send each role to the page it uses most (decided by the selectors)."""
    return redirect(HOME_PAGES[selectors.user_home_section(user=request.user)])


LEAS_PER_PAGE = 50
LOCALE_LABELS = dict(Locale.choices)


SORT_COLUMNS = [
    ("name", "LEA"),
    ("status", "Assessment"),
    ("assignee", "Assigned to"),
    ("updated", "Last change"),
]


def _sort_headers(request, form) -> dict:
    """Each sortable column's link (ascending first, then the other way) and aria-sort."""
    current = form.filters().get("sort", "")
    headers = {}
    for key, label in SORT_COLUMNS:
        query = _without_page(request)
        if current == key:
            query["sort"], aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            query["sort"], aria = key, "descending"
        else:
            query["sort"], aria = key, ""
        headers[key] = {"label": label, "url": f"?{query.urlencode()}", "aria_sort": aria}
    return headers


@dataclass(frozen=True)
class LeaRow:
    """What a row of "My LEAs" shows, worked out in the view so that the template only
    prints it (a model instance's cells cost the page more than everything else)."""

    pk: int
    leaid: str
    name: str
    state_code: str
    locale: str
    url: str
    assessment_id: int | None
    # The assessment's own page, or the LEA's when it has none, and what the link's
    # hidden words say it opens.
    action_url: str
    action: str
    action_object: str
    status: str  # a status code, "none" without an assessment
    status_label: str
    cycle_name: str
    answered: int | None
    total: int | None
    progress: str  # "12 of 48"; empty without an assessment or a known total
    assignee: str  # "You", a name, or a dash
    is_mine: bool
    updated_at: datetime | None


@login_required
def lea_list(request):
    """ "My LEAs": the LEAs the user may work on, with their current assessment's status
    and progress; for those who assign work, ticks and a bulk "assign to" action. Five
    queries whatever the number of LEAs: the cycles the rows' assessments can be in (with
    their indicator totals), the count, the page's rows (each LEA joined to its current
    assessment), the assignees on the page and, for those who assign, the people who can
    take the page's LEAs (those of its states). Pages are read by keyset (`?after=`,
    `?before=` a row's cursor, or `?last=1`), so the last page costs what the first does."""
    form = LeaFilterForm(request.GET or None)
    listed = assessment_selectors.lea_list_with_assessment(
        user=request.user, filters=form.filters()
    )
    page = assessment_selectors.lea_list_page(
        listed=listed,
        size=LEAS_PER_PAGE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        last=request.GET.get("last") == "1",
    )
    rows = _rows(request.user, page.rows, listed.cycles)
    # Only the people of the states whose LEAs can be ticked here can take them.
    states = {row.state_id for row in page.rows if row.assessment_id}
    assignees = (
        list(
            selectors.assignee_list_for_user(user=request.user)
            .filter(state_id__in=states)
            .order_by("last_name", "first_name", "username")
        )
        if states
        else []
    )
    return render(
        request,
        "assessments/lea_list.html",
        {
            "form": form,
            "rows": rows,
            "count": listed.counted.count(),
            "pages": _page_links(request, page),
            "show_state": selectors.scope_for_user(request.user).everything,
            "filtered": bool(form.narrowing()),
            "sort_headers": _sort_headers(request, form),
            "assignees": assignees,
            "can_assign": bool(assignees),
            "here": request.get_full_path(),
        },
    )


def _rows(user, leas, cycles) -> list[LeaRow]:
    """The page's rows (one query: the names of their assignees)."""
    names = assessment_selectors.assignee_names(ids={lea.assignee_id for lea in leas})
    # The rows' links are filled in from paths reversed once per page: a reverse per row
    # cost more than the row's other cells together.
    lea_path = reverse("readiness:lea_detail", args=["0000000"]).removesuffix("0000000/")
    assessment_path = reverse("readiness:assessment", args=[1]).removesuffix("1/")
    # What this user may do with an assessment depends on its status, whether its cycle is
    # open and its LEA's state: asked once per such combination on the page.
    actions: dict[tuple, str] = {}
    rows = []
    for lea in leas:
        cycle = cycles.get(lea.current_cycle_id)
        total = cycle.indicator_total if cycle else None
        url = f"{lea_path}{quote(lea.leaid)}/"
        has = lea.assessment_id is not None
        status = Assessment.Status(lea.assessment_status) if has else None
        if has:
            asked = (status, bool(cycle and cycle.is_open), lea.state_id)
            if asked not in actions:
                actions[asked] = _action_label(user, lea, cycle)
        rows.append(
            LeaRow(
                pk=lea.pk,
                leaid=lea.leaid,
                name=lea.name,
                state_code=lea.state_code,
                locale=LOCALE_LABELS.get(lea.locale, lea.locale),
                url=url,
                assessment_id=lea.assessment_id,
                action_url=f"{assessment_path}{lea.assessment_id}/" if has else url,
                action=actions[asked] if has else "Open",
                action_object=f"the assessment of {lea.name}" if has else lea.name,
                status=status.value if status else "none",
                status_label=status.label if status else "Not started",
                cycle_name=cycle.name if cycle else "",
                answered=lea.answered,
                total=total,
                progress=f"{lea.answered} of {total}" if has and total else "",
                assignee="You" if lea.assignee_id == user.pk else names.get(lea.assignee_id) or "—",
                is_mine=lea.assignee_id == user.pk,
                updated_at=lea.assessment_updated_at,
            )
        )
    return rows


# Query parameters that name a page of the list rather than what the list holds.
PAGE_PARAMETERS = ("after", "before", "last", "page")


def _without_page(request):
    query = request.GET.copy()
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    return query


def _page_links(request, page) -> dict:
    """Links to the first, previous, next and last pages (None where there is none)."""

    def link(**where) -> str:
        query = _without_page(request)
        query.update(where)
        return f"?{query.urlencode()}"

    return {
        "first": link() if page.previous else None,
        "previous": link(before=page.previous) if page.previous else None,
        "next": link(after=page.next) if page.next else None,
        "last": link(last="1") if page.next else None,
    }


def _action_label(user, lea, cycle) -> str:
    """What opening the row's assessment lets this user do (asked of the selectors)."""
    probe = Assessment(
        pk=lea.assessment_id,
        status=lea.assessment_status,
        lea=lea,
        cycle=AssessmentCycle(is_open=bool(cycle and cycle.is_open)),
    )
    if selectors.user_can_answer(user=user, assessment=probe):
        return "Continue"
    if selectors.user_can_review(user=user, assessment=probe):
        return "Review"
    return "View"


@login_required
def lea_detail(request, leaid: str):
    lea = selectors.lea_get_for_user(user=request.user, leaid=leaid)
    assessments = list(
        selectors.assessment_list_for_user(user=request.user)
        .filter(lea=lea)
        .select_related("assignee", "cycle__framework")
        # The typed framework (for stage labels) is cached per content hash: skip the document.
        .defer("cycle__framework__content")
        .order_by("-cycle__starts_on")
    )
    totals = assessment_selectors.indicator_totals(
        framework_ids={a.cycle.framework_id for a in assessments}
    )
    for assessment in assessments:
        assessment.total = totals.get(assessment.cycle.framework_id)
        assessment.can_answer = selectors.user_can_answer(user=request.user, assessment=assessment)
        assessment.can_rate = selectors.user_can_rate_as_district(
            user=request.user, assessment=assessment
        )
        assessment.stage_label = (
            assessment.cycle.framework.spec.lea_stage_label(assessment.stage)
            if assessment.stage
            else None
        )
    return render(
        request,
        "assessments/lea_detail.html",
        {
            "lea": lea,
            "assessments": assessments,
            "cycles_to_start": selectors.assessment_open_cycles_to_start(
                user=request.user, lea=lea
            ),
        },
    )


@login_required
def my_district(request):
    if request.user.lea_id is None:
        raise Http404("You are not attached to a district.")
    return redirect("readiness:lea_detail", leaid=request.user.lea.leaid)


@login_required
def my_results(request):
    """The district leader's LEA's latest scored results, or its page while none is."""
    if request.user.lea_id is None:
        raise Http404("You are not attached to a district.")
    latest = (
        selectors.assessment_list_for_user(user=request.user)
        .filter(lea_id=request.user.lea_id)
        .exclude(stage="")
        .order_by("-cycle__starts_on", "-pk")
        .first()
    )
    if latest is None:
        messages.info(request, "Your district has no scored assessment yet.")
        return redirect("readiness:lea_detail", leaid=request.user.lea.leaid)
    return redirect("lea_results", leaid=latest.lea.leaid, cycle_id=latest.cycle_id)
