"""The ledger's one filter: the list page and its Excel export read the same
definition, so "导出当前视图" exports exactly the rows on screen (all pages).

Every queryset starts from `KeyTask.objects.visible_to(user)`. The ledger's own filters
are year, street, category, lead unit, kind and keyword; apps above the ledger add
theirs through `duban.ledger.extensions` (progress adds the month, 状态 and 预警).
"""

import datetime as dt

from django import forms
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from duban.core.forms import NamedModelChoiceField, YearField, quick_widgets
from duban.ledger import extensions as ext
from duban.ledger.models import Category, KeyTask
from duban.org import cache
from duban.org.models import Office, Unit
from duban.org.scope import offices_in_scope, scope_key


def kept(name, queryset, read, key=None):
    """`read(queryset)`, kept per process under the org version (`org/cache.py`; the
    version changes with writes to the ledger's tables and units too: ledger/apps.py) for
    this very query: its SQL and parameters, or `key` — what alone decides the query,
    given the org version (the person asking, the year, the choices), which the filter
    knows without compiling SQL (a sixth of the ledger page's time went into compiling
    queries for their keys). The same query under the same version reads the same rows,
    so what one person's scope reads never answers another's. Treat what it returns as
    read-only: the next request gets the same objects."""
    if key is None:
        try:
            key = queryset.query.sql_with_params()
        except EmptyResultSet:
            return read(queryset)
    return cache.cached((name, *key), lambda: read(queryset))


class LedgerFilterForm(forms.Form):
    year = YearField(label=_("年度"), required=False)
    office = NamedModelChoiceField(
        label=_("街道"), queryset=Office.objects.none(), required=False, empty_label=_("全部街道")
    )
    category = NamedModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False, empty_label=_("全部类别")
    )
    # a district offers hundreds: options written from (id, name) rows
    lead_unit = NamedModelChoiceField(
        label=_("牵头单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位")
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *KeyTask.Kind.choices]
    )
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("编号、事项名称或工作目标"), "type": "search"}
        ),
    )


