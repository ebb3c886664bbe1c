"""The ledger's one filter: the list page and its Excel export read the same
definition, so "导出当前视图" exports exactly the rows on screen (all pages).

Every queryset starts from `KeyTask.objects.visible_to(user)`.

状态 and 预警 are those of the judgement (研判) of one month, `period`: by default the
latest month of the year that has judgements, else the current month when it lies in
the year, else December of the year.
"""

import datetime as dt

from django import forms
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.core.periods import Period
from duban.ledger.models import Category, KeyTask
from duban.org import roles as R
from duban.org.models import Office, Unit
from duban.progress.models import Judgement, Light, Status

MIN_YEAR, MAX_YEAR = 2000, 2100


class LedgerFilterForm(forms.Form):
    year = forms.IntegerField(
        label=_("年度"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    office = forms.ModelChoiceField(
        label=_("街道"), queryset=Office.objects.none(), required=False, empty_label=_("全部街道")
    )
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False, empty_label=_("全部类别")
    )
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位")
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *KeyTask.Kind.choices]
    )
    period = forms.ChoiceField(label=_("研判月份"), required=False, choices=())
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices]
    )
    light = forms.ChoiceField(
        label=_("预警"), required=False, choices=[("", _("全部预警")), *Light.choices]
    )
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("编号、事项名称或工作目标"), "type": "search"}
        ),
    )


def offices_in_scope(user):
    """The offices a user's ledger spans (a district spans its streets)."""
    scope = R.office_scope_ids(user)
    return Office.objects.all() if scope is None else Office.objects.filter(pk__in=scope)


class LedgerFilter:
    def __init__(self, data, user):
        self.user = user
        self.visible = KeyTask.objects.visible_to(user)
        self.years = list(self.visible.order_by("-year").values_list("year", flat=True).distinct())

        # The year comes first: the other choices depend on it.
        try:
            year = LedgerFilterForm.base_fields["year"].clean(data.get("year"))
        except forms.ValidationError:
            year = None
        self.year = year or (self.years[0] if self.years else dt.date.today().year)
        data = data.copy()
        data["year"] = str(self.year)

        self.form = form = LedgerFilterForm(data)
        year_choices = sorted({*self.years, dt.date.today().year, self.year}, reverse=True)
        form.fields["year"].widget = forms.Select(choices=[(y, f"{y}年") for y in year_choices])

        offices = offices_in_scope(user)
        self.several_offices = offices.count() > 1
        if self.several_offices:
            form.fields["office"].queryset = offices
        else:
            del form.fields["office"]
        form.fields["category"].queryset = Category.objects.filter(year=self.year)
        # Lead units on offer are those of the visible tasks, never a unit one cannot see.
        form.fields["lead_unit"].queryset = Unit.objects.filter(
            pk__in=self.visible.filter(year=self.year).values("lead_unit_id")
        )
        months = [Period.month(self.year, m) for m in range(1, 13)]
        spans = [Period.parse(f"{self.year}-H1"), Period.parse(f"{self.year}-H2")]
        spans.append(Period.parse(str(self.year)))
        form.fields["period"].choices = [(p.key, p.label) for p in months + spans]
        # A value that is not a valid choice (another year's category...) is ignored.
        form.is_valid()
        cleaned = form.cleaned_data
        self.office = cleaned.get("office")
        self.category = cleaned.get("category")
        self.lead_unit = cleaned.get("lead_unit")
        self.keyword = (cleaned.get("q") or "").strip()
        self.status = cleaned.get("status") or ""
        self.light = cleaned.get("light") or ""
        self.kind = cleaned.get("kind") or ""

        self.in_year = self.visible.filter(year=self.year)
        if self.office is not None:
            self.in_year = self.in_year.filter(office=self.office)

        chosen = cleaned.get("period")
        self.span = Period.parse(chosen) if chosen else None
        if self.span is not None and not self.span.is_month:
            # A half-year or a year is judged as it stood at its end: the latest judged
            # month inside it (or its last month when none is judged yet).
            self.period = self.latest_judged(self.span) or self.span.months()[-1]
        else:
            self.period = self.span or self.default_period()
        if not chosen:
            # Show the month actually used, so the select and the columns agree.
            form.data["period"] = self.period.key

    def latest_judged(self, span):
        latest = (
            Judgement.objects.filter(
                task__in=self.in_year, period__in=[m.key for m in span.months()]
            )
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        return Period.parse(latest) if latest else None

    def default_period(self):
        latest = self.latest_judged(Period.parse(str(self.year)))
        if latest:
            return latest
        today = timezone.localdate()
        if today.year == self.year:
            return Period.containing(today)
        return Period.month(self.year, 12)

    @property
    def queryset(self):
        tasks = self.in_year
        if self.category is not None:
            tasks = tasks.filter(category=self.category)
        if self.lead_unit is not None:
            tasks = tasks.filter(lead_unit=self.lead_unit)
        if self.kind:
            tasks = tasks.filter(kind=self.kind)
        judged = {}
        if self.status:
            judged["judgements__status"] = self.status
        if self.light:
            judged["judgements__light"] = self.light
        if judged:
            # One judgement per task and month, so the join adds no duplicate rows.
            tasks = tasks.filter(judgements__period=self.period.key, **judged)
        if self.keyword:
            tasks = tasks.filter(
                Q(code__icontains=self.keyword)
                | Q(title__icontains=self.keyword)
                | Q(goal__icontains=self.keyword)
            )
        return tasks

    def category_counts(self):
        """[(category or None, count)] for the selected year (and office), counted in one
        query; the year's categories with no task show 0, tasks with no category come last."""
        counts = dict(self.in_year.order_by().values_list("category_id").annotate(n=Count("id")))
        rows = [
            (category, counts.pop(category.pk, 0))
            for category in self.form.fields["category"].queryset
        ]
        uncategorised = counts.pop(None, 0)
        if uncategorised:
            rows.append((None, uncategorised))
        return rows
