"""The one tabular import: read an xlsx sheet or a csv file row by row, map its
header row by name, validate every row into a typed record or Chinese errors with
row numbers, preview what would change, then apply everything in one transaction
with one audit batch id — or write nothing at all.

An import is a subclass of `TabularImport` that declares its `columns` and
implements `validate_row`, `plan` and `write`. The CLI and the upload page
both call `preview()` and `apply()`.

Reading is streamed (openpyxl's read-only mode, the csv module over a text
stream): the rows of the file are never all in memory, only the records of the
valid ones. What a file may hold is bounded by `Limits` — the web's from the
settings (`DUBAN_IMPORT_MAX_ROWS`), the command line's higher — and a file past
a limit is refused before it is read further, with a Chinese message naming the
limit. A file openpyxl cannot read, whatever the reason (a cut sheet, broken
workbook parts, entity bombs refused by defusedxml), is "not a valid Excel file".

An import of a city's volume (the 12345 work orders: a million rows) sets
`staged = True`: its valid rows are not kept in memory either but written, a chunk
of `chunk_rows` at a time, into a temporary staging table (`Stage`: PostgreSQL's
COPY, SQLite's executemany); duplicates inside the file are found there by SQL, the
import plans (`plan_stage`) and merges (`merge`) with a few set-based statements,
and all of it — staging, checks and merge — runs in one transaction, so a file with
any error writes nothing. Validation stays per row, with the same Chinese errors.
A large file (`parallel_bytes`) is read and checked by `checkers` forked processes,
each taking every n-th chunk, while this one writes the staging table: two CPU cores
at work, the same rows and errors (`_checked_in_children`).
"""

import codecs
import contextlib
import csv
import difflib
import gc
import io
import itertools
import multiprocessing
import operator
import os
import pickle
import queue
import re
import tempfile
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection, transaction

from duban.core import audit

NOT_EXCEL = "文件不是有效的 Excel 文件，无法读取"
#: Excel's own limit on the characters of one cell
EXCEL_CELL_LIMIT = 32_767
MB = 1024 * 1024
#: row errors listed before the rest of a file is only read (for its limits), not checked
MAX_ERRORS = 500
#: rows of each kind a staged import lists (its counts are complete)
LISTED = 1000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple = ()


@dataclass(frozen=True)
class Limits:
    """What one import may read: data rows (None: no limit), characters in a cell,
    and the xlsx's size once decompressed (the sum of its zip members)."""

    max_rows: int | None = None
    max_cell: int = EXCEL_CELL_LIMIT
    max_unzipped: int = 200 * MB

    @classmethod
    def web(cls):
        from django.conf import settings

        return cls(max_rows=getattr(settings, "DUBAN_IMPORT_MAX_ROWS", 100_000))


#: the command line is run by whoever runs the server: larger files, no row limit
CLI_LIMITS = Limits(max_rows=None, max_unzipped=2048 * MB)


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
    #: what the row comes to, for an import that shows it (the progress import: 研判)
    outcome: str = ""


@dataclass
class ImportReport:
    errors: list = field(default_factory=list)
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    created_refs: list = field(default_factory=list)
    applied: bool = False
    batch_id: str = ""
    #: a staged import's counts, when it lists only the first LISTED rows of a kind
    totals: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.errors

    @property
    def n_created(self):
        return self.totals.get("created", len(self.created))

    @property
    def n_updated(self):
        return self.totals.get("updated", len(self.updated))

    @property
    def n_unchanged(self):
        return self.totals.get("unchanged", len(self.unchanged))

    @property
    def changed(self):
        return bool(self.n_created or self.n_updated)

    def summary(self):
        if self.errors:
            return f"发现 {len(self.errors)} 处错误，未写入任何数据"
        text = f"新增 {self.n_created} 项，更新 {self.n_updated} 项，未变 {self.n_unchanged} 项"
        if self.created_refs:
            text += f"；新建 {'、'.join(self.created_refs)}"
        if not self.changed and not self.created_refs:
            text += "（与系统中的数据完全一致，没有任何改动）"
        return text


class TableError(Exception):
    """The file as a whole cannot be read (not an xlsx, no header row, past a limit...)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("；".join(str(e) for e in errors))


def _file_error(message):
    return TableError([RowError(None, "", message)])


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


def closest(name, candidates, n=3):
    """Names resembling `name`: shared characters first, then substring matches."""
    found = difflib.get_close_matches(name, candidates, n=n, cutoff=0.4)
    for candidate in candidates:
        if len(found) >= n:
            break
        if candidate not in found and (name in candidate or candidate in name):
            found.append(candidate)
    return found


# ----- reading a file as rows of cell values -----

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
NUL_CELL = (
    "单元格含有空字符（NUL），文件可能已损坏或编码有误；请在 Excel 中打开检查后另存为 .xlsx 再导入"
)
UNSUPPORTED = "只支持 .xlsx 格式的 Excel 文件或 .csv 文件（.xls 请在 Excel 中另存为 .xlsx）"


def _kind(source):
    """ "xlsx" or "csv", from a path's suffix, or from the first bytes of a file object."""
    name = str(source) if isinstance(source, str | Path) else getattr(source, "name", "") or ""
    lowered = name.lower()
    if lowered.endswith(XLSX_SUFFIXES):
        return "xlsx"
    if lowered.endswith(CSV_SUFFIXES):
        return "csv"
    if isinstance(source, str | Path):
        raise _file_error(UNSUPPORTED)
    start = source.read(4)
    source.seek(0)
    return "xlsx" if start == b"PK\x03\x04" else "csv"


