"""The "how scores work" page: the scoring rules as the framework file in force states them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .document import Framework
from .services import framework_current

_CONDITION_WORDS = {
    "engaged_any": "lever{s} engaged (any group)",
    "active_any": "lever{s} active (any group)",
    "engaged_getting_started": "getting-started lever{s} engaged",
    "active_getting_started": "getting-started lever{s} active",
    "engaged_moving_forward": "moving-forward lever{s} engaged",
    "active_moving_forward": "moving-forward lever{s} active",
}


def _explain_state_stages(framework: Framework) -> list[dict]:
    rows = []
    for stage in framework.state_stages:
        conditions = [
            f"at least {count} " + _CONDITION_WORDS[key].format(s="" if count == 1 else "s")
            for key, count in stage.requires.items()
        ]
        rows.append({"label": stage.label, "meaning": stage.meaning, "conditions": conditions})
    return rows


@login_required
def scoring_explained(request):
    """The scoring rules, generated from the framework file in force."""
    framework = framework_current()
    context = {"framework": framework}
    if framework is not None:
        spec = framework.spec
        context.update(
            content=spec,
            min_share_percent=round(spec.scoring.min_answered_share * 100),
            state_stages=_explain_state_stages(spec),
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
