"""Form fields shared by every app's forms."""

import copy
import html

from django import forms
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from duban.core.http import id_param
from duban.core.periods import MAX_YEAR, MIN_YEAR, PeriodError, parse_year


class DateInput(forms.DateInput):
    """A browser's date picker: its value must be ISO (2022-07-31) whatever the locale's
    date format, or the browser shows the field empty (a form's initial date, a saved
    deadline)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class YearField(forms.IntegerField):
    """A year through the one parser (`periods.parse_year`): four ASCII digits from
    MIN_YEAR to MAX_YEAR; "²", "２０２２" or twenty digits are a Chinese form error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            value = str(value)
        try:
            return parse_year(value)
        except PeriodError as error:
            raise forms.ValidationError(str(error), code="invalid")


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Several records chosen by a whole-number id (checkboxes, a multiple select), each
    posted id read by `core.http.id_param` before Django looks them up: a word or a
    number past any id is the field's own "not a valid value" error, not a query
    (SQLite cannot bind an int past 64 bits: Django's `pk__in` lookup would be a 500)."""

    def _check_values(self, value):
        meta = self.queryset.model._meta
        key = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        if isinstance(key, models.IntegerField):
            for pk in value:
                if id_param(pk) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


def text_html(value):
    """`conditional_escape` without its lazy-string wrapper, for code that writes many
    small pieces of HTML (hundreds of options, fifty table rows): the same result."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs):
    """Django's widgets/attrs.html in Python: in order, True as a bare name, False left out."""
    return mark_safe(  # noqa: S308 - every part went through format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class QuickSelect(forms.Select):
    """A <select> written in Python, the same HTML as Django's widget templates give,
    without rendering two templates (and building a dict) per option: a filter offering
    hundreds of units otherwise spends most of a list page's time on its options.

    A model choice field's options come from its queryset as evaluated once, so a page
    that also lists those rows (the ledger's category counts) reads them once."""

    def render(self, name, value, attrs=None, renderer=None):
        if self.allow_multiple_selected or self.option_inherits_attrs:
            return self._render_grouped(name, value, attrs)
        values = self.format_value(value)
        parts = [
            format_html('<select name="{}"{}>', name, _attrs(self.build_attrs(self.attrs, attrs)))
        ]
        has_selected = False
        for option_value, label in self._options():
            if isinstance(label, list | tuple):
                return self._render_grouped(name, value, attrs)
            option_value = "" if option_value is None else str(option_value)
            # as ChoiceWidget.optgroups: only the first option with the value is selected
            selected = not has_selected and option_value in values
            has_selected |= selected
            parts.append(
                f'<option value="{text_html(option_value)}"'
                f"{' selected' if selected else ''}>{text_html(label)}</option>"
            )
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped

    def _options(self):
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            yield from choices
            return
        field = choices.field
        if field.empty_label is not None:
            yield "", field.empty_label
        rows = getattr(field, "option_rows", None)
        if rows is not None and field.queryset._result_cache is None:
            yield from rows()  # (value, label) rows: no model instance per option
            return
        for obj in choices.queryset:  # evaluated (and kept) on the queryset, not .iterator()
            yield choices.choice(obj)

    def _render_grouped(self, name, value, attrs):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        str(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part went through format_html


class NamedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are labelled by one column (`label_field`): a
    QuickSelect writes them from (value, label) rows of the queryset, without building a
    model instance per option (a district's ledger offers three hundred lead units).
    Validation and the chosen object are a ModelChoiceField's."""

    label_field = "name"
    #: a function giving the (value, label) rows when the caller keeps them (under a data
    #: version: the ledger's filter), else they are read from the queryset
    rows = None

    def label_from_instance(self, obj):
        return str(getattr(obj, self.label_field))

    def option_rows(self):
        if self.rows is not None:
            return self.rows()
        return self.queryset.values_list(self.to_field_name or "pk", self.label_field)


class QuickInputMixin:
    """An <input> written in Python (Django's input.html, without the template)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', str(shown)) if shown is not None else "",
            _attrs(widget["attrs"]),
        )


class QuickTextarea(forms.Textarea):
    """A <textarea> written in Python (Django's textarea.html, without the template)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            widget["name"],
            _attrs(widget["attrs"]),
            widget["value"] or "",
        )


class QuickTextInput(QuickInputMixin, forms.TextInput):
    pass


class QuickNumberInput(QuickInputMixin, forms.NumberInput):
    pass


QUICK = {
    forms.Select: QuickSelect,
    forms.Textarea: QuickTextarea,
    forms.TextInput: QuickTextInput,
    forms.NumberInput: QuickNumberInput,
}


def quick_widgets(form):
    """Render `form`'s plain selects, text inputs and text areas in Python: the same
    HTML, without two or three templates per control. For pages with many controls
    (a filter offering hundreds of units, a sheet of fifty reports)."""
    for field in form.fields.values():
        quick = QUICK.get(type(field.widget))
        if quick is not None:
            widget = copy.copy(field.widget)
            widget.__class__ = quick
            field.widget = widget
    return form


class LightFields(dict):
    """A form class's `base_fields` whose copy for each form (Django deep-copies them in
    every form's __init__) copies what a form may change of a field — the field, its
    widget and the widget's attrs, error messages, validators — and shares the choices,
    which a form replaces (`field.choices = ...`) but never changes in place. Django's
    deep copy also copies every choice's lazy label: for a page of fifty forms (the batch
    sheet) that was most of the time spent building them.

        class SubmissionForm(forms.Form): ...
        SubmissionForm.base_fields = LightFields(SubmissionForm.base_fields)
    """

    def __deepcopy__(self, memo):
        fields = {}
        for name, field in self.items():
            copied = copy.copy(field)
            copied.widget = copy.copy(field.widget)
            copied.widget.attrs = field.widget.attrs.copy()
            copied.error_messages = field.error_messages.copy()
            copied.validators = field.validators[:]
            if getattr(field, "queryset", None) is not None:
                # a model choice's queryset keeps what it read: each form its own (.all())
                copied.queryset = field.queryset
            fields[name] = copied
        return fields
