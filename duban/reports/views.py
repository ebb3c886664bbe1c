"""报告中心: preview a report from the current data, edit its suggestions, generate it
(which archives its figures), and reopen or download archived reports.

Reports are office-wide documents: the roles that see the whole office
(督查管理员, 领导, 只读) use this page, within their office scope; only 督查管理员
generates (a write). Unit roles get 403; another office's archived report is 404.
"""

import functools
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from duban.core.pdf import PdfFailed, PdfUnavailable, available
from duban.core.periods import Period, PeriodError
from duban.core.workdays import CalendarGapError
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.scope import offices_in_scope
from duban.progress.models import Judgement
from duban.reports import archive
from duban.reports import figures as F
from duban.reports import render as documents
from duban.reports.models import Report
from duban.reports.monthly_text import blocks
from duban.reports.render import FORMATS, LABELS, filename

MAX_SUGGESTION = 2000
PAGE_SIZE = 20


def office_wide_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not R.sees_whole_office(request.user):
            raise PermissionDenied("此页面仅对督查管理员、领导和只读人员开放")
        return view(request, *args, **kwargs)

    return wrapped


class ReportForm(forms.Form):
    period = forms.ChoiceField(label="报告周期")
    office = forms.ModelChoiceField(label="街道/区", queryset=None, empty_label=None)

    def __init__(self, user, data=None, **kwargs):
        offices = offices_in_scope(user)
        home = offices.filter(parent__isnull=True).first() or offices.first()
        if data is not None and not data.get("office") and home is not None:
            data = data.copy()  # one's own office (the district, in a district) by default
            data["office"] = str(home.pk)
        super().__init__(data, **kwargs)
        self.fields["office"].queryset = offices
        years = sorted(
            set(
                KeyTask.objects.filter(office__in=offices)
                .order_by()
                .values_list("year", flat=True)
                .distinct()
            ),
            reverse=True,
        )
        choices = []
        for year in years:
            spans = [Period.parse(str(year)), Period.parse(f"{year}-H1")]
            spans.append(Period.parse(f"{year}-H2"))
            months = [Period.month(year, m) for m in range(12, 0, -1)]
            choices.append((f"{year}年", [(p.key, p.label) for p in months + spans]))
        self.fields["period"].choices = choices
        if not self.is_bound:
            self.initial.setdefault("period", default_period(offices))
            self.initial.setdefault("office", home)
        if offices.count() < 2:
            self.fields["office"].widget = forms.HiddenInput()

    def clean_period(self):
        try:
            return Period.parse(self.cleaned_data["period"])
        except PeriodError as error:
            raise forms.ValidationError(str(error))


def default_period(offices):
    latest = (
        Judgement.objects.filter(task__office__in=offices)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    return latest or ""


def read_suggestions(data):
    """{reason category: text} from the page's textareas (advice-name-N / advice-text-N)."""
    chosen, errors = {}, []
    for key in data:
        match = re.fullmatch(r"advice-name-(\d+)", key)
        if not match:
            continue
        name = data[key].strip()
        text = data.get(f"advice-text-{match[1]}", "").strip()
        if len(text) > MAX_SUGGESTION:
            errors.append(f"“{name}”的建议超过 {MAX_SUGGESTION} 字，请精简")
        elif name and text:
            chosen[name] = text
    return chosen, errors


def index_context(request, form, page=None):
    return {
        "form": form,
        "page": page,
        "formats": LABELS,
        "can_generate": R.is_supervisor(request.user),
        "pdf_available": available(),
    }


@office_wide_required
def index(request):
    reports = Report.objects.visible_to(request.user).select_related("office", "created_by")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "reports/index.html", index_context(request, ReportForm(request.user), page)
    )


@office_wide_required
def preview(request):
    """The report as it would be generated now, with its suggestions editable."""
    form = ReportForm(request.user, request.GET or None)
    if not request.GET or not form.is_valid():
        return render(
            request,
            "reports/index.html",
            index_context(request, form),
            status=400 if request.GET else 200,
        )
    office, period = form.cleaned_data["office"], form.cleaned_data["period"]
    suggestions = {}
    source = request.GET.get("from")
    if source and source.isascii() and source.isdigit() and len(source) <= 18:
        earlier = Report.objects.visible_to(request.user).filter(pk=source).first()
        if earlier is not None:
            suggestions = {s["category"]: s["text"] for s in earlier.figures.get("suggestions", [])}
    try:
        data = F.monthly(office, period, suggestions=suggestions)
    except CalendarGapError as error:  # unjudged tasks need the calendar of their year
        form.add_error(None, str(error))
        return render(request, "reports/index.html", index_context(request, form), status=400)
    return render(
        request,
        "reports/preview.html",
        {
            "figures": data,
            "blocks": blocks(data),
            "form": form,
            "office": office,
            "can_generate": R.is_supervisor(request.user),
        },
    )


@require_POST
@office_wide_required
def generate(request):
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以生成并存档报告")
    form = ReportForm(request.user, request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[field].label if field in form.fields else ''}：{error}"
                )
        return redirect("reports:index")
    suggestions, errors = read_suggestions(request.POST)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("reports:index")
    office, period = form.cleaned_data["office"], form.cleaned_data["period"]
    try:
        data = F.monthly(office, period, suggestions=suggestions)
    except CalendarGapError as error:
        messages.error(request, str(error))
        return redirect("reports:index")
    report = archive.store(office, data, request.user)
    messages.success(request, f"已生成并存档：{report.title}")
    return redirect("reports:detail", pk=report.pk)


@office_wide_required
def detail(request, pk):
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("office", "created_by"), pk=pk
    )
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "figures": report.figures,
            "blocks": blocks(report.figures),
            "formats": LABELS,
            "can_generate": R.is_supervisor(request.user),
            "pdf_available": available(),
        },
    )


@office_wide_required
def download(request, pk, fmt):
    report = get_object_or_404(Report.objects.visible_to(request.user), pk=pk)
    if fmt not in FORMATS:
        raise Http404("不支持的格式")
    try:
        data = documents.render(report.figures, fmt)
    except (PdfUnavailable, PdfFailed) as error:
        messages.error(request, str(error))
        return redirect("reports:detail", pk=report.pk)
    response = HttpResponse(data, content_type=FORMATS[fmt][0])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename(report.figures, fmt)
    )
    return response
