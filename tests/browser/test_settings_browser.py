"""设置 in Chromium: 督查管理员 opens a year of the 工作日日历 from the 设置 tabs, enters a
调休上班 Saturday, sees the refusal of a weekday, and deletes the entry again."""

import datetime as dt
import os

import pytest

from duban.core.models import WorkdayOverride
from duban.core.workdays import Calendar
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("DUBAN_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_supervisor_keeps_the_calendar_from_the_settings_tabs(page, live_server, people):
    login(page, live_server, "alice")
    page.goto(live_server.url + "/settings/rules/")
    page.click("nav.chips a:has-text('工作日日历')")
    page.fill("#calendar-y", "2022")
    page.click("#calendar-open-year button")
    page.wait_for_url("**/calendar/2022/")
    shot(page, "calendar-year")

    page.fill("#adjustment-form input[name=date]", "7月6日")
    page.check("#adjustment-form input[name=kind][value=work]")
    page.click("#adjustment-form button[type=submit]")
    assert "本来就是工作日，无需录入上班调整" in page.locator("#adjustment-form").inner_text()
    shot(page, "calendar-refused")

    page.fill("#adjustment-form input[name=date]", "2022-07-09")
    page.fill("#adjustment-form input[name=note]", "调休上班")
    page.check("#adjustment-form input[name=kind][value=work]")
    page.click("#adjustment-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "2022年7月9日（星期六）" in page.locator("#adjustments").inner_text()
    assert Calendar.load().is_workday(dt.date(2022, 7, 9))
    shot(page, "calendar-added")

    page.click("#adjustments button:has-text('删除')")
    page.wait_for_load_state("networkidle")
    assert "没有录入调整" in page.locator("#adjustments").inner_text()
    assert not WorkdayOverride.objects.exists()

    for url, name in [
        ("/settings/sources/", "sources"),
        ("/settings/tickets/categories/", "ticket-categories"),
        ("/settings/tickets/", "ticket-settings"),
        ("/settings/supervision/ladder/", "ladder"),
        ("/settings/supervision/scoring/", "scoring"),
    ]:
        page.goto(live_server.url + url)
        assert page.locator("button:has-text('保存')").first.is_visible()
        shot(page, name)
