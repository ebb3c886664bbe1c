"""core.forms.LightFields: each form gets fields it may change without touching the class's
or another form's — choices shared, a model choice's queryset its own."""

from django import forms

from duban.core.forms import LightFields
from duban.org.models import Unit


class Sample(forms.Form):
    kind = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")])
    unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("pk"))
    note = forms.CharField(widget=forms.TextInput(attrs={"size": 10}))


Sample.base_fields = LightFields(Sample.base_fields)


def test_each_form_changes_only_its_own_fields(units):
    first, second = Sample(), Sample()
    first.fields["note"].widget.attrs["placeholder"] = "只在第一张"
    first.fields["kind"].choices = [("c", "丙")]
    first.fields["note"].validators.append(lambda value: None)
    first.fields["note"].error_messages["required"] = "必填"
    assert "placeholder" not in second.fields["note"].widget.attrs
    assert "placeholder" not in Sample.base_fields["note"].widget.attrs
    assert list(second.fields["kind"].choices) == [("a", "甲"), ("b", "乙")]
    assert second.fields["note"].validators == Sample.base_fields["note"].validators
    assert second.fields["note"].error_messages["required"] != "必填"


def test_a_model_choice_reads_its_rows_per_form(units):
    first = Sample()
    assert first.fields["unit"].queryset is not Sample.base_fields["unit"].queryset
    list(first.fields["unit"].queryset)  # read (and kept) by the first form
    added = Unit.objects.create(office=units["build"].office, name="新设单位", kind="department")
    assert added in Sample().fields["unit"].queryset
