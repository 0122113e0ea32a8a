"""The API of state policy profiles, alignment and the what-if simulator (which stores
nothing).

Scoped exactly like the pages: rows come through `access.selectors` (directly or through
`policies.selectors`), so a profile, cycle, state or assessment the user may not see is a
404; seeing is not editing (`user_can_edit_policy`), and a reader who may not edit gets a
403. Edits go through the page's own form and service (`LeverStatusForm`,
`policy_profile_update`), so the API accepts and refuses exactly what the page does, with
the same messages.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors as scoping
from cbe_portal.api import ID_MAX, ApiError, IdFilter, StateCodeFilter, StrictFilterSet
from cbe_portal.api_schema import ErrorSerializer

from . import selectors
from .forms import LeverStatusForm
from .models import PolicyStatus
from .services import NOTE_MAX_LENGTH, StaleEdit, policy_profile_start, policy_profile_update

# --- profiles ------------------------------------------------------------------------------


class LeverBaseSerializer(serializers.Serializer):
    """What every view of one lever says: which lever, and its recorded status."""

    code = serializers.CharField()
    name = serializers.CharField()
    group = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    active = serializers.BooleanField()
    citation = serializers.CharField()


class LeverOutputSerializer(LeverBaseSerializer):
    note = serializers.CharField()
    participation = serializers.CharField(
        help_text="For an enacted lever: “all” (every LEA takes part), “listed” (the LEAs "
        "chosen) or empty (not recorded)."
    )
    participant_count = serializers.IntegerField()
    version = serializers.IntegerField(
        help_text="Send it back with an edit; 0 while no status was ever recorded."
    )
    updated_by = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


class PolicyProfileOutputSerializer(serializers.Serializer):
    state = serializers.CharField()
    cycle_id = serializers.IntegerField()
    cycle = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    can_edit = serializers.BooleanField(help_text="Whether the caller may edit the levers.")
    levers = LeverOutputSerializer(many=True)


def _profile_data(request, profile) -> dict:
    """A profile as GET, start and edit answer it: the page's levers and stage."""
    detail = selectors.policy_profile_detail(profile=profile)
    return {
        "state": profile.state.code,
        "cycle_id": profile.cycle_id,
        "cycle": profile.cycle.name,
        "stage": detail.working.stage,
        "stage_label": detail.working.label,
        "can_edit": scoping.user_can_edit_policy(user=request.user, state=profile.state),
        "levers": detail.levers,
    }


class PolicyProfileFilter(StrictFilterSet):
    state = StateCodeFilter(field_name="state__code")
    cycle = IdFilter(field_name="cycle__id", help_text="An assessment cycle's id.")


