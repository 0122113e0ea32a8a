from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import LeverStatus, StatePolicyProfile


class LeverStatusInline(admin.TabularInline):
    model = LeverStatus
    extra = 0


@admin.register(StatePolicyProfile)
class StatePolicyProfileAdmin(admin.ModelAdmin):
    list_display = ("state", "cycle", "stage", "updated_at")
    list_filter = ("state",)
    inlines = [LeverStatusInline]


@admin.register(LeverStatus)
class LeverStatusAdmin(SimpleHistoryAdmin):
    list_display = ("profile", "lever", "status", "citation", "updated_at")
    list_filter = ("status", "lever__code")
