"""Every `duban` command answers wrong arguments with one Chinese line and exit status 2,
through the real command line (issue 10, point 6); the data folder's files are private."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ledger.test_ledger_cli import cli_env, duban  # noqa: F401  (the real command line)


def one_chinese_line(result, text):
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert text in lines[0], lines[0]
    assert "usage" not in lines[0] and "error:" not in lines[0]
    assert result.returncode == 2


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (
            ["remind", "--date", "2022-02-30"],
            "--date 应为存在的日期，如 2022-07-25；收到“2022-02-30”",
        ),
        (["remind", "--date", "明天"], "收到“明天”"),
        (["remind", "--bogus"], "无法识别的参数：--bogus"),
        (["ledger", "import", "x.xlsx"], "缺少必需的参数：--year"),
        (["ledger", "import", "x.xlsx", "--year", "²"], "--year 应为四位年份"),
        (["ledger", "export", "--year", "99999999999999999999", "-o", "a.xlsx"], "--year"),
        (["ledger", "frobnicate"], "参数 "),
        (["progress", "import", "missing.xlsx", "--period", "2022-07"], "找不到文件"),
        (["judge", "--period", "2022-13"], "2022-13"),
        (["report", "monthly", "--period", "2022-07", "--format", "odt"], "odt"),
        (["demo", "--password"], "参数 --password 后面需要一个值"),
        (["tidy", "--days", "0"], "--days 须为正整数"),
        (["tidy", "--days", "三十"], "参数 --days 的值“三十”无效"),
    ],
)
def test_a_wrong_argument_is_one_chinese_line_and_exit_status_2(cli_env, args, text):  # noqa: F811
    env, folder = cli_env
    one_chinese_line(duban(*args, env=env, cwd=folder), text)


def test_the_sqlite_database_and_the_secret_key_are_readable_by_their_owner_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(DUBAN_DATA_DIR=str(tmp_path), PYTHONPATH=str(Path(__file__).parents[2]))
    subprocess.run(
        [sys.executable, "-m", "duban", "migrate", "--no-input"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o022),
        timeout=300,
    )
    for name in ("duban.sqlite3", "secret_key"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, f"{name}: {oct(mode)}"


def test_processes_starting_together_on_a_new_folder_share_one_secret_key(tmp_path):
    """The test workers, gunicorn's workers: the first to start writes the key, whole;
    none reads an empty or half-written file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(
        DUBAN_DATA_DIR=str(tmp_path),
        PYTHONPATH=str(Path(__file__).parents[2]),
        DJANGO_SETTINGS_MODULE="duban.settings",
    )
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    started = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=120)[0].strip() for process in started}
    assert [process.returncode for process in started] == [0] * 6
    assert len(keys) == 1 and len(keys.pop()) >= 50
    assert sorted(p.name for p in tmp_path.iterdir() if "secret" in p.name) == ["secret_key"]
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    from duban.core.env import private_file

    path = tmp_path / "duban.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o644)
    private_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
