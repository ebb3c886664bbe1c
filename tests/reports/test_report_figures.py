"""The monthly report's figures (reports/figures.py): the JSON contract and its sums."""

import datetime as dt

import pytest

from duban.ledger.models import Category, KeyTask
from duban.org.models import Office
from duban.progress.models import ReasonCategory, Submission
from duban.reports import figures as F
from tests.factories import KeyTaskFactory, UnitFactory, judge

CONTRACT = {"period", "as_of", "categories", "overall", "lagging_items", "reasons"}
ITEM_KEYS = {
    "code",
    "title",
    "category",
    "lead_unit",
    "deadline",
    "overdue_days",
    "reason_category",
    "reason",
}


def reason(name):
    return ReasonCategory.objects.get(name=name)


@pytest.fixture
def cats(office):
    return list(Category.objects.for_year(2022).order_by("order"))


@pytest.fixture
def street(office, cats, units):
    """Category 1: 1 completed, 1 on track, 2 lagging; category 2: 3 completed;
    category 3: 1 on track; categories 4 and 5: no task."""
    make = KeyTaskFactory
    t = {
        "a": make(code="A1", title="社区食堂建设", category=cats[0], lead_unit=units["build"]),
        "b": make(code="A2", title="加装电梯", category=cats[0], lead_unit=units["east"]),
        "c": make(code="A3", title="雨污混接改造", category=cats[0], lead_unit=units["build"]),
        "d": make(code="A4", title="充电设施加装", category=cats[0], lead_unit=units["west"]),
        "e": make(code="B1", title="规划研究", category=cats[1], lead_unit=units["party"]),
        "f": make(code="B2", title="品牌打造", category=cats[1], lead_unit=units["party"]),
        "g": make(code="B3", title="协同治理", category=cats[1], lead_unit=units["party"]),
        "h": make(code="C1", title="稳就业", category=cats[2], lead_unit=units["east"]),
    }
    judge(t["a"], "completed")
    judge(t["b"], "on_track")
    judge(
        t["c"],
        "lagging",
        light="red",
        flags={"overdue": {"days": 12, "workdays": 8}},
        reason_category=reason("前期手续与审批"),
        reason="规划许可未批",
    )
    judge(t["d"], "lagging", light="yellow", reason_category=reason("前期手续与审批"))
    for key in "efg":
        judge(t[key], "completed")
    judge(t["h"], "on_track")
    return t


def test_figures_keep_the_contract_keys_and_add_up(street):
    data = F.monthly(Office.objects.first(), "2022-07")
    assert CONTRACT <= set(data)
    assert data["period"] == "2022-07"
    assert data["as_of"] == "2022-07-31"
    for row in data["categories"] + [data["overall"]]:
        assert row["completed"] + row["on_track"] + row["lagging"] == row["total"]
    assert data["overall"] == {
        "total": 8,
        "completed": 4,
        "on_track": 2,
        "lagging": 2,
        "lag_rate": 25.0,
    }
    for item in data["lagging_items"]:
        assert ITEM_KEYS <= set(item)


def test_categories_come_in_their_configured_order_with_empty_ones_kept(street, cats):
    data = F.monthly(Office.objects.first(), "2022-07")
    assert [row["name"] for row in data["categories"]] == [c.name for c in cats]
    first, second, third, fourth, _ = data["categories"]
    assert (first["total"], first["lagging"], first["lag_rate"]) == (4, 2, 50.0)
    assert (second["completed"], second["lag_rate"]) == (3, 0.0)
    assert fourth == {
        "name": cats[3].name,
        "total": 0,
        "completed": 0,
        "on_track": 0,
        "lagging": 0,
        "lag_rate": None,
    }
    assert third["lag_rate"] == 0.0


def test_lag_rate_rounds_half_up_to_one_decimal(office, cats, units):
    # 1 of 14 = 7.142… → 7.1; 1 of 8 = 12.5 exactly; 2 of 3 = 66.666… → 66.7
    for i in range(14):
        task = KeyTaskFactory(code=f"S{i:02d}", category=cats[0], lead_unit=units["east"])
        judge(task, "lagging" if i == 0 else "on_track")
    for i in range(8):
        task = KeyTaskFactory(code=f"T{i:02d}", category=cats[1], lead_unit=units["east"])
        judge(task, "lagging" if i == 0 else "on_track")
    for i in range(3):
        task = KeyTaskFactory(code=f"U{i:02d}", category=cats[2], lead_unit=units["east"])
        judge(task, "lagging" if i < 2 else "completed")
    rates = [row["lag_rate"] for row in F.monthly(office, "2022-07")["categories"][:3]]
    assert rates == [7.1, 12.5, 66.7]


def test_lagging_items_carry_deadline_overdue_days_and_reason(street, units):
    data = F.monthly(Office.objects.first(), "2022-07")
    items = {item["code"]: item for item in data["lagging_items"]}
    assert set(items) == {"A3", "A4"}
    assert items["A3"] == {
        **items["A3"],
        "title": "雨污混接改造",
        "lead_unit": "城建中心",
        "deadline": "2022-12-31",
        "overdue_days": 12,
        "reason_category": "前期手续与审批",
        "reason": "规划许可未批",
    }
    assert items["A4"]["overdue_days"] == 0


def test_reasons_group_lagging_items_largest_first(street, cats, units):
    extra = KeyTaskFactory(code="C2", title="营商环境", category=cats[2], lead_unit=units["east"])
    judge(extra, "lagging", reason_category=reason("资金与要素保障"))
    data = F.monthly(Office.objects.first(), "2022-07")
    assert data["reasons"] == [
        {"category": "前期手续与审批", "count": 2, "items": ["雨污混接改造", "充电设施加装"]},
        {"category": "资金与要素保障", "count": 1, "items": ["营商环境"]},
    ]
    assert sum(group["count"] for group in data["reasons"]) == data["overall"]["lagging"]


