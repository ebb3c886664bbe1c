"""Forms of the progress pages. They check types only; completeness is the
workflow's rule (`duban.progress.workflow.problems`)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from duban.core.forms import LightFields, QuickNumberInput, QuickSelect, QuickTextarea
from duban.core.importflow import check_upload
from duban.core.periods import MAX_YEAR, MIN_YEAR, Period, PeriodError
from duban.org import cache
from duban.org.forms import OfficeChoiceMixin
from duban.org.models import Office
from duban.progress import workflow
from duban.progress.models import ReasonCategory, Submission

TEXTAREA = {"rows": 3}


def reason_choices():
    """One query for every row of a page (a ModelChoiceField would query per row), kept
    per process under the org version (`org/cache.py`, which watches the categories:
    progress/apps.py); a new list each time."""

    def read():
        active = ReasonCategory.objects.filter(active=True).order_by("order", "id")
        return tuple((str(c.pk), c.name) for c in active.only("pk", "name"))

    return [("", "—"), *cache.cached("progress.reason_choices", read)]


class SubmissionForm(forms.Form):
    """One row of the batch sheet, or the correction form of an accepted report."""

    # controls written in Python (core.forms.Quick*): a batch sheet holds fifty of these
    progress = forms.CharField(
        label=_("进展情况"), required=False, widget=QuickTextarea(attrs=TEXTAREA)
    )
    completed_value = forms.DecimalField(
        label=_("完成值"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=QuickNumberInput,
    )
    self_status = forms.ChoiceField(
        label=_("自评状态"),
        required=False,
        choices=[("", "—")] + list(Submission.SelfStatus.choices),
        widget=QuickSelect,
    )
    reason_category = forms.TypedChoiceField(
        label=_("原因类别"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    reason = forms.CharField(
        label=_("滞后原因"), required=False, widget=QuickTextarea(attrs=TEXTAREA)
    )
    next_steps = forms.CharField(
        label=_("下步措施"), required=False, widget=QuickTextarea(attrs=TEXTAREA)
    )
    issues = forms.CharField(
        label=_("需协调解决的问题"), required=False, widget=QuickTextarea(attrs=TEXTAREA)
    )
    evidence = forms.FileField(label=_("佐证材料"), required=False)

    def __init__(self, *args, task, reasons, submission=None, with_evidence=True, **kwargs):
        if submission is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "progress": submission.progress,
                "completed_value": submission.completed_value,
                "self_status": submission.self_status,
                "reason_category": submission.reason_category_id,
                "reason": submission.reason,
                "next_steps": submission.next_steps,
                "issues": submission.issues,
            }
        super().__init__(*args, **kwargs)
        self.task = task
        self.fields["reason_category"].choices = reasons
        if task.target_value is None:
            del self.fields["completed_value"]
        else:
            self.fields["completed_value"].widget.attrs["placeholder"] = task.target_display
        if not with_evidence:
            del self.fields["evidence"]
        else:
            self.fields["evidence"].widget.attrs["accept"] = ",".join(
                f".{ext}" for ext in workflow.EVIDENCE_EXTENSIONS
            )

    def clean_evidence(self):
        uploaded = self.cleaned_data.get("evidence")
        if uploaded:
            try:
                workflow.check_evidence(uploaded)
            except workflow.WorkflowError as error:
                raise forms.ValidationError(str(error)) from error
        return uploaded

    def content(self):
        """The cleaned fields the workflow stores."""
        return {
            name: self.cleaned_data[name]
            for name in workflow.CONTENT_FIELDS
            if name in self.cleaned_data
        }


# fifty of these on a batch sheet: each copies its fields the light way
SubmissionForm.base_fields = LightFields(SubmissionForm.base_fields)


class CorrectionForm(SubmissionForm):
    correction_reason = forms.CharField(
        label=_("更正理由"), widget=QuickTextarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, with_evidence=False, **kwargs)


class MonthInput(forms.TextInput):
    input_type = "month"


class ProgressImportForm(OfficeChoiceMixin, forms.Form):
    """The upload of 进展导入: a month's sheet for the office's tasks."""

    file = forms.FileField(
        label=_("进展文件"),
        help_text=_("Excel 或 CSV 文件，可先下载本月导入模板"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    period = forms.CharField(label=_("报送月份"), widget=MonthInput(), help_text=_("如 2022-07"))
    office = forms.ModelChoiceField(label=_("所属街道"), queryset=Office.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("period", timezone.localdate().strftime("%Y-%m"))
        self.choose_office(user)

    def clean_file(self):
        return check_upload(self.cleaned_data["file"])

    def clean_period(self):
        text = self.cleaned_data["period"].strip()
        try:
            period = Period.parse(text)
        except PeriodError as error:
            raise forms.ValidationError(str(error))
        if not period.is_month:
            raise forms.ValidationError(_t("进展按月导入，请选择月份，如 2022-07"))
        if not MIN_YEAR <= period.year <= MAX_YEAR:
            raise forms.ValidationError(
                _t("年度应在 %(min)s 至 %(max)s 之间") % {"min": MIN_YEAR, "max": MAX_YEAR}
            )
        return period.key
