"""驾驶舱: the figures agree with the judgements, every chart element opens the ledger on
exactly the tasks it counts, and only the roles that see the whole office get in."""

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.ledger.models import Category, KeyTask
from duban.org.models import Office
from duban.progress.models import Judgement
from duban.reports import dashboard
from tests.factories import KeyTaskFactory, UnitFactory, make_user
from tests.factories import judge as make_judgement

NOW = dt.datetime(2022, 8, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def august(time_machine):
    time_machine.move_to(NOW, tick=False)


def judge(task, period, status, light, **flags):
    return make_judgement(task, status, period, light, flags=flags)


@pytest.fixture
def categories(db):
    return list(Category.objects.for_year(2022).order_by("order", "id"))


@pytest.fixture
def judged(people, units, categories):
    """Six 2022 annual tasks judged for June and July (ZB-03 not judged in July):

    July: 已完成 MS-02; 推进正常 ZB-01; 推进滞后 MS-01, MS-03 (城建中心), ZB-02 (东苑);
    lights green MS-02, blue ZB-01, yellow MS-03, red MS-01 ZB-02; overdue MS-03 30 days,
    MS-01 12 days. June: 2 of 5 lagging.
    """
    c0, c1, c2 = categories[:3]
    build, east, west = units["build"], units["east"], units["west"]
    t = {
        "MS-01": KeyTaskFactory(code="MS-01", category=c0, lead_unit=build),
        "MS-02": KeyTaskFactory(code="MS-02", category=c0, lead_unit=east),
        "MS-03": KeyTaskFactory(code="MS-03", category=c1, lead_unit=build),
        "ZB-01": KeyTaskFactory(code="ZB-01", category=c1, lead_unit=west),
        "ZB-02": KeyTaskFactory(code="ZB-02", category=c2, lead_unit=east),
        "ZB-03": KeyTaskFactory(code="ZB-03", category=c2, lead_unit=west),
    }
    june = {
        "MS-01": ("on_track", "green"),
        "MS-02": ("on_track", "blue"),
        "MS-03": ("lagging", "yellow"),
        "ZB-01": ("completed", "green"),
        "ZB-02": ("lagging", "yellow"),
    }
    for code, (status, light) in june.items():
        judge(t[code], "2022-06", status, light)
    judge(t["MS-01"], "2022-07", "lagging", "red", overdue={"days": 12, "workdays": 9})
    judge(t["MS-02"], "2022-07", "completed", "green")
    judge(t["MS-03"], "2022-07", "lagging", "yellow", overdue={"days": 30, "workdays": 21})
    judge(t["ZB-01"], "2022-07", "on_track", "blue")
    judge(t["ZB-02"], "2022-07", "lagging", "red")
    return t


def as_dict(figures):
    """What the page embeds: the figures must survive JSON unchanged."""
    return json.loads(json.dumps(figures))


# ----- figures -----


def test_counts_per_category_and_status_are_the_judgements_of_the_latest_month(
    people, judged, categories
):
    figures = dashboard.build(people["lily"])
    assert figures["year"] == 2022
    assert figures["month"] == "2022-07"
    assert figures == as_dict(figures)
    rows = {row["name"]: row for row in figures["categories"]}
    assert [row["name"] for row in figures["categories"]] == [c.name for c in categories]
    counted = ("completed", "on_track", "lagging", "unjudged", "total")
    assert [rows[categories[0].name][k] for k in counted] == [1, 0, 1, 0, 2]
    assert [rows[categories[1].name][k] for k in counted] == [0, 1, 1, 0, 2]
    assert [rows[categories[2].name][k] for k in counted] == [0, 0, 1, 1, 2]
    assert rows[categories[3].name]["total"] == 0
    # the same numbers straight from the judgements
    for category in categories:
        for status in ("completed", "on_track", "lagging"):
            expected = Judgement.objects.filter(
                period="2022-07", status=status, task__category=category
            ).count()
            assert rows[category.name][status] == expected


def test_kpi_numbers_of_the_month(people, judged):
    kpi = dashboard.build(people["lily"])["kpi"]
    assert {k: kpi[k] for k in ("total", "judged", "completed", "on_track", "lagging")} == {
        "total": 6,
        "judged": 5,
        "completed": 1,
        "on_track": 1,
        "lagging": 3,
    }
    assert kpi["unjudged"] == 1
    # 滞后率 is lagging ÷ all tasks (GLOSSARY), as in the reports: 3 of 6, not 3 of the 5 judged
    assert kpi["lag_rate"] == 50.0


def test_a_chosen_month_is_counted_as_judged_then(people, judged):
    figures = dashboard.build(people["lily"], year="2022", period="2022-06")
    assert figures["month"] == "2022-06"
    assert figures["kpi"]["lagging"] == 2
    assert figures["kpi"]["unjudged"] == 1
    assert [m["key"] for m in figures["months"]] == ["2022-06", "2022-07"]


def test_a_half_year_is_counted_as_of_its_latest_judged_month(people, judged):
    assert dashboard.build(people["lily"], period="2022-H1")["month"] == "2022-06"
    assert dashboard.build(people["lily"], period="2022")["month"] == "2022-07"


@pytest.mark.parametrize(
    ("year", "period"), [("abc", "2022-13"), ("1900", "nonsense"), ("2022", "2021-07")]
)
def test_values_that_do_not_parse_fall_back_to_the_defaults(people, judged, year, period):
    figures = dashboard.build(people["lily"], year=year, period=period)
    assert (figures["year"], figures["month"]) == (2022, "2022-07")


def test_another_year_is_counted_on_its_own(people, judged, units):
    older = KeyTaskFactory(year=2021, code="OLD-01", lead_unit=units["build"])
    judge(older, "2021-12", "lagging", "red")
    figures = dashboard.build(people["lily"], year=2021)
    assert (figures["month"], figures["kpi"]["total"], figures["kpi"]["lagging"]) == (
        "2021-12",
        1,
        1,
    )
    assert figures["years"] == [2022, 2021]
    assert dashboard.build(people["lily"], period="2021-12")["year"] == 2021


def test_lag_rate_of_every_judged_month_of_the_year(people, judged):
    by_month = dashboard.build(people["lily"])["by_month"]
    assert [(m["period"], m["judged"], m["lagging"], m["lag_rate"]) for m in by_month] == [
        ("2022-06", 5, 2, 33.3),  # lagging ÷ the year's 6 tasks
        ("2022-07", 5, 3, 50.0),
    ]
    assert [m["label"] for m in by_month] == ["6月", "7月"]


def test_a_year_without_judgements_has_no_months_and_no_lag_rate(people, units):
    KeyTaskFactory(code="MS-01", lead_unit=units["build"])
    figures = dashboard.build(people["lily"])
    assert figures["by_month"] == []
    assert figures["kpi"]["lag_rate"] is None
    assert figures["lights"][-1] == {"light": None, "label": "未研判", "count": 1, "url": None}


def test_lagging_tasks_by_lead_unit_most_first(people, judged):
    rows = dashboard.build(people["lily"])["lagging_by_unit"]
    assert [(row["name"], row["count"]) for row in rows] == [("城建中心", 2), ("东苑居民区", 1)]


def test_across_streets_each_lead_unit_names_its_street(people, judged, office):
    """A district leader sees 示范街道's 城建中心 and 北街道's 城建中心 as two named bars."""
    district = Office.objects.create(name="示范区", kind=Office.Kind.DISTRICT)
    office.parent = district
    office.save()
    north = Office.objects.create(name="北街道", kind=Office.Kind.STREET, parent=district)
    other = KeyTaskFactory(
        office=north, code="BJ-01", lead_unit=UnitFactory(office=north, name="城建中心")
    )
    judge(other, "2022-07", "lagging", "red", overdue={"days": 40})
    figures = dashboard.build(make_user("dora", "leader", office=district))
    assert [(row["name"], row["count"]) for row in figures["lagging_by_unit"]] == [
        (f"{office.name}·城建中心", 2),
        (f"{office.name}·东苑居民区", 1),
        ("北街道·城建中心", 1),
    ]
    assert [(item["code"], item["lead_unit"]) for item in figures["overdue"]] == [
        ("BJ-01", "北街道·城建中心"),
        ("MS-03", f"{office.name}·城建中心"),
        ("MS-01", f"{office.name}·城建中心"),
    ]
    # one street's own leader keeps the plain names
    own = dashboard.build(people["lily"])
    assert own["lagging_by_unit"][0]["name"] == own["overdue"][0]["lead_unit"] == "城建中心"


def test_lights_count_with_the_tasks_not_judged(people, judged):
    lights = dashboard.build(people["lily"])["lights"]
    assert [(row["label"], row["count"]) for row in lights] == [
        ("绿灯", 1),
        ("蓝灯", 1),
        ("黄灯", 1),
        ("红灯", 2),
        ("未研判", 1),
    ]


def test_no_unjudged_slice_when_every_task_is_judged(people, judged):
    judge(judged["ZB-03"], "2022-07", "on_track", "green")
    lights = dashboard.build(people["lily"])["lights"]
    assert [row["light"] for row in lights] == ["green", "blue", "yellow", "red"]


def test_overdue_tasks_longest_overdue_first_with_a_link_to_the_task(people, judged):
    overdue = dashboard.build(people["lily"])["overdue"]
    assert [(item["code"], item["days"], item["lead_unit"]) for item in overdue] == [
        ("MS-03", 30, "城建中心"),
        ("MS-01", 12, "城建中心"),
    ]
    assert overdue[0]["url"] == reverse("ledger:detail", args=[judged["MS-03"].pk])
    assert overdue[0]["deadline"] == "2022-12-31"


def test_assigned_items_and_other_offices_tasks_are_never_counted(people, judged, units):
    assigned = KeyTaskFactory(
        code="JB-01", kind=KeyTask.Kind.ASSIGNED, category=None, lead_unit=units["build"]
    )
    judge(assigned, "2022-07", "lagging", "red", overdue={"days": 99})
    north = Office.objects.create(name="北街道", kind=Office.Kind.STREET)
    other = KeyTaskFactory(
        office=north, code="BJ-01", lead_unit=UnitFactory(office=north, name="北街道城建中心")
    )
    judge(other, "2022-07", "lagging", "red", overdue={"days": 50})
    figures = dashboard.build(people["lily"])
    assert figures["kpi"]["total"] == 6
    assert figures["kpi"]["lagging"] == 3
    assert [item["code"] for item in figures["overdue"]] == ["MS-03", "MS-01"]
    assert "北街道城建中心" not in [row["name"] for row in figures["lagging_by_unit"]]
    assert "未分类" not in [row["name"] for row in figures["categories"]]
    # and north's own leader sees only north's task
    north_leader = make_user("nora", "leader", office=north)
    assert dashboard.build(north_leader)["kpi"]["total"] == 1


def test_query_count_does_not_grow_with_the_number_of_tasks(client, people, units, categories):
    client.force_login(people["lily"])
    url = reverse("dashboard:index")

    def add(n, start):
        for i in range(start, start + n):
            task = KeyTaskFactory(
                code=f"Q-{i:03d}",
                category=categories[i % 3],
                lead_unit=units["build" if i % 2 else "east"],
            )
            judge(
                task,
                "2022-07",
                ["completed", "on_track", "lagging"][i % 3],
                "red",
                overdue={"days": i},
            )

    add(5, 0)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.context["figures"]["kpi"]["total"] == 5
    add(45, 5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["figures"]["kpi"]["total"] == 50
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


# ----- click-through: the ledger shows exactly the tasks counted -----


def codes_on_ledger(response):
    page = response.content.decode()
    table = page.split('id="ledger-table"', 1)[1].split("</table>", 1)[0]
    total = int(re.search(r"共 (\d+) 项", page)[1])
    codes = re.findall(r'<td class="nowrap"><a href="/ledger/\d+/">([^<]+)</a></td>', table)
    assert total == len(codes)
    return sorted(codes)


def expected_codes(url, office):
    """The office's tasks a ledger URL should list, read from the judgements (not from the
    ledger)."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    tasks = KeyTask.objects.filter(office=office, year=int(query["year"]))
    judged = {}
    for key in ("status", "light"):
        if key in query:
            judged[f"judgements__{key}"] = query[key]
    if judged:
        tasks = tasks.filter(judgements__period=query["period"], **judged)
    if "category" in query:
        tasks = tasks.filter(category_id=int(query["category"]))
    if "lead_unit" in query:
        tasks = tasks.filter(lead_unit_id=int(query["lead_unit"]))
    if "kind" in query:
        tasks = tasks.filter(kind=query["kind"])
    return sorted(tasks.values_list("code", flat=True))


def chart_links(figures):
    """(count shown, ledger url) for every clickable figure."""
    links = []
    for row in figures["categories"]:
        links += [(row[status], row["urls"][status]) for status in row["urls"]]
    links += [(m["lagging"], m["url"]) for m in figures["by_month"]]
    links += [(row["count"], row["url"]) for row in figures["lagging_by_unit"]]
    links += [(row["count"], row["url"]) for row in figures["lights"] if row["url"]]
    kpi = figures["kpi"]
    links += [(kpi[key], kpi["urls"][key]) for key in ("total", "completed", "on_track", "lagging")]
    return links


@pytest.mark.parametrize("period", [None, "2022-06"])
def test_every_chart_element_opens_the_ledger_on_exactly_the_tasks_it_counts(
    client, people, judged, office, period
):
    north = Office.objects.create(name="北街道", kind=Office.Kind.STREET)
    other = KeyTaskFactory(office=north, code="BJ-01", lead_unit=UnitFactory(office=north))
    judge(other, "2022-07", "lagging", "red")
    # a 交办事项 judged like the key tasks must not show behind any figure
    assigned = KeyTaskFactory(
        code="JB-01", kind=KeyTask.Kind.ASSIGNED, category=None, lead_unit=judged["MS-01"].lead_unit
    )
    for month in ("2022-06", "2022-07"):
        judge(assigned, month, "lagging", "red")
    client.force_login(people["lily"])
    figures = client.get(reverse("dashboard:index"), {"period": period or ""}).context["figures"]
    links = chart_links(figures)
    assert len(links) == 5 * 3 + 2 + 2 + 4 + 4  # 5 categories, 2 months, 2 units, 4 lights
    for count, url in links:
        codes = codes_on_ledger(client.get(url))
        assert len(codes) == count, url
        assert codes == expected_codes(url, office), url
        assert "JB-01" not in codes


def test_a_category_link_carries_year_month_kind_category_and_status(people, judged, categories):
    row = dashboard.build(people["lily"])["categories"][0]
    query = parse_qs(urlsplit(row["urls"]["lagging"]).query)
    assert query == {
        "year": ["2022"],
        "period": ["2022-07"],
        "kind": ["annual"],
        "category": [str(categories[0].pk)],
        "status": ["lagging"],
    }


# ----- the page and who may open it -----


@pytest.mark.parametrize("who", ["alice", "lily", "rita"])
def test_office_wide_roles_open_the_dashboard(client, people, judged, who):
    client.force_login(people[who])
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="dashboard-data"' in page
    assert 'data-kpi="lagging"><b>3</b>' in page
    assert "50%" in page  # 滞后率: 3 of the 6 tasks
    assert "MS-03" in page.split('id="overdue"', 1)[1]


def test_superuser_opens_the_dashboard(client, judged, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pass12345")
    client.force_login(admin)
    assert client.get(reverse("dashboard:index")).status_code == 200


@pytest.mark.parametrize("who", ["bob", "hank", "carol", "gina"])
def test_unit_roles_are_refused(client, people, who):
    client.force_login(people[who])
    assert client.get(reverse("dashboard:index")).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_year_and_month_selectors_show_the_choice(client, people, judged):
    client.force_login(people["lily"])
    page = client.get(reverse("dashboard:index"), {"year": 2022, "period": "2022-06"})
    html = page.content.decode()
    assert '<option value="2022-06" selected>2022年6月</option>' in html
    assert "2022年6月研判" in html


def test_a_year_without_tasks_says_so(client, people):
    client.force_login(people["lily"])
    html = client.get(reverse("dashboard:index"), {"year": 2023}).content.decode()
    assert "2023年暂无年度重点工作" in html
    assert 'id="chart-category"' not in html


# ----- leaders land here -----


def sign_in(client, username, **query):
    url = reverse("login") + ("?next=" + query["next"] if query else "")
    return client.post(url, {"username": username, "password": "pass12345"})


def test_leader_lands_on_the_dashboard_after_signing_in(client, people):
    response = sign_in(client, "lily")
    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")


def test_a_leader_sent_to_sign_in_from_a_page_goes_back_to_it(client, people):
    response = sign_in(client, "lily", next=reverse("ledger:list"))
    assert response.url == reverse("ledger:list")


def test_leader_still_reaches_the_workbench_from_the_navigation(client, people):
    client.force_login(people["lily"])
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("who", ["alice", "rita", "bob"])
def test_other_roles_land_on_the_workbench(client, people, who):
    assert sign_in(client, who).url == reverse("home")


def test_a_leader_who_also_supervises_lands_on_the_workbench(client, people, units):
    make_user("boss", "leader", "supervisor", unit=units["party"])
    assert sign_in(client, "boss").url == reverse("home")


def test_overdue_table_sorts_by_its_columns_and_exports(client, people, judged):
    from io import BytesIO

    import openpyxl

    client.force_login(people["lily"])
    url = reverse("dashboard:index")
    page = client.get(url, {"sort": "light"})
    # the engine's overdue (a deadline passed), named as such: the bulletin's 超期事项
    # also counts missed milestones
    assert "<h2>超过完成时限的事项 " in page.content.decode()
    by_light = page.context["figures"]["overdue"]
    assert [item["code"] for item in by_light] == ["MS-01", "MS-03"]  # red before yellow
    response = client.get(url, {"sort": "code", "export": "xlsx"})
    rows = list(
        openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("编号", "事项名称", "牵头单位", "完成时限", "超期天数", "预警")
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [("MS-01", 12, "红灯"), ("MS-03", 30, "黄灯")]
