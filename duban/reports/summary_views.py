"""报告中心 → 工作总结（初稿）: pick a half-year or a year, read the draft as its blocks
say it, edit its sections (开头, 二、存在的问题, 三、下步工作计划; 一、主要工作完成情况 is
the data's and is edited in Word), download Word or JSON — all from the one figures dict.
生成并存档 (督查管理员 only) stores the previewed figures, edits included, in the report
archive (kind 工作总结（初稿）); it reopens and downloads from 报告中心 like the others."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.periods import Period
from duban.org import roles as R
from duban.reports import archive
from duban.reports import figures as F
from duban.reports.bulletin_views import _office
from duban.reports.render import attachment
from duban.reports.summary_docx import render_docx
from duban.reports.summary_text import EDITABLE, blocks, section_texts

MAX_SECTION = 5000


def default_period(today):
    """The half-year just ended (or the year, in January): what an office sums up next."""
    if today.month <= 6:
        return (
            Period(today.year - 1, 7, 12) if today.month > 1 else Period.parse(str(today.year - 1))
        )
    return Period(today.year, 1, 6)


def _values(data):
    return {
        "period": data.get("period", default_period(timezone.localdate()).key).strip(),
        "edits": {key: data.get(key, "") for key in EDITABLE},
    }


def _figures(office, values):
    """The summary's figures from the page's values: a section the office changed is
    kept as its edit, one left as drafted stays the draft's. SummaryError says what is
    wrong."""
    if office is None:
        raise F.SummaryError("没有可查看的街道/区")
    period = F.summary_period(values["period"])
    for key, label in EDITABLE.items():
        if len(values["edits"][key]) > MAX_SECTION:
            raise F.SummaryError(f"“{label}”超过 {MAX_SECTION} 字，请精简")
    figures = F.summary(office, period)
    drafted = section_texts(figures)
    edits = {
        key: text.replace("\r\n", "\n").strip()
        for key, text in values["edits"].items()
        if text.strip() and _lines(text) != _lines(drafted[key])
    }
    if edits:
        figures["edits"] = edits
    return figures, drafted


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


@login_required
def summary(request):
    if not R.sees_whole_office(request.user):
        raise PermissionDenied
    values = _values(request.GET)
    context = {"values": values, "can_generate": R.is_supervisor(request.user)}
    try:
        figures, drafted = _figures(_office(request.user), values)
    except F.SummaryError as error:
        context["error"] = str(error)
        return render(request, "reports/summary.html", context)
    fmt = request.GET.get("format", "")
    if fmt in ("docx", "json"):
        return attachment(figures, fmt)
    sections = [
        {"key": key, "label": label, "text": figures["edits"].get(key, drafted[key])}
        for key, label in EDITABLE.items()
    ]
    context.update(figures=figures, blocks=blocks(figures), sections=sections)
    return render(request, "reports/summary.html", context)


@require_POST
@login_required
def summary_generate(request):
    """生成并存档: the summary as previewed (period and edited sections), archived."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以生成并存档工作总结")
    values = _values(request.POST)
    try:
        figures, _drafted = _figures(_office(request.user), values)
        render_docx(figures)  # a summary that cannot render is not archived
    except F.SummaryError as error:
        messages.error(request, str(error))
        return redirect("reports:summary")
    report = archive.store(_office(request.user), figures, request.user)
    messages.success(request, f"已生成并存档：{report.title}（初稿，请修改完善后使用）")
    return redirect("reports:detail", pk=report.pk)
