"""Month pickers open on the latest month that has data when the current year has none
(`month.opening_month`): 填报, 报送看板, 研判本月, the reports' period and the dashboard."""

import datetime as dt

import pytest
from django.urls import reverse

from duban.ledger.models import KeyTask
from duban.org.models import Office
from duban.progress import month as M
from duban.progress.models import Submission
from duban.reports import dashboard
from duban.reports.views import default_period
from tests.factories import KeyTaskFactory

DECEMBER_2 = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def december(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC), tick=False)


def report(task, period, state=Submission.State.ACCEPTED):
    return Submission.objects.create(
        task=task, period=period, unit=task.lead_unit, state=state, progress="按计划推进"
    )


def test_the_current_month_when_the_current_year_has_tasks(tasks, units):
    KeyTaskFactory(code="N1", year=2026, lead_unit=units["build"])
    assert M.opening_month(KeyTask.objects.all(), DECEMBER_2).key == "2026-12"


def test_else_the_latest_month_with_a_report_or_a_judgement(tasks):
    all_tasks = KeyTask.objects.all()
    assert M.opening_month(all_tasks, DECEMBER_2).key == "2026-12"  # nothing at all
    report(tasks["build"], "2022-05", Submission.State.DRAFT)
    assert M.opening_month(all_tasks, DECEMBER_2).key == "2022-05"
    report(tasks["east"], "2022-03")
    assert M.opening_month(all_tasks, DECEMBER_2).key == "2022-05"


def test_a_judged_month_counts_and_reading_pages_take_the_latest_judged(judged):
    all_tasks = KeyTask.objects.all()
    assert M.opening_month(all_tasks, DECEMBER_2).key == "2022-07"
    assert M.reading_month(all_tasks, DECEMBER_2).key == "2022-07"


def test_the_batch_sheet_and_the_board_open_on_the_latest_month_with_data(client, people, tasks):
    report(tasks["build"], "2022-07")
    client.force_login(people["bob"])
    page = client.get(reverse("progress:batch")).content.decode()
    assert "批量填报 <small>城建中心 · 2022年7月</small>" in page
    client.force_login(people["alice"])
    board = client.get(reverse("progress:board")).content.decode()
    assert 'name="period" value="2022-07"' in board


def test_the_reports_and_the_dashboard_open_on_the_latest_judged_month(judged, people):
    assert default_period(Office.objects.all()) == "2022-07"
    KeyTaskFactory(code="N1", year=2027, lead_unit=judged["build"].lead_unit)
    # next year's plan is entered already: the dashboard still opens on this data's year
    figures = dashboard.build(people["lily"], today=DECEMBER_2)
    assert figures["year"] == 2022
