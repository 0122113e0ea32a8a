"""The dashboards through the REST API: the same selectors, the same scoping and the same
numbers as the pages. Filters are strict here (a bad value is a 400), unlike the pages,
where a stale bookmark just shows everything."""

from django.core.exceptions import ValidationError as FormValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cbe_portal.api import ID_MAX, PageNumberPagination
from frameworks.services import framework_current
from policies.selectors import state_levers_held_back

from . import selectors
from .forms import DashboardFilterForm
from .selectors import HEATMAP_PAGE_SIZE, DashboardFilters

FILTER_PARAMETERS = [
    OpenApiParameter(name, str, enum=values)
    for name, values in DashboardFilterForm.filter_choices().items()
]
STATE_PATH = [
    OpenApiParameter(
        "state_code",
        {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        OpenApiParameter.PATH,
        description="USPS code",
    ),
    OpenApiParameter(
        "cycle_id", {"type": "integer", "minimum": 1, "maximum": ID_MAX}, OpenApiParameter.PATH
    ),
]


def _state_and_cycle(request, state_code: str, cycle_id: int):
    state = selectors.state_get_for_dashboard(user=request.user, code=state_code)
    cycles = selectors.state_dashboard_cycles(user=request.user, state=state)
    cycle = next((c for c in cycles if c.pk == cycle_id), None)
    if cycle is None:
        raise Http404("No such cycle in this state.")
    return state, cycles, cycle, selectors.cycle_framework(cycle=cycle)


def _once(request, *names: str) -> None:
    """A parameter given twice is a 400 (the page would quietly take the last one)."""
    repeated = {
        name: ["Give this parameter once."]
        for name in names
        if len(request.query_params.getlist(name)) > 1
    }
    if repeated:
        raise serializers.ValidationError(repeated)


def _filters(request) -> DashboardFilters:
    """The filters, parsed by the same form as the page's; a bad, repeated or empty value is
    a 400 (the page's form reads an empty value as "any": here the parameter is left out)."""
    _once(request, *DashboardFilterForm.FILTER_FIELDS)
    empty = {
        name: ["Give a value, or leave this parameter out."]
        for name in DashboardFilterForm.FILTER_FIELDS
        if request.query_params.get(name) == ""
    }
    if empty:
        raise serializers.ValidationError(empty)
    try:
        return DashboardFilterForm(request.query_params).filters(strict=True)
    except FormValidationError as error:
        raise serializers.ValidationError(error.message_dict) from error


def _page_number(request) -> int:
    """The heatmap's page: a whole number from 1, given at most once."""
    _once(request, "page")
    text = request.query_params.get("page", "1")
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= ID_MAX):
        raise serializers.ValidationError({"page": ["Give a whole number from 1."]})
    return int(text)


class StageCountSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DashboardStageCount"

    stage = serializers.CharField()
    label = serializers.CharField()
    leas = serializers.IntegerField()


class GroupSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DashboardGroup"

    key = serializers.CharField(help_text='Locale or size band; "" is "not reported".')
    label = serializers.CharField()
    leas = serializers.IntegerField()
    assessed = serializers.IntegerField()
    scored = serializers.IntegerField()
    mean_overall = serializers.FloatField(allow_null=True)
    median_overall = serializers.FloatField(allow_null=True)
    stages = serializers.DictField(child=serializers.IntegerField())


class CompletionSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DashboardCompletion"

    status = serializers.CharField()
    label = serializers.CharField()
    leas = serializers.IntegerField()


class LeverSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DashboardLever"

    code = serializers.CharField()
    name = serializers.CharField()
    group = serializers.CharField()
    status = serializers.CharField()
    leas_with_gap = serializers.IntegerField(
        help_text="LEAs with at least one gap aligned to this lever; each is counted once in "
        "leas_opened, leas_available or leas_blocked."
    )
    leas_opened = serializers.IntegerField(
        help_text="LEAs whose gaps aligned to this lever are all opened (a lever in force "
        "reaches the LEA)."
    )
    leas_available = serializers.IntegerField(
        help_text="LEAs with no such gap blocked but at least one only available to join (an "
        "aligned lever is enacted, and the LEA does not take part)."
    )
    leas_blocked = serializers.IntegerField(
        help_text="LEAs with at least one such gap blocked (no aligned lever in force)."
    )
    leas_without_gap = serializers.IntegerField(
        help_text="Assessed LEAs with no gap aligned to this lever."
    )
    assessed_leas = serializers.IntegerField()


class TrendSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DashboardTrend"

    cycle_id = serializers.IntegerField()
    name = serializers.CharField()
    assessed = serializers.IntegerField()
    scored = serializers.IntegerField()
    median_overall = serializers.FloatField(allow_null=True)
    mean_overall = serializers.FloatField(allow_null=True)
    stages = serializers.DictField(child=serializers.IntegerField())


class LeaRowSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DashboardLeaRow"

    leaid = serializers.CharField()
    name = serializers.CharField()
    locale = serializers.CharField()
    size_band = serializers.CharField()
    enrollment = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    stage = serializers.CharField()
    overall = serializers.FloatField(allow_null=True)
    domains = serializers.DictField(child=serializers.FloatField(allow_null=True))


class StateDashboardApi(APIView):
    """A state's dashboard for one cycle: completion, stages, breakdowns, levers, trend."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "StateDashboard"

        state = serializers.CharField()
        cycle_id = serializers.IntegerField()
        cycle = serializers.CharField()
        policy_stage = serializers.CharField(allow_null=True)
        leas = serializers.IntegerField()
        assessed = serializers.IntegerField()
        scored = serializers.IntegerField()
        mean_overall = serializers.FloatField(allow_null=True)
        median_overall = serializers.FloatField(allow_null=True)
        completion = CompletionSerializer(many=True)
        stages = StageCountSerializer(many=True)
        locales = GroupSerializer(many=True)
        sizes = GroupSerializer(many=True)
        levers = LeverSerializer(many=True)
        trend = TrendSerializer(many=True)

    @extend_schema(parameters=STATE_PATH + FILTER_PARAMETERS, responses=OutputSerializer)
    def get(self, request, state_code: str, cycle_id: int):
        state, cycles, cycle, framework = _state_and_cycle(request, state_code, cycle_id)
        filters = _filters(request)
        summary = selectors.state_dashboard_summary(
            state=state, cycle=cycle, framework=framework, filters=filters
        )
        codes = summary.stage_codes
        trend = selectors.state_dashboard_trend(
            state=state, cycles=cycles, stage_order=codes, filters=filters
        )

        def group(g):
            return {
                "key": g.key,
                "label": g.label,
                "leas": g.leas,
                "assessed": g.assessed,
                "scored": g.scored,
                "mean_overall": g.mean,
                "median_overall": g.median,
                "stages": dict(zip(codes, g.stages, strict=True)),
            }

        data = {
            "state": state.code,
            "cycle_id": cycle.pk,
            "cycle": cycle.name,
            "policy_stage": selectors.state_policy_stage(
                user=request.user, state=state, cycle=cycle
            ),
            "leas": summary.leas,
            "assessed": summary.assessed,
            "scored": summary.scored,
            "mean_overall": summary.mean,
            "median_overall": summary.median,
            "completion": [
                {"status": c, "label": label, "leas": n} for c, label, n in summary.completion
            ],
            "stages": [
                {"stage": code, "label": label, "leas": n}
                for code, label, n in zip(codes, summary.stage_labels, summary.stages, strict=True)
            ],
            "locales": [group(g) for g in summary.locales],
            "sizes": [group(g) for g in summary.sizes],
            "levers": [
                {
                    "code": row.code,
                    "name": row.name,
                    "group": row.group,
                    "status": row.status,
                    "leas_with_gap": row.leas_with_gap,
                    "leas_opened": row.leas_opened,
                    "leas_available": row.leas_available,
                    "leas_blocked": row.leas_blocked,
                    "leas_without_gap": row.leas_without_gap,
                    "assessed_leas": row.assessed_leas,
                }
                for row in state_levers_held_back(state=state, cycle=cycle)
            ],
            "trend": [
                {
                    "cycle_id": row.cycle_id,
                    "name": row.name,
                    "assessed": row.assessed,
                    "scored": row.scored,
                    "median_overall": row.median,
                    "mean_overall": row.mean,
                    "stages": dict(zip(codes, row.stages, strict=True)),
                }
                for row in trend
            ],
        }
        return Response(self.OutputSerializer(data).data)


class StateDashboardLeasApi(APIView):
    """The heatmap's rows: each assessed LEA with its stored domain and overall scores,
    100 a page."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DashboardLeaPage"

        count = serializers.IntegerField()
        page = serializers.IntegerField()
        pages = serializers.IntegerField()
        results = LeaRowSerializer(many=True)

    @extend_schema(
        parameters=STATE_PATH
        + FILTER_PARAMETERS
        + [
            OpenApiParameter(
                "page",
                {"type": "integer", "minimum": 1, "maximum": ID_MAX},
                description="A page of 100 rows; a page past the last is a 404.",
            ),
            OpenApiParameter(
                "sort",
                str,
                description='"locale" (default), "name", "overall", "stage", "status" or a '
                'domain code; a leading "-" sorts descending.',
            ),
        ],
        responses=OutputSerializer,
    )
    def get(self, request, state_code: str, cycle_id: int):
        state, _, cycle, framework = _state_and_cycle(request, state_code, cycle_id)
        filters = _filters(request)
        page_number = _page_number(request)
        _once(request, "sort")
        sort = request.query_params.get("sort", "locale")
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in selectors.heatmap_sort_keys(framework):
            raise serializers.ValidationError({"sort": [f"Cannot sort by {sort!r}."]})
        heat = selectors.state_dashboard_heatmap(
            state=state,
            cycle=cycle,
            framework=framework,
            filters=filters,
            sort=sort,
            descending=descending,
            page_number=page_number,
            per_page=HEATMAP_PAGE_SIZE,
        )
        if heat.page.number != page_number:
            raise Http404("There is no such page.")
        codes = [code for code, _ in selectors.domain_columns(framework)]
        rows = [
            {
                "leaid": row.leaid,
                "name": row.name,
                "locale": row.locale,
                "size_band": row.size_band,
                "enrollment": row.enrollment,
                "status": row.status,
                "stage": row.stage,
                "overall": row.overall,
                "domains": dict(zip(codes, row.domains, strict=True)),
            }
            for row in heat.rows
        ]
        data = {
            "count": heat.page.paginator.count,
            "page": heat.page.number,
            "pages": heat.page.paginator.num_pages,
            "results": rows,
        }
        return Response(self.OutputSerializer(data).data)


