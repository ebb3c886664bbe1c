"""报告中心 → 督查督办工作通报: pick a quarter, edit 下步督查重点, preview the bulletin as
its blocks say it, download Word or JSON — all from the one figures dict. 生成并存档
(督查管理员 only) stores the previewed figures in the report archive (kind 通报); the
archived bulletin reopens and downloads from 报告中心 like the monthly report."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.periods import Period, PeriodError
from duban.org import roles as R
from duban.org.scope import offices_in_scope
from duban.reports import archive
from duban.reports import bulletin as B
from duban.reports.bulletin_docx import blocks, render_docx
from duban.reports.render import attachment


def _office(user):
    profile = R.profile_of(user)
    scope = offices_in_scope(user)
    if profile is not None and profile.office_id and scope.filter(pk=profile.office_id).exists():
        return profile.office
    return scope.filter(parent__isnull=True).first() or scope.first()


MAX_NEXT_FOCUS = 2000


def _values(data):
    """The page's values. 下步督查重点 sent back as it was drafted (`drafted`: the
    previous preview's draft) counts as not written, so that another quarter or date
    gets its own draft instead of the last one's."""
    default = Period.quarter_of(timezone.localdate())
    next_focus = data.get("next_focus", "")
    if next_focus.strip() == data.get("drafted", "").strip():
        next_focus = ""
    return {
        "quarter": data.get("quarter", default.key).strip(),
        "as_of": data.get("as_of", "").strip(),
        "next_focus": next_focus,
    }


def _figures(office, values):
    """The bulletin's figures from the page's values; BulletinError says what is wrong."""
    if office is None:
        raise B.BulletinError("没有可查看的街道/区")
    try:
        quarter = B.parse_quarter(values["quarter"])
    except PeriodError as error:
        raise B.BulletinError(str(error))
    as_of = None
    if values["as_of"]:
        try:
            as_of = dt.date.fromisoformat(values["as_of"])
        except ValueError:
            raise B.BulletinError(f"截至日期应写成 {quarter.end}；收到“{values['as_of']}”")
    if len(values["next_focus"]) > MAX_NEXT_FOCUS:
        raise B.BulletinError(f"“下步督查重点”超过 {MAX_NEXT_FOCUS} 字，请精简")
    return B.quarterly(office, quarter, as_of=as_of, next_focus=values["next_focus"])


@login_required
def bulletin(request):
    if not R.sees_whole_office(request.user):
        raise PermissionDenied
    values = _values(request.GET)
    context = {"values": values, "can_generate": R.is_supervisor(request.user)}
    try:
        figures = _figures(_office(request.user), values)
    except B.BulletinError as error:
        context["error"] = str(error)
        return render(request, "reports/bulletin.html", context)
    if not values["next_focus"].strip():
        # left blank, 下步督查重点 is drafted from the figures: shown in the box to edit
        values["next_focus"] = values["drafted"] = figures["next_focus"]
    fmt = request.GET.get("format", "")
    if fmt in ("docx", "json"):
        return attachment(figures, fmt)
    context.update(figures=figures, blocks=blocks(figures))
    return render(request, "reports/bulletin.html", context)


@require_POST
@login_required
def bulletin_generate(request):
    """生成并存档: the bulletin as previewed (quarter, as_of, 下步督查重点), archived."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以生成并存档通报")
    values = _values(request.POST)
    try:
        figures = _figures(_office(request.user), values)
        render_docx(figures)  # a bulletin that cannot render is not archived
    except B.BulletinError as error:
        messages.error(request, str(error))
        return redirect("reports:bulletin")
    report = archive.store(_office(request.user), figures, request.user)
    messages.success(request, f"已生成并存档：{report.title}")
    return redirect("reports:detail", pk=report.pk)
