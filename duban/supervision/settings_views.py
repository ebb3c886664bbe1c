"""设置 › 督办规则: when the ladder proposes a 蓝色提醒单, 黄色警示单 or 红色督办单, how
many working days each gives for the reply, and the 问责方式 offered when deciding on
效能问责. Shared by every office of the deployment, like the rules
(`shared_settings_access`); they used to live only in the Django admin. The ladder's
changes are kept in its history."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from duban.core.dates import DateParseError, parse_date
from duban.core.http import id_param
from duban.core.periods import PeriodError, parse_year
from duban.org import roles as R
from duban.org.models import Unit
from duban.org.scope import SHARED_SETTINGS, offices_in_scope, shared_settings_access
from duban.supervision.models import AccountabilityLevel, LadderRule, ScoreBonus, ScoringScheme
from duban.supervision.scoring import PARTNER_SHARE_ERROR

MAX_REPLY_WORKDAYS = 60


class LadderRuleForm(forms.ModelForm):
    class Meta:
        model = LadderRule
        fields = [
            "blue_after_lagging_periods",
            "yellow_when_overdue",
            "yellow_after_unanswered_blue",
            "red_after_unanswered_yellow",
            "reply_workdays_blue",
            "reply_workdays_yellow",
            "reply_workdays_red",
            "reds_for_interview",
        ]

    def _reply(self, name, label):
        days = self.cleaned_data[name]
        if not 1 <= days <= MAX_REPLY_WORKDAYS:
            raise forms.ValidationError(
                f"{label}答复期限应在 1 至 {MAX_REPLY_WORKDAYS} 个工作日之间"
            )
        return days

    def clean_reply_workdays_blue(self):
        return self._reply("reply_workdays_blue", "蓝色提醒单")

    def clean_reply_workdays_yellow(self):
        return self._reply("reply_workdays_yellow", "黄色警示单")

    def clean_reply_workdays_red(self):
        return self._reply("reply_workdays_red", "红色督办单")

    def clean_blue_after_lagging_periods(self):
        value = self.cleaned_data["blue_after_lagging_periods"]
        if value < 1:
            raise forms.ValidationError("至少为 1 期")
        return value

    def clean_reds_for_interview(self):
        value = self.cleaned_data["reds_for_interview"]
        if value < 1:
            raise forms.ValidationError("至少为 1 张")
        return value


class LevelForm(forms.ModelForm):
    class Meta:
        model = AccountabilityLevel
        fields = ["name", "order", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "请填写问责方式名称"
        self.fields["name"].error_messages["unique"] = "已有同名的问责方式"
        self.fields["order"].required = False

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_order(self):
        return self.cleaned_data.get("order") or 0

    def save(self, commit=True):
        level = super().save(commit=False)
        if not level.code:  # a level the office added: a code nobody else uses
            taken = set(AccountabilityLevel.objects.values_list("code", flat=True))
            n = 1
            while f"custom{n}" in taken:
                n += 1
            level.code = f"custom{n}"
        if commit:
            level.save()
        return level


class BaseLevelFormSet(forms.BaseModelFormSet):
    def validate_unique(self):
        """Two rows of one post with the same name, said in Chinese on the row."""
        seen = set()
        for form in self.forms:
            name = (getattr(form, "cleaned_data", None) or {}).get("name")
            if name:
                if name in seen:
                    form.add_error("name", "同一问责方式填写了两次")
                seen.add(name)


LevelFormSet = forms.modelformset_factory(
    AccountabilityLevel, form=LevelForm, formset=BaseLevelFormSet, extra=1
)


@login_required
def ladder(request):
    may_change = shared_settings_access(request)
    data = request.POST or None
    form = LadderRuleForm(data, instance=LadderRule.current(), prefix="ladder")
    levels = LevelFormSet(data, queryset=AccountabilityLevel.objects.all(), prefix="level")
    if not may_change:
        levels.extra = 0
        for each in [form, *levels]:
            for field in each.fields.values():
                field.disabled = True
    if request.method == "POST" and form.is_valid() and levels.is_valid():
        with transaction.atomic():
            form.save()
            levels.save()
        messages.success(request, "督办规则已保存")
        return redirect("supervision_settings:ladder")
    return render(
        request,
        "supervision/settings_ladder.html",
        {"form": form, "levels": levels, "may_change": may_change, "shared": SHARED_SETTINGS},
    )


# ----- 考核方案 -----


class SchemeForm(forms.ModelForm):
    """The weights and deductions of one office's year; `ScoringScheme.clean` says in
    Chinese what does not add up."""

    class Meta:
        model = ScoringScheme
        fields = [
            "weight_on_time",
            "weight_on_track",
            "weight_requests_on_time",
            "weight_requests_satisfaction",
            "per_lagging_month",
            "per_blue",
            "per_yellow",
            "per_red",
            "per_accountability",
            "partner_share",
        ]

    REQUEST_WEIGHTS = ("weight_requests_on_time", "weight_requests_satisfaction")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.REQUEST_WEIGHTS:  # left empty: the requests do not count (0)
            self.fields[name].required = False
        share = self.fields["partner_share"]
        share.required = False  # left empty: lead units only (0)
        share.error_messages["invalid"] = PARTNER_SHARE_ERROR
        share.error_messages["max_digits"] = PARTNER_SHARE_ERROR
        share.error_messages["max_whole_digits"] = PARTNER_SHARE_ERROR
        share.error_messages["max_decimal_places"] = "协办单位计分比例最多保留两位小数"

    def clean_partner_share(self):
        share = self.cleaned_data["partner_share"]
        if share is None:
            return Decimal(0)
        if not Decimal(0) <= share <= Decimal(1):
            raise forms.ValidationError(PARTNER_SHARE_ERROR)
        return share

    def clean_weight_requests_on_time(self):
        return self.cleaned_data["weight_requests_on_time"] or 0

    def clean_weight_requests_satisfaction(self):
        return self.cleaned_data["weight_requests_satisfaction"] or 0


class BonusForm(forms.ModelForm):
    on = forms.CharField(label="日期", max_length=30, error_messages={"required": "请填写日期"})

    class Meta:
        model = ScoreBonus
        fields = ["unit", "points", "reason", "on"]

    def __init__(self, *args, office, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["unit"].queryset = Unit.objects.filter(office=office).order_by("order", "name")
        self.fields["unit"].empty_label = "请选择单位"
        self.fields["unit"].error_messages["required"] = "请选择单位"
        self.fields["unit"].error_messages["invalid_choice"] = "该单位不属于本街道，请重新选择"
        self.fields["points"].help_text = "加分为正数，扣分为负数"
        self.fields["points"].error_messages["required"] = "请填写分值"
        self.fields["reason"].error_messages["required"] = "请填写事由"

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0 or not -100 <= points <= 100:
            raise forms.ValidationError("分值应在 -100 至 100 之间且不为 0")
        return points

    def clean_on(self):
        try:
            day = parse_date(self.cleaned_data["on"], year=self.year)
        except DateParseError as error:
            raise forms.ValidationError(str(error)) from None
        if day.year != self.year:
            raise forms.ValidationError(f"日期应在 {self.year} 年内")
        return day


def _scheme_target(request):
    """The office (within the person's scope; another's is 404) and the year asked for."""
    offices = list(offices_in_scope(request.user))
    if not offices:
        raise Http404("没有可设置的街道")
    asked = request.GET.get("office")
    office = offices[0] if not asked else next((o for o in offices if str(o.pk) == asked), None)
    if office is None:
        raise Http404("街道不存在")
    try:
        year = parse_year(request.GET.get("year") or timezone.localdate().year)
    except PeriodError:
        raise Http404("年度不存在") from None
    return offices, office, year


@login_required
def scoring_scheme(request):
    """考核方案 of one office's year, and the 加减分 the office enters for its units.
    The office's own: any 督查管理员 whose scope holds the office keeps it."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以修改考核方案")
    offices, office, year = _scheme_target(request)
    found = ScoringScheme.objects.filter(office=office, year=year).first()
    scheme = found or ScoringScheme(office=office, year=year)
    action = request.POST.get("action")
    data = request.POST if request.method == "POST" else None
    form = SchemeForm(data if action == "scheme" else None, instance=scheme)
    bonus_form = BonusForm(data if action == "bonus" else None, office=office, year=year)
    here = f"{request.path}?office={office.pk}&year={year}"
    if action == "scheme" and form.is_valid():
        form.save()
        messages.success(request, f"{year}年考核方案已保存")
        return redirect(here)
    if action == "bonus" and bonus_form.is_valid():
        with transaction.atomic():
            if scheme.pk is None:
                scheme.save()  # the default scheme, kept so that the bonus has a home
            bonus = bonus_form.save(commit=False)
            bonus.scheme = scheme
            bonus.save()
        messages.success(request, f"已录入{bonus.unit.name}的加减分")
        return redirect(here)
    if action == "delete_bonus":
        asked = id_param(request.POST.get("bonus"))
        if asked is None:
            raise Http404("加减分不存在")
        bonus = get_object_or_404(ScoreBonus, pk=asked, scheme__office=office)
        bonus.delete()
        messages.success(request, "已删除一条加减分")
        return redirect(here)
    return render(
        request,
        "supervision/settings_scoring.html",
        {
            "offices": offices,
            "office": office,
            "year": year,
            "kept": found is not None,
            "form": form,
            "bonus_form": bonus_form,
            "bonuses": scheme.bonuses.select_related("unit") if scheme.pk else [],
        },
    )
