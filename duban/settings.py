"""Settings for duban. Every knob is an environment variable documented in README.md."""

import datetime
import os
import secrets
from pathlib import Path

from duban.core.env import database_from_url, envbool, envint, envlist, envstr, private_file

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("DUBAN_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DUBAN_DEBUG", False)


def _secret_key():
    key = envstr("DUBAN_SECRET_KEY")
    if key:
        return key
    # An intranet install with no key configured keeps a generated one beside its data.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # written whole under another name, then linked into place: processes starting
        # together (the test workers, gunicorn's) all read the one key that won
        draft = DATA_DIR / f".secret_key.{os.getpid()}"
        private_file(draft)
        draft.write_text(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("DUBAN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("DUBAN_CSRF_TRUSTED_ORIGINS", "")

# The office created by the first migration (a street, or a district).
DUBAN_OFFICE_NAME = envstr("DUBAN_OFFICE_NAME", "示范街道")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "csp",  # django-csp: its system checks
    "duban.org.apps.AxesConfig",  # django-axes
    "django_tasks",
    "duban.core.tasks_app.TasksDbConfig",  # django-tasks-db
    "duban.core",
    "duban.org",
    "duban.ledger",
    "duban.progress",
    "duban.indicators",
    "duban.tickets",
    "duban.notify",
    "duban.supervision",
    "duban.reports",
    "duban.textkit",
    "ninja",  # its swagger-ui and redoc files, served locally (no CDN)
    "duban.api",
    "duban.demo",
    "duban.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "duban.core.http.ControlCharactersMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "duban.core.audit.AuditChannelMiddleware",
    "duban.org.middleware.PasswordChangeRequiredMiddleware",
    # last, as django-axes asks: it turns a lockout into the 429 page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duban.urls"
# 表单过期（CSRF 校验失败）时的中文页面，而不是 Django 的英文 403
CSRF_FAILURE_VIEW = "duban.core.views.csrf_failure"
WSGI_APPLICATION = "duban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "duban" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",  # CSP_NONCE for the few inline scripts
                "duban.org.context_processors.roles",
                "duban.workbench.context_processors.helpers",
            ],
        },
    },
]

_database_url = envstr("DUBAN_DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
else:
    SQLITE_PATH = envstr("DUBAN_SQLITE_PATH", str(DATA_DIR / "duban.sqlite3"))
    if not SQLITE_PATH.startswith((":", "file:")):
        private_file(SQLITE_PATH)  # it holds password hashes and sessions
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }

