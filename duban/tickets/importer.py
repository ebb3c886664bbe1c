"""Work orders exported from a 12345 platform (or kept in Excel), on the one tabular
import (`duban.core.tabular`).

The columns are the contract of issue 11:
工单编号 | 来源 | 受理时间 | 诉求类别 | 诉求内容 | 社区 | 诉求人 | 联系电话 | 承办单位 | 状态 |
办结时间 | 是否联系 | 是否解决 | 满意度
- 状态 in 待分派 / 办理中 / 已办结 / 已退单; 是否联系, 是否解决 in 是 / 否 / blank;
  满意度 in 满意 / 基本满意 / 不满意 / blank. A row is followed up when any of its last
  three cells is filled.
- Other headers an office's export uses (工单号, 来电时间, 处理单位, 办理状态 …) come
  from the built-in aliases and from 导入表头别名 in the admin.
- Rows are matched by (来源, 工单编号): a re-import of the same file changes nothing.
- A row 待分派 has no unit yet: its 承办单位 is not kept. A row 已退单 keeps the unit
  that returned it (so the statistics by unit count its returns).
- Unknown categories, communities and units are errors naming the closest names,
  unless `create_missing` asks to create them.
- A deadline is counted from 受理时间 by the urgency 一般 (诉求设置) on the one
  working-day calendar, as the export carries no dispatch time.
New rows are written with bulk inserts (tickets, their first transition, their
follow-up and their historical versions), in one transaction.
"""

import contextlib
import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from duban.core import audit
from duban.core.bulk import insert_select_sql, select_sql
from duban.core.dates import DateParseError, parse_datetime
from duban.core.periods import MAX_YEAR, MIN_YEAR
from duban.core.tabular import (
    LISTED,
    MB,
    Column,
    RowChange,
    RowError,
    TabularImport,
    cell_text,
    closest,
    db_reader,
)
from duban.core.workdays import Calendar
from duban.ledger.importer import guess_unit_kind
from duban.org.models import Office, Unit
from duban.tickets import flow, services, signals, summary
from duban.tickets.models import (
    FollowUp,
    HeaderAlias,
    Source,
    Ticket,
    TicketCategory,
    TicketSettings,
    Transition,
)

C = HeaderAlias.Column
BUILT_IN = [
    Column(C.NUMBER, "工单编号", required=True, aliases=("工单号", "编号", "诉求编号")),
    Column(C.SOURCE, "来源", required=True, aliases=("诉求来源", "工单来源", "来源渠道")),
    Column(C.RECEIVED_AT, "受理时间", required=True, aliases=("来电时间", "登记时间", "创建时间")),
    Column(C.CATEGORY, "诉求类别", aliases=("问题类别", "诉求分类", "问题分类")),
    Column(C.CONTENT, "诉求内容", required=True, aliases=("问题描述", "来电内容", "诉求描述")),
    Column(C.COMMUNITY, "社区", aliases=("所属社区", "社区(居民区)")),
    Column(C.REPORTER_NAME, "诉求人", aliases=("来电人", "联系人", "姓名")),
    Column(C.REPORTER_PHONE, "联系电话", aliases=("来电号码", "电话", "手机号")),
    Column(C.UNIT, "承办单位", aliases=("处理单位", "责任单位", "办理单位")),
    Column(C.STATE, "状态", required=True, aliases=("办理状态", "工单状态")),
    Column(C.CLOSED_AT, "办结时间", aliases=("完成时间",)),
    Column(C.CONTACTED, "是否联系", aliases=("是否联系群众",)),
    Column(C.RESOLVED, "是否解决", aliases=("问题是否解决",)),
    Column(C.SATISFACTION, "满意度", aliases=("满意度评价", "群众评价")),
]
HEADERS = [c.header for c in BUILT_IN]
LABEL = {c.key: c.header for c in BUILT_IN}

