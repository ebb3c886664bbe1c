"""Typed, fail-loud parsing of environment variables (every one is listed in README)."""

import os
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def envstr(name, default=""):
    return os.environ.get(name, default)


def envbool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"环境变量 {name}={raw!r} 不是布尔值（应为 1/0、true/false）")


def envint(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name}={raw!r} 不是整数")


def envlist(name, default=""):
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url):
    """Turn `postgres://user:pass@host:port/name` into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ImproperlyConfigured(
            f"DUBAN_DATABASE_URL 只支持 postgres://，收到的是 {parsed.scheme or '（空）'}://"
        )
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(
            "DUBAN_DATABASE_URL 缺少数据库名，例如 postgres://user@host/duban"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def private_file(path):
    """Make `path` readable by its owner only (0600), creating it empty when missing:
    the secret key and the SQLite database (password hashes, sessions) are for the
    account that runs duban, never for every user of the machine. An empty file is a
    valid empty SQLite database, and SQLite gives its -wal and -shm files the
    database's permissions."""
    path = os.fspath(path)
    if not os.path.isdir(os.path.dirname(path) or "."):
        return  # the folder is missing: the database's own error will say so
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o600)
