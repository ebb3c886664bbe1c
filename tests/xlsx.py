"""Small xlsx files for import tests, written the way an office's Excel would save them."""

import datetime as dt

from openpyxl import Workbook, load_workbook

LEDGER_HEADERS = [
    "编号",
    "类别",
    "事项名称",
    "工作目标",
    "牵头单位",
    "协同单位",
    "责任领导",
    "完成时限",
    "节点计划",
]


def write_xlsx(path, headers, rows, *, above=()):
    """Write `headers` then `rows` (lists) to the first sheet of a new xlsx at `path`.

    `above` are rows written before the header row (a title such as
    "2022年重点工作台账"). A `datetime.date` or `datetime.datetime` value becomes
    a real Excel date cell (a serial number with a date format), as when an
    office sets the column to 日期 format; a string stays text.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    for row in above:
        sheet.append(list(row))
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    workbook.save(path)
    return path


def ledger_row(headers=LEDGER_HEADERS, **values):
    """One row in the order of `headers`, from values keyed by header (编号="MS-01")."""
    return [values.get(name) for name in headers]


def write_ledger(path, rows, *, headers=LEDGER_HEADERS, above=()):
    """A ledger xlsx from rows given as dicts keyed by header name."""
    return write_xlsx(path, headers, [ledger_row(headers, **row) for row in rows], above=above)


def read_sheet(path, index=0):
    """All rows of one sheet as tuples of cell values."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[index].iter_rows(values_only=True)]
    finally:
        workbook.close()
