"""Request figures in the monthly report, on the dashboard and per unit for scoring."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from docx import Document

from duban.core.workdays import Calendar
from duban.org.models import Office
from duban.reports import dashboard
from duban.reports import figures as F
from duban.reports.monthly_docx import render_docx
from duban.reports.monthly_text import blocks
from duban.tickets import metrics, services
from duban.tickets.models import Ticket

TZ = dt.timezone(dt.timedelta(hours=8))
JULY = dt.datetime(2022, 7, 4, 9, 0, tzinfo=TZ)
CAL = Calendar(manual_years={2022})


@pytest.fixture
def july(people, units):
    """July 2022: 城建中心 closes two (one on time, one late, rated 满意 and 不满意),
    东苑 holds one; one waits for 分单; one duplicate merged; one in June."""
    office = units["west"].office

    def filed(content, when, **more):
        return services.receive(people["gina"], office=office, content=content, now=when, **more)

    def done(ticket, unit, who, closed_at, satisfaction):
        services.apply(people["alice"], ticket, "dispatch", unit=unit, now=JULY, calendar=CAL)
        services.apply(people[who], ticket, "claim", now=JULY, calendar=CAL)
        services.apply(people[who], ticket, "close", reason="办好", now=closed_at, calendar=CAL)
        services.apply(
            people["alice"],
            ticket,
            "follow_up",
            contacted=True,
            resolved=True,
            satisfaction=satisfaction,
            now=closed_at,
            calendar=CAL,
        )

    a = filed("路灯", JULY)
    done(a, units["build"], "bob", JULY + dt.timedelta(days=2), "satisfied")
    b = filed("井盖", JULY)
    done(b, units["build"], "bob", JULY + dt.timedelta(days=20), "unsatisfied")
    c = filed("绿化", JULY)
    services.apply(people["alice"], c, "dispatch", unit=units["east"], now=JULY, calendar=CAL)
    filed("噪声", JULY)
    dup = filed("路灯", JULY)
    services.merge(people["alice"], dup, a, now=JULY)
    filed("六月的", JULY - dt.timedelta(days=20))
    return office


def test_per_unit_figures_ready_for_scoring(july):
    tickets = metrics.between(Ticket.objects.all(), dt.date(2022, 7, 1), dt.date(2022, 7, 31))
    rows = {row["name"]: row for row in metrics.unit_figures(tickets)}
    assert rows["城建中心"] == {
        "unit_id": rows["城建中心"]["unit_id"],
        "name": "城建中心",
        "received": 2,
        "closed": 2,
        "closed_on_time": 1,
        "on_time_rate": 50.0,
        "resolution_rate": 100.0,
        "satisfaction_rate": 50.0,
    }
    assert rows["东苑居民区"]["received"] == 1 and rows["东苑居民区"]["closed"] == 0
    assert rows["东苑居民区"]["on_time_rate"] is None


def test_the_monthly_report_has_a_requests_section(july):
    data = F.monthly(Office.objects.first(), "2022-07", today=dt.date(2022, 8, 10))
    t = data["tickets"]
    # the merged duplicate and June's request are not counted
    assert {k: t[k] for k in ("received", "closed", "in_progress", "awaiting_dispatch")} == {
        "received": 4,
        "closed": 2,
        "in_progress": 1,
        "awaiting_dispatch": 1,
    }
    assert t["received"] == t["closed"] + t["returned"] + t["in_progress"] + t["awaiting_dispatch"]
    assert t["satisfaction_rate"] == 50.0 and t["on_time_rate"] == 50.0
    assert t["closed_on_time"] == 1  # of the 2 closed: the summary names the late one
    assert t["label"] == "2022年7月"
    said = blocks(data)
    heading = [b["text"] for b in said if b["kind"] == "heading" and b["level"] == 1]
    # the requests come before the suggestions, which close the report
    assert heading[-3:] == ["二、滞后事项原因分析", "三、民生诉求办理情况", "四、相关工作建议"]
    paragraph = next(
        b["text"] for b in said if "民生诉求" in b.get("text", "") and b["kind"] == "p"
    )
    assert "2022年7月共受理民生诉求4件，其中办结2件" in paragraph
    assert "满意率50%" in paragraph and "按时办结率50%" in paragraph
    # where they came from, adding up to the received
    sources = t["by_source"]
    assert sum(s["received"] for s in sources) == t["received"]
    assert [s["received"] for s in sources] == sorted(
        (s["received"] for s in sources), reverse=True
    )
    told = "、".join(f"{s['name']}{s['received']}件" for s in sources)
    one = f"诉求均来自{sources[0]['name']}。"
    assert (f"从来源看，{told}。" if len(sources) > 1 else one) in paragraph
    table = next(b for b in said if b.get("name") == "tickets")
    assert table["rows"][0] == ["城建中心", 2, 2, 1, "50%", "100%", "50%"]
    document = Document(io.BytesIO(render_docx(data)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.index("三、民生诉求办理情况") < text.index("四、相关工作建议")
    cells = [c.text for tbl in document.tables for row in tbl.rows for c in row.cells]
    assert "城建中心" in cells and "按时办结率" in cells


def test_a_period_without_requests_says_so_and_an_office_without_any_has_no_section(july):
    office = Office.objects.first()
    data = F.monthly(office, "2022-09", today=dt.date(2022, 10, 10))
    assert data["tickets"]["received"] == 0 and data["tickets"]["by_unit"] == []
    said = [b.get("text") for b in blocks(data)]
    assert "2022年9月未受理民生诉求。" in said
    assert said.index("三、民生诉求办理情况") < said.index("四、相关工作建议")
    Ticket.objects.filter(merged_into__isnull=False).delete()
    Ticket.objects.all().delete()
    data = F.monthly(office, "2022-07", today=dt.date(2022, 8, 10))
    assert data["tickets"] is None
    said = blocks(data)
    assert not any("民生诉求" in (b.get("text") or "") for b in said)
    # without the section, the suggestions keep 三
    assert [b["text"] for b in said if b["kind"] == "heading" and b["level"] == 1][-1] == (
        "三、相关工作建议"
    )


def test_an_archived_report_without_the_key_still_renders(july):
    data = F.monthly(Office.objects.first(), "2022-07", today=dt.date(2022, 8, 10))
    del data["tickets"]
    assert not any("民生诉求" in (b.get("text") or "") for b in blocks(data))


def test_the_dashboard_shows_the_months_requests(client, people, july, time_machine):
    time_machine.move_to(dt.datetime(2022, 7, 25, 10, 0, tzinfo=TZ), tick=False)
    data = dashboard.build(people["lily"], year=2022, period="2022-07")
    assert data["tickets"]["received"] == 4
    assert "start=2022-07-01" in data["tickets"]["url"]
    client.force_login(people["lily"])
    page = client.get(reverse("dashboard:index") + "?year=2022&period=2022-07").content.decode()
    assert 'id="tickets-panel"' in page and "民生诉求" in page
    # the tiles add up to the received: 4 = 2 closed + 0 returned + 1 in progress + 1 waiting
    tiles = dict(re.findall(r'data-ticket="(\w+)"><b>(\d+)</b>', page))
    assert tiles == {
        "received": "4",
        "closed": "2",
        "returned": "0",
        "in_progress": "1",
        "awaiting_dispatch": "1",
    }


def test_the_report_preview_shows_the_section(client, people, judged, july):
    client.force_login(people["lily"])
    page = client.get(
        reverse("reports:preview"), {"period": "2022-07", "office": july.pk}
    ).content.decode()
    assert "三、民生诉求办理情况" in page and "2022年7月共受理民生诉求4件" in page
    assert page.index("三、民生诉求办理情况") < page.index("四、相关工作建议")


def test_the_sentence_says_where_the_requests_came_from():
    from duban.reports.monthly_text import tickets_sentence

    base = {"received": 9, "closed": 9, "returned": 0, "in_progress": 0,
            "awaiting_dispatch": 0, "followed_up": 0, "on_time_rate": None}  # fmt: skip
    grid, hotline = (
        {"source": "grid", "name": "网格采集", "received": 6},
        {"source": "hotline", "name": "12345热线", "received": 3},
    )
    assert "从来源看，网格采集6件、12345热线3件。" in tickets_sentence(
        dict(base, by_source=[grid, hotline]), "2022年7月"
    )
    one = dict(grid, received=9)
    assert "诉求均来自网格采集。" in tickets_sentence(dict(base, by_source=[one]), "7月")
    assert "来源" not in tickets_sentence(base, "7月")  # archived before by_source
