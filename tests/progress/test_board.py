"""报送看板: every lead unit × where its month stands, 催报 once a day, 重新打开."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.notify import channels
from duban.notify.models import Notification, ReminderLog
from duban.progress import workflow
from duban.progress.models import Judgement
from tests.factories import KeyTaskFactory, UnitFactory, judge, make_user

PERIOD = "2022-07"
BOARD = reverse("progress:board") + f"?period={PERIOD}"
FILLED = {"progress": "完成3个小区改造", "self_status": "on_track", "next_steps": "继续推进"}


@pytest.fixture(autouse=True)
def _engine_on_track(monkeypatch):
    monkeypatch.setattr(
        "duban.progress.judging.propose",
        lambda task, period, **kwargs: SimpleNamespace(status="on_track"),
    )


def cells(html, unit):
    """The unit's row of the board, as text."""
    return html.split(f'data-unit="{unit.name}"', 1)[1].split("</tr>", 1)[0]


def count(row, state):
    return row.split(f'data-state="{state}">', 1)[1].split("<", 1)[0]


def test_board_counts_each_units_reports_by_state(client, tasks, units, people):
    second = KeyTaskFactory(code="MS-09", title="口袋公园", lead_unit=units["build"])
    workflow.save_draft(tasks["build"], PERIOD, units["build"], FILLED, people["bob"])
    submitted = workflow.save_draft(second, PERIOD, units["build"], FILLED, people["bob"])
    workflow.submit([submitted], people["bob"])
    judge(tasks["west"], "completed", period="2022-06")

    client.force_login(people["alice"])
    response = client.get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    build = cells(html, units["build"])
    assert (count(build, "missing"), count(build, "draft"), count(build, "submitted")) == (
        "0",
        "1",
        "1",
    )
    assert "尚有 1 项未报送" in build and "MS-09 口袋公园" in build
    east = cells(html, units["east"])
    assert count(east, "missing") == "1" and "尚未报送" in east
    west = cells(html, units["west"])  # completed in June: not asked, offered 重新打开
    assert "本月无须填报" in west and "重新打开" in west and 'data-role="urge"' not in west


def test_leaders_view_the_board_without_actions_and_units_do_not_see_it(client, tasks, people):
    client.force_login(people["lily"])
    html = client.get(BOARD).content.decode()
    assert "报送看板" in html and 'data-role="urge"' not in html
    for who in ("bob", "hank", "rita", "gina"):
        client.force_login(people[who])
        assert client.get(BOARD).status_code == 403


def test_urging_a_unit_notifies_its_people_once_a_day(
    client, tasks, units, people, settings, monkeypatch
):
    people["bob"].email = "bob@example.cn"
    people["bob"].save()
    settings.DUBAN_WEBHOOK_URL = "https://oapi.dingtalk.com/robot/send?access_token=secret"
    robot = []
    monkeypatch.setattr(channels, "post_webhook", lambda url, text, kind: robot.append(text))
    client.force_login(people["alice"])
    url = reverse("progress:urge")

    response = client.post(url, {"unit": units["build"].pk, "period": PERIOD}, follow=True)
    assert "已向城建中心催报 1 项未报送事项" in response.content.decode()
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"bob", "hank"}
    note = Notification.objects.filter(user=people["bob"]).get()
    assert "2022年7月" in note.title and "MS-01 老旧小区综合改造" in note.body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bob@example.cn"]
    assert len(robot) == 1 and "secret" not in str(ReminderLog.objects.values_list())
    assert "今天" in client.get(BOARD).content.decode().split('data-unit="城建中心"')[1]

    response = client.post(url, {"unit": units["build"].pk, "period": PERIOD}, follow=True)
    assert "今天已向城建中心催报过，不再重复发送" in response.content.decode()
    assert Notification.objects.count() == 2 and len(mail.outbox) == 1 and len(robot) == 1
    assert ReminderLog.objects.filter(kind="report_urge").count() == 4  # 2 in-app, mail, robot


