"""设置 › 交办来源: the sources of assigned items (交办事项) and the default time limit
each gives, in working days. Shared by every office of the deployment, like the rules
(`shared_settings_access`); they used to live only in the Django admin."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect, render

from duban.ledger.models import AssignmentSource, KeyTask
from duban.org.scope import SHARED_SETTINGS, shared_settings_access

MAX_WORKDAYS = 250  # about a working year


class SourceForm(forms.ModelForm):
    class Meta:
        model = AssignmentSource
        fields = ["name", "default_workdays", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "请填写来源名称"
        self.fields["name"].error_messages["unique"] = "已有同名的交办来源"
        self.fields["default_workdays"].error_messages["required"] = "请填写默认办理时限"
        self.fields["order"].required = False

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_default_workdays(self):
        days = self.cleaned_data["default_workdays"]
        if days is not None and not 1 <= days <= MAX_WORKDAYS:
            raise forms.ValidationError(f"默认办理时限应在 1 至 {MAX_WORKDAYS} 个工作日之间")
        return days

    def clean_order(self):
        return self.cleaned_data.get("order") or 0


class BaseSourceFormSet(forms.BaseModelFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = "删除"

    def validate_unique(self):
        """Two rows of one post with the same name, said in Chinese on the row (each row
        is checked against the database by its form)."""
        names = set()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            name = (getattr(form, "cleaned_data", None) or {}).get("name")
            if name:
                if name in names:
                    form.add_error("name", "同一来源名称填写了两次")
                names.add(name)

    def clean(self):
        super().clean()
        kept = [
            form.instance.name
            for form in self.forms
            if self._should_delete_form(form) and form.instance.pk and in_use(form.instance)
        ]
        if kept:
            raise forms.ValidationError(
                f"“{'”“'.join(kept)}”已有交办事项使用，不能删除；可改名或调整时限"
            )


def in_use(source):
    return KeyTask.objects.filter(source=source).exists()


SourceFormSet = forms.modelformset_factory(
    AssignmentSource, form=SourceForm, formset=BaseSourceFormSet, extra=1, can_delete=True
)


@login_required
def sources(request):
    """List, rename, re-time, add, and delete the unused ones."""
    may_change = shared_settings_access(request)
    formset = SourceFormSet(request.POST or None, queryset=AssignmentSource.objects.all())
    used = set(KeyTask.objects.filter(source__isnull=False).values_list("source_id", flat=True))
    if not may_change:
        formset.extra = 0
        for form in formset:
            for field in form.fields.values():
                field.disabled = True
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                formset.save()
        except ProtectedError:  # an item took the source up since the check
            messages.error(request, "要删除的来源刚被交办事项使用，不能删除，请刷新后重试")
            return redirect("ledger_settings:sources")
        messages.success(request, "交办来源已保存")
        return redirect("ledger_settings:sources")
    return render(
        request,
        "ledger/settings_sources.html",
        {"formset": formset, "may_change": may_change, "shared": SHARED_SETTINGS, "used": used},
    )
