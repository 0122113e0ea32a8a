"""Read-only API for state policy profiles and one LEA's alignment.

Scoped exactly like the pages: rows come through `access.selectors`, so a profile
or assessment the user may not see is a 404. The data is what the selectors return.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors as scoping

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
