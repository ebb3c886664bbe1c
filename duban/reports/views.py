"""报告中心: preview a report from the current data, edit its suggestions, generate it
(which archives its figures), and reopen or download archived reports.

Reports are office-wide documents: the roles that see the whole office
(督查管理员, 领导, 只读) use this page, within their office scope; only 督查管理员
generates (a write). Unit roles get 403; another office's archived report is 404.

What a page would wait for runs as a background job (core/jobs.py), with a progress
page: a district's report (every street's figures) and every PDF (LibreOffice).
"""

import functools
import logging
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core import http, jobs
from duban.core.forms import DateInput
from duban.core.listing import Col, Listing
from duban.core.pdf import PdfFailed, PdfUnavailable, available
from duban.core.periods import Period, PeriodError
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.models import Office
from duban.org.scope import offices_in_scope
from duban.progress.month import reading_month
from duban.reports import archive
from duban.reports import figures as F
from duban.reports import render as documents
from duban.reports.bulletin_docx import blocks as bulletin_blocks
from duban.reports.models import Report
from duban.reports.monthly_text import blocks
from duban.reports.render import LABELS, filename, formats_of
from duban.reports.summary_text import blocks as summary_blocks

MAX_SUGGESTION = 2000
PAGE_SIZE = 20
WEB_PDF_UNAVAILABLE = (
    "PDF 需要服务器安装文档转换组件，目前暂不能生成。请先下载 Word 版（可在 Word 中另存为 PDF），"
    "或请系统管理员安装（见使用说明）。"
)
logger = logging.getLogger(__name__)


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
    date = forms.DateField(
        label="成文日期",
        required=False,
        widget=DateInput(),
        help_text="落款日期；不填时，已结束的周期取其最后一天，未结束的取今天",
        error_messages={"invalid": "请填写有效日期，如 2022-07-31"},
    )

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
    """The latest judged month of the year the pickers open on (`month.reading_month`)."""
    tasks = KeyTask.objects.filter(office__in=offices)
    if not tasks.exists():
        return ""
    return reading_month(tasks, timezone.localdate()).key


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


def _overall(report, key):
    return (report.figures.get("overall") or {}).get(key)


ARCHIVE_LIST = Listing.define(
    Col("pk", "编号", order=("pk",), value=lambda r: r.pk, width=8),
    Col("title", "标题", order=("title",), value=lambda r: r.title, width=40),
    Col(
        "period", "周期", order=("period",), value=lambda r: r.figures.get("period_label"), width=14
    ),
    Col(
        "office", "街道/区", order=("office__order", "office__name"), value=lambda r: r.office.name
    ),
    Col("created_at", "生成时间", order=("created_at",), value=lambda r: r.created_at, width=18),
    Col(
        "created_by",
        "生成人",
        value=lambda r: R.display_name(r.created_by) if r.created_by else "系统自动",
        width=12,
    ),
    Col("lagging", "推进滞后", value=lambda r: _overall(r, "lagging"), width=10),
    Col("total", "事项总数", value=lambda r: _overall(r, "total"), width=10),
)


@office_wide_required
def index(request):
    reports = Report.objects.visible_to(request.user).select_related("office", "created_by")
    listing = ARCHIVE_LIST.bind(request.GET)
    reports = listing.order(reports, "-created_at", "-pk")
    if listing.exporting:
        return listing.export(reports, "报告存档")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page:
        report.formats = formats_of(report.figures)  # a bulletin has no Excel 附表
    context = index_context(request, ReportForm(request.user), page)
    return render(request, "reports/index.html", {**context, "listing": listing})


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
    date = form.cleaned_data["date"]
    suggestions = {}
    source = http.id_param(request.GET.get("from"))
    if source is not None:
        earlier = Report.objects.visible_to(request.user).filter(pk=source).first()
        if earlier is not None:
            suggestions = {s["category"]: s["text"] for s in earlier.figures.get("suggestions", [])}
    data = F.monthly(office, period, suggestions=suggestions, date=date)
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
    date = form.cleaned_data["date"]
    if office.kind == Office.Kind.DISTRICT:
        # every street's figures: in the background, with a progress page
        job = jobs.start(
            generate_job,
            user=request.user,
            title=f"生成报告：{office.name}{period.label}",
            params={
                "office_id": office.pk,
                "period": period.key,
                "date": date.isoformat() if date else None,
                "suggestions": suggestions,
            },
        )
        return redirect(job)
    data = F.monthly(office, period, suggestions=suggestions, date=date)
    report = archive.store(office, data, request.user)
    messages.success(request, f"已生成并存档：{report.title}")
    return redirect("reports:detail", pk=report.pk)


