"""Every list page sorts by its columns and exports what it shows — one mechanism.

A page declares its columns once:

    LIST = Listing.define(
        Col("code", "编号", order=("code",), value=lambda t: t.code),
        Col("title", "事项名称", order=("title",), value=lambda t: t.title),
        Col("lead", "牵头单位", order=("lead_unit__order", "lead_unit__name"),
            value=lambda t: t.lead_unit.name),
    )

and in the view:

    listing = LIST.bind(request.GET)             # ?sort=-title: only declared keys count
    rows = listing.order(queryset)               # or listing.sort(python_rows)
    if listing.exporting:                        # ?export=xlsx: the same rows, every page
        return listing.export(rows, "我的通知")

The header of a column is `{% sort_link listing "title" %}` (core's duban_tags): a link that
flips the direction, with an arrow on the active column; the export link is
`{% querystring export="xlsx" page=None %}`. An unknown sort key is ignored, never an error,
so a hand-edited address cannot break a page or reach a field that is not declared.

The Excel file goes through `write_rows`, the one place a list export writes its cells:
a string that Excel would read as a formula (= + - @, tab, carriage return) is kept as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from duban.core import xlsx
from duban.core.http import download

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SORT_PARAM = "sort"
EXPORT_PARAM = "export"


@dataclass(frozen=True)
class Col:
    """A list column: `order` sorts a queryset (field paths or query expressions, nulls
    last; or a function returning them, called only when the list is sorted by this
    column — a subquery is dear to build on every request), `value` gives a row's cell
    for the export and for sorting python rows. A column with neither `order` nor
    `sort_value` is not sortable; one without `value` is not exported."""

    key: str
    label: str
    order: tuple | Callable[[], tuple] = ()
    value: Callable[[Any], Any] | None = None
    sort_value: Callable[[Any], Any] | None = None
    width: int = 14

    @property
    def sortable(self):
        return bool(self.order or self.sort_value or self.value)


@dataclass(frozen=True)
class ListingSpec:
    columns: tuple[Col, ...]
    default: str = ""

    def bind(self, params):
        return Listing(self, params)

    def with_columns(self, *columns):
        """This spec and more columns (those an extension adds to a page)."""
        return ListingSpec(self.columns + tuple(columns), self.default)


class Listing:
    """The columns of one list page bound to a request's query."""

    def __init__(self, spec, params):
        self.spec = spec
        self.columns = {c.key: c for c in spec.columns}
        raw = (params.get(SORT_PARAM) or "").strip()
        key, desc = raw.lstrip("-"), raw.startswith("-")
        column = self.columns.get(key)
        if column is None or not column.sortable:
            key, desc = "", False
        self.key, self.desc = key, desc
        self.exporting = params.get(EXPORT_PARAM) == "xlsx"

    @staticmethod
    def define(*columns, default=""):
        return ListingSpec(tuple(columns), default)

    @property
    def sorted(self):
        return bool(self.key)

    # --- sorting ----------------------------------------------------------
    def order(self, queryset, *fallback):
        """The queryset in the chosen column's order (the page's own order `fallback`
        breaks ties); unchanged apart from `fallback` when no column is chosen."""
        if not self.key or not self.columns[self.key].order:
            return queryset.order_by(*fallback) if fallback else queryset
        order = self.columns[self.key].order
        fields = []
        for name in order() if callable(order) else order:
            expression = F(name) if isinstance(name, str) else name
            fields.append(
                expression.desc(nulls_last=True) if self.desc else expression.asc(nulls_last=True)
            )
        return queryset.order_by(*fields, *(fallback or ("pk",)))

    def sort(self, rows):
        """Python rows in the chosen column's order; empty values last either way; the
        rows' own order breaks ties (a stable sort)."""
        rows = list(rows)
        if not self.key:
            return rows
        column = self.columns[self.key]
        read = column.sort_value or column.value
        present = [r for r in rows if _blank(read(r)) is False]
        empty = [r for r in rows if _blank(read(r)) is True]
        present.sort(key=lambda r: _sortable(read(r)), reverse=self.desc)
        return present + empty

    # --- headers ----------------------------------------------------------
    def link(self, key):
        """(label, sort value to link to, arrow) for a column header."""
        column = self.columns[key]
        if key == self.key:
            return column.label, (key if self.desc else f"-{key}"), ("↓" if self.desc else "↑")
        return column.label, key, ""

    # --- export -------------------------------------------------------------
    def export(self, rows, title, *, columns=None):
        """An xlsx download of `rows` with the exported columns, named after `title` and
        today's date."""
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        columns = [c for c in (columns or self.spec.columns) if c.value is not None]
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title[:31]
        write_rows(sheet, [[c.label for c in columns]])
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE7F3")
            cell.alignment = Alignment(horizontal="center", vertical="center")
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        write_rows(sheet, ([_cell(c.value(row)) for c in columns] for row in rows))
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"
        if columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
        return xlsx_response(workbook, f"{title}-{timezone.localdate():%Y%m%d}.xlsx")


# ----- writing cells: the one place a list export puts values into Excel -----


def write_rows(sheet, rows):
    """Append rows to a worksheet through the one safe-cell writer (core/xlsx.py): data
    can never become a live formula."""
    for values in rows:
        xlsx.append_row(sheet, values)


def xlsx_response(workbook, filename):
    return download(workbook, filename)


def _cell(value):
    """What an export writes for a value: dates and numbers as themselves, aware datetimes
    in local time without a zone (Excel has none), lists joined with 、."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if value is None or isinstance(value, str | int | float | dt.date):
        return value
    return str(value)


def _blank(value):
    return value is None or value == ""


def _sortable(value):
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.timestamp()
    return value
