from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from .models import LeverStatus, StatePolicyProfile
from .services import policy_profile_list_restage

# Lever statuses are edited on the profile's own edit page, which checks versions,
# validates citations and stores the stage; the admin only shows them and their history.
READ_ONLY_FIELDS = ("lever", "status", "citation", "note", "version", "updated_by", "updated_at")


class LeverStatusInline(admin.TabularInline):
    model = LeverStatus
    extra = 0
    fields = READ_ONLY_FIELDS
    readonly_fields = READ_ONLY_FIELDS
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StatePolicyProfile)
class StatePolicyProfileAdmin(admin.ModelAdmin):
    list_display = ("state", "cycle", "stage", "updated_at")
    list_filter = ("state", "stage")
    readonly_fields = ("stage", "updated_at")
    inlines = [LeverStatusInline]
    actions = ["restage"]

    @admin.action(description="Recompute the stage of the selected profiles")
    def restage(self, request, queryset):
        changed = policy_profile_list_restage(profiles=queryset)
        self.message_user(
            request, f"{len(changed)} of {queryset.count()} stages changed.", messages.SUCCESS
        )


@admin.register(LeverStatus)
class LeverStatusAdmin(SimpleHistoryAdmin):
    list_display = ("profile", "lever", "status", "citation", "updated_at")
    list_filter = ("status", "lever__code")
    readonly_fields = READ_ONLY_FIELDS + ("profile",)

    def has_add_permission(self, request):
        return False