STATES = {
    "待分派": flow.State.RECEIVED,
    "办理中": flow.State.IN_PROGRESS,
    "已办结": flow.State.CLOSED,
    "已退单": flow.State.RETURNED,
}
SOURCES = {
    **{str(label): value for value, label in Source.choices},
    "12345": Source.HOTLINE,
    "热线": Source.HOTLINE,
    "网格": Source.GRID,
    "来电": Source.VISIT,
    "来访": Source.VISIT,
}
STATE_VALUES = {state: state.value for state in STATES.values()}
RECEIVED, CLOSED = flow.State.RECEIVED, flow.State.CLOSED
REQUIRED = (C.NUMBER, C.SOURCE, C.RECEIVED_AT, C.CONTENT, C.STATE)
YES_NO = {"是": True, "否": False}
SATISFACTION = {label: value.value for value, label in flow.SATISFACTION_LABELS.items()}
PHONE = re.compile(r"[0-9+\-\s()（）]+(?:转[0-9]+)?")
LIMITS = {C.NUMBER: 50, C.REPORTER_NAME: 50, C.REPORTER_PHONE: 30}
NAME_LIMIT = 100
CATEGORY_SPLIT = re.compile(r"\s*(?:/|>|›|-{1,2}>)\s*")
BATCH = 1000
#: an import creating or changing this many rows refreshes the planner's statistics
ANALYZE_ROWS = 10_000
#: rows a large file is merged by while the rest is read (`segment_rows`)
SEGMENT_ROWS = 100_000
#: the fields an import compares and writes
FIELDS = [
    "received_at",
    "category_id",
    "content",
    "community_id",
    "reporter_name",
    "reporter_phone",
    "unit_id",
    "state",
    "closed_at",
    "deadline",
    "followed_up",
    "contacted",
    "resolved",
    "satisfaction",
]


def columns_with_aliases():
    """The contract's columns with the aliases kept in the admin added."""
    extra = {}
    for column, alias in HeaderAlias.objects.values_list("column", "alias"):
        extra.setdefault(column, []).append(alias)
    return [
        Column(c.key, c.header, c.required, (*c.aliases, *extra.get(c.key, ()))) for c in BUILT_IN
    ]


@dataclass
class Record:
    row: int
    key: str
    source: str
    number: str
    received_at: dt.datetime
    category: tuple
    content: str
    community: str
    reporter_name: str
    reporter_phone: str
    unit: str
    state: str
    closed_at: dt.datetime | None
    contacted: bool | None
    resolved: bool | None
    satisfaction: str
    changes: tuple = ()

    @property
    def followed_up(self):
        return self.contacted is not None or self.resolved is not None or bool(self.satisfaction)


