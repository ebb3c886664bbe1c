"""A request around the loop in the browser: a 网格员 files it at phone width, the office
dispatches it, the unit returns it with a reason, the office re-dispatches it, the second
unit claims and closes it, the rating is entered and the statistics page changes."""

import pytest

from duban.tickets.models import Ticket, TicketCategory
from tests.browser.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def switch_user(page, live_server, username):
    page.context.clear_cookies()
    login(page, live_server, username)


def kpi(page, key):
    return page.locator(f'.kpi[data-key="{key}"] dd').inner_text()


def test_request_goes_round_the_loop(chromium, page, live_server, people, units):
    TicketCategory.objects.create(name="市政设施")
    phone = chromium.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    mobile = phone.new_page()
    mobile.set_default_timeout(15000)
    login(mobile, live_server, "gina")
    mobile.goto(live_server.url + "/tickets/new/")
    # the form fits the phone: nothing wider than the screen
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 375
    mobile.fill("#id_content", "西苑5号楼路灯不亮")
    mobile.select_option("#id_category", label="市政设施")
    mobile.fill("#id_reporter_name", "王五")
    mobile.fill("#id_reporter_phone", "13700001234")
    mobile.click("#intake-form button[type=submit]")
    mobile.wait_for_load_state("networkidle")
    assert "已登记" in mobile.locator("#messages").inner_text()
    phone.close()
    ticket = Ticket.objects.get()

    login(page, live_server, "alice")
    page.goto(live_server.url + "/tickets/stats/")
    assert kpi(page, "received") == "1" and kpi(page, "closed") == "0"
    page.goto(live_server.url + "/tickets/")
    card = page.locator(f"#ticket-{ticket.pk}")
    assert "王*" in card.inner_text() and "137****1234" in card.inner_text()
    card.locator("select[name=unit]").select_option(label="城建中心")
    card.locator("button:has-text('分单')").click()
    page.wait_for_load_state("networkidle")
    assert "已分单给城建中心" in page.locator("#messages").inner_text()

    switch_user(page, live_server, "bob")
    page.goto(live_server.url + "/tickets/unit/")
    card = page.locator(f"#ticket-{ticket.pk}")
    card.locator("input[name=reason]").fill("路灯由区路灯所维护，不属本单位")
    card.locator("button:has-text('退单')").click()
    page.wait_for_load_state("networkidle")
    assert "已退单" in page.locator("#messages").inner_text()

    switch_user(page, live_server, "alice")
    page.goto(live_server.url + "/tickets/?stage=returned")
    card = page.locator(f"#ticket-{ticket.pk}")
    card.locator("select[name=unit]").select_option(label="东苑居民区")
    card.locator("button:has-text('重新分单')").click()
    page.wait_for_load_state("networkidle")

    switch_user(page, live_server, "carol")
    page.goto(live_server.url + "/tickets/unit/")
    page.locator(f"#ticket-{ticket.pk} button:has-text('领单')").click()
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/tickets/unit/?stage=doing")
    card = page.locator(f"#ticket-{ticket.pk}")
    card.locator("input[name=reason]").fill("已协调区路灯所修复")
    card.locator("button:has-text('办结')").click()
    page.wait_for_load_state("networkidle")

    switch_user(page, live_server, "alice")
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    form = page.locator("#follow-up")
    form.locator("select[name=contacted]").select_option("yes")
    form.locator("select[name=resolved]").select_option("yes")
    form.locator("select[name=satisfaction]").select_option("basically_satisfied")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    timeline = page.locator("#timeline").inner_text()
    assert "路灯由区路灯所维护，不属本单位" in timeline and "已协调区路灯所修复" in timeline

    page.goto(live_server.url + "/tickets/stats/")
    assert kpi(page, "closed") == "1" and kpi(page, "awaiting_dispatch") == "0"
    assert kpi(page, "resolution_rate") == "100%"
    assert kpi(page, "satisfaction_rate") == "90%"
    assert page.locator("#chart-month canvas").count() == 1


def test_a_talk_day_sitting_is_filed_on_a_phone_and_dispatched_at_once(
    chromium, live_server, people, units
):
    # at phone width, under the product's Content-Security-Policy (the script is a file)
    phone = chromium.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    page = phone.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, "gina")
    page.goto(live_server.url + "/tickets/talk-day/")
    assert page.input_value("#id_held_on") != ""  # the date picker shows today
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#add-items")
    assert page.locator(".talk-items tbody tr").count() == 10
    page.fill("textarea[name=items-0-content]", "西苑2号楼楼道灯不亮")
    page.fill("textarea[name=items-7-content]", "西苑菜场门口垃圾桶满溢")
    page.select_option("select[name=items-7-urgency]", index=1)
    page.click("form.intake button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "说事会已登记 2 条诉求" in page.locator("#messages").inner_text()
    filed = Ticket.objects.order_by("content")
    assert [t.content for t in filed] == ["西苑2号楼楼道灯不亮", "西苑菜场门口垃圾桶满溢"]
    assert {t.source for t in filed} == {"talk_day"} and filed[1].urgency != "normal"

    # the office sends the sitting's requests to one unit at once: 全选本页 (a script file)
    page.context.clear_cookies()
    login(page, live_server, "alice")
    page.goto(live_server.url + "/tickets/?stage=dispatch")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.check("#batch-all")
    assert page.locator('input[name="ticket"]:checked').count() == 2
    page.select_option("#batch-form select[name=unit]", label="城建中心")
    page.click("#batch-form button[value=dispatch]")
    page.wait_for_load_state("networkidle")
    assert "已分单 2 件给城建中心" in page.locator("#messages").inner_text()
    assert set(Ticket.objects.values_list("state", flat=True)) == {"dispatched"}
    phone.close()
