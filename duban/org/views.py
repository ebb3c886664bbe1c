"""人员管理 and 单位管理 for 督查管理员 (its own office scope only; another street's
people and units answer 404), and 修改密码 for everyone."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from duban.core.http import id_param
from duban.org import accounts
from duban.org import roles as R
from duban.org.forms import EditPersonForm, NewPersonForm, SetPasswordForm, UnitForm
from duban.org.models import Profile
from duban.org.scope import people_in_scope, units_in_scope


def _supervisor(request):
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以管理人员和单位")


def _own_office(user):
    profile = R.profile_of(user)
    return profile.office if profile else None


# ----- 修改密码 -----


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "org/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.password_changed_by_owner(self.request.user)
        messages.success(self.request, "密码已修改")
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = accounts.must_change_password(self.request.user)
        return context


# ----- 人员 -----


@login_required
def people(request):
    _supervisor(request)
    users = (
        people_in_scope(request.user)
        .select_related("profile__unit", "profile__office")
        .prefetch_related("profile__roles")
        .order_by("-is_active", "profile__unit__order", "profile__unit__name", "username")
    )
    unit_id = id_param(request.GET.get("unit"))
    units = units_in_scope(request.user)
    if unit_id is not None:
        users = users.filter(profile__unit_id=unit_id)
    users = list(users)
    locked = accounts.locked_usernames(u.username for u in users)
    rows = [
        {
            "user": u,
            "roles": "、".join(
                str(R.ROLE_NAMES[r.code]) for r in u.profile.roles.all() if r.code in R.ROLE_NAMES
            ),
            "locked": u.username in locked,
        }
        for u in users
    ]
    return render(
        request,
        "org/people.html",
        {"rows": rows, "units": units, "unit_id": unit_id, "locked_count": len(locked)},
    )


def _person_initial(user):
    profile = user.profile
    return {
        "name": R.display_name(user) if (user.last_name or user.first_name) else "",
        "unit": profile.unit_id,
        "roles": list(profile.roles.all()),
        "phone": profile.phone,
        "active": user.is_active,
    }


@login_required
def person_new(request):
    _supervisor(request)
    units = units_in_scope(request.user).filter(active=True)
    form = NewPersonForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=data["username"], last_name=data["name"]
            )
            unit = data["unit"]
            profile = Profile.objects.create(
                user=user,
                unit=unit,
                office=unit.office if unit else _own_office(request.user),
                phone=data["phone"],
            )
            profile.roles.set(data["roles"])
            accounts.set_password_by_admin(user, data["password"])
        messages.success(
            request, f"已添加 {data['name']}（用户名 {user.username}），首次登录后须修改密码"
        )
        return redirect("org:people")
    return render(request, "org/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, pk):
    _supervisor(request)
    person = get_object_or_404(people_in_scope(request.user).select_related("profile"), pk=pk)
    units = units_in_scope(request.user).filter(active=True) | units_in_scope(request.user).filter(
        pk=person.profile.unit_id
    )
    form = EditPersonForm(request.POST or None, units=units, initial=_person_initial(person))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person == request.user and not data["active"]:
            form.add_error("active", "不能停用自己的账号")
        elif person == request.user and R.SUPERVISOR not in {r.code for r in data["roles"]}:
            form.add_error("roles", "不能取消自己的督查管理员角色，请由其他督查管理员操作")
        else:
            with transaction.atomic():
                person.last_name, person.first_name = data["name"], ""
                person.is_active = data["active"]
                person.save(update_fields=["last_name", "first_name", "is_active"])
                profile = person.profile
                profile.unit = data["unit"]
                if data["unit"]:
                    profile.office = data["unit"].office
                profile.phone = data["phone"]
                profile.save()
                profile.roles.set(data["roles"])
            messages.success(request, f"已保存 {data['name']} 的信息")
            return redirect("org:people")
    return render(
        request,
        "org/person_form.html",
        {
            "form": form,
            "person": person,
            "password_form": SetPasswordForm(user=person),
            "locked": accounts.is_locked(person.username),
        },
    )


@login_required
def person_password(request, pk):
    """重置密码: the administrator types a new password; the person changes it at sign-in."""
    _supervisor(request)
    person = get_object_or_404(people_in_scope(request.user), pk=pk)
    form = SetPasswordForm(request.POST or None, user=person)
    if request.method == "POST" and form.is_valid():
        accounts.set_password_by_admin(person, form.cleaned_data["password"])
        messages.success(
            request, f"已重置 {R.display_name(person)} 的密码，本人下次登录后须修改密码"
        )
        return redirect("org:person", pk=person.pk)
    return render(request, "org/person_password.html", {"form": form, "person": person})


@require_POST
@login_required
def person_unlock(request, pk):
    """解除登录锁定 (after too many wrong passwords)."""
    _supervisor(request)
    person = get_object_or_404(people_in_scope(request.user), pk=pk)
    accounts.unlock(person.username)
    messages.success(request, f"已解除 {R.display_name(person)} 的登录锁定")
    target = request.POST.get("next") or ""
    if target != "people":
        return redirect("org:person", pk=person.pk)
    return redirect("org:people")


# ----- 单位 -----


@login_required
def units(request):
    _supervisor(request)
    rows = units_in_scope(request.user).order_by("office__order", "office_id", "order", "name")
    return render(request, "org/units.html", {"units": rows})


@login_required
def unit_new(request):
    _supervisor(request)
    office = _own_office(request.user)
    if office is None:
        messages.error(request, "您的账号未设置所属街道，无法添加单位")
        return redirect("org:units")
    form = UnitForm(request.POST or None, office=office, units=units_in_scope(request.user))
    if request.method == "POST" and form.is_valid():
        unit = form.save()
        messages.success(request, f"已添加单位 {unit.name}")
        return redirect("org:units")
    return render(request, "org/unit_form.html", {"form": form, "unit": None})


@login_required
def unit_edit(request, pk):
    _supervisor(request)
    unit = get_object_or_404(units_in_scope(request.user), pk=pk)
    form = UnitForm(
        request.POST or None, instance=unit, office=unit.office, units=units_in_scope(request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"已保存单位 {unit.name}")
        return redirect("org:units")
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})
