"""The supervision office imports its ledger in the browser: a bad row is shown in
the preview, the fixed file is confirmed, and the task appears in the ledger."""

import pytest
from openpyxl import Workbook

from duban.ledger.models import KeyTask
from tests.browser.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

HEADERS = [
    "编号",
    "类别",
    "事项名称",
    "工作目标",
    "牵头单位",
    "协同单位",
    "责任领导",
    "完成时限",
    "节点计划",
]


def ledger_file(path, lead_of_second_row):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(
        [
            "MS-01",
            "街道民生实事项目",
            "老年助餐点建设",
            "新建助餐点2个",
            "城建中心",
            "东苑居民区",
            "张建华",
            "2022-12-31",
            "3月底前：完成选址\n9月底前：投入运营",
        ]
    )
    sheet.append(
        [
            "MS-02",
            "街道民生实事项目",
            "社区事务受理中心新址建设",
            "年底前启用",
            lead_of_second_row,
            "",
            "李卫东",
            "12月底",
            "6月底前完成装修",
        ]
    )
    workbook.save(path)
    return str(path)


def upload(page, live_server, path):
    page.goto(live_server.url + "/ledger/import/")
    page.set_input_files("input[name=file]", path)
    page.fill("input[name=year]", "2022")
    page.click("#import-upload-button")
    page.wait_for_load_state("networkidle")


def test_supervisor_fixes_a_bad_row_and_confirms_the_import(page, live_server, people, tmp_path):
    login(page, live_server, "alice")

    upload(page, live_server, ledger_file(tmp_path / "bad.xlsx", "城建中"))
    errors = page.locator("#import-errors")
    assert errors.is_visible()
    text = errors.inner_text()
    assert "3" in text and "牵头单位" in text and "城建中心" in text  # row, field, closest name
    assert page.locator("#import-confirm-button").count() == 0
    assert KeyTask.objects.count() == 0

    upload(page, live_server, ledger_file(tmp_path / "good.xlsx", "城建中心"))
    assert page.locator("#import-errors").count() == 0
    assert "MS-02" in page.locator("#import-created").inner_text()
    page.click("#import-confirm-button")
    page.wait_for_load_state("networkidle")
    assert "新增 2 项" in page.content()

    page.goto(live_server.url + "/ledger/?year=2022")
    row = page.locator("tr", has_text="社区事务受理中心新址建设")
    assert row.count() == 1
    row.get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert "社区事务受理中心新址建设" in body
    assert "2022-06-30" in body and "完成装修" in body
    assert "导入" in body  # the change log names the channel
    assert KeyTask.objects.filter(year=2022).count() == 2
