"""设置 pages of 督查管理员 for the resident-request loop: 诉求类别 (大类 › 小类, 需审单, a
category's own time limit), 诉求设置 (time limits, 退单时限, the weight of 基本满意) and the
import's 表头别名. Shared by every office of the deployment, like the rules
(`shared_settings_access`); they used to live only in the Django admin."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render

from duban.core.tabular import normalize_header
from duban.org.scope import SHARED_SETTINGS, shared_settings_access
from duban.tickets.importer import BUILT_IN
from duban.tickets.models import HeaderAlias, TicketCategory, TicketSettings

MAX_WORKDAYS = 250  # about a working year


def _read_only(forms_):
    for form in forms_:
        for field in form.fields.values():
            field.disabled = True


def _render(request, template, context, may_change):
    return render(
        request, template, {**context, "may_change": may_change, "shared": SHARED_SETTINGS}
    )


def _workdays(value, label):
    if value is not None and not 1 <= value <= MAX_WORKDAYS:
        raise forms.ValidationError(f"{label}应在 1 至 {MAX_WORKDAYS} 个工作日之间")
    return value


# ----- 诉求类别 -----


class CategoryForm(forms.ModelForm):
    class Meta:
        model = TicketCategory
        fields = ["name", "parent", "needs_review", "normal_workdays", "active", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "请填写类别名称"
        self.fields["parent"].empty_label = "（大类）"
        self.fields["parent"].queryset = TicketCategory.objects.select_related("parent")
        self.fields["parent"].error_messages["invalid_choice"] = "上级类别不存在，请重新选择"
        self.fields["order"].required = False
        self.fields["normal_workdays"].help_text = ""

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_normal_workdays(self):
        return _workdays(self.cleaned_data.get("normal_workdays"), "办理时限")

    def clean_order(self):
        return self.cleaned_data.get("order") or 0

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None or self.instance.pk is None:
            return parent
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if node.pk == self.instance.pk:
                raise forms.ValidationError("上级类别不能是它自己或它的下级")
            seen.add(node.pk)
            node = node.parent
        return parent

    def validate_unique(self):
        """(上级, 名称) is unique; the database does not hold 大类 (no 上级) to it."""
        super().validate_unique()
        name, parent = self.cleaned_data.get("name"), self.cleaned_data.get("parent")
        if not name or "name" in self.errors:
            return
        clash = TicketCategory.objects.filter(name=name, parent=parent)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            where = f"“{parent.full_name}”下" if parent else "大类中"
            self._update_errors(forms.ValidationError({"name": f"{where}已有同名类别“{name}”"}))


class BaseCategoryFormSet(forms.BaseModelFormSet):
    def validate_unique(self):
        """Two rows of one post naming the same category, said in Chinese on the row
        (each row is checked against the database by its form)."""
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data.get("name"):
                continue
            key = (data.get("parent"), data["name"])
            if key in seen:
                form.add_error("name", "同一上级下的类别名称填写了两次")
            seen.add(key)


CategoryFormSet = forms.modelformset_factory(
    TicketCategory, form=CategoryForm, formset=BaseCategoryFormSet, extra=1
)


def _tree_order(categories):
    """大类 each followed by its 小类, so the table reads like the tree."""
    children = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered, seen = [], set()

    def walk(parent_id):
        for category in children.get(parent_id, []):
            if category.pk not in seen:
                seen.add(category.pk)
                ordered.append(category.pk)
                walk(category.pk)

    walk(None)
    ordered += [c.pk for c in categories if c.pk not in seen]
    return ordered


@login_required
def categories(request):
    """诉求类别: renamed, moved, re-timed, switched off or added — never deleted, since
    requests keep pointing at them."""
    may_change = shared_settings_access(request)
    rows = list(TicketCategory.objects.select_related("parent"))
    order = _tree_order(rows)
    by_pk = {c.pk: c for c in rows}
    queryset = TicketCategory.objects.filter(pk__in=order)
    formset = CategoryFormSet(request.POST or None, queryset=queryset)
    # the formset's own order is the queryset's; show the tree's
    formset.forms.sort(
        key=lambda f: order.index(f.instance.pk) if f.instance.pk in by_pk else len(order)
    )
    for form in formset:
        form.depth = _depth(by_pk, form.instance.pk) if form.instance.pk in by_pk else 0
    if not may_change:
        formset.extra = 0
        _read_only(formset)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            formset.save()
        messages.success(request, "诉求类别已保存")
        return redirect("tickets_settings:categories")
    return _render(
        request,
        "tickets/settings_categories.html",
        {"formset": formset},
        may_change,
    )


def _depth(by_pk, pk):
    depth, node, seen = 0, by_pk[pk], set()
    while node.parent_id and node.parent_id in by_pk and node.pk not in seen:
        seen.add(node.pk)
        depth += 1
        node = by_pk[node.parent_id]
    return depth


# ----- 诉求设置 -----


class TicketSettingsForm(forms.ModelForm):
    class Meta:
        model = TicketSettings
        fields = [
            "normal_workdays",
            "urgent_workdays",
            "critical_hours",
            "return_limit_workdays",
            "basic_weight",
        ]

    def clean_normal_workdays(self):
        return _workdays(self.cleaned_data["normal_workdays"], "一般诉求办理时限")

    def clean_urgent_workdays(self):
        return _workdays(self.cleaned_data["urgent_workdays"], "紧急诉求办理时限")

    def clean_critical_hours(self):
        hours = self.cleaned_data["critical_hours"]
        if not 1 <= hours <= 72:
            raise forms.ValidationError("特急诉求办理时限应在 1 至 72 小时之间")
        return hours

    def clean_return_limit_workdays(self):
        return _workdays(self.cleaned_data["return_limit_workdays"], "退单时限")

    def clean_basic_weight(self):
        weight = self.cleaned_data["basic_weight"]
        if not 0 <= weight <= 1:
            raise forms.ValidationError("“基本满意”的权重应在 0 至 1 之间")
        return weight

    def clean(self):
        cleaned = super().clean()
        normal, urgent = cleaned.get("normal_workdays"), cleaned.get("urgent_workdays")
        if normal and urgent and urgent > normal:
            self.add_error("urgent_workdays", "紧急诉求的办理时限不能长于一般诉求")
        return cleaned


class AliasForm(forms.ModelForm):
    class Meta:
        model = HeaderAlias
        fields = ["alias", "column"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alias"].error_messages["required"] = "请填写表头别名"
        self.fields["alias"].error_messages["unique"] = "已有这个表头别名"
        self.fields["column"].error_messages["required"] = "请选择对应列"
        self.fields["column"].error_messages["invalid_choice"] = "请选择对应列"
        self.fields["column"].choices = [("", "请选择对应列"), *self.fields["column"].choices[1:]]

    def clean_alias(self):
        alias = self.cleaned_data["alias"].strip()
        key = normalize_header(alias)
        for column in BUILT_IN:
            if key in {normalize_header(h) for h in (column.header, *column.aliases)}:
                raise forms.ValidationError(
                    f"“{alias}”已是“{column.header}”列认得的表头，无需再加别名"
                )
        return alias


class BaseAliasFormSet(forms.BaseModelFormSet):
    def validate_unique(self):
        """Two rows of one post with the same alias, said in Chinese on the row."""
        seen = set()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            alias = (getattr(form, "cleaned_data", None) or {}).get("alias")
            if alias:
                key = normalize_header(alias)
                if key in seen:
                    form.add_error("alias", "同一表头别名填写了两次")
                seen.add(key)


AliasFormSet = forms.modelformset_factory(
    HeaderAlias, form=AliasForm, formset=BaseAliasFormSet, extra=1, can_delete=True
)


@login_required
def ticket_settings(request):
    """诉求设置 and the import's 表头别名, saved together."""
    may_change = shared_settings_access(request)
    data = request.POST or None
    form = TicketSettingsForm(data, instance=TicketSettings.load(), prefix="rules")
    aliases = AliasFormSet(data, queryset=HeaderAlias.objects.all(), prefix="alias")
    for alias_form in aliases:
        if "DELETE" in alias_form.fields:
            alias_form.fields["DELETE"].widget.attrs["aria-label"] = "删除"
    if not may_change:
        aliases.extra = 0
        _read_only([form, *aliases])
    if request.method == "POST" and form.is_valid() and aliases.is_valid():
        with transaction.atomic():
            form.save()
            aliases.save()
        messages.success(request, "诉求设置已保存")
        return redirect("tickets_settings:settings")
    return _render(
        request,
        "tickets/settings_rules.html",
        {
            "form": form,
            "aliases": aliases,
            "built_in": [(c.header, "、".join(c.aliases)) for c in BUILT_IN],
        },
        may_change,
    )
