from django.contrib import admin
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from simple_history.admin import SimpleHistoryAdmin

from duban.core.models import CalendarYear, Job, WorkdayOverride
from duban.core.workdays import Calendar, years_shown


class ReadOnlyInline(admin.TabularInline):
    """Rows of an audit trail shown under their object: none can be added, changed or
    deleted from the admin, even by a superuser (issue 14)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _CalendarSourceMixin:
    """A 该年度日历来源 column, and above the list every shown year with its source."""

    def changelist_view(self, request, extra_context=None):
        calendar = self._calendar = Calendar.load()
        years = years_shown(timezone.localdate(), calendar)
        extra_context = {
            **(extra_context or {}),
            "calendar_years": [calendar.coverage(year) for year in years],
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="该年度日历来源")
    def year_source(self, obj):
        calendar = getattr(self, "_calendar", None) or Calendar.load()
        coverage = calendar.coverage(self._year(obj))
        return coverage.label + ("" if coverage.complete else "（待补充）")


@admin.register(CalendarYear)
class CalendarYearAdmin(_CalendarSourceMixin, SimpleHistoryAdmin):
    list_display = ["year", "note", "year_source"]
    change_list_template = "admin/core/calendar_change_list.html"

    def _year(self, obj):
        return obj.year


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(_CalendarSourceMixin, SimpleHistoryAdmin):
    list_display = ["date", "is_workday", "note", "year_source"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    change_list_template = "admin/core/calendar_change_list.html"

    def _year(self, obj):
        return obj.date.year


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """后台任务: what ran, for whom, and how it ended (read only; the deployment's view)."""

    list_display = ["pk", "title", "user", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["title", "user__username", "error"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# the queue's own admin speaks English; 后台任务 above says the same in Chinese
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