class LedgerFilter:
    def __init__(self, data, user):
        self.user = user
        self.visible = KeyTask.objects.visible_to(user)
        # what decides which tasks, offices and units `user` sees (KeyTask.visible_to has
        # no rule of its own for a person: people of one scope share the kept lists)
        self.person = scope_key(user)

        # The year comes first: the other choices depend on it.
        try:
            year = LedgerFilterForm.base_fields["year"].clean(data.get("year"))
        except forms.ValidationError:
            year = None
        self.year = year or (self.years[0] if self.years else dt.date.today().year)
        data = data.copy()
        data["year"] = str(self.year)

        self.form = form = LedgerFilterForm(data)
        self.extensions = ext.extensions()
        keyword = form.fields.pop("q")
        for extension in self.extensions:
            form.fields.update(extension.filter_fields(self.year))
        form.fields["q"] = keyword
        form.fields["year"].widget = forms.Select(choices=self._year_choices)

        # the lists on offer are kept under the org version (`kept`), read when shown; a
        # chosen value is still looked up by the field's queryset
        form.fields["office"].queryset = offices_in_scope(user)
        offices = kept("ledger.offices", form.fields["office"].queryset, list, self.person)
        self.several_offices = len(offices) > 1
        if self.several_offices:
            form.fields["office"].rows = lambda: [(office.pk, office.name) for office in offices]
        else:
            del form.fields["office"]
        form.fields["category"].queryset = Category.objects.seen_from(offices, self.year)
        form.fields["category"].rows = lambda: [(c.pk, c.name) for c in self.categories]
        # Lead units on offer are those of the visible tasks, never a unit one cannot see.
        lead_units = form.fields["lead_unit"]
        lead_units.queryset = Unit.objects.filter(
            pk__in=self.visible.filter(year=self.year).values("lead_unit_id")
        ).only("pk", "name")
        lead_units.rows = lambda: kept(
            "ledger.lead_units",
            lead_units.queryset,
            lambda queryset: list(queryset.values_list("pk", "name")),
            (*self.person, self.year),
        )
        quick_widgets(form)
        # A value that is not a valid choice (another year's category...) is ignored.
        form.is_valid()
        cleaned = form.cleaned_data
        self.office = cleaned.get("office")
        self.category = cleaned.get("category")
        self.lead_unit = cleaned.get("lead_unit")
        self.keyword = (cleaned.get("q") or "").strip()
        self.kind = cleaned.get("kind") or ""

        self.in_year = self.visible.filter(year=self.year)
        if self.office is not None:
            self.in_year = self.in_year.filter(office=self.office)

        for extension in self.extensions:
            extension.setup(self, cleaned)

    @cached_property
    def tally(self):
        """[(year, office id, category id, number of visible tasks)]: the year select, the
        category chips and the page count of an unfiltered year from one grouped query
        (a few hundred rows for a district), not three scans of the office's tasks. Read
        only when needed: the JSON of a given year shows none of them."""
        return kept(
            "ledger.tally",
            self.visible.order_by().values_list("year", "office_id", "category_id"),
            lambda tasks: list(tasks.annotate(n=Count("id"))),
            self.person,
        )

    @cached_property
    def categories(self):
        """The categories of the year the filter offers (and the chips count)."""
        return kept(
            "ledger.categories",
            self.form.fields["category"].queryset,
            list,
            (*self.person, self.year),
        )

    @cached_property
    def years(self):
        """The years with a visible task, newest first."""
        return sorted({year for year, _office, _category, _n in self.tally}, reverse=True)

    def _year_choices(self):
        years = sorted({*self.years, dt.date.today().year, self.year}, reverse=True)
        return [(y, f"{y}年") for y in years]

    @property
    def queryset(self):
        tasks = self.in_year
        if self.category is not None:
            tasks = tasks.filter(category=self.category)
        if self.lead_unit is not None:
            tasks = tasks.filter(lead_unit=self.lead_unit)
        if self.kind:
            tasks = tasks.filter(kind=self.kind)
        for extension in self.extensions:
            tasks = extension.filter(self, tasks)
        if self.keyword:
            tasks = tasks.filter(
                Q(code__icontains=self.keyword)
                | Q(title__icontains=self.keyword)
                | Q(goal__icontains=self.keyword)
            )
        return tasks

    @property
    def own_rows(self):
        """True when only the ledger's own tables decide which tasks the filter keeps (no
        extension narrows them, as progress does by a month's 状态 or 预警) and no keyword
        is typed (a search is asked once: not worth keeping): the rows and their order in
        the ledger's own columns may then be kept under the org version (`kept`)."""
        tasks = self.in_year
        return not self.keyword and all(
            extension.filter(self, tasks) is tasks for extension in self.extensions
        )

    def choices(self):
        """What decides `queryset` besides the person, when `own_rows` is true."""
        return tuple(
            getattr(choice, "pk", choice)
            for choice in (self.year, self.office, self.category, self.lead_unit, self.kind)
        )

    def count(self):
        """The number of rows of `queryset`: from the tally when nothing but the year and
        the street filters it (`queryset` is then `in_year` itself)."""
        tasks = self.queryset
        if tasks is self.in_year:
            return sum(self._in_year_counts().values())
        return tasks.count()

    def _in_year_counts(self):
        """{category id: number of visible tasks} of the year (and street) chosen."""
        office = self.office.pk if self.office is not None else None
        counts = {}
        for year, office_id, category_id, n in self.tally:
            if year == self.year and office in (None, office_id):
                counts[category_id] = counts.get(category_id, 0) + n
        return counts

    def columns(self):
        return [column for extension in self.extensions for column in extension.columns(self)]

    def notes(self):
        return [text for extension in self.extensions if (text := extension.note(self))]

    def legends(self):
        return [name for extension in self.extensions for name in extension.legends(self)]

    def category_counts(self):
        """[(category or None, count)] for the selected year (and office), counted in one
        query; the year's categories with no task show 0, tasks with no category come last."""
        counts = self._in_year_counts()
        rows = [(category, counts.pop(category.pk, 0)) for category in self.categories]
        uncategorised = counts.pop(None, 0)
        if uncategorised:
            rows.append((None, uncategorised))
        return rows
