"""The floors of imports and documents, beside which `make bench` (bench/run_all.py) sets
duban's figures: the least any code could spend on the same work, measured in the same
run on the same data. (The pages' floors, minimal views on the same rows, are in
bench/pages_bench.py.)

- `bare_load` / `file_floor`: the same rows written as they are into a plain table of
  text columns — COPY on PostgreSQL, executemany on SQLite — after reading the file;
- `floor_docx`: the same paragraphs and tables as a document's blocks, in bare python-docx.
"""

import io
import time


def best_of(repeat, function):
    """(seconds of the fastest of `repeat` calls, the last call's value)."""
    best, value = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, value


# ----- floor: the same rows into a plain table -----


def bare_load(rows, width):
    """Seconds to write `rows` (iterables of `width` cells; a generator is read inside the
    timing) into a plain table of text columns: COPY on PostgreSQL, executemany on SQLite.
    The table is dropped afterwards."""
    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(width))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(f"CREATE TABLE bench_floor ({columns})")
        start = time.perf_counter()
        as_text = (
            ["" if v is None else str(v) for v in row] + [""] * (width - len(row)) for row in rows
        )
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_floor FROM STDIN") as copy:
                for row in as_text:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * width)
            chunk = []
            for row in as_text:
                chunk.append(row)
                if len(chunk) >= 5000:
                    cursor.executemany(f"INSERT INTO bench_floor VALUES ({marks})", chunk)
                    chunk = []
            if chunk:
                cursor.executemany(f"INSERT INTO bench_floor VALUES ({marks})", chunk)
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_floor")
    return elapsed


def sheet_rows(path, skip=1):
    """The rows of an xlsx's first sheet, read-only, values only, after `skip` rows."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for n, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
            if n >= skip:
                yield row
    finally:
        workbook.close()


def file_floor(path, skip=1):
    """Seconds to read an xlsx and write its rows as they are (the import's floor)."""
    start = time.perf_counter()
    rows = list(sheet_rows(path, skip))
    read = time.perf_counter() - start
    return read + bare_load(rows, max(len(r) for r in rows))


# ----- floor: bare python-docx -----


def floor_docx(blocks):
    """The same paragraphs and tables as a document's blocks, in bare python-docx."""
    from docx import Document

    document = Document()
    for block in blocks:
        if block["kind"] == "table":
            rows = [block["header"], *block["rows"]]
            table = document.add_table(rows=len(rows), cols=len(block["header"]))
            for r, values in enumerate(rows):
                cells = table.rows[r].cells
                for c, value in enumerate(values):
                    cells[c].text = str(value)
        elif block["kind"] == "signature":
            document.add_paragraph(block["office"])
            document.add_paragraph(block["date"])
        else:
            text = block.get("text") or block.get("title") or block.get("organ") or ""
            document.add_paragraph(text + (block.get("run_in") or ""))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
