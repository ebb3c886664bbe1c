"""报告中心 in Chromium: the supervisor previews July, rewrites a suggestion, generates the
report, and downloads the Word file, which carries the figures and the new text."""

import pytest
from docx import Document

from duban.reports.models import Report
from tests.browser.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_supervisor_previews_edits_generates_and_downloads_the_report(
    page, live_server, people, judged
):
    login(page, live_server, "alice")
    page.click("nav >> text=报告")
    page.select_option("#report-form select[name=period]", "2022-07")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state("networkidle")

    rows = page.locator("#category-figures tbody tr").all_inner_texts()
    assert rows[-1].split() == ["合计", "3", "1", "1", "1", "33.3%"]
    assert "滞后项目占比33.3%" in page.inner_text("#report-document")

    box = page.locator("#generate-form textarea").first
    assert "资金与要素保障" in page.inner_text("#generate-form")
    box.fill("请财务部门本月内拨付资金。")
    page.click("#generate-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已生成并存档" in page.inner_text("#messages")
    report = Report.objects.get()
    assert page.url.endswith(f"/reports/{report.pk}/")

    with page.expect_download() as download:
        page.click("#downloads >> text=下载 Word")
    path = download.value.path()
    assert download.value.suggested_filename.endswith("重点工作督查报告.docx")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "请财务部门本月内拨付资金。" in text
    assert "滞后项目占比33.3%" in text
    table = Document(str(path)).tables[-1]
    assert [cell.text for cell in table.rows[1].cells][2] == judged["east"].title
