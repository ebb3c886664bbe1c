"""Who sees and who changes which part of the ledger, page by page.

The personas of tests/conftest.py: alice 督查管理员, lily 领导, rita 只读 see the
whole street; bob and hank (城建中心) see what 城建中心 leads or helps with;
carol (东苑) and gina (西苑网格员) see their own community's tasks only.
"""

import re
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from duban.ledger.models import KeyTask
from duban.org.models import Office
from tests.factories import KeyTaskFactory, UnitFactory

ALL = {"MS-01", "MS-02", "ZB-01"}
VISIBLE = {
    "alice": ALL,
    "lily": ALL,
    "rita": ALL,
    "bob": {"MS-01", "MS-02"},
    "hank": {"MS-01", "MS-02"},
    "carol": {"MS-02"},
    "gina": {"ZB-01"},
}
NOT_SUPERVISORS = ["lily", "rita", "bob", "hank", "carol", "gina"]


def codes_on_page(response):
    """The 编号 column of the ledger table as the browser shows it."""
    table = response.content.decode().split('id="ledger-table"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'<td class="nowrap"><a href="/ledger/\d+/">([^<]+)</a></td>', table))


def codes_in_workbook(response):
    """The 编号 column of the exported sheet, below its header cell."""
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == "编号":
                column = [
                    sheet.cell(row=r, column=cell.column).value
                    for r in range(cell.row + 1, sheet.max_row + 1)
                ]
                return {str(value).strip() for value in column if value not in (None, "")}
    raise AssertionError("导出的表格没有“编号”列")


@pytest.fixture
def login(client, people):
    def login_as(name):
        client.force_login(people[name])
        return client

    return login_as


@pytest.mark.parametrize("name", sorted(VISIBLE))
def test_visible_to_gives_each_role_exactly_its_tasks(people, tasks, name):
    visible = KeyTask.objects.visible_to(people[name])
    assert set(visible.values_list("code", flat=True)) == VISIBLE[name]


@pytest.mark.parametrize("name", sorted(VISIBLE))
def test_ledger_list_shows_each_role_exactly_its_tasks(login, tasks, name):
    response = login(name).get(reverse("ledger:list"))
    assert response.status_code == 200
    assert codes_on_page(response) == VISIBLE[name]


@pytest.mark.parametrize("name", sorted(VISIBLE))
def test_export_holds_exactly_the_tasks_the_person_sees(login, tasks, name):
    response = login(name).get(reverse("ledger:export"), {"year": 2022})
    assert response.status_code == 200
    assert codes_in_workbook(response) == VISIBLE[name]


@pytest.mark.parametrize(
    ("name", "task", "status"),
    [
        ("alice", "west", 200),
        ("lily", "west", 200),
        ("rita", "build", 200),
        ("bob", "build", 200),
        ("bob", "east", 200),  # 城建中心 is a partner of the 东苑 task
        ("bob", "west", 404),
        ("hank", "west", 404),
        ("carol", "east", 200),
        ("carol", "build", 404),
        ("gina", "west", 200),
        ("gina", "east", 404),
    ],
)
def test_task_detail_opens_for_its_units_and_is_not_found_for_others(
    login, tasks, name, task, status
):
    response = login(name).get(reverse("ledger:detail", args=[tasks[task].pk]))
    assert response.status_code == status
    if status == 200:
        assert tasks[task].title in response.content.decode()


def test_a_task_of_another_street_is_not_found_even_for_the_supervisor(login, tasks):
    other = Office.objects.create(name="邻近街道")
    task = KeyTaskFactory(
        office=other, code="MS-01", lead_unit=UnitFactory(office=other, name="邻近城建中心")
    )
    client = login("alice")
    assert client.get(reverse("ledger:detail", args=[task.pk])).status_code == 404
    assert codes_on_page(client.get(reverse("ledger:list"))) == ALL


def test_supervisor_sees_the_buttons_to_change_the_ledger(login, tasks):
    page = login("alice").get(reverse("ledger:list")).content.decode()
    for label in ["新增重点工作", "新增交办事项", "导入台账", "下载导入模板"]:
        assert label in page


@pytest.mark.parametrize("name", NOT_SUPERVISORS)
def test_others_do_not_see_the_buttons_to_change_the_ledger(login, tasks, name):
    page = login(name).get(reverse("ledger:list")).content.decode()
    for label in ["新增重点工作", "新增交办事项", "导入台账", "下载导入模板"]:
        assert label not in page


def test_only_the_supervisor_sees_edit_and_delete_on_a_task(login, tasks):
    url = reverse("ledger:detail", args=[tasks["build"].pk])
    edit = reverse("ledger:edit", args=[tasks["build"].pk])
    assert edit in login("alice").get(url).content.decode()
    assert edit not in login("bob").get(url).content.decode()


SUPERVISOR_PAGES = ["ledger:create", "ledger:create_assigned", "ledger:import", "ledger:template"]


@pytest.mark.parametrize("page", SUPERVISOR_PAGES)
def test_supervisor_opens_the_pages_that_change_the_ledger(login, tasks, page):
    assert login("alice").get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", SUPERVISOR_PAGES)
@pytest.mark.parametrize("name", NOT_SUPERVISORS)
def test_others_are_forbidden_the_pages_that_change_the_ledger(login, tasks, page, name):
    assert login(name).get(reverse(page)).status_code == 403


def test_supervisor_opens_edit_and_delete_pages(login, tasks):
    client = login("alice")
    assert client.get(reverse("ledger:edit", args=[tasks["west"].pk])).status_code == 200
    assert client.get(reverse("ledger:delete", args=[tasks["west"].pk])).status_code == 200


@pytest.mark.parametrize(
    ("name", "task", "status"),
    [
        ("lily", "west", 403),
        ("rita", "west", 403),
        ("bob", "build", 403),  # sees it, may not change it
        ("hank", "east", 403),
        ("carol", "build", 404),  # does not even see it
        ("gina", "east", 404),
    ],
)
def test_others_cannot_edit_or_delete_a_task(login, tasks, name, task, status):
    client = login(name)
    pk = tasks[task].pk
    assert client.get(reverse("ledger:edit", args=[pk])).status_code == status
    assert client.post(reverse("ledger:edit", args=[pk]), {"title": "改掉"}).status_code == status
    assert client.post(reverse("ledger:delete", args=[pk])).status_code == status
    assert KeyTask.objects.get(pk=pk).title == tasks[task].title


def test_supervisor_deletes_a_task_after_confirming(login, tasks):
    client = login("alice")
    response = client.post(reverse("ledger:delete", args=[tasks["west"].pk]), follow=True)
    assert not KeyTask.objects.filter(pk=tasks["west"].pk).exists()
    assert "已删除：ZB-01 垃圾分类示范创建" in response.content.decode()
    assert codes_on_page(response) == {"MS-01", "MS-02"}


@pytest.mark.parametrize("name", NOT_SUPERVISORS)
def test_others_cannot_confirm_an_import(login, tasks, name):
    client = login(name)
    assert client.get(reverse("ledger:import_preview")).status_code == 403
    assert client.post(reverse("ledger:import_confirm")).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        reverse("ledger:list"),
        reverse("ledger:export"),
        reverse("ledger:detail", args=[1]),
        reverse("ledger:create"),
        reverse("ledger:edit", args=[1]),
        reverse("ledger:import"),
        reverse("ledger:template"),
    ],
)
def test_anonymous_visitor_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_page_is_in_chinese_and_logs_in(client, people):
    page = client.get(reverse("login")).content.decode()
    assert "登录督办系统" in page
    response = client.post(
        reverse("login"), {"username": "bob", "password": "pass12345"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")  # 工作台
    assert "单位填报员" in response.content.decode()
