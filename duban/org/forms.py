"""Forms of 人员管理 and 单位管理 (督查管理员, within its own office scope)."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When

from duban.org import roles as R
from duban.org.models import Role, Unit
from duban.org.scope import default_office, offices_in_scope

User = get_user_model()

NEEDS_UNIT = R.SEES_OWN_UNIT


def _check_password(password, user):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError(error.messages) from None
    return password


class PersonForm(forms.Form):
    """One person: 姓名 is one field (kept whole, as the navigation shows it)."""

    name = forms.CharField(label="姓名", max_length=150)
    unit = forms.ModelChoiceField(
        label="所在单位", queryset=Unit.objects.none(), required=False, empty_label="（不属于单位）"
    )
    roles = forms.ModelMultipleChoiceField(
        label="角色", queryset=Role.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    phone = forms.CharField(label="电话", max_length=30, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        order = Case(
            *(When(code=code, then=Value(i)) for i, code in enumerate(R.ROLE_NAMES)),
            output_field=IntegerField(),
        )
        self.fields["roles"].queryset = Role.objects.filter(code__in=R.ROLE_NAMES).order_by(order)
        self.fields["roles"].label_from_instance = lambda role: R.ROLE_NAMES[role.code]
        self.fields["name"].error_messages["required"] = "请填写姓名"
        self.fields["roles"].error_messages["required"] = "请至少选择一个角色"

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("请填写姓名")
        return name

    def clean(self):
        cleaned = super().clean()
        roles = {role.code for role in cleaned.get("roles") or ()}
        if roles & NEEDS_UNIT and not cleaned.get("unit"):
            names = "、".join(str(R.ROLE_NAMES[c]) for c in R.ROLE_NAMES if c in roles & NEEDS_UNIT)
            self.add_error("unit", f"{names}须选择所在单位")
        return cleaned


class NewPersonForm(PersonForm):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        help_text="登录时使用，建议用姓名拼音，可含字母、数字和 @ . + - _",
    )
    password = forms.CharField(
        label="初始密码",
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="本人首次登录后须修改密码",
    )
    field_order = ["username", "name", "unit", "roles", "phone", "password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "请填写用户名"
        self.fields["password"].error_messages["required"] = "请填写初始密码"

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        try:
            User.username_validator(username)
        except ValidationError:
            raise ValidationError("用户名只能含字母、数字和 @ . + - _ 字符") from None
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(f"用户名“{username}”已被使用，请换一个")
        return username

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(username=cleaned.get("username", ""), last_name=cleaned.get("name", ""))
            try:
                _check_password(password, probe)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class EditPersonForm(PersonForm):
    active = forms.BooleanField(
        label="账号启用", required=False, help_text="停用后不能登录，历史记录保留"
    )


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="本人下次登录后须修改密码",
        error_messages={"required": "请填写新密码"},
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        return _check_password(self.cleaned_data["password"], self.user)


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "kind", "parent", "active", "order"]

    def __init__(self, *args, office, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        parents = units.filter(office=office)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "（无）"
        self.fields["name"].error_messages["required"] = "请填写单位名称"

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("请填写单位名称")
        same = Unit.objects.filter(office=self.office, name=name).exclude(pk=self.instance.pk)
        if same.exists():
            raise ValidationError(f"本街道已有名为“{name}”的单位")
        return name

    def validate_unique(self):
        # the office is not a form field; clean_name checks the name within it
        pass

    def save(self, commit=True):
        self.instance.office = self.office
        return super().save(commit)


class OfficeChoiceMixin:
    """An upload form's 所属街道 (`office` field): a choice among the offices the person sees
    when there are several, else their own office without asking; `target_office` is the
    office chosen. Call `choose_office(user)` from __init__."""

    def choose_office(self, user):
        offices = offices_in_scope(user)
        if offices.count() > 1:
            self.fields["office"].queryset = offices
            self.initial.setdefault("office", default_office(user))
            self.target_office = None
        else:
            del self.fields["office"]
            self.target_office = default_office(user)

    def clean(self):
        cleaned = super().clean()
        if "office" in self.fields:
            self.target_office = cleaned.get("office")
        return cleaned
