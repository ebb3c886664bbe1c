"""The calendar's warnings reach 督查管理员: on 工作台, on the 工作日日历 page and in the admin."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duban.core.models import WorkdayOverride
from tests.factories import KeyTaskFactory

DECEMBER_2026 = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
GAP_2027 = "2027年的工作日按法定节假日推算，未含调休上班日"


@pytest.fixture(autouse=True)
def december(time_machine):
    time_machine.move_to(DECEMBER_2026, tick=False)


def page(client, user, name):
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_the_supervisor_is_warned_on_the_workbench_about_next_years_calendar(client, people):
    assert GAP_2027 in page(client, people["alice"], "home")
    assert GAP_2027 not in page(client, people["bob"], "home")  # 单位填报员


def test_entering_a_tiaoxiu_working_day_for_2027_ends_the_warning(client, people):
    WorkdayOverride.objects.create(date=dt.date(2027, 2, 20), is_workday=True)
    assert GAP_2027 not in page(client, people["alice"], "home")


def test_the_calendar_page_lists_each_year_and_its_source(client, people):
    text = page(client, people["alice"], "calendar")
    table = text.split('id="calendar-years"', 1)[1]
    assert "2025年</a></td><td>国务院放假安排（含调休上班日）" in table
    assert "2026年</a></td><td>国务院放假安排（含调休上班日）" in table
    assert "2027年</a></td><td>法定节假日推算（不含调休上班日）" in table
    assert GAP_2027 in table


def test_only_the_supervisor_sees_the_calendar_page(client, people):
    client.force_login(people["bob"])
    assert client.get(reverse("calendar")).status_code == 403


def test_the_admin_lists_the_source_of_each_year(client, db):
    WorkdayOverride.objects.create(date=dt.date(2040, 10, 1), is_workday=False, note="国庆")
    root = get_user_model().objects.create_superuser("root", password="pass12345")
    client.force_login(root)
    text = client.get(reverse("admin:core_workdayoverride_changelist")).content.decode()
    assert "该年度日历来源" in text
    assert "按周一至周五计算（无节假日数据）（待补充）" in text  # the 2040 row
    assert "法定节假日推算（不含调休上班日）" in text  # 2027 in the table of years


def test_counts_said_to_be_of_key_tasks_leave_assigned_items_out(client, people, tasks):
    from duban.ledger.models import KeyTask
    from duban.progress.models import Judgement

    item = KeyTaskFactory(
        code="JB-2022-001",
        kind=KeyTask.Kind.ASSIGNED,
        lead_unit=tasks["build"].lead_unit,
        category=tasks["build"].category,
    )
    for task, status in (
        (tasks["build"], "lagging"),
        (item, "lagging"),
        (tasks["west"], "on_track"),
    ):
        Judgement.objects.create(
            task=task,
            period="2022-07",
            as_of=dt.date(2022, 7, 31),
            status=status,
            light="yellow" if status == "lagging" else "green",
            proposed_status=status,
        )
    text = page(client, people["lily"], "home")
    counts = text.split('id="status-counts"', 1)[1].split("</section>", 1)[0]
    assert "年度重点工作研判结果" in counts
    assert "<b>1</b><span>推进滞后</span>" in counts and "kind=annual" in counts
    lagging = text.split('id="lagging"', 1)[1].split("</section>", 1)[0]
    assert "JB-2022-001" in lagging  # the list of items names every lagging one
