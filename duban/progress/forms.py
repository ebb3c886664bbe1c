"""Forms of the progress pages. They check types only; completeness is the
workflow's rule (`duban.progress.workflow.problems`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from duban.progress import workflow
from duban.progress.models import ReasonCategory, Submission

TEXTAREA = {"rows": 3}


def reason_choices():
    """One query for every row of a page (a ModelChoiceField would query per row)."""
    active = ReasonCategory.objects.filter(active=True).order_by("order", "id")
    return [("", "—")] + [(str(c.pk), c.name) for c in active]


class SubmissionForm(forms.Form):
    """One row of the batch sheet, or the correction form of an accepted report."""

    progress = forms.CharField(
        label=_("进展情况"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    completed_value = forms.DecimalField(
        label=_("完成值"), required=False, max_digits=14, decimal_places=2
    )
    self_status = forms.ChoiceField(
        label=_("自评状态"),
        required=False,
        choices=[("", "—")] + list(Submission.SelfStatus.choices),
    )
    reason_category = forms.TypedChoiceField(
        label=_("原因类别"), required=False, coerce=int, empty_value=None
    )
    reason = forms.CharField(
        label=_("滞后原因"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    next_steps = forms.CharField(
        label=_("下步措施"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    issues = forms.CharField(
        label=_("需协调解决的问题"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
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


class CorrectionForm(SubmissionForm):
    correction_reason = forms.CharField(
        label=_("更正理由"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, with_evidence=False, **kwargs)
