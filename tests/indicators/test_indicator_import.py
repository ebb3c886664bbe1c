"""经济社会指标导入: values and targets from Excel/CSV on the shared tabular import."""

from decimal import Decimal

import pytest

from duban.indicators.exporter import build_workbook
from duban.indicators.importer import HEADERS, IndicatorImport
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue
from tests.xlsx import write_xlsx

COLUMNS = ["指标名称", "计量单位", "年份", "月份", "本期值", "上年同期值", "年度目标", "备注"]


@pytest.fixture
def gdp(office):
    return Indicator.objects.create(office=office, name="规上工业总产值", unit="万元", order=1)


def good_rows():
    return [
        ["规上工业总产值", "万元", 2024, 6, 4000, 3800, 8000, ""],
        ["规上工业总产值", "万元", 2024, "7月", "4,720", 4378.48, None, "含新投产企业"],
    ]


def write(tmp_path, rows, headers=COLUMNS, name="指标.xlsx"):
    path = tmp_path / name
    write_xlsx(path, headers, rows)
    return path


def test_a_good_file_writes_values_and_target_in_one_batch(office, gdp, tmp_path):
    report = IndicatorImport(office).apply(write(tmp_path, good_rows()))
    assert report.ok and report.applied, report.errors
    assert report.n_created == 2
    july = IndicatorValue.objects.get(indicator=gdp, year=2024, month=7)
    assert (july.value, july.previous, july.note) == (
        Decimal("4720"),
        Decimal("4378.48"),
        "含新投产企业",
    )
    assert IndicatorTarget.objects.get(indicator=gdp, year=2024).target == Decimal("8000")
    batches = set(IndicatorValue.history.values_list("batch_id", flat=True))
    assert batches == {report.batch_id}
    assert set(IndicatorValue.history.values_list("channel", flat=True)) == {"import"}


def test_reimporting_the_same_file_changes_nothing(office, gdp, tmp_path):
    path = write(tmp_path, good_rows())
    IndicatorImport(office).apply(path)
    history = IndicatorValue.history.count()
    again = IndicatorImport(office).apply(path)
    assert again.ok and not again.changed and again.n_unchanged == 2
    assert IndicatorValue.history.count() == history


def test_a_changed_value_is_an_update_listing_what_changed(office, gdp, tmp_path):
    IndicatorImport(office).apply(write(tmp_path, good_rows()))
    rows = good_rows()
    rows[1][4] = 4800
    report = IndicatorImport(office).preview(write(tmp_path, rows, name="b.xlsx"))
    assert report.n_updated == 1
    assert report.updated[0].changes == [("本期值", "4720", "4800")]


def test_bad_rows_give_chinese_errors_by_row_and_write_nothing(office, gdp, tmp_path):
    rows = good_rows() + [
        ["规上工业总产值", "亿元", 2024, 8, 5, None, None, ""],
        ["规上工业总产值", "万元", 2024, 13, 5000, None, None, ""],
        ["规上工业总产值", "万元", 2024, 9, "五千", None, None, ""],
        ["规上工业产值", "万元", 2024, 9, 10, None, None, ""],
        ["规上工业总产值", "万元", "二〇二四", 10, 10, None, None, ""],
    ]
    report = IndicatorImport(office).apply(write(tmp_path, rows))
    assert not report.ok and not report.applied
    messages = [str(e) for e in report.errors]
    assert any(
        m.startswith("第4行【计量单位】“亿元”与系统中“规上工业总产值”的计量单位“万元”不一致")
        for m in messages
    )
    assert any(m.startswith("第5行【月份】应为 1-12 的月份") for m in messages)
    assert "第6行【本期值】“五千”不是数字" in messages
    assert any(
        m.startswith("第7行【指标名称】指标“规上工业产值”不存在（相近的指标：规上工业总产值）")
        for m in messages
    )
    assert any(m.startswith("第8行【年份】") for m in messages)
    assert IndicatorValue.objects.count() == 0
    assert IndicatorTarget.objects.count() == 0


def test_unknown_indicators_are_created_only_when_asked(office, tmp_path):
    rows = [["两癌筛查人数", "人", 2024, 12, 647, None, 600, ""]]
    refused = IndicatorImport(office).apply(write(tmp_path, rows))
    assert not refused.ok and not Indicator.objects.exists()
    made = IndicatorImport(office, create_missing=True).apply(write(tmp_path, rows, name="b.xlsx"))
    assert made.ok, made.errors
    assert made.created_refs == ["指标“两癌筛查人数”"]
    screening = Indicator.objects.get(office=office, name="两癌筛查人数")
    assert screening.unit == "人"
    assert IndicatorValue.objects.get(indicator=screening).value == Decimal("647")


def test_rows_of_one_year_must_agree_on_the_target(office, gdp, tmp_path):
    rows = good_rows()
    rows[1][6] = 9000
    report = IndicatorImport(office).preview(write(tmp_path, rows))
    assert [str(e) for e in report.errors] == ["第3行【年度目标】9000与第2行的2024年目标8000不一致"]


def test_a_csv_in_gb18030_reads_like_the_xlsx(office, gdp, tmp_path):
    path = tmp_path / "指标.csv"
    lines = [",".join(COLUMNS), "规上工业总产值,万元,2024,7,4720,4378.48,8000,"]
    path.write_bytes("\n".join(lines).encode("gb18030"))
    report = IndicatorImport(office).apply(path)
    assert report.ok, report.errors
    assert IndicatorValue.objects.get(indicator=gdp, month=7).value == Decimal("4720")


def test_the_export_imports_back_unchanged(office, gdp, tmp_path):
    IndicatorImport(office).apply(write(tmp_path, good_rows()))
    IndicatorTarget.objects.create(
        indicator=Indicator.objects.create(office=office, name="城镇新增就业", unit="人"),
        year=2024,
        target=Decimal("1200"),
    )
    workbook, rows = build_workbook(office, 2024)
    assert rows == 3  # two months of one, the target row of the other
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    assert [c.value for c in next(workbook.active.iter_rows(max_row=1))] == HEADERS
    report = IndicatorImport(office).apply(path)
    assert report.ok and not report.changed, (report.errors, report.updated)


def test_the_command_line_imports_and_refuses_in_one_chinese_line(office, gdp, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = write(tmp_path, good_rows())
    call_command("indicators", "import", str(path), "--dry-run")
    assert "预览（未写入）：新增 2 项" in capsys.readouterr().out
    assert not IndicatorValue.objects.exists()
    call_command("indicators", "import", str(path))
    assert IndicatorValue.objects.count() == 2
    out = tmp_path / "out.xlsx"
    call_command("indicators", "export", "--year", "2024", "-o", str(out))
    assert out.exists()
    with pytest.raises(CommandError, match="年份"):
        call_command("indicators", "export", "--year", "24")


def test_the_import_page_previews_then_writes(client, people, office, tmp_path):
    from django.urls import reverse

    client.force_login(people["alice"])
    path = write(tmp_path, [["新建充电桩", "个", 2024, 7, 97, 88, 150, ""]])
    with open(path, "rb") as handle:
        response = client.post(
            reverse("indicators:import"), {"file": handle, "create_missing": "on"}
        )
    assert response.status_code == 302
    preview = client.get(reverse("indicators:import_preview")).content.decode()
    assert "新建充电桩 2024年7月" in preview and "指标“新建充电桩”" in preview
    assert not IndicatorValue.objects.exists()
    client.post(reverse("indicators:import_confirm"))
    assert IndicatorValue.objects.get().value == Decimal("97")
    client.force_login(people["lily"])
    assert client.get(reverse("indicators:import")).status_code == 403
