"""Readiness reports through the API: request one (an LEA's or the statewide one), follow
its job, download its PDF.

The same services and rules as the report pages: `report_get_or_request` /
`report_state_get_or_request` queue a job or return the stored (or pending) one whose
inputs are unchanged, anyone who may see an LEA may ask for its report, and only task
forces, state administrators and national administrators for the statewide one
(`access.selectors.user_can_request_state_report`). A job the caller may not see is a 404.
The PDF is read through `reports.selectors.report_job_file`, as the web download reads it.
"""

import django_filters
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, renderers, serializers, status
from rest_framework.exceptions import NotAcceptable, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors as scoping
from audit.services import Kind, access_event_record
from cbe_portal.api import ID_MAX, ApiError, IdFilter, StateCodeFilter, StrictFilterSet
from cbe_portal.api_schema import ErrorSerializer
from cbe_portal.storage import StorageUnavailable

from . import selectors
from .models import ReportJob
from .services import ReportUnavailable, report_get_or_request, report_state_get_or_request


class ReportJobOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ReportJob"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportJob.Kind.choices)
    status = serializers.ChoiceField(
        choices=ReportJob.Status.choices,
        help_text="queued → running → done, or failed (see error).",
    )
    status_label = serializers.CharField(source="get_status_display")
    message = serializers.CharField(source="status_message", help_text="The status in words.")
    progress = serializers.IntegerField(help_text="Percent done, 0 to 100.")
    state = serializers.CharField(source="state.code")
    lea = serializers.CharField(
        source="lea.leaid", allow_null=True, help_text="The LEAID; null for a statewide report."
    )
    subject = serializers.CharField(help_text="The LEA's or the state's name.")
    cycle = serializers.IntegerField(source="cycle_id")
    cycle_name = serializers.CharField(source="cycle.name")
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    page_count = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(help_text="Why the report failed, in plain words; else empty.")
    pdf = serializers.SerializerMethodField(help_text="Where to download the PDF once done.")

    def get_pdf(self, job: ReportJob) -> str | None:
        if job.status != ReportJob.Status.DONE:
            return None
        url = reverse("api-report-pdf", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


def _job_body(request, job: ReportJob) -> dict:
    return ReportJobOutputSerializer(job, context={"request": request}).data


def _job_for_user(request, job_id: int) -> ReportJob:
    return get_object_or_404(
        scoping.report_job_list_for_user(user=request.user).select_related("batch"), pk=job_id
    )


class ReportJobFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportJob.Kind.choices)
    status = django_filters.ChoiceFilter(choices=ReportJob.Status.choices)
    state = StateCodeFilter(field_name="state__code")
    lea = django_filters.CharFilter(field_name="lea__leaid", help_text="An LEAID.")
    cycle = IdFilter(field_name="cycle__id", help_text="An assessment cycle's id.")
    batch = IdFilter(field_name="batch__id", help_text="A batch's id.")


class ReportKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportJob.Kind.choices)


class LeaReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[ReportJob.Kind.LEA])
    lea = serializers.CharField(max_length=20, help_text="The LEAID.")
    cycle = serializers.IntegerField(min_value=1, max_value=ID_MAX)


class StateReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[ReportJob.Kind.STATE])
    state = serializers.RegexField(
        r"^[A-Za-z]{2}\Z",
        help_text="The state's two-letter USPS code.",
        error_messages={"invalid": "Give a two-letter state code, e.g. NH."},
    )
    cycle = serializers.IntegerField(min_value=1, max_value=ID_MAX)


REQUEST_SERIALIZERS = {
    ReportJob.Kind.LEA: LeaReportRequestSerializer,
    ReportJob.Kind.STATE: StateReportRequestSerializer,
}


