"""考核: the partner share of a scheme (issue 12, "lead/partner share (default lead
only)"). A task counts 1 for its lead unit and × share for each partner unit in the
task-based items; notices and accountability records stay with their own unit."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from duban.core.periods import Period
from duban.reports import bulletin as B
from duban.supervision import ranking as ranking_data
from duban.supervision import scoring as S
from duban.supervision import services
from duban.supervision.models import ScoringScheme
from tests.factories import judge

R = S.Record
# 城建中心 leads MS-01 (due, on time, two months on track) and is a partner on MS-02
# (due, not done, two lagging months)
LEAD = dict(
    unit_id=1,
    unit="城建中心",
    due_tasks=(R("MS-01"),),
    on_time_tasks=(R("MS-01"),),
    judged_months=2,
)
PARTNER = dict(
    partner_due_tasks=(R("MS-02", "/ledger/2/"),),
    partner_judged_months=2,
    partner_lagging_months=(R("MS-02（2022-06）", "/ledger/2/"), R("MS-02（2022-07）")),
)


def _score(share):
    scheme = S.Scheme(weights={S.ON_TIME: D(60), S.ON_TRACK: D(40)}, partner_share=D(share))
    S.check_scheme(scheme)
    return S.score(S.UnitFacts(**LEAD, **PARTNER), scheme)


def _points(result):
    return {line.label: line.points for line in result.lines}


def test_share_0_counts_the_lead_unit_only():
    result = _score("0")
    lead_only = S.score(
        S.UnitFacts(**LEAD), S.Scheme(weights={S.ON_TIME: D(60), S.ON_TRACK: D(40)})
    )
    assert result.total == lead_only.total == D("100.00")
    assert [line.detail for line in result.lines] == [line.detail for line in lead_only.lines]
    assert not any("协办" in line.label for line in result.lines)


def test_share_half_weighs_partner_tasks_in_rates_and_lagging_deductions():
    result = _score("0.5")
    points = _points(result)
    # on time: (1 + 0.5 × 0) / (1 + 0.5 × 1) = 2/3 of 60; on track: (2 + 0) / (2 + 1) of 40
    assert points["按时完成率（权重 60）"] == D("40.00")
    assert points["推进正常率（权重 40）"] == D("26.67")
    assert points["推进滞后扣分（协办 ×0.5）"] == D("-0.50")  # 2 × 0.5 × 0.5
    assert result.total == D("66.17")
    on_time = result.lines[0]
    assert on_time.detail == "牵头 1/1，协办 0/1 × 0.5，合计 1/1.5（66.67%）"
    assert [r.label for r in on_time.records] == ["MS-01", "MS-02（协办 ×0.5）"]
    lagging = result.lines[-1]
    assert lagging.detail == "2 个事项月 × 0.5 × 0.5"
    assert lagging.records[0] == R("MS-02（2022-06）（协办 ×0.5）", "/ledger/2/")


def test_share_1_counts_partner_tasks_as_fully_as_lead_tasks():
    points = _points(_score("1"))
    assert points["按时完成率（权重 60）"] == D("30.00")
    assert points["推进正常率（权重 40）"] == D("20.00")
    assert points["推进滞后扣分（协办 ×1）"] == D("-1.00")


@pytest.mark.parametrize("share", ["-0.1", "1.01", "2"])
def test_a_share_outside_0_to_1_cannot_score(share):
    scheme = S.Scheme(weights={S.ON_TIME: D(60), S.ON_TRACK: D(40)}, partner_share=D(share))
    with pytest.raises(S.ScoringError, match="协办单位计分比例应在 0 至 1 之间"):
        S.check_scheme(scheme)


URL = "/settings/supervision/scoring/"
SCHEME = {
    "action": "scheme",
    "weight_on_time": "60",
    "weight_on_track": "40",
    "per_lagging_month": "0.5",
    "per_blue": "1",
    "per_yellow": "2",
    "per_red": "3",
    "per_accountability": "5",
}


def test_supervisor_sets_the_partner_share_on_the_scheme_page(client, office, people):
    client.force_login(people["alice"])
    page = client.get(URL, {"year": 2022}).content.decode()
    assert "协办单位计分比例" in page
    assert client.post(f"{URL}?year=2022", {**SCHEME, "partner_share": "0.5"}).status_code == 302
    assert ScoringScheme.objects.get(office=office, year=2022).partner_share == D("0.5")
    client.post(f"{URL}?year=2023", SCHEME)  # left empty: lead units only
    assert ScoringScheme.objects.get(office=office, year=2023).partner_share == 0


@pytest.mark.parametrize(
    ("share", "message"),
    [
        ("1.5", "协办单位计分比例应在 0 至 1 之间"),
        ("-0.5", "协办单位计分比例应在 0 至 1 之间"),
        ("10", "协办单位计分比例应在 0 至 1 之间"),
        ("一半", "协办单位计分比例应在 0 至 1 之间"),
        ("0.555", "协办单位计分比例最多保留两位小数"),
    ],
)
def test_a_bad_partner_share_is_refused_in_chinese(client, office, people, share, message):
    client.force_login(people["alice"])
    response = client.post(f"{URL}?year=2022", {**SCHEME, "partner_share": share})
    assert response.status_code == 200 and message in response.content.decode()
    assert not ScoringScheme.objects.exists()


def test_admin_refuses_a_partner_share_above_1(client, office):
    root = get_user_model().objects.create_superuser("root", "r@example.cn", "pass12345")
    client.force_login(root)
    form = {
        "office": office.pk,
        "year": 2022,
        "weight_requests_on_time": "0",
        "weight_requests_satisfaction": "0",
        **{k: v for k, v in SCHEME.items() if k != "action"},
        "partner_share": "1.2",
        "bonuses-TOTAL_FORMS": "0",
        "bonuses-INITIAL_FORMS": "0",
        "bonuses-MIN_NUM_FORMS": "0",
        "bonuses-MAX_NUM_FORMS": "1000",
    }
    answer = client.post("/admin/supervision/scoringscheme/add/", form)
    assert "协办单位计分比例应在 0 至 1 之间" in answer.content.decode()
    assert not ScoringScheme.objects.exists()
    client.post("/admin/supervision/scoringscheme/add/", {**form, "partner_share": "0.3"})
    assert ScoringScheme.objects.get().partner_share == D("0.3")


def test_ranking_page_excel_and_bulletin_count_the_partner_share(client, office, people, tasks):
    # MS-02 is led by 东苑 with 城建中心 as partner
    judge(tasks["east"], "lagging", period="2022-06")
    judge(tasks["east"], "lagging", period="2022-07")
    judge(tasks["build"], "on_track", period="2022-07")
    build = tasks["build"].lead_unit
    notice = services.create(
        tasks["east"], people["alice"], dt.date(2022, 8, 5), level="blue", reason="滞后"
    )
    client.force_login(people["alice"])
    with time_machine.travel(dt.datetime(2022, 8, 15, 10, 0), tick=False):
        before = client.get("/supervision/ranking/?year=2022").content.decode()
        ScoringScheme.objects.create(office=office, year=2022, partner_share=D("0.5"))
        page = client.get("/supervision/ranking/?year=2022").content.decode()
        book = client.get("/supervision/ranking/?year=2022&format=xlsx").content
    assert "协办" not in before and "事项只计入牵头单位" in before
    assert "按 0.5 计入协同单位" in page
    section = page[page.index(f'id="unit-{build.pk}"') :]
    section = section[: section.find('id="unit-', 10)]
    assert notice.number not in section and notice.number in page  # stays with 东苑
    # on track (1 + 0.5 × 0) / (1 + 0.5 × 2) of 40 = 20; two partner lagging months × 0.25
    assert "推进滞后扣分（协办 ×0.5）" in section and "-0.50" in section
    assert "MS-02 社区食堂建设（2022-06）（协办 ×0.5）" in section
    assert f'href="/ledger/{tasks["east"].pk}/"' in section
    details = [
        [c.value for c in row]
        for row in load_workbook(io.BytesIO(book))["得分明细"].iter_rows(min_row=2)
    ]
    assert [
        "城建中心",
        "推进滞后扣分（协办 ×0.5）",
        -0.5,
        "2 个事项月 × 0.5 × 0.5",
        "MS-02 社区食堂建设（2022-06）（协办 ×0.5）；MS-02 社区食堂建设（2022-07）（协办 ×0.5）",
    ] in details
    # the bulletin ranks with the same function: same scores
    scores, _row, _kept = ranking_data.ranking(office, 2022, dt.date(2022, 9, 30))
    figures = B.quarterly(office, Period.parse("2022Q3"), today=dt.date(2022, 10, 10))
    assert figures["ranking"] == [
        {"unit": s.unit, "score": float(s.total), "rank": s.rank} for s in scores
    ]
    # lead only it would be 100 (rank 1); on track 20 of 40, lagging −0.50
    assert {"unit": "城建中心", "score": 79.5, "rank": 2} in figures["ranking"]