def generate_job(run, office_id, period, date, suggestions):
    """A report generated and archived in the background, as the person who asked for it."""
    import datetime as dt

    if not R.is_supervisor(run.user):
        raise jobs.JobError("只有督查管理员可以生成并存档报告")
    office = offices_in_scope(run.user).filter(pk=office_id).first()
    if office is None:
        raise jobs.JobError("该街道/区已不在您的查看范围内，报告未生成")
    run.progress(0, message="正在汇总各项数据", force=True)
    data = F.monthly(
        office,
        Period.parse(period),
        suggestions=suggestions,
        date=dt.date.fromisoformat(date) if date else None,
    )
    report = archive.store(office, data, run.user)
    return jobs.Result(
        summary=f"已生成并存档：{report.title}",
        link=("查看报告", reverse("reports:detail", args=[report.pk])),
    )


@office_wide_required
def detail(request, pk):
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("office", "created_by"), pk=pk
    )
    # the kind picks the document's blocks: the bulletin's, the summary's or the monthly
    # report's
    is_bulletin = report.kind == Report.Kind.BULLETIN
    is_summary = report.kind == Report.Kind.SUMMARY
    make_blocks = summary_blocks if is_summary else bulletin_blocks if is_bulletin else blocks
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "is_bulletin": is_bulletin,
            "is_summary": is_summary,
            "figures": report.figures,
            "blocks": make_blocks(report.figures),
            "formats": formats_of(report.figures),
            "can_generate": R.is_supervisor(request.user),
            "pdf_available": available(),
        },
    )


@office_wide_required
def download(request, pk, fmt):
    report = get_object_or_404(Report.objects.visible_to(request.user), pk=pk)
    if fmt not in formats_of(report.figures):
        raise Http404("不支持的格式")
    if fmt == "pdf":
        if not available():
            messages.error(request, WEB_PDF_UNAVAILABLE)
            return redirect("reports:detail", pk=report.pk)
        # LibreOffice takes seconds: in the background, with a progress page
        job = jobs.start(
            pdf_job, user=request.user, title=f"转换 PDF：{report.title}", params={"pk": report.pk}
        )
        return redirect(job)
    try:
        data = documents.render(report.figures, fmt)
    except PdfUnavailable:
        # the command line's message names the program to install; a page says what to do
        messages.error(request, WEB_PDF_UNAVAILABLE)
        return redirect("reports:detail", pk=report.pk)
    except PdfFailed as error:
        logger.warning("PDF 转换失败：%s", error)
        messages.error(
            request, "PDF 转换没有成功，请先下载 Word 版；如一直失败，请告诉系统管理员。"
        )
        return redirect("reports:detail", pk=report.pk)
    return http.download(data, filename(report.figures, fmt))


def pdf_job(run, pk):
    """An archived report as PDF, in the background, for the person who asked for it."""
    if not R.sees_whole_office(run.user):
        raise jobs.JobError("此报告仅对督查管理员、领导和只读人员开放")
    report = Report.objects.visible_to(run.user).filter(pk=pk).first()
    if report is None:
        raise jobs.JobError("报告不存在，或已不在您的查看范围内")
    run.progress(0, message="正在转换 PDF", force=True)
    try:
        data = documents.render(report.figures, "pdf")
    except PdfUnavailable:
        raise jobs.JobError(WEB_PDF_UNAVAILABLE)
    except PdfFailed as error:
        logger.warning("PDF 转换失败：%s", error)
        raise jobs.JobError("PDF 转换没有成功，请先下载 Word 版；如一直失败，请告诉系统管理员。")
    return jobs.Result(
        summary=f"已转换：{report.title}",
        filename=filename(report.figures, "pdf"),
        data=data,
        link=("返回报告", reverse("reports:detail", args=[report.pk])),
    )
