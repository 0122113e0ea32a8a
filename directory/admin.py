from django.contrib import admin

from .models import LEA, ImportJob, State


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


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "status", "uploaded_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("preview", "result")
