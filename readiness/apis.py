from rest_framework import generics, serializers

from . import selectors
from .models import LEA, AssessmentCycle, State


class StateListApi(generics.ListAPIView):
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = State
            fields = ["code", "fips", "name"]

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

    serializer_class = OutputSerializer

    def get_queryset(self):
        return selectors.cycle_list_for_user(user=self.request.user).order_by("state__code", "name")
