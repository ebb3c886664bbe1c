"""Limits of web imports: how much memory and time two hostile files cost the preview.

    .venv/bin/python bench/import_limits_bench.py [--rows 1000000] [--string-mb 300]
    .venv/bin/python bench/import_limits_bench.py --code /tmp/duban-before   # another tree

Two files of issue 10 are written to a temporary folder:

- **rows**: an xlsx of 1,000,000 short numeric rows (about 5 MB; its sheet part is
  well under the size limit once decompressed), which the preview must refuse at
  DUBAN_IMPORT_MAX_ROWS (100,000) without reading the rest of the file;
- **string**: an xlsx of about 300 KB whose one cell holds a 300 MB string, which
  must be refused by the decompressed-size limit (200 MB) before openpyxl opens it.

Each is previewed by the ledger import with the web's limits (`Limits.web()`) in its
own process on a throwaway SQLite database, and the process's peak memory (ru_maxrss)
and the preview's time are printed with the first error the preview reported. No
test asserts these figures; the machine's load changes the times.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = "BENCH_RESULT "
HEADER = ["编号", "类别", "事项名称", "牵头单位"]
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _skeleton(folder):
    """A minimal xlsx written by openpyxl, whose sheet part the files below replace."""
    from openpyxl import Workbook

    path = folder / "skeleton.xlsx"
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.save(path)
    return path


def _header_xml():
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCD", HEADER, strict=True)
    )
    return f'<row r="1">{cells}</row>'


def _write(path, skeleton, write_sheet):
    """Copy `skeleton` to `path`, streaming a new sheet part through `write_sheet(out)`."""
    sheet = "xl/worksheets/sheet1.xml"
    with (
        zipfile.ZipFile(skeleton) as old,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new,
    ):
        for info in old.infolist():
            if info.filename != sheet:
                new.writestr(info, old.read(info.filename))
        with new.open(sheet, "w", force_zip64=True) as out:
            out.write(f'<worksheet xmlns="{NS}"><sheetData>'.encode())
            out.write(_header_xml().encode())
            write_sheet(out)
            out.write(b"</sheetData></worksheet>")
    return path


def many_rows(folder, rows):
    def write_sheet(out):
        chunk = []
        for n in range(2, rows + 2):
            chunk.append(
                f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>1</v></c>'
                f'<c r="C{n}"><v>{n % 97}</v></c><c r="D{n}"><v>2</v></c></row>'
            )
            if len(chunk) == 10_000:
                out.write("".join(chunk).encode())
                chunk = []
        out.write("".join(chunk).encode())

    return _write(folder / "rows.xlsx", _skeleton(folder), write_sheet)


def one_long_string(folder, megabytes):
    def write_sheet(out):
        out.write(b'<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>1</v></c>')
        out.write(b'<c r="C2" t="inlineStr"><is><t>')
        block = b"a" * (1024 * 1024)
        for _ in range(megabytes):
            out.write(block)
        out.write(b'</t></is></c><c r="D2"><v>2</v></c></row>')

    return _write(folder / "string.xlsx", _skeleton(folder), write_sheet)


def worker(args):
    sys.path.insert(0, args.code or str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from duban.ledger.importer import LedgerImport
    from duban.org.models import Office

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    report = LedgerImport(Office.objects.order_by("id").first(), 2022).preview(args.file)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        RESULT
        + json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak / 1024,
                "before_mb": before / 1024,
                "errors": len(report.errors),
                "first_error": str(report.errors[0]) if report.errors else "",
            },
            ensure_ascii=False,
        )
    )


def run(path, code, folder):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(
        DJANGO_SETTINGS_MODULE="duban.settings",
        DUBAN_SQLITE_PATH=str(folder / "bench.sqlite3"),
        DUBAN_DATA_DIR=str(folder),
        PYTHONPATH=code or str(ROOT),
    )
    command = [sys.executable, __file__, "--worker", "--file", str(path)]
    if code:
        command += ["--code", code]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT) :])
    return {"error": f"worker exited {done.returncode}: {done.stderr[-400:]}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--string-mb", type=int, default=300)
    parser.add_argument("--code", help="import duban from this tree instead of the checkout")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    with tempfile.TemporaryDirectory(prefix="duban-bench-limits-") as name:
        folder = Path(name)
        files = [
            (f"{args.rows:,} rows", many_rows(folder, args.rows)),
            (f"one {args.string_mb} MB string", one_long_string(folder, args.string_mb)),
        ]
        print(f"ledger preview with the web's limits, code: {args.code or ROOT}")
        print(
            "file                 | size     | unzipped  | preview (s) | peak memory (MB) | answer"
        )
        print(
            "---------------------+----------+-----------+-------------+------------------+-------"
        )
        for label, path in files:
            with zipfile.ZipFile(path) as archive:
                unzipped = sum(i.file_size for i in archive.infolist())
            result = run(path, args.code, folder)
            if "error" in result:
                print(f"{label:<20} | {result['error']}")
                continue
            print(
                f"{label:<20} | {path.stat().st_size / 1024:>5.0f} KB | "
                f"{unzipped / 1024 / 1024:>6.0f} MB | {result['seconds']:>11.2f} | "
                f"{result['peak_mb']:>16.0f} | {result['first_error']}"
            )
        print("(peak memory is the whole process: Python, Django and the migrated database)")


if __name__ == "__main__":
    main()
