"""指标 pages and the dashboard's panel: the office sees its own indicators only, the month
is entered in one form (all or nothing), the figures are growth.py's."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from duban.indicators.figures import summary_rows
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue


@pytest.fixture(autouse=True)
def august(time_machine):
    time_machine.move_to(dt.datetime(2022, 8, 20, 10, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def indicators(office):
    gdp = Indicator.objects.create(
        office=office, name="规上工业总产值", unit="万元", group="经济发展", order=1
    )
    screening = Indicator.objects.create(
        office=office, name="两癌筛查人数", unit="人", group="社会民生", order=2
    )
    IndicatorTarget.objects.create(indicator=gdp, year=2022, target=Decimal("9000"))
    IndicatorTarget.objects.create(indicator=screening, year=2022, target=Decimal("600"))
    IndicatorValue.objects.create(indicator=gdp, year=2021, month=7, value=Decimal("4378.48"))
    IndicatorValue.objects.create(indicator=gdp, year=2022, month=7, value=Decimal("4720"))
    IndicatorValue.objects.create(indicator=screening, year=2022, month=7, value=Decimal("647"))
    return {"gdp": gdp, "screening": screening}


def test_summary_rows_carry_growth_and_completion(office, indicators):
    rows = {r["name"]: r for r in summary_rows(office, 2022, 7)}
    gdp, screening = rows["规上工业总产值"], rows["两癌筛查人数"]
    assert gdp["value"] == Decimal("4720") and gdp["previous"] == Decimal("4378.48")
    assert gdp["growth_rate"] == Decimal("7.80")
    assert gdp["completion_rate"] == Decimal("52.44") and gdp["behind"] is True
    assert screening["completion_rate"] == Decimal("107.83") and screening["behind"] is False
    assert screening["growth_rate"] is None  # no last year and none typed
    assert gdp["time_progress"] == Decimal("58.33")


def test_the_list_shows_the_months_figures_with_a_light(client, people, indicators):
    client.force_login(people["lily"])
    page = client.get(reverse("indicators:list"), {"period": "2022-07"}).content.decode()
    assert "规上工业总产值" in page and "+7.8%" in page and "107.83%" in page
    assert 'data-col="behind"><span class="light light-yellow"' in page
    assert "填报2022年7月" not in page  # a leader reads, only 督查管理员 enters


def test_an_office_without_indicators_yet_sees_an_empty_list_and_the_time_progress(client, people):
    client.force_login(people["alice"])
    response = client.get(reverse("indicators:list"), {"period": "2022-07"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "共 0 项指标" in page and "时间进度 58.33%" in page


def test_an_office_sees_only_its_own_indicators(client, people, indicators, neighbour):
    theirs = Indicator.objects.create(office=neighbour["office"], name="乙街道税收", unit="万元")
    client.force_login(people["alice"])
    page = client.get(reverse("indicators:list"), {"period": "2022-07"}).content.decode()
    assert "乙街道税收" not in page
    assert client.get(reverse("indicators:detail", args=[theirs.pk])).status_code == 404
    assert (
        client.get(reverse("indicators:list"), {"office": neighbour["office"].pk}).status_code
        == 404
    )
    client.force_login(people["bob"])  # a unit's reporter
    assert client.get(reverse("indicators:list")).status_code == 403


def test_the_month_is_entered_in_one_form(client, people, indicators):
    gdp, screening = indicators["gdp"], indicators["screening"]
    client.force_login(people["alice"])
    url = reverse("indicators:entry")
    response = client.post(
        url,
        {
            "period": "2022-08",
            f"value_{gdp.pk}": "5,400",
            f"previous_{gdp.pk}": "5000",
            f"value_{screening.pk}": "7百",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "“两癌筛查人数”的本期值有误：“7百”不是数字" in page
    assert not IndicatorValue.objects.filter(month=8).exists()  # nothing saved on error

    response = client.post(
        url,
        {
            "period": "2022-08",
            f"value_{gdp.pk}": "5,400",
            f"previous_{gdp.pk}": "5000",
            f"value_{screening.pk}": "700",
        },
    )
    assert response.status_code == 302
    august = IndicatorValue.objects.get(indicator=gdp, year=2022, month=8)
    assert (august.value, august.previous, august.updated_by) == (
        Decimal("5400"),
        Decimal("5000"),
        people["alice"],
    )
    assert august.history.first().channel == "web"
    client.force_login(people["lily"])
    assert client.get(url).status_code == 403


def test_the_detail_lists_twelve_months(client, people, indicators):
    client.force_login(people["rita"])
    page = client.get(
        reverse("indicators:detail", args=[indicators["gdp"].pk]), {"year": 2022}
    ).content.decode()
    assert page.count("<tr data-month=") == 12
    assert "52.44%" in page


def test_the_dashboard_shows_the_indicators_panel(client, people, indicators):
    client.force_login(people["lily"])
    page = client.get(reverse("dashboard:index"), {"year": 2022, "period": "2022-07"})
    html = page.content.decode()
    panel = html[html.index('id="indicators-panel"') :]
    assert "两癌筛查人数" in panel and "107.83%" in panel and "+7.8%" in panel
    assert reverse("indicators:list") in panel


def test_the_list_page_queries_do_not_grow_with_the_indicators(client, people, office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            indicator = Indicator.objects.create(
                office=office, name=f"指标{Indicator.objects.count()}"
            )
            IndicatorTarget.objects.create(indicator=indicator, year=2022, target=Decimal("100"))
            IndicatorValue.objects.create(indicator=indicator, year=2022, month=7, value=i)

    client.force_login(people["alice"])
    url = reverse("indicators:list")
    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"period": "2022-07"})
    add(10)
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"period": "2022-07"})
    assert len(many) == len(few)


def test_a_supervisor_adds_an_indicator_with_its_target(client, people, office):
    client.force_login(people["alice"])
    url = reverse("indicators:create") + "?year=2022"
    data = {"name": "城镇新增就业", "unit": "人", "group": "社会民生", "kind": "cumulative"}
    data |= {"decimals": 0, "order": 3, "active": "on", "target": "1200", "target_growth": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    made = Indicator.objects.get(office=office, name="城镇新增就业")
    assert made.targets.get(year=2022).target == Decimal("1200")
    again = client.post(url, data)
    assert (
        again.status_code == 400 and "本街道已有名为“城镇新增就业”的指标" in again.content.decode()
    )
