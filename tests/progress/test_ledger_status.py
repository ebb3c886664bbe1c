"""状态 and 预警 on the ledger, and the task page's month-by-month strip, milestones
and reports."""

import datetime as dt
import re
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.progress.models import Judgement, Review, Submission
from tests.factories import KeyTaskFactory, MilestoneFactory, UnitFactory

NOW = dt.datetime(2022, 7, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def july(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


def judge(task, period, status="on_track", light="green"):
    return Judgement.objects.create(
        task=task,
        period=period,
        as_of=dt.date(2022, 7, 1),
        status=status,
        light=light,
        proposed_status=status,
    )


def rows(response):
    """{code: (status text, light text)} of the ledger table."""
    table = response.content.decode().split('id="ledger-table"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in table.split("<tr>")[2:]:
        code = re.search(r'<a href="/ledger/\d+/">([^<]+)</a>', row)
        status = re.search(r'data-col="status"><span class="status[^"]*">([^<]+)<', row)
        light = re.search(
            r'data-col="light"><span class="light light-(\w+)"[^>]*>(?:<i class="dot"></i>)?([^<]*)<',
            row,
        )
        if code:
            found[code[1]] = (status[1], light[1], light[2])
    return found


# ----- ledger list -----


def test_ledger_shows_status_and_light_of_the_latest_judged_month(alice, tasks):
    judge(tasks["build"], "2022-05", "on_track", "green")
    judge(tasks["build"], "2022-06", "lagging", "red")
    judge(tasks["east"], "2022-06", "completed", "green")
    response = alice.get(reverse("ledger:list"), {"year": 2022})
    assert rows(response) == {
        "MS-01": ("推进滞后", "red", "红"),
        "MS-02": ("已完成", "green", "绿"),
        "ZB-01": ("未研判", "none", "—"),
    }
    page = response.content.decode()
    assert "状态与预警：2022年6月研判" in page
    assert '<option value="2022-06" selected>' in page


def test_ledger_shows_the_month_asked_for(alice, tasks):
    judge(tasks["build"], "2022-05", "on_track", "blue")
    judge(tasks["build"], "2022-06", "lagging", "red")
    response = alice.get(reverse("ledger:list"), {"year": 2022, "period": "2022-05"})
    assert rows(response)["MS-01"] == ("推进正常", "blue", "蓝")


def test_without_judgements_the_ledger_uses_the_current_month_or_december(alice, tasks, units):
    page = alice.get(reverse("ledger:list"), {"year": 2022}).content.decode()
    assert "状态与预警：2022年7月研判" in page
    KeyTaskFactory(year=2021, code="OLD", lead_unit=units["build"])
    page = alice.get(reverse("ledger:list"), {"year": 2021}).content.decode()
    assert "状态与预警：2021年12月研判" in page


def test_a_month_of_another_year_is_ignored(alice, tasks):
    judge(tasks["build"], "2022-06", "lagging", "yellow")
    response = alice.get(reverse("ledger:list"), {"year": 2022, "period": "2021-03"})
    assert rows(response)["MS-01"] == ("推进滞后", "yellow", "黄")


@pytest.fixture
def judged(tasks):
    judge(tasks["build"], "2022-06", "lagging", "red")
    judge(tasks["east"], "2022-06", "lagging", "yellow")
    judge(tasks["west"], "2022-06", "on_track", "green")
    judge(tasks["west"], "2022-05", "lagging", "red")


def test_ledger_filters_by_status(alice, judged):
    response = alice.get(reverse("ledger:list"), {"year": 2022, "status": "lagging"})
    assert sorted(rows(response)) == ["MS-01", "MS-02"]


def test_ledger_filters_by_light(alice, judged):
    response = alice.get(reverse("ledger:list"), {"year": 2022, "light": "red"})
    assert sorted(rows(response)) == ["MS-01"]


def test_status_and_light_filters_follow_the_chosen_month(alice, judged):
    response = alice.get(
        reverse("ledger:list"), {"year": 2022, "period": "2022-05", "light": "red"}
    )
    assert sorted(rows(response)) == ["ZB-01"]


def test_a_reporter_filtering_by_light_sees_only_his_units_tasks(client, people, judged):
    client.force_login(people["carol"])
    response = client.get(reverse("ledger:list"), {"year": 2022, "status": "lagging"})
    assert sorted(rows(response)) == ["MS-02"]


def test_export_honours_the_status_and_light_filters(alice, judged):
    response = alice.get(reverse("ledger:export"), {"year": 2022, "light": "yellow"})
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "MS-02" in values
    assert "MS-01" not in values and "ZB-01" not in values


def test_an_export_with_judgements_still_imports_back_unchanged(alice, judged, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    exported = alice.get(reverse("ledger:export"), {"year": 2022}).content
    upload = SimpleUploadedFile("重点工作台账-2022.xlsx", exported)
    response = alice.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)
    assert "未变 3 项" in response.content.decode()


def make_judged_tasks(count, units):
    for _ in range(count):
        task = KeyTaskFactory(lead_unit=UnitFactory(), partners=[units["build"]])
        MilestoneFactory(task=task)
        judge(task, "2022-06", "lagging", "red")
        judge(task, "2022-05", "on_track", "green")


def test_ledger_list_with_lights_query_count_does_not_grow(alice, units):
    url = reverse("ledger:list")
    make_judged_tasks(5, units)
    alice.get(url)
    with CaptureQueriesContext(connection) as few:
        response = alice.get(url, {"status": "lagging"})
    assert len(rows(response)) == 5
    make_judged_tasks(55, units)
    with CaptureQueriesContext(connection) as many:
        response = alice.get(url, {"status": "lagging"})
    assert len(rows(response)) == 50
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


# ----- task page -----


def strip(page):
    box = page.split('id="month-strip"', 1)[1].split("</section>", 1)[0]
    return dict(
        re.findall(r'data-period="(\d{4}-\d\d)".*?<span class="light light-(\w+)"', box, re.S)
    )


def test_task_page_shows_a_light_for_every_month_up_to_now(alice, tasks):
    task = tasks["build"]
    judge(task, "2022-01", "on_track", "green")
    judge(task, "2022-03", "on_track", "blue")
    judge(task, "2022-05", "lagging", "yellow")
    judge(task, "2022-06", "lagging", "red")
    page = alice.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    assert strip(page) == {
        "2022-01": "green",
        "2022-02": "none",
        "2022-03": "blue",
        "2022-04": "none",
        "2022-05": "yellow",
        "2022-06": "red",
        "2022-07": "none",  # July is not judged yet; August has not come
    }
    box = page.split('id="month-strip"', 1)[1].split("</section>", 1)[0]
    assert "6月" in box and "推进滞后" in box and "8月" not in box


def test_a_past_years_task_shows_all_twelve_months(alice, units):
    task = KeyTaskFactory(year=2021, code="OLD", lead_unit=units["build"])
    judge(task, "2021-12", "completed", "green")
    page = alice.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    months = strip(page)
    assert len(months) == 12
    assert months["2021-12"] == "green"


def milestone_states(page):
    table = page.split('id="milestones"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<td>([^<]+)</td><td class=\"nowrap\"><span[^>]*>([^<]+)</span>", table)


def test_milestones_show_done_overdue_or_not_yet_due(alice, tasks):
    task = tasks["build"]
    MilestoneFactory(task=task, due=dt.date(2022, 3, 31), description="完成设计")
    MilestoneFactory(task=task, due=dt.date(2022, 6, 30), description="开工建设")
    MilestoneFactory(task=task, due=dt.date(2022, 9, 30), description="竣工验收")
    page = alice.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    assert milestone_states(page) == [
        ("完成设计", "已逾期"),
        ("开工建设", "已逾期"),
        ("竣工验收", "未到期"),
    ]
    judge(task, "2022-06", "completed", "green")
    page = alice.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    assert milestone_states(page) == [
        ("完成设计", "已逾期"),  # completed only in June, after this step was due
        ("开工建设", "已完成"),
        ("竣工验收", "已完成"),
    ]


def test_a_sent_report_saying_completed_completes_the_milestones_a_draft_does_not(alice, tasks):
    task = tasks["build"]
    MilestoneFactory(task=task, due=dt.date(2022, 6, 30), description="开工建设")
    report = Submission.objects.create(
        task=task, period="2022-06", unit=task.lead_unit, self_status="completed"
    )
    url = reverse("ledger:detail", args=[task.pk])
    assert milestone_states(alice.get(url).content.decode()) == [("开工建设", "已逾期")]
    Submission.objects.filter(pk=report.pk).update(state=Submission.State.SUBMITTED)
    assert milestone_states(alice.get(url).content.decode()) == [("开工建设", "已完成")]


def test_task_page_lists_every_report_with_its_reviews(alice, client, people, tasks):
    task = tasks["build"]
    june = Submission.objects.create(
        task=task,
        period="2022-06",
        unit=task.lead_unit,
        state=Submission.State.ACCEPTED,
        self_status="on_track",
        progress="完成施工招标",
        version=2,
    )
    Review.objects.create(submission=june, action="submit", version=1, actor=people["bob"])
    Review.objects.create(
        submission=june, action="return", comment="请补充招标公告", version=1, actor=people["alice"]
    )
    Review.objects.create(submission=june, action="accept", version=2, actor=people["alice"])
    Submission.objects.create(task=task, period="2022-07", unit=task.lead_unit, progress="七月草稿")
    # the unit's own draft is listed for the unit; the office sees only what was submitted
    office_box = alice.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    office_box = office_box.split('id="submissions"', 1)[1].split("</section>", 1)[0]
    assert "1 期" in office_box
    assert "七月草稿" not in office_box and 'data-period="2022-07"' not in office_box
    client.force_login(people["bob"])
    page = client.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    box = page.split('id="submissions"', 1)[1].split("</section>", 1)[0]
    assert "2 期" in box
    assert box.index("2022-07") < box.index("2022-06")  # newest first
    assert f'href="{reverse("progress:submission", args=[june.pk])}"' in box
    for text in [
        "已采纳",
        "推进正常",
        "完成施工招标",
        "党政办退回",
        "请补充招标公告",
        "党政办采纳",
        "草稿",
    ]:
        assert text in box


def test_task_page_shows_no_report_of_a_task_one_cannot_see(client, people, tasks):
    client.force_login(people["carol"])
    response = client.get(reverse("ledger:detail", args=[tasks["west"].pk]))
    assert response.status_code == 404


def test_task_page_query_count_does_not_grow_with_reports(alice, people, tasks):
    task = tasks["build"]
    url = reverse("ledger:detail", args=[task.pk])

    def report(month):
        s = Submission.objects.create(
            task=task, period=f"2022-{month:02d}", unit=task.lead_unit, state="accepted"
        )
        Review.objects.create(submission=s, action="accept", version=1, actor=people["alice"])
        judge(task, f"2022-{month:02d}", "on_track", "green")

    report(1)
    alice.get(url)
    with CaptureQueriesContext(connection) as few:
        alice.get(url)
    for month in range(2, 7):
        report(month)
    with CaptureQueriesContext(connection) as many:
        alice.get(url)
    assert len(many) == len(few)


def test_an_accepted_on_track_report_after_a_milestone_shows_it_reached(alice, tasks):
    task = tasks["build"]
    MilestoneFactory(task=task, due=dt.date(2022, 6, 30), description="开工建设")
    Submission.objects.create(
        task=task,
        period="2022-07",
        unit=task.lead_unit,
        self_status="on_track",
        state=Submission.State.ACCEPTED,
    )
    url = reverse("ledger:detail", args=[task.pk])
    assert milestone_states(alice.get(url).content.decode()) == [("开工建设", "已完成")]


def test_a_half_year_shows_each_task_as_judged_at_the_halfs_last_judged_month(alice, tasks):
    judge(tasks["build"], "2022-05", "on_track", "green")
    judge(tasks["build"], "2022-06", "lagging", "yellow")
    judge(tasks["build"], "2022-07", "completed", "green")
    page = alice.get(reverse("ledger:list"), {"year": 2022, "period": "2022-H1"}).content.decode()
    assert "2022年上半年（截至2022年6月研判）" in page
    row = page.split("MS-01", 1)[1].split("</tr>", 1)[0]
    assert "推进滞后" in row
    lagging = alice.get(
        reverse("ledger:list"), {"year": 2022, "period": "2022", "status": "completed"}
    ).content.decode()
    assert "MS-01" in lagging and "2022年（截至2022年7月研判）" in lagging


def test_ledger_sorts_by_the_months_light_most_serious_first(alice, tasks, judged):
    url = reverse("ledger:list")
    query = {"year": 2022, "period": "2022-06"}
    page = alice.get(url, {**query, "sort": "light"})
    assert [row["code"] for row in page.context["page"]] == [
        "MS-01",
        "MS-02",
        "ZB-01",
    ]  # red, yellow, green
    assert 'title="按预警排序"' in page.content.decode()
    down = alice.get(url, {**query, "sort": "-light"})
    assert [row["code"] for row in down.context["page"]] == ["ZB-01", "MS-02", "MS-01"]
    by_status = alice.get(url, {**query, "sort": "-status"})
    assert [row["code"] for row in by_status.context["page"]][
        0
    ] == "ZB-01"  # 推进正常 after 推进滞后
    exported = alice.get(reverse("ledger:export"), {**query, "sort": "light"})
    rows = list(
        openpyxl.load_workbook(BytesIO(exported.content)).active.iter_rows(values_only=True)
    )
    assert [r[0] for r in rows[1:]] == ["MS-01", "MS-02", "ZB-01"]
    assert {"状态", "预警", "2022年6月进展"} <= set(rows[0])
