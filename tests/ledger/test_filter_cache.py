"""The ledger filter's lists — the years and the counts, the streets, the categories and
the lead units on offer — are kept per process under the org version, which writes to
tasks, their partner units, categories and units change too (ledger/apps.py), keyed by
the query itself (ledger/filters.py `kept`): read once, any write shows on the next
request, and what one person's scope reads never answers another's.

Committed transactions, as in production: on PostgreSQL the version changes at commit.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.ledger.models import Category, KeyTask
from duban.org.models import Unit
from tests.factories import KeyTaskFactory, UnitFactory, judge

pytestmark = pytest.mark.django_db(transaction=True)


def ledger(client, **query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ledger:list"), {"year": 2022, **query})
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries]


def lead_unit_options(page):
    select = page.split('name="lead_unit"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", select)


def total(page):
    return int(re.search(r"共 (\d+) 项", page).group(1))


def lists(sql):
    """The queries of the filter's lists: the tally, categories, lead units, streets."""
    return [
        q
        for q in sql
        if "GROUP BY" in q
        and '"ledger_milestone"' not in q
        or 'FROM "ledger_category"' in q
        or q.startswith('SELECT "org_unit"."id" AS "pk"')
        or q.startswith('SELECT "org_office"."id", "org_office"."name"')
    ]


def test_the_lists_are_read_once_then_kept(client, people, tasks):
    client.force_login(people["alice"])
    first, sql = ledger(client)
    assert len(lists(sql)) >= 3
    again, sql = ledger(client)
    assert lists(sql) == []
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert csrf.sub("", again) == csrf.sub("", first)


def test_a_task_category_unit_or_partner_written_shows_on_the_next_request(
    client, people, tasks, units, office
):
    client.force_login(people["alice"])
    page, _sql = ledger(client)
    assert total(page) == 3 and "新建单位" not in lead_unit_options(page)

    KeyTaskFactory(
        code="MS-09", title="新增事项", lead_unit=UnitFactory(office=office, name="新建单位")
    )
    page, _sql = ledger(client)
    assert total(page) == 4 and "新建单位" in lead_unit_options(page)

    category = tasks["build"].category
    Category.objects.filter(pk=category.pk).update(name="改名后的类别")
    page, _sql = ledger(client)
    assert "改名后的类别" in page.split('name="category"', 1)[1].split("</select>", 1)[0]
    assert 'data-category="改名后的类别"' in page

    Unit.objects.filter(pk=units["west"].pk).update(name="西苑社区")
    assert "西苑社区" in lead_unit_options(ledger(client)[0])

    KeyTask.objects.filter(code="MS-09").delete()
    assert total(ledger(client)[0]) == 3

    # a partner added: the unit now sees the task, its count and its lead unit
    client.force_login(people["carol"])  # 东苑居民区
    page, _sql = ledger(client)
    assert total(page) == 1 and lead_unit_options(page) == ["东苑居民区"]
    tasks["west"].partner_units.add(units["east"])
    page, _sql = ledger(client)
    assert total(page) == 2 and lead_unit_options(page) == ["东苑居民区", "西苑社区"]


def test_one_scope_never_answers_another(client, people, tasks):
    seen = {}
    for _round in range(2):  # the second round reads every list from the cache
        for name in ("alice", "carol", "bob", "gina"):
            client.force_login(people[name])
            page, _sql = ledger(client)
            seen.setdefault(name, (total(page), lead_unit_options(page)))
            assert (total(page), lead_unit_options(page)) == seen[name]
    assert seen["alice"] == (3, ["东苑居民区", "城建中心", "西苑居民区"])  # units' order
    assert seen["carol"] == (1, ["东苑居民区"])  # 东苑 leads MS-02
    assert seen["bob"] == (2, ["东苑居民区", "城建中心"])  # 城建 leads MS-01, partner of MS-02
    assert seen["gina"] == (1, ["西苑居民区"])


def codes(page):
    """The task numbers of the table, in the order shown."""
    table = page.split('id="ledger-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="nowrap"><a href="[^"]+">([^<]+)</a></td>', table)


def test_the_rows_order_is_kept_and_follows_writes(client, people, tasks, units):
    client.force_login(people["alice"])
    page, _sql = ledger(client, sort="code")
    assert codes(page) == ["MS-01", "MS-02", "ZB-01"]
    page, sql = ledger(client, sort="code")
    assert codes(page) == ["MS-01", "MS-02", "ZB-01"]
    # the page's rows are read by id: no sorting of the year's tasks for them
    assert not [q for q in sql if q.startswith('SELECT "ledger_keytask"') and "LIMIT" in q]
    assert codes(ledger(client, sort="-code")[0]) == ["ZB-01", "MS-02", "MS-01"]

    KeyTask.objects.filter(code="MS-01").update(code="ZZ-01", title="改名后的事项")
    page, _sql = ledger(client, sort="code")
    assert codes(page) == ["MS-02", "ZB-01", "ZZ-01"] and "改名后的事项" in page
    tasks["west"].partner_units.add(units["east"])
    page, _sql = ledger(client, sort="code")
    row = next(tr for tr in page.split("<tr>") if ">ZB-01</a>" in tr).split("</tr>")[0]
    assert "东苑居民区" in row


def test_a_month_status_filter_or_sort_is_never_kept(client, people, tasks):
    """状态 and 预警 are a month's judgements, which change without the org version."""
    from duban.progress.models import Judgement

    def rejudge(task, status, light):
        Judgement.objects.filter(task=task, period="2022-06").update(status=status, light=light)

    client.force_login(people["alice"])
    judge(tasks["build"], "lagging", period="2022-06", light="red")
    judge(tasks["east"], "on_track", period="2022-06", light="green")
    judge(tasks["west"], "on_track", period="2022-06", light="yellow")
    lagging = {"period": "2022-06", "status": "lagging"}
    assert codes(ledger(client, **lagging)[0]) == ["MS-01"]
    by_light = {"period": "2022-06", "sort": "light"}
    assert codes(ledger(client, **by_light)[0]) == ["MS-01", "ZB-01", "MS-02"]

    rejudge(tasks["build"], "on_track", "green")
    rejudge(tasks["west"], "lagging", "red")
    assert codes(ledger(client, **lagging)[0]) == ["ZB-01"]
    assert codes(ledger(client, **by_light)[0]) == ["ZB-01", "MS-01", "MS-02"]
