import datetime as dt
import re

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.core.forms import DateInput
from duban.core.importflow import check_upload
from duban.org import roles as R
from duban.org.models import Unit
from duban.tickets import flow, metrics
from duban.tickets.models import (
    STATE_CHOICES,
    URGENCY_CHOICES,
    RoutingRule,
    Source,
    Ticket,
    TicketCategory,
    TicketSettings,
)

PHONE = re.compile(r"[0-9+\-\s()（）]{5,30}")


def office_units(office, **filters):
    return Unit.objects.filter(office_id__in=office.lineage_ids(), active=True, **filters)


def clean_phone(value):
    value = (value or "").strip()
    if value and (not PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 5):
        raise forms.ValidationError(_("请填写正确的电话号码（只能包含数字、空格、“-”、“+”）"))
    return value


class TicketForm(forms.ModelForm):
    """收单: what a 网格员 writes on a phone, standing with the resident."""

    class Meta:
        model = Ticket
        fields = [
            "content",
            "category",
            "urgency",
            "community",
            "grid",
            "address",
            "latitude",
            "longitude",
            "reporter_name",
            "reporter_phone",
            "source",
            "source_number",
        ]
        widgets = {
            "content": forms.Textarea(
                attrs={"rows": 4, "placeholder": "居民反映的问题，尽量写清时间、地点、诉求"}
            ),
            "latitude": forms.HiddenInput(),
            "longitude": forms.HiddenInput(),
            "reporter_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user=None, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["category"].queryset = TicketCategory.objects.filter(
            active=True
        ).select_related("parent")
        self.fields["community"].queryset = office_units(office, kind=Unit.Kind.COMMUNITY)
        profile = R.profile_of(user)
        if profile and profile.unit_id and profile.unit.kind == Unit.Kind.COMMUNITY:
            self.fields["community"].initial = profile.unit_id
        self.fields["category"].empty_label = _("请选择类别")
        self.fields["community"].empty_label = _("请选择社区")
        self.fields["source"].initial = Source.GRID
        # required, with a sensible first choice: no blank line to pick by mistake
        self.fields["source"].choices = [c for c in self.fields["source"].choices if c[0]]
        self.fields["urgency"].initial = flow.Urgency.NORMAL.value

    def clean_reporter_phone(self):
        return clean_phone(self.cleaned_data.get("reporter_phone"))

    def clean(self):
        data = super().clean()
        number = (data.get("source_number") or "").strip()
        if (
            number
            and Ticket.objects.filter(
                office=self.office, source=data.get("source"), source_number=number
            ).exists()
        ):
            self.add_error("source_number", _("该来源下已有这个工单编号的诉求"))
        return data


class TalkDayForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("社区"), queryset=Unit.objects.none(), empty_label=_("请选择社区")
    )
    held_on = forms.DateField(label=_("说事日期"), widget=DateInput())
    place = forms.CharField(label=_("地点"), max_length=100, required=False)

    def __init__(self, *args, user=None, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = office_units(office, kind=Unit.Kind.COMMUNITY)
        profile = R.profile_of(user)
        if profile and profile.unit_id and profile.unit.kind == Unit.Kind.COMMUNITY:
            self.fields["community"].initial = profile.unit_id
        self.fields["held_on"].initial = timezone.localdate()


class TalkDayItemForm(forms.Form):
    content = forms.CharField(
        label=_("诉求内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=TicketCategory.objects.filter(active=True),
        required=False,
        empty_label=_("请选择类别"),
    )
    reporter_name = forms.CharField(label=_("诉求人"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=URGENCY_CHOICES, initial="normal")

    def clean_reporter_phone(self):
        return clean_phone(self.cleaned_data.get("reporter_phone"))

    def clean(self):
        data = super().clean()
        others = data.get("reporter_name") or data.get("reporter_phone")
        if others and not (data.get("content") or "").strip():
            self.add_error("content", _("请填写诉求内容"))
        return data


TalkDayItems = forms.formset_factory(TalkDayItemForm, extra=5)


class ReceivedBetween(forms.Form):
    """受理日期自…至…: both optional, the end not before the start."""

    start = forms.DateField(label=_("受理日期自"), required=False, widget=DateInput())
    end = forms.DateField(label=_("至"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "结束日期不能早于开始日期")
        return cleaned


class StatsFilter(ReceivedBetween):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the page opens on this year so far, and its fields say so
        self.fields["start"].initial, self.fields["end"].initial = self.default_range()

    @staticmethod
    def default_range():
        today = timezone.localdate()
        return dt.date(today.year, 1, 1), today

    def range(self):
        """The days asked for; this year so far when none (or a wrong one) is given."""
        start, end = self.default_range()
        if self.is_valid():
            start = self.cleaned_data["start"] or start
            end = self.cleaned_data["end"] or end
        return start, end


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("工单文件"),
        help_text=_("12345 平台导出的 .xlsx 或 .csv 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    create_missing = forms.BooleanField(
        label=_("自动创建缺失的诉求类别、社区和单位"),
        required=False,
        help_text=_("不勾选时，表中出现系统里没有的类别或单位会报错"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        return check_upload(self.cleaned_data["file"])


class TicketFilter(ReceivedBetween):
    """The one filter of the request list and its export."""

    q = forms.CharField(label=_("关键词"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False)
    unit = forms.ModelChoiceField(
        label=_("承办单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位")
    )
    community = forms.ModelChoiceField(
        label=_("社区"), queryset=Unit.objects.none(), required=False, empty_label=_("全部社区")
    )
    field_order = ["q", "state", "unit", "community", "start", "end"]

    def __init__(self, *args, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "全部"), *STATE_CHOICES]
        units = office_units(office).order_by("kind", "order", "name")
        self.fields["unit"].queryset = units
        self.fields["community"].queryset = units.filter(kind=Unit.Kind.COMMUNITY)

    def apply(self, tickets):
        if not self.is_valid():
            return tickets
        data = self.cleaned_data
        tickets = metrics.between(
            tickets, data["start"], data["end"], unit=data["unit"], community=data["community"]
        )
        if data["state"]:
            tickets = tickets.filter(state=data["state"])
        if data["q"]:
            tickets = tickets.filter(
                Q(content__icontains=data["q"]) | Q(source_number__icontains=data["q"])
            )
        return tickets


class RoutingRuleForm(forms.ModelForm):
    """分单规则, edited by the office's 督查管理员 on its page."""

    class Meta:
        model = RoutingRule
        fields = ["category", "community", "unit", "auto_dispatch", "active"]

    def __init__(self, *args, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["category"].queryset = TicketCategory.objects.filter(
            active=True
        ).select_related("parent")
        self.fields["category"].empty_label = "任何类别"
        self.fields["community"].queryset = office_units(office, kind=Unit.Kind.COMMUNITY)
        self.fields["community"].empty_label = "任何社区"
        self.fields["unit"].queryset = office_units(office).order_by("kind", "order", "name")
        self.fields["unit"].error_messages["required"] = _("请选择承办单位")
        self.fields["unit"].empty_label = _("请选择承办单位")

    def clean(self):
        data = super().clean()
        category, community = data.get("category"), data.get("community")
        if category is None and community is None:
            raise forms.ValidationError(_("请至少选择诉求类别或社区之一，否则规则对所有诉求都适用"))
        same = RoutingRule.objects.filter(
            office=self.office, category=category, community=community
        ).exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError(
                _("已有相同条件的分单规则（%(rule)s），请直接修改那一条") % {"rule": same.first()}
            )
        return data


class ExtensionForm(forms.Form):
    """申请延期: how many more working days, and why."""

    workdays = forms.IntegerField(
        label=_("延期工作日"),
        min_value=1,
        max_value=flow.MAX_EXTENSION_WORKDAYS,
        error_messages={
            "required": _("请填写延期的工作日数"),
            "invalid": _("延期工作日须是整数"),
            "min_value": _("延期工作日至少为 1"),
            "max_value": _("延期工作日最多为 %(limit_value)s"),
        },
    )
    reason = forms.CharField(
        label=_("延期理由"),
        max_length=500,
        error_messages={"required": _("请写明延期理由")},
    )


class DuplicateSettingsForm(forms.ModelForm):
    """同人同事's two settings, editable by the office on the duplicates page."""

    class Meta:
        model = TicketSettings
        fields = ["duplicate_days", "duplicate_similarity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days, similarity = self.fields["duplicate_days"], self.fields["duplicate_similarity"]
        days.min_value = 1
        days.max_value = 365
        days.validators = [MinValueValidator(1), MaxValueValidator(365)]
        days.error_messages.update(
            required=_("请填写天数"),
            invalid=_("天数须是整数"),
            min_value=_("天数须在 1 至 365 之间"),
            max_value=_("天数须在 1 至 365 之间"),
        )
        similarity.validators = [MinValueValidator(0.5), MaxValueValidator(1)]
        similarity.error_messages.update(
            required=_("请填写相似度"),
            invalid=_("相似度须是 0.5 至 1 之间的小数，如 0.8"),
            min_value=_("相似度须在 0.5 至 1 之间"),
            max_value=_("相似度须在 0.5 至 1 之间"),
        )
