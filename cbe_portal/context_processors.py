from functools import lru_cache

from django.urls import get_script_prefix, reverse

from access import selectors

# (label, url name, section); who is offered which section is decided in
# access.selectors.SECTION_ROLES. The site's name in the header leads home, so there is
# no "Home" entry: home only sends each role on to one of these. The entry whose address
# is the longest start of the current path is active.
NAVIGATION = [
    ("My LEAs", "readiness:lea_list", "leas"),
    ("My district", "readiness:my_district", "my_district"),
    ("My results", "readiness:my_results", "my_results"),
    ("Cycles", "readiness:cycle_list", "cycles"),
    ("State policy", "policies:profile_home", "policy"),
    ("Dashboards", "dashboards:home", "dashboards"),
    ("Reports", "reports:job_list", "reports"),
    ("Import LEAs", "imports:upload", "imports"),
    ("How scores work", "readiness:scoring_explained", "scoring"),
    ("Access log", "audit:log", "access_log"),
]


@lru_cache(maxsize=64)
def _address(name: str, prefix: str) -> str:
    """A section's address: the same on every page (under one script prefix), so it is
    reversed once per process rather than ten times per page."""
    return reverse(name)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    sections = selectors.user_sections(user=user)
    items = [
        {"label": label, "url": _address(name, get_script_prefix()), "active": False}
        for label, name, section in NAVIGATION
        if section in sections
    ]
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
