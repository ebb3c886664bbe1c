"""The entry points settle the garbage collector once the apps are loaded
(duban.core.runtime): the `duban` command and the WSGI application gunicorn loads."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPORT = "import gc; print(gc.get_freeze_count() > 1000)"


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(
        DUBAN_DATA_DIR=str(tmp_path),
        PYTHONPATH=str(Path(__file__).parents[2]),
        DJANGO_SETTINGS_MODULE="duban.settings",
    )
    for key in ("DUBAN_DATABASE_URL", "DUBAN_REQUIRE_POSTGRES"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _run(code, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1].split()  # (the shell first counts its imports)


@pytest.mark.parametrize(
    "code",
    [
        # the command: its apps are loaded, then the collector settled, before it runs
        f"from duban.cli import main; main(['duban', 'shell', '-c', {REPORT!r}])",
        # the WSGI application, as gunicorn imports it
        f"import duban.wsgi; {REPORT}",
    ],
    ids=["duban command", "wsgi"],
)
def test_an_entry_point_freezes_what_start_up_made(code, tmp_path):
    assert _run(code, tmp_path) == ["True"]


def test_a_plain_interpreter_is_left_as_python_sets_it(tmp_path):
    """Nothing happens on import: only the entry points settle (tests, scripts unchanged)."""
    frozen = _run(f"import django; django.setup(); import duban.core.runtime; {REPORT}", tmp_path)
    assert frozen == ["False"]
