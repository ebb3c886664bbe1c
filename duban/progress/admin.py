"""Admin for the office's settings of reporting. Reports themselves change only
through the workflow (`duban.progress.workflow`), so the admin shows them read only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from duban.core.admin import ReadOnlyInline
from duban.progress.models import (
    Evidence,
    Judgement,
    PartnerFeedback,
    ProgressRules,
    ReasonCategory,
    Review,
    Submission,
)


@admin.register(ReasonCategory)
class ReasonCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name"]


@admin.register(ProgressRules)
class ProgressRulesAdmin(SimpleHistoryAdmin):
    """One row (id=1): it can be edited, never added twice or deleted."""

    list_display = [
        "__str__",
        "submission_day",
        "unit_head_approval",
        "pace_threshold",
        "due_soon_workdays",
        "red_after_lagging_periods",
        "remind_before_workdays",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ProgressRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ["at", "action", "version", "actor", "comment"]
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["name", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    list_display = ["task", "period", "unit", "state", "self_status", "version", "submitted_at"]
    list_filter = ["period", "state", "self_status", "unit"]
    list_select_related = ["task", "unit"]
    search_fields = ["task__code", "task__title", "progress"]
    inlines = [ReviewInline, EvidenceInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Judgement)
class JudgementAdmin(SimpleHistoryAdmin):
    list_display = ["task", "period", "status", "light", "proposed_status", "source", "judged_at"]
    list_filter = ["period", "status", "light", "source"]
    list_select_related = ["task"]
    search_fields = ["task__code", "task__title"]
    raw_id_fields = ["task"]

    # a month is judged whole (progress/month.py): a judgement stays its task's and its
    # month's, and goes only with its task (judging.JUDGED_WHOLE relies on it)
    def get_readonly_fields(self, request, obj=None):
        return ["task", "period"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartnerFeedback)
class PartnerFeedbackAdmin(SimpleHistoryAdmin):
    list_display = ["task", "period", "unit", "author", "updated_at"]
    list_filter = ["period", "unit"]
    list_select_related = ["task", "unit", "author"]
    search_fields = ["task__code", "task__title", "note"]
    raw_id_fields = ["task"]
