"""Optimistic locking for pages where two people may edit one thing (issue 14): the form
carries the row's version as it was loaded (a hidden field `lock`); the save, inside its
transaction, locks the row (select_for_update; SQLite's IMMEDIATE transactions serialize
writers anyway) and compares. A mismatch raises `EditConflict` and saves nothing; the page
shows the form again with what this person typed, the other person's saved values beside
it, and the new version in the hidden field — so saving once more is a deliberate choice.

The version is any field that every save changes: `updated_at` (auto_now) for key tasks and
submissions, an integer `version` for notices. A form posted without the field (an old page,
a script) is not checked.
"""

import datetime
import decimal

from django import forms
from django.db import models

FIELD = "lock"
MESSAGE = (
    "保存未成功：在您编辑期间，{who}已修改了{what}。您填写的内容仍保留在下面，"
    "下表列出与对方保存的内容不同的项目；请核对后再次保存（再次保存将以您填写的为准）。"
)


class EditConflict(Exception):
    """Someone saved the row since the form was loaded; `current` is the row as it is now."""

    def __init__(self, current, message="该内容已被他人修改，请核对后再保存"):
        super().__init__(message)
        self.current = current


def token(instance, field="updated_at"):
    """The version of `instance` as the form carries it ("" for a row not yet saved)."""
    if instance is None or instance.pk is None:
        return ""
    value = getattr(instance, field)
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def posted(data, prefix=""):
    """The version a form was loaded with, None when the form carries none."""
    return data.get(f"{prefix}-{FIELD}" if prefix else FIELD)


def check(queryset, pk, expected, field="updated_at"):
    """Inside the saving transaction: the row locked and compared with `expected`.
    Returns the locked row (None when it does not exist); raises EditConflict."""
    # no ordering: a default ordering across a join cannot be locked on PostgreSQL
    current = queryset.order_by().select_for_update().filter(pk=pk).first() if pk else None
    if expected is not None and token(current, field) != expected:
        raise EditConflict(current)
    return current


def show(value):
    """A value as the conflict table shows it."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | models.QuerySet | models.Manager):
        items = value.all() if isinstance(value, models.Manager) else value
        return "、".join(str(v) for v in items) or "（空）"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def who_changed(current):
    """“张三（06-01 10:20）” from the row's latest historical record, else “他人”."""
    history = getattr(current, "history", None)
    latest = (
        history.order_by("-history_date").select_related("history_user").first()
        if history
        else None
    )
    if latest is None or latest.history_user is None:
        return "他人"
    user = latest.history_user
    name = user.get_full_name() or user.get_username()
    from django.utils import timezone

    return f"{name}（{timezone.localtime(latest.history_date):%m-%d %H:%M}）"


def differences(form, current, names=None):
    """[(label, saved by the other person, typed here)] for the fields of a valid `form`
    whose typed value differs from `current`'s."""
    rows = []
    if current is None:
        return rows
    for name in names or form.fields:
        field = form.fields[name]
        if name == FIELD or name not in form.cleaned_data or isinstance(field, forms.FileField):
            continue  # an upload is added, never overwritten
        saved = getattr(current, name, None)
        if isinstance(saved, models.Manager):
            saved = list(saved.all())
        typed = form.cleaned_data[name]
        if isinstance(typed, models.QuerySet):
            typed = list(typed)
        if _same(saved, typed):
            continue
        typed_label = _choice_label(current, name, typed)
        if typed_label == typed and getattr(field, "choices", None) and not isinstance(typed, list):
            typed_label = dict(field.choices).get(typed, typed)  # a choice posted by key
        rows.append(
            (str(field.label or name), show(_choice_label(current, name, saved)), show(typed_label))
        )
    return rows


def _same(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return {getattr(x, "pk", x) for x in a} == {getattr(x, "pk", x) for x in b}
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, models.Model) and isinstance(b, models.Model):
        return a.pk == b.pk
    if isinstance(a, models.Model) or isinstance(b, models.Model):  # a choice posted by name
        return str(a) == str(b) or str(getattr(a, "pk", a)) == str(getattr(b, "pk", b))
    if isinstance(a, decimal.Decimal) or isinstance(b, decimal.Decimal):
        try:
            return decimal.Decimal(str(a)) == decimal.Decimal(str(b))
        except (decimal.InvalidOperation, TypeError):
            return False
    return a == b


def _choice_label(instance, name, value):
    try:
        field = instance._meta.get_field(name)
    except Exception:  # a form field that is no model field
        return value
    if getattr(field, "choices", None) and not isinstance(value, list):
        return dict(field.flatchoices).get(value, value)
    return value
