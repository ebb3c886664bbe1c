"""数字核对 and 计划 → 台账 pages. 数字核对: a file uploaded or text pasted, checked on the spot (nothing is stored).
For the office-wide roles (督查管理员, 领导, 只读), like the reports it serves."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from duban.core.http import download
from duban.core.periods import Period, PeriodError
from duban.ledger.models import Category
from duban.org.models import Unit
from duban.org.scope import offices_in_scope
from duban.progress.models import ReasonCategory
from duban.reports.views import office_wide_required
from duban.textkit import against, plans, reasons
from duban.textkit import numbers as N
from duban.textkit.documents import MAX_BYTES, DocumentError, paragraphs
from duban.textkit.models import active_rules
from duban.textkit.plan_xlsx import workbook_bytes

MAX_TEXT = 200_000


class CheckForm(forms.Form):
    file = forms.FileField(label="上传文件（.docx 或 .txt）", required=False)
    text = forms.CharField(
        label="或粘贴文字",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"max_length": "粘贴的文字过长（最多 %(limit_value)d 字），请分段核对"},
    )
    period = forms.CharField(
        label="与系统数据比对（可选）",
        required=False,
        help_text="填周期（如 2022-07、2022-H1）时，文中各类别的项数和滞后项目占比将与系统数据比对",
    )
    office = forms.ModelChoiceField(label="街道/区", queryset=None, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offices = offices_in_scope(user)
        self.fields["office"].queryset = offices
        self.fields["office"].empty_label = None
        if offices.count() < 2:
            self.fields["office"].widget = forms.HiddenInput()
            self.initial["office"] = offices.first()

    def clean_period(self):
        value = (self.cleaned_data.get("period") or "").strip()
        if not value:
            return None
        try:
            return Period.parse(value)
        except PeriodError as error:
            raise forms.ValidationError(str(error))

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload is None and not text and not self.errors:
            raise forms.ValidationError("请上传文件或粘贴要核对的文字")
        if upload is not None:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError("文件超过 10MB，请拆分后再核对")
            try:
                data["paragraphs"] = paragraphs(upload.name, upload.read())
            except DocumentError as error:
                raise forms.ValidationError(str(error))
        else:
            data["paragraphs"] = N.paragraphs_of(text)
        if data.get("period") and not data.get("office"):
            office = self.fields["office"].queryset.filter(parent__isnull=True).first()
            if office is None:
                raise forms.ValidationError("请选择要比对的街道/区")
            data["office"] = office
        return data


@office_wide_required
def check(request):
    findings = None
    form = CheckForm(request.user)
    status = 200
    if request.method == "POST":
        form = CheckForm(request.user, request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["paragraphs"]
            if form.cleaned_data["period"]:
                findings, _figures = against.check(
                    text, form.cleaned_data["office"], form.cleaned_data["period"]
                )
            else:
                findings = N.check(text)
        else:
            status = 400
    return render(
        request, "textkit/check.html", {"form": form, "findings": findings}, status=status
    )


class PlanForm(forms.Form):
    file = forms.FileField(label="上传计划（.docx 或 .txt）", required=False)
    text = forms.CharField(
        label="或粘贴计划文字",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"max_length": "粘贴的文字过长（最多 %(limit_value)d 字），请分段提取"},
    )
    year = forms.IntegerField(
        label="台账年度",
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": "请填写四位年份，如 2024"},
    )

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload is None and not text and not self.errors:
            raise forms.ValidationError("请上传计划文件或粘贴计划文字")
        if upload is not None:
            try:
                data["paragraphs"] = paragraphs(upload.name, upload.read())
            except DocumentError as error:
                raise forms.ValidationError(str(error))
        else:
            data["paragraphs"] = N.paragraphs_of(text)
        return data


@office_wide_required
def plan(request):
    """Paste or upload a plan; see its candidate key tasks; download them as a ledger file."""
    candidates = None
    status = 200
    form = PlanForm(initial={"year": timezone.localdate().year + 1})
    if request.method == "POST":
        form = PlanForm(request.POST, request.FILES)
        if form.is_valid():
            year = form.cleaned_data["year"]
            office = offices_in_scope(request.user).first()
            units = (
                Unit.objects.filter(office_id__in=office.lineage_ids()).values_list(
                    "name", flat=True
                )
                if office
                else []
            )
            candidates = plans.extract(
                form.cleaned_data["paragraphs"],
                year,
                categories=Category.objects.names_for(office, year) if office else [],
                units=list(units),
            )
            if "download" in request.POST:
                return download(workbook_bytes(candidates, year), f"{year}年候选重点工作.xlsx")
        else:
            status = 400
    return render(
        request,
        "textkit/plan.html",
        {"form": form, "candidates": candidates},
        status=status,
    )


MAX_REASON = 2000


@login_required
def suggest_reason(request):
    """GET ?text=… → the suggested 原因类别 for a 滞后原因 being typed, as data for the page (nothing written)."""
    text = request.GET.get("text", "")
    if len(text) > MAX_REASON:
        return JsonResponse({"error": f"滞后原因最多 {MAX_REASON} 字"}, status=400)
    rules = active_rules()
    order = list(ReasonCategory.objects.filter(active=True).values_list("name", flat=True))
    found = reasons.suggest(text, rules, order)
    if found is None:
        return JsonResponse({"category": None})
    category = ReasonCategory.objects.filter(name=found.category).values_list("pk", flat=True)
    return JsonResponse(
        {"category": category.first(), "name": found.category, "keywords": found.keywords}
    )
