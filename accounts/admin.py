from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from access.selectors import user_can_read_access_log

from .models import User
from .services import sign_in_attempts_forget


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "state", "lea", "is_active")
    list_filter = ("role", "state", "is_active")
    list_select_related = ("state", "lea")
    raw_id_fields = ("lea",)
    fieldsets = BaseUserAdmin.fieldsets + (("Role", {"fields": ("role", "state", "lea")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Role", {"fields": ("role", "state", "lea")}),)


# Sign-in lockouts (django-axes). Only national administrators see the failed attempts
# and unlock an account: either with the "Unlock" action or by deleting the rows, which
# is the same thing. Sign-ins themselves are in the portal's access log, so axes' own
# logs are not offered here.
for axes_model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(axes_model):
        admin.site.unregister(axes_model)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock", *AccessAttemptAdmin.actions]

    def _national(self, request) -> bool:
        return request.user.is_staff and user_can_read_access_log(user=request.user)

    def has_module_permission(self, request) -> bool:
        return self._national(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._national(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._national(request)

    @admin.action(description="Unlock: forget these failed sign-ins", permissions=["delete"])
    def unlock(self, request, queryset):
        names = sorted({attempt.username or "(no name)" for attempt in queryset})
        count = sign_in_attempts_forget(attempts=queryset)
        self.message_user(
            request,
            f"Unlocked {', '.join(names)}: {count} record{'s' if count != 1 else ''} of "
            "failed sign-ins removed. They can sign in again now.",
        )
