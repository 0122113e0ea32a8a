"""State policy profile pages.

Every row is looked up through `access.selectors` (via `policies.selectors`), which
decides who sees what: a profile of another state is a 404. Seeing is not editing:
`user_can_edit_policy` decides that, and a reader who may not edit gets a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from access import selectors as scoping

from . import selectors
from .forms import (
    ParticipationForm,
    ParticipationUploadForm,
    SimulationForm,
    lever_forms_build,
    state_action_forms_build,
)
from .models import Participation
from .services import (
    ParticipationFileError,
    StaleEdit,
    lever_participation_set,
    participation_csv_read,
    policy_profile_start,
    policy_profile_state_actions_update,
    policy_profile_update,
)

HISTORY_PAGE_SIZE = 50
RECENT_CHANGES = 5


@login_required
def profile_home(request):
    """The state policy profiles the user may see, latest cycle first within each state."""
    return render(
        request,
        "policies/profile_home.html",
        {
            "summaries": selectors.policy_profile_summaries_for_user(user=request.user),
            "startable": selectors.policy_profile_startable_cycles(user=request.user),
        },
    )


@login_required
def profile_detail(request, state_code: str, cycle_id: int):
    profile = selectors.policy_profile_get_for_user(
        user=request.user, state_code=state_code, cycle_id=cycle_id
    )
    detail = selectors.policy_profile_detail(profile=profile)
    history = selectors.policy_profile_history(profile=profile)
    # Counts across the state's LEAs, for those who may see the state's aggregates.
    sees_state = scoping.user_can_see_state_aggregates(user=request.user, state=profile.state)
    reach = {}
    if sees_state:
        reach = {
            row.code: row
            for row in selectors.state_levers_held_back(state=profile.state, cycle=profile.cycle)
        }
    return render(
        request,
        "policies/profile_detail.html",
        {
            "profile": profile,
            "detail": detail,
            "state_actions": selectors.policy_profile_state_actions(profile=profile),
            "recent_changes": history[:RECENT_CHANGES],
            "has_more_history": len(history) > RECENT_CHANGES,
            "can_edit": scoping.user_can_edit_policy(user=request.user, state=profile.state),
            "can_simulate": scoping.user_can_simulate_policy(
                user=request.user, state=profile.state
            ),
            "sees_state": sees_state,
            "group_rows": [
                {
                    "group": group,
                    "rows": [
                        {"lever": lever, "counts": reach.get(lever.code)} for lever in group.levers
                    ],
                }
                for group in detail.groups
            ],
            "lea_count": (
                scoping.lea_list_for_user(user=request.user)
                .filter(state_id=profile.state_id)
                .count()
                if sees_state
                else None
            ),
            "categories": selectors.GAP_CATEGORIES,
        },
    )


@login_required
def profile_edit(request, state_code: str, cycle_id: int):
    profile = selectors.policy_profile_get_for_user(
        user=request.user, state_code=state_code, cycle_id=cycle_id
    )
    if not scoping.user_can_edit_policy(user=request.user, state=profile.state):
        raise PermissionDenied("Only the state administrator can edit this profile.")
    framework = profile.cycle.framework.spec
    levers = selectors.policy_profile_levers(profile=profile)
    conflicts = []
    status = 200
    if request.method == "POST":
        forms = lever_forms_build(levers=levers, framework=framework, data=request.POST)
        if all([form.is_valid() for form in forms]):
            try:
                changed = policy_profile_update(
                    profile=profile,
                    user=request.user,
                    edits=[form.lever_edit() for form in forms],
                )
            except StaleEdit as exc:
                conflicts, forms = _forms_after_conflict(
                    profile=profile, framework=framework, data=request.POST, stale=exc.levers
                )
                messages.error(
                    request,
                    "Nothing was saved: someone else saved changes to "
                    f"{_names(conflicts)} after you opened this page. Their version is shown "
                    "under each of those levers; check your changes and save again.",
                )
                status = 409
            except ValidationError as exc:  # the form checks the same rules; kept as a net
                _attach_errors(forms, exc)
                status = 400
            else:
                if changed:
                    messages.success(request, f"Saved changes to {_names_of(levers, changed)}.")
                else:
                    messages.info(request, "No changes to save.")
                return redirect(
                    "policies:profile_detail", state_code=profile.state.code, cycle_id=cycle_id
                )
        else:
            status = 400
    else:
        forms = lever_forms_build(levers=levers, framework=framework)
    return render(
        request,
        "policies/profile_edit.html",
        {
            "profile": profile,
            "framework": framework,
            "groups": _grouped(framework, forms),
            "forms": forms,
            "error_count": sum(len(form.errors) for form in forms),
        },
        status=status,
    )


@login_required
def profile_history(request, state_code: str, cycle_id: int):
    profile = selectors.policy_profile_get_for_user(
        user=request.user, state_code=state_code, cycle_id=cycle_id
    )
    history = selectors.policy_profile_history(profile=profile)
    page = Paginator(history, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "policies/profile_history.html", {"profile": profile, "page_obj": page})


@login_required
@require_POST
def profile_start(request, state_code: str, cycle_id: int):
    cycle = selectors.policy_cycle_get_for_user(
        user=request.user, state_code=state_code, cycle_id=cycle_id
    )
    if not scoping.user_can_edit_policy(user=request.user, state=cycle.state):
        raise PermissionDenied("Only the state administrator can start this profile.")
    profile, created = policy_profile_start(state=cycle.state, cycle=cycle, user=request.user)
    if created:
        messages.success(
            request,
            f"Started the {cycle.state.name} policy profile for {cycle.name}. Check each lever "
            "and save.",
        )
        return redirect("policies:profile_edit", state_code=cycle.state.code, cycle_id=cycle.pk)
    messages.info(request, f"The profile for {cycle.name} already exists.")
    return redirect("policies:profile_detail", state_code=cycle.state.code, cycle_id=cycle.pk)


@login_required
def lever_participation(request, state_code: str, cycle_id: int, lever_code: str):
    """Who takes part in an enacted lever: every LEA, or LEAs ticked in a list or loaded
    from a CSV file. State staff, task forces and national admins read it; whoever may
    edit the profile changes it. A district leader may not see it (it names other LEAs)."""
    profile = selectors.policy_profile_get_for_user(
        user=request.user, state_code=state_code, cycle_id=cycle_id
    )
    can_edit = scoping.user_can_edit_policy(user=request.user, state=profile.state)
    sees_state = scoping.user_can_see_state_aggregates(user=request.user, state=profile.state)
    if not (can_edit or sees_state):
        raise PermissionDenied("The LEAs taking part are shown to state and national staff.")
    detail = selectors.lever_participation_detail(profile=profile, lever_code=lever_code)
    choices = [
        (lea.leaid, f"{lea.name} ({lea.leaid}{', ' + lea.city if lea.city else ''})")
        for lea in detail.leas
    ]
    initial = {
        "participation": detail.participation or None,
        "leas": [lea.leaid for lea in detail.chosen],
        "version": detail.lever.version,
    }
    form = ParticipationForm(initial=initial, leas=choices, prefix="choose")
    upload = ParticipationUploadForm(initial={"version": detail.lever.version}, prefix="upload")
    file_problems: list = []
    file_error = ""
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only the state administrator can change who takes part.")
        if not detail.enacted:
            messages.error(request, "Nothing was saved: the lever is no longer enacted.")
            return redirect(
                "policies:lever_participation", profile.state.code, cycle_id, lever_code
            )
        change = None
        try:
            if "upload" in request.POST.get("action", ""):
                upload = ParticipationUploadForm(request.POST, request.FILES, prefix="upload")
                if upload.is_valid():
                    try:
                        leaids = participation_csv_read(
                            content=upload.cleaned_data["file"].read(), state=profile.state
                        )
                    except ParticipationFileError as exc:
                        file_error, file_problems = str(exc), exc.problems
                    else:
                        change = lever_participation_set(
                            profile=profile,
                            user=request.user,
                            lever=lever_code,
                            participation=Participation.LISTED,
                            leaids=leaids,
                            version=upload.cleaned_data["version"],
                            source=f"from the file {upload.cleaned_data['file'].name}"[:60],
                        )
            else:
                form = ParticipationForm(request.POST, leas=choices, prefix="choose")
                if form.is_valid():
                    change = lever_participation_set(
                        profile=profile,
                        user=request.user,
                        lever=lever_code,
                        participation=form.cleaned_data["participation"],
                        leaids=form.cleaned_data["leas"],
                        version=form.cleaned_data["version"],
                        source="chosen on the page",
                    )
        except StaleEdit:
            messages.error(
                request,
                f"Nothing was saved: someone else changed {detail.lever.name} after you opened "
                "this page. The page now shows their version; make your change again.",
            )
            return redirect(
                "policies:lever_participation", profile.state.code, cycle_id, lever_code
            )
        except ValidationError as exc:
            file_error = " ".join(exc.messages)
        if change is not None:
            if change.changed:
                messages.success(request, _participation_saved(change, detail.lever.name))
            else:
                messages.info(request, "No changes to save.")
            return redirect("policies:profile_detail", profile.state.code, cycle_id)
        status = 400
    return render(
        request,
        "policies/lever_participation.html",
        {
            "profile": profile,
            "detail": detail,
            "can_edit": can_edit,
            "form": form,
            "upload": upload,
            "file_error": file_error,
            "file_problems": file_problems,
            "lea_count": len(detail.leas),
        },
        status=status,
    )


@login_required
def policy_simulator(request, state_code: str, cycle_id: int):
    """What if the levers had other statuses? The state stage that would follow and, per
    lever, the LEAs whose related gaps would be opened, available to join or blocked.
    The choices travel in the query string; nothing is stored."""
    cycle = selectors.policy_cycle_get_for_user(
        user=request.user, state_code=state_code, cycle_id=cycle_id
    )
    if not scoping.user_can_simulate_policy(user=request.user, state=cycle.state):
        raise PermissionDenied("The what-if simulator is for the task force and administrators.")
    framework = cycle.framework.spec
    recorded = selectors.profile_levers_recorded(cycle_id=cycle.pk, state_id=cycle.state_id)
    today = {code: recorded.lever(code).status for code in framework.lever_codes}
    form = SimulationForm(request.GET or None, framework=framework, initial_statuses=today)
    status = 200
    simulation = None
    if not form.is_bound:
        simulation = selectors.policy_simulate(state=cycle.state, cycle=cycle, statuses=today)
    elif form.is_valid():
        simulation = selectors.policy_simulate(
            state=cycle.state,
            cycle=cycle,
            statuses=form.statuses(),
            participation=form.participation(),
        )
    else:
        status = 400
    return render(
        request,
        "policies/simulator.html",
        {
            "cycle": cycle,
            "state": cycle.state,
            "profile_recorded": recorded.recorded,
            "framework": framework,
            "form": form,
            "simulation": simulation,
            "enacted_label": framework.status_label(framework.partial_status_code),
        },
        status=status,
    )


# --- helpers ---------------------------------------------------------------------------


def _participation_saved(change, lever_name: str) -> str:
    if change.participation == Participation.ALL:
        return f"Saved: every LEA takes part in {lever_name}."
    if change.count == 1:
        return f"Saved: 1 LEA takes part in {lever_name}."
    return f"Saved: {change.count} LEAs take part in {lever_name}."


def _grouped(framework, forms):
    return [
        {
            "code": group.code,
            "label": group.label,
            "description": group.description,
            "forms": [form for form in forms if form.lever.group == group.code],
        }
        for group in framework.lever_groups
    ]


def _names(levers) -> str:
    names = [lever.name for lever in levers]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _names_of(levers, codes) -> str:
    return _names([lever for lever in levers if lever.code in codes])


def _forms_after_conflict(*, profile, framework, data, stale):
    """The editor's own values again, with the stale levers' versions brought up to date,
    so that saving again is a deliberate choice made after seeing the other version."""
    fresh = selectors.policy_profile_levers(profile=profile)
    data = data.copy()
    for lever in fresh:
        if lever.code in stale:
            data[f"{lever.code}-version"] = str(lever.version)
    forms = lever_forms_build(levers=fresh, framework=framework, data=data)
    for form in forms:
        form.is_valid()
        form.conflict = form.lever if form.lever.code in stale else None
    return [lever for lever in fresh if lever.code in stale], forms


def _attach_errors(forms, exc: ValidationError) -> None:
    by_prefix = {form.prefix: form for form in forms}
    for key, errors in exc.message_dict.items():
        prefix, _, field_name = key.rpartition("-")
        form = by_prefix.get(prefix)
        if form is not None and field_name in form.fields:
            for error in errors:
                form.add_error(field_name, error)


@login_required
def profile_state_actions_edit(request, state_code: str, cycle_id: int):
    """Record the status and note of each state action (cbe-v2's state-side duties)."""
    profile = selectors.policy_profile_get_for_user(
        user=request.user, state_code=state_code, cycle_id=cycle_id
    )
    if not scoping.user_can_edit_policy(user=request.user, state=profile.state):
        raise PermissionDenied("Only the state administrator can edit this profile.")
    framework = profile.cycle.framework.spec
    actions = selectors.policy_profile_state_actions(profile=profile)
    if not actions:
        raise Http404("This cycle's framework has no state actions.")
    status = 200
    if request.method == "POST":
        forms = state_action_forms_build(actions=actions, framework=framework, data=request.POST)
        if all([form.is_valid() for form in forms]):
            changed = policy_profile_state_actions_update(
                profile=profile, user=request.user, edits=[form.action_edit() for form in forms]
            )
            if changed:
                messages.success(
                    request, f"Saved {len(changed)} state action{'s' if len(changed) != 1 else ''}."
                )
            else:
                messages.info(request, "No changes to save.")
            return redirect(
                "policies:profile_detail", state_code=profile.state.code, cycle_id=cycle_id
            )
        status = 400
    else:
        forms = state_action_forms_build(actions=actions, framework=framework)
    return render(
        request,
        "policies/profile_state_actions.html",
        {
            "profile": profile,
            "framework": framework,
            "forms": forms,
            "error_count": sum(len(form.errors) for form in forms),
        },
        status=status,
    )
