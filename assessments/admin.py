from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cbe_portal.notices import notify_assigned
from frameworks.selectors import framework_for_new_cycles

from .models import Answer, Assessment, AssessmentCycle, Comment


@admin.register(AssessmentCycle)
class AssessmentCycleAdmin(admin.ModelAdmin):
    list_display = (
        "state",
        "name",
        "starts_on",
        "ends_on",
        "assessments_due_on",
        "framework",
        "is_open",
    )
    list_filter = ("state", "is_open")

    def get_changeform_initial_data(self, request):
        # A new cycle is scored with the newest framework version unless changed here.
        initial = super().get_changeform_initial_data(request)
        newest = framework_for_new_cycles()
        if newest is not None:
            initial.setdefault("framework", newest.pk)
        return initial


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    raw_id_fields = ("indicator", "updated_by")


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ("lea", "cycle", "status", "stage", "overall_score", "answered_count")
    list_filter = ("status", "cycle__state", "cycle")
    search_fields = ("lea__name", "lea__leaid")
    raw_id_fields = ("lea", "assignee")
    list_select_related = ("lea", "cycle", "cycle__state")
    inlines = [AnswerInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "assignee" in form.changed_data and obj.assignee_id is not None:
            notify_assigned(
                assessment_ids=[obj.pk], assignee_id=obj.assignee_id, actor_id=request.user.pk
            )


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ("assessment", "indicator", "rating", "dont_know", "version", "updated_at")
    raw_id_fields = ("assessment", "indicator", "updated_by")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("assessment", "indicator", "author", "created_at")
    raw_id_fields = ("assessment", "indicator", "author")
