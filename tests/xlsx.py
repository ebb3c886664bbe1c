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


# ----- broken files, as a careless or hostile user might upload them -----

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>
</sheetData></worksheet>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>
</sheetData></worksheet>"""

SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"


def rewrite_xlsx(source, target, parts):
    """A copy of the xlsx `source` at `target` with some zip members replaced:
    `parts` maps a member name to new bytes, or to None to leave the member out."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in parts:
                if parts[info.filename] is not None:
                    new.writestr(info.filename, parts[info.filename])
            else:
                new.writestr(info, old.read(info.filename))
        for name, data in parts.items():
            if data is not None and name not in old.namelist():
                new.writestr(name, data)
    return target


def sheet_xml(rows):
    """A worksheet part holding `rows` (lists of text) as inline strings, written by
    hand: openpyxl itself would cut a cell at Excel's 32,767 characters."""
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    body = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{get_column_letter(index)}{number}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
            for index, text in enumerate(row, start=1)
        )
        body.append(f'<row r="{number}">{cells}</row>')
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    ).encode()


def broken_xlsx(kind, good, target):
    """One of the malformed files of issue 10, made from the good xlsx `good`."""
    import zipfile

    with zipfile.ZipFile(good) as archive:
        sheet = archive.read(SHEET)
    parts = {
        "sheet cut in half": {SHEET: sheet[: len(sheet) // 2]},
        "broken workbook.xml": {"xl/workbook.xml": b"<workbook><sheets><sheet"},
        "broken styles.xml": {"xl/styles.xml": b"<styleSheet xmlns="},
        "broken [Content_Types].xml": {"[Content_Types].xml": b"<Types><Default"},
        "broken workbook.xml.rels": {"xl/_rels/workbook.xml.rels": b"<Relationships><Rel"},
        "no sheet part": {SHEET: None},
        "billion laughs": {SHEET: BILLION_LAUGHS},
        "xxe": {SHEET: XXE},
    }[kind]
    return rewrite_xlsx(good, target, parts)


BROKEN_KINDS = [
    "sheet cut in half",
    "broken workbook.xml",
    "broken styles.xml",
    "broken [Content_Types].xml",
    "broken workbook.xml.rels",
    "no sheet part",
    "billion laughs",
    "xxe",
]