class NationalDashboardApi(APIView):
    """Each state's lever statuses, policy stage, LEAs and assessments (national admins),
    paged like every list."""

    class RowSerializer(serializers.Serializer):
        class Meta:
            ref_name = "NationalDashboardRow"

        state = serializers.CharField()
        name = serializers.CharField()
        cycle_id = serializers.IntegerField(allow_null=True)
        cycle = serializers.CharField()
        profile_recorded = serializers.BooleanField()
        policy_stage = serializers.CharField()
        levers = serializers.DictField(child=serializers.CharField(allow_null=True))
        leas = serializers.IntegerField()
        assessments = serializers.IntegerField()
        accepted = serializers.IntegerField()
        median_overall = serializers.FloatField(allow_null=True)

    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "cycle",
                str,
                description="A cycle name used by at least one state (e.g. 2026-27); by "
                "default each state's latest cycle. A name no state uses is a 400.",
            )
        ],
        responses=RowSerializer(many=True),
    )
    def get(self, request):
        if not selectors.user_can_see_national_view(user=request.user):
            raise PermissionDenied("The national view is for national administrators.")
        _once(request, "cycle")
        cycle_name = request.query_params.get("cycle", "")
        if cycle_name and cycle_name not in selectors.national_cycle_names(user=request.user):
            raise serializers.ValidationError({"cycle": ["No state has a cycle of this name."]})
        paginator = self.pagination_class()
        version = framework_current()
        if version is None:
            paginator.paginate_queryset([], request, view=self)
            return paginator.get_paginated_response([])
        levers = list(version.spec.lever_codes)
        rows = selectors.national_overview(
            user=request.user, lever_codes=levers, cycle_name=cycle_name
        )
        data = [
            {
                "state": row.state_code,
                "name": row.state_name,
                "cycle_id": row.cycle_id,
                "cycle": row.cycle_name,
                "profile_recorded": row.profile_recorded,
                "policy_stage": row.stage,
                "levers": dict(zip(levers, row.statuses, strict=True)),
                "leas": row.leas,
                "assessments": row.assessments,
                "accepted": row.accepted,
                "median_overall": row.median,
            }
            for row in paginator.paginate_queryset(rows, request, view=self) or []
        ]
        return paginator.get_paginated_response(self.RowSerializer(data, many=True).data)
