"""报告中心 → 督查督办工作通报: pick a quarter, edit 下步督查重点, preview the bulletin as
its blocks say it, download Word or JSON — all from the one figures dict."""

import datetime as dt
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.core.periods import Period, PeriodError
from duban.org import roles as R
from duban.org.scope import offices_in_scope
from duban.reports import bulletin as B
from duban.reports.bulletin_docx import blocks, render_docx
from duban.reports.render import FORMATS
from duban.reports.render import render as render_figures


def _office(user):
    profile = R.profile_of(user)
    scope = offices_in_scope(user)
    if profile is not None and profile.office_id and scope.filter(pk=profile.office_id).exists():
        return profile.office
    return scope.filter(parent__isnull=True).first() or scope.first()


@login_required
def bulletin(request):
    if not R.sees_whole_office(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    default = Period.quarter_of(today)
    values = {
        "quarter": request.GET.get("quarter", default.key).strip(),
        "as_of": request.GET.get("as_of", "").strip(),
        "next_focus": request.GET.get("next_focus", B.DEFAULT_NEXT_FOCUS),
    }
    context = {"values": values}
    office = _office(request.user)
    try:
        if office is None:
            raise B.BulletinError("没有可查看的街道/区")
        quarter = B.parse_quarter(values["quarter"])
        as_of = None
        if values["as_of"]:
            try:
                as_of = dt.date.fromisoformat(values["as_of"])
            except ValueError:
                raise B.BulletinError(f"截至日期应写成 {quarter.end}；收到“{values['as_of']}”")
        figures = B.quarterly(office, quarter, as_of=as_of, next_focus=values["next_focus"])
    except (B.BulletinError, PeriodError) as error:
        context["error"] = str(error)
        return render(request, "reports/bulletin.html", context)
    fmt = request.GET.get("format", "")
    if fmt in ("docx", "json"):
        data = render_docx(figures) if fmt == "docx" else render_figures(figures, "json")
        response = HttpResponse(data, content_type=FORMATS[fmt][0])
        name = quote(f"{figures['title']}.{fmt}")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return response
    context.update(figures=figures, blocks=blocks(figures))
    return render(request, "reports/bulletin.html", context)
