from django.contrib import admin, messages

from duban.api.models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "active", "rate_limit", "personal_data", "last_used_at"]
    list_filter = ["active", "office"]
    search_fields = ["name"]
    readonly_fields = ["token_hint", "user", "created_at", "created_by", "last_used_at"]
    actions = ["renew_token"]

    def save_model(self, request, obj, form, change):
        token = None
        if not change:
            token = obj.set_token()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request, f"“{obj.name}”的接口令牌（只显示这一次，请立即复制）：{token}"
            )

    @admin.action(description="重新生成令牌（旧令牌立即失效）")
    def renew_token(self, request, queryset):
        for client in queryset:
            token = client.set_token()
            client.save(update_fields=["token_hash", "token_hint"])
            messages.warning(request, f"“{client.name}”的新令牌（只显示这一次）：{token}")

    def has_delete_permission(self, request, obj=None):
        # the client's service account is named in the audit trail: disable, never delete
        return False
