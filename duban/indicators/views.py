"""Pages of 经济社会指标. Who sees what: `Indicator.objects.visible_to` (the roles that see
their whole office); an indicator of another office answers 404. Only 督查管理员 writes
(月度填报, import, the indicator form)."""

import datetime as dt
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from duban.core.http import PeriodError, bad_request, id_param, year_param
from duban.core.importflow import ImportFlow
from duban.core.listing import xlsx_response
from duban.core.numfmt import AmountError, parse_amount
from duban.core.periods import Period
from duban.indicators import figures as F
from duban.indicators import growth
from duban.indicators.exporter import build_workbook
from duban.indicators.forms import ImportUploadForm, IndicatorForm
from duban.indicators.importer import IndicatorImport
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue
from duban.org import roles as R
from duban.org.models import Office
from duban.org.scope import default_office, offices_in_scope

NOTE_LIMIT = 200


def office_wide_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not R.sees_whole_office(request.user):
            raise PermissionDenied("经济社会指标仅对督查管理员、领导和只读人员开放")
        return view(request, *args, **kwargs)

    return wrapped


def _office(request):
    """The office asked for (?office=), within the person's scope; else their own."""
    offices = offices_in_scope(request.user)
    wanted = request.GET.get("office") or request.POST.get("office")
    if wanted:
        if (pk := id_param(wanted)) is None:
            raise Http404
        return get_object_or_404(offices, pk=pk)
    office = default_office(request.user)
    if office is None:
        raise Http404
    return office


def _month(request, office):
    """The month asked for (?period=2024-07); else the latest month of this year (or last
    year) with values; else last month."""
    text = request.GET.get("period", "").strip()
    if text:
        try:
            period = Period.parse(text)
        except PeriodError as error:
            messages.warning(request, str(error))
        else:
            if period.is_month:
                return period
            messages.warning(request, "指标按月查看，请选择具体月份")
    today = timezone.localdate()
    for year in (today.year, today.year - 1):
        found = F.latest_month(office, year)
        if found:
            return Period.month(year, found)
    last = today.replace(day=1) - dt.timedelta(days=1)
    return Period.month(last.year, last.month)


def _page_context(request, office):
    offices = list(offices_in_scope(request.user))
    return {
        "office": office,
        "offices": offices if len(offices) > 1 else [],
        "can_edit": R.is_supervisor(request.user),
    }


def _office_query(office, offices):
    return f"&office={office.pk}" if offices else ""


@office_wide_required
def indicator_list(request):
    office = _office(request)
    period = _month(request, office)
    rows = F.summary_rows(office, period.year, period.first_month)
    groups = []
    for row in rows:
        if not groups or groups[-1][0] != row["group"]:
            groups.append((row["group"], []))
        groups[-1][1].append(row)
    context = _page_context(request, office)
    return render(
        request,
        "indicators/list.html",
        {
            **context,
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "groups": groups,
            "rows": rows,
            "behind": sum(1 for r in rows if r["behind"]),
            "entered": sum(1 for r in rows if r["month_value"] is not None),
            "time_progress": growth.time_progress(period.first_month),
            "office_query": _office_query(office, context["offices"]),
        },
    )


@office_wide_required
def indicator_detail(request, pk):
    indicator = get_object_or_404(
        Indicator.objects.visible_to(request.user).select_related("office"), pk=pk
    )
    try:
        year = year_param(request) or timezone.localdate().year
    except PeriodError as error:
        return bad_request(request, str(error))
    stored = {
        v.month: v
        for v in IndicatorValue.objects.filter(indicator=indicator, year=year).select_related(
            "updated_by"
        )
    }
    values = {m: v.value for m, v in stored.items()}
    typed = {m: v.previous for m, v in stored.items() if v.previous is not None}
    last_year = dict(
        IndicatorValue.objects.filter(indicator=indicator, year=year - 1).values_list(
            "month", "value"
        )
    )
    target = IndicatorTarget.objects.filter(indicator=indicator, year=year).first()
    months = []
    for m in range(1, 13):
        row = growth.figures(
            indicator.kind,
            values,
            m,
            last_year=last_year,
            typed_previous=typed,
            target=target.target if target else None,
        )
        value = stored.get(m)
        who = ""
        if value is not None:
            who = R.display_name(value.updated_by) if value.updated_by_id else "导入/系统"
        months.append({"month": m, "stored": value, "who": who, **row})
    return render(
        request,
        "indicators/detail.html",
        {
            **_page_context(request, indicator.office),
            "indicator": indicator,
            "year": year,
            "target": target,
            "months": months,
        },
    )


