from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "state", "lea", "is_active")
    list_filter = ("role", "state", "is_active")
    list_select_related = ("state", "lea")
    raw_id_fields = ("lea",)
    fieldsets = BaseUserAdmin.fieldsets + (("Role", {"fields": ("role", "state", "lea")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Role", {"fields": ("role", "state", "lea")}),)
