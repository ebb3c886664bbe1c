"""Categories belong to an office (issue 10, point 4): a category 乙街道's import creates
never shows in 示范街道's ledger, dashboard, report or new-task form; a district's list is
shared by its streets; showing a page creates nothing; years go through one parser."""

import datetime as dt
import importlib
from io import BytesIO, StringIO

import pytest
from django.apps import apps
from django.urls import reverse
from openpyxl import load_workbook

from duban.ledger.exporter import build_workbook
from duban.ledger.importer import LedgerImport
from duban.ledger.models import Category, KeyTask
from duban.org.models import Office
from duban.reports import dashboard, figures
from tests.factories import KeyTaskFactory, UnitFactory
from tests.xlsx import write_ledger

LEAK = "乙街道自建类别"


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


@pytest.fixture
def leaked(neighbour, tmp_path):
    """乙街道 imports a ledger with a category of its own, created on the way (自动创建)."""
    path = write_ledger(
        tmp_path / "乙街道.xlsx",
        [
            {
                "编号": "YJ-09",
                "类别": LEAK,
                "事项名称": "乙街道睦邻中心",
                "牵头单位": "乙街道城建中心",
            }
        ],
    )
    street = neighbour["office"]
    report = LedgerImport(street, 2022, create_missing=True).apply(path)
    assert report.ok, [str(e) for e in report.errors]
    assert Category.objects.get(name=LEAK).office == street
    return neighbour


def test_the_importer_creates_its_categories_in_the_importing_office(leaked):
    task = KeyTask.objects.get(code="YJ-09")
    assert task.category.office == leaked["office"]


def test_a_neighbours_category_is_not_in_the_ledger_filter_nor_its_counts(alice, tasks, leaked):
    page = alice.get(reverse("ledger:list"), {"year": 2022}).content.decode()
    assert LEAK not in page
    assert "乙街道专属类别" not in page
    assert "街道民生实事项目" in page


def test_a_neighbours_category_is_not_in_the_new_task_form(alice, tasks, leaked):
    page = alice.get(reverse("ledger:create"), {"year": 2022}).content.decode()
    assert LEAK not in page
    assert "乙街道专属类别" not in page


def test_a_neighbours_category_cannot_be_posted_on_the_form(alice, tasks, leaked, units):
    response = alice.post(
        reverse("ledger:create"),
        {
            "year": 2022,
            "code": "MS-77",
            "category": leaked["category"].pk,
            "title": "借用邻街类别",
            "lead_unit": units["build"].pk,
            "milestones-TOTAL_FORMS": 0,
            "milestones-INITIAL_FORMS": 0,
        },
    )
    assert "该类别不属于所选年度" in response.content.decode()
    assert not KeyTask.objects.filter(code="MS-77").exists()


def test_a_neighbours_category_is_not_in_the_dashboard(people, judged, leaked):
    data = dashboard.build(people["alice"], year=2022, period="2022-07")
    names = [row["name"] for row in data["categories"]]
    assert LEAK not in names
    assert "乙街道专属类别" not in names
    assert "街道民生实事项目" in names


def test_a_neighbours_category_is_not_in_the_report(office, judged, leaked):
    data = figures.monthly(office, "2022-07", today=dt.date(2022, 8, 5))
    names = [c["name"] for c in data["categories"]]
    assert LEAK not in names
    assert "乙街道专属类别" not in names
    assert data["overall"]["total"] == 3


def test_the_neighbour_sees_its_own_categories(leaked):
    yvonne = leaked["people"]["yvonne"]
    data = dashboard.build(yvonne, year=2022, period="2022-07")
    names = [row["name"] for row in data["categories"]]
    assert LEAK in names and "乙街道专属类别" in names


def test_streets_share_their_districts_categories_but_not_each_others(office, neighbour):
    district = Office.objects.create(name="示范区", kind=Office.Kind.DISTRICT)
    Office.objects.filter(pk__in=[office.pk, neighbour["office"].pk]).update(parent=district)
    office.refresh_from_db()
    shared = Category.objects.create(office=district, year=2022, name="全区共同类别", order=1)

    mine = set(Category.objects.usable_by(office, 2022))
    theirs = set(Category.objects.usable_by(Office.objects.get(name="乙街道"), 2022))

    assert shared in mine and shared in theirs
    assert neighbour["category"] not in mine
    # the district's pages see every street's categories
    assert neighbour["category"] in set(Category.objects.seen_from(district, 2022))


# ----- never create data on GET; one year parser -----


@pytest.mark.parametrize("year", ["2030", "2099"])
def test_opening_the_new_task_form_for_a_new_year_creates_no_category(alice, tasks, year):
    before = Category.objects.count()
    response = alice.get(reverse("ledger:create"), {"year": year})
    assert response.status_code == 200
    assert "街道民生实事项目" in response.content.decode()  # offered, by name
    assert Category.objects.count() == before


