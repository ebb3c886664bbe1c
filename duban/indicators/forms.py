from django import forms
from django.utils.translation import gettext_lazy as _

from duban.core.importflow import check_upload
from duban.indicators.models import Indicator
from duban.org.forms import OfficeChoiceMixin


class ImportUploadForm(OfficeChoiceMixin, forms.Form):
    file = forms.FileField(
        label=_("指标文件"),
        help_text=_("Excel 或 CSV 文件；可先导出一份作为模板"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    office = forms.ModelChoiceField(label=_("所属街道"), queryset=None)
    create_missing = forms.BooleanField(
        label=_("自动创建缺失的指标"),
        required=False,
        help_text=_("不勾选时，表中出现系统里没有的指标名称会报错"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.choose_office(user)

    def clean_file(self):
        return check_upload(self.cleaned_data["file"])


class IndicatorForm(forms.ModelForm):
    """An indicator and its target for one year."""

    target = forms.DecimalField(
        label=_("年度目标"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    target_growth = forms.DecimalField(
        label=_("目标增速（%）"), required=False, max_digits=7, decimal_places=2
    )

    class Meta:
        model = Indicator
        fields = ["name", "unit", "group", "kind", "decimals", "order", "active"]

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Indicator.objects.filter(office=self.office, name=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("本街道已有名为“%(name)s”的指标") % {"name": name})
        return name

    def clean_decimals(self):
        value = self.cleaned_data["decimals"]
        if value is not None and value > 2:
            raise forms.ValidationError(_("小数位数为 0-2"))
        return value