# ----- 只读副本 (docs/scaling.md): the dashboard, reports and statistics read from it -----
_replica_url = envstr("DUBAN_REPLICA_URL")
if _replica_url:
    from duban.core.dbrouter import replica_settings

    if "default" not in DATABASES or "postgresql" not in DATABASES["default"]["ENGINE"]:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "DUBAN_REPLICA_URL 需要主库也是 PostgreSQL：请同时设置 DUBAN_DATABASE_URL"
        )
    DATABASES["replica"] = replica_settings(DATABASES["default"], _replica_url)
    DATABASE_ROUTERS = ["duban.core.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("axes.middleware.AxesMiddleware"),
        "duban.core.dbrouter.ReplicaReadsMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ----- 登录限制 (django-axes): 同一用户名在同一地址连续输错 5 次，锁定 30 分钟 -----
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the profile with the account (org/accounts.py)
    "duban.org.accounts.ProfileBackend",
    # Django's own, last: sessions signed in before ProfileBackend existed name it, and
    # stay signed in after an upgrade (new sign-ins go through ProfileBackend above)
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("DUBAN_LOGIN_FAILURE_LIMIT", 5)
_lock_minutes = envint("DUBAN_LOGIN_LOCK_MINUTES", 30)
if AXES_FAILURE_LIMIT < 1 or _lock_minutes < 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DUBAN_LOGIN_FAILURE_LIMIT 和 DUBAN_LOGIN_LOCK_MINUTES 应为正整数")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_lock_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "duban.org.accounts.lockout_response"
AXES_VERBOSE = False
# behind reverse proxies (nginx …) the client's address is read from X-Forwarded-For
DUBAN_PROXY_COUNT = envint("DUBAN_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "duban.org.accounts.client_address"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Chinese for what Django 5.2 and django-axes leave untranslated (the admin, validators)
LOCALE_PATHS = [BASE_DIR / "duban" / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = Path(envstr("DUBAN_MEDIA_ROOT", str(DATA_DIR / "media")))
UPLOAD_DIR = DATA_DIR / "uploads"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# ----- 会话与 HTTPS (docs/deploy.md) -----
# A sign-in lasts one working day (8 h) unless DUBAN_SESSION_AGE says otherwise; with
# DUBAN_SESSION_BROWSER_CLOSE=1 it also ends when the browser is closed.
SESSION_COOKIE_AGE = envint("DUBAN_SESSION_AGE", 60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("DUBAN_SESSION_BROWSER_CLOSE", False)
# DUBAN_HTTPS=1: served over https behind a reverse proxy (nginx) that terminates TLS and
# sets X-Forwarded-Proto; cookies are sent over https only and browsers are told (HSTS)
# to use https for DUBAN_HSTS_SECONDS.
DUBAN_HTTPS = envbool("DUBAN_HTTPS", False)
SESSION_COOKIE_SECURE = envbool("DUBAN_SECURE_COOKIES", DUBAN_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if DUBAN_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = envint("DUBAN_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DUBAN_HSTS_SUBDOMAINS", False)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload asks browsers' public preload list: meaningless for an intranet host.
    "security.W021",
]
if not envbool("DUBAN_HSTS_SUBDOMAINS", False):
    # The office's other hosts under the same domain may still be plain http on an
    # intranet: HSTS covers duban's own host unless DUBAN_HSTS_SUBDOMAINS=1.
    SILENCED_SYSTEM_CHECKS.append("security.W005")

# ----- Content-Security-Policy (django-csp): scripts only from our own static files, or
# inline with this response's nonce; nothing from other hosts (an intranet has none).
# Styles allow inline: ECharts writes its tooltips as HTML with style attributes.
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The batch sheet posts about ten fields per task: Django's 1,000 stopped a unit leading
# more than about 120 tasks (issue 10); 20,000 takes a unit leading 2,000.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
DUBAN_IMPORT_MAX_BYTES = envint("DUBAN_IMPORT_MAX_MB", 20) * 1024 * 1024
# what an import from the web may read (the command line reads more; core/tabular.py)
DUBAN_IMPORT_MAX_ROWS = envint("DUBAN_IMPORT_MAX_ROWS", 100_000)

# ----- 后台任务 (core/jobs.py; docs/operations.md): Django's task framework (django-tasks) -----
# database: queued in the database, run by `duban db_worker` (started beside the server by
# `make run`; a systemd service in production); immediate: run inside the request (no worker).
_jobs_backend = envstr("DUBAN_JOBS_BACKEND", "database").strip().lower()
_JOB_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if _jobs_backend not in _JOB_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"DUBAN_JOBS_BACKEND={_jobs_backend!r} 无效：应为 database（默认）或 immediate"
    )
TASKS = {"default": {"BACKEND": _JOB_BACKENDS[_jobs_backend]}}
# a page's import (confirm step) or export of more rows than this runs in the background
DUBAN_JOB_ROWS = envint("DUBAN_JOB_ROWS", 2000)
JOBS_DIR = DATA_DIR / "jobs"

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("DUBAN_LOG_LEVEL", "WARNING")},
}

# ----- 催报/催办：电子邮件与群机器人 (duban.notify; docs/reminders.md) -----
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

DUBAN_EMAIL_HOST = envstr("DUBAN_EMAIL_HOST").strip()
if DUBAN_EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # No mail server configured: e-mails are written to the console, i.e. to the remind log.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = DUBAN_EMAIL_HOST or "localhost"
EMAIL_PORT = envint("DUBAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("DUBAN_EMAIL_USER")
EMAIL_HOST_PASSWORD = envstr("DUBAN_EMAIL_PASSWORD")
EMAIL_USE_TLS = envbool("DUBAN_EMAIL_USE_TLS", False)
# Port 465 speaks TLS from the first byte (SMTPS), which STARTTLS cannot.
EMAIL_USE_SSL = EMAIL_PORT == 465 and not EMAIL_USE_TLS
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = envstr("DUBAN_EMAIL_FROM", "duban@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

DUBAN_WEBHOOK_URL = envstr("DUBAN_WEBHOOK_URL").strip()
if DUBAN_WEBHOOK_URL and not DUBAN_WEBHOOK_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("DUBAN_WEBHOOK_URL 应以 https:// 或 http:// 开头")
DUBAN_WEBHOOK_KIND = envstr("DUBAN_WEBHOOK_KIND", "dingtalk").strip().lower()
if DUBAN_WEBHOOK_KIND not in ("dingtalk", "wecom"):
    raise ImproperlyConfigured(
        f"DUBAN_WEBHOOK_KIND={DUBAN_WEBHOOK_KIND!r} 无效：钉钉填 dingtalk，企业微信填 wecom"
    )
# The address people open the system at, for links in e-mails and robot messages.
DUBAN_SITE_URL = envstr("DUBAN_SITE_URL").strip().rstrip("/")
if DUBAN_SITE_URL and not DUBAN_SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "DUBAN_SITE_URL 应以 https:// 或 http:// 开头，如 https://duban.example.gov.cn"
    )

# Word → PDF for reports (optional): the LibreOffice program, found on PATH by default.
DUBAN_SOFFICE = envstr("DUBAN_SOFFICE").strip()
