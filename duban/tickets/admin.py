from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from duban.core.admin import ReadOnlyInline
from duban.tickets.models import (
    DuplicateDismissal,
    ExtensionRequest,
    FollowUp,
    HeaderAlias,
    PersonalDataView,
    RoutingRule,
    TalkDaySession,
    Ticket,
    TicketCategory,
    TicketEvidence,
    TicketSettings,
    Transition,
)


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = ["full_name", "needs_review", "normal_workdays", "active", "order"]
    list_editable = ["needs_review", "normal_workdays", "active", "order"]
    list_select_related = ["parent"]
    search_fields = ["name"]


@admin.register(TicketSettings)
class TicketSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "normal_workdays",
        "urgent_workdays",
        "critical_hours",
        "return_limit_workdays",
        "basic_weight",
        "duplicate_days",
        "duplicate_similarity",
    ]

    def has_add_permission(self, request):
        return not TicketSettings.objects.exists()


@admin.register(HeaderAlias)
class HeaderAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "column"]
    list_filter = ["column"]
    search_fields = ["alias"]


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ["at", "action", "from_state", "to_state", "actor", "unit", "reason"]
    readonly_fields = fields


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ["at", "by", "contacted", "resolved", "satisfaction", "comment"]
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = TicketEvidence
    fields = ["name", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    # The state moves only through the loop's pages (services.apply), never here.
    list_display = ["code", "source", "received_at", "category", "unit", "state", "deadline"]
    list_filter = ["state", "source", "urgency", "office"]
    list_select_related = ["category", "unit"]
    search_fields = ["source_number", "content"]
    readonly_fields = [
        "state",
        "unit",
        "dispatched_at",
        "deadline",
        "closed_at",
        "reopen_count",
        "followed_up",
        "contacted",
        "resolved",
        "satisfaction",
        "merged_into",
    ]
    exclude = ["reporter_name", "reporter_phone"]
    autocomplete_fields = ["community"]
    inlines = [TransitionInline, FollowUpInline, EvidenceInline]

    def has_delete_permission(self, request, obj=None):
        # deleting a request would erase its transitions, follow-ups and the log of who
        # saw the resident's contact: requests are closed or merged, never deleted
        return False


@admin.register(TalkDaySession)
class TalkDaySessionAdmin(admin.ModelAdmin):
    list_display = ["held_on", "community", "place", "office"]


@admin.register(PersonalDataView)
class PersonalDataViewAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "ticket", "purpose", "count"]
    list_filter = ["purpose"]
    readonly_fields = ["at", "user", "ticket", "purpose", "count"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log of who saw a resident's contact is kept whole


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "office", "auto_dispatch", "active", "updated_at"]
    list_filter = ["office", "auto_dispatch", "active"]
    list_select_related = ["category__parent", "community", "unit", "office"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["ticket", "workdays", "decision", "requested_at", "decided_at"]
    list_filter = ["decision"]
    raw_id_fields = ["ticket"]
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DuplicateDismissal)
class DuplicateDismissalAdmin(admin.ModelAdmin):
    list_display = ["ticket", "other", "by", "at"]
    raw_id_fields = ["ticket", "other"]
