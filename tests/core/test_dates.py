"""The dates offices write in 完成时限 and 节点计划, as the ledger issue lists them."""

import datetime as dt

import pytest

from duban.core.dates import DateParseError, format_date, parse_date
from tests.xlsx import read_sheet, write_xlsx


@pytest.mark.parametrize(
    "text",
    [
        "2022-12-31",
        "2022/12/31",
        "2022.12.31",
        "2022年12月31日",
        "2022年12月31号",
        "2022 - 12 - 31",
    ],
)
def test_full_dates_are_read_in_every_written_form(text):
    assert parse_date(text, year=2030) == dt.date(2022, 12, 31)


def test_a_written_year_wins_over_the_import_year():
    assert parse_date("2023年6月30日", year=2022) == dt.date(2023, 6, 30)
    assert parse_date("2023年6月底", year=2022) == dt.date(2023, 6, 30)


def test_a_day_without_a_year_takes_the_import_year():
    assert parse_date("12月31日", year=2022) == dt.date(2022, 12, 31)
    assert parse_date("3月5日", year=2024) == dt.date(2024, 3, 5)


def test_month_end_takes_the_last_day_of_that_month_in_the_import_year():
    assert parse_date("12月底", year=2022) == dt.date(2022, 12, 31)
    assert parse_date("6月底", year=2022) == dt.date(2022, 6, 30)
    assert parse_date("2月底", year=2022) == dt.date(2022, 2, 28)
    assert parse_date("2月底", year=2024) == dt.date(2024, 2, 29)
    assert parse_date("9月末", year=2022) == dt.date(2022, 9, 30)


def test_a_bare_month_means_its_last_day():
    assert parse_date("11月", year=2022) == dt.date(2022, 11, 30)
    assert parse_date("2022年4月", year=2030) == dt.date(2022, 4, 30)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3月上旬", dt.date(2022, 3, 10)),
        ("3月中旬", dt.date(2022, 3, 20)),
        ("3月下旬", dt.date(2022, 3, 31)),
        ("2月下旬", dt.date(2022, 2, 28)),
    ],
)
def test_thirds_of_a_month_end_on_the_10th_the_20th_and_the_last_day(text, expected):
    assert parse_date(text, year=2022) == expected


def test_year_end_is_december_31st_of_the_import_year():
    assert parse_date("年底", year=2022) == dt.date(2022, 12, 31)
    assert parse_date("年末", year=2023) == dt.date(2023, 12, 31)


def test_year_end_with_a_written_year_takes_that_year():
    assert parse_date("2023年底", year=2022) == dt.date(2023, 12, 31)
    assert parse_date("2023年年底", year=2022) == dt.date(2023, 12, 31)


@pytest.mark.parametrize("suffix", ["前", "之前", "以前"])
def test_a_trailing_qian_is_allowed(suffix):
    assert parse_date(f"12月底{suffix}", year=2022) == dt.date(2022, 12, 31)
    assert parse_date(f"2022-06-30{suffix}", year=2022) == dt.date(2022, 6, 30)
    assert parse_date(f"年底{suffix}", year=2022) == dt.date(2022, 12, 31)


def test_spaces_around_a_date_are_ignored():
    assert parse_date("  12 月 底 前 ", year=2022) == dt.date(2022, 12, 31)


def test_an_excel_date_cell_is_taken_as_it_is(tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", ["完成时限"], [[dt.date(2022, 9, 30)]])
    (cell,) = read_sheet(path)[1]
    assert isinstance(cell, dt.datetime)  # what openpyxl hands the importer
    assert parse_date(cell, year=2030) == dt.date(2022, 9, 30)
    assert parse_date(dt.date(2022, 9, 30)) == dt.date(2022, 9, 30)


def test_an_empty_cell_has_no_date():
    assert parse_date(None, year=2022) is None
    assert parse_date("   ", year=2022) is None


def test_a_month_that_does_not_exist_is_refused_in_chinese():
    with pytest.raises(DateParseError, match="月份不存在"):
        parse_date("2022-13-01", year=2022)
    with pytest.raises(DateParseError, match="月份不存在"):
        parse_date("13月底", year=2022)


def test_a_day_that_does_not_exist_is_refused_naming_the_date():
    with pytest.raises(DateParseError, match="日期不存在：2022年2月30日"):
        parse_date("2月30日", year=2022)
    with pytest.raises(DateParseError, match="日期不存在：2022年2月29日"):
        parse_date("2022-02-29", year=2022)


def test_words_that_are_not_a_date_are_refused_with_the_accepted_forms():
    with pytest.raises(DateParseError) as caught:
        parse_date("下个月", year=2022)
    assert "无法识别的日期“下个月”" in str(caught.value)
    assert "2022-12-31" in str(caught.value)
    assert "12月底" in str(caught.value)


@pytest.mark.parametrize("value", [44926, 44926.0, "44926", "2022"])
def test_a_bare_number_is_refused_rather_than_guessed(value):
    with pytest.raises(DateParseError, match="无法识别的日期"):
        parse_date(value, year=2022)


def test_a_date_without_a_year_needs_the_import_year():
    with pytest.raises(DateParseError, match="没有写年份"):
        parse_date("12月底")
    assert parse_date("2022-12-31") == dt.date(2022, 12, 31)


def test_dates_are_written_back_in_iso_form():
    assert format_date(dt.date(2022, 6, 30)) == "2022-06-30"
    assert format_date(None) == ""


@pytest.mark.parametrize(
    "text",
    ["0000年底", "0000年12月底", "0000年1月上旬", "0000-12-31", "0000年5月", "0000年12月31日"],
)
def test_year_zero_is_a_date_that_does_not_exist(text):
    with pytest.raises(DateParseError, match="日期不存在"):
        parse_date(text, year=2022)


def test_a_milestone_in_year_zero_is_refused_as_a_date_that_does_not_exist():
    from duban.ledger.milestones import MilestoneParseError, parse_milestones

    with pytest.raises(MilestoneParseError, match="日期不存在"):
        parse_milestones("0000年1月上旬：完成", 2022)


def test_a_text_read_again_gives_the_same_answer_for_its_own_year_and_the_same_error():
    """Dates are read once per text and year (a ledger repeats a few dozen of them):
    the year of the import stays part of the answer, and an error is raised each time."""
    assert parse_date("12月底", 2022) == dt.date(2022, 12, 31)
    assert parse_date("12月底", 2023) == dt.date(2023, 12, 31)
    assert parse_date(" 12月底 ", 2022) == dt.date(2022, 12, 31)
    for _ in range(2):
        with pytest.raises(DateParseError, match="月份不存在"):
            parse_date("13月底", 2022)


def test_a_long_date_text_is_read_but_not_kept():
    from duban.core import dates

    padded = "2022" + " " * 5000 + "-12-31"
    before = dates._parse_text.cache_info().currsize
    assert parse_date(padded) == dt.date(2022, 12, 31)
    assert dates._parse_text.cache_info().currsize == before
