"""The API of states, LEAs, cycles and needs assessments: lists and details, starting an
assessment, reading and writing answers with their versions, the review workflow and the
scores.

Every row comes through `access.selectors` (another state's assessment is a 404), every
write is the service the pages call, with the same checks; a service's refusal
(`services.AssessmentError`) becomes an ApiError with its code and message.
"""

from dataclasses import dataclass
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors
from cbe_portal.api import (
    ID_MAX,
    ApiError,
    PageNumberPagination,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from cbe_portal.api_schema import ErrorSerializer
from directory.models import LEA, Locale, State
from frameworks.document import INSUFFICIENT

from . import cycle_selectors, cycle_services, services
from . import selectors as assessment_selectors
from .filters import AssessmentFilterSet, CycleFilterSet, LeaFilterSet
from .models import EVIDENCE_MAX_LENGTH, Assessment, AssessmentCycle
from .results import assessment_score, lea_results

MAX_VERSION = 2_147_483_647  # the largest value of a version column on every database


def api_error(exc: services.AssessmentError, **extra) -> ApiError:
    """A service's refusal as the API's error. A locked assessment (submitted or accepted)
    is a 409 here: the assessment's state refuses the change (the autosave keeps 423)."""
    code = exc.status
    if isinstance(exc, services.AssessmentLocked):
        code = status.HTTP_409_CONFLICT
    fields = {exc.field: [exc.message]} if exc.field else {}
    return ApiError(status=code, code=exc.code, message=exc.message, fields=fields, extra=extra)


# --- states, LEAs, cycles -----------------------------------------------------------------


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
    """The LEAs you may see, by LEAID."""

    serializer_class = LeaOutputSerializer
    filterset_class = LeaFilterSet

    def get_queryset(self):
        return selectors.lea_list_for_user(user=self.request.user).order_by("leaid")


class LeaDetailApi(generics.RetrieveAPIView):
    serializer_class = LeaOutputSerializer
    lookup_field = "leaid"

    def get_queryset(self):
        return selectors.lea_list_for_user(user=self.request.user)


class FrameworkRefSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FrameworkRef"

    code = serializers.CharField()
    version = serializers.IntegerField()


class CycleOpenInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CycleOpen"

    state = StrictCharField(
        min_length=2, max_length=2, help_text="The state's two-letter USPS code."
    )
    name = StrictCharField(max_length=40, help_text="For example 2027-28.")
    assessments_due_on = serializers.DateField(help_text="Today or later.")
    reviews_due_on = serializers.DateField(help_text="On or after `assessments_due_on`.")
    leas = serializers.ListField(
        child=StrictCharField(max_length=7),
        required=False,
        max_length=20_000,
        help_text="Exactly these LEAs, by NCES LEAID. Leave out for every operational LEA.",
    )
    agency_types = serializers.ListField(
        child=StrictCharField(max_length=100),
        required=False,
        max_length=50,
        help_text="Without `leas`: only operational LEAs of these NCES agency types.",
    )
    locales = serializers.ListField(
        child=serializers.ChoiceField(choices=Locale.choices),
        required=False,
        max_length=5,
        help_text='Without `leas`: only operational LEAs of these locales ("": not reported).',
    )


class CycleOpenedSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CycleOpened"

    cycle = serializers.DictField(help_text="The cycle, as the list shows it.")
    assessments = serializers.IntegerField(help_text="Draft assessments created.")


class CycleListApi(generics.ListCreateAPIView):
    """GET: assessment cycles of the states you may see, newest first within a state, each
    with the framework version its assessments are answered against. POST: open a cycle."""

    class OutputSerializer(serializers.ModelSerializer):
        state = serializers.SlugRelatedField(slug_field="code", read_only=True)
        framework = FrameworkRefSerializer()
        framework_label = serializers.CharField(source="framework.label")

        class Meta:
            model = AssessmentCycle
            fields = [
                "id",
                "state",
                "name",
                "starts_on",
                "ends_on",
                "framework",
                "framework_label",
                "is_open",
                "assessments_due_on",
                "reviews_due_on",
                "closed_at",
            ]
            ref_name = "Cycle"

    serializer_class = OutputSerializer
    filterset_class = CycleFilterSet

    def get_queryset(self):
        return (
            selectors.cycle_list_for_user(user=self.request.user)
            .defer("framework__content")
            .order_by("state__code", "-starts_on", "pk")
        )

    @extend_schema(
        request=CycleOpenInputSerializer,
        responses={
            201: OpenApiResponse(CycleOpenedSerializer, "Opened, with its draft assessments."),
            400: OpenApiResponse(
                ErrorSerializer,
                "invalid: a field is malformed; or, though well formed, a due date is in "
                "the past, reviews are due before assessments, the name is taken, nothing "
                "matches the agency types and locales, or an LEAID of `leas` is unknown, of "
                "another state, not operational or given twice (`fields.leas`: one "
                "message per item, 'Line n' counting from 1).",
            ),
        },
        description="Opens a cycle of the state with its due dates and creates the draft "
        "assessment of each chosen LEA: the LEAIDs of `leas` when given, otherwise every "
        "operational LEA of the state, narrowed to `agency_types` and `locales` when given. "
        "All or nothing. State administrators of the state (and national administrators) "
        "may; a state you may not see is a 404 naming the field.",
    )
    def post(self, request):
        data = CycleOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        state = (
            selectors.state_list_for_user(user=request.user)
            .filter(code=values["state"].upper())
            .first()
        )
        if state is None:
            raise ApiError(
                status=404,
                code="not_found",
                message="No state with this code among those you may see.",
                fields={"state": ["No state with this code among those you may see."]},
            )
        leas = values.get("leas")
        choice = cycle_services.LeaChoice(
            agency_types=tuple(values.get("agency_types") or ()),
            locales=tuple(values.get("locales") or ()),
            leaids=None if leas is None else tuple(enumerate(leas, start=1)),
        )
        try:
            opened = cycle_services.cycle_open(
                actor=request.user,
                state=state,
                name=values["name"],
                assessments_due_on=values["assessments_due_on"],
                reviews_due_on=values["reviews_due_on"],
                choice=choice,
            )
        except services.AssessmentError as exc:
            raise cycle_api_error(exc, row_field="leas") from exc
        cycle = self.get_queryset().get(pk=opened.cycle.pk)
        return Response(
            {
                "cycle": self.OutputSerializer(cycle).data,
                "assessments": len(opened.assessment_ids),
            },
            status=status.HTTP_201_CREATED,
        )


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


# --- assessments --------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    class Meta:
        ref_name = "UserRef"

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class AssessmentOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Assessment"

    id = serializers.IntegerField()
    lea = serializers.CharField(source="lea.leaid", help_text="The LEA's NCES LEAID.")
    lea_name = serializers.CharField(source="lea.name")
    state = serializers.CharField(source="lea.state.code")
    cycle = serializers.IntegerField(source="cycle_id")
    cycle_name = serializers.CharField(source="cycle.name")
    framework = FrameworkRefSerializer(source="cycle.framework")
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    version = serializers.IntegerField(
        help_text="Goes up with every saved answer and every step of the workflow; the "
        "workflow actions may name it to refuse acting on a changed assessment."
    )
    assignee = UserRefSerializer(allow_null=True)
    answered = serializers.IntegerField(
        source="answered_count", help_text='Indicators rated or marked "don\'t know".'
    )
    total = serializers.IntegerField(
        source="indicator_total", help_text="Indicators in the framework version."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


def _assessment_data(user, pk: int) -> dict:
    row = assessment_selectors.assessment_row_for_user(user=user, pk=pk)
    return AssessmentOutputSerializer(row).data


class AssessmentListApi(generics.ListCreateAPIView):
    """GET: the assessments you may see. POST: start an LEA's assessment for a cycle."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssessmentStart"

        lea = StrictCharField(max_length=7, help_text="The LEA's NCES LEAID.")
        cycle = StrictIntegerField(min_value=1, max_value=ID_MAX, help_text="The cycle's id.")

    serializer_class = AssessmentOutputSerializer
    filterset_class = AssessmentFilterSet

    def get_queryset(self):
        return assessment_selectors.assessment_rows(
            assessments=selectors.assessment_list_for_user(user=self.request.user)
        ).order_by("lea__leaid", "cycle__starts_on", "pk")

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OpenApiResponse(AssessmentOutputSerializer, "Started now."),
            200: OpenApiResponse(
                AssessmentOutputSerializer, "The LEA already had an assessment in this cycle."
            ),
        },
        description="Starts the LEA's needs assessment for the cycle (201), or returns the "
        "one it already has (200). State staff and administrators of the LEA's state may "
        "start one while the cycle is open (403 otherwise). An LEA or a cycle you may not "
        "see is a 404 naming the field.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        lea = selectors.lea_list_for_user(user=user).filter(leaid=data.validated_data["lea"])
        cycle = selectors.cycle_list_for_user(user=user).filter(pk=data.validated_data["cycle"])
        problems = {}
        if not (lea := lea.first()):
            problems["lea"] = ["No LEA with this LEAID among those you may see."]
        if not (cycle := cycle.first()):
            problems["cycle"] = ["No cycle with this id among those you may see."]
        if problems:
            # As for any row the user may not see: 404, whether it exists or not.
            raise ApiError(
                status=404,
                code="not_found",
                message=" ".join(message for [message] in problems.values()),
                fields=problems,
            )
        try:
            assessment, created = services.assessment_get_or_start(user=user, lea=lea, cycle=cycle)
        except services.AssessmentError as exc:
            raise api_error(exc) from exc
        return Response(
            _assessment_data(user, assessment.pk),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class AssessmentDetailApi(APIView):
    @extend_schema(responses=AssessmentOutputSerializer)
    def get(self, request, pk: int):
        return Response(_assessment_data(request.user, pk))


# --- answers ------------------------------------------------------------------------------


class AnswerOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Answer"

    rating = serializers.IntegerField(allow_null=True)
    dont_know = serializers.BooleanField()
    evidence = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="Send it back with the next change.")
    updated_at = serializers.DateTimeField()
    updated_by = serializers.CharField(
        source="updated_by.username", allow_null=True, help_text="Username."
    )


class AnswerRowSerializer(serializers.Serializer):
    class Meta:
        ref_name = "IndicatorAnswer"

    indicator = serializers.CharField(source="spec.code")
    title = serializers.CharField(source="spec.title")
    domain = serializers.CharField(source="spec.domain")
    area = serializers.CharField(source="spec.area")
    answer = AnswerOutputSerializer(
        allow_null=True, help_text="null until the first answer: give that one at version 0."
    )


class AnswerPagination(PageNumberPagination):
    # One page holds every indicator of a framework version (48 in cbe-v1).
    page_size = 200


class AnswerListApi(generics.ListAPIView):
    """Every indicator of the assessment's framework version, in order, with its answer
    (or null)."""

    serializer_class = AnswerRowSerializer
    pagination_class = AnswerPagination
    filter_backends: list = []

    def get_queryset(self):
        assessment = selectors.assessment_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return assessment_selectors.assessment_answer_rows(assessment=assessment)


class AnswerMineSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AnswerSent"

    rating = serializers.IntegerField(allow_null=True)
    dont_know = serializers.BooleanField()
    evidence = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="The version you sent.")


class AnswerConflictSerializer(ErrorSerializer):
    class Meta:
        ref_name = "AnswerConflict"

    yours = AnswerMineSerializer(required=False, help_text="What you sent (answer_conflict only).")
    theirs = AnswerOutputSerializer(
        required=False,
        allow_null=True,
        help_text="The stored answer with its current version (answer_conflict only).",
    )


def _indicator_or_404(assessment: Assessment, code: str):
    framework = assessment.cycle.framework.spec
    if code not in framework.indicator_by_code:
        raise ApiError(
            status=404,
            code="not_found",
            message=f"Framework {framework.label} has no indicator {code!r}.",
        )
    return framework.indicator_by_code[code]


class AnswerDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AnswerInput"

        rating = StrictIntegerField(
            min_value=1,
            max_value=4,
            allow_null=True,
            help_text='A rubric level, or null (no rating, or "don\'t know").',
        )
        dont_know = StrictBooleanField(help_text='true: "don\'t know" (rating must be null).')
        evidence = StrictCharField(
            allow_blank=True,
            trim_whitespace=False,
            max_length=EVIDENCE_MAX_LENGTH,
            help_text="The evidence note; an empty string for none.",
        )
        version = StrictIntegerField(
            min_value=0,
            max_value=MAX_VERSION,
            help_text="The answer's version you started from; 0 for a first answer.",
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AnswerSaved"

        indicator = serializers.CharField()
        version = serializers.IntegerField(help_text="The answer's new version.")
        saved_at = serializers.DateTimeField()
        answered = serializers.IntegerField(help_text="Indicators answered in the assessment.")
        total = serializers.IntegerField()
        domains = serializers.DictField(
            child=serializers.IntegerField(), help_text="Indicators answered per domain."
        )
        assessment_version = serializers.IntegerField()

    @extend_schema(responses=AnswerRowSerializer)
    def get(self, request, pk: int, indicator_code: str):
        assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
        spec = _indicator_or_404(assessment, indicator_code)
        answer = assessment_selectors.assessment_answers(assessment=assessment).get(spec.code)
        row = assessment_selectors.AnswerRow(spec=spec, answer=answer)
        return Response(AnswerRowSerializer(row).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                "invalid: a field is missing or malformed, or, though each field is "
                "well formed, a rating is given with dont_know true (choose one: \"don't "
                'know" needs rating null). The field is named in fields.',
            ),
            409: OpenApiResponse(
                AnswerConflictSerializer,
                "answer_conflict: someone saved this answer since the version you sent; "
                "both are in the body (send again with theirs.version to keep yours). "
                "locked: the assessment is submitted or accepted.",
            ),
            503: OpenApiResponse(
                ErrorSerializer, "busy: too many saves at once on this assessment; try again."
            ),
        },
        description="Saves one answer (the whole answer: all four fields). The same "
        "service and checks as the assessment page's autosave.",
    )
    def put(self, request, pk: int, indicator_code: str):
        assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
        spec = _indicator_or_404(assessment, indicator_code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sent = data.validated_data
        try:
            saved = services.answer_save(
                assessment=assessment,
                user=request.user,
                indicator=spec.code,
                rating=sent["rating"],
                dont_know=sent["dont_know"],
                evidence=sent["evidence"],
                version=sent["version"],
            )
        except services.AnswerConflict as exc:
            theirs = AnswerOutputSerializer(exc.theirs).data if exc.theirs else None
            raise api_error(exc, yours=dict(sent), theirs=theirs) from exc
        except services.AssessmentError as exc:
            raise api_error(exc) from exc
        return Response(
            self.OutputSerializer(
                {
                    "indicator": saved.indicator,
                    "version": saved.version,
                    "saved_at": timezone.localtime(saved.saved_at),
                    "answered": saved.answered,
                    "total": saved.total,
                    "domains": saved.domain_answered,
                    "assessment_version": assessment.version,
                }
            ).data
        )


# --- the review workflow ------------------------------------------------------------------

VERSION_HELP = (
    "The assessment's version you acted on: refused with 409 (assessment_changed) if it "
    "moved on since. Leave it out to act on the current version."
)
NOTE_HELP = f"Up to {EVIDENCE_MAX_LENGTH:,} characters."


class IncompleteErrorSerializer(ErrorSerializer):
    class Meta:
        ref_name = "AssessmentIncomplete"

    missing = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="incomplete: the indicators still without an answer.",
    )


WORKFLOW_RESPONSES = {
    200: AssessmentOutputSerializer,
    409: OpenApiResponse(
        ErrorSerializer,
        "assessment_changed: the assessment moved on since the version you sent, or is not "
        "in a status that allows this; locked: it is submitted or accepted.",
    ),
}


def _version(assessment: Assessment, data: dict) -> int:
    version = data.get("version")
    return assessment.version if version is None else version


class AssessmentSubmitApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssessmentSubmit"

        version = StrictIntegerField(
            min_value=1, max_value=MAX_VERSION, required=False, help_text=VERSION_HELP
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            **WORKFLOW_RESPONSES,
            400: OpenApiResponse(
                IncompleteErrorSerializer,
                "invalid input, or incomplete: some indicators have no answer yet.",
            ),
        },
        description="Submits a draft or returned assessment for review, once every "
        "indicator is rated or marked \"don't know\". State staff of the LEA's state (and "
        "national administrators) may.",
    )
    def post(self, request, pk: int):
        assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.assessment_submit(
                assessment=assessment,
                user=request.user,
                version=_version(assessment, data.validated_data),
            )
        except services.AssessmentIncomplete as exc:
            raise api_error(exc, missing=[spec.code for spec in exc.missing]) from exc
        except services.AssessmentError as exc:
            raise api_error(exc) from exc
        return Response(_assessment_data(request.user, assessment.pk))


class AssessmentReturnApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssessmentReturn"

        message = StrictCharField(
            required=False,
            allow_blank=True,
            max_length=EVIDENCE_MAX_LENGTH,
            help_text="A note on the whole assessment. " + NOTE_HELP,
        )
        comments = serializers.DictField(
            child=StrictCharField(allow_blank=True, max_length=EVIDENCE_MAX_LENGTH),
            required=False,
            help_text="Notes on indicators, by indicator code. " + NOTE_HELP,
        )
        version = StrictIntegerField(
            min_value=1, max_value=MAX_VERSION, required=False, help_text=VERSION_HELP
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            **WORKFLOW_RESPONSES,
            400: OpenApiResponse(
                ErrorSerializer,
                "invalid: a field is malformed; or, though each is well formed, there is no "
                "note at all (a message or a comment with text is needed), or a comment "
                "names an indicator code the framework version lacks (named in fields).",
            ),
        },
        description="Returns a submitted assessment to state staff with at least one note "
        "(on the whole assessment or on an indicator). State administrators of the LEA's "
        "state (and national administrators) may. An indicator code the framework version "
        "lacks is a 400 naming it.",
    )
    def post(self, request, pk: int):
        assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comments = data.validated_data.get("comments") or {}
        framework = assessment.cycle.framework.spec
        unknown = [code for code in comments if code not in framework.indicator_by_code]
        if unknown:
            raise serializers.ValidationError(
                {
                    "comments": {
                        code: [f"Framework {framework.label} has no indicator {code!r}."]
                        for code in unknown
                    }
                }
            )
        try:
            services.assessment_return(
                assessment=assessment,
                user=request.user,
                version=_version(assessment, data.validated_data),
                note=data.validated_data.get("message", ""),
                indicator_notes=comments,
            )
        except services.AssessmentError as exc:
            raise api_error(exc) from exc
        return Response(_assessment_data(request.user, assessment.pk))


class AssessmentAcceptApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssessmentAccept"

        message = StrictCharField(
            required=False,
            allow_blank=True,
            max_length=EVIDENCE_MAX_LENGTH,
            help_text="An optional note, kept as a comment. " + NOTE_HELP,
        )
        version = StrictIntegerField(
            min_value=1, max_value=MAX_VERSION, required=False, help_text=VERSION_HELP
        )

    @extend_schema(
        request=InputSerializer,
        responses=WORKFLOW_RESPONSES,
        description="Accepts a submitted assessment; it is locked from then on. State "
        "administrators of the LEA's state (and national administrators) may.",
    )
    def post(self, request, pk: int):
        assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.assessment_accept(
                assessment=assessment,
                user=request.user,
                version=_version(assessment, data.validated_data),
                note=data.validated_data.get("message", ""),
            )
        except services.AssessmentError as exc:
            raise api_error(exc) from exc
        return Response(_assessment_data(request.user, assessment.pk))


# --- scores -------------------------------------------------------------------------------


class StageRefSerializer(serializers.Serializer):
    class Meta:
        ref_name = "LeaStage"

    code = serializers.CharField()
    label = serializers.CharField()


class DomainScoreSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DomainScore"

    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True, help_text="0 to 100; null: too few indicators rated."
    )
    answered = serializers.IntegerField(help_text='Rated or marked "don\'t know".')
    rated = serializers.IntegerField()
    dont_know = serializers.IntegerField()
    total = serializers.IntegerField()


class AssessmentScoresApi(APIView):
    """The assessment's stage and domain scores, as the results page shows them (the same
    selector): stored when scored with the cycle's framework version, else computed."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssessmentScores"

        stage = StageRefSerializer(
            allow_null=True,
            help_text="The LEA's readiness stage; null while the evidence is insufficient "
            "(too few domains scored).",
        )
        overall = serializers.FloatField(allow_null=True, help_text="0 to 100, or null.")
        domains = DomainScoreSerializer(many=True)
        framework = FrameworkRefSerializer()

    @extend_schema(responses=OutputSerializer)
    def get(self, request, pk: int):
        assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
        framework = assessment.cycle.framework.spec
        score = assessment_score(assessment=assessment)
        stage = None
        if score.stage and score.stage != INSUFFICIENT:
            stage = {"code": score.stage, "label": framework.lea_stage_label(score.stage)}
        data = {
            "stage": stage,
            "overall": score.overall,
            "domains": [
                {
                    "code": domain.code,
                    "name": domain.name,
                    "score": domain.score,
                    "answered": domain.rated + domain.dont_know,
                    "rated": domain.rated,
                    "dont_know": domain.dont_know,
                    "total": domain.total,
                }
                for domain in score.domains
            ],
            "framework": {"code": framework.code, "version": framework.version},
        }
        return Response(self.OutputSerializer(data).data)


# --- running a cycle ----------------------------------------------------------------------


def cycle_api_error(exc: services.AssessmentError, *, row_field: str) -> ApiError:
    """A refusal of the cycle services: their fields, and refused lines under `row_field`."""
    if not isinstance(exc, cycle_services.CycleInvalid):
        return api_error(exc)
    fields = {name: list(messages) for name, messages in exc.fields.items()}
    if exc.rows:
        fields[row_field] = [str(row) for row in exc.rows]
    return ApiError(status=400, code="invalid", message=exc.message, fields=fields)


def _managed_cycle(request, cycle_id: int) -> AssessmentCycle:
    """The cycle (404 unless the user sees it), or 403 unless the user manages it."""
    cycle = get_object_or_404(selectors.cycle_list_for_user(user=request.user), pk=cycle_id)
    if not selectors.user_can_manage_cycle(user=request.user, cycle=cycle):
        raise ApiError(
            status=403,
            code="not_allowed",
            message="Only an administrator of the cycle's state may do this.",
        )
    return cycle


class CycleCloseApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: CycleListApi.OutputSerializer,
            409: OpenApiResponse(ErrorSerializer, "assessment_changed: already closed."),
        },
        description="Closes the cycle: its assessments stay readable, and nothing in them "
        "can change any more (answers, submissions, reviews, assignments). State "
        "administrators of its state (and national administrators) may.",
    )
    def post(self, request, cycle_id: int):
        cycle = _managed_cycle(request, cycle_id)
        try:
            cycle_services.cycle_close(actor=request.user, cycle=cycle)
        except services.AssessmentError as exc:
            raise api_error(exc) from exc
        return Response(CycleListApi.OutputSerializer(cycle).data)


class AssignmentInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Assignment"

    lea = StrictCharField(max_length=7, help_text="The LEA's NCES LEAID.")
    assignee = StrictCharField(max_length=150, help_text="The staff member's username.")


class CycleAssignmentsApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CycleAssignments"

        assignments = serializers.ListField(
            child=AssignmentInputSerializer(),
            min_length=1,
            max_length=20_000,
            help_text="Who each LEA of the cycle goes to; an LEA already theirs is left "
            "alone, one held by someone else moves.",
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CycleAssignmentsDone"

        changed = serializers.ListField(
            child=serializers.IntegerField(), help_text="Ids of the assessments that moved."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                "invalid: a field is malformed; or, though well formed, an item names an "
                "LEA not of the cycle's state or not in the cycle, an LEA twice, a username "
                "nobody has or a person who is not state staff or a state administrator "
                "there, or the cycle is closed (`fields.assignments`: one message per "
                "refused item, 'Line n' counting from 1). Nothing is assigned then.",
            ),
        },
        description="Assigns (or reassigns) many of the cycle's LEAs at once, all or "
        "nothing. State administrators of its state (and national administrators) may.",
    )
    def post(self, request, cycle_id: int):
        cycle = _managed_cycle(request, cycle_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [
            (line, item["lea"], item["assignee"])
            for line, item in enumerate(data.validated_data["assignments"], start=1)
        ]
        try:
            changed = cycle_services.assessment_assign_rows(
                actor=request.user, cycle=cycle, rows=rows, row_field="assignments"
            )
        except services.AssessmentError as exc:
            raise cycle_api_error(exc, row_field="assignments") from exc
        return Response({"changed": changed})


class CycleWorkloadApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "WorkloadRow"

        user = serializers.IntegerField(
            source="user_id", allow_null=True, help_text="null: the LEAs nobody holds yet."
        )
        username = serializers.CharField()
        name = serializers.CharField()
        assigned = serializers.IntegerField()
        not_started = serializers.IntegerField()
        in_progress = serializers.IntegerField()
        submitted = serializers.IntegerField()
        accepted = serializers.IntegerField()
        overdue = serializers.IntegerField(
            help_text="Past the cycle's due date for assessments, neither submitted nor accepted."
        )

    @extend_schema(
        responses=OutputSerializer(many=True),
        description="Each staff member's and administrator's share of the cycle, then the "
        "LEAs nobody holds. State administrators of its state (and national "
        "administrators) may.",
    )
    def get(self, request, cycle_id: int):
        cycle = _managed_cycle(request, cycle_id)
        rows = cycle_selectors.cycle_workload(cycle=cycle, today=timezone.localdate())
        return Response(self.OutputSerializer(rows, many=True).data)


# --- the district's own view --------------------------------------------------------------


class DistrictRatingOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DistrictRating"

    level = serializers.IntegerField(help_text="The district's rubric level.")
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="Send it back with the next change.")
    updated_at = serializers.DateTimeField()
    updated_by = serializers.CharField(
        source="updated_by.username", allow_null=True, help_text="Username."
    )


