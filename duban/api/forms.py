from django import forms

from duban.api.models import ApiClient
from duban.org.models import Office


class ApiClientForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "office", "rate_limit", "personal_data"]

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices if offices is not None else Office.objects.all()
        self.fields["office"].empty_label = "请选择街道/区"
        if self.fields["office"].queryset.count() == 1:
            self.fields["office"].initial = self.fields["office"].queryset.first()

    def clean_rate_limit(self):
        value = self.cleaned_data["rate_limit"]
        if not 1 <= value <= 100_000:
            raise forms.ValidationError("每分钟请求上限应在 1 至 100000 之间")
        return value