def supervisor_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not R.is_supervisor(request.user):
            raise PermissionDenied("只有督查管理员可以填报和修改指标")
        return view(request, *args, **kwargs)

    return wrapped


@supervisor_required
def entry(request):
    """月度填报: every active indicator's value for one month in one form. Any bad number
    is a Chinese error naming the indicator, and nothing is saved."""
    office = _office(request)
    if request.method == "POST":
        try:
            period = Period.parse(request.POST.get("period", ""))
        except PeriodError as error:
            return bad_request(request, str(error))
        if not period.is_month:
            return bad_request(request, "请选择具体月份")
    else:
        period = _month(request, office)
    indicators = list(Indicator.objects.filter(office=office, active=True).order_by("order", "id"))
    stored = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(
            indicator__in=indicators, year=period.year, month=period.first_month
        )
    }
    rows = []
    for indicator in indicators:
        v = stored.get(indicator.pk)
        rows.append(
            {
                "indicator": indicator,
                "value": _text(v.value) if v else "",
                "previous": _text(v.previous) if v else "",
                "note": v.note if v else "",
                "errors": [],
            }
        )
    errors = []
    if request.method == "POST":
        parsed = []
        for row in rows:
            indicator = row["indicator"]
            for key in ("value", "previous", "note"):
                row[key] = request.POST.get(f"{key}_{indicator.pk}", "").strip()
            amounts = {}
            for key, label in (("value", "本期值"), ("previous", "上年同期值")):
                try:
                    amounts[key] = parse_amount(row[key])
                except AmountError as exc:
                    row["errors"].append(f"{label}{exc}")
                    errors.append(f"“{indicator.name}”的{label}有误：{exc}")
            if amounts.get("value") is None and not row["errors"]:
                if amounts.get("previous") is not None or row["note"]:
                    row["errors"].append("请填写本期值")
                    errors.append(f"“{indicator.name}”填了上年同期值或备注，请同时填写本期值")
            if len(row["note"]) > NOTE_LIMIT:
                row["errors"].append(f"备注超过 {NOTE_LIMIT} 个字")
                errors.append(f"“{indicator.name}”的备注超过 {NOTE_LIMIT} 个字")
            parsed.append((indicator, amounts, row["note"]))
        if not errors:
            saved = _save_month(request.user, period, parsed, stored)
            messages.success(
                request,
                f"已保存{period.label}指标：{saved} 项有改动" if saved else "没有改动",
            )
            return redirect(
                f"{reverse('indicators:list')}?period={period.key}"
                + _office_query(office, _page_context(request, office)["offices"])
            )
    return render(
        request,
        "indicators/entry.html",
        {
            **_page_context(request, office),
            "period": period,
            "rows": rows,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _text(value):
    return "" if value is None else f"{value.normalize():f}"


def _save_month(user, period, parsed, stored):
    """Write the month's changed values in one transaction; a value left empty removes a
    stored one. Returns how many indicators changed."""
    changed = 0
    with transaction.atomic():
        for indicator, amounts, note in parsed:
            current = stored.get(indicator.pk)
            value, previous = amounts.get("value"), amounts.get("previous")
            if value is None:
                if current is not None:
                    current.delete()
                    changed += 1
                continue
            if current is None:
                current = IndicatorValue(
                    indicator=indicator, year=period.year, month=period.first_month
                )
            elif (current.value, current.previous, current.note) == (value, previous, note):
                continue
            current.value, current.previous, current.note = value, previous, note
            current.updated_by = user
            current.save()
            changed += 1
    return changed


@supervisor_required
def indicator_edit(request, pk=None):
    """新增 / 修改 an indicator and its target for a year."""
    if pk is None:
        office = _office(request)
        indicator = Indicator(office=office)
    else:
        indicator = get_object_or_404(Indicator.objects.visible_to(request.user), pk=pk)
        office = indicator.office
    try:
        year = year_param(request) or timezone.localdate().year
    except PeriodError as error:
        return bad_request(request, str(error))
    target = (
        IndicatorTarget.objects.filter(indicator=indicator, year=year).first()
        if indicator.pk
        else None
    )
    initial = {}
    if target is not None:
        initial = {"target": _text(target.target), "target_growth": _text(target.target_growth)}
    if pk is None:
        last = Indicator.objects.filter(office=office).order_by("-order").first()
        initial["order"] = (last.order + 1) if last else 1
    form = IndicatorForm(request.POST or None, instance=indicator, office=office, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            indicator = form.save()
            goal = form.cleaned_data["target"]
            speed = form.cleaned_data["target_growth"]
            if target is not None or goal is not None or speed is not None:
                target = target or IndicatorTarget(indicator=indicator, year=year)
                if (target.pk is None) or (target.target, target.target_growth) != (goal, speed):
                    target.target, target.target_growth = goal, speed
                    target.save()
        messages.success(request, f"已保存指标“{indicator.name}”")
        return redirect(f"{reverse('indicators:detail', args=[indicator.pk])}?year={year}")
    return render(
        request,
        "indicators/form.html",
        {
            **_page_context(request, office),
            "form": form,
            "indicator": indicator,
            "year": year,
        },
        status=400 if form.is_bound else 200,
    )


@office_wide_required
def export(request):
    office = _office(request)
    try:
        year = year_param(request) or timezone.localdate().year
    except PeriodError as error:
        return bad_request(request, str(error))
    workbook, _rows = build_workbook(office, year)
    return xlsx_response(workbook, f"{office.name}{year}年经济社会指标.xlsx")


class IndicatorImportFlow(ImportFlow):
    namespace = "indicators"
    session_key = "indicators_import"
    form_class = ImportUploadForm
    title = "导入指标"
    write_step = "写入指标"
    file_noun = "指标文件"
    done_label = "查看指标"
    denied_message = "只有督查管理员可以导入指标"
    intro = (
        "每行一个指标一个月：指标名称、计量单位、年份、月份、本期值，可选上年同期值、年度目标、备注。"
        "上传后先预览，确认后才写入；同一指标同一月份再次导入时按新值更新。"
    )

    @property
    def crumbs(self):
        return [("经济社会指标", reverse("indicators:list"))]

    def allowed(self, user):
        return R.is_supervisor(user)

    def choices(self, form):
        return {
            "office_id": form.target_office.pk,
            "create_missing": form.cleaned_data["create_missing"],
        }

    def resolve(self, choices):
        office = Office.objects.filter(pk=choices["office_id"]).first()
        return None if office is None else {**choices, "office": office}

    def importer(self, request, pending):
        return IndicatorImport(
            pending["office"], user=request.user, create_missing=pending["create_missing"]
        )

    def facts(self, pending):
        return [
            ("所属街道", pending["office"].name),
            ("自动创建缺失的指标", "是" if pending["create_missing"] else "否"),
        ]

    def initial(self, pending):
        return {"office": pending["office"], "create_missing": pending["create_missing"]}

    def done_url(self, pending):
        return f"{reverse('indicators:list')}?office={pending['office'].pk}"

    def template_link(self, form):
        return ("导出本年指标（可作模板）", reverse("indicators:export"))


import_flow = IndicatorImportFlow()