class TicketImport(TabularImport):
    key_label = "工单编号"
    staged = True
    #: a file of a few tens of thousands of rows and more is checked by other processes
    #: (core/tabular.py, `checkers`) while this one writes the staging table
    parallel_bytes = 4 * MB
    #: new tickets feed their transitions, follow-ups and history in one statement
    #: (PostgreSQL's INSERT … RETURNING in a WITH); None: when the database has it
    one_statement = None
    # what a person does about a missing name: the page's checkbox (the command says its option)
    create_hint = "如需新建，请勾选“自动创建缺失的诉求类别、社区和单位”"

    def __init__(self, office, *, user=None, create_missing=False, limits=None):
        super().__init__(user=user, limits=limits)
        self.office = office
        self.create_missing = create_missing
        # a large file is merged while it is read (core/tabular.py, `_apply_segmented`);
        # not when names are to be created: the merge needs them all, known at the end
        self.segment_rows = None if create_missing else SEGMENT_ROWS
        # while a file is merged segment by segment (`merging`): the last ticket id before
        # it, and the rows merged so far
        self._existing = self._merged = None
        self.columns = columns_with_aliases()
        self.tz = timezone.get_current_timezone()
        if self.one_statement is None:
            self.one_statement = connection.vendor == "postgresql"

    # --- validation ---------------------------------------------------
    def prepare(self):
        # categories by their full path (大类, 小类); a bare name finds its one category
        self.categories = {}
        self.leaves = {}
        for category in TicketCategory.objects.select_related("parent"):
            path = tuple(category.full_name.split(" › "))
            self.categories[path] = category
            self.leaves.setdefault(category.name, []).append(path)
        self.units = {}
        units = Unit.objects.filter(office_id__in=self.office.lineage_ids())
        for unit in sorted(units, key=lambda u: u.office_id != self.office.pk):
            self.units.setdefault(unit.name, unit)
        # what a valid row stages, by name: the id of an active unit or of a category
        # and its deadline's working days (names to create join with their placeholders)
        self._unit_ids = {name: unit.pk for name, unit in self.units.items() if unit.active}
        self.rules = TicketSettings.load().rules()
        default_days = self.rules.normal_workdays
        self._category_ids = {
            path: (category.pk, category.normal_workdays or default_days)
            for path, category in self.categories.items()
        }
        self.new_units = {}
        self.new_categories = []
        #: names to create, and the negative id standing for each until they are
        self.placeholders = {}
        self.source_labels = {value: str(label) for value, label in Source.choices}
        self._paths = {}
        self.calendar = Calendar.load()
        self._due = {}

    @property
    def checkers(self):
        # without names to create, the checks only read their lookups: two processes can
        # share the file; with them, one process hands out the placeholders
        return 1 if self.create_missing else 2

    matched_rows = "ticket_id IS NOT NULL"

    @contextlib.contextmanager
    def merging(self):
        """Around the merges of a large file's segments: the tickets that were there
        before the first (`_existing`), the only ones a later segment's rows can update
        (a number repeated across segments is the file's error, found when it ends); the
        planner's statistics and the statistics' summary, once, after the last."""
        ticket = connection.ops.quote_name(Ticket._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT max(id) FROM {ticket}")
            self._existing = cursor.fetchone()[0] or 0
        self._merged = 0
        try:
            with summary.deferred():
                yield
                if connection.vendor == "postgresql" and self._merged >= ANALYZE_ROWS:
                    with connection.cursor() as cursor:
                        cursor.execute(f"ANALYZE {ticket}")
        finally:
            self._existing = self._merged = None

    def checked_state(self):
        # what validate_row adds to: the names to create, their placeholders, the ids by
        # name and path that the staged rows carry, the category paths found
        return {
            name: getattr(self, name)
            for name in (
                "new_units",
                "new_categories",
                "placeholders",
                "_unit_ids",
                "_category_ids",
                "_paths",
            )
        }

    def _unit(self, name, row, label, errors, kind=None):
        if not name:
            return
        unit = self.units.get(name)
        if unit is not None:
            if not unit.active:
                errors.append(RowError(row, label, f"单位“{name}”已停用"))
            return
        if name in self.new_units:
            return
        if self.create_missing:
            if len(name) > NAME_LIMIT:
                errors.append(RowError(row, label, f"名称超过 {NAME_LIMIT} 个字"))
            else:
                self.new_units[name] = kind or guess_unit_kind(name)
                self.placeholders["unit", name] = -len(self.placeholders) - 1
                self._unit_ids[name] = self.placeholders["unit", name]
            return
        hint = closest(name, list(self.units))
        hint_text = f"相近的单位：{'、'.join(hint)}" if hint else "系统中没有相近的单位"
        errors.append(
            RowError(
                row,
                label,
                f"“{name}”不存在（{hint_text}）；{self.create_hint}",
            )
        )

    def _category(self, text, row, errors):
        if not text:
            return ()
        known = self._paths.get(text)
        if known is not None:
            return known
        count = len(errors)
        path = self._category_path(text, row, errors)
        if len(errors) == count:
            self._paths[text] = path  # the same text, the same path: found once
        return path

    def _category_path(self, text, row, errors):
        path = tuple(p for p in CATEGORY_SPLIT.split(text) if p)
        if len(path) == 1 and len(self.leaves.get(path[0], [])) > 1:
            errors.append(
                RowError(row, "诉求类别", f"有多个名为“{text}”的类别，请写出完整路径（大类/小类）")
            )
            return ()
        if len(path) == 1 and path[0] in self.leaves:
            return self.leaves[path[0]][0]
        if path in self.categories or ("category", path) in self.placeholders:
            return path
        if self.create_missing:
            if any(len(p) > NAME_LIMIT for p in path):
                errors.append(RowError(row, "诉求类别", f"类别名称超过 {NAME_LIMIT} 个字"))
                return ()
            self.new_categories.append(path)
            self.placeholders["category", path] = -len(self.placeholders) - 1
            self._category_ids[path] = (
                self.placeholders["category", path],
                self.rules.normal_workdays,
            )
            return path
        names = sorted({" / ".join(p) for p in self.categories})
        hint = closest(text, names)
        hint_text = f"相近的类别：{'、'.join(hint)}" if hint else "系统中没有相近的类别"
        errors.append(
            RowError(
                row,
                "诉求类别",
                f"类别“{text}”不存在（{hint_text}）；{self.create_hint}",
            )
        )
        return ()

    def _moment(self, value, row, label, errors):
        try:
            naive = parse_datetime(value)
        except DateParseError as exc:
            errors.append(RowError(row, label, str(exc)))
            return None
        if naive is not None and not MIN_YEAR <= naive.year <= MAX_YEAR:
            # a date the calendar and the database cannot hold (0001, 9999)
            errors.append(
                RowError(row, label, f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间，收到 {naive.year}")
            )
            return None
        return naive.replace(tzinfo=self.tz) if naive is not None else None

    def validate_row(self, row, errors):
        # a million rows pass here: the common case is a few dict lookups per cell
        raw = row.values
        try:  # a csv's cells are all text
            values = dict(zip(raw, map(str.strip, raw.values()), strict=True))
        except TypeError:  # an xlsx's: numbers, dates, None
            values = {
                key: value.strip() if type(value) is str else cell_text(value)
                for key, value in raw.items()
            }
        get = values.get
        n = row.number
        count = len(errors)
        number = get(C.NUMBER, "")
        source = get(C.SOURCE, "")
        content = get(C.CONTENT, "")
        state_text = get(C.STATE, "")
        if not (number and source and get(C.RECEIVED_AT) and content and state_text):
            for key in REQUIRED:
                if not get(key):
                    errors.append(RowError(n, LABEL[key], "不能为空"))
        name = get(C.REPORTER_NAME, "")
        phone = get(C.REPORTER_PHONE, "")
        if len(number) > 50 or len(name) > 50 or len(phone) > 30:
            for key, limit in LIMITS.items():
                if len(get(key, "")) > limit:
                    errors.append(RowError(n, LABEL[key], f"超过 {limit} 个字"))

        source_value = SOURCES.get(source)
        if source and source_value is None:
            errors.append(
                RowError(
                    n,
                    "来源",
                    f"“{source}”无法识别，应为 {'、'.join(str(label) for _, label in Source.choices)}",
                )
            )
        state = STATES.get(state_text)
        if state_text and state is None:
            errors.append(RowError(n, "状态", f"“{state_text}”无法识别，应为 {'、'.join(STATES)}"))
        received_at = (
            self._moment(raw[C.RECEIVED_AT], n, "受理时间", errors) if get(C.RECEIVED_AT) else None
        )
        closed_at = (
            self._moment(raw[C.CLOSED_AT], n, "办结时间", errors) if get(C.CLOSED_AT) else None
        )
        if received_at and closed_at and closed_at < received_at:
            errors.append(RowError(n, "办结时间", "办结时间早于受理时间"))
        if state is not CLOSED:
            closed_at = None

        if phone.isdigit() and phone.isascii() and 5 <= len(phone) <= 20:
            pass  # the common case, checked at once
        elif phone and not PHONE.fullmatch(phone):
            errors.append(
                RowError(n, "联系电话", f"“{phone}”不是电话号码：只能包含数字、空格、“-”、“+”")
            )
        elif phone and not 5 <= sum(ch.isdigit() for ch in phone) <= 20:
            errors.append(RowError(n, "联系电话", f"“{phone}”的位数不对"))

        answers = []
        for column in (C.CONTACTED, C.RESOLVED):
            text = get(column)
            answer = YES_NO.get(text) if text else None
            if text and answer is None:
                errors.append(RowError(n, LABEL[column], f"“{text}”无法识别，应为“是”“否”或留空"))
            answers.append(answer)
        contacted, resolved = answers
        satisfaction = ""
        text = get(C.SATISFACTION)
        if text:
            satisfaction = SATISFACTION.get(text)
            if satisfaction is None:
                errors.append(
                    RowError(
                        n,
                        "满意度",
                        f"“{text}”无法识别，应为 {'、'.join(SATISFACTION)} 或留空",
                    )
                )

        text = get(C.CATEGORY)
        category = (self._paths.get(text) or self._category(text, n, errors)) if text else ()
        community = get(C.COMMUNITY, "")
        unit_ids = self._unit_ids
        if community and community not in unit_ids:
            self._unit(community, n, "社区", errors, kind=Unit.Kind.COMMUNITY)
        # a request still awaiting dispatch has no unit yet, whatever the export says
        unit = get(C.UNIT, "") if state is not RECEIVED else ""
        if unit and unit not in unit_ids:
            self._unit(unit, n, "承办单位", errors)

        if len(errors) > count:
            return None
        source_value = str(source_value)
        return Record(
            n,
            f"{self.source_labels[source_value]} {number}",
            source_value,
            number,
            received_at,
            category,
            content,
            community,
            name,
            phone,
            unit,
            STATE_VALUES[state],
            closed_at,
            contacted,
            resolved,
            satisfaction,
        )

    # --- planning -----------------------------------------------------
    def deadline(self, received_at, category=None):
        """一般 urgency's deadline from 受理时间 (the category's own, else 诉求设置's), one
        calendar walk per day received and number of days."""
        days = (category.normal_workdays if category else None) or self.rules.normal_workdays
        return received_at + self._due_after(received_at.date(), days)

    def _due_after(self, day, days):
        """The time from `day` to `days` working days later, walked once per pair."""
        delta = self._due.get((day, days))
        if delta is None:
            due = self.calendar.add_workdays(day, days)
            delta = self._due[day, days] = dt.timedelta(days=(due - day).days)
        return delta

    def _deadline_of(self, record, days):
        """The deadline a record's ticket gets: `days` working days from 受理时间."""
        received_at = record.received_at
        return received_at + self._due_after(received_at.date(), days)

    def _id(self, kind, name):
        """The id of a category (by path) or unit (by name); a name still to be
        created has its placeholder, a negative number."""
        if not name:
            return None
        found = (self.categories if kind == "category" else self.units).get(name)
        return found.pk if found is not None else self.placeholders[kind, name]

    def _row_values(self, record):
        """The record as the ticket's values of FIELDS, in their order."""
        category = record.category
        if category:
            category_id, days = self._category_ids[category]
        else:
            category_id, days = None, self.rules.normal_workdays
        unit_ids = self._unit_ids
        return (
            record.received_at,
            category_id,
            record.content,
            unit_ids[record.community] if record.community else None,
            record.reporter_name,
            record.reporter_phone,
            unit_ids[record.unit] if record.unit else None,
            record.state,
            record.closed_at,
            self._deadline_of(record, days),
            record.contacted is not None
            or record.resolved is not None
            or bool(record.satisfaction),
            record.contacted,
            record.resolved,
            record.satisfaction,
        )

    def _values(self, record):
        """The record as the ticket's field values."""
        return dict(zip(FIELDS, self._row_values(record), strict=True))

    # --- staging ------------------------------------------------------
    def stage_fields(self):
        field = Ticket._meta.get_field
        return [
            ("source", field("source")),
            ("source_number", field("source_number")),
            *((name, field(name.removesuffix("_id"))) for name in FIELDS),
            # filled by the plan: the ticket the row updates, its state, and whether it changes
            ("ticket_id", Ticket._meta.pk),
            ("old_state", field("state")),
            ("changed", field("followed_up")),
        ]

    def stage_values(self, record):
        return (record.source, record.number, *self._row_values(record), None, None, None)

    def _match(self, stage):
        """The join of staged rows to this office's tickets by (来源, 工单编号)."""
        return (
            # NOT (… = ''): the partial unique index's own condition, word for word — SQLite
            # uses a partial index only then (with “<> ''” it scanned the office's requests
            # once for every staged row)
            f"t.office_id = {int(self.office.pk)} AND NOT (t.source_number = '') "
            f"AND t.source = {stage.table}.source AND t.source_number = {stage.table}.source_number"
        )

    # --- integrity ----------------------------------------------------
    def check_references(self, stage, report):
        """Every category, community and unit id staged names a row that still exists:
        the requests' foreign keys are no database constraints (see `Ticket`), so the
        import checks its own, set-based — one grouped scan of the staging table, one
        query per table named — and names the first row of each missing id in Chinese.
        On PostgreSQL the rows named (and the office, and the importing person) are
        locked FOR KEY SHARE, as a constraint's check would lock them, but once per row
        named rather than once per request: none can be deleted before the import
        commits. Ids still to be created (negative placeholders) are left to `_merge`."""
        s = stage.table
        qn = connection.ops.quote_name
        columns = {
            "category_id": (TicketCategory, "诉求类别"),
            "community_id": (Unit, "社区"),
            "unit_id": (Unit, "承办单位"),
        }
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(columns)} FROM {s} GROUP BY {', '.join(columns)}")
            combos = cursor.fetchall()
            wanted = {}
            for index, (column, (model, _label)) in enumerate(columns.items()):
                ids = {c[index] for c in combos if c[index] is not None and c[index] > 0}
                wanted.setdefault(model, set()).update(ids)
                columns[column] += (ids,)
            user = self.user if self.user is not None and self.user.is_authenticated else None
            wanted.setdefault(Office, set()).add(self.office.pk)
            if user is not None:
                wanted.setdefault(get_user_model(), set()).add(user.pk)
            lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
            found = {}
            for model, ids in wanted.items():
                if not ids:
                    found[model] = set()
                    continue
                cursor.execute(
                    f"SELECT id FROM {qn(model._meta.db_table)} "
                    f"WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY id{lock}",
                    sorted(ids),
                )
                found[model] = {pk for (pk,) in cursor.fetchall()}
            names = {
                TicketCategory: {c.pk: " / ".join(p) for p, c in self.categories.items()},
                Unit: {u.pk: name for name, u in self.units.items()},
            }
            for column, (model, label, ids) in columns.items():
                missing = sorted(ids - found[model])
                if not missing:
                    continue
                cursor.execute(
                    f"SELECT {column}, min(row_no) FROM {s} "
                    f"WHERE {column} IN ({', '.join(['%s'] * len(missing))}) GROUP BY {column}",
                    missing,
                )
                for pk, row in cursor.fetchall():
                    name = names[model].get(pk, pk)
                    report.errors.append(
                        RowError(row, label, f"“{name}”已不存在（可能刚被删除），请刷新后重新导入")
                    )
        report.errors.sort(key=lambda e: e.row or 0)

    # --- planning -----------------------------------------------------
    def plan_stage(self, stage, report):
        """Which staged rows update a ticket, and which of those change it: one UPDATE
        of the staging table joined to the tickets; then counts and the first rows.
        First `check_references`: a row naming a deleted unit is an error, not a plan."""
        self.check_references(stage, report)
        if report.errors:
            return
        qn = connection.ops.quote_name
        s = stage.table
        distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        differs = " OR ".join(f"t.{qn(f)} {distinct} {s}.{qn(f)}" for f in FIELDS)
        with connection.cursor() as cursor:
            # a segment does not look among the tickets the earlier ones created
            # (`merging`): into an empty table, no lookup at all
            existing = "" if self._existing is None else f" AND t.id <= {int(self._existing)}"
            if self._existing != 0:
                # a row the file still says 待分派 leaves the office's own 分单 (a rule's
                # at the first import, a person's since: state, unit and the deadline it
                # set) as it is: the platform's export has not caught up with it, and a
                # re-import of the same file changes nothing
                cursor.execute(
                    f"UPDATE {s} SET state = t.state, unit_id = t.unit_id, "
                    f"deadline = t.deadline "
                    f"FROM {qn(Ticket._meta.db_table)} t WHERE {self._match(stage)}{existing} "
                    f"AND {s}.state = %s AND t.state <> %s",
                    [RECEIVED.value, RECEIVED.value],
                )
                cursor.execute(
                    f"UPDATE {s} SET ticket_id = t.id, old_state = t.state, "
                    f"changed = ({differs}) "
                    f"FROM {qn(Ticket._meta.db_table)} t WHERE {self._match(stage)}{existing}"
                )
            cursor.execute(
                f"SELECT count(*), "
                f"coalesce(sum(CASE WHEN changed THEN 1 ELSE 0 END), 0), "
                f"coalesce(sum(CASE WHEN ticket_id IS NULL THEN 1 ELSE 0 END), 0) FROM {s}"
            )
            total, updated, created = cursor.fetchone()
            report.totals = {
                "created": created,
                "updated": updated,
                "unchanged": total - created - updated,
            }
            cursor.execute(
                f"SELECT row_no, row_key, content, changed FROM {s} "
                f"WHERE ticket_id IS NULL OR NOT changed ORDER BY row_no"
                + (" LIMIT %s" if total > 2 * LISTED else ""),
                [2 * LISTED] if total > 2 * LISTED else [],
            )
            for number, key, content, changed in cursor.fetchall():
                kind = report.created if changed is None else report.unchanged
                if len(kind) < LISTED:
                    kind.append(RowChange(number, key, content[:30]))
            cursor.execute(
                f"SELECT {s}.row_no, {s}.row_key, {s}.content, "
                + ", ".join(f"t.{qn(f)}, {s}.{qn(f)}" for f in FIELDS)
                + f" FROM {s} JOIN {qn(Ticket._meta.db_table)} t ON t.id = {s}.ticket_id "
                f"WHERE {s}.changed ORDER BY {s}.row_no LIMIT %s",
                [LISTED],
            )
            rows = cursor.fetchall()
        readers = [db_reader(Ticket._meta.get_field(f.removesuffix("_id"))) for f in FIELDS]
        labels = {
            f: str(Ticket._meta.get_field(f.removesuffix("_id")).verbose_name) for f in FIELDS
        }
        for number, key, content, *pairs in rows:
            changes = []
            for index, name in enumerate(FIELDS):
                before = readers[index](pairs[2 * index])
                after = readers[index](pairs[2 * index + 1])
                if before != after:
                    changes.append((labels[name], _shown(before), _shown(after)))
            report.updated.append(RowChange(number, key, content[:30], changes))

    def _create_names(self, report):
        for path in self.new_categories:
            parent = None
            for depth in range(1, len(path) + 1):
                prefix = path[:depth]
                if prefix not in self.categories:
                    self.categories[prefix] = TicketCategory.objects.create(
                        name=prefix[-1], parent=parent
                    )
                    report.created_refs.append(f"诉求类别“{' / '.join(prefix)}”")
                parent = self.categories[prefix]
        for name, kind in self.new_units.items():
            self.units[name] = Unit.objects.create(office=self.office, name=name, kind=kind)
            report.created_refs.append(f"单位“{name}”")

    # --- writing ------------------------------------------------------
    def _resolve_placeholders(self, stage):
        """The names created just now replace their placeholders in the staging table."""
        ids = {}
        for (kind, name), placeholder in self.placeholders.items():
            target = self.categories if kind == "category" else self.units
            ids.setdefault(kind, []).append((placeholder, target[name].pk))
        columns = {"category": ["category_id"], "unit": ["community_id", "unit_id"]}
        with connection.cursor() as cursor:
            for kind, pairs in ids.items():
                case = " ".join(f"WHEN {int(a)} THEN {int(b)}" for a, b in pairs)
                for column in columns[kind]:
                    cursor.execute(
                        f"UPDATE {stage.table} SET {column} = CASE {column} {case} "
                        f"ELSE {column} END WHERE {column} < 0"
                    )

    def merge(self, stage, report):
        """Changed tickets are updated (a transition where the state changes), new ones
        inserted with their first transition, follow-up and historical row — a few
        statements over the staging table, inside the import's transaction; then the
        new requests waiting for 分单 are routed (services.auto_route) when a rule asks."""
        now = timezone.now()
        span = self._span(stage) if report.n_created or report.n_updated else None
        with summary.deferred():
            self._merge(stage, report, now)
            if report.n_created and services.has_auto_rules(self.office):
                self._auto_route(stage, now)
            if span is not None:
                rows = report.n_created + report.n_updated
                if self._merged is not None:
                    self._merged += rows  # one of several segments: analysed after the last
                elif connection.vendor == "postgresql" and rows >= ANALYZE_ROWS:
                    # the planner's statistics of a table that just grew by many rows:
                    # without them the summary's grouping sorts on disk
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"ANALYZE {connection.ops.quote_name(Ticket._meta.db_table)}"
                        )
                # the statistics' summary of the days the file touched, once
                summary.touch(
                    *(
                        (self.office.pk, day)
                        for day in _days(summary.local_day(span[0]), summary.local_day(span[1]))
                    )
                )

    def _span(self, stage):
        """The first and last 受理时间 the merge touches: of the new and changed rows,
        and of the changed tickets before the change."""
        s = stage.table
        ticket = connection.ops.quote_name(Ticket._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT min(received_at), max(received_at) FROM {s} "
                f"WHERE ticket_id IS NULL OR changed"
            )
            low, high = cursor.fetchone()
            cursor.execute(
                f"SELECT min(t.received_at), max(t.received_at) FROM {ticket} t "
                f"JOIN {s} ON {s}.ticket_id = t.id WHERE {s}.changed"
            )
            moments = [m for m in (low, high, *cursor.fetchone()) if m is not None]
        if not moments:
            return None
        reader = db_reader(Ticket._meta.get_field("received_at"))
        moments = [reader(m) for m in moments]
        return min(moments), max(moments)

    def _auto_route(self, stage, now):
        router = services.Router(self.office)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.id FROM {connection.ops.quote_name(Ticket._meta.db_table)} t "
                f"JOIN {stage.table} ON {self._match(stage)} "
                f"WHERE {stage.table}.ticket_id IS NULL AND t.state = %s ORDER BY t.id",
                [flow.State.RECEIVED.value],
            )
            ids = [found for (found,) in cursor.fetchall()]
        for start in range(0, len(ids), BATCH):
            tickets = list(Ticket.objects.filter(pk__in=ids[start : start + BATCH]))
            services.auto_route(tickets, now=now, router=router)

    def _reassigned(self, stage, user, now):
        """What follows a request (supervision's open notices) goes with it to the unit a
        re-import gave it, as after a manual 分单: one signal for all the changed
        requests that hold a unit, not one per row."""
        changed = RawSQL(
            f"SELECT ticket_id FROM {stage.table} WHERE changed AND unit_id IS NOT NULL", []
        )
        signals.reassigned.send(
            sender=Ticket, tickets=Ticket.objects.filter(pk__in=changed), user=user, at=now
        )

    def _merge(self, stage, report, now):
        self._create_names(report)
        if self.placeholders:
            self._resolve_placeholders(stage)
        qn = connection.ops.quote_name
        s = stage.table
        ticket = qn(Ticket._meta.db_table)
        user = self.user if self.user is not None and self.user.is_authenticated else None
        user_id = user.pk if user else None
        action = flow.Action.IMPORT.value
        with connection.cursor() as cursor:
            if report.n_updated:
                # the tickets first: their rows stay locked until the import commits, and
                # the transitions join them, so none is written for a ticket deleted
                # since the plan (transitions have no database foreign key)
                assignments = ", ".join(f"{qn(f)} = {s}.{qn(f)}" for f in FIELDS)
                cursor.execute(
                    f"UPDATE {ticket} SET {assignments} FROM {s} "
                    f"WHERE {s}.ticket_id = {ticket}.id AND {s}.changed"
                )
                cursor.execute(
                    *insert_select_sql(
                        Transition,
                        {
                            "ticket_id": "t.id",
                            "action": ("%s", [action]),
                            "from_state": f"{s}.old_state",
                            "to_state": f"{s}.state",
                            "actor_id": ("%s", [user_id]),
                            "at": ("%s", [now]),
                            "reason": ("%s", ["导入更新"]),
                            "unit_id": f"{s}.unit_id",
                        },
                        f"FROM {s} JOIN {ticket} t ON t.id = {s}.ticket_id "
                        f"WHERE {s}.changed AND {s}.old_state <> {s}.state",
                    )
                )
                cursor.execute(
                    *audit.history_select_sql(
                        Ticket,
                        f"FROM {ticket} t JOIN {s} ON {s}.ticket_id = t.id WHERE {s}.changed",
                        history_type="~",
                    )
                )
                self._reassigned(stage, user, now)
            if not report.n_created:
                return
            new_exprs = {
                "office_id": ("%s", [self.office.pk]),
                "created_by_id": ("%s", [user_id]),
                "source": f"{s}.source",
                "source_number": f"{s}.source_number",
                **{f: f"{s}.{qn(f)}" for f in FIELDS},
            }
            new_sql, new_params = insert_select_sql(
                Ticket, new_exprs, f"FROM {s} WHERE {s}.ticket_id IS NULL"
            )
            transition = {
                "ticket_id": "t.id",
                "action": ("%s", [action]),
                "from_state": ("%s", [""]),
                "to_state": "t.state",
                "actor_id": ("%s", [user_id]),
                "at": ("%s", [now]),
                "reason": ("%s", ["导入"]),
                "unit_id": "t.unit_id",
            }
            follow_up = {
                "ticket_id": "t.id",
                "at": ("coalesce(t.closed_at, %s)", [now]),
                "by_id": ("%s", [user_id]),
                "contacted": "t.contacted",
                "resolved": "t.resolved",
                "satisfaction": "t.satisfaction",
            }
            if self.one_statement:
                # one statement: the new rows feed their transitions, follow-ups, history
                parts = [
                    (f"ins AS ({new_sql} RETURNING *)", new_params),
                    insert_select_sql(Transition, transition, "FROM ins t"),
                    insert_select_sql(FollowUp, follow_up, "FROM ins t WHERE t.followed_up"),
                ]
                history_sql, history_params = audit.history_select_sql(Ticket, "FROM ins t")
                sql = "WITH " + ", ".join(
                    [parts[0][0], *(f"w{i} AS ({p[0]})" for i, p in enumerate(parts[1:]))]
                )
                params = [p for part in parts for p in part[1]]
                cursor.execute(f"{sql} {history_sql}", [*params, *history_params])
                return
            if connection.vendor != "sqlite":
                # step by step elsewhere (a test compares it with the one statement): the
                # new rows are those past the last id, read back from the tickets
                cursor.execute(f"SELECT coalesce(max(id), 0) FROM {ticket}")
                last = int(cursor.fetchone()[0])
                cursor.execute(new_sql, new_params)
                new = f"FROM {ticket} t WHERE t.id > {last} AND t.office_id = {int(self.office.pk)}"
                for sql, params in (
                    insert_select_sql(Transition, transition, new),
                    insert_select_sql(FollowUp, follow_up, f"{new} AND t.followed_up"),
                    audit.history_select_sql(Ticket, new),
                ):
                    cursor.execute(sql, params)
                return
            # SQLite: one writer at a time, so the new tickets may take the ids past the
            # last one, in the file's order; the new rows, ids included, are one WITH
            # clause over the staging table that each insert reads — never the tickets
            # just written (past SQLite's page cache they come back from a WAL as large
            # as the file: at a million rows those three inserts took 184 s, now 37 s)
            cursor.execute(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"coalesce((SELECT max(id) FROM {ticket}), 0))",
                [Ticket._meta.db_table],
            )
            last = int(cursor.fetchone()[0])
            cursor.execute(f"SELECT min(rowid), max(rowid), count(*) FROM {s}")
            first_row, last_row, staged = cursor.fetchone()
            if report.n_created == staged == last_row - first_row + 1:
                # every staged row is new (the large first import): its id follows from
                # its rowid, without a window that SQLite would buffer in a temporary table
                new_id = f"{s}.rowid + {last - first_row + 1}"
            else:
                new_id = f"{last} + row_number() OVER (ORDER BY {s}.rowid)"
            columns, rows_sql, rows_params = select_sql(
                Ticket, {"id": new_id, **new_exprs}, f"FROM {s} WHERE {s}.ticket_id IS NULL"
            )
            names = ", ".join(columns)
            ins = f"WITH ins ({names}) AS ({rows_sql}) "
            cursor.execute(
                f"{ins}INSERT INTO {ticket} ({names}) SELECT {names} FROM ins", rows_params
            )
            for sql, params in (
                insert_select_sql(Transition, transition, "FROM ins t"),
                insert_select_sql(FollowUp, follow_up, "FROM ins t WHERE t.followed_up"),
                audit.history_select_sql(Ticket, "FROM ins t"),
            ):
                cursor.execute(ins + sql, [*rows_params, *params])


def _days(first, last):
    """first..last as one range (refresh_days joins consecutive days)."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _shown(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
