"""Scoring units: the pure rules, the scheme check, the ranking page with its breakdown."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError

from duban.supervision import scoring as S
from duban.supervision import services
from duban.supervision.models import ScoreBonus, ScoringScheme
from tests.factories import judge

SCHEME = S.Scheme(weights={S.ON_TIME: D(60), S.ON_TRACK: D(40)})
R = S.Record


def test_weights_must_add_up_to_100():
    with pytest.raises(S.ScoringError, match="权重之和应为 100，现为 90"):
        S.check_scheme(S.Scheme(weights={S.ON_TIME: D(60), S.ON_TRACK: D(30)}))
    with pytest.raises(S.ScoringError, match="负数"):
        S.check_scheme(S.Scheme(weights={S.ON_TIME: D(110), S.ON_TRACK: D(-10)}))
    S.check_scheme(SCHEME)


def test_score_adds_weighted_items_and_takes_deductions():
    facts = S.UnitFacts(
        unit_id=1,
        unit="城建中心",
        due_tasks=(R("MS-01"), R("MS-02")),
        on_time_tasks=(R("MS-01"),),
        judged_months=10,
        lagging_months=(R("MS-02 2022-06"), R("MS-02 2022-07")),
        notices=(("blue", R("督办〔2022〕1号")), ("red", R("督办〔2022〕4号"))),
        accountability=(R("效能告诫"),),
        bonuses=((D("2"), R("获市级表彰")),),
    )
    result = S.score(facts, SCHEME)
    points = {line.label: line.points for line in result.lines}
    assert points["按时完成率（权重 60）"] == D("30.00")
    assert points["推进正常率（权重 40）"] == D("32.00")
    assert points["推进滞后扣分"] == D("-1.00")
    assert points["蓝色提醒单扣分"] == D("-1.00") and points["红色督办单扣分"] == D("-3.00")
    assert points["效能问责扣分"] == D("-5.00") and points["加分"] == D("2.00")
    assert result.total == D("54.00")
    assert [r.label for r in result.lines[2].records] == ["MS-02 2022-06", "MS-02 2022-07"]


def test_nothing_to_count_gives_full_points_and_says_so():
    result = S.score(S.UnitFacts(unit_id=1, unit="东苑居民区"), SCHEME)
    assert result.total == D("100.00")
    assert "按满分计" in result.lines[0].detail


def test_equal_scores_share_a_rank():
    scores = [
        S.Score(i, name, [], D(total))
        for i, (name, total) in enumerate([("甲", 90), ("乙", 95), ("丙", 90), ("丁", 80)])
    ]
    assert [(s.unit, s.rank) for s in S.rank(scores)] == [
        ("乙", 1),
        ("丙", 2),
        ("甲", 2),
        ("丁", 4),
    ]


def test_admin_refuses_a_scheme_whose_weights_do_not_add_up(office):
    scheme = ScoringScheme(office=office, year=2022, weight_on_time=50, weight_on_track=40)
    with pytest.raises(ValidationError, match="权重之和应为 100"):
        scheme.full_clean()


def test_ranking_page_breaks_each_score_down_to_its_records(client, office, people, tasks):
    judge(tasks["east"], "lagging", period="2022-06")
    judge(tasks["east"], "lagging", period="2022-07")
    judge(tasks["west"], "on_track", period="2022-07")
    notice = services.create(
        tasks["east"], people["alice"], dt.date(2022, 8, 5), level="blue", reason="滞后"
    )
    scheme = ScoringScheme.objects.create(office=office, year=2022)
    ScoreBonus.objects.create(
        scheme=scheme,
        unit=tasks["west"].lead_unit,
        points=3,
        reason="创建经验被推广",
        on=dt.date(2022, 8, 1),
    )
    client.force_login(people["lily"])
    with time_machine.travel(dt.datetime(2022, 8, 15, 10, 0), tick=False):
        page = client.get("/supervision/ranking/?year=2022").content.decode()
    west = page.index(f'id="unit-{tasks["west"].lead_unit_id}"')
    east = page.index(f'id="unit-{tasks["east"].lead_unit_id}"')
    assert west < east  # 西苑 103.00 ranks before 东苑
    assert "103.00" in page and "58.00" in page and "创建经验被推广" in page
    assert f"/supervision/notices/{notice.pk}/" in page
    assert "MS-02 社区食堂建设（2022-07）" in page


def test_ranking_page_names_a_broken_scheme(client, office, people, tasks):
    ScoringScheme.objects.create(office=office, year=2022, weight_on_time=70, weight_on_track=40)
    client.force_login(people["alice"])
    page = client.get("/supervision/ranking/?year=2022").content.decode()
    assert "权重之和应为 100，现为 110" in page and 'id="ranking"' not in page


def test_units_cannot_open_the_ranking(client, people):
    client.force_login(people["carol"])
    assert client.get("/supervision/ranking/").status_code == 403


def test_ranking_exports_to_excel_with_breakdowns_as_text(client, office, people, tasks):
    import io

    from openpyxl import load_workbook

    tasks["west"].lead_unit.name = "=西苑居民区"
    tasks["west"].lead_unit.save()
    judge(tasks["east"], "lagging", period="2022-07")
    client.force_login(people["alice"])
    with time_machine.travel(dt.datetime(2022, 8, 15, 10, 0), tick=False):
        answer = client.get("/supervision/ranking/?year=2022&format=xlsx")
    book = load_workbook(io.BytesIO(answer.content))
    ranks = [[c.value for c in row] for row in book["排名"].iter_rows(min_row=2)]
    assert ranks[0] == [1, "=西苑居民区", 100.0]  # text, not a formula
    assert book["排名"]["B2"].data_type == "s"
    assert ranks[-1] == [3, "东苑居民区", 59.5]
    details = [[c.value for c in row] for row in book["得分明细"].iter_rows(min_row=2)]
    assert [
        "东苑居民区",
        "推进滞后扣分",
        -0.5,
        "1 个事项月 × 0.5",
        "MS-02 社区食堂建设（2022-07）",
    ] in details


def test_topics_page_shows_targets_and_tasks_with_their_latest_status(
    client, office, people, tasks
):
    from duban.supervision.models import Topic

    topic = Topic.objects.create(
        office=office, year=2022, name="土地上市", target_value=18, done_value=11, target_unit="宗"
    )
    topic.tasks.set([tasks["east"], tasks["west"]])
    judge(tasks["east"], "lagging", period="2022-07")
    client.force_login(people["lily"])
    page = client.get("/supervision/topics/?year=2022").content.decode()
    assert "目标 <b>18</b>宗：已完成 <b>11</b>宗，待完成 <b>7</b>宗" in page
    assert "MS-02 社区食堂建设" in page and "推进滞后" in page and "未研判" in page
    client.force_login(people["carol"])
    assert client.get("/supervision/topics/").status_code == 403


def test_a_month_counts_only_what_happened_in_it(client, office, people, tasks):
    judge(tasks["east"], "lagging", period="2022-06")
    judge(tasks["east"], "lagging", period="2022-07")
    services.create(
        tasks["east"], people["alice"], dt.date(2022, 7, 5), level="blue", reason="滞后"
    )
    client.force_login(people["alice"])
    with time_machine.travel(dt.datetime(2022, 8, 15, 10, 0), tick=False):
        june = client.get("/supervision/ranking/?year=2022&month=2022-06").content.decode()
        july = client.get("/supervision/ranking/?year=2022&month=2022-07").content.decode()
    assert "2022年6月（月度）" in june
    # June: one lagging month (-0.5), no notice; July: one lagging month and a blue notice
    assert "59.50" in june and "督办〔2022〕1号" not in june
    assert "58.50" in july and "督办〔2022〕1号" in july
