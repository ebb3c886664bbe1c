"""Date-times as 12345 exports and offices write them (core.dates.parse_datetime), and
the two-decimal rates of the request statistics (core.numfmt)."""

import datetime as dt

import pytest

from duban.core.dates import DateParseError, parse_datetime


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2023-01-05 09:30", dt.datetime(2023, 1, 5, 9, 30)),
        ("2023/1/5 9:30:15", dt.datetime(2023, 1, 5, 9, 30, 15)),
        ("2023-01-05T10:11:12", dt.datetime(2023, 1, 5, 10, 11, 12)),
        ("2023年1月5日 9时30分", dt.datetime(2023, 1, 5, 9, 30)),
        ("2023-01-05", dt.datetime(2023, 1, 5)),
        (dt.datetime(2023, 1, 5, 9, 30), dt.datetime(2023, 1, 5, 9, 30)),
        (dt.date(2023, 1, 5), dt.datetime(2023, 1, 5)),
        ("", None),
        (None, None),
    ],
)
def test_readable_forms(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    "text,message",
    [
        ("2023-02-30 10:00", "日期不存在：2023年2月30日"),
        ("2023-01-05 25:00", "时间不存在：25:00"),
        ("2023-01-05 10:61", "时间不存在：10:61"),
        ("昨天下午", "无法识别的日期"),
        ("1月5日 10:00", "无法识别的日期"),
    ],
)
def test_impossible_or_unreadable_values_are_refused_in_chinese(text, message):
    with pytest.raises(DateParseError, match=message):
        parse_datetime(text)


def test_two_decimal_percentages_round_half_up_and_drop_trailing_zeros():
    from duban.core.numfmt import pct, rate

    assert rate(1815, 2013, places=2) == 90.16
    assert pct(90.16, places=2) == "90.16%"
    assert pct(90.1, places=2) == "90.1%"
    assert pct(100.0, places=2) == "100%"
    assert pct(50.0) == "50%" and pct(7.1) == "7.1%" and pct(None) == "—"
