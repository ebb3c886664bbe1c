"""Personas built once per test: one person per role, in units of one street (示范街道),
and a neighbour street (乙街道, fixture `neighbour`) with its own units, people and tasks."""

import pytest

from duban.org import roles as R
from duban.org.models import Office
from tests.factories import KeyTaskFactory, UnitFactory, judge, make_user

SEED_MIGRATIONS = [
    "duban.org.migrations.0002_seed",
    "duban.ledger.migrations.0002_seed",
    "duban.ledger.migrations.0004_category_office_data",
    "duban.progress.migrations.0002_seed",
    "duban.progress.migrations.0004_reasoncategory_advice",
    "duban.supervision.migrations.0002_seed",
]


def seed_reference_data():
    """What the data migrations put in a fresh database (office, roles, categories,
    sources, reason categories, rules). Transactional tests (live server, browser)
    flush the database after themselves, so they re-create it here."""
    import importlib

    from django.apps import apps

    for name in SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def office(db):
    seed_reference_data()
    return Office.objects.order_by("id").first()


@pytest.fixture
def units(office):
    return {
        "party": UnitFactory(office=office, name="党政办公室", kind="department"),
        "build": UnitFactory(office=office, name="城建中心", kind="department"),
        "east": UnitFactory(office=office, name="东苑居民区", kind="community"),
        "west": UnitFactory(office=office, name="西苑居民区", kind="community"),
    }


@pytest.fixture
def people(units, office):
    """alice 督查管理员, lily 领导, bob 城建中心填报员, hank 城建中心负责人,
    carol 东苑居民区填报员, gina 西苑网格员, rita 只读."""
    return {
        "alice": make_user("alice", R.SUPERVISOR, unit=units["party"]),
        "lily": make_user("lily", R.LEADER, office=office),
        "bob": make_user("bob", R.REPORTER, unit=units["build"]),
        "hank": make_user("hank", R.UNIT_HEAD, unit=units["build"]),
        "carol": make_user("carol", R.REPORTER, unit=units["east"]),
        "gina": make_user("gina", R.GRID_WORKER, unit=units["west"]),
        "rita": make_user("rita", R.READONLY, office=office),
    }


@pytest.fixture
def tasks(units):
    """Three 2022 tasks: build leads one, east leads one with build as partner, west one."""
    return {
        "build": KeyTaskFactory(code="MS-01", title="老旧小区综合改造", lead_unit=units["build"]),
        "east": KeyTaskFactory(
            code="MS-02",
            title="社区食堂建设",
            lead_unit=units["east"],
            partners=[units["build"]],
        ),
        "west": KeyTaskFactory(code="ZB-01", title="垃圾分类示范创建", lead_unit=units["west"]),
    }


@pytest.fixture
def neighbour(office):
    """乙街道, a second street beside 示范街道 (no district above them), with its own units,
    people and 2022 tasks — so that every isolation test has a neighbour to leak to.
    Its categories are its own: 乙街道专属类别 besides the five defaults."""
    from duban.ledger.models import Category

    street = Office.objects.create(name="乙街道", kind=Office.Kind.STREET, order=2)
    units = {
        "party": UnitFactory(office=street, name="乙街道党政办公室", kind="department"),
        "build": UnitFactory(office=street, name="乙街道城建中心", kind="department"),
        "south": UnitFactory(office=street, name="南苑居民区", kind="community"),
    }
    categories = list(Category.objects.ensure_for(street, 2022))
    own = Category.objects.create(office=street, year=2022, name="乙街道专属类别", order=9)
    return {
        "office": street,
        "units": units,
        "category": own,
        "categories": categories + [own],
        "people": {
            "yvonne": make_user("yvonne", R.SUPERVISOR, unit=units["party"]),
            "yale": make_user("yale", R.LEADER, office=street),
            "yuri": make_user("yuri", R.REPORTER, unit=units["build"]),
        },
        "tasks": {
            "own": KeyTaskFactory(
                office=street,
                code="YJ-01",
                title="乙街道口袋公园",
                category=own,
                lead_unit=units["build"],
            ),
            "default": KeyTaskFactory(
                office=street,
                code="MS-01",  # the same code as 示范街道's: codes are per office
                title="乙街道加装电梯",
                category=categories[0],
                lead_unit=units["south"],
            ),
        },
    }


@pytest.fixture
def judged(tasks):
    """July 2022 as the office judged it: build's task completed, east's lagging (资金与要素保障:
    资金未到位), west's on track — lag rate 33.3%."""
    from duban.progress.models import ReasonCategory

    reason = ReasonCategory.objects.get(name="资金与要素保障")
    judge(tasks["build"], "completed")
    judge(tasks["east"], "lagging", reason_category=reason, reason="资金未到位")
    judge(tasks["west"], "on_track")
    return tasks


@pytest.fixture(autouse=True)
def _private_data_dir(settings, tmp_path):
    """Uploads and files written by commands go to a per-test folder, never to var/."""
    settings.DATA_DIR = tmp_path
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOBS_DIR = tmp_path / "jobs"
    # background jobs run at once, inside the request (tests/core/test_jobs.py tests the
    # database backend and its worker once)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Hashing the personas' passwords with PBKDF2 would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"duban: database engine = {engine}"


def pytest_configure(config):
    import os

    from django.conf import settings

    required = os.environ.get("DUBAN_REQUIRE_POSTGRES", "").lower() in {"1", "true", "yes"}
    engine = settings.DATABASES["default"]["ENGINE"]
    if required and "postgresql" not in engine:
        raise pytest.UsageError(
            "DUBAN_REQUIRE_POSTGRES=1 但未设置 DUBAN_DATABASE_URL：CI 要求在 PostgreSQL 上运行全部测试"
        )


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Browser tests run a live server whose request threads each open a connection and
    close it when their request ends; a request still in flight when the last test ends
    (a page Chromium was still loading) keeps one open, and PostgreSQL then refuses to drop
    the test database. End such sessions before the database is dropped."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    # on a connection of its own: the session's may itself have been ended meanwhile (the
    # fault tests end the test database's other sessions to copy it)
    with django_db_blocker.unblock():
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
