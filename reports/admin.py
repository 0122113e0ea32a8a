from django.contrib import admin

from .models import ReportBatch, ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "state", "lea", "cycle", "status", "progress", "created_at")
    list_filter = ("kind", "status", "state")
    raw_id_fields = ("lea", "batch", "requested_by")


@admin.register(ReportBatch)
class ReportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "cycle", "requested_by", "created_at")