def test_the_first_task_of_a_new_year_brings_the_years_list_for_its_office(
    alice, tasks, units, people
):
    response = alice.post(
        reverse("ledger:create"),
        {
            "year": 2030,
            "code": "MS-01",
            "category": "市委市政府重点工作",
            "title": "新年度第一项",
            "lead_unit": units["build"].pk,
            "milestones-TOTAL_FORMS": 0,
            "milestones-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    task = KeyTask.objects.get(year=2030)
    office = people["alice"].profile.office
    assert (task.category.name, task.category.office) == ("市委市政府重点工作", office)
    assert Category.objects.filter(year=2030, office=office).count() == 5


@pytest.mark.parametrize("year", ["1", "2101", "9999999", "99999999999999999999", "²", "２０２２"])
@pytest.mark.parametrize("name", ["ledger:create", "ledger:create_assigned", "ledger:template"])
def test_a_bad_year_in_the_url_is_a_chinese_400_and_creates_nothing(alice, tasks, name, year):
    before = Category.objects.count()
    response = alice.get(reverse(name), {"year": year})
    assert response.status_code == 400
    assert "年度应" in response.content.decode()
    assert Category.objects.count() == before


def test_a_superscript_year_on_the_ledger_list_falls_back_to_a_year(alice, tasks):
    response = alice.get("/ledger/?year=%C2%B2")
    assert response.status_code == 200
    response = alice.get("/ledger/export/?year=99999999999999999999")
    assert response.status_code == 200


def test_a_superscript_report_id_on_the_report_preview_is_no_500(alice, judged):
    response = alice.get("/reports/preview/?period=2022-07&from=%C2%B2")
    assert response.status_code == 200
    response = alice.get("/reports/preview/?period=2022-07&from=99999999999999999999999")
    assert response.status_code == 200


# ----- the migration that gave categories their office -----


def test_the_migration_gives_each_category_the_office_whose_tasks_use_it(office, neighbour):
    migration = importlib.import_module("duban.ledger.migrations.0004_category_office_data")
    used = Category.objects.create(year=2023, name="旧类别", order=1)  # before the field
    unused = Category.objects.create(year=2023, name="无人使用", order=2)
    both = Category.objects.create(year=2023, name="两街道共用", order=3)
    unit = UnitFactory(office=neighbour["office"], name="乙街道平安办")
    KeyTaskFactory(office=neighbour["office"], year=2023, category=used, lead_unit=unit)
    theirs = KeyTaskFactory(office=neighbour["office"], year=2023, category=both, lead_unit=unit)
    mine = KeyTaskFactory(
        office=office, year=2023, category=both, lead_unit=UnitFactory(office=office)
    )

    migration.seed(apps, None)

    assert Category.objects.get(pk=used.pk).office == neighbour["office"]
    assert Category.objects.get(pk=unused.pk).office == office  # the top office
    # used by two unrelated streets: each gets its own, the tasks follow
    mine, theirs = (KeyTask.objects.get(pk=t.pk).category for t in (mine, theirs))
    assert (mine.name, mine.office) == ("两街道共用", office)
    assert (theirs.name, theirs.office) == ("两街道共用", neighbour["office"])
    assert Category.objects.filter(office__isnull=True).count() == 0


# ----- a task without a category survives its export (the demo's 交办事项) -----


def test_an_exported_task_without_a_category_imports_back_unchanged(office, tasks, tmp_path):
    KeyTask.objects.filter(pk=tasks["west"].pk).update(category=None, kind="assigned")
    path = tmp_path / "export.xlsx"
    build_workbook(KeyTask.objects.filter(office=office, year=2022)).save(path)

    report = LedgerImport(office, 2022).preview(path)

    assert report.ok, [str(e) for e in report.errors]
    assert not report.changed


def test_a_new_row_still_needs_a_category(office, units, tmp_path):
    path = write_ledger(
        tmp_path / "new.xlsx", [{"编号": "XX-01", "事项名称": "无类别", "牵头单位": "城建中心"}]
    )
    report = LedgerImport(office, 2022).preview(path)
    assert "第2行【类别】不能为空" in [str(e) for e in report.errors]


def test_the_untouched_demo_ledger_exports_and_imports_back(db, tmp_path):
    from django.core.management import call_command

    call_command("demo", "--password", "Xk7mPq2wLs", stdout=StringIO())
    office = Office.objects.order_by("id").first()
    year = KeyTask.objects.filter(kind="assigned").values_list("year", flat=True).first()
    path = tmp_path / "demo.xlsx"
    build_workbook(KeyTask.objects.filter(office=office, year=year)).save(path)
    rows = list(load_workbook(BytesIO(path.read_bytes())).active.iter_rows(values_only=True))
    assert len(rows) > 60

    report = LedgerImport(office, year).preview(path)

    assert report.ok, [str(e) for e in report.errors][:3]
    assert not report.changed


def test_a_neighbours_supervisor_cannot_see_our_categories_either(client, tasks, neighbour):
    client.force_login(neighbour["people"]["yvonne"])
    page = client.get(reverse("ledger:create"), {"year": 2022}).content.decode()
    assert "乙街道专属类别" in page
    ours = Category.objects.create(
        office=Office.objects.order_by("id").first(), year=2022, name="示范街道自有类别"
    )
    page = client.get(reverse("ledger:create"), {"year": 2022}).content.decode()
    assert ours.name not in page
