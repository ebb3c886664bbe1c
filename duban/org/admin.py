from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from duban.org import accounts
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


class PasswordSetByAdminForm(AdminPasswordChangeForm):
    """A password set in the admin is known to the admin: changed at the next sign-in."""

    def save(self, commit=True):
        user = super().save(commit)
        if commit and self.cleaned_data.get("usable_password", True):
            Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
            accounts.unlock(user.get_username())
        return user


@admin.register(User)
class DubanUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    change_password_form = PasswordSetByAdminForm
    list_display = ["username", "first_name", "last_name", "unit", "is_staff", "is_active"]
    list_select_related = ["profile__unit"]
    list_filter = ["is_staff", "is_superuser", "is_active", "profile__roles", "profile__office"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and form.instance.has_usable_password():
            Profile.objects.update_or_create(
                user=form.instance, defaults={"must_change_password": True}
            )

    @admin.display(description=_("所在单位"), ordering="profile__unit__name")
    def unit(self, user):
        profile = getattr(user, "profile", None)
        return profile.unit if profile and profile.unit_id else "—"
