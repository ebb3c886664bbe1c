"""The one tabular import: read an xlsx sheet, map its header row by name,
validate every row into a typed record or Chinese errors with row numbers,
preview what would change, then apply everything in one transaction with one
audit batch id — or write nothing at all.

An import is a subclass of `TabularImport` that declares its `columns` and
implements `validate_row`, `plan` and `write`. The CLI and the upload page
both call `preview()` and `apply()`.
"""

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from duban.core import audit


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple = ()


@dataclass
class RowError:
    row: int | None
    field: str
    message: str

    def __str__(self):
        where = f"第{self.row}行" if self.row else "文件"
        return (
            f"{where}【{self.field}】{self.message}" if self.field else f"{where}：{self.message}"
        )


@dataclass
class RowChange:
    row: int
    key: str
    title: str
    changes: list = field(default_factory=list)  # [(label, before, after)]


@dataclass
class ImportReport:
    errors: list = field(default_factory=list)
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    created_refs: list = field(default_factory=list)
    applied: bool = False
    batch_id: str = ""

    @property
    def ok(self):
        return not self.errors

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def summary(self):
        if self.errors:
            return f"发现 {len(self.errors)} 处错误，未写入任何数据"
        text = (
            f"新增 {len(self.created)} 项，更新 {len(self.updated)} 项，"
            f"未变 {len(self.unchanged)} 项"
        )
        if self.created_refs:
            text += f"；新建 {'、'.join(self.created_refs)}"
        if not self.changed and not self.created_refs:
            text += "（与系统中的数据完全一致，没有任何改动）"
        return text


class TableError(Exception):
    """The file as a whole cannot be read (not an xlsx, no header row...)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("；".join(str(e) for e in errors))


@dataclass
class SourceRow:
    number: int
    values: dict


def normalize_header(text):
    text = str(text or "")
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s*＊:：]", "", text)


def cell_text(value):
    """A cell as trimmed text; whole numbers lose their '.0' (编号 1 → '1')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(source, columns, header_scan=10):
    """Rows of the first sheet whose header row names the required columns.

    Returns a list of SourceRow; raises TableError for file-level problems.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if isinstance(source, str | Path) and not str(source).lower().endswith((".xlsx", ".xlsm")):
        raise TableError(
            [RowError(None, "", "只支持 .xlsx 格式的 Excel 文件（请在 Excel 中另存为 .xlsx）")]
        )
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise TableError([RowError(None, "", "文件不是有效的 .xlsx Excel 文件，无法读取")])
    try:
        sheet = workbook.worksheets[0]
        wanted = {}
        for column in columns:
            for name in (column.header, *column.aliases):
                wanted[normalize_header(name)] = column
        rows = sheet.iter_rows(values_only=True)
        header_at, mapping = None, {}
        for number, row in enumerate(rows, start=1):
            if number > header_scan:
                break
            found = {}
            for index, value in enumerate(row):
                column = wanted.get(normalize_header(value))
                if column and column.key not in found.values():
                    found[index] = column.key
            if any(c.required and c.key in found.values() for c in columns):
                header_at, mapping = number, found
                break
        if header_at is None:
            names = "、".join(c.header for c in columns if c.required)
            raise TableError(
                [RowError(None, "", f"前 {header_scan} 行中找不到表头行（应包含：{names}）")]
            )
        missing = [c.header for c in columns if c.required and c.key not in mapping.values()]
        if missing:
            raise TableError([RowError(header_at, name, "缺少必需的表头列") for name in missing])
        result = []
        for number, row in enumerate(rows, start=header_at + 1):
            values = {
                key: (row[index] if index < len(row) else None) for index, key in mapping.items()
            }
            if all(cell_text(v) == "" for v in values.values()):
                continue
            result.append(SourceRow(number, values))
        return result
    finally:
        workbook.close()


class TabularImport:
    """Base of every import. Subclasses set `columns` and implement the three steps."""

    columns: list = []
    #: label used in errors when two rows carry the same key
    key_label = "编号"

    def __init__(self, *, user=None):
        self.user = user

    # --- to implement -------------------------------------------------
    def prepare(self):
        """Load what validation needs (existing rows, lookups) in a few queries."""

    def validate_row(self, row, errors):
        """Return a record (any object with a `.key`) or None; append RowErrors."""
        raise NotImplementedError

    def plan(self, record, report):
        """Compare a valid record with the database; append to report.created/updated/unchanged."""
        raise NotImplementedError

    def write(self, records, report):
        """Write the planned changes (inside the transaction and audit context)."""
        raise NotImplementedError

    # --- the mechanism ------------------------------------------------
    def _run(self, source, report):
        try:
            rows = read_rows(source, self.columns)
        except TableError as exc:
            report.errors.extend(exc.errors)
            return []
        if not rows:
            report.errors.append(RowError(None, "", "表格中没有数据行"))
            return []
        self.prepare()
        records, seen = [], {}
        for row in rows:
            record = self.validate_row(row, report.errors)
            if record is None:
                continue
            if record.key in seen:
                report.errors.append(
                    RowError(
                        row.number,
                        self.key_label,
                        f"“{record.key}”与第{seen[record.key]}行重复，同一{self.key_label}只能出现一次",
                    )
                )
                continue
            seen[record.key] = row.number
            records.append(record)
        if report.errors:
            return []
        for record in records:
            self.plan(record, report)
        return records

    def preview(self, source):
        report = ImportReport()
        self._run(source, report)
        return report

    def apply(self, source):
        report = ImportReport(batch_id=audit.new_batch_id())
        with audit.audit_context(audit.Channel.IMPORT, user=self.user, batch_id=report.batch_id):
            with transaction.atomic():
                records = self._run(source, report)
                if report.ok and (report.changed or report.created_refs):
                    self.write(records, report)
                    report.applied = True
        return report


def run_from_command(command, importer, path, *, dry_run, done_prefix):
    """What every `duban ... import` command does with an import: preview or apply it,
    print every error with its row to stderr and exit non-zero, else list the changes."""
    from django.core.management.base import CommandError

    # checked here: the reader reports any unreadable file as "not a valid xlsx"
    if not Path(path).is_file():
        raise CommandError(f"找不到文件：{path}")
    report = importer.preview(path) if dry_run else importer.apply(path)
    for error in report.errors:
        command.stderr.write(str(error))
    if not report.ok:
        raise CommandError(report.summary())
    for change in report.created:
        command.stdout.write(f"  新增 第{change.row}行 {change.key} {change.title}")
    for change in report.updated:
        fields = "、".join(label for label, _, _ in change.changes)
        command.stdout.write(f"  更新 第{change.row}行 {change.key} {change.title}（{fields}）")
    command.stdout.write(("预览（未写入）：" if dry_run else done_prefix) + report.summary())
    if report.applied:
        command.stdout.write(f"批次号：{report.batch_id}")
    return report
