"""Admin for notifications and the reminder log. The log is what was sent: it is read
only here, written only by `duban remind` (duban.notify.reminders)."""

from django.contrib import admin

from duban.notify.models import Notification, ReminderLog


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["day", "kind_label", "unit", "channel", "recipient", "ok", "sent_at"]
    list_filter = ["ok", "kind", "channel", "day"]
    search_fields = ["unit__name", "recipient", "detail"]
    date_hierarchy = "day"
    list_select_related = ["unit"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "created_at", "read_at"]
    list_filter = ["created_at"]
    search_fields = ["title", "user__username", "user__last_name", "user__first_name"]
    list_select_related = ["user"]
    readonly_fields = ["user", "title", "body", "url", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
