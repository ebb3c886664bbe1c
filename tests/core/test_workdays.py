"""The one working-day calendar: admin adjustments → chinesecalendar → python-holidays
→ Monday to Friday, never an error."""

import datetime as dt

import pytest

from duban.core import workdays as W
from duban.core.workdays import Calendar

D = dt.date


def test_chinesecalendar_answers_its_published_years_with_their_tiaoxiu_days():
    calendar = Calendar()
    assert not calendar.is_workday(D(2022, 10, 3))  # 国庆
    assert calendar.is_workday(D(2022, 10, 8))  # Saturday 调休 working day
    assert calendar.coverage(2022).source == W.CHINESECALENDAR
    assert calendar.warnings() == []


def test_2027_uses_the_legal_holidays_of_python_holidays_with_a_warning():
    calendar = Calendar()
    assert not calendar.is_workday(D(2027, 10, 1))  # 国庆节, a Friday
    assert not calendar.is_workday(D(2027, 2, 8))  # 春节, a Monday
    assert calendar.is_workday(D(2027, 10, 8))  # an ordinary Friday
    assert not calendar.is_workday(D(2027, 10, 9))  # Saturday: no 调休 known
    coverage = calendar.coverage(2027)
    assert coverage.source == W.HOLIDAYS
    assert coverage.label == "法定节假日推算（不含调休上班日）"
    [warning] = calendar.warnings()
    assert warning.startswith("2027年的工作日按法定节假日推算，未含调休上班日")
    assert "\n" not in warning


def test_a_deadline_across_the_2027_national_day_skips_the_holidays():
    # Thursday 2027-09-30 + 3 working days: 10-01…10-05 are off, so 10-06, 10-07, 10-08
    assert Calendar().add_workdays(D(2027, 9, 30), 3) == D(2027, 10, 8)
    assert Calendar().workdays_between(D(2026, 12, 31), D(2027, 1, 4)) == 1


def test_a_year_no_source_covers_falls_back_to_weekdays_with_a_warning():
    calendar = Calendar()
    assert calendar.is_workday(D(2040, 10, 1))  # a Monday, counted as a working day
    assert not calendar.is_workday(D(2040, 10, 6))  # Saturday
    assert calendar.add_workdays(D(2040, 10, 5), 1) == D(2040, 10, 8)
    assert calendar.coverage(2040).source == W.WEEKDAYS
    assert calendar.warnings() == [
        "2040年没有节假日数据，工作日暂按周一至周五计算；"
        "请在「节假日/调休调整」中录入2040年的放假与调休日期。"
    ]


def test_the_offices_adjustments_win_over_every_source():
    calendar = Calendar(
        overrides={D(2022, 10, 8): False, D(2027, 10, 9): True, D(2040, 10, 1): False},
        manual_years=[2041],
    )
    assert not calendar.is_workday(D(2022, 10, 8))
    assert calendar.is_workday(D(2027, 10, 9))
    assert not calendar.is_workday(D(2040, 10, 1))
    # a 调休 working day entered for 2027 completes that year: no warning left
    assert calendar.coverage(2027).complete
    assert calendar.coverage(2041).source == W.ADMIN
    assert calendar.warnings([2027, 2041]) == []
    assert calendar.warnings([2040]) != []


def test_answers_are_remembered(monkeypatch):
    W.source_says.cache_clear()  # what the sources say is remembered for the process
    calendar = Calendar()
    asked = []
    real = W.chinese_calendar.is_workday
    monkeypatch.setattr(W.chinese_calendar, "is_workday", lambda d: asked.append(d) or real(d))
    assert calendar.workdays_between(D(2022, 1, 1), D(2022, 1, 31)) == 21
    for _ in range(3):
        calendar.workdays_between(D(2022, 1, 1), D(2022, 1, 31))
    assert len(asked) == 30  # (start, end]: each day asked once
    calendar.workdays_between(D(2022, 1, 1), D(2022, 12, 31))  # a long span: running counts
    Calendar().workdays_between(D(2022, 1, 1), D(2022, 12, 31))  # another calendar, same days
    assert len(asked) == 365


def test_workdays_between_spans_years_and_counts_backwards():
    calendar = Calendar(overrides={D(2023, 1, 2): True})
    day_by_day = sum(
        calendar.is_workday(D(2022, 12, 20) + dt.timedelta(days=n)) for n in range(1, 30)
    )
    assert calendar.workdays_between(D(2022, 12, 20), D(2023, 1, 18)) == day_by_day
    assert calendar.workdays_between(D(2023, 1, 18), D(2022, 12, 20)) == -day_by_day
    assert calendar.workdays_between(D(2022, 12, 31), D(2023, 1, 2)) == 1  # 1 January off
    assert calendar.workdays_between(D(2022, 5, 5), D(2022, 5, 5)) == 0


@pytest.mark.django_db
def test_load_reads_the_admin_models_and_years_shown_lists_them():
    from duban.core.models import CalendarYear, WorkdayOverride

    CalendarYear.objects.create(year=2035)
    WorkdayOverride.objects.create(date=D(2027, 2, 20), is_workday=True, note="春节调休")
    calendar = Calendar.load()
    assert calendar.is_workday(D(2027, 2, 20))  # a Saturday made a working day
    assert W.years_shown(D(2026, 12, 2), calendar) == [2025, 2026, 2027, 2035]
