"""A whole duban database for a test's subprocesses (`python -m duban ...`), copied in
about a second from the test database pytest already migrated: SQLite's online backup
into a file, PostgreSQL's CREATE DATABASE … TEMPLATE (dropped afterwards). Transactional
tests flush the test database, seed data included, so `ensure_seeded` puts it back."""

import hashlib
import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]  # the checkout under test, not an installed copy


@dataclass
class Scratch:
    env: dict
    vendor: str
    target: str  # the SQLite file, or the PostgreSQL conninfo

    def duban(self, *args, extra_env=None, **kw):
        return subprocess.run(
            [sys.executable, "-m", "duban", *[str(a) for a in args]],
            env={**self.env, **(extra_env or {})},
            cwd=self.env["DUBAN_DATA_DIR"],
            capture_output=True,
            text=True,
            timeout=120,
            **kw,
        )

    def popen(self, *args, extra_env=None):
        return subprocess.Popen(
            [sys.executable, "-m", "duban", *[str(a) for a in args]],
            env={**self.env, **(extra_env or {})},
            cwd=self.env["DUBAN_DATA_DIR"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def python(self, code):
        """Runs `code` after django.setup() against this database."""
        prelude = "import django; django.setup()\n"
        done = subprocess.run(
            [sys.executable, "-c", prelude + code],
            env={**self.env, "DJANGO_SETTINGS_MODULE": "duban.settings"},
            cwd=self.env["DUBAN_DATA_DIR"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done

    def migrate(self):
        done = self.duban("migrate", "--no-input")
        assert done.returncode == 0, done.stderr

    def ensure_seeded(self):
        if self.query("SELECT count(*) FROM org_office") != [(0,)]:
            return
        self.python(
            "from duban.org.models import Office\n"
            "if not Office.objects.exists():\n"
            "    from tests.conftest import seed_reference_data; seed_reference_data()\n"
        )

    def query(self, sql):
        """The rows of `sql` (with %% for a literal %), read beside the subprocesses."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.target) as db:
                return db.execute(sql.replace("%%", "%")).fetchall()
        import psycopg

        with psycopg.connect(self.target) as db:
            return db.execute(sql).fetchall()

    def tables(self):
        """{table: (rows, checksum of every row)} of the whole database."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.target) as db:
                names = [
                    r[0]
                    for r in db.execute(
                        "SELECT name FROM sqlite_master WHERE type='table' "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                    )
                ]
                out = {}
                for name in names:
                    rows = sorted(repr(r) for r in db.execute(f'SELECT * FROM "{name}"'))
                    out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
                return out
        import psycopg

        with psycopg.connect(self.target) as db:
            names = [
                r[0]
                for r in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1"
                )
            ]
            out = {}
            for name in names:
                count, digest = db.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{name}\" t"
                ).fetchone()
                out[name] = (count, digest)
            return out


def _postgres_admin(settings_dict, dbname="postgres"):
    parts = [f"dbname={dbname}"]
    for key, name in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if settings_dict.get(key):
            parts.append(f"{name}={settings_dict[key]}")
    return " ".join(parts)


def _test_database_ready():
    """pytest-django sets the test database up only when a collected test asks for it
    (always in a whole run; not when this module runs alone)."""
    return connection.settings_dict["NAME"] == connection.creation._get_test_db_name()


def make_scratch(tmp_path, django_db_blocker):
    """Yields a Scratch copy of the test database (a generator, for a fixture)."""
    env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    env.update(DUBAN_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT), DUBAN_JOBS_BACKEND="immediate")
    ready = _test_database_ready()
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            path = tmp_path / "duban.sqlite3"
            env["DUBAN_SQLITE_PATH"] = str(path)
            scratch = Scratch(env, "sqlite", str(path))
            if ready:
                connection.ensure_connection()
                target = sqlite3.connect(path)
                connection.connection.backup(target)
                target.close()
            else:
                scratch.migrate()
            yield _seeded(scratch)
            return
        import psycopg

        db = connection.settings_dict
        name = f"{db['NAME']}_scratch_{uuid.uuid4().hex[:8]}"
        connection.close()
        admin = _postgres_admin(db)
        with psycopg.connect(admin, autocommit=True) as pg:
            # this process's other threads (a live server) may hold the test database
            pg.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [db["NAME"]],
            )
            template = f' TEMPLATE "{db["NAME"]}"' if ready else ""
            pg.execute(f'CREATE DATABASE "{name}"{template}')
        user = db.get("USER") or "postgres"
        auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
        env["DUBAN_DATABASE_URL"] = (
            f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
        )
        try:
            scratch = Scratch(env, "postgresql", _postgres_admin(db, name))
            if not ready:
                scratch.migrate()
            yield _seeded(scratch)
        finally:
            with psycopg.connect(admin, autocommit=True) as pg:
                pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seeded(scratch):
    scratch.ensure_seeded()
    return scratch
