"""驾驶舱 in Chromium: a leader signs in and lands on it, the charts show the judgements,
a click on a bar opens the ledger on those tasks, and a phone gets one column."""

from urllib.parse import parse_qs, urlsplit

import pytest

from duban.ledger.models import Category
from duban.reports import dashboard
from tests.browser.conftest import login
from tests.factories import KeyTaskFactory
from tests.factories import judge as make_judgement

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

CHARTS_DRAWN = "document.querySelectorAll('.chart:not([data-rendered])').length === 0"


def judge(task, status, light, period="2022-07", **flags):
    return make_judgement(task, status, period, light, flags=flags)


@pytest.fixture
def judged(people, units):
    categories = list(Category.objects.for_year(2022).order_by("order", "id"))
    build, east, west = units["build"], units["east"], units["west"]
    plan = [
        ("MS-01", categories[0], build, "lagging", "red", {"overdue": {"days": 12}}),
        ("MS-02", categories[0], east, "completed", "green", {}),
        ("MS-03", categories[1], build, "lagging", "yellow", {"overdue": {"days": 30}}),
        ("ZB-01", categories[1], west, "on_track", "blue", {}),
        ("ZB-02", categories[2], east, "lagging", "red", {}),
    ]
    for code, category, unit, status, light, flags in plan:
        task = KeyTaskFactory(code=code, category=category, lead_unit=unit)
        judge(task, "on_track", "green", period="2022-06")
        judge(task, status, light, **flags)
    return dashboard.build(people["lily"], year=2022)


def chart_option(page, name):
    return page.evaluate(f"window.dubanCharts.{name}.getOption()")


def click_item(page, name, value, index, series=0):
    """A real mouse click at the middle of a bar, found with convertToPixel."""
    x, y = page.evaluate(
        f"window.dubanCharts.{name}.convertToPixel({{seriesIndex: {series}}}, [{value}, {index}])"
    )
    box = page.locator(f"#chart-{name}").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/ledger/**")
    page.wait_for_load_state("networkidle")


def ledger_codes(page):
    return sorted(page.locator("#ledger-table tbody tr td:first-child a").all_inner_texts())


def test_leader_lands_on_the_dashboard_and_its_charts_show_the_judgements(
    page, live_server, judged
):
    login(page, live_server, "lily")
    assert urlsplit(page.url).path == "/dashboard/"
    page.wait_for_function(CHARTS_DRAWN)

    category = chart_option(page, "category")
    assert category["yAxis"][0]["data"] == [row["name"] for row in judged["categories"]]
    assert [s["name"] for s in category["series"]] == ["已完成", "推进正常", "推进滞后"]
    for series, status in zip(
        category["series"], ["completed", "on_track", "lagging"], strict=True
    ):
        assert [d["value"] for d in series["data"]] == [row[status] for row in judged["categories"]]
    assert [d["value"] for d in category["series"][2]["data"]][:3] == [1, 1, 1]

    trend = chart_option(page, "trend")
    assert trend["xAxis"][0]["data"] == ["6月", "7月"]
    assert [d["value"] for d in trend["series"][0]["data"]] == [0.0, 60.0]

    units = chart_option(page, "units")
    assert units["yAxis"][0]["data"] == ["城建中心", "东苑居民区"]
    assert [d["value"] for d in units["series"][0]["data"]] == [2, 1]

    lights = chart_option(page, "lights")
    assert [(d["name"], d["value"]) for d in lights["series"][0]["data"]] == [
        ("绿灯", 1),
        ("蓝灯", 1),
        ("黄灯", 1),
        ("红灯", 2),
    ]
    overdue = page.locator("#overdue-table tbody tr td:first-child").all_inner_texts()
    assert overdue == ["MS-03", "MS-01"]


def test_clicking_a_bar_opens_the_ledger_on_the_tasks_it_counts(page, live_server, judged, units):
    login(page, live_server, "lily")
    page.wait_for_function(CHARTS_DRAWN)
    click_item(page, "units", 1, 0)  # middle of 城建中心's bar of 2
    query = parse_qs(urlsplit(page.url).query)
    assert query == {
        "year": ["2022"],
        "period": ["2022-07"],
        "kind": ["annual"],
        "lead_unit": [str(units["build"].pk)],
        "status": ["lagging"],
    }
    assert ledger_codes(page) == ["MS-01", "MS-03"]
    assert page.locator("#ledger-filters select[name=status]").input_value() == "lagging"

    # the 推进滞后 part of the first category's stacked bar (after 1 已完成, 0 推进正常)
    page.go_back()
    page.wait_for_function(CHARTS_DRAWN)
    first = judged["categories"][0]
    middle = first["completed"] + first["on_track"] + first["lagging"] / 2
    click_item(page, "category", middle, 0, series=2)
    assert parse_qs(urlsplit(page.url).query)["category"] == [str(first["id"])]
    assert ledger_codes(page) == ["MS-01"]


def test_on_a_phone_the_charts_stack_without_sideways_scrolling(page, live_server, judged):
    login(page, live_server, "lily")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.wait_for_function(CHARTS_DRAWN)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    boxes = [page.locator(f"#chart-{name}").bounding_box() for name in ("category", "trend")]
    assert boxes[0]["x"] == boxes[1]["x"]  # one column
    assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"]
    assert page.evaluate("window.dubanCharts.category.getWidth()") <= 375
    # a desktop window narrowed to a phone redraws the charts to fit
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(300)
    assert page.evaluate("window.dubanCharts.category.getWidth()") > 375
    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(300)
    assert page.evaluate("window.dubanCharts.category.getWidth()") <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
