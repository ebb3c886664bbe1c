"""`duban ledger template|import|export`: the ledger from the command line."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from duban.ledger.models import KeyTask, Milestone
from duban.org.models import Office
from tests.factories import MilestoneFactory
from tests.xlsx import read_sheet, write_ledger, write_xlsx

CONTRACT_HEADERS = (
    "编号",
    "类别",
    "事项名称",
    "工作目标",
    "量化指标",
    "指标单位",
    "牵头单位",
    "协同单位",
    "责任领导",
    "完成时限",
    "节点计划",
)

ROWS = [
    {
        "编号": "MS-01",
        "类别": "街道民生实事项目",
        "事项名称": "老旧小区综合改造",
        "牵头单位": "城建中心",
        "协同单位": "东苑居民区",
        "完成时限": "12月底",
        "节点计划": "3月底前：完成方案设计",
    },
    {
        "编号": "MS-02",
        "类别": "街道民生实事项目",
        "事项名称": "社区食堂建设",
        "牵头单位": "东苑居民区",
    },
]


def ledger(*args):
    """Runs `ledger ...` in-process; returns (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("ledger", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def ledger_file(tmp_path, units):
    return write_ledger(tmp_path / "台账.xlsx", ROWS)


# ----- template -----


def test_template_has_the_contract_headers_in_row_one(tmp_path):
    path = tmp_path / "模板.xlsx"

    out, _ = ledger("template", "-o", path)

    assert str(path) in out
    assert read_sheet(path)[0] == CONTRACT_HEADERS


def test_template_has_an_example_row_on_its_second_sheet_that_imports(tmp_path, office, units):
    path = tmp_path / "模板.xlsx"
    ledger("template", "-o", path)
    example = read_sheet(path, index=1)
    assert example[0] == CONTRACT_HEADERS
    assert example[1][:3] == ("MS-01", "街道民生实事项目", "老旧小区综合改造")

    copied = write_xlsx(tmp_path / "copied.xlsx", CONTRACT_HEADERS, [example[1]])
    out, _ = ledger("import", copied, "--year", "2022", "--create-missing")

    assert "新增 1 项" in out
    task = KeyTask.objects.get(code="MS-01")
    assert task.milestones.count() == 3


# ----- import -----


def test_import_reports_each_new_task_and_the_batch(ledger_file, office):
    out, err = ledger("import", ledger_file, "--year", "2022")

    assert err == ""
    assert "新增 第2行 MS-01 老旧小区综合改造" in out
    assert "新增 第3行 MS-02 社区食堂建设" in out
    assert f"{office.name} 2022年 台账导入完成：新增 2 项，更新 0 项，未变 0 项" in out
    assert "批次号：" in out
    assert KeyTask.objects.filter(year=2022).count() == 2


def test_import_dry_run_previews_and_writes_nothing(ledger_file):
    out, _ = ledger("import", ledger_file, "--year", "2022", "--dry-run")

    assert "预览（未写入）：新增 2 项" in out
    assert "批次号" not in out
    assert KeyTask.objects.count() == 0


def test_reimporting_the_same_file_says_nothing_changed(ledger_file):
    ledger("import", ledger_file, "--year", "2022")
    history = KeyTask.history.count()

    out, _ = ledger("import", ledger_file, "--year", "2022")

    assert "未变 2 项" in out
    assert "没有任何改动" in out
    assert "批次号" not in out
    assert KeyTask.history.count() == history


def test_import_names_the_changed_fields(ledger_file, tmp_path):
    ledger("import", ledger_file, "--year", "2022")
    rows = [dict(ROWS[0], 责任领导="李明", 完成时限="11月底"), ROWS[1]]

    out, _ = ledger("import", write_ledger(tmp_path / "2.xlsx", rows), "--year", "2022")

    assert "更新 第2行 MS-01 老旧小区综合改造（责任领导、完成时限）" in out


def test_import_records_the_given_user_and_the_import_channel(ledger_file, people):
    ledger("import", ledger_file, "--year", "2022", "--user", "alice")

    record = KeyTask.history.get(code="MS-01")
    assert record.history_user == people["alice"]
    assert record.channel == "import"


def test_import_refuses_an_unknown_user(ledger_file):
    with pytest.raises(CommandError, match="找不到用户“nobody”"):
        ledger("import", ledger_file, "--year", "2022", "--user", "nobody")


def test_import_errors_go_to_stderr_with_row_numbers_and_nothing_is_written(tmp_path, units):
    rows = [dict(ROWS[0], 完成时限="下个月"), dict(ROWS[1], 牵头单位="城建中")]
    path = write_ledger(tmp_path / "bad.xlsx", rows)
    err = StringIO()

    with pytest.raises(CommandError, match="发现 2 处错误，未写入任何数据"):
        call_command("ledger", "import", str(path), "--year", "2022", stdout=StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0].startswith("第2行【完成时限】无法识别的日期“下个月”")
    assert lines[1].startswith("第3行【牵头单位】单位“城建中”不存在（相近的单位：城建中心")
    assert KeyTask.objects.count() == 0


def test_import_of_a_missing_file_says_so(tmp_path, office):
    with pytest.raises(CommandError, match="找不到文件"):
        ledger("import", tmp_path / "nowhere.xlsx", "--year", "2022")


def test_import_create_missing_creates_the_unknown_unit(tmp_path, units):
    path = write_ledger(tmp_path / "new.xlsx", [dict(ROWS[0], 牵头单位="营商办")])

    out, _ = ledger("import", path, "--year", "2022", "--create-missing")

    assert "新建 单位“营商办”" in out
    assert KeyTask.objects.get().lead_unit.name == "营商办"


# ----- export -----


def test_export_then_import_changes_nothing(tasks, tmp_path):
    MilestoneFactory(task=tasks["build"], description="完成方案设计")
    path = tmp_path / "导出.xlsx"
    history = (KeyTask.history.count(), Milestone.history.count())

    out, _ = ledger("export", "--year", "2022", "-o", path)
    assert "已导出 3 项重点工作" in out
    assert read_sheet(path)[0] == CONTRACT_HEADERS

    out, _ = ledger("import", path, "--year", "2022")

    assert "新增 0 项，更新 0 项，未变 3 项" in out
    assert "没有任何改动" in out
    assert (KeyTask.history.count(), Milestone.history.count()) == history


def test_export_of_a_year_holds_only_that_year(tasks, tmp_path):
    path = tmp_path / "2023.xlsx"

    out, _ = ledger("export", "--year", "2023", "-o", path)

    assert "已导出 0 项重点工作" in out
    assert read_sheet(path) == [CONTRACT_HEADERS]


# ----- offices and years -----


def test_office_is_required_when_there_are_two(ledger_file, office):
    Office.objects.create(name="第二街道")

    with pytest.raises(CommandError) as caught:
        ledger("import", ledger_file, "--year", "2022")

    assert "系统中有多个街道/区" in str(caught.value)
    assert "请用 --office 指定一个" in str(caught.value)
    assert KeyTask.objects.count() == 0


def test_the_named_office_receives_the_import(ledger_file, office):
    Office.objects.create(name="第二街道")

    out, _ = ledger("import", ledger_file, "--year", "2022", "--office", office.name)

    assert f"{office.name} 2022年 台账导入完成" in out
    assert set(KeyTask.objects.values_list("office__name", flat=True)) == {office.name}


def test_an_unknown_office_is_refused_listing_the_existing_ones(ledger_file, office):
    with pytest.raises(CommandError, match=f"找不到街道/区“某街道”。现有：{office.name}"):
        ledger("import", ledger_file, "--year", "2022", "--office", "某街道")


@pytest.mark.parametrize(
    "year, message",
    [("22年", "--year 应为四位年份，收到“22年”"), ("1999", "--year 超出范围：1999")],
)
def test_a_bad_year_is_refused_in_chinese(ledger_file, year, message):
    with pytest.raises(CommandError, match=message):
        ledger("import", ledger_file, "--year", year)
    assert KeyTask.objects.count() == 0


# ----- the real command line, for exit codes -----


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """An environment whose `python -m duban` uses its own migrated SQLite file,
    also when the tests themselves run on PostgreSQL."""
    folder = tmp_path_factory.mktemp("cli")
    env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    env.update(DUBAN_SQLITE_PATH=str(folder / "cli.sqlite3"), DUBAN_DATA_DIR=str(folder))
    duban("migrate", "--no-input", env=env, cwd=folder, check=True)
    return env, folder


def duban(*args, env, cwd, check=False):
    root = Path(__file__).resolve().parents[2]  # the checkout under test, not an installed copy
    return subprocess.run(
        [sys.executable, "-m", "duban", *[str(a) for a in args]],
        env={**env, "PYTHONPATH": str(root)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def test_command_line_import_with_errors_exits_non_zero_listing_every_error(cli_env):
    env, folder = cli_env
    bad = write_ledger(
        folder / "bad.xlsx",
        [
            dict(ROWS[0], 完成时限="2022-13-01"),
            dict(ROWS[1], 编号=None),
            dict(ROWS[1], 编号="MS-03", 类别="民生实事"),
        ],
    )

    result = duban("ledger", "import", bad, "--year", "2022", env=env, cwd=folder)

    assert result.returncode != 0
    assert "第2行【完成时限】月份不存在" in result.stderr
    assert "第3行【编号】不能为空" in result.stderr
    assert "第4行【类别】类别“民生实事”不存在（相近的类别：街道民生实事项目" in result.stderr
    assert "第2行【牵头单位】单位“城建中心”不存在" in result.stderr
    assert "未写入任何数据" in result.stderr
    assert "导入完成" not in result.stdout


def test_command_line_import_exits_zero_and_a_second_run_changes_nothing(cli_env):
    env, folder = cli_env
    good = write_ledger(folder / "good.xlsx", ROWS)
    args = ("ledger", "import", good, "--year", "2022", "--create-missing")

    first = duban(*args, env=env, cwd=folder)
    second = duban(*args, env=env, cwd=folder)

    assert first.returncode == 0, first.stderr
    assert "新增 2 项" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "没有任何改动" in second.stdout
