from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from readiness import selectors


@login_required
def profile_home(request):
    """The state policy profiles the user may see, latest cycle first."""
    profiles = (
        selectors.policy_profile_list_for_user(user=request.user)
        .prefetch_related("lever_statuses__lever")
        .order_by("state__name", "-cycle__starts_on")
    )
    return render(request, "policies/profile_home.html", {"profiles": profiles})