class PolicyProfileListApi(generics.ListAPIView):
    """The policy profiles the caller may see (latest cycle first within each state), with
    each one's stage and lever counts; and starting a state's profile for a cycle."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PolicyProfileSummary"

        state = serializers.CharField()
        state_name = serializers.CharField()
        cycle_id = serializers.IntegerField()
        cycle = serializers.CharField()
        stage = serializers.CharField()
        stage_label = serializers.CharField()
        engaged = serializers.IntegerField(help_text="Levers being explored or in force.")
        active = serializers.IntegerField(help_text="Levers in force.")
        lever_total = serializers.IntegerField()
        updated_at = serializers.DateTimeField()

    class StartInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PolicyProfileStart"

        state = serializers.RegexField(
            r"^[A-Za-z]{2}\Z",
            help_text="The state's two-letter USPS code.",
            error_messages={"invalid": "Give a two-letter state code, e.g. NH."},
        )
        cycle = serializers.IntegerField(min_value=1, max_value=ID_MAX)

    serializer_class = OutputSerializer
    filterset_class = PolicyProfileFilter

    def get_queryset(self):
        return scoping.policy_profile_list_for_user(user=self.request.user).order_by(
            "state__name", "-cycle__starts_on", "-cycle_id"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = [
            {
                "state": summary.profile.state.code,
                "state_name": summary.profile.state.name,
                "cycle_id": summary.profile.cycle_id,
                "cycle": summary.profile.cycle.name,
                "stage": summary.stage,
                "stage_label": summary.stage_label,
                "engaged": summary.engaged,
                "active": summary.active,
                "lever_total": summary.lever_total,
                "updated_at": summary.profile.updated_at,
            }
            for summary in selectors.policy_profile_summaries(profiles=page)
        ]
        return self.get_paginated_response(self.OutputSerializer(rows, many=True).data)

    @extend_schema(
        request=StartInputSerializer,
        responses={
            201: OpenApiResponse(PolicyProfileOutputSerializer, "The profile was started."),
            200: OpenApiResponse(PolicyProfileOutputSerializer, "It existed already."),
        },
        description="Start the state's policy profile for a cycle, each lever carried over "
        "from the state's latest earlier profile (or none). State administrators of the "
        "state and national administrators; starting one that exists returns it (200).",
    )
    def post(self, request):
        data = _valid(self.StartInputSerializer, request)
        cycle = selectors.policy_cycle_get_for_user(
            user=request.user, state_code=data["state"], cycle_id=data["cycle"]
        )
        if not scoping.user_can_edit_policy(user=request.user, state=cycle.state):
            raise PermissionDenied("Only the state administrator can start this profile.")
        profile, created = policy_profile_start(state=cycle.state, cycle=cycle, user=request.user)
        profile = selectors.policy_profile_get_for_user(
            user=request.user, state_code=cycle.state.code, cycle_id=cycle.pk
        )
        return Response(
            PolicyProfileOutputSerializer(_profile_data(request, profile)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PolicyProfileDetailApi(APIView):
    """One state's policy profile for a cycle: the nine levers and the stage."""

    @extend_schema(responses=PolicyProfileOutputSerializer)
    def get(self, request, state_code: str, cycle_id: int):
        profile = selectors.policy_profile_get_for_user(
            user=request.user, state_code=state_code, cycle_id=cycle_id
        )
        return Response(PolicyProfileOutputSerializer(_profile_data(request, profile)).data)


@extend_schema_field({"type": "string", "enum": PolicyStatus.values})
class StatusField(serializers.CharField):
    """A lever status. The schema lists the statuses; the edit form checks the value, so a
    wrong one gets the page's message."""


class LeverEditSerializer(serializers.Serializer):
    """What an editor sends for one lever (also what the conflict reply calls `yours`)."""

    status = StatusField(allow_blank=True)
    citation = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="Statute, rule, bill or https:// address, at most 300 characters once runs "
        "of spaces are made one: a reference with letters and a number (“RSA 193-C:3”) or a "
        "complete http(s) address. Needed once the lever is in force (enacted or statewide).",
    )
    note = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=NOTE_MAX_LENGTH,
        help_text=f"At most {NOTE_MAX_LENGTH:,} characters.",
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=ID_MAX,
        help_text="The lever's version you started from (0 if it had none).",
    )


class PolicyConflictSerializer(ErrorSerializer):
    class Meta:
        ref_name = "PolicyConflict"

    yours = LeverEditSerializer(help_text="What you sent; nothing of it was saved.")
    theirs = LeverOutputSerializer(help_text="The lever as someone else saved it meanwhile.")


