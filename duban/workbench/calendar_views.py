"""工作日日历, one year at a time: the office's 节假日/调休调整 of the year and whether
it keeps the year by hand. These used to live only in the Django admin, which is kept to
the deployment's superusers.

The adjustments have no office: one calendar serves the whole deployment (a street's
deadlines and a district's reminders count the same days), so only a 督查管理员 whose
scope holds every office changes it (`shared_settings_access`); any other sees it
read-only. Every write is kept in the models' history like other pages' writes.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from duban.core.dates import DateParseError, chinese_date, parse_date
from duban.core.models import CalendarYear, WorkdayOverride
from duban.core.periods import PeriodError, parse_year
from duban.core.workdays import CHINESECALENDAR, Calendar
from duban.org.scope import SHARED_SETTINGS, shared_settings_access

OFF, WORK = "off", "work"
KINDS = [(OFF, "放假"), (WORK, "上班")]


def _year(value):
    try:
        return parse_year(value)
    except PeriodError:
        raise Http404("年度不存在") from None


class AdjustmentForm(forms.Form):
    """One day the office's calendar says otherwise than the year's source."""

    date = forms.CharField(
        label="日期",
        max_length=30,
        help_text="如 2026-10-10 或 10月10日（不写年份时为本页年度）",
        error_messages={"required": "请填写日期"},
    )
    kind = forms.ChoiceField(
        label="调整为",
        choices=KINDS,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择放假或上班", "invalid_choice": "请选择放假或上班"},
    )
    note = forms.CharField(
        label="说明", max_length=100, required=False, help_text="如 国庆节调休上班"
    )

    def __init__(self, *args, year, calendar, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "date": instance.date.isoformat(),
                    "kind": WORK if instance.is_workday else OFF,
                    "note": instance.note,
                },
            )
        super().__init__(*args, **kwargs)
        self.year = year
        self.calendar = calendar
        self.instance = instance

    def clean_date(self):
        try:
            day = parse_date(self.cleaned_data["date"], year=self.year)
        except DateParseError as error:
            raise forms.ValidationError(str(error)) from None
        try:
            parse_year(day.year)
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from None
        same_day = WorkdayOverride.objects.filter(date=day)
        if self.instance is not None:
            same_day = same_day.exclude(pk=self.instance.pk)
        existing = same_day.first()
        if existing is not None:
            kind = "上班" if existing.is_workday else "放假"
            raise forms.ValidationError(
                f"{chinese_date(day, weekday=True)}已有调整（{kind}），请修改那一条，不要重复录入"
            )
        return day

    def clean(self):
        cleaned = super().clean()
        day, kind = cleaned.get("date"), cleaned.get("kind")
        if day is None or kind is None:
            return cleaned
        by_source = self.calendar.is_workday_by_source(day)
        source = self.calendar.coverage(day.year).label
        shown = chinese_date(day, weekday=True)
        if kind == WORK and by_source:
            raise forms.ValidationError(
                f"{shown}按{source}本来就是工作日，无需录入上班调整；调休上班日一般是周六或周日",
                code="no_effect",
            )
        if kind == OFF and not by_source:
            raise forms.ValidationError(
                f"{shown}按{source}本来就是休息日，无需录入放假调整", code="no_effect"
            )
        return cleaned

    def save(self):
        """The adjustment saved, or None (and the error on the form) when the same day
        was entered by someone else since the form was checked."""
        override = self.instance or WorkdayOverride()
        override.date = self.cleaned_data["date"]
        override.is_workday = self.cleaned_data["kind"] == WORK
        override.note = self.cleaned_data["note"].strip()
        try:
            with transaction.atomic():
                override.save()
        except IntegrityError:
            self.add_error(
                "date", f"{chinese_date(override.date, weekday=True)}已有调整，请刷新后修改那一条"
            )
            return None
        return override


class ManualYearForm(forms.Form):
    note = forms.CharField(label="说明", max_length=200, required=False)


def _page(request, year, *, form, may_change, editing=None):
    calendar = Calendar.load()
    adjustments = list(WorkdayOverride.objects.filter(date__year=year).order_by("date"))
    for adjustment in adjustments:
        adjustment.shown = chinese_date(adjustment.date, weekday=True)
    manual = CalendarYear.objects.filter(year=year).first()
    return render(
        request,
        "workbench/calendar_year.html",
        {
            "year": year,
            "coverage": calendar.coverage(year),
            "adjustments": adjustments,
            "manual": manual,
            # the State Council's arrangement, which keeping the year by hand would set aside
            "published": Calendar().source(year) == CHINESECALENDAR,
            "form": form,
            "editing": editing,
            "may_change": may_change,
            "shared": SHARED_SETTINGS,
            "manual_form": ManualYearForm(initial={"note": manual.note if manual else ""}),
        },
    )


@login_required
def year_page(request, year):
    """The year's adjustments, a form to add one, and 手工维护 on or off."""
    year = _year(year)
    may_change = shared_settings_access(request)
    form = AdjustmentForm(request.POST or None, year=year, calendar=Calendar.load())
    if request.method == "POST":
        if form.is_valid() and (override := form.save()) is not None:
            messages.success(
                request,
                f"已录入：{chinese_date(override.date, weekday=True)}"
                f"{'上班' if override.is_workday else '放假'}",
            )
            return redirect("calendar_year", year=override.date.year)
        return _page(request, year, form=form, may_change=may_change)
    return _page(request, year, form=form, may_change=may_change)


@login_required
def adjustment_edit(request, pk):
    override = get_object_or_404(WorkdayOverride, pk=pk)
    may_change = shared_settings_access(request)
    year = override.date.year
    form = AdjustmentForm(
        request.POST or None, year=year, calendar=Calendar.load(), instance=override
    )
    if request.method == "POST":
        if form.is_valid() and (saved := form.save()) is not None:
            messages.success(request, f"已修改：{chinese_date(saved.date, weekday=True)}")
            return redirect("calendar_year", year=saved.date.year)
        return _page(request, year, form=form, may_change=may_change, editing=override)
    return _page(request, year, form=form, may_change=may_change, editing=override)


@login_required
@require_POST
def adjustment_delete(request, pk):
    override = get_object_or_404(WorkdayOverride, pk=pk)
    shared_settings_access(request)
    year, shown = override.date.year, chinese_date(override.date, weekday=True)
    override.delete()
    messages.success(request, f"已删除：{shown}的调整")
    return redirect("calendar_year", year=year)


@login_required
@require_POST
def manual_year(request, year):
    """Keep the year by hand (Monday to Friday plus the adjustments) or stop doing so."""
    year = _year(year)
    shared_settings_access(request)
    if request.POST.get("manual") == "1":
        form = ManualYearForm(request.POST)
        if not form.is_valid():
            messages.error(request, "说明不能超过 200 字")
            return redirect("calendar_year", year=year)
        note = form.cleaned_data["note"].strip()
        row, created = CalendarYear.objects.get_or_create(year=year, defaults={"note": note})
        if not created and row.note != note:
            row.note = note
            row.save()
        messages.success(request, f"{year}年已设为办公室手工维护：周一至周五上班，另加本页的调整")
    else:
        for row in CalendarYear.objects.filter(year=year):
            row.delete()  # one by one, so the history keeps the deletion
        messages.success(request, f"{year}年不再手工维护，工作日恢复按公开的节假日数据计算")
    return redirect("calendar_year", year=year)
