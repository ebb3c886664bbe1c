"""设置 › 督办规则: when the ladder proposes a 蓝色提醒单, 黄色警示单 or 红色督办单, how
many working days each gives for the reply, and the 问责方式 offered when deciding on
效能问责. Shared by every office of the deployment, like the rules
(`shared_settings_access`); they used to live only in the Django admin. The ladder's
changes are kept in its history."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render

from duban.org.scope import SHARED_SETTINGS, shared_settings_access
from duban.supervision.models import AccountabilityLevel, LadderRule

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
