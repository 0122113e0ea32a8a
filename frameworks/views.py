import dataclasses

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from policies.selectors import lea_alignment
from reports.charts import domain_score_chart

from .. import selectors
from ..results import lea_results
from ..services import framework_current


@login_required
def lea_results_page(request, leaid: str, cycle_id: int):
    assessment = get_object_or_404(
        selectors.assessment_list_for_user(user=request.user).select_related(
            "cycle__framework", "lea__state"
        ),
        lea__leaid=leaid,
        cycle_id=cycle_id,
    )
    results = lea_results(assessment=assessment)
    domain_chart = domain_score_chart(
        lea_name=assessment.lea.name,
        cycle_name=assessment.cycle.name,
        locale_label=assessment.lea.get_locale_display(),
        previous_cycle=results.previous_cycle,
        domains=[dataclasses.asdict(d) for d in results.domains],
    )
    return render(
        request,
        "readiness/results.html",
        {
            "results": results,
            "lea": assessment.lea,
            "cycle": assessment.cycle,
            "assessment": assessment,
            "alignment": lea_alignment(assessment=assessment),
            "domain_chart": domain_chart,
        },
    )


_CONDITION_WORDS = {
    "engaged_any": "lever{s} engaged (any group)",
    "active_any": "lever{s} active (any group)",
    "engaged_getting_started": "getting-started lever{s} engaged",
    "active_getting_started": "getting-started lever{s} active",
    "engaged_moving_forward": "moving-forward lever{s} engaged",
    "active_moving_forward": "moving-forward lever{s} active",
}


def _explain_state_stages(content: dict) -> list[dict]:
    rows = []
    for stage in content["policy"]["state_stages"]:
        conditions = [
            f"at least {count} " + _CONDITION_WORDS[key].format(s="" if count == 1 else "s")
            for key, count in stage["requires"].items()
        ]
        rows.append(
            {"label": stage["label"], "meaning": stage["meaning"], "conditions": conditions}
        )
    return rows


@login_required
def scoring_explained(request):
    """The scoring rules, generated from the framework file in force."""
    framework = framework_current()
    context = {"framework": framework}
    if framework is not None:
        content = selectors.framework_content(framework=framework)
        names = {lever["code"]: lever["name"] for lever in content["levers"]}
        context.update(
            content=content,
            min_share_percent=round(content["scoring"]["min_answered_share"] * 100),
            state_stages=_explain_state_stages(content),
            alignment=[
                {
                    "name": domain["name"],
                    "rows": [
                        {
                            "code": ind["code"],
                            "title": ind["title"],
                            "area": area["name"],
                            "levers": [names[c] for c in ind["levers"]],
                        }
                        for area in domain["areas"]
                        for ind in area["indicators"]
                    ],
                }
                for domain in content["domains"]
            ],
            levers=content["levers"],
            groups={g["code"]: g for g in content["policy"]["lever_groups"]},
        )
    return render(request, "readiness/scoring_explained.html", context)
