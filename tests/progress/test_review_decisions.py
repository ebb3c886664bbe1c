"""退回 / 采纳 / 更正 reach the reporter; 批量采纳, the unit filter, lights on the review cards,
and deciding from the report's own page."""

import logging
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse

from duban.notify import channels
from duban.notify.models import Notification
from duban.progress import workflow
from duban.progress.models import Submission
from tests.factories import KeyTaskFactory, judge

PERIOD = "2022-07"
State = Submission.State
FILLED = {"progress": "完成3个小区改造", "self_status": "on_track", "next_steps": "继续推进"}
REVIEW = reverse("progress:review")


@pytest.fixture(autouse=True)
def _engine_on_track(monkeypatch):
    monkeypatch.setattr(
        "duban.progress.judging.propose",
        lambda task, period, **kwargs: SimpleNamespace(status="on_track"),
    )


def submitted(task, unit, user, **data):
    submission = workflow.save_draft(task, PERIOD, unit, {**FILLED, **data}, user)
    workflow.submit([submission], user)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def bob_with_mail(people):
    people["bob"].email = "bob@example.cn"
    people["bob"].save()
    return people["bob"]


def test_returning_tells_the_reporter_in_app_by_mail_and_on_the_robot(
    tasks, units, people, bob_with_mail, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DUBAN_WEBHOOK_URL = "https://robot.example/send"
    robot = []
    monkeypatch.setattr(channels, "post_webhook", lambda url, text, kind: robot.append(text))
    submission = submitted(tasks["build"], units["build"], bob_with_mail)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_(submission, people["alice"], "请补充改造户数")
    note = Notification.objects.get(user=bob_with_mail)
    assert "填报已退回" in note.title and "MS-01" in note.title
    assert "退回意见：请补充改造户数" in note.body
    assert note.url == reverse("progress:batch") + f"?period={PERIOD}"
    assert len(mail.outbox) == 1 and "请补充改造户数" in mail.outbox[0].body
    assert len(robot) == 1


def test_accepting_and_correcting_tell_the_reporter(
    tasks, units, people, bob_with_mail, django_capture_on_commit_callbacks
):
    submission = submitted(tasks["build"], units["build"], bob_with_mail)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.accept(submission, people["alice"])
    submission.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.correct(submission, people["alice"], {"progress": "完成4个小区"}, "区住建委核定")
    titles = list(
        Notification.objects.filter(user=bob_with_mail).order_by("id").values_list("title", "body")
    )
    assert "填报已采纳" in titles[0][0]
    assert "填报已更正" in titles[1][0] and "更正理由：区住建委核定" in titles[1][1]
    assert [m.subject for m in mail.outbox] == [t for t, _b in titles]


def test_a_failed_mail_is_logged_and_the_decision_stands(
    tasks, units, people, bob_with_mail, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(address, subject, body):
        raise channels.ChannelError("邮件发送失败：ConnectionRefusedError")

    monkeypatch.setattr(channels, "send_email", broken)
    submission = submitted(tasks["build"], units["build"], bob_with_mail)
    with caplog.at_level(logging.WARNING, logger="duban.progress"):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.return_(submission, people["alice"], "请补充")
    assert Submission.objects.get(pk=submission.pk).state == State.RETURNED
    assert "ConnectionRefusedError" in caplog.text
    assert Notification.objects.filter(user=bob_with_mail).exists()


def test_accepting_several_at_once(client, tasks, units, people):
    second = KeyTaskFactory(code="MS-08", title="口袋公园", lead_unit=units["build"])
    first = submitted(tasks["build"], units["build"], people["bob"])
    other = submitted(second, units["build"], people["bob"])
    east = submitted(tasks["east"], units["east"], people["carol"])
    workflow.accept(east, people["alice"])  # someone was quicker
    Notification.objects.all().delete()

    client.force_login(people["alice"])
    response = client.post(
        reverse("progress:accept_selected"),
        {"selected": [first.pk, other.pk, east.pk, "x"], "next": REVIEW},
        follow=True,
    )
    html = response.content.decode()
    assert "已采纳 2 项填报" in html and "MS-02：该填报当前为“已采纳”" in html
    assert set(Submission.objects.values_list("state", flat=True)) == {State.ACCEPTED}
    note = Notification.objects.get(user=people["bob"])  # one message for both
    assert "2 项填报已采纳" in note.title and "MS-08" in note.body and "MS-01" in note.body
    assert set(
        Submission.objects.filter(pk__in=[first.pk, other.pk])
        .values_list("task__judgements__period", flat=True)
        .distinct()
    ) == {PERIOD}


def test_accepting_several_is_for_the_office_only(client, tasks, units, people):
    first = submitted(tasks["build"], units["build"], people["bob"])
    client.force_login(people["bob"])
    assert (
        client.post(reverse("progress:accept_selected"), {"selected": [first.pk]}).status_code
        == 403
    )
    client.force_login(people["alice"])
    response = client.post(reverse("progress:accept_selected"), {}, follow=True)
    assert "请先勾选要采纳的填报" in response.content.decode()


def test_review_queue_filters_by_unit_and_shows_lights(client, tasks, units, people):
    build = submitted(tasks["build"], units["build"], people["bob"])
    east = submitted(tasks["east"], units["east"], people["carol"])
    judge(tasks["east"], "lagging", period=PERIOD, light="yellow")
    client.force_login(people["alice"])

    html = client.get(REVIEW).content.decode()
    assert f'id="submission-{build.pk}"' in html and f'id="submission-{east.pk}"' in html
    assert "城建中心（1）" in html and "东苑居民区（1）" in html
    east_card = html.split(f'id="submission-{east.pk}"', 1)[1].split("</article>", 1)[0]
    assert "light-yellow" in east_card and "7月研判" in east_card
    build_card = html.split(f'id="submission-{build.pk}"', 1)[1].split("</article>", 1)[0]
    assert "采纳后系统研判" in build_card and 'class="light light-' in build_card
    assert 'name="selected"' in build_card

    html = client.get(REVIEW + f"?unit={units['east'].pk}").content.decode()
    assert f'id="submission-{build.pk}"' not in html and f'id="submission-{east.pk}"' in html
    response = client.get(REVIEW + "?unit=abc")
    assert response.status_code == 200 and "单位参数无效" in response.content.decode()


def test_deciding_from_the_reports_own_page(client, tasks, units, people):
    submission = submitted(tasks["build"], units["build"], people["bob"])
    url = reverse("progress:submission", args=[submission.pk])
    client.force_login(people["bob"])
    assert 'id="decide"' not in client.get(url).content.decode()

    client.force_login(people["alice"])
    html = client.get(url).content.decode()
    assert 'id="decide"' in html and 'value="accept"' in html and 'value="return"' in html
    response = client.post(
        reverse("progress:act", args=[submission.pk]),
        {"action": "return", "comment": "请补充照片", "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    submission.refresh_from_db()
    assert submission.state == State.RETURNED
    assert 'id="decide"' not in client.get(url).content.decode()  # nothing left to decide


def test_review_page_query_count_does_not_grow(client, units, people, django_db_blocker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(count, offset):
        for n in range(count):
            task = KeyTaskFactory(code=f"R{offset + n:03d}", lead_unit=units["build"])
            submitted(task, units["build"], people["bob"])

    def queries():
        client.force_login(people["alice"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(REVIEW).status_code == 200
        return len(captured)

    make(3, 0)
    few = queries()
    make(20, 100)
    assert queries() == few


def test_review_queue_sorts_by_code_and_exports_what_waits(client, tasks, units, people):
    from io import BytesIO

    import openpyxl

    submitted(tasks["build"], units["build"], people["bob"])
    submitted(tasks["east"], units["east"], people["carol"], progress="=1+1")
    client.force_login(people["alice"])
    queue = client.get(REVIEW, {"sort": "-code"}).context["office_queue"]
    assert [s.task.code for s in queue] == ["MS-02", "MS-01"]
    response = client.get(REVIEW, {"sort": "-code", "export": "xlsx"})
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("报送周期", "编号", "事项名称", "牵头单位")
    assert [r[1] for r in rows[1:]] == ["MS-02", "MS-01"]
    progress = rows[0].index("进展情况")
    assert sheet.cell(row=2, column=progress + 1).data_type == "s"  # text, never a formula
    assert rows[1][progress] == "=1+1"