def test_a_failed_channel_is_logged_not_raised_and_retried(client, tasks, units, people, settings):
    settings.DUBAN_WEBHOOK_URL = "https://robot.invalid/send"

    def refuse(url, text, kind):
        raise channels.ChannelError("群机器人拒收：errcode=310000 keywords not in content")

    settings_patch = pytest.MonkeyPatch()
    settings_patch.setattr(channels, "post_webhook", refuse)
    try:
        client.force_login(people["alice"])
        response = client.post(
            reverse("progress:urge"), {"unit": units["build"].pk, "period": PERIOD}, follow=True
        )
    finally:
        settings_patch.undo()
    html = response.content.decode()
    assert "已向城建中心催报" in html and "1 条邮件或群消息发送失败" in html
    log = ReminderLog.objects.get(channel="webhook")
    assert not log.ok and "errcode=310000" in log.detail


def test_a_unit_that_has_reported_everything_is_not_urged(client, tasks, units, people):
    submission = workflow.save_draft(tasks["build"], PERIOD, units["build"], FILLED, people["bob"])
    workflow.submit([submission], people["bob"])
    client.force_login(people["alice"])
    response = client.post(
        reverse("progress:urge"), {"unit": units["build"].pk, "period": PERIOD}, follow=True
    )
    assert "已全部报送，无须催报" in response.content.decode()
    assert not Notification.objects.exists()


def test_urge_refuses_bad_input_and_other_roles(client, tasks, units, people):
    url = reverse("progress:urge")
    client.force_login(people["lily"])
    assert client.post(url, {"unit": units["build"].pk, "period": PERIOD}).status_code == 403
    client.force_login(people["alice"])
    assert client.post(url, {"unit": "abc", "period": PERIOD}).status_code == 404
    response = client.post(url, {"unit": units["build"].pk, "period": "2022-13"}, follow=True)
    assert response.status_code == 200 and "未催报" in response.content.decode()
    assert not Notification.objects.exists()


def test_reopen_from_the_board(client, tasks, units, people):
    judge(tasks["build"], "completed", period="2022-06")
    url = reverse("progress:reopen", args=[tasks["build"].pk])
    client.force_login(people["bob"])
    assert client.post(url, {"period": PERIOD, "reason": "x"}).status_code == 403

    client.force_login(people["alice"])
    response = client.post(url, {"period": PERIOD, "reason": ""}, follow=True)
    assert "未重新打开：重新打开须填写理由" in response.content.decode()
    response = client.post(url, {"period": PERIOD, "reason": "二期工程纳入"}, follow=True)
    assert "已重新打开 MS-01" in response.content.decode()
    assert Judgement.objects.get(task=tasks["build"], period=PERIOD).status == "on_track"
    client.force_login(people["bob"])
    batch = client.get(reverse("progress:batch") + f"?period={PERIOD}").content.decode()
    assert f'id="row-{tasks["build"].pk}"' in batch


def test_board_query_count_does_not_grow(client, office, people):
    def make(units_count, offset):
        for n in range(units_count):
            unit = UnitFactory(name=f"单位{offset + n}")
            make_user(f"rep{offset + n}", "reporter", unit=unit)
            for m in range(3):
                task = KeyTaskFactory(code=f"B{offset + n:03d}-{m}", lead_unit=unit)
                if m == 0:
                    judge(task, "completed", period="2022-06")
                elif m == 1:
                    workflow.save_draft(task, PERIOD, unit, FILLED, get_user(f"rep{offset + n}"))

    def queries():
        client.force_login(people["alice"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BOARD).status_code == 200
        return len(captured)

    make(3, 0)
    few = queries()
    make(20, 100)
    assert queries() == few


def get_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_board_sorts_by_a_state_column_and_exports_the_month(client, tasks, units, people):
    from io import BytesIO

    import openpyxl

    second = KeyTaskFactory(code="MS-09", title="口袋公园", lead_unit=units["build"])
    workflow.save_draft(second, PERIOD, units["build"], FILLED, people["bob"])
    client.force_login(people["alice"])
    html = client.get(BOARD + "&sort=-due").content.decode()
    first = html.split('data-unit="', 2)[1].split('"', 1)[0]
    assert first == units["build"].name  # 2 tasks to report, the others 1
    html = client.get(BOARD + "&sort=draft").content.decode()
    assert html.index(units["east"].name) < html.index(units["build"].name)  # 0 drafts first
    assert 'href="?period=2022-07&amp;sort=-draft"' in html

    response = client.get(BOARD + "&sort=-draft&export=xlsx")
    rows = list(
        openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert rows[0][:4] == ("牵头单位", "须填报", "未填", "草稿")
    assert rows[1][0] == units["build"].name and rows[1][3] == 1
