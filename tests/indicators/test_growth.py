"""The arithmetic of indicators (duban/indicators/growth.py): pure, no database."""

from decimal import Decimal as D

from duban.indicators import growth as G


def test_completion_of_the_screening_target_is_647_of_600():
    assert G.completion_rate(D("647"), D("600")) == D("107.83")


def test_growth_is_rounded_half_up_to_two_decimals():
    # 4720 against 4378.48: +7.8%, as the bulletin writes it
    assert G.growth_rate(D("4720"), D("4378.48")) == D("7.80")
    assert G.growth_rate(D("1"), D("8")) == D("-87.50")
    assert G.growth_rate(D("100.005"), D("100")) == D("0.01")  # half up, not to even


def test_a_fall_is_a_negative_growth():
    assert G.growth_rate(D("930"), D("1000")) == D("-7.00")


def test_no_rate_without_a_denominator():
    assert G.growth_rate(D("5"), D("0")) is None
    assert G.growth_rate(D("5"), None) is None
    assert G.growth_rate(None, D("5")) is None
    assert G.growth_rate(D("5"), D("-2")) is None  # a negative base gives the wrong sign
    assert G.completion_rate(D("5"), D("0")) is None
    assert G.completion_rate(D("5"), None) is None
    assert G.completion_rate(None, D("600")) is None


def test_cumulative_indicator_takes_the_months_own_value():
    values = {1: D("650"), 2: D("1300"), 3: D("2010")}
    assert G.year_to_date(G.CUMULATIVE, values, 3) == D("2010")
    assert G.year_to_date(G.CUMULATIVE, values, 4) is None


def test_monthly_indicator_sums_the_months_entered():
    values = {1: D("12"), 2: D("9"), 4: D("15")}
    assert G.year_to_date(G.MONTHLY, values, 2) == D("21")
    assert G.year_to_date(G.MONTHLY, values, 4) == D("36")
    assert G.year_to_date(G.MONTHLY, values, 3) is None  # March not reported


def test_last_years_values_in_the_system_win_over_typed_ones():
    merged = G.previous_series({1: D("10"), 2: D("20")}, {2: D("99"), 3: D("30")})
    assert merged == {1: D("10"), 2: D("20"), 3: D("30")}


def test_time_progress_and_behind():
    assert G.time_progress(7) == D("58.33")
    assert G.time_progress(12) == D("100.00")
    assert G.is_behind(D("50"), D("58.33")) is True
    assert G.is_behind(D("58.33"), D("58.33")) is False
    assert G.is_behind(None, D("58.33")) is None


def test_figures_of_a_monthly_indicator_against_typed_previous_values():
    out = G.figures(
        G.MONTHLY,
        {1: D("120"), 2: D("130")},
        2,
        typed_previous={1: D("100"), 2: D("100")},
        target=D("1500"),
    )
    assert out["value"] == D("250")
    assert out["previous"] == D("200")
    assert out["growth_rate"] == D("25.00")
    assert out["completion_rate"] == D("16.67")
    assert out["time_progress"] == D("16.67")
    assert out["behind"] is False
