from django.urls import reverse

from accounts.models import Role

# (label, url name, roles that see it); the first match of the current path is active.
NAVIGATION = [
    ("Home", "home", None),
    (
        "My LEAs",
        "readiness:lea_list",
        {Role.NATIONAL_ADMIN, Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE},
    ),
    ("My district", "readiness:my_district", {Role.DISTRICT_LEADER}),
    ("State policy", "policies:profile_home", None),
    (
        "Dashboards",
        "dashboards:home",
        {Role.NATIONAL_ADMIN, Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE},
    ),
    ("Reports", "reports:job_list", None),
    ("Import LEAs", "imports:upload", {Role.NATIONAL_ADMIN, Role.STATE_ADMIN}),
    ("How scores work", "readiness:scoring_explained", None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, roles in NAVIGATION:
        if roles is not None and user.role not in roles:
            continue
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