class PolicyLeverUpdateApi(APIView):
    """Record one lever's status, citation and note, from the version the editor read."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PolicyLeverUpdate"

        state = serializers.CharField()
        cycle_id = serializers.IntegerField()
        changed = serializers.BooleanField(help_text="False when what you sent was stored already.")
        version = serializers.IntegerField(help_text="The lever's version now.")
        lever = LeverOutputSerializer()
        stage = serializers.CharField(help_text="The profile's stage after the edit.")
        stage_label = serializers.CharField()

    @extend_schema(
        request=LeverEditSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                "The edit page's rules, which a well-formed body can still break (each "
                "named in fields): a citation is needed once the lever is enacted or "
                "statewide, and must be one a reader can look up (a reference with letters "
                "and a number, or a complete http(s) address, at most 300 characters).",
            ),
            409: OpenApiResponse(
                PolicyConflictSerializer,
                "Someone saved this lever after the version you sent; nothing was saved. "
                "Both versions are in the body; send again with theirs.version to overwrite.",
            ),
        },
        description="State administrators of the state and national administrators. The "
        "same rules as the edit page: a status of the framework, a citation a reader can "
        "look up (required once the lever is in force), a note of at most 2,000 characters.",
    )
    def put(self, request, state_code: str, cycle_id: int, lever_code: str):
        profile = selectors.policy_profile_get_for_user(
            user=request.user, state_code=state_code, cycle_id=cycle_id
        )
        if not scoping.user_can_edit_policy(user=request.user, state=profile.state):
            raise PermissionDenied("Only the state administrator can edit this profile.")
        data = _valid(LeverEditSerializer, request)
        levers = {lever.code: lever for lever in selectors.policy_profile_levers(profile=profile)}
        lever = levers.get(lever_code)
        if lever is None:
            # The lever is the address: one the framework does not have is not found.
            message = f"“{lever_code}” is not a lever of this framework."
            raise ApiError(
                status=404, code="unknown_lever", message=message, fields={"lever": [message]}
            )
        form = LeverStatusForm(
            data, lever=lever, framework=profile.cycle.framework.spec, prefix=None
        )
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        edit = form.lever_edit()
        try:
            changed = policy_profile_update(profile=profile, user=request.user, edits=[edit])
        except DjangoValidationError as exc:
            raise ValidationError(
                {key.rpartition("-")[2]: errors for key, errors in exc.message_dict.items()}
            ) from exc
        except StaleEdit:
            theirs = next(
                fresh
                for fresh in selectors.policy_profile_levers(profile=profile)
                if fresh.code == lever_code
            )
            raise ApiError(
                status=409,
                code="policy_conflict",
                message=f"Nothing was saved: someone else saved {theirs.name} after version "
                f"{data['version']}. Their version is under “theirs”; to keep yours, send it "
                f"again with version {theirs.version}.",
                extra={
                    "yours": LeverEditSerializer(data).data,
                    "theirs": LeverOutputSerializer(theirs).data,
                },
            ) from None
        detail = _profile_data(request, profile)
        saved = next(row for row in detail["levers"] if row.code == lever_code)
        body = {
            "state": detail["state"],
            "cycle_id": detail["cycle_id"],
            "changed": bool(changed),
            "version": saved.version,
            "lever": saved,
            "stage": detail["stage"],
            "stage_label": detail["stage_label"],
        }
        return Response(self.OutputSerializer(body).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- alignment -------------------------------------------------------------------------------

# One enum in the schema (settings.SPECTACULAR_SETTINGS names it GapCategoryEnum).
GAP_CATEGORY_CHOICES = [(category.code, category.label) for category in selectors.GAP_CATEGORIES]
GAP_CATEGORY_LABELS = dict(GAP_CATEGORY_CHOICES)


class LeverLinkOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    active = serializers.BooleanField()
    citation = serializers.CharField()
    reaches_lea = serializers.BooleanField(
        help_text="The lever is in force for this LEA: statewide, or enacted with the LEA "
        "taking part."
    )


class GapOutputSerializer(serializers.Serializer):
    indicator_code = serializers.CharField()
    indicator_title = serializers.CharField()
    domain_code = serializers.CharField()
    rating = serializers.IntegerField()
    evidence = serializers.CharField()
    next_step = serializers.CharField()
    category = serializers.ChoiceField(choices=GAP_CATEGORY_CHOICES, source="state")
    category_label = serializers.SerializerMethodField()
    state = serializers.ChoiceField(
        choices=GAP_CATEGORY_CHOICES, help_text="The same as category (its first name)."
    )
    levers = LeverLinkOutputSerializer(many=True)

    def get_category_label(self, gap) -> str:
        return GAP_CATEGORY_LABELS[gap.state]


class GapCategoryOutputSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=GAP_CATEGORY_CHOICES)
    label = serializers.CharField()
    description = serializers.CharField()
    count = serializers.IntegerField()
    gaps = GapOutputSerializer(many=True)


class LeverContextOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    active = serializers.BooleanField()
    gap_codes = serializers.ListField(child=serializers.CharField())


class LeaAlignmentApi(APIView):
    """An LEA's gaps in a cycle, grouped by category in the order and words of its
    results page, with the levers aligned to each; and each lever with the LEA's gaps."""

    class LeaAlignmentOutputSerializer(serializers.Serializer):
        leaid = serializers.CharField()
        cycle_id = serializers.IntegerField()
        profile_recorded = serializers.BooleanField()
        opened_count = serializers.IntegerField()
        available_count = serializers.IntegerField()
        blocked_count = serializers.IntegerField()
        local_count = serializers.IntegerField()
        categories = GapCategoryOutputSerializer(
            many=True, help_text="Every category, in order, even when it has no gap."
        )
        gaps = GapOutputSerializer(many=True, help_text="Every gap, in framework order.")
        levers = LeverContextOutputSerializer(many=True)

    @extend_schema(responses=LeaAlignmentOutputSerializer)
    def get(self, request, leaid: str, cycle_id: int):
        assessment = scoping.assessment_get_for_lea_cycle(
            user=request.user, leaid=leaid, cycle_id=cycle_id
        )
        alignment = selectors.lea_alignment(assessment=assessment)
        data = {
            "leaid": assessment.lea.leaid,
            "cycle_id": assessment.cycle_id,
            "profile_recorded": alignment.profile_recorded,
            "opened_count": alignment.opened_count,
            "available_count": alignment.available_count,
            "blocked_count": alignment.blocked_count,
            "local_count": alignment.local_count,
            "categories": [
                {
                    "code": category.code,
                    "label": category.label,
                    "description": category.description,
                    "count": category.count,
                    "gaps": alignment.gaps_of(category.code),
                }
                for category in alignment.categories
            ],
            "gaps": alignment.gaps,
            "levers": alignment.levers,
        }
        return Response(self.LeaAlignmentOutputSerializer(data).data)


class SimulatedStageSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SimulatedStage"

    code = serializers.CharField()
    label = serializers.CharField()


class SimulatedCountsSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SimulatedLeaCounts"

    leas_opened = serializers.IntegerField()
    leas_available = serializers.IntegerField()
    leas_blocked = serializers.IntegerField()


class SimulatedLeverSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SimulatedLever"

    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_today = serializers.CharField()
    reach = serializers.CharField(help_text="Who the lever would reach, in words.")
    leas_with_gap = serializers.IntegerField(
        help_text="Assessed LEAs with a gap aligned to the lever."
    )
    leas_opened = serializers.IntegerField(
        help_text="Of those, LEAs whose aligned gaps would all be opened."
    )
    leas_available = serializers.IntegerField(
        help_text="LEAs with no aligned gap blocked but one only available to join."
    )
    leas_blocked = serializers.IntegerField(help_text="LEAs with an aligned gap blocked.")
    leas_unblocked = serializers.IntegerField(
        help_text="LEAs with an aligned gap that would move from blocked to opened."
    )
    today = SimulatedCountsSerializer()


class PolicySimulationApi(APIView):
    """What if the state's levers had other statuses? The state stage that would follow and,
    per lever, the assessed LEAs whose related gaps would be opened, available to join or
    blocked, against today's. Nothing is stored. For task force members and state
    administrators of the state, and national admins."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PolicySimulationInput"

        cycle = serializers.IntegerField(help_text="The id of one of the state's cycles.")
        levers = serializers.DictField(
            child=serializers.CharField(),
            required=False,
            default=dict,
            help_text="Lever code to status code (none, exploring, enacted, statewide); a "
            "lever not named is none.",
        )
        participation = serializers.DictField(
            child=serializers.CharField(),
            required=False,
            default=dict,
            help_text="For an enacted lever, who would take part: recorded (the LEAs recorded "
            "today, the default), all (every LEA) or none (no LEA yet).",
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PolicySimulation"

        state = serializers.CharField()
        cycle = serializers.IntegerField()
        framework = serializers.CharField()
        stage = SimulatedStageSerializer(help_text="The state policy stage with these statuses.")
        stage_today = SimulatedStageSerializer()
        leas_assessed = serializers.IntegerField()
        leas_unblocked = serializers.IntegerField(
            help_text="LEAs with at least one gap that would move from blocked to opened."
        )
        levers = SimulatedLeverSerializer(
            many=True, help_text="Every lever, in the framework's order."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                "A lever, status or participation choice the cycle's framework does not "
                "have (each named in fields, as levers.<code> or participation.<code>; the "
                "levers and statuses of a framework version are listed by "
                "GET /api/v1/frameworks/{code}/{version}/), or a cycle that is not the "
                "state's. Nothing is stored either way.",
            ),
        },
    )
    def post(self, request, state_code: str):
        state = scoping.state_get_for_user(user=request.user, code=state_code)
        if not scoping.user_can_simulate_policy(user=request.user, state=state):
            raise PermissionDenied(
                "The what-if simulator is for the task force and administrators."
            )
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        cycle = (
            scoping.cycle_list_for_user(user=request.user)
            .filter(state_id=state.pk, pk=given.validated_data["cycle"])
            .first()
        )
        if cycle is None:
            raise ApiError(
                status=400,
                code="invalid",
                message=f"cycle: {given.validated_data['cycle']} is not a cycle of {state.name}.",
                fields={"cycle": [f"Not a cycle of {state.name}."]},
            )
        try:
            simulation = selectors.policy_simulate(
                state=state,
                cycle=cycle,
                statuses=given.validated_data["levers"],
                participation=given.validated_data["participation"],
            )
        except DjangoValidationError as exc:
            problems = exc.message_dict
            raise ApiError(
                status=400,
                code="invalid",
                message=" ".join(message for messages in problems.values() for message in messages),
                fields={
                    f"{'levers' if code in given.validated_data['levers'] else 'participation'}"
                    f".{code}": messages
                    for code, messages in problems.items()
                },
            ) from None
        data = {
            "state": state.code,
            "cycle": cycle.pk,
            "framework": simulation.framework_label,
            "stage": {"code": simulation.stage, "label": simulation.stage_label},
            "stage_today": {"code": simulation.stage_today, "label": simulation.stage_today_label},
            "leas_assessed": simulation.assessed_leas,
            "leas_unblocked": simulation.leas_unblocked,
            "levers": [
                {
                    "code": lever.code,
                    "name": lever.name,
                    "status": lever.status,
                    "status_today": lever.status_today,
                    "reach": lever.reach_text,
                    "leas_with_gap": lever.leas_with_gap,
                    "leas_opened": lever.simulated.opened,
                    "leas_available": lever.simulated.available,
                    "leas_blocked": lever.simulated.blocked,
                    "leas_unblocked": lever.leas_unblocked,
                    "today": {
                        "leas_opened": lever.today.opened,
                        "leas_available": lever.today.available,
                        "leas_blocked": lever.today.blocked,
                    },
                }
                for lever in simulation.levers
            ],
        }
        return Response(self.OutputSerializer(data).data)


class LeverIndicatorCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    lea_count = serializers.IntegerField(help_text="LEAs with this indicator as a gap.")


class StateLeverOutputSerializer(LeverBaseSerializer):
    assessed_leas = serializers.IntegerField()
    leas_with_gap = serializers.IntegerField(
        help_text="LEAs with at least one gap aligned to this lever."
    )
    leas_opened = serializers.IntegerField(
        help_text="LEAs whose gaps aligned to this lever are all opened."
    )
    leas_available = serializers.IntegerField(
        help_text="LEAs with no such gap blocked, but one only available to join."
    )
    leas_blocked = serializers.IntegerField(
        help_text="LEAs held back: a gap aligned to this lever with no aligned lever in force."
    )
    reach = serializers.CharField(source="reach_text", help_text="Who the lever reaches.")
    leas_without_gap = serializers.IntegerField()
    gaps = serializers.IntegerField(help_text="Gaps aligned to this lever, across the LEAs.")
    gaps_blocked = serializers.IntegerField()
    indicators = LeverIndicatorCountSerializer(many=True)


class StateLeversApi(APIView):
    """Per lever, how many of the state's LEAs its absence holds back in a cycle: the
    dashboard's figures (`state_levers_held_back`), for whoever may see the state's
    aggregates (not district leaders)."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "StateLevers"

        state = serializers.CharField()
        cycle_id = serializers.IntegerField()
        cycle = serializers.CharField()
        levers = StateLeverOutputSerializer(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request, state_code: str, cycle_id: int):
        state = scoping.state_get_for_user(user=request.user, code=state_code)
        if not scoping.user_can_see_state_aggregates(user=request.user, state=state):
            raise PermissionDenied("A state's lever figures are for state and national staff.")
        cycle = (
            scoping.cycle_list_for_user(user=request.user)
            .filter(state_id=state.pk, pk=cycle_id)
            .first()
        )
        if cycle is None:
            raise Http404("No such cycle in this state.")
        data = {
            "state": state.code,
            "cycle_id": cycle.pk,
            "cycle": cycle.name,
            "levers": selectors.state_levers_held_back(state=state, cycle=cycle),
        }
        return Response(self.OutputSerializer(data).data)
