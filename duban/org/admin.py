from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from duban.org import accounts
from duban.org import roles as R
from duban.org.models import Office, Profile, Role, Unit


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "order"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "office", "parent", "active"]
    list_filter = ["active", "kind", "office"]
    search_fields = ["name"]
    list_select_related = ["office", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["roles"]
    autocomplete_fields = ["unit"]
    fk_name = "user"


User = get_user_model()
admin.site.unregister(User)
# Only superusers use the admin (duban/urls.py), so groups and per-model permissions
# grant nothing; their lists are also the admin's last English (“Can add …”).
admin.site.unregister(Group)


class PasswordSetByAdminForm(AdminPasswordChangeForm):
    """A password set in the admin is known to the admin: changed at the next sign-in."""

    # Django builds this text by joining a translated string with an English one
    usable_password_help_text = _(
        "是否允许此用户用密码登录。停用后该用户不能用密码登录，但账号仍保留。"
        '<ul id="id_unusable_warning" class="messagelist"><li class="warning">'
        "停用后，此用户当前的密码将失效。</li></ul>"
    )

    def save(self, commit=True):
        user = super().save(commit)
        if commit and self.cleaned_data.get("usable_password", True):
            Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
            accounts.unlock(user.get_username())
        return user


class NameAsOneFieldForm(UserChangeForm):
    """A Chinese name is one 姓名 field (kept whole in last_name, as 人员管理 does)."""

    name = forms.CharField(label=_("姓名"), max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and (self.instance.last_name or self.instance.first_name):
            self.fields["name"].initial = R.display_name(self.instance)

    def save(self, commit=True):
        self.instance.last_name = self.cleaned_data.get("name", "").strip()
        self.instance.first_name = ""
        return super().save(commit)


@admin.register(User)
class DubanUserAdmin(UserAdmin):
    form = NameAsOneFieldForm
    inlines = [ProfileInline]

    def has_delete_permission(self, request, obj=None):
        # the audit trail names people (and their log of residents' contacts seen goes with
        # them): an account that leaves is deactivated (取消“有效”), never deleted
        return False

    change_password_form = PasswordSetByAdminForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("姓名与邮箱"), {"fields": ("name", "email")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ["username", "full_name", "unit", "is_superuser", "is_active"]
    list_select_related = ["profile__unit"]
    list_filter = ["is_superuser", "is_active", "profile__roles", "profile__office"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and form.instance.has_usable_password():
            Profile.objects.update_or_create(
                user=form.instance, defaults={"must_change_password": True}
            )

    @admin.display(description=_("姓名"), ordering="last_name")
    def full_name(self, user):
        return R.display_name(user) if (user.last_name or user.first_name) else "—"

    @admin.display(description=_("所在单位"), ordering="profile__unit__name")
    def unit(self, user):
        profile = getattr(user, "profile", None)
        return profile.unit if profile and profile.unit_id else "—"