def test_a_lagging_task_without_reason_category_is_grouped_as_unstated(office, cats, units):
    task = KeyTaskFactory(code="Z1", title="无原因事项", category=cats[0], lead_unit=units["east"])
    judge(task, "lagging")
    data = F.monthly(office, "2022-07")
    assert data["reasons"] == [{"category": F.NO_REASON, "count": 1, "items": ["无原因事项"]}]
    assert data["lagging_items"][0]["reason_category"] == F.NO_REASON


def test_reason_and_progress_come_from_the_latest_accepted_submission(street, units):
    task = street["d"]
    for period, text, why in [
        ("2022-06", "六月进展", "六月原因"),
        ("2022-07", "七月进展", "七月原因"),
    ]:
        Submission.objects.create(
            task=task,
            period=period,
            unit=task.lead_unit,
            state=Submission.State.ACCEPTED,
            progress=text,
            reason=why,
            self_status="lagging",
        )
    Submission.objects.create(
        task=street["a"],
        period="2022-08",
        unit=street["a"].lead_unit,
        state=Submission.State.ACCEPTED,
        progress="八月的进展不属于七月报告",
        self_status="completed",
    )
    data = F.monthly(Office.objects.first(), "2022-07")
    item = next(i for i in data["lagging_items"] if i["code"] == "A4")
    assert (item["progress"], item["reason"]) == ("七月进展", "七月原因")
    done = next(t for t in data["tasks"] if t["code"] == "A1")
    assert done["progress"] == ""


def test_an_unjudged_task_takes_the_engines_proposal_so_counts_still_add_up(street, cats, units):
    late = KeyTaskFactory(
        code="D1", category=cats[3], lead_unit=units["east"], deadline=dt.date(2022, 3, 31)
    )
    data = F.monthly(Office.objects.first(), "2022-07")
    row = next(t for t in data["tasks"] if t["code"] == "D1")
    assert row["source"] == "proposed"
    assert row["status"] == "lagging"  # past its deadline with nothing reported
    assert row["overdue_days"] > 0
    assert data["categories"][3]["total"] == 1
    assert data["overall"]["total"] == 9
    assert late.pk


def test_half_year_counts_the_latest_judged_month_inside_it(street):
    # June: everything still on track; July's judgements are outside H1.
    for task in street.values():
        judge(task, "on_track", period="2022-06")
    data = F.monthly(Office.objects.first(), "2022-H1")
    assert (data["period"], data["month"], data["as_of"]) == ("2022-H1", "2022-06", "2022-06-30")
    assert data["months_covered"] == "1-6月"
    assert data["overall"]["on_track"] == 8


def test_year_report_counts_the_latest_judged_month_of_the_year(street):
    data = F.monthly(Office.objects.first(), "2022", today=dt.date(2026, 11, 23))
    assert (data["period"], data["month"], data["months_covered"]) == ("2022", "2022-07", "1-7月")
    assert data["overall"]["lagging"] == 2


def test_assigned_items_and_other_offices_and_years_are_not_counted(street, cats, units):
    other = Office.objects.create(name="别的街道")
    KeyTaskFactory(code="X1", office=other, category=cats[0], lead_unit=units["east"])
    KeyTaskFactory(code="X2", year=2023, lead_unit=units["east"])
    KeyTaskFactory(
        code="JB-1", kind=KeyTask.Kind.ASSIGNED, category=cats[0], lead_unit=units["east"]
    )
    data = F.monthly(Office.objects.first(), "2022-07")
    assert data["overall"]["total"] == 8


def test_district_report_counts_its_streets_and_gives_a_table_per_street(office, cats):
    district = Office.objects.create(name="示范区", kind=Office.Kind.DISTRICT)
    north = Office.objects.create(name="北街道", parent=district, order=1)
    south = Office.objects.create(name="南街道", parent=district, order=2)
    for street, statuses in [(north, ["lagging", "on_track"]), (south, ["completed"])]:
        unit = UnitFactory(office=street, name=f"{street.name}城建中心")
        for i, status in enumerate(statuses):
            task = KeyTaskFactory(
                office=street, code=f"{street.pk}-{i}", category=cats[0], lead_unit=unit
            )
            judge(task, status)
    data = F.monthly(district, "2022-07")
    assert data["overall"]["total"] == 3
    assert [s["name"] for s in data["streets"]] == ["北街道", "南街道"]
    assert data["streets"][0]["overall"]["lag_rate"] == 50.0
    assert data["streets"][1]["categories"][0]["completed"] == 1
    assert data["office"] == {"name": "示范区", "kind": "district"}
    # a single street's report has no street tables
    assert F.monthly(north, "2022-07")["streets"] == []


def test_suggestions_default_to_each_reason_categorys_advice_and_can_be_replaced(street):
    office = Office.objects.first()
    default = F.monthly(office, "2022-07")["suggestions"]
    assert default == [
        {
            "category": "前期手续与审批",
            "cause": "前期手续办理耗时较长",
            "text": reason("前期手续与审批").advice.strip(),
        }
    ]
    assert default[0]["text"]
    edited = F.monthly(office, "2022-07", suggestions={"前期手续与审批": "本月内办结规划许可。"})
    assert edited["suggestions"][0]["text"] == "本月内办结规划许可。"


def test_a_year_without_tasks_gives_zero_totals_and_no_rate(office):
    data = F.monthly(office, "2030-01")
    assert data["overall"] == {
        "total": 0,
        "completed": 0,
        "on_track": 0,
        "lagging": 0,
        "lag_rate": None,
    }
    assert data["lagging_items"] == [] and data["reasons"] == []
