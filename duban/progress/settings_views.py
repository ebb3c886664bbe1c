"""设置 pages of 督查管理员 for what the status engine and the reports read: the
reporting and judging rules (截止日, 序时进度系数, 红灯 after N lagging months …) and the
lag-reason categories. These used to live only in the Django admin, which is kept to the
deployment's superusers."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from duban.org import roles as R
from duban.org.scope import sees_every_office
from duban.progress.models import ProgressRules, ReasonCategory

SHARED = (
    "这些设置为系统内各街道共用，只有管辖全部街道的督查管理员（或系统管理员在管理后台）可以修改。"
)


def _supervisor(request):
    """督查管理员 may open the pages; the rows are shared by every office of the
    deployment, so only someone whose scope holds them all may change them."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以修改设置")
    return sees_every_office(request.user)


def _refuse_change(request, may_change):
    if request.method == "POST" and not may_change:
        raise PermissionDenied(SHARED)


class RulesForm(forms.ModelForm):
    class Meta:
        model = ProgressRules
        fields = [
            "submission_day",
            "unit_head_approval",
            "pace_threshold",
            "due_soon_workdays",
            "red_after_lagging_periods",
            "remind_before_workdays",
        ]

    def clean_submission_day(self):
        day = self.cleaned_data["submission_day"]
        if not 1 <= day <= 28:
            raise forms.ValidationError("每月报送截止日应在 1 至 28 日之间")
        return day

    def clean_pace_threshold(self):
        value = self.cleaned_data["pace_threshold"]
        if not 0 < value <= 1:
            raise forms.ValidationError("序时进度系数应大于 0、不超过 1")
        return value

    def clean_red_after_lagging_periods(self):
        value = self.cleaned_data["red_after_lagging_periods"]
        if value < 1:
            raise forms.ValidationError("至少为 1 期")
        return value


class ReasonForm(forms.ModelForm):
    class Meta:
        model = ReasonCategory
        fields = ["name", "order", "active", "advice"]
        widgets = {"advice": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "请填写类别名称"
        self.fields["name"].error_messages["unique"] = "已有同名的原因类别"


ReasonFormSet = forms.modelformset_factory(ReasonCategory, form=ReasonForm, extra=1)


@login_required
def rules(request):
    may_change = _supervisor(request)
    _refuse_change(request, may_change)
    form = RulesForm(request.POST or None, instance=ProgressRules.current())
    if not may_change:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "填报与研判规则已保存")
        return redirect("progress_settings:rules")
    return render(
        request,
        "progress/settings_rules.html",
        {"form": form, "may_change": may_change, "shared": SHARED},
    )


@login_required
def reasons(request):
    """The lag-reason categories: renamed, reordered, switched off or added — never
    deleted, since past reports and judgements keep pointing at them."""
    may_change = _supervisor(request)
    _refuse_change(request, may_change)
    formset = ReasonFormSet(request.POST or None, queryset=ReasonCategory.objects.all())
    if not may_change:
        formset.extra = 0
        for form in formset:
            for field in form.fields.values():
                field.disabled = True
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, "滞后原因类别已保存")
        return redirect("progress_settings:reasons")
    return render(
        request,
        "progress/settings_reasons.html",
        {"formset": formset, "may_change": may_change, "shared": SHARED},
    )
