"""`duban report monthly`: every format, the archive, and clear Chinese errors."""

import datetime as dt
import io
import json
import os
import zipfile

import pytest
from django.core.management import CommandError, call_command

from duban.core import pdf
from duban.org.models import Office
from duban.progress.models import Judgement
from duban.reports.models import Report
from tests.factories import KeyTaskFactory

NEEDS_SOFFICE = pytest.mark.skipif(
    not pdf.available() and os.environ.get("DUBAN_REQUIRE_SOFFICE") != "1",
    reason="LibreOffice (soffice) 未安装；CI 设置 DUBAN_REQUIRE_SOFFICE=1 时必须运行",
)


def run(*args):
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_json_output_is_the_figures_and_is_archived(judged, tmp_path):
    target = tmp_path / "r.json"
    said = run("monthly", "--period", "2022-07", "--format", "json", "-o", str(target))
    data = json.loads(target.read_text("utf-8"))
    assert data["overall"] == {
        "total": 3,
        "completed": 1,
        "on_track": 1,
        "lagging": 1,
        "lag_rate": 33.3,
    }
    report = Report.objects.get()
    assert report.figures["overall"] == data["overall"]
    assert f"编号 {report.pk}" in said and "推进滞后 1 项" in said


def test_docx_and_xlsx_outputs_are_real_office_files(judged, tmp_path):
    for fmt in ("docx", "xlsx"):
        target = tmp_path / f"r.{fmt}"
        run("monthly", "--period", "2022-07", "--format", fmt, "-o", str(target))
        with zipfile.ZipFile(target) as package:
            names = package.namelist()
        assert ("word/document.xml" if fmt == "docx" else "xl/workbook.xml") in names
    assert Report.objects.count() == 2


def test_without_output_the_file_is_named_after_the_report(judged, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("monthly", "--period", "2022-H1", "--format", "json")
    assert (tmp_path / f"{Office.objects.first().name}2022年上半年重点工作督查报告.json").is_file()


def test_a_quarter_is_a_report_period_with_its_own_title(judged, tmp_path):
    target = tmp_path / "q.json"
    run("monthly", "--period", "2022-q3", "--format", "json", "-o", str(target))
    data = json.loads(target.read_text("utf-8"))
    assert data["period"] == "2022Q3"
    assert data["title"].endswith("2022年第三季度重点工作督查报告")
    assert data["month"] == "2022-07"  # the latest judged month of the quarter


def test_from_archive_renders_the_stored_figures_not_todays(judged, tmp_path):
    run("monthly", "--period", "2022-07", "--format", "json", "-o", str(tmp_path / "a.json"))
    report = Report.objects.get()
    Judgement.objects.filter(status="lagging").update(status="completed")
    again = tmp_path / "b.json"
    run("monthly", "--from-archive", str(report.pk), "--format", "json", "-o", str(again))
    assert json.loads(again.read_text("utf-8"))["overall"]["lagging"] == 1
    assert Report.objects.count() == 1  # reopening adds nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2022-13"], "月份不存在"),
        (["--period", "七月"], "无法识别的报送周期"),
        (["--period", "2022-07", "--format", "doc"], "--format 应为"),
        (["--period", "2022-07", "--office", "不存在街道"], "找不到街道/区“不存在街道”"),
        (["--format", "json"], "请用 --period 指定报告周期"),
        (["--from-archive", "999", "--format", "json"], "报告存档中没有编号 999"),
    ],
)
def test_bad_arguments_give_a_clear_chinese_error_and_archive_nothing(judged, args, message):
    with pytest.raises(CommandError, match=message):
        run("monthly", *args)
    assert not Report.objects.exists()


def test_output_into_a_missing_folder_is_refused(judged, tmp_path):
    with pytest.raises(CommandError, match="输出目录不存在"):
        run("monthly", "--period", "2022-07", "-o", str(tmp_path / "nope" / "r.docx"))
    assert not Report.objects.exists()


def test_several_top_level_offices_need_office(judged, tmp_path):
    Office.objects.create(name="另一个街道")
    with pytest.raises(CommandError, match="请用 --office 指定"):
        run("monthly", "--period", "2022-07", "--format", "json")
    target = tmp_path / "r.json"
    run(
        "monthly", "--period", "2022-07", "--office", "另一个街道", "--format", "json", "-o", target
    )
    assert json.loads(target.read_text("utf-8"))["overall"]["total"] == 0


def test_district_report_across_streets(office, units, tmp_path):
    district = Office.objects.create(name="示范区", kind=Office.Kind.DISTRICT)
    office.parent = district
    office.save()
    other = Office.objects.create(name="北街道", parent=district)
    KeyTaskFactory(office=other, code="N1", lead_unit=units["east"])
    KeyTaskFactory(office=office, code="S1", lead_unit=units["east"])
    target = tmp_path / "d.json"
    # the district is the one top-level office, so --office may be left out
    run("monthly", "--period", "2022-07", "--format", "json", "-o", str(target))
    data = json.loads(target.read_text("utf-8"))
    assert data["office"]["name"] == "示范区"
    assert sorted(s["name"] for s in data["streets"]) == sorted([office.name, "北街道"])
    assert data["overall"]["total"] == 2


def test_pdf_without_libreoffice_says_so_and_archives_nothing(judged, settings, tmp_path):
    settings.DUBAN_SOFFICE = str(tmp_path / "no-such-soffice")
    with pytest.raises(CommandError, match="未安装 LibreOffice"):
        run("monthly", "--period", "2022-07", "--format", "pdf", "-o", str(tmp_path / "r.pdf"))
    assert not (tmp_path / "r.pdf").exists()
    assert not Report.objects.exists()


@NEEDS_SOFFICE
def test_pdf_with_libreoffice_is_a_pdf(judged, tmp_path):
    target = tmp_path / "r.pdf"
    run("monthly", "--period", "2022-07", "--format", "pdf", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF")


def test_a_year_without_holiday_data_is_reported_on_weekdays(units):
    KeyTaskFactory(code="G1", year=2040, lead_unit=units["east"], deadline=dt.date(2040, 12, 31))
    run("monthly", "--period", "2040-03", "--format", "json", "-o", "-")
    assert Report.objects.get().period == "2040-03"


def test_date_sets_the_date_under_the_signature(judged, tmp_path):
    target = tmp_path / "r.json"
    run(
        "monthly",
        "--period",
        "2022-07",
        "--date",
        "2022-08-05",
        "--format",
        "json",
        "-o",
        str(target),
    )
    assert json.loads(target.read_text("utf-8"))["report_date"] == "2022-08-05"
    run("monthly", "--period", "2022-H1", "--format", "json", "-o", str(target))
    assert json.loads(target.read_text("utf-8"))["report_date"] == "2022-06-30"
    with pytest.raises(CommandError, match="--date 应为存在的日期"):
        run("monthly", "--period", "2022-07", "--date", "2022-13-01", "--format", "json")
