"""催报 and 催办 (`duban remind`): when each is sent, to whom, through which channels,
and that a second run on the same day sends nothing twice."""

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from duban.core.workdays import Calendar
from duban.notify import reminders
from duban.notify.models import Notification, ReminderLog
from duban.progress import reminders as progress_reminders
from duban.progress.models import Judgement, ProgressRules, Submission

Kind = progress_reminders.Kind
Channel = ReminderLog.Channel
State = Submission.State
CALENDAR = Calendar()

MONDAY_DEADLINE = dt.date(2022, 9, 26)  # September's 25th is a Sunday


@pytest.fixture(autouse=True)
def _no_outside_channels(settings):
    settings.DUBAN_WEBHOOK_URL = ""
    settings.DUBAN_WEBHOOK_KIND = "dingtalk"
    settings.DUBAN_SITE_URL = ""


@pytest.fixture
def robot():
    """A group robot on 127.0.0.1 that keeps what it receives and answers like 钉钉."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            server.received.append(
                {
                    "path": self.path,
                    "content_type": self.headers["Content-Type"],
                    "json": json.loads(body.decode("utf-8")),
                }
            )
            answer = json.dumps(server.answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.received = []
    server.answer = {"errcode": 0, "errmsg": "ok"}
    server.url = f"http://127.0.0.1:{server.server_port}/robot/send?access_token=secret"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/robot/send"


def run(day, **kwargs):
    return reminders.run(day, calendar=CALENDAR, **kwargs)


def kinds_for(report, unit):
    return {r.kind: r for r in report.reminders if r.unit == unit}


def submit(task, period, state=State.SUBMITTED):
    return Submission.objects.create(task=task, period=period, unit=task.lead_unit, state=state)


def judge(task, period, light, status="lagging"):
    return Judgement.objects.create(
        task=task,
        period=period,
        as_of=dt.date(2022, 8, 31),
        status=status,
        light=light,
        proposed_status=status,
    )


# ----- when: the pure rule -----


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (dt.date(2022, 9, 20), None),  # four working days before: too early
        (dt.date(2022, 9, 21), Kind.REPORT_DUE),  # 22, 23, 26: three working days before
        (dt.date(2022, 9, 23), Kind.REPORT_DUE),
        (dt.date(2022, 9, 24), None),  # Saturday
        (dt.date(2022, 9, 25), None),  # Sunday, the nominal 25th
        (dt.date(2022, 9, 26), Kind.REPORT_DUE),  # the (moved) deadline day itself
        (dt.date(2022, 9, 27), Kind.REPORT_LATE),
        (dt.date(2022, 9, 30), Kind.REPORT_LATE),
        (dt.date(2022, 10, 10), None),  # next month: September's report is no longer chased
    ],
)
def test_report_kind_around_a_deadline_moved_off_a_sunday(today, kind):
    assert progress_reminders.report_kind(today, MONDAY_DEADLINE, CALENDAR, 3) == kind


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (dt.date(2022, 9, 27), None),  # 28, 29, 30, 10-08: four working days before
        (dt.date(2022, 9, 28), Kind.REPORT_DUE),
        (dt.date(2022, 10, 3), None),  # National Day holiday
        (dt.date(2022, 10, 8), Kind.REPORT_DUE),  # 调休 Saturday, the deadline
        (dt.date(2022, 10, 9), Kind.REPORT_LATE),  # 调休 Sunday: a working day
        (dt.date(2022, 10, 15), None),  # an ordinary Saturday
        (dt.date(2022, 10, 17), Kind.REPORT_LATE),
    ],
)
def test_report_kind_around_a_deadline_in_the_national_day_holiday(today, kind):
    assert progress_reminders.report_kind(today, dt.date(2022, 10, 8), CALENDAR, 3) == kind


# ----- what: the plan, against the database -----


def test_units_with_unreported_tasks_get_report_due_within_the_window(tasks, units, people):
    report = run(dt.date(2022, 9, 21))
    reminder = kinds_for(report, units["build"])[Kind.REPORT_DUE]
    assert [item.code for item in reminder.items] == ["MS-01"]
    assert reminder.items[0].deadline == MONDAY_DEADLINE
    assert {user.username for user in reminder.recipients} == {"bob", "hank"}
    assert "MS-01 老旧小区综合改造" in reminder.body
    assert "2022年9月26日（星期一）" in reminder.body


def test_nothing_is_sent_before_the_window(tasks, people):
    report = run(dt.date(2022, 9, 20))
    assert report.reminders == []
    assert Notification.objects.count() == 0


def test_nothing_is_sent_on_a_weekend_even_after_the_deadline(tasks, people):
    report = run(dt.date(2022, 7, 30))  # Saturday after July's deadline
    assert not report.workday
    assert report.reminders == []
    assert ReminderLog.objects.count() == 0


def test_report_late_every_working_day_after_the_deadline(tasks, units, people):
    for day, late in [(dt.date(2022, 9, 27), 1), (dt.date(2022, 9, 29), 3)]:
        reminder = kinds_for(run(day), units["build"])[Kind.REPORT_LATE]
        assert reminder.items[0].late_workdays == late
        assert f"已逾期 {late} 个工作日" in reminder.body
    titles = list(Notification.objects.filter(user=people["bob"]).values_list("title", flat=True))
    assert len(titles) == 2
    assert all("逾期未报" in title for title in titles)


def test_submitted_pending_and_accepted_tasks_are_not_reminded(tasks, units, people):
    submit(tasks["build"], "2022-09", State.PENDING_HEAD)
    submit(tasks["east"], "2022-09", State.ACCEPTED)
    submit(tasks["west"], "2022-09", State.SUBMITTED)
    assert run(dt.date(2022, 9, 27)).reminders == []


def test_drafts_and_returned_reports_are_still_reminded(tasks, units, people):
    submit(tasks["build"], "2022-09", State.DRAFT)
    submit(tasks["east"], "2022-09", State.RETURNED)
    report = run(dt.date(2022, 9, 27))
    assert Kind.REPORT_LATE in kinds_for(report, units["build"])
    assert Kind.REPORT_LATE in kinds_for(report, units["east"])


def test_a_report_for_another_month_does_not_count(tasks, units, people):
    submit(tasks["build"], "2022-08", State.ACCEPTED)
    assert Kind.REPORT_LATE in kinds_for(run(dt.date(2022, 9, 27)), units["build"])


def test_recipients_are_the_units_reporters_and_head_only(tasks, units, people):
    run(dt.date(2022, 9, 27))
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "bob",
        "hank",
        "carol",
    }
    # 西苑 has only a 网格员: nobody there is told, but the unit is still in the plan.
    log_units = set(ReminderLog.objects.values_list("unit__name", flat=True))
    assert log_units == {"城建中心", "东苑居民区"}


def test_tasks_of_another_year_and_completed_tasks_are_not_reminded(tasks, units, people):
    from tests.factories import KeyTaskFactory

    KeyTaskFactory(code="OLD-01", year=2021, lead_unit=units["build"])
    judge(tasks["east"], "2022-08", "green", status="completed")
    report = run(dt.date(2022, 9, 27))
    assert [i.code for i in kinds_for(report, units["build"])[Kind.REPORT_LATE].items] == ["MS-01"]
    assert Kind.REPORT_LATE not in kinds_for(report, units["east"])


def test_red_light_gets_a_cuiban_to_the_lead_unit(tasks, units, people):
    judge(tasks["build"], "2022-08", "red")
    judge(tasks["east"], "2022-07", "red")
    judge(tasks["east"], "2022-08", "yellow")  # the latest one counts
    submit(tasks["build"], "2022-09")
    submit(tasks["east"], "2022-09")
    report = run(dt.date(2022, 9, 13))  # well before the deadline: only 催办
    assert [(r.unit, r.kind) for r in report.reminders] == [(units["build"], Kind.RED_LIGHT)]
    notification = Notification.objects.get(user=people["hank"])
    assert "催办" in notification.title
    assert "MS-01 老旧小区综合改造（2022年8月研判）" in notification.body
    assert notification.url == f"/ledger/{tasks['build'].pk}/"
    assert not Notification.objects.filter(user=people["carol"]).exists()


def test_small_submission_day_reaches_into_the_national_day_holiday(tasks, units, people):
    ProgressRules.objects.filter(pk=1).update(submission_day=1)
    for task in tasks.values():
        submit(task, "2022-09")  # September's report (due 09-01) is in
    # October's report is due 10-01, moved to Saturday 10-08; 09-28 is 3 working days before.
    report = run(dt.date(2022, 9, 28))
    due = kinds_for(report, units["build"])[Kind.REPORT_DUE]
    assert due.items[0].period.key == "2022-10"
    assert due.items[0].deadline == dt.date(2022, 10, 8)
    assert run(dt.date(2022, 10, 5)).reminders == []  # holiday
    assert Kind.REPORT_DUE in kinds_for(run(dt.date(2022, 10, 8)), units["build"])
    late = kinds_for(run(dt.date(2022, 10, 9)), units["build"])  # 调休 Sunday
    assert late[Kind.REPORT_LATE].items[0].late_workdays == 1


# ----- channels -----


def test_email_goes_to_recipients_with_an_address(tasks, units, people, settings):
    settings.DUBAN_SITE_URL = "https://duban.example.gov.cn"
    people["bob"].email = "bob@example.gov.cn"
    people["bob"].save()
    report = run(dt.date(2022, 9, 27))
    assert [m.to for m in mail.outbox] == [["bob@example.gov.cn"]]
    message = mail.outbox[0]
    assert "城建中心" in message.subject and "逾期未报" in message.subject
    assert "MS-01 老旧小区综合改造" in message.body
    assert "https://duban.example.gov.cn/progress/batch/?period=2022-09" in message.body
    assert report.count(reminders.SENT, Channel.EMAIL) == 1
    assert ReminderLog.objects.get(channel=Channel.EMAIL).recipient == "bob@example.gov.cn"


def test_webhook_posts_one_text_message_per_unit_and_kind(tasks, units, people, settings, robot):
    settings.DUBAN_WEBHOOK_URL = robot.url
    judge(tasks["build"], "2022-08", "red")
    run(dt.date(2022, 9, 27))
    # 城建中心: late + red; 东苑: late; 西苑: late (the robot reaches units without accounts).
    assert len(robot.received) == 4
    messages = [r["json"] for r in robot.received]
    assert all(m["msgtype"] == "text" and set(m) == {"msgtype", "text"} for m in messages)
    assert robot.received[0]["content_type"].startswith("application/json")
    contents = [m["text"]["content"] for m in messages]
    build = [c for c in contents if "城建中心" in c]
    assert len(build) == 2 and all("MS-01" in c for c in build)
    assert any("西苑居民区" in c and "ZB-01" in c for c in contents)
    assert all("督办" in c for c in contents)  # the keyword a 钉钉 robot is set to require
    logs = ReminderLog.objects.filter(channel=Channel.WEBHOOK)
    assert logs.count() == 4 and all(log.ok for log in logs)
    assert all("secret" not in log.recipient + log.detail for log in logs)


def test_webhook_failure_is_logged_and_the_run_goes_on(tasks, units, people, settings):
    settings.DUBAN_WEBHOOK_URL = closed_port_url()
    people["bob"].email = "bob@example.gov.cn"
    people["bob"].save()
    report = run(dt.date(2022, 9, 27))
    failed = ReminderLog.objects.filter(channel=Channel.WEBHOOK)
    assert failed.count() == 3
    assert all(not log.ok and "无法连接群机器人" in log.detail for log in failed)
    assert report.failed == 3
    # Every unit's other messages still went out.
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 1


def test_robot_refusing_the_message_is_a_failure(tasks, units, people, settings, robot):
    settings.DUBAN_WEBHOOK_URL = robot.url
    robot.answer = {"errcode": 310000, "errmsg": "keywords not in content"}
    run(dt.date(2022, 9, 27))
    log = ReminderLog.objects.filter(channel=Channel.WEBHOOK).first()
    assert not log.ok
    assert "310000" in log.detail


def test_a_failed_send_is_retried_by_the_next_run(tasks, units, people, settings, robot):
    settings.DUBAN_WEBHOOK_URL = closed_port_url()
    run(dt.date(2022, 9, 27))
    settings.DUBAN_WEBHOOK_URL = robot.url
    report = run(dt.date(2022, 9, 27))
    assert report.count(reminders.SENT, Channel.WEBHOOK) == 3
    assert report.count(reminders.SENT, Channel.INAPP) == 0
    assert len(robot.received) == 3
    assert all(log.ok for log in ReminderLog.objects.filter(channel=Channel.WEBHOOK))


def test_wecom_messages_are_cut_to_2048_bytes(tasks, units, people, settings, robot):
    from tests.factories import KeyTaskFactory

    for n in range(60):
        KeyTaskFactory(code=f"LONG-{n:02d}", title="很长的事项名称" * 5, lead_unit=units["build"])
    settings.DUBAN_WEBHOOK_URL = robot.url
    settings.DUBAN_WEBHOOK_KIND = "wecom"
    run(dt.date(2022, 9, 27))
    contents = [r["json"]["text"]["content"] for r in robot.received]
    longest = max(contents, key=len)
    assert len(longest.encode("utf-8")) <= 2048
    assert longest.endswith("详见督办系统）")


# ----- idempotence -----


def test_running_twice_a_day_sends_nothing_twice(tasks, units, people, settings, robot):
    settings.DUBAN_WEBHOOK_URL = robot.url
    people["bob"].email = "bob@example.gov.cn"
    people["bob"].save()
    judge(tasks["build"], "2022-08", "red")
    first = run(dt.date(2022, 9, 27))
    counts = (Notification.objects.count(), len(mail.outbox), len(robot.received))
    logs = ReminderLog.objects.count()
    assert first.sent == logs == 11  # in-app 5, e-mail 2, robot 4

    second = run(dt.date(2022, 9, 27))
    assert second.sent == 0
    assert second.skipped == first.sent
    assert (Notification.objects.count(), len(mail.outbox), len(robot.received)) == counts
    assert ReminderLog.objects.count() == logs

    # The next working day is a new day.
    assert run(dt.date(2022, 9, 28)).sent == first.sent


def test_every_send_is_logged(tasks, units, people):
    report = run(dt.date(2022, 9, 27))
    rows = set(ReminderLog.objects.values_list("kind", "unit__name", "channel", "recipient"))
    assert rows == {
        (Kind.REPORT_LATE, "城建中心", Channel.INAPP, "bob"),
        (Kind.REPORT_LATE, "城建中心", Channel.INAPP, "hank"),
        (Kind.REPORT_LATE, "东苑居民区", Channel.INAPP, "carol"),
    }
    assert report.sent == 3
    assert "MS-01" in ReminderLog.objects.get(recipient="bob").detail


# ----- the command -----


def test_command_prints_what_it_sent_and_totals(tasks, units, people):
    out = StringIO()
    call_command("remind", "--date", "2022-09-27", stdout=out)
    text = out.getvalue()
    assert "2022年9月27日（星期二）" in text
    assert "催报（已逾期） 城建中心：1 项（MS-01）" in text
    assert "站内通知 bob：已发送" in text
    assert "无接收人" in text  # 西苑
    assert "已发送 3（站内通知 3，电子邮件 0，群机器人 0），失败 0" in text
    out = StringIO()
    call_command("remind", "--date", "2022-09-27", stdout=out)
    assert "站内通知 bob：今日已发送，跳过" in out.getvalue()
    assert "今日已发送而跳过 3" in out.getvalue()


def test_dry_run_sends_and_writes_nothing(tasks, units, people):
    out = StringIO()
    call_command("remind", "--date", "2022-09-27", "--dry-run", stdout=out)
    assert "演示运行" in out.getvalue()
    assert "站内通知 bob：将发送" in out.getvalue()
    assert "将发送 3" in out.getvalue()
    assert Notification.objects.count() == 0
    assert ReminderLog.objects.count() == 0


def test_command_uses_todays_date_in_china(tasks, units, people):
    # 00:30 on Tuesday 09-27 in Beijing is still Monday 09-26 in UTC.
    moment = dt.datetime(2022, 9, 27, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        out = StringIO()
        call_command("remind", stdout=out)
    assert "2022年9月27日" in out.getvalue()
    assert ReminderLog.objects.filter(day=dt.date(2022, 9, 27)).count() == 3


def test_command_on_a_holiday_says_so(tasks, people):
    out = StringIO()
    call_command("remind", "--date", "2022-10-03", stdout=out)
    assert "不是工作日" in out.getvalue()
    assert ReminderLog.objects.count() == 0


def test_the_command_goes_on_into_2027_with_a_warning(tasks, people):
    out, err = StringIO(), StringIO()
    call_command("remind", "--date", "2027-01-04", "--dry-run", stdout=out, stderr=err)
    assert "2027年1月4日（星期一）" in out.getvalue()
    assert "节假日数据缺失" not in out.getvalue() + err.getvalue()
    assert err.getvalue().splitlines() == [
        "注意：2027年的工作日按法定节假日推算，未含调休上班日；"
        "国务院放假通知发布后，请在「节假日/调休调整」中录入2027年的调休上班日。"
    ]


# ----- claim first, confirm after the send -----


def test_a_send_is_confirmed_only_after_the_robot_accepted_it(
    tasks, units, people, settings, robot, monkeypatch
):
    """The log row exists before the send and says ok only afterwards: a crash in between
    leaves it unconfirmed, never recorded as sent."""
    settings.DUBAN_WEBHOOK_URL = robot.url
    seen = []
    real_post = reminders.channels.post_webhook

    def post_and_look(url, content, kind="dingtalk"):
        rows = ReminderLog.objects.filter(channel=Channel.WEBHOOK).order_by("id")
        seen.append(list(rows.values_list("ok")))
        return real_post(url, content, kind)

    monkeypatch.setattr(reminders.channels, "post_webhook", post_and_look)
    run(dt.date(2022, 9, 27))
    assert seen and all(rows[-1] == (None,) for rows in seen)  # claimed, unconfirmed
    assert all(log.ok for log in ReminderLog.objects.filter(channel=Channel.WEBHOOK))


def test_a_claim_left_by_a_killed_run_is_sent_by_the_next_run(
    tasks, units, people, settings, robot, time_machine
):
    """kill -9 during a slow webhook: the row stays claimed and unconfirmed; once the
    claim is older than the lease, a rerun makes the send (the robot gets all 3)."""
    settings.DUBAN_WEBHOOK_URL = robot.url
    time_machine.move_to(dt.datetime(2022, 9, 27, 8, 30, tzinfo=dt.UTC))
    run(dt.date(2022, 9, 27))
    robot.received.clear()
    # What a run killed between its claim and its send leaves behind:
    ReminderLog.objects.filter(channel=Channel.WEBHOOK, unit=units["east"]).update(ok=None)

    again = run(dt.date(2022, 9, 27))  # within the lease: the other run may still be sending
    assert again.count(reminders.SENT, Channel.WEBHOOK) == 0 and robot.received == []

    time_machine.move_to(dt.datetime(2022, 9, 27, 8, 40, tzinfo=dt.UTC))
    later = run(dt.date(2022, 9, 27))
    assert later.count(reminders.SENT, Channel.WEBHOOK) == 1
    assert len(robot.received) == 1 and "东苑居民区" in robot.received[0]["json"]["text"]["content"]
    assert ReminderLog.objects.filter(ok__isnull=True).count() == 0
