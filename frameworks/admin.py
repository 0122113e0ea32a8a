from django.contrib import admin

from .models import Domain, FrameworkVersion, Indicator, Lever


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
