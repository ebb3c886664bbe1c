"""Admin for the supervision settings: the ladder's rules, the accountability levels
and the special topics. Notices and decisions change only through `services` (pages
and commands), so the admin shows them read only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from duban.supervision.models import (
    AccountabilityLevel,
    AccountabilityRecord,
    Inspection,
    LadderRule,
    Notice,
    ScoreBonus,
    ScoringScheme,
    Topic,
)


@admin.register(LadderRule)
class LadderRuleAdmin(SimpleHistoryAdmin):
    """One row (id=1): edited, never added twice or deleted."""

    list_display = [
        "__str__",
        "blue_after_lagging_periods",
        "yellow_when_overdue",
        "reply_workdays_blue",
        "reply_workdays_yellow",
        "reply_workdays_red",
        "reds_for_interview",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not LadderRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccountabilityLevel)
class AccountabilityLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "target_value", "done_value", "target_unit"]
    list_filter = ["year"]
    filter_horizontal = ["tasks"]
    search_fields = ["name"]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "unit", "state", "issued_on", "reply_by"]
    list_filter = ["level", "state", "year"]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ReadOnlyAdmin):
    list_display = ["unit", "level", "state", "decided_on"]
    list_filter = ["state", "year"]


class ScoreBonusInline(admin.TabularInline):
    model = ScoreBonus
    extra = 1


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(SimpleHistoryAdmin):
    """Saving checks the weights add up to 100 (ScoringScheme.clean)."""

    list_display = ["__str__", "office", "weight_on_time", "weight_on_track", "partner_share"]
    inlines = [ScoreBonusInline]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["on", "kind", "place", "inspectors"]
    list_filter = ["kind"]
