import datetime as dt
import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from duban.core.forms import DateInput, IdsChoiceField, YearField
from duban.core.http import id_param
from duban.core.importflow import check_upload
from duban.core.periods import PeriodError, parse_year
from duban.core.workdays import Calendar
from duban.ledger.models import AssignmentSource, Category, KeyTask, Milestone
from duban.org.forms import OfficeChoiceMixin
from duban.org.models import Office, Unit
from duban.org.scope import default_office, offices_in_scope


def next_assigned_code(office, year):
    """The next free 交办事项 code of the year: JB-2022-001, JB-2022-002, ..."""
    prefix = f"JB-{year}-"
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    codes = KeyTask.objects.filter(office=office, year=year, code__startswith=prefix).values_list(
        "code", flat=True
    )
    numbers = [int(m.group(1)) for m in map(pattern.match, codes) if m]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return unit.name if self.plain else f"{unit.name}（{unit.office.name}）"


class UnitMultipleChoiceField(IdsChoiceField):
    def label_from_instance(self, unit):
        return unit.name if self.plain else f"{unit.name}（{unit.office.name}）"


class KeyTaskForm(forms.ModelForm):
    """A 年度重点工作. The office is the supervisor's own, or chosen within a district."""

    kind = KeyTask.Kind.ANNUAL

    # Not a model field of the form: the office is set in clean(), and the
    # (office, year, code) rule is checked in validate_unique() with a Chinese message.
    office = forms.ModelChoiceField(label=_("所属街道"), queryset=Office.objects.none())
    year = YearField(label=_("年度"))
    # The office's categories of the year (its own and its district's); a year without
    # any offers the names its first task will bring (the previous year's list, else the
    # five defaults), posted by name: showing the form writes nothing, saving creates them.
    category = forms.ChoiceField(
        label=_("类别"),
        error_messages={"invalid_choice": _("该类别不属于所选年度，请重新选择类别")},
    )

    field_order = ["year", "code", "category", "title"]

    class Meta:
        model = KeyTask
        fields = [
            "year",
            "code",
            "title",
            "goal",
            "target_value",
            "target_unit",
            "lead_unit",
            "partner_units",
            "leader",
            "deadline",
        ]
        field_classes = {"lead_unit": UnitChoiceField, "partner_units": UnitMultipleChoiceField}
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 3}),
            "partner_units": forms.CheckboxSelectMultiple,
            "deadline": DateInput,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        task = self.instance
        offices = offices_in_scope(user)
        if task.office_id is None:
            task.office = default_office(user)
        if offices.count() > 1:
            self.fields["office"].queryset = offices
            self.initial.setdefault("office", task.office)
            self.order_fields(["office"])
            lineage = {pk for office in offices for pk in office.lineage_ids()}
        else:
            del self.fields["office"]
            lineage = set(task.office.lineage_ids())

        year = self.selected_year()
        if self.initial.get("year") is None:
            self.initial["year"] = year
        self.fields["year"].help_text = _("更改年度后请重新选择类别")
        office = self.selected_office()
        self.categories = {
            str(c.pk): c for c in Category.objects.usable_by(office, year).order_by("order", "id")
        }
        if task.category_id:  # kept on offer for the task that already has it
            self.categories.setdefault(str(task.category_id), task.category)
            self.initial.setdefault("category", str(task.category_id))
        self.new_category_names = (
            [] if self.categories else Category.objects.inherited_names(office, year)
        )
        self.fields["category"].choices = (
            [("", _("请选择类别"))]
            + [(key, c.name) for key, c in self.categories.items()]
            + [(name, name) for name in self.new_category_names]
        )

        # Active units of the office and the offices above it; a unit made inactive
        # since stays on offer for the tasks that already name it.
        keep = Q(pk=task.lead_unit_id) if task.lead_unit_id else Q(pk__in=[])
        if task.pk:
            keep |= Q(pk__in=task.partner_units.values("pk"))
        units = Unit.objects.filter(Q(office_id__in=lineage, active=True) | keep).select_related(
            "office"
        )
        plain = len(lineage) == 1
        for name in ("lead_unit", "partner_units"):
            self.fields[name].queryset = units
            self.fields[name].plain = plain
        self.fields["lead_unit"].empty_label = _("请选择牵头单位")

    def selected_year(self):
        """The year whose categories are offered: the one posted, else the task's."""
        if self.is_bound:
            try:
                return parse_year(self.data.get(self.add_prefix("year"), ""))
            except PeriodError:
                pass
        return self.instance.year or self.initial.get("year") or dt.date.today().year

    def selected_office(self):
        """The office whose categories are offered: the one posted, else the task's."""
        if self.is_bound and "office" in self.fields:
            chosen = id_param(self.data.get(self.add_prefix("office")))
            if chosen is not None:
                office = self.fields["office"].queryset.filter(pk=chosen).first()
                if office is not None:
                    return office
        return self.instance.office

    def clean_category(self):
        """The chosen Category, or the name of one the year's list will bring, or None."""
        value = self.cleaned_data.get("category") or ""
        if not value:
            return None
        return self.categories.get(value) or value

    def save(self, commit=True):
        """The task; a category chosen by name (the first task of the office's year)
        creates the year's list for the office first. Called inside the view's
        transaction."""
        task = super().save(commit=False)
        category = self.cleaned_data.get("category")
        if isinstance(category, str):
            usable = Category.objects.ensure_for(task.office, task.year)
            category = usable.filter(name=category).first()
        task.category = category
        if commit:
            task.save()
            self.save_m2m()
        return task

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("office") is not None:
            self.instance.office = cleaned["office"]
        office = self.instance.office
        lineage = set(office.lineage_ids())
        lead_unit = cleaned.get("lead_unit")
        if lead_unit is not None and lead_unit.office_id not in lineage:
            self.add_error("lead_unit", _t("牵头单位不属于所选街道"))
        outside = [u.name for u in cleaned.get("partner_units") or [] if u.office_id not in lineage]
        if outside:
            self.add_error(
                "partner_units",
                _t("以下协同单位不属于所选街道：%(names)s") % {"names": "、".join(outside)},
            )
        if lead_unit is not None and lead_unit in (cleaned.get("partner_units") or []):
            self.add_error("partner_units", _t("牵头单位不必再列为协同单位"))
        return cleaned

    def validate_unique(self):
        # The (office, year, code) constraint, said in the office's words.
        task = self.instance
        if not (task.office_id and task.year and task.code):
            return
        taken = (
            KeyTask.objects.filter(office_id=task.office_id, year=task.year, code=task.code)
            .exclude(pk=task.pk)
            .exists()
        )
        if taken:
            self.add_error(
                "code",
                _t("%(office)s %(year)s年度已有编号为“%(code)s”的事项，请换一个编号")
                % {"office": task.office.name, "year": task.year, "code": task.code},
            )


