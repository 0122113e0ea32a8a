"""The "how scores work" page: the scoring rules as a framework version's file states them.

Every loaded version has its page (`?framework=cbe-v1`; the newest by default), so a reader of a
report scored with an older version can still read the rules it was scored with.
"""

import math
from fractions import Fraction

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .document import ALL_LEVERS, Framework
from .selectors import framework_version_list

_COUNT_WORDS = {
    "engaged": "engaged (exploring, enacted or statewide)",
    "active": "in force (enacted or statewide)",
}


def _count_condition(framework: Framework, key: str, count: int) -> str:
    """A count condition of the cbe-v1 form in words, e.g. "at least 2 getting-started
    levers in force (enacted or statewide)"."""
    flag, scope = key.split("_", 1)
    kind = "lever" if scope == ALL_LEVERS else f"{scope.replace('_', '-')} lever"
    if flag not in _COUNT_WORDS:
        return key
    plural = "" if count == 1 else "s"
    return f"at least {count} {kind}{plural} {_COUNT_WORDS[flag]}"


def _explain_state_stages(framework: Framework) -> list[dict]:
    rows = []
    for stage in framework.state_stages:
        every = [_count_condition(framework, key, n) for key, n in stage.requires.items()]
        every += [framework.condition_words(c) for c in stage.requires_all]
        either = [framework.condition_words(c) for c in stage.requires_any]
        rows.append(
            {
                "label": stage.label,
                "meaning": stage.meaning,
                "why": stage.why or "",
                "definition": stage.definition or "",
                "every": every,
                "either": either,
            }
        )
    return rows


def _needed(share: float, total: int) -> int:
    return math.ceil(Fraction(str(share)) * total)


def _lea_rule(framework: Framework) -> dict:
    scoring = framework.scoring
    areas = []
    for code in scoring.required_areas:
        codes = framework.area_indicator_codes(code)
        areas.append(
            {
                "name": framework.area_by_code[code].name,
                "total": len(codes),
                "needed": _needed(scoring.required_area_min_share or 1, len(codes)),
            }
        )
    return {
        "every_domain": scoring.min_scored_domains_for_stage == len(framework.domains),
        "domain_count": len(framework.domains),
        "required_areas": areas,
        "required_share_percent": round((scoring.required_area_min_share or 0) * 100),
        "cap_domain": (
            framework.domain_name(scoring.stage_cap_domain) if scoring.stage_cap_domain else ""
        ),
    }


@login_required
def scoring_explained(request):
    """The scoring rules of one framework version, generated from its file."""
    versions = framework_version_list()
    context: dict = {"versions": versions, "framework": None}
    if versions:
        wanted = request.GET.get("framework", "")
        if wanted:
            chosen = next((v for v in versions if v.label == wanted), None)
            if chosen is None:
                raise Http404("No framework version of that name is loaded.")
        else:
            chosen = versions[0]
        spec = chosen.spec
        context.update(
            framework=chosen,
            content=spec,
            why={key: spec.scoring_why(key) for key in spec.scoring.why},
            min_share_percent=round(spec.scoring.min_answered_share * 100),
            lea_rule=_lea_rule(spec),
            state_stages=_explain_state_stages(spec),
            uses_counts=any(stage.requires for stage in spec.state_stages),
            alignment=[
                {
                    "name": domain.name,
                    "rows": [
                        {
                            "code": ind.code,
                            "title": ind.title,
                            "area": ind.area,
                            "levers": [spec.lever_name(c) for c in ind.levers],
                        }
                        for ind in spec.indicators
                        if ind.domain == domain.code
                    ],
                }
                for domain in spec.domains
            ],
            levers=spec.levers,
            groups={g.code: g for g in spec.lever_groups},
        )
    return render(request, "frameworks/scoring_explained.html", context)
