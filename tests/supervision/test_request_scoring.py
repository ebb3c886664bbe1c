"""Request metrics in unit scoring: the scheme may weigh the units' requests' on-time
rate and satisfaction rate (tickets/metrics.py's definitions); the breakdown links to
the unit's requests; the weights still add up to 100."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine

from duban.supervision import ranking
from duban.supervision import scoring as S
from duban.supervision.models import ScoringScheme
from duban.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")
SCHEME = S.Scheme(
    weights={S.ON_TIME: D(40), S.ON_TRACK: D(30), S.REQ_ON_TIME: D(20), S.REQ_SATISFACTION: D(10)}
)


def test_request_items_score_the_rates_and_link_to_the_requests():
    requests = {
        "name": "城建中心",
        "closed": 4,
        "closed_on_time": 3,
        "satisfaction_rate": D("85.00"),
        "url": "/tickets/all/?unit=7",
    }
    result = S.score(S.UnitFacts(unit_id=7, unit="城建中心", requests=requests), SCHEME)
    lines = {line.label: line for line in result.lines}
    assert lines["诉求按时办结率（权重 20）"].points == D("15.00")
    assert lines["诉求按时办结率（权重 20）"].detail == "3/4（75%）"
    assert lines["诉求满意率（权重 10）"].points == D("8.50")
    assert lines["诉求满意率（权重 10）"].records[0].url == "/tickets/all/?unit=7"
    assert result.total == D("93.50")  # 40 + 30 (nothing to count) + 15 + 8.5


def test_a_unit_without_requests_gets_the_full_points():
    result = S.score(S.UnitFacts(unit_id=1, unit="东苑居民区"), SCHEME)
    assert result.total == D("100.00")
    assert "无办结诉求" in result.lines[2].detail and "无回访诉求" in result.lines[3].detail


def test_weights_with_request_items_must_still_add_up():
    S.check_scheme(SCHEME)
    with pytest.raises(S.ScoringError, match="现为 110"):
        S.check_scheme(S.Scheme(weights={**SCHEME.weights, S.REQ_SATISFACTION: D(20)}))
    with pytest.raises(S.ScoringError, match="负数"):
        S.check_scheme(S.Scheme(weights={**SCHEME.weights, S.REQ_SATISFACTION: D(-10)}))


def add_ticket(office, unit, n, day, *, late=False, satisfaction="satisfied"):
    received = dt.datetime(2022, 7, day, 9, 0, tzinfo=TZ)
    Ticket.objects.create(
        office=office,
        source="hotline",
        source_number=f"H{n:04d}",
        received_at=received,
        content="诉求",
        state="closed",
        unit=unit,
        deadline=received + dt.timedelta(days=5),
        closed_at=received + dt.timedelta(days=8 if late else 2),
        followed_up=True,
        satisfaction=satisfaction,
    )


@pytest.fixture
def requests(office, units, tasks):
    add_ticket(office, units["build"], 1, 4)
    add_ticket(office, units["build"], 2, 5, late=True, satisfaction="unsatisfied")
    add_ticket(office, units["party"], 3, 6)
    ScoringScheme.objects.create(
        office=office,
        year=2022,
        weight_on_time=40,
        weight_on_track=30,
        weight_requests_on_time=20,
        weight_requests_satisfaction=10,
    )


def test_ranking_counts_the_units_requests_with_a_link(client, office, people, units, requests):
    scores, _row, kept = ranking.ranking(office, 2022, dt.date(2022, 7, 31))
    assert kept
    build = next(s for s in scores if s.unit == units["build"].name)
    lines = {line.label: line for line in build.lines}
    assert lines["诉求按时办结率（权重 20）"].points == D("10.00")
    assert lines["诉求满意率（权重 10）"].points == D("5.00")
    url = lines["诉求满意率（权重 10）"].records[0].url
    assert url.startswith("/tickets/all/?") and f"unit={units['build'].pk}" in url
    # a unit with requests and no task is ranked too
    assert any(s.unit_id == units["party"].pk for s in scores)
    # a month's score counts only that month's requests
    june, _row, _kept = ranking.ranking(office, 2022, dt.date(2022, 6, 30), dt.date(2022, 6, 1))
    build_june = next(s for s in june if s.unit_id == units["build"].pk)
    assert "无办结诉求" in " ".join(line.detail for line in build_june.lines)

    client.force_login(people["alice"])
    with time_machine.travel(dt.datetime(2022, 8, 15, 10, 0), tick=False):
        page = client.get("/supervision/ranking/?year=2022").content.decode()
    assert "诉求按时办结率 20 分" in page and "诉求满意率（权重 10）" in page
    assert f"unit={units['build'].pk}" in page


def test_scheme_settings_take_the_request_weights(client, office, people):
    client.force_login(people["alice"])
    scheme = {
        "action": "scheme",
        "weight_on_time": "40",
        "weight_on_track": "30",
        "weight_requests_on_time": "10",
        "weight_requests_satisfaction": "20",
        "per_lagging_month": "0.5",
        "per_blue": "1",
        "per_yellow": "2",
        "per_red": "3",
        "per_accountability": "5",
    }
    bad = client.post(
        "/settings/supervision/scoring/?year=2022",
        {**scheme, "weight_requests_on_time": "30"},
    )
    assert "权重之和应为 100，现为 120" in bad.content.decode()
    assert not ScoringScheme.objects.exists()
    client.post("/settings/supervision/scoring/?year=2022", scheme)
    saved = ScoringScheme.objects.get()
    assert saved.weight_requests_satisfaction == D(20) and saved.weight_requests_on_time == D(10)
