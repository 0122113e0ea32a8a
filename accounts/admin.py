from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    LEA,
    Answer,
    Assessment,
    AssessmentCycle,
    Comment,
    Domain,
    FrameworkVersion,
    ImportJob,
    Indicator,
    Lever,
    State,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "state", "lea", "is_active")
    list_filter = ("role", "state", "is_active")
    list_select_related = ("state", "lea")
    raw_id_fields = ("lea",)
    fieldsets = BaseUserAdmin.fieldsets + (("Role", {"fields": ("role", "state", "lea")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Role", {"fields": ("role", "state", "lea")}),)


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "fips")
    search_fields = ("code", "name")


@admin.register(LEA)
class LEAAdmin(admin.ModelAdmin):
    list_display = ("leaid", "name", "state", "locale", "enrollment", "school_count", "status")
    list_filter = ("state", "locale", "status", "is_charter")
    search_fields = ("leaid", "name")
    list_select_related = ("state",)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(admin.ModelAdmin):
    list_display = ("code", "version", "title", "loaded_at")
    readonly_fields = ("content", "content_hash", "loaded_at")
    inlines = [DomainInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "domain", "area", "framework")
    list_filter = ("framework", "domain")
    search_fields = ("code", "title")
    filter_horizontal = ("levers",)


@admin.register(Lever)
class LeverAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "group", "framework")
    list_filter = ("framework", "group")


@admin.register(AssessmentCycle)
class AssessmentCycleAdmin(admin.ModelAdmin):
    list_display = ("state", "name", "starts_on", "ends_on", "framework", "is_open")
    list_filter = ("state", "is_open")


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


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ("assessment", "indicator", "rating", "dont_know", "version", "updated_at")
    raw_id_fields = ("assessment", "indicator", "updated_by")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("assessment", "indicator", "author", "created_at")
    raw_id_fields = ("assessment", "indicator", "author")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "status", "uploaded_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("preview", "result")
