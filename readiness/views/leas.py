from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from .. import selectors
from ..forms import LeaFilterForm
from ..models import Role
from ..services import framework_current


@login_required
def home(request):
    """Send each role to the page it uses most."""
    if request.user.role == Role.DISTRICT_LEADER:
        return redirect("readiness:my_district")
    if request.user.role == Role.TASK_FORCE:
        return redirect("policies:profile_home")
    return redirect("readiness:lea_list")


@login_required
def lea_list(request):
    form = LeaFilterForm(request.GET or None)
    leas = selectors.lea_list_with_progress(user=request.user, filters=form.filters())
    page = Paginator(leas, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "readiness/lea_list.html",
        {
            "form": form,
            "page_obj": page,
            "querystring_without_page": query.urlencode(),
        },
    )


@login_required
def lea_detail(request, leaid: str):
    lea = selectors.lea_get_for_user(user=request.user, leaid=leaid)
    assessments = (
        selectors.assessment_list_for_user(user=request.user)
        .filter(lea=lea)
        .order_by("-cycle__starts_on")
    )
    return render(request, "readiness/lea_detail.html", {"lea": lea, "assessments": assessments})


@login_required
def my_district(request):
    if request.user.lea_id is None:
        raise Http404("You are not attached to a district.")
    return redirect("readiness:lea_detail", leaid=request.user.lea.leaid)


@login_required
def scoring_explained(request):
    framework = framework_current()
    return render(request, "readiness/scoring_explained.html", {"framework": framework})
