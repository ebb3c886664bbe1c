"""设置 pages of 督查管理员 for what the status engine and the reports read: the
reporting and judging rules (截止日, 序时进度系数, 红灯 after N lagging months …) and the
lag-reason categories. These used to live only in the Django admin, which is kept to the
deployment's superusers."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from duban.org.scope import SHARED_SETTINGS, shared_settings_access
from duban.progress.models import ProgressRules, ReasonCategory


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
    may_change = shared_settings_access(request)
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
        {"form": form, "may_change": may_change, "shared": SHARED_SETTINGS},
    )


@login_required
def reasons(request):
    """The lag-reason categories: renamed, reordered, switched off or added — never
    deleted, since past reports and judgements keep pointing at them."""
    may_change = shared_settings_access(request)
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
        {"formset": formset, "may_change": may_change, "shared": SHARED_SETTINGS},
    )
