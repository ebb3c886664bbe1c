"""`duban backup` and `duban restore`: the whole system — the database and the uploaded
files (evidence, inspection photos: MEDIA_ROOT) — in one archive file, and back.

The archive is a .tar.gz holding
  manifest.json   format, when, which database, duban's version, every file's size and SHA-256
  database.sqlite3 (SQLite's online backup API: consistent while the site keeps running)
  or database.dump (pg_dump's custom format, for pg_restore)
  media/…         the uploaded files, as they are under MEDIA_ROOT

Restore refuses, with one Chinese line and before touching anything, an archive that is
not one of these (no manifest, another format), a broken one (cut short, a checksum that
does not match, a file the manifest does not list), and a backup of the other kind of
database. Then it replaces the database (SQLite: the online backup API into the live file;
PostgreSQL: pg_restore --clean in one transaction) and swaps the media folder in whole.
Background jobs' files (JOBS_DIR) and import previews (UPLOAD_DIR) are transient and left
out; the secret key is not in the archive (password hashes do not depend on it).
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

FORMAT = "duban-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA = "media"
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore refused or failed; the message is one Chinese line."""


def default_path(now=None):
    now = now or datetime.datetime.now()
    return Path(settings.DATA_DIR) / "backups" / f"duban-{now:%Y%m%d-%H%M%S}.tar.gz"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env_and_args():
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = []
    for key, flag in (("HOST", "--host"), ("PORT", "--port"), ("USER", "--username")):
        if db.get(key):
            args += [flag, str(db[key])]
    return env, args, db["NAME"]


def _run(command, env):
    program = command[0]
    if shutil.which(program) is None:
        raise BackupError(f"找不到 {program}：请安装 PostgreSQL 客户端（postgresql-client）")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["（无输出）"])[-1]
        raise BackupError(f"{program} 执行失败：{detail}")


def _dump_database(folder):
    """The database into `folder`; returns the file's name in the archive."""
    if connection.vendor == "sqlite":
        target_path = folder / SQLITE_FILE
        connection.ensure_connection()
        target = sqlite3.connect(target_path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return SQLITE_FILE
    if connection.vendor == "postgresql":
        env, args, name = _pg_env_and_args()
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *args,
                "--file",
                str(folder / PG_FILE),
                name,
            ],
            env,
        )
        return PG_FILE
    raise BackupError(f"不支持备份 {connection.vendor} 数据库")


def _media_files():
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return root, []
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return root, files


def backup(path=None):
    """Writes the archive; returns (its path, the manifest)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        duban_version = version("duban")
    except PackageNotFoundError:  # a source checkout that was never installed
        duban_version = ""
    path = Path(path) if path else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="duban-backup-") as work:
        work = Path(work)
        db_name = _dump_database(work)
        root, media = _media_files()
        files = {
            db_name: {"size": (work / db_name).stat().st_size, "sha256": _sha256(work / db_name)}
        }
        for file in media:
            name = f"{MEDIA}/{file.relative_to(root).as_posix()}"
            files[name] = {"size": file.stat().st_size, "sha256": _sha256(file)}
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "duban": duban_version,
            "files": files,
        }
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(work / db_name, arcname=db_name)
            for file in media:
                archive.add(file, arcname=f"{MEDIA}/{file.relative_to(root).as_posix()}")
        os.replace(partial, path)  # a backup cut short never has the final name
    return path, manifest


def _open_checked(path, work):
    """Extracts the archive into `work` after checking it whole; returns the manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    foreign = f"“{path.name}”不是督办的备份文件，未恢复任何数据"
    broken = f"备份文件“{path.name}”已损坏或不完整，未恢复任何数据"
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            members = archive.getmembers()
            names = {m.name: m for m in members}
            if MANIFEST not in names:
                raise BackupError(foreign)
            try:
                manifest = json.loads(archive.extractfile(names[MANIFEST]).read())
            except (ValueError, AttributeError):
                raise BackupError(foreign)
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(foreign)
            if manifest.get("version") != VERSION:
                raise BackupError(
                    f"备份文件“{path.name}”的格式版本（{manifest.get('version')}）"
                    "本版督办无法读取，未恢复任何数据"
                )
            listed = manifest.get("files") or {}
            stored = {m.name for m in members if m.isfile()} - {MANIFEST}
            if stored != set(listed) or any(not m.isfile() for m in members):
                raise BackupError(broken)
            archive.extractall(work, members=[names[n] for n in sorted(stored)], filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(broken)
    for name, meta in listed.items():
        file = Path(work) / name
        if file.stat().st_size != meta.get("size") or _sha256(file) != meta.get("sha256"):
            raise BackupError(broken)
    return manifest


def check(path):
    """Checks the archive whole (as restore does first); returns its manifest."""
    with tempfile.TemporaryDirectory(prefix="duban-check-") as work:
        manifest = _open_checked(path, work)
    _same_database(manifest)
    return manifest


def restore(path):
    """Replaces the database and the uploaded files with the archive's; returns the manifest."""
    with tempfile.TemporaryDirectory(prefix="duban-restore-", dir=_scratch_dir()) as work:
        work = Path(work)
        manifest = _open_checked(path, work)
        _same_database(manifest)
        db_file = SQLITE_FILE if connection.vendor == "sqlite" else PG_FILE
        if db_file not in manifest["files"]:
            raise BackupError(f"备份文件“{Path(path).name}”缺少数据库，未恢复任何数据")
        _restore_database(work / db_file)
        _swap_media(work / MEDIA)
    return manifest


def _same_database(manifest):
    source, target = manifest.get("database"), connection.vendor
    if source != target:
        raise BackupError(
            f"这是 {KINDS.get(source, source)} 数据库的备份，当前系统使用 "
            f"{KINDS.get(target, target)}，未恢复任何数据"
        )


def _scratch_dir():
    # beside the media folder, so that swapping it in is a rename on one file system
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    return media.parent


def _restore_database(file):
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(file)
        try:
            # page by page into the live file, under SQLite's lock: readers see the old
            # database or the new one, never a mixture
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
        return
    env, args, name = _pg_env_and_args()
    connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "--dbname",
            name,
            str(file),
        ],
        env,
    )


def _swap_media(new):
    media = Path(settings.MEDIA_ROOT)
    if not new.exists():
        new.mkdir()
    old = media.with_name(media.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if media.exists():
        os.replace(media, old)
    os.replace(new, media)
    shutil.rmtree(old, ignore_errors=True)
