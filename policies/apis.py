"""API for state policy profiles, one LEA's alignment and the what-if simulator; none of
them writes anything.

Scoped exactly like the pages: rows come through `access.selectors`, so a profile,
assessment or state the user may not see is a 404. The data is what the selectors return.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors as scoping
from cbe_portal.api import ApiError

from . import selectors


class LeverOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    group = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    active = serializers.BooleanField()
    citation = serializers.CharField()
    note = serializers.CharField()
    participation = serializers.CharField(
        help_text="For an enacted lever: “all” (every LEA takes part), “listed” (the LEAs "
        "chosen) or empty (not recorded)."
    )
    participant_count = serializers.IntegerField()
    version = serializers.IntegerField()
    updated_by = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


class PolicyProfileDetailApi(APIView):
    class PolicyProfileOutputSerializer(serializers.Serializer):
        state = serializers.CharField()
        cycle_id = serializers.IntegerField()
        cycle = serializers.CharField()
        stage = serializers.CharField()
        stage_label = serializers.CharField()
        levers = LeverOutputSerializer(many=True)

    @extend_schema(responses=PolicyProfileOutputSerializer)
    def get(self, request, state_code: str, cycle_id: int):
        profile = selectors.policy_profile_get_for_user(
            user=request.user, state_code=state_code, cycle_id=cycle_id
        )
        detail = selectors.policy_profile_detail(profile=profile)
        data = {
            "state": profile.state.code,
            "cycle_id": profile.cycle_id,
            "cycle": profile.cycle.name,
            "stage": detail.working.stage,
            "stage_label": detail.working.label,
            "levers": detail.levers,
        }
        return Response(self.PolicyProfileOutputSerializer(data).data)


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
    state = serializers.ChoiceField(
        choices=["opened", "available", "blocked", "local"],
        help_text="The kind of gap: opened, available (to join), blocked or local.",
    )
    state_label = serializers.CharField(source="category_label")
    levers = LeverLinkOutputSerializer(many=True)


class LeverContextOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    active = serializers.BooleanField()
    gap_codes = serializers.ListField(child=serializers.CharField())


class LeaAlignmentApi(APIView):
    class LeaAlignmentOutputSerializer(serializers.Serializer):
        leaid = serializers.CharField()
        cycle_id = serializers.IntegerField()
        profile_recorded = serializers.BooleanField()
        opened_count = serializers.IntegerField()
        available_count = serializers.IntegerField()
        blocked_count = serializers.IntegerField()
        local_count = serializers.IntegerField()
        gaps = GapOutputSerializer(many=True)
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

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
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
