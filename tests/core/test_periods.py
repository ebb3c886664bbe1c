"""Reporting periods: months, quarters, half-years, years and year-to-date spans."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.core.periods import MAX_YEAR, MIN_YEAR, Period, PeriodError

# ----- parsing, keys and labels -----


@pytest.mark.parametrize(
    ("text", "key", "label"),
    [
        ("2022-07", "2022-07", "2022年7月"),
        ("2022-7", "2022-07", "2022年7月"),
        ("2022Q3", "2022Q3", "2022年第三季度"),
        ("2022-Q3", "2022Q3", "2022年第三季度"),
        ("2022q1", "2022Q1", "2022年第一季度"),
        ("2022-q4", "2022Q4", "2022年第四季度"),
        ("2022-H1", "2022-H1", "2022年上半年"),
        ("2022h2", "2022-H2", "2022年下半年"),
        ("2022", "2022", "2022年"),
        ("2022-01~07", "2022-01~07", "2022年1—7月"),
        (" 2022Q2 ", "2022Q2", "2022年第二季度"),
    ],
)
def test_each_spelling_parses_to_its_key_and_label(text, key, label):
    period = Period.parse(text)
    assert (period.key, period.label, str(period)) == (key, label, key)


def test_a_quarter_is_a_quarter_not_a_half_year():
    period = Period.parse("2022Q3")
    assert (period.first_month, period.last_month) == (7, 9)
    assert period.is_quarter and not period.is_month and not period.is_half
    assert period.kind == "quarter"


def test_a_span_built_from_months_takes_the_name_of_what_it_is():
    assert Period(2022, 4, 6).key == "2022Q2"
    assert Period(2022, 7, 12).key == "2022-H2"
    assert Period(2022, 1, 12).key == "2022"
    # a year to date that is none of them is a span, not a half-year
    assert Period(2022, 1, 7).key == "2022-01~07"
    assert Period(2022, 2, 4).label == "2022年2—4月"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2022-13", "月份不存在"),
        ("2022-00", "月份不存在"),
        ("2022Q5", "无法识别"),
        ("2022Q0", "无法识别"),
        ("2022-H3", "无法识别"),
        ("2022-07~03", "月份不存在"),
        ("二〇二二年", "无法识别"),
        ("", "无法识别"),
        ("0000Q1", "年度 0 不存在"),
        ("0000-07", "年度 0 不存在"),
    ],
)
def test_bad_periods_get_a_chinese_error(text, message):
    with pytest.raises(PeriodError, match=message):
        Period.parse(text)


def test_a_period_cannot_be_built_with_months_that_do_not_exist():
    with pytest.raises(PeriodError):
        Period(2022, 7, 6)
    with pytest.raises(PeriodError):
        Period(2022, 0, 3)
    with pytest.raises(PeriodError):
        Period.quarter(2022, 5)


# ----- dates and months -----


def test_a_quarter_has_its_three_months_and_its_first_and_last_day():
    period = Period.parse("2022Q1")
    assert [m.key for m in period.months()] == ["2022-01", "2022-02", "2022-03"]
    assert (period.start, period.end) == (dt.date(2022, 1, 1), dt.date(2022, 3, 31))
    assert Period.parse("2024Q1").months()[1].end == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (dt.date(2022, 1, 1), "2022Q1"),
        (dt.date(2022, 3, 31), "2022Q1"),
        (dt.date(2022, 4, 1), "2022Q2"),
        (dt.date(2022, 9, 30), "2022Q3"),
        (dt.date(2022, 12, 31), "2022Q4"),
    ],
)
def test_quarter_of_a_day(day, quarter):
    assert Period.quarter_of(day).key == quarter
    assert Period.containing(day).key == day.strftime("%Y-%m")  # containing stays a month


# ----- neighbours -----


@pytest.mark.parametrize(
    ("key", "previous", "following"),
    [
        ("2022-07", "2022-06", "2022-08"),
        ("2022-01", "2021-12", "2022-02"),
        ("2022-12", "2022-11", "2023-01"),
        ("2022Q1", "2021Q4", "2022Q2"),
        ("2022Q4", "2022Q3", "2023Q1"),
        ("2022-H1", "2021-H2", "2022-H2"),
        ("2022-H2", "2022-H1", "2023-H1"),
        ("2022", "2021", "2023"),
    ],
)
def test_previous_and_next_keep_the_kind(key, previous, following):
    period = Period.parse(key)
    assert period.previous().key == previous
    assert period.next().key == following


def test_a_span_has_no_previous_or_next():
    span = Period(2022, 1, 7)
    with pytest.raises(PeriodError, match="没有上一期"):
        span.previous()
    with pytest.raises(PeriodError, match="没有上一期"):
        span.next()


# ----- order -----


def test_periods_sort_by_their_last_month():
    keys = ["2022", "2022-07", "2022Q3", "2022-H1", "2021-12", "2022-06", "2022Q2", "2022-01"]
    ordered = [p.key for p in sorted(Period.parse(k) for k in keys)]
    assert ordered == [
        "2021-12",
        "2022-01",
        "2022-H1",
        "2022Q2",
        "2022-06",
        "2022-07",
        "2022Q3",
        "2022",
    ]
    assert ordered == [p.key for p in sorted((Period.parse(k) for k in keys), key=_sort_key)]


def test_comparisons_agree_with_the_sort_key():
    june, half, july = Period.parse("2022-06"), Period.parse("2022-H1"), Period.parse("2022-07")
    assert half < june < july
    assert july > half and half <= june and june >= june
    assert max([june, half, july]) == july
    assert Period.parse("2022Q3") == Period(2022, 7, 9)
    assert len({Period.parse("2022Q3"), Period(2022, 7, 9)}) == 1


# ----- properties -----


def _sort_key(period):
    return period.sort_key


YEARS = st.integers(2, 9998)  # so that previous and next are still dates
MONTHS = st.builds(Period.month, YEARS, st.integers(1, 12))
QUARTERS = st.builds(Period.quarter, YEARS, st.integers(1, 4))
HALVES = st.builds(lambda y, h: Period(y, 6 * h - 5, 6 * h), YEARS, st.integers(1, 2))
WHOLE_YEARS = st.builds(lambda y: Period(y, 1, 12), YEARS)
TILING = st.one_of(MONTHS, QUARTERS, HALVES, WHOLE_YEARS)
SPANS = st.builds(
    lambda y, a, b: Period(y, min(a, b), max(a, b)),
    YEARS,
    st.integers(1, 12),
    st.integers(1, 12),
)
ANY = st.one_of(TILING, SPANS)


@given(ANY)
def test_parse_of_the_key_round_trips(period):
    assert Period.parse(period.key) == period
    assert Period.parse(period.key.lower()) == period


@given(st.lists(ANY, min_size=2))
def test_sorting_by_sort_key_orders_by_end_month(periods):
    ends = [p.end for p in sorted(periods, key=_sort_key)]
    assert ends == sorted(ends)
    assert sorted(periods) == sorted(periods, key=_sort_key)


@given(TILING)
def test_previous_and_next_are_inverse(period):
    assert period.previous().next() == period
    assert period.next().previous() == period
    assert period.previous().kind == period.kind == period.next().kind
    assert period.previous().end < period.start and period.next().start > period.end


@given(TILING)
def test_neighbours_touch(period):
    assert period.previous().end + dt.timedelta(days=1) == period.start
    assert period.end + dt.timedelta(days=1) == period.next().start


@given(st.dates(dt.date(MIN_YEAR, 1, 1), dt.date(MAX_YEAR, 12, 31)))
def test_the_quarter_of_a_day_holds_its_month(day):
    quarter = Period.quarter_of(day)
    assert quarter.is_quarter
    assert Period.containing(day) in quarter.months()
    assert quarter.start <= day <= quarter.end
