from rest_framework import generics, serializers
from rest_framework.response import Response

from access import selectors
from directory.models import LEA, State

from .models import AssessmentCycle
from .results import lea_results


class StateListApi(generics.ListAPIView):
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = State
            fields = ["code", "fips", "name"]
            ref_name = "State"

    serializer_class = OutputSerializer

    def get_queryset(self):
        return selectors.state_list_for_user(user=self.request.user).order_by("code")


class LeaOutputSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = LEA
        fields = [
            "leaid",
            "name",
            "state",
            "agency_type",
            "locale",
            "locale_code",
            "enrollment",
            "school_count",
            "is_charter",
            "status",
            "city",
        ]


class LeaListApi(generics.ListAPIView):
    serializer_class = LeaOutputSerializer
    filterset_fields = ["locale", "status", "is_charter"]

    def get_queryset(self):
        return selectors.lea_list_for_user(user=self.request.user).order_by("leaid")


class LeaDetailApi(generics.RetrieveAPIView):
    serializer_class = LeaOutputSerializer
    lookup_field = "leaid"

    def get_queryset(self):
        return selectors.lea_list_for_user(user=self.request.user)


class CycleListApi(generics.ListAPIView):
    class OutputSerializer(serializers.ModelSerializer):
        state = serializers.SlugRelatedField(slug_field="code", read_only=True)
        framework = serializers.CharField(source="framework.label", read_only=True)

        class Meta:
            model = AssessmentCycle
            fields = ["id", "state", "name", "starts_on", "ends_on", "framework", "is_open"]
            ref_name = "Cycle"

    serializer_class = OutputSerializer

    def get_queryset(self):
        return selectors.cycle_list_for_user(user=self.request.user).order_by("state__code", "name")


class LeaResultsApi(generics.GenericAPIView):
    """Scores, stage, gaps, strengths and comparisons of one LEA's assessment in a cycle."""

    class DomainSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DomainResult"

        code = serializers.CharField()
        name = serializers.CharField()
        score = serializers.FloatField(allow_null=True)
        rated = serializers.IntegerField()
        dont_know = serializers.IntegerField()
        total = serializers.IntegerField()
        state_median = serializers.FloatField(allow_null=True)
        state_median_leas = serializers.IntegerField(help_text="LEAs the state median rests on.")
        locale_median = serializers.FloatField(allow_null=True)
        locale_median_leas = serializers.IntegerField(help_text="LEAs the locale median rests on.")
        previous = serializers.FloatField(
            allow_null=True,
            help_text="The previous cycle's score of the domain with the same code, if any.",
        )

    class IndicatorSerializer(serializers.Serializer):
        class Meta:
            ref_name = "IndicatorResult"

        code = serializers.CharField()
        title = serializers.CharField()
        domain_code = serializers.CharField()
        rating = serializers.IntegerField(allow_null=True)
        rating_label = serializers.CharField()
        evidence = serializers.CharField()
        next_step = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        leaid = serializers.CharField(source="lea.leaid")
        cycle = serializers.CharField(source="cycle.name")
        framework = serializers.CharField(source="score.framework")
        overall = serializers.FloatField(source="score.overall", allow_null=True)
        stage = serializers.CharField(source="score.stage")
        stage_label = serializers.CharField()
        domains = serializers.SerializerMethodField()
        gaps = serializers.SerializerMethodField()
        strengths = serializers.SerializerMethodField()
        overall_state_median = serializers.FloatField(
            allow_null=True,
            help_text="Median over the cycle's submitted and accepted assessments of the state.",
        )
        overall_state_median_leas = serializers.IntegerField()
        overall_locale_median = serializers.FloatField(allow_null=True)
        overall_locale_median_leas = serializers.IntegerField()
        previous_cycle = serializers.CharField(allow_null=True)
        previous_overall = serializers.FloatField(allow_null=True)
        previous_framework = serializers.CharField(
            allow_null=True,
            help_text="The framework version the previous cycle was scored with, when it is "
            "another one: its overall score and stage are then not comparable with this "
            "cycle's.",
        )

        class Meta:
            ref_name = "LeaResults"

        def get_domains(self, obj) -> list[dict]:
            return LeaResultsApi.DomainSerializer(obj.domains, many=True).data

        def get_gaps(self, obj) -> list[dict]:
            return LeaResultsApi.IndicatorSerializer(obj.gaps, many=True).data

        def get_strengths(self, obj) -> list[dict]:
            return LeaResultsApi.IndicatorSerializer(obj.strengths, many=True).data

    serializer_class = OutputSerializer

    def get(self, request, leaid: str, cycle_id: int):
        assessment = selectors.assessment_get_for_lea_cycle(
            user=request.user, leaid=leaid, cycle_id=cycle_id
        )
        return Response(self.OutputSerializer(lea_results(assessment=assessment)).data)
