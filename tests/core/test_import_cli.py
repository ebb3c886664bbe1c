"""`duban ledger import` and `duban progress import` on broken files, through the real
command line: one Chinese line, a non-zero exit, never a traceback, nothing written."""

import pytest

from tests.ledger.test_ledger_cli import cli_env, duban  # noqa: F401  (the real command line)
from tests.xlsx import BROKEN_KINDS, broken_xlsx, write_ledger, write_xlsx

LEDGER_ROW = {
    "编号": "MS-01",
    "类别": "街道民生实事项目",
    "事项名称": "社区花园",
    "牵头单位": "城建中心",
}


def one_chinese_line(result, text):
    assert result.returncode == 2  # every refusal of a duban command (core/commands.py)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert text in lines[0]


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_broken_files_answer_one_chinese_line_from_both_imports(cli_env, kind):  # noqa: F811
    env, folder = cli_env
    good = write_ledger(folder / f"good-{kind}.xlsx", [LEDGER_ROW])
    broken = broken_xlsx(kind, good, folder / f"broken-{kind}.xlsx")

    ledger = duban("ledger", "import", broken, "--year", "2022", env=env, cwd=folder)
    progress = duban("progress", "import", broken, "--period", "2022-07", env=env, cwd=folder)

    one_chinese_line(ledger, "文件不是有效的 Excel 文件，无法读取")
    one_chinese_line(progress, "文件不是有效的 Excel 文件，无法读取")


def test_year_zero_on_the_command_line_is_a_date_that_does_not_exist(cli_env):  # noqa: F811
    env, folder = cli_env
    path = write_ledger(
        folder / "year0.xlsx",
        [{**LEDGER_ROW, "完成时限": "0000年底", "节点计划": "0000年1月上旬：完成"}],
    )

    result = duban(
        "ledger", "import", path, "--year", "2022", "--create-missing", env=env, cwd=folder
    )

    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "第2行【完成时限】日期不存在" in result.stderr
    assert "第2行【节点计划】" in result.stderr


def test_the_command_line_reads_past_the_web_row_limit(cli_env):  # noqa: F811
    env, folder = cli_env
    path = write_xlsx(
        folder / "many.xlsx",
        ["编号", "类别", "事项名称", "牵头单位"],
        [[f"MS-{n:02d}", "街道民生实事项目", f"事项{n}", "城建中心"] for n in range(12)],
    )

    result = duban(
        "ledger",
        "import",
        path,
        "--year",
        "2022",
        "--create-missing",
        "--dry-run",
        env={**env, "DUBAN_IMPORT_MAX_ROWS": "5"},
        cwd=folder,
    )

    assert result.returncode == 0, result.stderr
    assert "新增 12 项" in result.stdout
