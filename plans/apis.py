"""The API of improvement plans: the LEA's plan for a cycle with its objectives, tasks,
progress notes and coaching comments; setting priorities, editing objectives and tasks,
adding notes and comments, submitting and reviewing.

Every plan comes through `access.selectors` (a plan the caller may not see is a 404);
every write is the service the pages call, with the same checks; a refusal
(`services.PlanError`) is an ApiError with its code, message and field, and a stale
version a 409 with both versions (`theirs` as stored, `yours` as sent).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors
from cbe_portal.api import ApiError, StrictCharField, StrictIntegerField
from cbe_portal.api_schema import ErrorSerializer

from . import services
from .models import TEXT_MAX_LENGTH, CoachingComment, Objective, Plan, ProgressNote, Task

MAX_VERSION = 2_147_483_647


def api_error(exc: services.PlanError) -> ApiError:
    fields = {exc.field: [exc.message]} if exc.field else {}
    extra = (
        {"theirs": exc.theirs, "yours": exc.yours} if isinstance(exc, services.PlanConflict) else {}
    )
    return ApiError(
        status=exc.status, code=exc.code, message=exc.message, fields=fields, extra=extra
    )


# --- output -------------------------------------------------------------------------------


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class NoteOutputSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = ProgressNote
        fields = ["id", "noted_on", "body", "evidence", "author", "created_at"]
        ref_name = "PlanProgressNote"

    def get_author(self, note) -> str:
        return _person(note.author)


class CommentOutputSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = CoachingComment
        fields = ["id", "body", "author", "created_at"]
        ref_name = "PlanCoachingComment"

    def get_author(self, comment) -> str:
        return _person(comment.author)


class TaskOutputSerializer(serializers.ModelSerializer):
    notes = NoteOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "description",
            "owner_name",
            "owner_user",
            "starts_on",
            "due_on",
            "status",
            "version",
            "notes",
        ]
        ref_name = "PlanTask"


class ObjectiveOutputSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    indicator_title = serializers.CharField(source="indicator.title", read_only=True)
    tasks = TaskOutputSerializer(many=True, read_only=True)
    comments = CommentOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Objective
        fields = [
            "id",
            "indicator",
            "indicator_title",
            "statement",
            "target_on",
            "version",
            "tasks",
            "comments",
        ]
        ref_name = "PlanObjective"


class PlanSummarySerializer(serializers.ModelSerializer):
    lea = serializers.CharField(source="lea.leaid", read_only=True)
    lea_name = serializers.CharField(source="lea.name", read_only=True)
    state = serializers.CharField(source="lea.state.code", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "lea",
            "lea_name",
            "state",
            "cycle",
            "status",
            "version",
            "last_activity_at",
        ]
        ref_name = "PlanSummary"


class PlanOutputSerializer(PlanSummarySerializer):
    objectives = ObjectiveOutputSerializer(many=True, read_only=True)

    class Meta(PlanSummarySerializer.Meta):
        fields = [*PlanSummarySerializer.Meta.fields, "objectives"]
        ref_name = "Plan"


def _plan_output(plan: Plan) -> dict:
    plan = (
        Plan.objects.select_related("lea__state")
        .prefetch_related(
            "objectives__indicator",
            "objectives__tasks__notes__author",
            "objectives__comments__author",
        )
        .get(pk=plan.pk)
    )
    return PlanOutputSerializer(plan).data


class PlanConflictSerializer(ErrorSerializer):
    class Meta:
        ref_name = "PlanConflict"

    theirs = serializers.DictField(required=False, help_text="The row as stored now.")
    yours = serializers.DictField(required=False, help_text="What you sent.")


def _responses(ok, rules: str) -> dict:
    return {
        ok[0]: ok[1],
        400: OpenApiResponse(ErrorSerializer, f"invalid: {rules} The field is named in fields."),
        403: OpenApiResponse(
            ErrorSerializer, "not_allowed: your role may read the plan but not do this."
        ),
        409: OpenApiResponse(
            PlanConflictSerializer,
            "plan_conflict: someone changed it since the version you sent; theirs and "
            "yours are both in the body.",
        ),
    }


# --- lookups ------------------------------------------------------------------------------


def _plan(request, leaid: str, cycle_id: int) -> Plan:
    return selectors.plan_get_for_lea_cycle(user=request.user, leaid=leaid, cycle_id=cycle_id)


# --- endpoints ----------------------------------------------------------------------------


class PlanListApi(generics.ListAPIView):
    serializer_class = PlanSummarySerializer

    def get_queryset(self):
        return selectors.plan_list_for_user(user=self.request.user).order_by("lea__name", "pk")


class PlanDetailApi(APIView):
    @extend_schema(responses=PlanOutputSerializer)
    def get(self, request, leaid: str, cycle_id: int):
        return Response(_plan_output(_plan(request, leaid, cycle_id)))


class PlanPrioritiesApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlanPrioritiesInput"

        indicators = serializers.ListField(
            child=StrictCharField(max_length=10),
            max_length=100,
            help_text="Codes of the LEA's gaps to make this cycle's priorities (exactly "
            "these: a priority left out is removed unless it has tasks).",
        )

    @extend_schema(
        request=InputSerializer,
        responses=_responses(
            (200, PlanOutputSerializer),
            "a code that is not a gap of the LEA in this cycle, or a priority left out "
            "that already has tasks.",
        ),
    )
    def put(self, request, leaid: str, cycle_id: int):
        assessment = selectors.assessment_get_for_lea_cycle(
            user=request.user, leaid=leaid, cycle_id=cycle_id
        )
        if not selectors.user_can_see_plans(user=request.user, lea=assessment.lea):
            raise ApiError(status=404, code="not_found", message="No such plan.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            plan = services.plan_priorities_set(
                user=request.user,
                assessment=assessment,
                indicator_codes=data.validated_data["indicators"],
            )
        except services.PlanError as exc:
            raise api_error(exc) from exc
        return Response(_plan_output(plan))


class _VersionInput(serializers.Serializer):
    class Meta:
        ref_name = "PlanVersionInput"

    version = StrictIntegerField(
        min_value=1, max_value=MAX_VERSION, help_text="The plan's version you acted on."
    )


class PlanSubmitApi(APIView):
    service = staticmethod(services.plan_submit)

    @extend_schema(
        request=_VersionInput,
        responses=_responses(
            (200, PlanOutputSerializer),
            "the plan has no priority, or its status does not allow this.",
        ),
    )
    def post(self, request, leaid: str, cycle_id: int):
        plan = _plan(request, leaid, cycle_id)
        data = _VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            plan = self.service(
                user=request.user, plan=plan, version=data.validated_data["version"]
            )
        except services.PlanError as exc:
            raise api_error(exc) from exc
        return Response(_plan_output(plan))


class PlanReviewApi(PlanSubmitApi):
    service = staticmethod(services.plan_mark_reviewed)


class ObjectiveApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlanObjectiveInput"

        statement = StrictCharField(max_length=TEXT_MAX_LENGTH, help_text="What will be true.")
        target_on = serializers.DateField(help_text="By when.")
        version = StrictIntegerField(min_value=1, max_value=MAX_VERSION)

    @extend_schema(
        request=InputSerializer,
        responses=_responses((200, ObjectiveOutputSerializer), "an empty statement."),
    )
    def put(self, request, leaid: str, cycle_id: int, objective_id: int):
        plan = _plan(request, leaid, cycle_id)
        objective = selectors.objective_get_for_user(user=request.user, plan=plan, pk=objective_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            objective = services.objective_update(
                user=request.user, objective=objective, **data.validated_data
            )
        except services.PlanError as exc:
            raise api_error(exc) from exc
        return Response(ObjectiveOutputSerializer(objective).data)


class TaskInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PlanTaskInput"

    description = StrictCharField(max_length=TEXT_MAX_LENGTH)
    owner_name = StrictCharField(max_length=200, help_text="The person responsible, by name.")
    owner_user = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_VERSION,
        help_text="Optionally, the owner's portal account (someone who can see the plan).",
    )
    starts_on = serializers.DateField()
    due_on = serializers.DateField(help_text="On or after starts_on.")
    status = serializers.ChoiceField(choices=Task.Status.choices, default=Task.Status.NOT_STARTED)


TASK_RULES = (
    "a due date before the start date, an owner left blank, or a portal account that "
    "cannot see the plan."
)


class TaskCreateApi(APIView):
    @extend_schema(
        request=TaskInputSerializer,
        responses=_responses((201, TaskOutputSerializer), TASK_RULES),
    )
    def post(self, request, leaid: str, cycle_id: int, objective_id: int):
        plan = _plan(request, leaid, cycle_id)
        objective = selectors.objective_get_for_user(user=request.user, plan=plan, pk=objective_id)
        data = TaskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            task = services.task_create(
                user=request.user, objective=objective, **data.validated_data
            )
        except services.PlanError as exc:
            raise api_error(exc) from exc
        return Response(TaskOutputSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskUpdateInputSerializer(TaskInputSerializer):
    class Meta:
        ref_name = "PlanTaskUpdateInput"

    version = StrictIntegerField(min_value=1, max_value=MAX_VERSION)


class TaskApi(APIView):
    @extend_schema(responses=TaskOutputSerializer)
    def get(self, request, leaid: str, cycle_id: int, task_id: int):
        plan = _plan(request, leaid, cycle_id)
        return Response(
            TaskOutputSerializer(
                selectors.task_get_for_user(user=request.user, plan=plan, pk=task_id)
            ).data
        )

    @extend_schema(
        request=TaskUpdateInputSerializer,
        responses=_responses((200, TaskOutputSerializer), TASK_RULES),
    )
    def put(self, request, leaid: str, cycle_id: int, task_id: int):
        plan = _plan(request, leaid, cycle_id)
        task = selectors.task_get_for_user(user=request.user, plan=plan, pk=task_id)
        data = TaskUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            task = services.task_update(user=request.user, task=task, **data.validated_data)
        except services.PlanError as exc:
            raise api_error(exc) from exc
        return Response(TaskOutputSerializer(task).data)


class NoteCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlanNoteInput"

        body = StrictCharField(max_length=TEXT_MAX_LENGTH)
        evidence = StrictCharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
        noted_on = serializers.DateField(
            required=False, allow_null=True, help_text="Today if left out."
        )

    @extend_schema(
        request=InputSerializer,
        responses=_responses((201, NoteOutputSerializer), "a note dated in the future."),
    )
    def post(self, request, leaid: str, cycle_id: int, task_id: int):
        plan = _plan(request, leaid, cycle_id)
        task = selectors.task_get_for_user(user=request.user, plan=plan, pk=task_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            note = services.progress_note_add(user=request.user, task=task, **data.validated_data)
        except services.PlanError as exc:
            raise api_error(exc) from exc
        return Response(NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)


class CommentCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlanCommentInput"

        body = StrictCharField(max_length=TEXT_MAX_LENGTH)

    @extend_schema(
        request=InputSerializer,
        responses=_responses((201, CommentOutputSerializer), "an empty comment."),
    )
    def post(self, request, leaid: str, cycle_id: int, objective_id: int):
        plan = _plan(request, leaid, cycle_id)
        objective = selectors.objective_get_for_user(user=request.user, plan=plan, pk=objective_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            comment = services.coaching_comment_add(
                user=request.user, objective=objective, body=data.validated_data["body"]
            )
        except services.PlanError as exc:
            raise api_error(exc) from exc
        return Response(CommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED)