class DistrictRatingRowSerializer(serializers.Serializer):
    class Meta:
        ref_name = "IndicatorDistrictRating"

    indicator = serializers.CharField(source="spec.code")
    title = serializers.CharField(source="spec.title")
    domain = serializers.CharField(source="spec.domain")
    area = serializers.CharField(source="spec.area")
    state_rating = serializers.IntegerField(
        allow_null=True,
        help_text="The state's rating (null: not rated, or \"don't know\"); it alone is scored.",
    )
    district_rating = DistrictRatingOutputSerializer(
        allow_null=True, help_text="null until the district rates it: give that one at version 0."
    )


@dataclass(frozen=True)
class _DistrictRow:
    spec: Any
    state_rating: int | None
    district_rating: Any


def _district_rows(assessment: Assessment, codes=None) -> list[_DistrictRow]:
    answers = assessment_selectors.assessment_answers(assessment=assessment)
    ratings = assessment_selectors.assessment_district_ratings(assessment=assessment)
    return [
        _DistrictRow(
            spec=spec,
            state_rating=answers[spec.code].rating if spec.code in answers else None,
            district_rating=ratings.get(spec.code),
        )
        for spec in assessment.cycle.framework.spec.indicators
        if codes is None or spec.code in codes
    ]


class DistrictRatingListApi(generics.ListAPIView):
    """The district's own view of the assessment: every indicator of its framework
    version, in order, with the state's rating and the district's (or null). Never scored.
    Its LEA's district leaders, the state's administrators and staff, and national admins
    read it; for anyone else it does not exist (404)."""

    serializer_class = DistrictRatingRowSerializer
    pagination_class = AnswerPagination
    filter_backends: list = []

    def get_queryset(self):
        assessment = selectors.assessment_get_for_district_view(
            user=self.request.user, pk=self.kwargs["pk"]
        )
        return _district_rows(assessment)


class DistrictRatingSentSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DistrictRatingSent"

    level = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="The version you sent.")


class DistrictRatingConflictSerializer(ErrorSerializer):
    class Meta:
        ref_name = "DistrictRatingConflict"

    yours = DistrictRatingSentSerializer(
        required=False, help_text="What you sent (district_rating_conflict only)."
    )
    theirs = DistrictRatingOutputSerializer(
        required=False,
        allow_null=True,
        help_text="The stored rating with its current version (district_rating_conflict only).",
    )


class DistrictRatingDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DistrictRatingInput"

        level = StrictIntegerField(min_value=1, max_value=4, help_text="A rubric level.")
        note = StrictCharField(
            allow_blank=True,
            trim_whitespace=False,
            max_length=EVIDENCE_MAX_LENGTH,
            help_text="Why the district sees it this way; an empty string for none.",
        )
        version = StrictIntegerField(
            min_value=0,
            max_value=MAX_VERSION,
            help_text="The rating's version you started from; 0 for a first rating.",
        )

    @extend_schema(responses=DistrictRatingRowSerializer)
    def get(self, request, pk: int, indicator_code: str):
        assessment = selectors.assessment_get_for_district_view(user=request.user, pk=pk)
        spec = _indicator_or_404(assessment, indicator_code)
        row = _district_rows(assessment, codes={spec.code})[0]
        return Response(DistrictRatingRowSerializer(row).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: DistrictRatingRowSerializer,
            409: OpenApiResponse(
                DistrictRatingConflictSerializer,
                "district_rating_conflict: someone saved this rating since the version you "
                "sent; both are in the body (send again with theirs.version to keep yours). "
                "locked: the assessment is accepted, and the district's view with it.",
            ),
        },
        description="Saves the district's rating of one indicator (level and note). Only "
        "the LEA's district leaders, until the assessment is accepted; it never changes "
        "the assessment's scores.",
    )
    def put(self, request, pk: int, indicator_code: str):
        assessment = selectors.assessment_get_for_district_view(user=request.user, pk=pk)
        spec = _indicator_or_404(assessment, indicator_code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sent = data.validated_data
        try:
            services.district_rating_save(
                assessment=assessment,
                user=request.user,
                indicator=spec.code,
                level=sent["level"],
                note=sent["note"],
                version=sent["version"],
            )
        except services.DistrictRatingConflict as exc:
            theirs = DistrictRatingOutputSerializer(exc.theirs).data if exc.theirs else None
            raise api_error(exc, yours=dict(sent), theirs=theirs) from exc
        except services.AssessmentError as exc:
            raise api_error(exc) from exc
        row = _district_rows(assessment, codes={spec.code})[0]
        return Response(DistrictRatingRowSerializer(row).data)
