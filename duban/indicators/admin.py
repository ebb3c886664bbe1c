from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue


class TargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "unit", "group", "kind", "office", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["office", "group", "kind", "active"]
    search_fields = ["name"]
    inlines = [TargetInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "year", "month", "value", "previous", "updated_by", "updated_at"]
    list_filter = ["year", "month", "indicator__office"]
    list_select_related = ["indicator", "updated_by"]
    search_fields = ["indicator__name"]