class ReportListApi(generics.ListAPIView):
    """The report jobs the caller may see, newest first; and asking for a report."""

    serializer_class = ReportJobOutputSerializer
    filterset_class = ReportJobFilter

    def get_queryset(self):
        return (
            scoping.report_job_list_for_user(user=self.request.user)
            .select_related("batch")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="ReportRequest",
            serializers={str(kind): serializer for kind, serializer in REQUEST_SERIALIZERS.items()},
            resource_type_field_name="kind",
        ),
        responses={
            201: OpenApiResponse(ReportJobOutputSerializer, "A new job was queued."),
            200: OpenApiResponse(
                ReportJobOutputSerializer,
                "Nothing that shapes the report changed since an earlier request: that job "
                "(done, or still on its way) is returned instead of a new one.",
            ),
            409: OpenApiResponse(
                ErrorSerializer, "The LEA has no needs assessment in this cycle to report on."
            ),
        },
        description='`{"kind": "lea", "lea": "<LEAID>", "cycle": <id>}` for an LEA\'s '
        'readiness report (anyone who may see the LEA), `{"kind": "state", "state": "XX", '
        '"cycle": <id>}` for the statewide report (task forces, state administrators, national '
        "administrators). An LEA, state or cycle the caller may not see is a 404. Follow the "
        "job at its address until its status is done, then download `pdf`.",
    )
    def post(self, request):
        kind = ReportKindSerializer(data=request.data)
        kind.is_valid(raise_exception=True)
        # Each kind has its own fields; the other kind's are ignored, like any unknown field.
        serializer = REQUEST_SERIALIZERS[kind.validated_data["kind"]](data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cycles = scoping.cycle_list_for_user(user=request.user)
        if data["kind"] == ReportJob.Kind.LEA:
            lea = scoping.lea_get_for_user(user=request.user, leaid=data["lea"])
            cycle = get_object_or_404(cycles, pk=data["cycle"], state_id=lea.state_id)
            try:
                job, created = report_get_or_request(user=request.user, lea=lea, cycle=cycle)
            except ReportUnavailable as exc:
                raise ApiError(status=409, code="no_assessment", message=str(exc)) from None
        else:
            state = scoping.state_get_for_user(user=request.user, code=data["state"])
            cycle = get_object_or_404(cycles, pk=data["cycle"], state_id=state.pk)
            if not scoping.user_can_request_state_report(user=request.user, state=state):
                raise PermissionDenied(
                    "Statewide reports are for task forces and state administrators."
                )
            job, created = report_state_get_or_request(user=request.user, state=state, cycle=cycle)
        job = _job_for_user(request, job.pk)
        response = Response(
            _job_body(request, job),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
        if created:
            response["Location"] = reverse("api-report-detail", args=[job.pk])
        return response


class ReportDetailApi(APIView):
    """One report job: its status and progress, and where its PDF is once done."""

    @extend_schema(responses=ReportJobOutputSerializer)
    def get(self, request, id: int):
        return Response(_job_body(request, _job_for_user(request, id)))


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for application/pdf; the PDF itself is a FileResponse."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("the PDF is sent as a file, never rendered")


class ReportPdfApi(APIView):
    """The report's PDF, once its job is done."""

    renderer_classes = [PdfRenderer, renderers.JSONRenderer]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, "The PDF, as an attachment named after the LEA or state."
            ),
            (409, "application/json"): OpenApiResponse(
                ErrorSerializer, "The report is not ready (queued, running or failed)."
            ),
            (503, "application/json"): OpenApiResponse(
                ErrorSerializer, "The file store did not answer; the PDF is safe."
            ),
        },
    )
    def get(self, request, id: int):
        job = _job_for_user(request, id)
        try:
            pdf = selectors.report_job_file(job=job)
        except StorageUnavailable:
            raise ApiError(
                status=503,
                code="storage_unavailable",
                message="The file store is not answering. The PDF is safe: try again shortly.",
            ) from None
        if pdf is None:
            raise ApiError(
                status=409,
                code="report_not_ready",
                message=f"The report is not ready: {job.status_message}",
                extra={"status": job.status, "progress": job.progress},
            )
        if not isinstance(request.accepted_renderer, PdfRenderer):
            pdf.file.close()
            raise NotAcceptable("This address answers with a PDF: accept application/pdf.")
        access_event_record(
            request=request,
            kind=Kind.REPORT_DOWNLOAD,
            detail=f"PDF report {job.pk} (API): {pdf.filename}",
        )
        return FileResponse(
            pdf.file, as_attachment=True, filename=pdf.filename, content_type="application/pdf"
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every refusal is JSON, even to a client that asked for a PDF.
        if isinstance(response, Response) and isinstance(response.accepted_renderer, PdfRenderer):
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        return response