class AssignedItemForm(KeyTaskForm):
    """A 交办事项: an ad-hoc item with a source; its deadline defaults to the source's
    working days after the day it was assigned, on the office's working-day calendar."""

    kind = KeyTask.Kind.ASSIGNED
    field_order = ["year", "code", "source", "assigned_on", "source_note", "category", "title"]

    class Meta(KeyTaskForm.Meta):
        fields = [
            "year",
            "code",
            "source",
            "assigned_on",
            "source_note",
            "title",
            "goal",
            "target_value",
            "target_unit",
            "lead_unit",
            "partner_units",
            "leader",
            "deadline",
        ]
        widgets = {**KeyTaskForm.Meta.widgets, "assigned_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].required = True
        self.fields["source"].queryset = AssignmentSource.objects.all()
        self.fields["source"].empty_label = _("请选择来源")
        self.fields["source"].help_text = ""
        self.fields["assigned_on"].required = True
        if self.initial.get("assigned_on") is None:
            self.initial["assigned_on"] = dt.date.today()
        self.fields["code"].required = False
        self.fields["code"].help_text = _("留空则自动编号：JB-年度-序号")
        self.fields["category"].required = False
        self.fields["deadline"].help_text = _("留空则按来源的默认办理时限（工作日）自动计算")

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        if not cleaned.get("code") and year and "code" not in self.errors:
            cleaned["code"] = next_assigned_code(self.instance.office, year)
        source, assigned_on = cleaned.get("source"), cleaned.get("assigned_on")
        if not cleaned.get("deadline") and source and assigned_on and "deadline" not in self.errors:
            calendar = Calendar.load()
            cleaned["deadline"] = calendar.add_workdays(assigned_on, source.default_workdays)
            # said beside 已新增 when the year's calendar rests on a fallback
            self.calendar_warnings = calendar.warnings()
        deadline = cleaned.get("deadline")
        if deadline and assigned_on and deadline < assigned_on:
            self.add_error("deadline", _t("完成时限不能早于交办日期"))
        return cleaned


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["due", "description"]
        widgets = {
            "due": DateInput,
            "description": forms.TextInput(attrs={"placeholder": _("如：完成方案设计")}),
        }


MilestoneFormSet = forms.inlineformset_factory(
    KeyTask, Milestone, form=MilestoneForm, extra=1, can_delete=True
)


def save_milestones(formset, task):
    """Saves the rows as shown, numbered in order; unchanged rows are not rewritten,
    so the 变更记录 shows only real changes."""
    position = 0
    for form in formset.forms:
        milestone = form.instance
        if form in formset.deleted_forms:
            if milestone.pk:
                milestone.delete()
            continue
        if not milestone.pk and not form.has_changed():
            continue
        position += 1
        if milestone.pk is None or form.has_changed() or milestone.order != position:
            milestone.task = task
            milestone.order = position
            milestone.save()


class ImportUploadForm(OfficeChoiceMixin, forms.Form):
    file = forms.FileField(
        label=_("台账文件"),
        help_text=_("Excel 或 CSV 文件，可先下载导入模板"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    year = YearField(label=_("年度"))
    office = forms.ModelChoiceField(label=_("所属街道"), queryset=Office.objects.none())
    create_missing = forms.BooleanField(
        label=_("自动创建缺失的单位和类别"),
        required=False,
        help_text=_("不勾选时，表中出现系统里没有的单位或类别会报错"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", dt.date.today().year)
        self.choose_office(user)

    def clean_file(self):
        return check_upload(self.cleaned_data["file"])
