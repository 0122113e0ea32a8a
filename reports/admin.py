from django.contrib import admin

from .models import ReportBatch, ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "state",
        "lea",
        "cycle",
        "status",
        "progress",
        "attempts",
        "created_at",
    )
    list_filter = ("kind", "status", "state")
    readonly_fields = (
        "input_hash",
        "task_id",
        "version",
        "enqueued_at",
        "started_at",
        "finished_at",
    )
    raw_id_fields = ("lea", "batch", "requested_by")


@admin.register(ReportBatch)
class ReportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "cycle", "requested_by", "created_at")
