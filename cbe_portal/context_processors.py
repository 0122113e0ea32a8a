from django.urls import reverse

from access import selectors

# (label, url name, section); who is offered which section is decided in
# access.selectors.SECTION_ROLES. The first match of the current path is active.
NAVIGATION = [
    ("Home", "home", "home"),
    ("My LEAs", "readiness:lea_list", "leas"),
    ("My district", "readiness:my_district", "my_district"),
    ("State policy", "policies:profile_home", "policy"),
    ("Dashboards", "dashboards:home", "dashboards"),
    ("Reports", "reports:job_list", "reports"),
    ("Import LEAs", "imports:upload", "imports"),
    ("How scores work", "readiness:scoring_explained", "scoring"),
    ("Access log", "audit:log", "access_log"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    sections = selectors.user_sections(user=user)
    items = []
    for label, name, section in NAVIGATION:
        if section not in sections:
            continue
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
