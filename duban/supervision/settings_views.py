"""设置 › 督办规则: when the ladder proposes a 蓝色提醒单, 黄色警示单 or 红色督办单, and how
many working days each gives for the reply. One row shared by every office of the
deployment, like the rules (`shared_settings_access`); it used to live only in the
Django admin. Changes are kept in the row's history."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from duban.org.scope import SHARED_SETTINGS, shared_settings_access
from duban.supervision.models import LadderRule

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


@login_required
def ladder(request):
    may_change = shared_settings_access(request)
    form = LadderRuleForm(request.POST or None, instance=LadderRule.current())
    if not may_change:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "督办规则已保存")
        return redirect("supervision_settings:ladder")
    return render(
        request,
        "supervision/settings_ladder.html",
        {"form": form, "may_change": may_change, "shared": SHARED_SETTINGS},
    )
