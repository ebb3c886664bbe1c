"""Which tasks a lead unit must report on in a month (duban.progress.month), and 重新打开."""

import datetime as dt

import pytest

from duban.core.periods import Period
from duban.progress import month
from duban.progress.models import Judgement
from tests.factories import KeyTaskFactory, UnitFactory, judge


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_every_task_of_the_year_led_by_an_active_unit_is_asked(tasks):
    KeyTaskFactory(code="OLD-01", year=2021, lead_unit=tasks["build"].lead_unit)
    assert codes(month.tasks_to_report("2022-07")) == ["MS-01", "MS-02", "ZB-01"]


def test_an_inactive_lead_unit_is_not_asked(tasks, units):
    units["west"].active = False
    units["west"].save()
    assert "ZB-01" not in codes(month.tasks_to_report(Period.parse("2022-07")))


def test_an_adhoc_item_is_asked_from_the_month_it_was_assigned(tasks, units):
    KeyTaskFactory(code="JB-01", lead_unit=units["build"], assigned_on=dt.date(2022, 8, 3))
    assert "JB-01" not in codes(month.tasks_to_report("2022-07"))
    assert "JB-01" in codes(month.tasks_to_report("2022-08"))


def test_a_task_completed_earlier_is_not_asked_again(tasks):
    judge(tasks["build"], "completed", period="2022-06")
    assert "MS-01" not in codes(month.tasks_to_report("2022-07"))
    assert "MS-01" not in codes(month.tasks_to_report("2022-09"))
    assert codes(month.completed_earlier("2022-07", tasks["build"].__class__.objects.all())) == [
        "MS-01"
    ]


def test_a_task_completed_in_the_month_stays_on_that_months_sheet(tasks):
    judge(tasks["build"], "completed", period="2022-07")
    assert "MS-01" in codes(month.tasks_to_report("2022-07"))
    assert "MS-01" not in codes(month.tasks_to_report("2022-08"))


def test_a_later_judgement_that_is_not_completed_asks_again(tasks):
    judge(tasks["build"], "completed", period="2022-05")
    judge(tasks["build"], "on_track", period="2022-06")
    assert "MS-01" in codes(month.tasks_to_report("2022-07"))


def test_the_caller_narrows_the_tasks(tasks, units):
    mine = tasks["build"].__class__.objects.filter(lead_unit=units["build"])
    assert codes(month.tasks_to_report("2022-07", mine)) == ["MS-01"]


def test_the_query_does_not_grow_with_the_number_of_tasks(tasks, django_assert_num_queries):
    unit = UnitFactory(name="大单位")
    for n in range(30):
        task = KeyTaskFactory(code=f"BIG-{n:02d}", lead_unit=unit)
        judge(task, "completed" if n % 3 == 0 else "on_track", period="2022-06")
    with django_assert_num_queries(1):
        assert len(list(month.tasks_to_report("2022-07"))) == 3 + 20


def test_reopening_a_completed_task_asks_for_it_again_from_that_month(tasks, people):
    judge(tasks["build"], "completed", period="2022-06")
    judgement = month.reopen(tasks["build"], "2022-08", "区里要求补充二期工程", people["alice"])
    assert judgement.status == "on_track" and judgement.source == Judgement.Source.OVERRIDE
    assert "重新打开：区里要求补充二期工程" == judgement.override_reason
    assert "MS-01" not in codes(month.tasks_to_report("2022-07"))
    assert "MS-01" in codes(month.tasks_to_report("2022-08"))
    assert "MS-01" in codes(month.tasks_to_report("2022-09"))


def test_reopening_needs_a_reason(tasks, people):
    with pytest.raises(ValueError, match="重新打开须填写理由"):
        month.reopen(tasks["build"], "2022-08", " ", people["alice"])


def test_one_query_states_what_the_two_lists_say(tasks, units, django_assert_num_queries):
    """`with_report_state` (the batch sheet's one query) agrees with `tasks_to_report` and
    `completed_earlier` on every kind of task: asked, completed before, completed in the
    month, reopened, another year, an inactive lead unit, assigned later or not at all."""
    from duban.ledger.models import KeyTask

    judge(tasks["build"], "completed", period="2022-06")  # done earlier
    judge(tasks["east"], "completed", period="2022-07")  # done in July: still asked in July
    reopened = KeyTaskFactory(code="RE-01", lead_unit=units["build"])
    judge(reopened, "completed", period="2022-05")
    judge(reopened, "on_track", period="2022-07")
    KeyTaskFactory(code="JB-01", lead_unit=units["build"], assigned_on=dt.date(2022, 8, 3))
    KeyTaskFactory(code="JB-02", lead_unit=units["build"], assigned_on=dt.date(2022, 7, 3))
    KeyTaskFactory(code="OLD-01", year=2021, lead_unit=units["build"])
    idle = UnitFactory(office=units["build"].office, name="撤并单位", active=False)
    KeyTaskFactory(code="IN-01", lead_unit=idle)
    judge(KeyTaskFactory(code="IN-02", lead_unit=idle), "completed", period="2022-06")
    for period in ("2022-07", "2022-08"):
        everything = KeyTask.objects.all()
        with django_assert_num_queries(1):
            states = {t.code: t.report_state for t in month.with_report_state(period, everything)}
        asked = sorted(code for code, state in states.items() if state == month.ASKED)
        done = sorted(code for code, state in states.items() if state == month.DONE_EARLIER)
        assert asked == codes(month.tasks_to_report(period, everything))
        assert done == codes(month.completed_earlier(period, everything))
    assert states["RE-01"] == month.ASKED and states["MS-01"] == month.DONE_EARLIER
    assert states["OLD-01"] == states["IN-01"] == month.NOT_ASKABLE
