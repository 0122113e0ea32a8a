from django.contrib import admin, messages

from .models import OutgoingEmail
from .services import email_send_again


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_address", "subject", "status", "attempts", "error")
    list_filter = ("status", "kind")
    search_fields = ("to_address", "subject")
    date_hierarchy = "created_at"
    raw_id_fields = ("recipient",)
    actions = ["send_again"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request, queryset):
        count = email_send_again(emails=queryset)
        messages.info(request, f"{count} failed email(s) queued to be sent again.")
