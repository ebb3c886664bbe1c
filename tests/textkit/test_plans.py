"""计划 → 台账: the candidates of a plan, measured on labelled plans, and the file they
make imports through the ledger's own import."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from duban.ledger.importer import HEADERS, LedgerImport
from duban.ledger.models import KeyTask
from duban.textkit import plans
from duban.textkit.numbers import paragraphs_of
from duban.textkit.plan_xlsx import workbook_bytes
from tests.textkit.plan_cases import OWN_COMMITMENTS, OWN_PLAN, REFERENCE_PLANS

REFERENCE = Path("/work/shared/reference")
CATEGORIES = ["街道民生实事项目", "街道重点工作专班推进项目", "区委区政府重点工作"]


def score(candidates, commitments):
    used = set()
    right = 0
    for c in candidates:
        match = next(
            (i for i, piece in enumerate(commitments) if i not in used and piece in c.source),
            None,
        )
        if match is not None:
            used.add(match)
            right += 1
    precision = right / len(candidates) if candidates else 1.0
    recall = len(used) / len(commitments)
    return precision, recall


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="no reference documents")
def test_reference_plans_precision_and_recall():
    found = total_right = total_commitments = hit = 0
    for name, commitments in REFERENCE_PLANS.items():
        text = (REFERENCE / name).read_text(encoding="utf-8")
        candidates = plans.extract(paragraphs_of(text), 2024, categories=CATEGORIES)
        precision, recall = score(candidates, commitments)
        found += len(candidates)
        total_right += round(precision * len(candidates))
        total_commitments += len(commitments)
        hit += round(recall * len(commitments))
        assert len(candidates) <= 2 * len(commitments)
    precision, recall = total_right / found, hit / total_commitments
    print(f"\n计划→台账 reference plans: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.8 and recall >= 0.8


def test_own_plan_precision_recall_quantities_and_deadlines():
    candidates = plans.extract(
        paragraphs_of(OWN_PLAN), 2025, categories=CATEGORIES, units=["城建中心", "党政办公室"]
    )
    precision, recall = score(candidates, OWN_COMMITMENTS)
    print(f"\n计划→台账 own plan: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.8 and recall >= 0.8
    by = {c.source[:12]: c for c in candidates}
    first = next(c for c in candidates if "雨污分流" in c.source)
    assert first.quantities == [
        (Decimal(2), "个"),
        (Decimal(36000), "平方米"),
        (Decimal(1280), "户"),
    ]
    assert first.deadline == dt.date(2025, 6, 30)
    assert first.category == "街道民生实事项目"
    road = next(c for c in candidates if "滨河路" in c.source)
    assert road.deadline == dt.date(2025, 9, 30)
    assert road.lead_unit == "城建中心"
    canteen = next(c for c in candidates if "助餐点" in c.source)
    assert canteen.deadline == dt.date(2025, 12, 31)
    assert next(c for c in candidates if "8个社区" in c.source).deadline == dt.date(2025, 9, 30)
    assert by  # titles are short
    assert all(len(c.title) <= 30 for c in candidates)


def test_the_big_figure_of_the_reference_example():
    text = (
        "二是持续推进老旧小区改造工作。预计对9个小区施工改造，涉及22.44万平方米、50栋楼、2327户。"
    )
    (c,) = plans.extract([text], 2024)
    assert c.quantities == [
        (Decimal(9), "个"),
        (Decimal(224400), "平方米"),
        (Decimal(50), "栋"),
        (Decimal(2327), "户"),
    ]
    assert c.quantity_text() == "9个；224400平方米；50栋；2327户"
    assert c.title == "推进老旧小区改造工作"


def test_the_file_imports_through_the_ledger_import(office, units):
    candidates = plans.extract(
        paragraphs_of(OWN_PLAN), 2025, categories=CATEGORIES, units=list(units_names(units))
    )
    for c in candidates:
        c.lead_unit = c.lead_unit or "城建中心"  # what the office fills in while editing
    data = workbook_bytes(candidates, 2025)
    sheet = load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[1]]
    assert header == HEADERS + ["来源原文", "数量指标"]
    report = LedgerImport(office, 2025, create_missing=True).apply(io.BytesIO(data))
    assert report.ok, report.errors
    assert KeyTask.objects.filter(office=office, year=2025).count() == len(candidates)
    task = KeyTask.objects.get(office=office, year=2025, code="2025-JH01")
    assert task.target_value == Decimal(2) and task.deadline == dt.date(2025, 6, 30)


def units_names(units):
    return [u.name for u in units.values()]


def test_the_command_writes_the_file(office, tmp_path):
    source = tmp_path / "计划.txt"
    source.write_text(OWN_PLAN, encoding="utf-8")
    out = io.StringIO()
    target = tmp_path / "c.xlsx"
    call_command("plan", "extract", str(source), "--year", "2025", "-o", str(target), stdout=out)
    assert "候选重点工作 5 项" in out.getvalue()
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert len(rows) == 6
    with pytest.raises(CommandError, match="-o 应为 .xlsx 文件"):
        call_command(
            "plan", "extract", str(source), "--year", "2025", "-o", str(tmp_path / "c.csv")
        )
    with pytest.raises(CommandError, match="--year"):
        call_command("plan", "extract", str(source), "--year", "二〇二五", "-o", str(target))


def test_the_page_lists_the_candidates_and_downloads_them(client, people):
    from django.urls import reverse

    client.force_login(people["alice"])
    assert client.get(reverse("textkit:plan")).status_code == 200
    response = client.post(reverse("textkit:plan"), {"text": OWN_PLAN, "year": "2025"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "候选重点工作 5 项" in body and "2025-06-30（6月底）" in body
    response = client.post(
        reverse("textkit:plan"), {"text": OWN_PLAN, "year": "2025", "download": "1"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 6
    response = client.post(reverse("textkit:plan"), {"text": "", "year": "2025"})
    assert response.status_code == 400
    assert "请上传计划文件或粘贴计划文字" in response.content.decode()
    client.force_login(people["bob"])
    assert client.get(reverse("textkit:plan")).status_code == 403
