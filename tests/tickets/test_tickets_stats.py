"""The request statistics: the contract's keys and the reference document's 12345 figures."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from duban.tickets import metrics, summary
from duban.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")
KEYS = {
    "received",
    "closed",
    "returned",
    "in_progress",
    "awaiting_dispatch",
    "followed_up",
    "contacted",
    "resolved",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "by_unit",
    "by_category",
    "by_community",
    "by_month",
}


@pytest.fixture
def hotline_2023(office, units):
    """The 12345 figures of the annual summary (5-annual-summary-and-plan-hotline-stats):
    受理5011 办结2013 退单1808 办处中1190, 解决率90.16% 满意率88.01%.

    All 2013 closed orders were followed up: 1815 resolved (1815/2013 = 90.164%), and
    1768 满意 + 4 基本满意 + 241 不满意 ((1768 + 0.9×4)/2013 = 88.008%). 2000 of them
    were contacted, 1900 closed on time."""
    base = dt.datetime(2023, 1, 2, 9, 0, tzinfo=TZ)
    tickets = []

    def add(n, **kw):
        for _ in range(n):
            received = base + dt.timedelta(days=len(tickets) % 360)
            kw2 = {"deadline": received + dt.timedelta(days=9), **kw}
            tickets.append(
                Ticket(
                    office=office,
                    source="hotline",
                    source_number=f"H{len(tickets):05d}",
                    received_at=received,
                    content="诉求",
                    **kw2,
                )
            )
        return tickets[-n:]

    closed = []
    for i in range(2013):
        satisfaction = (
            "satisfied" if i < 1768 else "basically_satisfied" if i < 1772 else "unsatisfied"
        )
        closed += add(
            1,
            state="closed",
            unit=units["build"] if i % 2 else units["east"],
            followed_up=True,
            contacted=i < 2000,
            resolved=i < 1815,
            satisfaction=satisfaction,
        )
    for i, t in enumerate(closed):
        t.closed_at = t.received_at + dt.timedelta(days=3 if i < 1900 else 12)
    add(1808, state="returned")
    add(1190, state="in_progress", unit=units["build"])
    Ticket.objects.bulk_create(tickets, batch_size=1000)
    summary.rebuild()  # bulk_create passes by the summary's signals


def test_the_reference_figures_are_reproduced_exactly(hotline_2023):
    stats = metrics.compute(
        metrics.between(Ticket.objects.all(), dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    )
    assert set(stats) == KEYS
    assert (stats["received"], stats["closed"], stats["returned"], stats["in_progress"]) == (
        5011,
        2013,
        1808,
        1190,
    )
    assert stats["awaiting_dispatch"] == 0
    assert stats["resolution_rate"] == 90.16
    assert stats["satisfaction_rate"] == 88.01
    assert stats["response_rate"] == 99.35  # 2000 / 2013 = 99.354
    assert stats["on_time_rate"] == 94.39  # 1900 / 2013 = 94.386
    assert sum(r["received"] for r in stats["by_unit"]) == 5011
    assert sum(r["received"] for r in stats["by_month"]) == 5011
    assert {r["name"] for r in stats["by_unit"]} == {"城建中心", "东苑居民区", "（未分派）"}
    # the summary table gives the same dict
    assert metrics.summarized(None, dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == stats


def test_rates_are_null_without_a_denominator(office):
    stats = metrics.compute(Ticket.objects.all())
    assert stats["received"] == 0
    assert stats["resolution_rate"] is None and stats["on_time_rate"] is None
    assert stats["by_unit"] == []


def test_rates_round_half_up_to_two_decimals():
    def resolution(resolved, followed):
        counts = {"n_followed_up": followed, "n_resolved": resolved}
        return metrics.figures(counts)["resolution_rate"]

    assert resolution(1, 8) == 12.5
    assert resolution(2, 3) == 66.67  # 66.666…
    assert resolution(1, 800) == 0.13  # 0.125 → half up, not to even


def test_stats_command_prints_json_and_writes_xlsx(hotline_2023, tmp_path, capsys):
    call_command("tickets", "stats", "--from", "2023-01-01", "--to", "2023-12-31")
    data = json.loads(capsys.readouterr().out)
    assert data["received"] == 5011 and data["satisfaction_rate"] == 88.01
    out = tmp_path / "stats.xlsx"
    call_command(
        "tickets",
        "stats",
        "--from",
        "2023-01-01",
        "--to",
        "2023-12-31",
        "--unit",
        "城建中心",
        "--format",
        "xlsx",
        "-o",
        str(out),
    )
    book = load_workbook(out)
    rows = {r[0]: r[1] for r in book["总体"].iter_rows(min_row=3, values_only=True)}
    assert rows["受理"] == 1006 + 1190
    assert "按承办单位" in book.sheetnames


def test_the_stats_page_shows_its_range_and_refuses_an_end_before_the_start(
    client, people, time_machine
):
    time_machine.move_to(dt.datetime(2024, 5, 6, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    client.force_login(people["alice"])
    page = client.get("/tickets/stats/").content.decode()
    assert 'value="2024-01-01"' in page and 'value="2024-05-06"' in page
    assert "2024年1月1日至2024年5月6日" in page
    page = client.get("/tickets/stats/?start=2024-03-01&end=2024-02-01").content.decode()
    assert "结束日期不能早于开始日期" in page
    assert "2024年1月1日至2024年5月6日" in page  # the figures shown are this year's so far
    page = client.get("/tickets/stats/?start=2024-02-30").content.decode()
    assert 'class="error"' in page and "2024年1月1日至2024年5月6日" in page
    # the request list's filter says the same
    page = client.get("/tickets/all/?start=2024-03-01&end=2024-02-01").content.decode()
    assert "结束日期不能早于开始日期" in page
