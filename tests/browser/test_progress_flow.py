"""A month's reporting in the browser: the unit fills its sheet and submits, the office
returns one report with a comment, the unit fixes it, the office accepts both."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from duban.progress.models import Judgement, Submission
from tests.browser.conftest import login
from tests.factories import KeyTaskFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

BATCH = "/progress/batch/?period=2022-07"


@pytest.fixture(autouse=True)
def _engine_on_track(monkeypatch):
    monkeypatch.setattr(
        "duban.progress.judging.propose",
        lambda task, period, **kwargs: SimpleNamespace(status="on_track"),
    )


def switch_user(page, live_server, username):
    page.context.clear_cookies()
    login(page, live_server, username)


def test_unit_reports_office_returns_unit_fixes_office_accepts(
    page, live_server, people, tasks, units
):
    first = tasks["build"]
    second = KeyTaskFactory(code="MS-03", title="背街小巷环境整治", lead_unit=units["build"])

    login(page, live_server, "bob")
    page.goto(live_server.url + BATCH)
    # typed text survives a reload before saving (kept in the browser's storage)
    page.fill(f"textarea[name=t{first.pk}-progress]", "已完成3个小区改造")
    page.reload()
    assert page.input_value(f"textarea[name=t{first.pk}-progress]") == "已完成3个小区改造"
    assert page.locator("#restored-note").is_visible()

    page.select_option(f"select[name=t{first.pk}-self_status]", "on_track")
    page.fill(f"textarea[name=t{second.pk}-progress]", "完成2条道路整治")
    page.select_option(f"select[name=t{second.pk}-self_status]", "on_track")
    page.click("#submit-batch")
    page.wait_for_load_state("networkidle")
    assert "已提交 2 项填报" in page.locator("#messages").inner_text()
    assert set(Submission.objects.values_list("state", flat=True)) == {"submitted"}
    assert page.evaluate("Object.keys(localStorage).length") == 0  # cleared after saving

    switch_user(page, live_server, "alice")
    page.goto(live_server.url + "/progress/review/?period=2022-07")
    returned = Submission.objects.get(task=second)
    item = page.locator(f"#submission-{returned.pk}")
    item.locator("textarea[name=comment]").fill("请补充整治道路名称")
    item.locator("button[value=return]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f"#submission-{returned.pk}").count() == 0

    switch_user(page, live_server, "bob")
    page.goto(live_server.url + BATCH)
    row = page.locator(f"#row-{second.pk}")
    assert "请补充整治道路名称" in row.inner_text()
    assert "已退回" in row.inner_text()
    page.fill(f"textarea[name=t{second.pk}-progress]", "完成春华路、秋实路2条道路整治")
    page.click("#submit-batch")
    page.wait_for_load_state("networkidle")
    assert "已提交 1 项填报" in page.locator("#messages").inner_text()

    switch_user(page, live_server, "alice")
    page.goto(live_server.url + "/progress/review/?period=2022-07")
    assert "春华路" in page.locator("#office-queue").inner_text()
    for _ in range(2):
        page.locator("#office-queue button[value=accept]").first.click()
        page.wait_for_load_state("networkidle")
    assert "没有待审核的填报" in page.locator("#office-queue").inner_text()

    for submission in Submission.objects.all():
        page.goto(live_server.url + f"/progress/submissions/{submission.pk}/")
        assert page.locator("#submission-state").inner_text() == "已采纳"
    assert "第 2 版" in page.content()  # the last one opened is the resubmitted one
    assert "党政办退回" in page.locator("#reviews").inner_text()

    page.goto(live_server.url + "/ledger/?year=2022")
    ledger = page.locator("#ledger-table").inner_text()
    assert first.title in ledger and second.title in ledger
    for task in (first, second):
        row = page.locator("#ledger-table tr", has_text=task.title)
        judgement = Judgement.objects.get(task=task, period="2022-07")
        assert judgement.get_status_display() in row.inner_text()
        assert judgement.get_light_display()[0] in row.inner_text()  # 绿 / 蓝 / 黄 / 红


def no_sideways_scroll(page):
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", [(1366, 768), (375, 800)], ids=["desktop", "phone"])
def test_batch_sheet_fits_the_screen_without_sideways_scrolling(
    page, live_server, people, tasks, units, size
):
    long_title = "老旧小区综合改造及配套设施提升工程（含雨污分流、二次供水、架空线入地）" * 2
    for n in range(4):
        KeyTaskFactory(
            code=f"MS-1{n}",
            title=long_title,
            goal="完成" + "、".join(f"第{m}小区" for m in range(30)),
            lead_unit=units["build"],
            target_value=Decimal("2327"),
            target_unit="户",
        )
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, live_server, "bob")
    page.goto(live_server.url + BATCH)
    page.fill(f"textarea[name=t{tasks['build'].pk}-progress]", "很长的进展" * 80)
    assert no_sideways_scroll(page)
    # every field of a card is on screen horizontally: 滞后原因 … 佐证材料 included
    for name in ("reason", "next_steps", "issues", "evidence", "reason_category"):
        box = page.locator(f"[name=t{tasks['build'].pk}-{name}]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= size[0], name


def test_restoring_happens_only_when_something_really_changed(page, live_server, people, units):
    task = KeyTaskFactory(
        code="MS-20", lead_unit=units["build"], target_value=Decimal("100"), target_unit="个"
    )
    login(page, live_server, "bob")
    page.goto(live_server.url + BATCH)
    value = f"input[name=t{task.pk}-completed_value]"
    page.fill(value, "1")
    page.click("#save-draft")
    page.wait_for_load_state("networkidle")
    assert page.input_value(value) == "1.00"
    page.fill(value, "1")  # the same number, typed differently
    page.reload()
    assert not page.locator("#restored-note").is_visible()
    page.fill(value, "2")
    page.reload()
    assert page.locator("#restored-note").is_visible() and page.input_value(value) == "2"


def test_the_cards_proposal_follows_the_values_typed(page, live_server, people, units):
    task = KeyTaskFactory(
        code="MS-21", lead_unit=units["build"], target_value=Decimal("100"), target_unit="个"
    )
    login(page, live_server, "bob")
    page.goto(live_server.url + BATCH)
    card = page.locator(f"#row-{task.pk}")
    page.select_option(f"select[name=t{task.pk}-self_status]", "on_track")
    page.fill(f"input[name=t{task.pk}-completed_value]", "3")
    page.wait_for_function(
        f"document.querySelector('#row-{task.pk} [data-role=proposal]').innerText.includes('推进滞后')"
    )
    assert "needs-reason" in card.get_attribute("class")
    page.fill(f"input[name=t{task.pk}-completed_value]", "100")
    page.wait_for_function(
        f"document.querySelector('#row-{task.pk} [data-role=proposal]').innerText.includes('已完成')"
    )
    assert "needs-reason" not in card.get_attribute("class")