def _xlsx_rows(source, limits):
    try:
        with zipfile.ZipFile(source) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _file_error(NOT_EXCEL)
    if hasattr(source, "seek"):
        source.seek(0)
    if unzipped > limits.max_unzipped:
        raise _file_error(
            f"文件解压后有 {unzipped / MB:.0f} MB，超过上限 {limits.max_unzipped / MB:.0f} MB，"
            "未读取；请删去无关的工作表或内容后再导入"
        )
    try:
        archive, sheet = _first_sheet(source)
    except TableError:
        raise
    except Exception:  # noqa: BLE001 — any reason openpyxl cannot open it is the same to the user
        raise _file_error(NOT_EXCEL)
    try:
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 — a sheet cut in half, a refused entity...
                raise _file_error(NOT_EXCEL)
            yield row
    finally:
        archive.close()


def _first_sheet(source):
    """The zip archive and the first worksheet of an xlsx, opened for streaming.

    What `load_workbook(read_only=True)` does, but for the first worksheet only and
    without its size check: on a sheet that does not declare its <dimension> (a
    hostile file need not), that check parses the whole sheet before the first row
    can be read — a million rows before the row limit could stop at the limit.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class StreamedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            pass  # rows are read as they come; nothing needs the size beforehand

    reader = ExcelReader(source, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # date formats: dates come as dates
        for sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return reader.archive, StreamedSheet(
                    reader.wb, sheet.name, rel.target, reader.shared_strings
                )
    except BaseException:
        reader.archive.close()
        raise
    reader.archive.close()
    raise _file_error(NOT_EXCEL)


def _csv_encoding(binary):
    """BOM → utf-8-sig; else utf-8 if the whole file decodes strictly; else gb18030
    (what Chinese platforms and Excel on Chinese Windows export). One streamed pass."""
    start = binary.read(3)
    binary.seek(0)
    if start == codecs.BOM_UTF8:
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        while chunk := binary.read(64 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        binary.seek(0)


def _csv_rows(source, limits):
    opened = None
    if isinstance(source, str | Path):
        try:
            binary = opened = open(source, "rb")  # noqa: SIM115 — closed below
        except OSError:
            raise _file_error("文件无法打开")
    else:
        binary = source
    try:
        encoding = _csv_encoding(binary)
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        # a longer field than the cell limit is refused by the reader itself
        csv.field_size_limit(max(limits.max_cell + 1, 1))
        reader = csv.reader(text)
        try:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise _file_error("CSV 文件的编码无法识别（应为 UTF-8 或 GB18030）")
                except csv.Error:
                    raise TableError(
                        [
                            RowError(
                                reader.line_num + 1,
                                "",
                                f"CSV 格式有误，或单元格超过 {limits.max_cell} 个字符",
                            )
                        ]
                    )
                yield row
        finally:
            text.detach()
    finally:
        if opened is not None:
            opened.close()


def iter_cells(source, limits=CLI_LIMITS):
    """The rows of the first sheet (xlsx) or of the file (csv), as tuples of cell
    values, one at a time. Raises TableError when the file cannot be read. A source
    that is neither a path nor a file (a generator of rows: an API push, a test) is
    read as it is, one row at a time."""
    yield from _cells(source, limits)[0]


def _cells(source, limits):
    """(the rows as `iter_cells` yields them, whether every cell is text): a csv's cells
    are all strings, which lets `read_rows` check a row with a few C calls."""
    if not isinstance(source, str | Path) and not hasattr(source, "read"):
        return iter(source), False
    if _kind(source) == "xlsx":
        return _xlsx_rows(source, limits), False
    return _csv_rows(source, limits), True


def read_rows(source, columns, header_scan=10, limits=CLI_LIMITS):
    """The data rows (SourceRow) under the header row naming the required columns,
    one at a time: a generator, raising TableError for file-level problems while it
    is read (unreadable file, no header row, past a limit)."""
    wanted = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            wanted[normalize_header(name)] = column
    rows, textual = _cells(source, limits)
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
        _close(rows)
        names = "、".join(c.header for c in columns if c.required)
        raise _file_error(f"前 {header_scan} 行中找不到表头行（应包含：{names}）")
    missing = [c.header for c in columns if c.required and c.key not in mapping.values()]
    if missing:
        _close(rows)
        raise TableError([RowError(header_at, name, "缺少必需的表头列") for name in missing])
    headers = {c.key: c.header for c in columns}
    pairs = list(mapping.items())
    keys = tuple(key for _, key in pairs)
    indexes = [index for index, _ in pairs]
    # the mapped cells of a full row, as a tuple, in one C call
    pick = operator.itemgetter(*indexes) if len(indexes) > 1 else lambda r: (r[indexes[0]],)
    width = max(mapping) + 1
    max_rows, max_cell = limits.max_rows, limits.max_cell
    count = 0
    try:
        for number, row in enumerate(rows, start=header_at + 1):
            if textual and len(row) >= width:
                # a csv row: every cell a string, so a blank row joins to white space
                # and the longest cell is one max() away
                cells = pick(row)
                joined = "".join(cells)
                if not joined.strip():
                    continue
                long = max(map(len, cells)) > max_cell
                nul = "\x00" in joined
            else:
                cells = tuple(row[index] if index < len(row) else None for index in indexes)
                if not any(v.strip() if type(v) is str else cell_text(v) for v in cells):
                    continue
                long = any(type(v) is str and len(v) > max_cell for v in cells)
                nul = any(type(v) is str and "\x00" in v for v in cells)
            count += 1
            if max_rows is not None and count > max_rows:
                raise _file_error(f"数据超过 {max_rows} 行的上限，未读取；请分成几个文件导入")
            if nul:
                # no database stores it in text (PostgreSQL refuses it outright): a
                # file with one is cut or saved in another encoding
                key = next(
                    k for k, v in zip(keys, cells, strict=True) if type(v) is str and "\x00" in v
                )
                raise TableError([RowError(number, headers[key], NUL_CELL)])
            if long:
                key = next(
                    k
                    for k, v in zip(keys, cells, strict=True)
                    if type(v) is str and len(v) > max_cell
                )
                raise TableError(
                    [
                        RowError(
                            number,
                            headers[key],
                            f"单元格超过 {limits.max_cell} 个字符（Excel 单元格的上限）",
                        )
                    ]
                )
            yield SourceRow(number, dict(zip(keys, cells, strict=True)))
    finally:
        _close(rows)


def _close(rows):
    close = getattr(rows, "close", None)
    if close is not None:
        close()


# ----- staging: the valid rows of a large import in a temporary table -----


#: the page cache (KiB) of a SQLite connection while a staged import runs
SQLITE_CACHE_KB = 128 * 1024


class Stage:
    """A temporary table holding the valid rows of one import until they are merged.

    Its columns are `row_no` (the row in the file), `row_key` (the record's key, for
    duplicates) and one per `(name, model field)` of `fields`, typed as the field is
    in the database, so that the merge compares and copies values as they are. Rows
    are written a chunk at a time: PostgreSQL's COPY, executemany elsewhere. Create
    and use it inside a transaction; `drop()` when done (PostgreSQL also drops it at
    commit).
    """

    #: write through COPY (PostgreSQL); None: when the database has it
    copy = None
    #: PostgreSQL's memory for one sort or hash while the import's transaction runs
    #: (SET LOCAL: back to the server's setting at commit); its default, 4 MB, sorts the
    #: duplicates' window and hashes the summary's groups on disk past ~100,000 rows
    work_mem = "64MB"

    def __init__(self, fields):
        from duban.core.bulk import _converter

        if self.copy is None:
            self.copy = connection.vendor == "postgresql"
        self.name = f"duban_stage_{uuid.uuid4().hex[:12]}"
        self.fields = list(fields)
        self.names = ["row_no", "row_key", *(name for name, _ in self.fields)]
        postgres = connection.vendor == "postgresql"
        #: how each value becomes a parameter (None: as it is)
        self.converters = [None, None] + [
            None if postgres else _converter(f) for _, f in self.fields
        ]
        self.count = 0
        self._copy = None

    def _type(self, model_field):
        if model_field.primary_key:
            return model_field.rel_db_type(connection)
        return model_field.cast_db_type(connection) or model_field.db_type(connection)

    @property
    def table(self):
        return connection.ops.quote_name(self.name)

    def create(self):
        qn = connection.ops.quote_name
        columns = ", ".join(
            [
                "row_no integer NOT NULL",
                "row_key text NOT NULL",
                *(f"{qn(name)} {self._type(f)}" for name, f in self.fields),
            ]
        )
        drop = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # the merge updates the target's indexes: a page cache of 2 MB (SQLite's
                # default) rereads them from disk; this connection's cache grows to
                # SQLITE_CACHE_KB while the import runs (no effect on durability)
                cursor.execute("PRAGMA cache_size")
                size = cursor.fetchone()[0]
                if size != -SQLITE_CACHE_KB:  # else another stage of the file set it
                    self._cache_size = size
                    cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KB}")
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('work_mem', %s, true)", [self.work_mem])
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} ({columns}){drop}")
        return self

    def convert(self, rows):
        """Rows as the database takes them: a few columns of many (SQLite's datetimes)
        turned into parameters, the others as they are."""
        converting = [(i, c) for i, c in enumerate(self.converters) if c is not None]
        if not converting:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, convert in converting:
                value = row[index]
                if value is not None:
                    row[index] = convert(value)
            converted.append(row)
        return converted

    def encode(self, rows):
        """Rows as bytes ready for `write`, made where the rows are checked: the writing
        process then passes them on without touching each value. On PostgreSQL the text
        of a COPY, which psycopg formats with this connection's adapters through a Copy
        that sends nothing (its documented use with `writer=`); elsewhere the pickled
        parameters (`convert`). No query: a checking process may do it."""
        if not self.copy:
            return Encoded(pickle.dumps(self.convert(rows), pickle.HIGHEST_PROTOCOL), len(rows))
        from psycopg import Copy
        from psycopg.copy import FileWriter

        out = io.BytesIO()
        with Copy(connection.connection.cursor(), binary=False, writer=FileWriter(out)) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
        return Encoded(out.getvalue(), len(rows))

    def write(self, rows, converted=False):
        """Append rows, each a sequence of values in the order of `names` (already
        through `convert` when `converted`: a checking process did it), or the
        `Encoded` bytes of them."""
        if not rows:
            return
        if isinstance(rows, Encoded) and not self.copy:
            rows, converted = pickle.loads(rows.data), True
        elif isinstance(rows, Encoded):
            if self._copy is not None:
                self._copy.write(rows.data)
            else:
                with connection.cursor() as cursor:
                    statement = f"COPY {self.table} ({self._columns()}) FROM STDIN"
                    with cursor.cursor.copy(statement) as copy:
                        copy.write(rows.data)
            self.count += rows.rows
            return
        if not converted:
            rows = self.convert(rows)
        if self._copy is not None:  # the one COPY `streaming()` holds open
            write_row = self._copy.write_row
            for row in rows:
                write_row(row)
            self.count += len(rows)
            return
        columns = self._columns()
        with connection.cursor() as cursor:
            if self.copy:
                with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.names))
                cursor.executemany(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", rows)
        self.count += len(rows)

    def _columns(self):
        qn = connection.ops.quote_name
        return ", ".join(qn(n) for n in self.names)

    @contextlib.contextmanager
    def streaming(self):
        """While the block runs, `write()` feeds one COPY held open on the stage
        (PostgreSQL; elsewhere `write()` stays a batched executemany): the server parses
        and stores the rows sent while Python checks the next ones, instead of one COPY
        per chunk that Python waits for. A thread sends the data (psycopg's
        QueuedLibpqWriter), so the reading thread does not wait on the socket either.

        The connection carries the COPY until the block ends: any query made meanwhile
        (a validator that looks something up) is refused with a RuntimeError rather
        than sent into the COPY. An exception leaving the block aborts the COPY — the
        transaction is then in error and rolls back, writing nothing."""
        if not self.copy:
            yield self
            return
        from psycopg.copy import QueuedLibpqWriter

        with connection.cursor() as cursor:
            raw = cursor.cursor
            statement = f"COPY {self.table} ({self._columns()}) FROM STDIN"
            with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
                self._copy = copy
                try:
                    with connection.execute_wrapper(_copy_in_progress):
                        yield self
                finally:
                    self._copy = None

    def duplicates(self, limit, others=(), where=None):
        """[(row, key, first row)] of the rows whose key an earlier row already had — in
        this stage, or in it and `others` (the segments of one file); only among the
        rows meeting the SQL condition `where` when given."""
        only = f" WHERE {where}" if where else ""
        rows = " UNION ALL ".join(
            f"SELECT row_no, row_key FROM {stage.table}{only}" for stage in (self, *others)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT row_no, row_key, first_row FROM (SELECT row_no, row_key, "
                f"min(row_no) OVER (PARTITION BY row_key) AS first_row FROM ({rows}) r) d "
                f"WHERE row_no > first_row ORDER BY row_no LIMIT %s",
                [limit],
            )
            return cursor.fetchall()

    def analyze(self):
        """Statistics for the planner: a temporary table has none until analysed."""
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.table}")

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            if getattr(self, "_cache_size", None) is not None:
                cursor.execute(f"PRAGMA cache_size = {int(self._cache_size)}")


@dataclass(frozen=True)
class Encoded:
    """Staged rows already in the form the database takes them (`Stage.encode`)."""

    data: bytes
    rows: int

    def __bool__(self):
        return self.rows > 0

    def __len__(self):
        return self.rows


def _copy_in_progress(execute, sql, params, many, context):
    raise RuntimeError(
        "a query was made while the staging table's COPY holds the connection: "
        f"validate rows without the database ({sql[:60]!r})"
    )


def _first_errors(errors):
    """The RowErrors (in the file's order) of the rows one checking process reads before
    it stops: all of each row's, row after row, while fewer than MAX_ERRORS are found."""
    kept = []
    for _, found in itertools.groupby(errors, key=lambda error: error.row or 0):
        if len(kept) >= MAX_ERRORS:
            break
        kept.extend(found)
    return kept


def _query_in_child(execute, sql, params, many, context):
    raise RuntimeError(
        "a query was made in the process that checks the rows: validate rows without "
        f"the database ({sql[:60]!r})"
    )


#: the longest the checking process may go without sending a chunk (one takes well
#: under a second; a stuck process must not hold the import's transaction for ever)
CHILD_SILENCE_S = 600
#: how much lower a checking process's CPU priority is than the importing process's
CHILD_NICE = 5


def _checked_in_children(importer, source, count):
    """`importer._checked(source)` run in `count` forked processes, each checking every
    `count`-th chunk of the file (each reads all of it: the csv module is the cheap part),
    their chunks sent back through pipes and yielded here in the file's order; then the
    state the checks built (`checked_state`) is set on `importer` (one process: the
    state of several could disagree, see `checkers`). A child never touches the
    database (a query there raises); it inherits the lookups `prepare()` loaded and the
    parent's connection, which it leaves alone and never closes (it ends with os._exit).
    A TableError, or any other exception, in a child is raised here; if this side stops
    early (an exception while writing), the children are ended."""
    context = multiprocessing.get_context("fork")
    pipes = [context.Pipe(duplex=False) for _ in range(count)]

    def check(part):
        for n, (receiver, sender) in enumerate(pipes):
            receiver.close()
            if n != part:
                sender.close()
        sender = pipes[part][1]
        # the process that writes (and, while it merges, the database's) comes first: a
        # checking process only has to keep ahead of it
        with contextlib.suppress(OSError):
            os.nice(CHILD_NICE)
        try:
            read = 0
            with connection.execute_wrapper(_query_in_child):
                # the staging table's parameters made here, not in the writing process
                stage = Stage(importer.stage_fields())
                for read, staged, errors in importer._checked(
                    source, prepared=True, part=(part, count)
                ):
                    sender.send(("rows", (read, stage.encode(staged), errors)))
            sender.send(("done", (read, importer.checked_state() if part == 0 else {})))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the parent stopped listening (it failed, or was killed): nothing to say
        except TableError as exc:
            with contextlib.suppress(OSError):
                sender.send(("table", exc.errors))
        except BaseException:  # noqa: BLE001 - told to the parent, which raises it
            import traceback

            with contextlib.suppress(OSError):
                sender.send(("error", traceback.format_exc()))
        finally:
            sender.close()

    children = []
    # what exists now is shared with the checking processes until either side writes to
    # it; the collector, walking every object, would write to all of it (copying each
    # page, twice the memory) while this side merges: it leaves them alone until the end
    gc.freeze()
    try:
        for part in range(count):
            process = context.Process(
                target=check, args=(part,), name=f"duban-import-check-{part}", daemon=True
            )
            process.start()
            children.append(process)
        receivers = []
        for receiver, sender in pipes:
            sender.close()
            receivers.append(receiver)

        def receive(part):
            receiver, process = receivers[part], children[part]
            if not receiver.poll(CHILD_SILENCE_S):
                raise RuntimeError(
                    f"检查导入文件的进程超过 {CHILD_SILENCE_S} 秒没有回应，导入已中止"
                )
            try:
                kind, value = receiver.recv()
            except EOFError:
                process.join()
                raise RuntimeError(f"检查导入文件的进程意外结束（退出码 {process.exitcode}）")
            if kind == "table":
                raise TableError(value)
            if kind == "error":
                raise RuntimeError(f"检查导入文件的进程出错：\n{value}")
            return kind, value

        progress = importer.progress
        # chunk k comes from child k % count: the file's order, and each child's next
        # message is its next chunk or, past the last chunk, its end
        chunk, rows = 0, 0
        while True:
            kind, value = receive(chunk % count)
            if kind == "done":
                break
            if progress is not None:
                progress(value[0], message="正在逐行检查")
            rows = max(rows, value[0])
            yield (*value, True)
            chunk += 1
        ended = {chunk % count: value}
        for part in range(count):
            while part not in ended:  # the others have no chunk left: their end
                kind, value = receive(part)
                if kind == "done":
                    ended[part] = value
        rows = max(rows, *(read for read, _ in ended.values()))
        for name, value in ended[0][1].items():
            setattr(importer, name, value)
        yield rows, [], [], True  # the rows read, when the last chunk was no child's own
    finally:
        for receiver, _ in pipes:
            receiver.close()
        for process in children:
            if process.is_alive():
                process.terminate()
            process.join()
        gc.unfreeze()


class _Refused(Exception):
    """The file is refused after merging began: the transaction is rolled back."""


def _add_report(report, part):
    """`part`'s counts and listed rows (a segment's) added to `report`'s (the file's)."""
    for kind in ("created", "updated", "unchanged"):
        report.totals[kind] = report.totals.get(kind, 0) + part.totals.get(kind, 0)
        listed, more = getattr(report, kind), getattr(part, kind)
        listed.extend(more[: max(LISTED - len(listed), 0)])
    report.created_refs.extend(part.created_refs)


class _Spool:
    """The chunks `_chunks` yields, taken by a thread as they come and kept — their
    staged bytes in a temporary file, the rest in a queue — until this process, busy
    merging, reads them as segments (`segments`). The checking processes then never
    wait for it, and memory holds one segment, not the file.

    `first` is the first chunk, taken by the caller: the checking processes fork at
    it, before this thread exists. The thread passes on what `chunks` raises; `close`
    stops it and, through the generator, the checking processes."""

    def __init__(self, first, chunks):
        self._chunks = chunks
        self._file = tempfile.TemporaryFile(prefix="duban-import-")
        self._queue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(first,), name="duban-import-spool", daemon=True
        )
        self._thread.start()

    def _run(self, first):
        fd, offset = self._file.fileno(), 0
        try:
            for count, staged, errors, _ in itertools.chain([first], self._chunks):
                if self._stop.is_set():
                    return
                blob = None
                if staged:  # Encoded: the checking processes' (Stage.encode)
                    os.pwrite(fd, staged.data, offset)
                    blob = (offset, len(staged.data), staged.rows)
                    offset += len(staged.data)
                self._queue.put(("chunk", (count, blob, errors)))
        except BaseException as exc:  # noqa: BLE001 - raised on the reading side
            self._queue.put(("error", exc))
        else:
            self._queue.put(("end", None))

    def _read(self, blobs):
        fd = self._file.fileno()
        for offset, length, rows in blobs:
            yield Encoded(os.pread(fd, length, offset), rows)

    def segments(self, size):
        """(rows read so far, an iterator of the segment's staged chunks, its RowErrors)
        for each `size` staged rows, then for what is left when the file ends."""
        count, blobs, rows, errors = 0, [], 0, []
        while True:
            kind, value = self._queue.get()
            if kind == "error":
                raise value
            if kind == "end":
                yield count, self._read(blobs) if blobs else None, errors
                return
            count, blob, found = value
            errors.extend(found)
            if blob is not None:
                blobs.append(blob)
                rows += blob[2]
            if rows >= size:
                yield count, self._read(blobs), errors
                blobs, rows, errors = [], 0, []

    def close(self):
        self._stop.set()
        self._thread.join(timeout=CHILD_SILENCE_S)
        if not self._thread.is_alive():
            self._chunks.close()  # the checking processes, if still running, end
        self._file.close()


def db_reader(model_field):
    """A function turning a raw value of `model_field`'s column, as a cursor returns
    it, into the Python value (what the ORM's converters do: SQLite's text dates...)."""
    column = model_field.get_col(model_field.model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    def read(value):
        for convert in converters:
            value = convert(value, column, connection)
        return value

    return read


class TabularImport:
    """Base of every import. Subclasses set `columns` and implement the three steps."""

    columns: list = []
    #: label used in errors when two rows carry the same key
    key_label = "编号"
    #: valid rows go to a staging table a chunk at a time (see `Stage`), not to memory
    staged = False
    chunk_rows = 5000
    #: a staged import's file of at least this many bytes is read and checked in
    #: `checkers` other processes (forked after `prepare()`: the same lookups, no
    #: database) while this one writes the staging table — two cores at work instead of
    #: one; None: always in this process. An import that sets it hands back what its checks
    #: learned that the merge needs (`checked_state`).
    parallel_bytes = None
    #: processes that check a large file (`parallel_bytes`), each every n-th chunk; one
    #: when the checks build state that the merge reads (`checked_state`) and that
    #: several could build differently (placeholders of names to create)
    checkers = 1
    #: a large file (read by checking processes) on PostgreSQL is merged this many rows
    #: at a time while the rest is still read and checked (`_apply_segmented`); None:
    #: once the whole file is read. An import that sets it implements `plan_stage` and
    #: `merge` for a part of the file, and `merging` for what follows them all.
    segment_rows = None
    #: called as progress(rows_read, message=...) while a file is read (a background job's
    #: bar, core/jobs.py, or the command line's TerminalProgress); None: nothing to tell
    progress = None

    def __init__(self, *, user=None, limits=None):
        self.user = user
        #: what a file may hold; the web's unless the caller (the CLI) passes others
        self.limits = limits or Limits.web()

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

    # --- to implement when staged ---------------------------------------
    def checked_state(self):
        """{attribute: value} that validate_row set and the merge reads (names to create
        and their placeholders...): handed back from the checking process
        (`parallel_bytes`) and set on this import."""
        return {}

    def stage_fields(self):
        """[(column name, model field)] of the staging table, besides row_no and row_key."""
        raise NotImplementedError

    def stage_values(self, record):
        """A valid record as the values of `stage_fields`, in their order."""
        raise NotImplementedError

    def plan_stage(self, stage, report):
        """Compare the staged rows with the database (set-based); fill report.totals
        and list the first LISTED rows of each kind."""
        raise NotImplementedError

    def merge(self, stage, report):
        """Write the staged rows (inside the transaction and audit context)."""
        raise NotImplementedError

    # --- the mechanism ------------------------------------------------
    def _run(self, source, report):
        rows = read_rows(source, self.columns, limits=self.limits)
        records, seen, any_row = [], {}, False
        progress, count = self.progress, 0
        try:
            for row in rows:
                if progress is not None:
                    count += 1
                    progress(count, message="正在逐行检查")
                if not any_row:
                    any_row = True
                    self.prepare()
                if len(report.errors) >= MAX_ERRORS:
                    continue  # enough to fix first; the rest is only read, for the limits
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
        except TableError as exc:
            # the file as a whole is refused: its row errors would only distract
            report.errors[:] = exc.errors
            return []
        if not any_row:
            report.errors.append(RowError(None, "", "表格中没有数据行"))
            return []
        if len(report.errors) >= MAX_ERRORS:
            report.errors.append(
                RowError(None, "", f"错误已超过 {MAX_ERRORS} 处，后面的行未检查；请先修改以上问题")
            )
        if report.errors:
            return []
        if progress is not None:
            writing = report.batch_id  # apply() gives its report a batch id, preview() none
            progress(count, message="正在比对并写入" if writing else "正在比对", force=True)
        self.plan_all(records, report)
        return records

    def _checked(self, source, prepared, progress=None, part=(0, 1)):
        """The file read and checked, `chunk_rows` rows at a time: yields (data rows read
        so far, the staged values of the chunk's valid rows, the chunk's RowErrors), the
        last time when the file ends (0 rows read: it has no data row). Raises
        TableError. `prepare()` runs at the first data row unless `prepared`.

        `part` (i, n): only chunks i, i + n, i + 2n… are checked and yielded, the others
        only read (a checking process of n, `_checked_in_children`); the last yield is
        then the last chunk only when it is one of them."""
        rows = read_rows(source, self.columns, limits=self.limits)
        staged, errors, count, failed = [], [], 0, 0
        chunk_rows, validate, stage_values = self.chunk_rows, self.validate_row, self.stage_values
        mine, of = part
        chunk, checking = 0, mine == 0
        for row in rows:
            if not prepared:
                self.prepare()
                prepared = True
            count += 1
            if progress is not None:
                progress(count, message="正在逐行检查")
            # past MAX_ERRORS the rest is only read, for the limits: enough to fix first
            # (several processes each stop at their own MAX_ERRORS: together, at least
            # the file's first MAX_ERRORS, which is what _run_staged keeps)
            if checking and failed < MAX_ERRORS:
                before = len(errors)
                record = validate(row, errors)
                failed += len(errors) - before
                if record is not None:
                    staged.append((row.number, record.key, *stage_values(record)))
            if count % chunk_rows == 0:
                if checking:
                    yield count, staged, errors
                    staged, errors = [], []
                chunk += 1
                checking = chunk % of == mine
        if checking:
            yield count, staged, errors

    def _in_child(self, source):
        """Whether `source` is read and checked in other processes: a file of at least
        `parallel_bytes`, where this platform forks (Linux), the machine has cores to
        spare and this process may start others."""
        if self.parallel_bytes is None or not isinstance(source, str | Path):
            return False
        if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
            return False  # no fork (not Linux), or one core: nothing to share the work
        if multiprocessing.current_process().daemon:
            return False  # a daemonic process may not start one
        try:
            return os.path.getsize(source) >= self.parallel_bytes
        except OSError:
            return False  # read_rows says what is wrong with it

    def _chunks(self, source):
        """(rows read so far, staged values, RowErrors, whether the values went through
        Stage.convert) a chunk at a time: `_checked` here, or in checking processes."""
        if self._in_child(source):
            # each checking process reads the whole file: an xlsx, whose parsing is most
            # of the work, by one of them
            count = max(1, self.checkers) if _kind(source) == "csv" else 1
            self.prepare()  # before the fork: the checking processes use its lookups
            yield from _checked_in_children(self, source, count)
        else:
            for item in self._checked(source, prepared=False, progress=self.progress):
                yield (*item, False)

    def _run_staged(self, source, report):
        """`_run` of a staged import: the valid rows go to a new Stage, a chunk at a
        time; returns the Stage when the file has no error, else None. Call it inside
        a transaction."""
        stage, refused, count = None, None, 0
        progress = self.progress
        # the stage's COPY stays open while the file is read (Stage.streaming): the
        # server stores chunk k while validate_row, which must not query, checks k+1 —
        # here, or in a second process for a large file (`parallel_bytes`), while this
        # one sends the rows
        with contextlib.ExitStack() as streaming:
            try:
                for count, staged, errors, converted in self._chunks(source):
                    report.errors.extend(errors)
                    if stage is None and count:
                        stage = Stage(self.stage_fields()).create()
                        streaming.enter_context(stage.streaming())
                    if staged:
                        stage.write(staged, converted)
            except TableError as exc:
                # caught inside the COPY, which then ends normally: the stage is dropped
                refused = exc
        if refused is not None:
            report.errors[:] = refused.errors
            if stage is not None:
                stage.drop()
            return None
        if stage is None:
            report.errors.append(RowError(None, "", "表格中没有数据行"))
            return None
        self._settle_errors(report, [stage])
        if report.errors:
            stage.drop()
            return None
        if progress is not None:
            writing = report.batch_id  # apply() gives its report a batch id, preview() none
            progress(count, message="正在比对并写入" if writing else "正在比对", force=True)
        stage.analyze()
        self.plan_stage(stage, report)
        if report.errors:  # the plan found rows it cannot write (a unit deleted meanwhile)
            stage.drop()
            return None
        return stage

    def _settle_errors(self, report, stages, where=None):
        """The file's errors once it is read: the row errors (several checking processes
        each stop at their own MAX_ERRORS: kept as one process, stopping at the file's,
        would have found them), then the keys found twice in the staging tables (among
        their rows meeting `where`, see `Stage.duplicates`), in the file's order."""
        report.errors[:] = _first_errors(report.errors)
        room = MAX_ERRORS - len(report.errors)
        repeated = stages[0].duplicates(max(room, 0), stages[1:], where) if stages else []
        for number, key, first in repeated:
            report.errors.append(
                RowError(
                    number,
                    self.key_label,
                    f"“{key}”与第{first}行重复，同一{self.key_label}只能出现一次",
                )
            )
        report.errors.sort(key=lambda e: e.row or 0)
        if len(report.errors) >= MAX_ERRORS:
            report.errors.append(
                RowError(None, "", f"错误已超过 {MAX_ERRORS} 处，后面的行未检查；请先修改以上问题")
            )

    def _segmented(self, source):
        """Whether `apply` merges `source` a segment at a time while it is still read: a
        file read by checking processes (`parallel_bytes`), for an import that sets
        `segment_rows`."""
        return bool(self.segment_rows) and self._in_child(source)

    def _apply_segmented(self, source, report):
        """`apply` of a large file, merging while the file is read: the checking
        processes go on reading and checking (a thread keeps what they send in a
        temporary file, `_Spool`, so they never wait) while this process plans and
        merges each `segment_rows` rows — its own staging table, `plan_stage`, `merge` —
        inside the import's one transaction. The checks and the merge, each a core's
        work, then run at the same time instead of one after the other. The progress
        bar follows the rows merged, not the reading ahead.

        The file's result is the same as staging it whole. A key repeated in the file
        either names a record already there twice (found when the file ends, among the
        rows that matched one, `matched_rows`) or creates one twice, which its unique
        index refuses: the segment is undone to its savepoint, nothing more is merged,
        and the check over all the staging tables names the rows. Any error —
        a row's, a repeated key, a file that cannot be read further — rolls back the
        whole transaction: the segments merged before it are undone, nothing is written.
        Call it inside `apply`'s transaction and audit context."""
        stages, refused, failed, clash, count = [], None, False, None, 0
        progress, self.progress = self.progress, None  # not told by the reading side
        chunks = self._chunks(source)  # the checking processes fork at its first item
        spool = None
        try:
            with self.merging():
                try:
                    spool = _Spool(next(chunks), chunks)
                    for count, data, errors in spool.segments(self.segment_rows):
                        report.errors.extend(errors)
                        if progress is not None:
                            refusing = report.errors or failed
                            message = "正在逐行检查" if refusing else "正在逐行检查并写入"
                            progress(count, message=message, force=True)
                        if not data:
                            continue
                        stage = Stage(self.stage_fields()).create()
                        stages.append(stage)
                        with stage.streaming():
                            for encoded in data:
                                stage.write(encoded, converted=True)
                        if report.errors or failed:
                            continue  # the file is refused: only read on, for its errors
                        stage.analyze()
                        part = ImportReport(batch_id=report.batch_id)
                        self.plan_stage(stage, part)
                        if part.errors:
                            report.errors.extend(part.errors)
                            continue
                        if part.changed:
                            try:
                                with transaction.atomic():
                                    self.merge(stage, part)
                            except IntegrityError as exc:
                                # a key created twice (in this segment, or an earlier
                                # one): the file repeats it, which the check over all
                                # segments names below; undone to before this segment
                                failed = clash = exc
                                continue
                        _add_report(report, part)
                except TableError as exc:
                    refused = exc
                    raise _Refused from None
                if not count:
                    report.errors.append(RowError(None, "", "表格中没有数据行"))
                    raise _Refused
                # every segment merged: a key created twice would have failed its insert,
                # so only rows that matched a record already there can repeat one
                merged = not (report.errors or failed) and self.matched_rows
                self._settle_errors(report, stages, merged or None)
                if report.errors:
                    raise _Refused
                if clash is not None:
                    raise clash  # not a repeated number after all: as it came
                if progress is not None:
                    progress(count, message="正在更新统计", force=True)
        except _Refused:
            if refused is not None:
                report.errors[:] = refused.errors
            report.totals, report.created, report.updated, report.unchanged = {}, [], [], []
            for stage in stages:
                stage.drop()
            transaction.set_rollback(True)  # the segments merged before the error, undone
            return report
        finally:
            self.progress = progress
            if spool is not None:
                spool.close()
            else:
                chunks.close()
        report.applied = report.changed or bool(report.created_refs)
        if report.applied:
            _pause_for_tests()
        for stage in stages:
            stage.drop()
        return report

    #: the SQL condition, on a staging table's columns, of the rows `plan_stage` found
    #: a record for: once every segment of a file is merged, the only rows that can
    #: repeat a key unseen (a key's second new record fails the merge's insert, on the
    #: record's unique index); None: the check looks at every row
    matched_rows = None

    @contextlib.contextmanager
    def merging(self):
        """Around the merges of one file's segments (`_apply_segmented`): what an import
        does once for them all (the requests' summary: refreshed once, at the end)."""
        yield

    def plan_all(self, records, report):
        """Plan every valid record; an import may plan them together."""
        for record in records:
            self.plan(record, report)

    def preview(self, source):
        report = ImportReport()
        if self.staged:
            # the staging table lives in a transaction that is rolled back
            with transaction.atomic():
                stage = self._run_staged(source, report)
                if stage is not None:
                    stage.drop()
                transaction.set_rollback(True)
            return report
        self._run(source, report)
        return report

    def apply(self, source):
        report = ImportReport(batch_id=audit.new_batch_id())
        with audit.audit_context(audit.Channel.IMPORT, user=self.user, batch_id=report.batch_id):
            with transaction.atomic():
                if self.staged and self._segmented(source):
                    return self._apply_segmented(source, report)
                if self.staged:
                    stage = self._run_staged(source, report)
                    if stage is not None:
                        if report.changed or report.created_refs:
                            self.merge(stage, report)
                            report.applied = True
                            _pause_for_tests()
                        stage.drop()
                    return report
                records = self._run(source, report)
                if report.ok and (report.changed or report.created_refs):
                    self.write(records, report)
                    report.applied = True
                    _pause_for_tests()
        return report


def _pause_for_tests():
    """The fault tests (tests/faults/test_killed_import.py) kill an import while it is
    applying: DUBAN_TEST_PAUSE_IMPORT=<file> makes apply() create that file once every
    row is written, then wait, still inside the transaction, to be killed. Unset (always,
    outside those tests) it does nothing."""
    import os

    marker = os.environ.get("DUBAN_TEST_PAUSE_IMPORT")
    if not marker:
        return
    import time

    Path(marker).write_text("applying")
    time.sleep(60)


def estimate_rows(path):
    """About how many data rows a file holds, for a progress bar only: a csv's lines less
    the header; an xlsx's first sheet as its <dimension> declares it (None when it does not)."""
    if _kind(path) == "xlsx":
        try:
            with zipfile.ZipFile(path) as archive:
                sheets = sorted(
                    n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")
                )
                with archive.open(sheets[0]) as sheet:
                    start = sheet.read(4096).decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, IndexError, KeyError):
            return None
        found = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', start)
        return max(int(found[1]) - 1, 1) if found else None
    lines = 0
    with open(path, "rb") as binary:
        while chunk := binary.read(1024 * 1024):
            lines += chunk.count(b"\n")
    return max(lines - 1, 1)


def run_from_command(command, importer, path, *, dry_run, done_prefix):
    """What every `duban ... import` command does with an import: preview or apply it,
    print every error with its row to stderr and exit non-zero, else list the changes."""
    from django.core.management.base import CommandError

    # checked here: the reader reports any unreadable file as "not a valid Excel file"
    if not Path(path).is_file():
        raise CommandError(f"找不到文件：{path}")
    importer.limits = CLI_LIMITS
    from duban.core.jobs import TerminalProgress

    bar = TerminalProgress(getattr(command.stderr, "_out", command.stderr))
    if bar.enabled:
        bar.total = estimate_rows(path)
        importer.progress = bar
    try:
        report = importer.preview(path) if dry_run else importer.apply(path)
    finally:
        bar.close()
    if len(report.errors) == 1 and report.errors[0].row is None:
        # the file as a whole: one line says it all
        raise CommandError(f"{report.errors[0].message}，未写入任何数据")
    for error in report.errors:
        command.stderr.write(str(error))
    if not report.ok:
        raise CommandError(report.summary())
    for change in report.created:
        command.stdout.write(f"  新增 第{change.row}行 {change.key} {change.title}")
    if report.n_created > len(report.created):
        command.stdout.write(f"  ……另有 {report.n_created - len(report.created)} 项新增未列出")
    for change in report.updated:
        fields = "、".join(label for label, _, _ in change.changes)
        command.stdout.write(f"  更新 第{change.row}行 {change.key} {change.title}（{fields}）")
    if report.n_updated > len(report.updated):
        command.stdout.write(f"  ……另有 {report.n_updated - len(report.updated)} 项更新未列出")
    command.stdout.write(("预览（未写入）：" if dry_run else done_prefix) + report.summary())
    if report.applied:
        command.stdout.write(f"批次号：{report.batch_id}")
    return report
