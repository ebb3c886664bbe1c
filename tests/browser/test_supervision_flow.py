"""督办单 in the browser: the office confirms a proposal, the unit signs and replies, the
office closes it; and, as the clock passes reply dates, blue → yellow → red and an
accountability proposal that a person decides."""

import datetime as dt

import pytest
import time_machine

from duban.supervision.models import AccountabilityRecord, Notice
from tests.browser.conftest import login
from tests.factories import judge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_user(page, live_server, username):
    page.context.clear_cookies()
    login(page, live_server, username)


def propose_and_confirm(page, live_server, period):
    page.goto(live_server.url + "/supervision/")
    page.fill("input[name=period]", period)
    page.click("text=生成督办建议")
    page.wait_for_load_state("networkidle")
    notice = Notice.objects.get(state="proposed")
    page.click(f"#notice-{notice.pk} a")
    page.click("button[value=confirm]")
    page.wait_for_load_state("networkidle")
    assert "督办单已下发" in page.locator("#messages").inner_text()
    return Notice.objects.get(pk=notice.pk)


def test_office_confirms_unit_signs_and_replies_office_closes(page, live_server, people, tasks):
    judge(tasks["east"], "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    with time_machine.travel(dt.datetime(2022, 8, 5, 9, 0), tick=True):
        login(page, live_server, "alice")
        notice = propose_and_confirm(page, live_server, "2022-07")
        assert notice.state == "issued" and notice.level == "blue"

        switch_user(page, live_server, "carol")
        assert "社区食堂建设" in page.locator("#notices").inner_text()  # 工作台
        page.click("#notices a")
        page.click("button[value=sign]")
        page.wait_for_load_state("networkidle")
        page.fill("textarea[name=measures]", "增派施工队，周末加班")
        page.fill("input[name=promised_on]", "2022-09-30")
        page.click("#reply-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("#notice-state").inner_text() == "已答复"

        switch_user(page, live_server, "alice")
        page.goto(live_server.url + f"/supervision/notices/{notice.pk}/")
        page.fill("textarea[name=verification]", "经现场核实，已复工")
        page.click("button[value=close]")
        page.wait_for_load_state("networkidle")
        assert page.locator("#notice-state").inner_text() == "已销号"
        steps = page.locator("#events").inner_text()
        for step in ("系统建议", "下发", "签收", "答复", "核实销号"):
            assert step in steps


def test_reply_dates_pass_blue_yellow_red_and_a_person_decides(page, live_server, people, tasks):
    task = tasks["east"]
    judge(task, "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    with time_machine.travel(dt.datetime(2022, 8, 5, 9, 0), tick=True) as clock:
        login(page, live_server, "alice")
        blue = propose_and_confirm(page, live_server, "2022-07")
        assert blue.reply_by == dt.date(2022, 8, 12)

        clock.move_to(dt.datetime(2022, 8, 15, 9, 0))
        switch_user(page, live_server, "alice")  # a session lasts 12 hours
        page.goto(live_server.url + "/supervision/")
        assert page.locator("#late-count").inner_text() == "1"
        yellow = propose_and_confirm(page, live_server, "2022-07")
        assert (yellow.level, yellow.previous_id) == ("yellow", blue.pk)
        assert Notice.objects.get(pk=blue.pk).state == "escalated"

        judge(
            task,
            "lagging",
            period="2022-08",
            flags={"overdue": {"days": 3}, "lagging_streak": {"periods": 3}},
        )
        clock.move_to(dt.datetime(2022, 8, 19, 9, 0))
        switch_user(page, live_server, "alice")
        red = propose_and_confirm(page, live_server, "2022-08")
        assert (red.level, red.previous_id) == ("red", yellow.pk)

        clock.move_to(dt.datetime(2022, 8, 24, 9, 0))
        switch_user(page, live_server, "alice")
        page.goto(live_server.url + "/supervision/accountability/")
        page.click("text=按规则生成问责建议")
        page.wait_for_load_state("networkidle")
        record = AccountabilityRecord.objects.get()
        form = page.locator(f"#record-{record.pk}")
        assert "效能告诫" in form.inner_text()
        form.locator("button[value=decide]").click()
        page.wait_for_load_state("networkidle")
        assert "问责决定须填写依据" in page.locator("#messages").inner_text()
        assert AccountabilityRecord.objects.get().state == "proposed"
        page.locator(f"#record-{record.pk} input[name=basis]").fill(
            "《效能督查督办实施细则》第十条"
        )
        page.locator(f"#record-{record.pk} button[value=decide]").click()
        page.wait_for_load_state("networkidle")
        decided = AccountabilityRecord.objects.get()
        assert (decided.state, decided.level.name) == ("decided", "效能告诫")
        assert "效能告诫" in page.locator("#decided").inner_text()
