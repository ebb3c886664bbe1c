"""变更记录: a task's audit trail as people read it.

Merges the historical rows of the task, of its milestones and of its 协同单位
(the m2m snapshots simple-history keeps per task row), newest first. Each
change names the field by its verbose name and the related objects by their
names. The query count does not grow with the number of rows: each history
table is read once and names are looked up in bulk.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.ledger.models import KeyTask, Milestone
from duban.org import roles as R
from duban.org.models import Unit

# history_type -> (CSS-friendly code, what the page says)
TYPES = {
    "+": ("created", gettext_lazy("新增")),
    "~": ("changed", gettext_lazy("修改")),
    "-": ("deleted", gettext_lazy("删除")),
}
EMPTY = gettext_lazy("（空）")


@dataclass
class Entry:
    when: dt.datetime
    who: str
    channel: str
    batch: str
    action: str
    type: str
    subject: str
    changes: list = field(default_factory=list)  # [(label, before, after)]


def _who(record):
    user = record.history_user
    if user is None:
        return _("系统")
    return R.display_name(user)


def _entry(record, subject, changes=()):
    return Entry(
        when=record.history_date,
        who=_who(record),
        channel=record.get_channel_display(),
        batch=(record.batch_id or "")[:8],
        action=TYPES[record.history_type][0],
        type=str(TYPES[record.history_type][1]),
        subject=subject,
        changes=list(changes),
    )


def _pairs(records):
    """(record, previous record of the same object) in time order."""
    previous = {}
    for record in records:
        yield record, previous.get(record.id)
        previous[record.id] = record


class _Names:
    """Collects the ids of related objects, then names them with one query per model."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.names = {}

    def want(self, model, pk):
        if pk is not None:
            self.wanted[model].add(pk)

    def load(self):
        for model, pks in self.wanted.items():
            if pks:
                self.names[model] = dict(model.objects.filter(pk__in=pks).values_list("pk", "name"))

    def name(self, model, pk):
        if pk is None:
            return str(EMPTY)
        return self.names.get(model, {}).get(pk) or _("#%(pk)s（已删除）") % {"pk": pk}


def _plain(model_field, value):
    if value is None or value == "":
        return str(EMPTY)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def task_changes(task):
    """The task's 变更记录, newest first, as a list of `Entry`."""
    names = _Names()
    pending = []  # (entry, [(label, model or None, field, before, after)])

    task_records = list(
        task.history.select_related("history_user").order_by("history_date", "history_id")
    )
    partners = _partner_snapshots([r.history_id for r in task_records])
    for record, previous in _pairs(task_records):
        raw = []
        if record.history_type == "~" and previous is not None:
            delta = record.diff_against(previous, excluded_fields=["partner_units"])
            for change in delta.changes:
                raw.append((KeyTask._meta.get_field(change.field), change.old, change.new))
            before = partners.get(previous.history_id, ())
            after = partners.get(record.history_id, ())
            if before != after:
                raw.append((KeyTask._meta.get_field("partner_units"), before, after))
        if record.history_type == "~" and not raw:
            continue  # a save that changed nothing
        pending.append((_entry(record, _("事项")), raw))

    milestone_records = list(
        Milestone.history.filter(task_id=task.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for record, previous in _pairs(milestone_records):
        subject = _("节点 %(due)s %(description)s") % {
            "due": f"{record.due:%Y-%m-%d}",
            "description": record.description,
        }
        raw = []
        if record.history_type == "~" and previous is not None:
            delta = record.diff_against(previous, excluded_fields=["task"])
            raw = [(Milestone._meta.get_field(c.field), c.old, c.new) for c in delta.changes]
            if not raw:
                continue
        pending.append((_entry(record, subject), raw))

    for _unused, raw in pending:
        for model_field, before, after in raw:
            for value in (before, after):
                if model_field.many_to_many:
                    for pk in value:
                        names.want(Unit, pk)
                elif model_field.is_relation:
                    names.want(model_field.related_model, value)
    names.load()

    entries = []
    for entry, raw in pending:
        for model_field, before, after in raw:
            if model_field.many_to_many:
                shown = [
                    "、".join(sorted(names.name(Unit, pk) for pk in v)) or str(EMPTY)
                    for v in (before, after)
                ]
            elif model_field.is_relation:
                shown = [names.name(model_field.related_model, v) for v in (before, after)]
            else:
                shown = [_plain(model_field, v) for v in (before, after)]
            entry.changes.append((str(model_field.verbose_name), *shown))
        entries.append(entry)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def _partner_snapshots(history_ids):
    """{task history_id: tuple of 协同单位 ids} from simple-history's m2m table."""
    through = apps.get_model("ledger", "HistoricalKeyTask_partner_units")
    snapshots = {}
    rows = through.objects.filter(history_id__in=history_ids).values_list("history_id", "unit_id")
    for history_id, unit_id in rows.order_by("unit_id"):
        snapshots.setdefault(history_id, []).append(unit_id)
    return {k: tuple(v) for k, v in snapshots.items()}
