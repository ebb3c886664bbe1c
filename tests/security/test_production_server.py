"""The production set-up of docs/deploy.md, run for real (issue 14): gunicorn started with
the command of docs/deploy/duban.service and the environment of docs/deploy/duban.env
(its data folder, database and host changed for this machine) on a loopback port, asked
as nginx asks it (X-Forwarded-Proto: https). The login page and a signed-in page carry
the security headers, and the cookies are Secure."""

import http.client
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.db import connection

import duban
from tests.factories import make_user

# the tests' own settings stay out of the production process (the browser tests set
# DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which the deploy checks rightly refuse)
OURS = ("DUBAN_", "DJANGO_ALLOW_ASYNC_UNSAFE")

ROOT = Path(duban.__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
HOST = "duban.example.gov.cn"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unit(name):
    """The [Service] lines of a systemd unit as {key: value}."""
    values = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def _environment(tmp_path, database):
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    for line in (DEPLOY / "duban.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    env.pop("DUBAN_DATABASE_URL")  # the example's server: this test's database instead
    env.update(database)
    env["DUBAN_DATA_DIR"] = str(tmp_path)
    env["DUBAN_SECRET_KEY"] = "t" * 10 + "k8Qw-3vXz_pL0mN7rT2yU5iO9aS4dF6gH1jK0lZxC8vB3nM5"
    env["PYTHONPATH"] = str(ROOT)
    env["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    return env


def _database(tmp_path):
    """The test database, shared with the server: a copy of SQLite's (in memory here),
    PostgreSQL's test database itself (the test commits: transactional_db)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        import sqlite3

        path = tmp_path / "server.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return {"DUBAN_SQLITE_PATH": str(path)}
    user = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return {"DUBAN_DATABASE_URL": f"postgres://{user}@{host}/{settings['NAME']}"}


def _command(port):
    """gunicorn as duban.service starts it, on `port` with one worker."""
    words = shlex.split(_unit("duban.service")["ExecStart"])
    assert Path(words[0]).name == "gunicorn"
    args = words[1:]
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--workers") + 1] = "1"
    return [sys.executable, "-m", "gunicorn", *args]


def _ask(port, method, path, headers=None, body=None, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(
                method,
                path,
                body=body,
                headers={"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})},
            )
            response = conn.getresponse()
            response.body = response.read().decode("utf-8", "replace")
            conn.close()
            return response
        except (ConnectionRefusedError, ConnectionResetError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _cookies(response):
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar


def _assert_security_headers(response):
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_behind_https_sends_the_security_headers_and_secure_cookies(tmp_path):
    from tests.conftest import seed_reference_data

    seed_reference_data()
    user = make_user("alice", "supervisor")
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    # the server hashes as production does (the tests' settings use MD5 for speed)
    user.password = PBKDF2PasswordHasher().encode("Duban-2026-pass", "saltsaltsalt")
    user.save(update_fields=["password"])
    port = _free_port()
    server = subprocess.Popen(
        _command(port),
        env=_environment(tmp_path, _database(tmp_path)),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        login = _ask(port, "GET", "/login/", timeout=60)
        assert login.status == 200, login.body[:500]
        _assert_security_headers(login)
        csrf = _cookies(login)["csrftoken"]
        assert csrf["secure"] and csrf["samesite"] == "Lax"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.body)[1]

        signed_in = _ask(
            port,
            "POST",
            "/login/",
            headers={
                "Cookie": f"csrftoken={csrf.value}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}/login/",
            },
            body=f"csrfmiddlewaretoken={token}&username=alice&password=Duban-2026-pass",
        )
        assert signed_in.status == 302, signed_in.body[:500]
        session = _cookies(signed_in)["sessionid"]
        assert session["secure"] and session["httponly"]
        assert session["max-age"] == "28800"

        home = _ask(port, "GET", "/", headers={"Cookie": f"sessionid={session.value}"})
        assert home.status == 200 and "督办" in home.body
        _assert_security_headers(home)

        # nginx's plain-http side is never reached by a browser: gunicorn sends it to https
        plain = _ask(port, "GET", "/login/", headers={"X-Forwarded-Proto": "http"})
        assert plain.status == 301 and plain.headers["Location"] == f"https://{HOST}/login/"
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert b"Traceback" not in errors, errors.decode()[-2000:]


def test_the_units_and_nginx_config_agree_with_each_other():
    web, worker = _unit("duban.service"), _unit("duban-worker.service")
    assert web["EnvironmentFile"] == worker["EnvironmentFile"] == "/etc/duban.env"
    assert "--bind 127.0.0.1:8000" in web["ExecStart"]
    assert worker["ExecStart"].endswith("duban db_worker --no-reload")
    assert _unit("duban-remind.service")["ExecStart"].endswith("duban remind")
    assert _unit("duban-backup.service")["ExecStart"].endswith("duban backup")
    for timer in ("duban-remind.timer", "duban-backup.timer"):
        assert _unit(timer)["Persistent"] == "true"
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_pass http://127.0.0.1:8000;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    # nginx serves no file from disk: uploads only through the views that check who asks
    assert not re.search(r"^\s*(alias|root)\s", nginx, re.M)
    env = (DEPLOY / "duban.env").read_text()
    assert "DUBAN_HTTPS=1" in env
