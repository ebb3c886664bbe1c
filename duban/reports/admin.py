from django.contrib import admin

from duban.reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The archive is written only by generating a report; here it can be looked up and,
    when a report was made by mistake, deleted."""

    list_display = ["id", "title", "period", "office", "created_by", "created_at"]
    list_filter = ["office", "kind"]
    search_fields = ["title", "period"]
    readonly_fields = ["kind", "office", "period", "title", "figures", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
