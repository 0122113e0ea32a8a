from django.contrib import admin

from .models import LEA, ImportJob, State
from .services import lea_state_codes_sync


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "fips")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "code" in form.changed_data:
            lea_state_codes_sync(state=obj)


@admin.register(LEA)
class LEAAdmin(admin.ModelAdmin):
    list_display = ("leaid", "name", "state", "locale", "enrollment", "school_count", "status")
    list_filter = ("state", "locale", "status", "is_charter")
    search_fields = ("leaid", "name")
    list_select_related = ("state",)

    def save_model(self, request, obj, form, change):
        obj.state_code = obj.state.code  # the list's order follows the LEA's state
        super().save_model(request, obj, form, change)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "status", "uploaded_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("preview", "result")
