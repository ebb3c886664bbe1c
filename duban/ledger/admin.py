from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from duban.ledger.models import AssignmentSource, Category, KeyTask, Milestone


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "office", "order"]
    list_editable = ["order"]
    list_filter = ["year", "office"]
    search_fields = ["name"]


@admin.register(AssignmentSource)
class AssignmentSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "default_workdays", "order"]
    list_editable = ["default_workdays", "order"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["order", "due", "description"]
    extra = 0


@admin.register(KeyTask)
class KeyTaskAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "year", "category", "lead_unit", "deadline", "office"]
    list_display_links = ["code", "title"]
    list_filter = ["year", "kind", "category", "office"]
    list_select_related = ["category", "lead_unit", "office"]
    search_fields = ["code", "title", "goal"]
    filter_horizontal = ["partner_units"]
    autocomplete_fields = ["lead_unit"]
    inlines = [MilestoneInline]

    def has_delete_permission(self, request, obj=None):
        # one by one, and only a task nothing has been recorded about (records_kept)
        return (
            obj is not None
            and not obj.records_kept()
            and super().has_delete_permission(request, obj)
        )

    fieldsets = [
        (None, {"fields": ["office", "year", "code", "kind", "category", "title", "goal"]}),
        (_("量化指标"), {"fields": ["target_value", "target_unit"]}),
        (_("责任"), {"fields": ["lead_unit", "partner_units", "leader", "deadline"]}),
        (
            _("交办事项"),
            {"fields": ["source", "assigned_on", "source_note"], "classes": ["collapse"]},
        ),
    ]
