from django.contrib import admin

from duban.core.models import CalendarYear, WorkdayOverride


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "note"]


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
