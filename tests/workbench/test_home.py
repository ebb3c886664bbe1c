"""工作台: each person sees what needs them now, and never another unit's work."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from duban.notify.models import Notification
from duban.progress.models import Judgement, ProgressRules, Review, Submission
from tests.factories import KeyTaskFactory, UnitFactory

State = Submission.State
NOW = dt.datetime(2022, 7, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def july(time_machine):
    time_machine.move_to(NOW, tick=False)


def submission(task, state, period="2022-07", **fields):
    return Submission.objects.create(
        task=task, period=period, unit=task.lead_unit, state=state, **fields
    )


def judge(task, period="2022-06", status="on_track", light="green"):
    return Judgement.objects.create(
        task=task,
        period=period,
        as_of=dt.date(2022, 6, 30),
        status=status,
        light=light,
        proposed_status=status,
    )


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def section(page, name):
    """The text of one section of the page, or "" when it is not there."""
    if f'id="{name}"' not in page:
        return ""
    return page.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


# ----- 单位填报员 / 单位负责人 -----


def test_reporter_sees_the_tasks_his_unit_leads_still_to_report_this_month(client, people, tasks):
    page = home(client, people["bob"])
    todo = section(page, "to-report")
    assert "MS-01" in todo
    assert "2022年7月待填报" in todo
    assert "MS-02" not in todo  # 城建中心 is only a partner of it
    assert "ZB-01" not in todo  # another unit's task
    assert f"{reverse('progress:batch')}?period=2022-07" in todo


@pytest.mark.parametrize(
    ("state", "listed", "label"),
    [
        (State.DRAFT, True, "草稿"),
        (State.RETURNED, True, "已退回"),
        (State.PENDING_HEAD, False, ""),
        (State.SUBMITTED, False, ""),
        (State.ACCEPTED, False, ""),
    ],
)
def test_a_task_stays_to_report_until_its_report_leaves_the_unit(
    client, people, tasks, state, listed, label
):
    submission(tasks["build"], state)
    todo = section(home(client, people["bob"]), "to-report")
    assert ("MS-01" in todo) is listed
    if listed:
        assert label in todo.split("MS-01", 1)[1].split("</li>", 1)[0]


def test_last_months_report_does_not_count_for_this_month(client, people, tasks):
    submission(tasks["build"], State.ACCEPTED, period="2022-06")
    assert "MS-01" in section(home(client, people["bob"]), "to-report")


def test_reporter_sees_a_returned_report_with_the_latest_return_comment(client, people, tasks):
    returned = submission(tasks["build"], State.RETURNED, progress="已开工")
    Review.objects.create(
        submission=returned, action="return", comment="请补充照片", version=1, actor=people["alice"]
    )
    Review.objects.create(submission=returned, action="submit", version=2, actor=people["bob"])
    Review.objects.create(
        submission=returned,
        action="return",
        comment="完成值与进展不符",
        version=2,
        actor=people["alice"],
    )
    other = submission(tasks["east"], State.RETURNED)
    Review.objects.create(submission=other, action="return", comment="东苑的意见", version=1)

    box = section(home(client, people["bob"]), "returned")
    assert "MS-01" in box
    assert "完成值与进展不符" in box
    assert "请补充照片" not in box
    assert "党政办退回（alice）" in box
    assert "东苑的意见" not in box  # 城建中心 is partner of MS-02, the report is 东苑's

    carol = section(home(client, people["carol"]), "returned")
    assert "东苑的意见" in carol
    assert "完成值与进展不符" not in carol


def test_reporter_sees_red_tasks_of_his_unit_only(client, people, tasks):
    judge(tasks["build"], light="red", status="lagging")
    judge(tasks["west"], light="red", status="lagging")
    judge(tasks["east"], light="yellow", status="lagging")
    red = section(home(client, people["bob"]), "red")
    assert "MS-01" in red
    assert "ZB-01" not in red
    assert "MS-02" not in red  # yellow, not red
    assert "2022年6月" in red


def test_unit_head_sees_reports_waiting_for_his_approval(client, people, tasks):
    submission(tasks["build"], State.PENDING_HEAD, submitted_by=people["bob"])
    submission(tasks["east"], State.PENDING_HEAD)
    box = section(home(client, people["hank"]), "pending-head")
    assert "MS-01" in box
    assert "bob" in box
    assert "MS-02" not in box  # 东苑's report waits for 东苑's head
    assert 'id="pending-head"' not in home(client, people["bob"])


def test_unit_people_see_nothing_of_the_supervision_office(client, people, tasks):
    submission(tasks["build"], State.SUBMITTED)
    page = home(client, people["bob"])
    for name in ("waiting", "not-reported", "lagging-by-category", "status-counts"):
        assert f'id="{name}"' not in page


# ----- 督查管理员 -----


def test_supervisor_sees_reports_waiting_for_review(client, people, tasks):
    submission(tasks["build"], State.SUBMITTED, submitted_at=timezone.now())
    submission(tasks["east"], State.SUBMITTED, submitted_at=timezone.now())
    submission(tasks["west"], State.DRAFT)
    page = home(client, people["alice"])
    box = section(page, "waiting")
    assert "共 2 项" in box
    assert "MS-01" in box and "MS-02" in box
    assert "ZB-01" not in box
    assert (
        f'href="{reverse("progress:submission", args=[Submission.objects.get(task=tasks["build"]).pk])}"'
        in box
    )
    assert 'id="to-report"' not in page


def test_supervisor_sees_the_units_that_have_not_reported_this_month(client, people, tasks):
    submission(tasks["build"], State.SUBMITTED)
    submission(tasks["east"], State.DRAFT)
    box = section(home(client, people["alice"]), "not-reported")
    assert "东苑居民区 <b>1</b> 项" in box
    assert "西苑居民区 <b>1</b> 项" in box
    assert "城建中心" not in box


def test_supervisor_sees_lagging_tasks_by_category_this_month(client, people, tasks, units):
    other = KeyTaskFactory(
        code="ZB-02",
        lead_unit=units["west"],
        category=tasks["build"].category.__class__.objects.for_year(2022)[1],
    )
    for task in (tasks["build"], tasks["east"], other):
        judge(task, period="2022-07", status="lagging", light="yellow")
    judge(tasks["west"], period="2022-07")
    box = section(home(client, people["alice"]), "lagging-by-category")
    assert "2022年7月" in box
    assert f'<td>{tasks["build"].category.name}</td><td class="num">2</td>' in box
    assert f'<td>{other.category.name}</td><td class="num">1</td>' in box


def test_before_this_month_is_judged_the_latest_judged_month_is_shown(client, people, tasks):
    judge(tasks["build"], period="2022-06", status="lagging", light="red")
    box = section(home(client, people["alice"]), "lagging-by-category")
    assert "2022年6月（本月尚未研判，显示最近一期）" in box
    red = section(home(client, people["alice"]), "red")
    assert "MS-01" in red


def test_supervisor_does_not_see_another_streets_work(client, people, tasks):
    from duban.org.models import Office

    north = Office.objects.create(name="北街道")
    north_task = KeyTaskFactory(
        office=north, code="BJ-01", lead_unit=UnitFactory(office=north, name="北街道城建中心")
    )
    submission(north_task, State.SUBMITTED)
    judge(north_task, light="red", status="lagging")
    page = home(client, people["alice"])
    assert "BJ-01" not in page
    assert "北街道城建中心" not in page


# ----- 领导 / 只读 -----


@pytest.mark.parametrize("who", ["lily", "rita"])
def test_leaders_see_red_and_lagging_tasks_and_counts_of_the_latest_month(
    client, people, tasks, who
):
    judge(tasks["build"], period="2022-05", status="lagging", light="red")
    judge(tasks["build"], status="lagging", light="red")
    judge(tasks["east"], status="lagging", light="yellow")
    judge(tasks["west"], status="completed", light="green")
    page = home(client, people[who])
    counts = section(page, "status-counts")
    assert "2022年6月" in counts
    assert "<b>1</b><span>已完成</span>" in counts
    assert "<b>0</b><span>推进正常</span>" in counts
    assert "<b>2</b><span>推进滞后</span>" in counts
    lagging = section(page, "lagging")
    assert "MS-01" in lagging and "MS-02" in lagging and "ZB-01" not in lagging
    red = section(page, "red")
    assert "MS-01" in red and "MS-02" not in red
    assert 'id="waiting"' not in page
    assert 'id="to-report"' not in page


def test_grid_worker_sees_red_tasks_of_his_community_and_no_work_lists(client, people, tasks):
    judge(tasks["west"], status="lagging", light="red")
    judge(tasks["build"], status="lagging", light="red")
    page = home(client, people["gina"])
    red = section(page, "red")
    assert "ZB-01" in red and "MS-01" not in red
    assert 'id="to-report"' not in page


# ----- 民生诉求 -----


def file_request(people, units, office, content, community="west", at=NOW):
    from duban.tickets import services

    return services.receive(
        people["gina"], office=office, content=content, community=units[community], now=at
    )


def test_the_office_sees_its_requests_by_stage_as_the_inbox_counts_them(
    client, people, units, office
):
    from duban.tickets import services

    first = file_request(people, units, office, "西苑3号楼门口路灯不亮")
    file_request(people, units, office, "西苑菜场门口积水")
    late = file_request(people, units, office, "东苑围墙破损", at=NOW - dt.timedelta(days=30))
    services.apply(people["alice"], late, "dispatch", unit=units["build"], now=late.received_at)
    page = home(client, people["alice"])
    box = section(page, "tickets-inbox")
    assert "<b>2</b><span>待分单</span>" in box and "<b>1</b><span>已超期</span>" in box
    assert 'data-tile="tickets-dispatch"><b>2</b>' in page
    assert 'data-tile="tickets-overdue"><b>1</b>' in page
    # the inbox's own tabs give the same numbers
    client.force_login(people["alice"])
    inbox = client.get(reverse("tickets:inbox")).content.decode()
    assert 'id="stage-dispatch">待分单 <span class="count">2</span>' in inbox
    assert 'id="stage-overdue">已超期 <span class="count">1</span>' in inbox
    assert first.code not in section(home(client, people["bob"]), "tickets-inbox")


def test_a_unit_sees_its_requests_to_claim_and_those_past_their_deadline(
    client, people, units, office
):
    from duban.tickets import services

    late = file_request(people, units, office, "东苑围墙破损", at=NOW - dt.timedelta(days=30))
    services.apply(people["alice"], late, "dispatch", unit=units["build"], now=late.received_at)
    fresh = file_request(people, units, office, "西苑3号楼门口路灯不亮")
    services.apply(people["alice"], fresh, "dispatch", unit=units["build"], now=NOW)
    services.apply(people["hank"], fresh, "claim", now=NOW)
    page = home(client, people["bob"])
    box = section(page, "tickets-unit")
    assert "<b>1</b><span>待领单</span>" in box and "<b>1</b><span>办理中</span>" in box
    assert "1 件已超过办理时限" in box
    assert 'data-tile="tickets-unit-overdue"><b>1</b>' in page
    # the tile opens the tab the late one is on: it was never claimed
    assert '?stage=claim" data-tile="tickets-unit-overdue"' in page
    # another unit has nothing of it
    other = section(home(client, people["carol"]), "tickets-unit")
    assert "<b>0</b><span>待领单</span>" in other and "已超过" not in other
    assert 'id="tickets-inbox"' not in page and 'id="tickets-filed"' not in page


def test_a_grid_worker_sees_the_requests_they_filed_and_can_file_another(
    client, people, units, office
):
    mine = file_request(people, units, office, "西苑3号楼门口路灯不亮")
    page = home(client, people["gina"])
    box = section(page, "tickets-filed")
    assert mine.code in box and "待分单" in box and "西苑3号楼门口路灯不亮" in box
    assert reverse("tickets:new") in box and reverse("tickets:talk_day") in box
    assert 'id="tickets-inbox"' not in page and 'id="tickets-unit"' not in page
    # a reporter files nothing and is shown no such card
    assert 'id="tickets-filed"' not in home(client, people["carol"])


def test_a_stage_count_stops_at_its_cap(people, units, office):
    # a city's stages hold hundreds of thousands: counted no further than the cap
    from duban.tickets import worklists

    for n in range(3):
        file_request(people, units, office, f"西苑{n}号楼路灯不亮")
    waiting = worklists.inbox(people["alice"], NOW)["dispatch"]
    assert worklists.count(waiting, cap=4) == 3
    assert worklists.count(waiting, cap=3) == "2+"


# ----- 通知 -----


def test_everyone_sees_their_latest_five_unread_notifications(client, people):
    for n in range(7):
        Notification.objects.create(user=people["bob"], title=f"催报通知{n}")
    Notification.objects.create(user=people["bob"], title="已读的通知", read_at=timezone.now())
    Notification.objects.create(user=people["carol"], title="东苑的通知")
    box = section(home(client, people["bob"]), "notifications")
    assert box.count("催报通知") == 5
    assert "催报通知6" in box and "催报通知1" not in box
    assert "已读的通知" not in box
    assert "东苑的通知" not in box


# ----- navigation -----


def nav(page):
    return page.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]


def test_navigation_offers_each_role_its_pages(client, people, tasks):
    Notification.objects.create(user=people["bob"], title="催报")
    Notification.objects.create(user=people["bob"], title="催报2")
    bob = nav(home(client, people["bob"]))
    assert "工作台" in bob and "台账" in bob and "填报" in bob
    assert "审核" not in bob
    assert 'class="nav-badge" title="未读通知">2<' in bob
    alice = nav(home(client, people["alice"]))
    assert "审核" in alice and "填报" not in alice
    lily = nav(home(client, people["lily"]))
    assert "审核" not in lily and "填报" not in lily
    assert "nav-badge" not in lily


def test_unit_head_is_offered_review_only_when_heads_approve(client, people):
    assert "审核" not in nav(home(client, people["hank"]))
    ProgressRules.objects.update_or_create(pk=1, defaults={"unit_head_approval": True})
    assert "审核" in nav(home(client, people["hank"]))


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ----- queries -----


def grow(units, count):
    """Tasks of 城建中心 and of other units, with reports in every state and judgements."""
    states = [State.RETURNED, State.SUBMITTED, State.PENDING_HEAD, State.DRAFT]
    for n in range(count):
        task = KeyTaskFactory(lead_unit=units["build"] if n % 2 == 0 else UnitFactory())
        returned = submission(task, states[n % 4])
        Review.objects.create(submission=returned, action="return", comment="补充", version=1)
        judge(task, status="lagging", light="red" if n % 3 else "yellow")


@pytest.mark.parametrize("who", ["alice", "bob", "hank", "lily"])
def test_home_query_count_does_not_grow_with_the_rows(client, people, units, who):
    client.force_login(people[who])
    grow(units, 4)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    grow(units, 30)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
