"""`duban backup` and `duban restore` (issue 14): the whole system — every table and the
uploaded evidence files — round-trips through one archive; restore refuses a broken or
foreign archive with one Chinese line and changes nothing. Runs through the real command
line against a database of its own (SQLite; PostgreSQL when the tests run on it)."""

import io
import json
import os
import subprocess
import sys
import tarfile

import pytest
from django.db import connection

from duban.core import backup
from tests.faults.scratch import ROOT, make_scratch
from tests.faults.test_killed_import import LEDGER_HEADERS, ledger_rows, write_csv


@pytest.fixture
def scratch(tmp_path, django_db_setup, django_db_blocker):
    yield from make_scratch(tmp_path, django_db_blocker)


def media_files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def refused(result, text):
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and text in lines[0], result.stderr


def test_backup_and_restore_round_trip_the_database_and_the_uploaded_files(scratch, tmp_path):
    ledger = write_csv(tmp_path / "台账.csv", LEDGER_HEADERS, ledger_rows(12))
    # the system: a ledger, and a submission with an evidence file uploaded to it
    scratch.python(
        "from django.core.management import call_command\n"
        f"call_command('ledger', 'import', {str(ledger)!r}, '--year', '2022', '--create-missing')\n"
        "from django.core.files.base import ContentFile\n"
        "from duban.ledger.models import KeyTask\n"
        "from duban.progress.models import Evidence, Submission\n"
        "task = KeyTask.objects.get(code='MS-001')\n"
        "sub = Submission.objects.create(task=task, unit=task.lead_unit, period='2022-07',"
        " progress='完成方案设计')\n"
        "Evidence(submission=sub, name='现场照片.jpg', size=7).file.save('现场照片.jpg', ContentFile(b'jpgdata'))\n"
    )
    media = tmp_path / "media"
    before_tables, before_media = scratch.tables(), media_files(media)
    assert [name for name in before_media if name.startswith("evidence/")]
    archive = tmp_path / "备份.tar.gz"

    done = scratch.duban("backup", "-o", archive)

    assert done.returncode == 0, done.stderr
    assert "已备份到" in done.stdout and "上传文件 1 个" in done.stdout
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == "duban-backup" and manifest["database"] == scratch.vendor

    # after the backup: more tasks, the evidence file gone, a stray file added
    more = write_csv(tmp_path / "新台账.csv", LEDGER_HEADERS, ledger_rows(20, title="新"))
    assert scratch.duban("ledger", "import", more, "--year", "2022").returncode == 0
    for file in media.rglob("*.jpg"):
        file.unlink()
    (media / "多余.txt").write_text("x")
    assert scratch.tables() != before_tables

    checked = scratch.duban("restore", archive)  # without --yes it only checks
    assert checked.returncode == 0 and "备份文件完好" in checked.stdout
    assert media_files(media) != before_media

    restored = scratch.duban("restore", archive, "--yes")

    assert restored.returncode == 0, restored.stderr
    assert "已从" in restored.stdout
    assert scratch.tables() == before_tables  # every table, row for row
    assert media_files(media) == before_media


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_broken_and_foreign_archives_before_touching_anything(scratch, tmp_path):
    # the archive of a database of its own, and no open test transaction: SQLite's online
    # backup of the shared in-memory test database waits forever on a transaction held open
    archive = tmp_path / "好.tar.gz"
    made = scratch.duban("backup", "-o", archive)
    assert made.returncode == 0, made.stderr
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert backup.check(archive)["files"] == manifest["files"]
    data = archive.read_bytes()
    with tarfile.open(archive) as tar:
        db_name = next(iter(manifest["files"]))
        database = tar.extractfile(db_name).read()
    cut = tmp_path / "半截.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    not_gzip = tmp_path / "文本.tar.gz"
    not_gzip.write_text("不是压缩包")
    listed = json.dumps(manifest).encode()
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    archives = {
        "半截.tar.gz": cut,
        "文本.tar.gz": not_gzip,
        "改过.tar.gz": _tar(
            tmp_path / "改过.tar.gz",
            {"manifest.json": listed, db_name: database[:-1] + bytes([database[-1] ^ 0xFF])},
        ),
        "多一个.tar.gz": _tar(
            tmp_path / "多一个.tar.gz",
            {"manifest.json": listed, db_name: database, "media/x.sh": b"rm -rf /"},
        ),
        "别的.tar.gz": _tar(tmp_path / "别的.tar.gz", {"readme.txt": b"hello"}),
        "另一种.tar.gz": _tar(
            tmp_path / "另一种.tar.gz",
            {
                "manifest.json": json.dumps({**manifest, "database": other}).encode(),
                db_name: database,
            },
        ),
    }
    messages = {}
    for name, path in archives.items():
        with pytest.raises(backup.BackupError) as caught:
            backup.check(path)
        messages[name] = str(caught.value)

    for name in ("半截.tar.gz", "文本.tar.gz", "改过.tar.gz", "多一个.tar.gz"):
        assert messages[name] == f"备份文件“{name}”已损坏或不完整，未恢复任何数据"
    assert messages["别的.tar.gz"] == "“别的.tar.gz”不是督办的备份文件，未恢复任何数据"
    assert "数据库的备份，当前系统使用" in messages["另一种.tar.gz"]

    # and from the command line: one Chinese line, exit status 2, nothing restored
    refused(
        duban_alone(tmp_path, "restore", cut, "--yes"),
        "备份文件“半截.tar.gz”已损坏或不完整，未恢复任何数据",
    )


def duban_alone(folder, *args):
    """`duban <args>` on an empty data folder of its own (a refusal touches no database)."""
    env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    env.update(DUBAN_DATA_DIR=str(folder / "alone"), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "duban", *[str(a) for a in args]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
