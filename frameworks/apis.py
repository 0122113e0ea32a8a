"""Read-only API of the framework versions: what a script needs to build a request (lever
codes, statuses) and to read an answer (stage codes and labels, domains, indicators).

Framework versions are the same for everyone; access.selectors still decides who may
read them (anyone signed in)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors as scoping

from .document import INSUFFICIENT, INSUFFICIENT_LABEL


class CodeLabelSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FrameworkCodeLabel"

    code = serializers.CharField()
    label = serializers.CharField()


class FrameworkLeverSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FrameworkLever"

    code = serializers.CharField()
    name = serializers.CharField()
    group = serializers.CharField(help_text="The code of the lever's group.")
    group_label = serializers.CharField()
    position = serializers.IntegerField(help_text="1 for the first lever of the file.")


class FrameworkStatusSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FrameworkPolicyStatus"

    code = serializers.CharField()
    label = serializers.CharField()
    engaged = serializers.BooleanField()
    active = serializers.BooleanField(help_text="In force.")


class FrameworkIndicatorSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FrameworkIndicator"

    code = serializers.CharField()
    name = serializers.CharField()
    levers = serializers.ListField(
        child=serializers.CharField(),
        help_text="The levers aligned to the indicator; empty when no state lever governs "
        "it (its gaps are local).",
    )


class FrameworkDomainSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FrameworkDomain"

    code = serializers.CharField()
    name = serializers.CharField()
    indicators = FrameworkIndicatorSerializer(many=True)


class FrameworkDetailApi(APIView):
    """One framework version: its levers in file order, its policy statuses, its domains
    with their indicators, and its LEA and state stages from lowest to highest."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FrameworkDetail"

        code = serializers.CharField()
        version = serializers.IntegerField()
        label = serializers.CharField(help_text="For example cbe-v1.")
        title = serializers.CharField()
        participation = serializers.BooleanField(
            help_text="True when an enacted lever reaches only the LEAs recorded as taking "
            "part; false when an enacted lever with nobody recorded reaches every LEA."
        )
        levers = FrameworkLeverSerializer(many=True, help_text="In the file's order.")
        statuses = FrameworkStatusSerializer(many=True)
        domains = FrameworkDomainSerializer(many=True)
        lea_stages = CodeLabelSerializer(many=True, help_text="Lowest to highest.")
        insufficient_evidence = CodeLabelSerializer(
            help_text="The stage of an assessment without enough evidence for one."
        )
        state_stages = CodeLabelSerializer(many=True, help_text="Lowest to highest.")

    @extend_schema(responses=OutputSerializer)
    def get(self, request, code: str, version: int):
        row = get_object_or_404(
            scoping.framework_version_list_for_user(user=request.user), code=code, version=version
        )
        framework = row.spec
        data = {
            "code": framework.code,
            "version": framework.version,
            "label": framework.label,
            "title": framework.title,
            "participation": framework.declares_participation,
            "levers": [
                {
                    "code": lever.code,
                    "name": lever.name,
                    "group": lever.group,
                    "group_label": framework.lever_group(lever.group).label,
                    "position": position,
                }
                for position, lever in enumerate(framework.levers, start=1)
            ],
            "statuses": framework.statuses,
            "domains": [
                {
                    "code": domain.code,
                    "name": domain.name,
                    "indicators": [
                        {"code": ind.code, "name": ind.title, "levers": list(ind.levers)}
                        for ind in framework.indicators
                        if ind.domain == domain.code
                    ],
                }
                for domain in framework.domains
            ],
            "lea_stages": [{"code": s.code, "label": s.label} for s in framework.lea_stages],
            "insufficient_evidence": {"code": INSUFFICIENT, "label": INSUFFICIENT_LABEL},
            "state_stages": [{"code": s.code, "label": s.label} for s in framework.state_stages],
        }
        return Response(self.OutputSerializer(data).data)
