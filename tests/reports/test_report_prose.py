"""The report read as the office director reads it: the Word text of a month with lagging
tasks and the units' reasons, of a half-year and of a year."""

import datetime as dt
import io
import re

import pytest
from docx import Document

from duban.progress.models import Judgement, ReasonCategory, Submission
from duban.reports import figures
from duban.reports.monthly_docx import render_docx
from tests.factories import CategoryFactory, KeyTaskFactory

LIGHTS = {"completed": "green", "on_track": "green", "lagging": "yellow"}


@pytest.fixture(autouse=True)
def later(time_machine):
    time_machine.move_to(dt.datetime(2023, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def livelihood(office):
    return CategoryFactory(year=2022, name="民生实事项目", order=1)


@pytest.fixture
def special(office):
    return CategoryFactory(year=2022, name="专班推进项目", order=2)


@pytest.fixture
def research(office):
    return CategoryFactory(year=2022, name="区领导调研提出的工作", order=3)


def make(office, category, title, unit, status, *, months=("2022-07",), reason="", text="", **kw):
    task = KeyTaskFactory(office=office, category=category, title=title, lead_unit=unit, **kw)
    for month in months:
        year, m = int(month[:4]), int(month[5:])
        Judgement.objects.create(
            task=task,
            period=month,
            as_of=dt.date(year, m, 28),
            status=status,
            light=LIGHTS[status],
            proposed_status=status,
            source=Judgement.Source.ENGINE,
            reason_category=ReasonCategory.objects.get(name=reason) if reason else None,
            reason=text,
        )
    return task


def report(unit, task, month, progress, value=None, reason="", text=""):
    Submission.objects.create(
        task=task,
        period=month,
        unit=unit,
        state=Submission.State.ACCEPTED,
        progress=progress,
        completed_value=value,
        reason_category=ReasonCategory.objects.get(name=reason) if reason else None,
        reason=text,
    )


def paragraphs(data):
    return [p.text for p in Document(io.BytesIO(render_docx(data))).paragraphs]


def section(body, heading):
    start = body.index(heading)
    rest = body[start + 1 :]
    end = next(
        (i for i, p in enumerate(rest) if not p or re.match(r"^([一二三四]、|附件)", p)), len(rest)
    )
    return rest[:end]


@pytest.fixture
def july(office, units, livelihood, special, research):
    build, east, west = units["build"], units["east"], units["west"]
    c = livelihood
    meals = make(
        office, c, "社区老年助餐点建设", build, "completed", target_value=2, target_unit="个"
    )
    report(build, meals, "2022-07", "已建成2个助餐点并投入运营，日均服务120人次。", value=2)
    hall = make(office, c, "社区文化活动室改造", east, "completed")
    report(east, hall, "2022-07", "室内装修和设备安装结束，7月15日起对居民开放。")
    alarms = make(office, c, "独居老人智能安防安装", east, "on_track")
    alarms.target_value, alarms.target_unit = 350, "户"
    alarms.save()
    report(east, alarms, "2022-07", "已完成215户安装调试。", value=215)
    garden = make(office, c, "口袋公园建设", west, "on_track")
    report(west, garden, "2022-06", "完成设计方案征询。")  # nothing accepted for July
    lift = make(
        office,
        c,
        "既有多层住宅加装电梯",
        build,
        "lagging",
        reason="前期手续与审批",
        text="规划许可尚未取得批复。",
    )
    report(build, lift, "2022-07", "已完成8栋居民意见征询。")
    make(
        office,
        c,
        "社区事务受理中心新址建设",
        build,
        "lagging",
        reason="前期手续与审批",
        text="消防审验仍在办理。",
    )
    sewer = make(
        office,
        c,
        "老旧小区雨污混接改造",
        build,
        "lagging",
        reason="资金与要素保障",
        text="区级补贴资金尚未拨付。",
    )
    report(build, sewer, "2022-06", "完成管网排查。")  # nothing accepted for July
    make(office, special, "实有人口信息采集", east, "lagging")
    return figures.monthly(office, "2022-07")


def test_the_month_reads_like_the_office_wrote_it(july):
    body = paragraphs(july)
    overview = next(p for p in body if p.startswith("截至7月底，"))
    # one empty category, said once; no 1项均; no 0%
    assert overview.count("未安排") == 1 and "区领导调研提出的工作本年度未安排重点工作" in overview
    assert "专班推进项目1项，推进滞后。" in overview
    assert "1项均" not in overview and not re.search(r"(?<![\d.])0%", overview)

    category = body[body.index("（一）民生实事项目") + 1]
    assert (
        "社区老年助餐点建设已建成2个助餐点并投入运营，日均服务120人次，达到年度目标2个。"
        in category
    )
    assert "独居老人智能安防安装已完成215户安装调试，占年度目标350户的61.4%。" in category
    assert "口袋公园建设完成设计方案征询（沿用6月进展）。" in category
    assert category.endswith("社区事务受理中心新址建设、老旧小区雨污混接改造本月未报送进展。")
    assert (
        "社区文化活动室改造方面，室内装修和设备安装结束，7月15日起对居民开放，目前已完成。"
        in category
    )
    assert (
        "既有多层住宅加装电梯、社区事务受理中心新址建设、老旧小区雨污混接改造等3项工作推进滞后。"
        in category
    )

    analysis = section(body, "二、滞后事项原因分析")
    assert analysis[0].startswith("截至7月底，推进滞后的4项工作滞后原因各有不同")
    assert "专班推进项目1项，推进滞后" in overview
    assert analysis[1].startswith("一是前期手续办理耗时较长。")
    assert (
        "比如，既有多层住宅加装电梯，规划许可尚未取得批复；社区事务受理中心新址建设，消防审验仍在办理。"
        in analysis[1]
    )
    assert analysis[2].startswith("二是资金和要素保障跟不上。")
    assert "老旧小区雨污混接改造，区级补贴资金尚未拨付" in analysis[2]
    assert analysis[3] == "另有1项未说明原因（实有人口信息采集），需责任单位在下月报送时补充。"
    for text in analysis:
        assert "/" not in text and "前期手续与审批" not in text and "资金与要素保障" not in text

    advice = section(body, "三、相关工作建议")
    assert [p[:2] for p in advice] == ["一是", "二是", "三是", "四是"]
    openings = {p[2:6] for p in advice}
    assert len(openings) == len(advice)  # no two points open alike
    assert not any(p[2:].startswith("对") for p in advice)
    assert advice[2].startswith("三是报送时要把原因说清楚")

    organ = body.index("示范街道党政办公室") if "示范街道党政办公室" in body else None
    assert organ is not None and body[organ + 1] == "2022年7月31日"


def test_a_single_cause_is_not_numbered(office, units, livelihood):
    make(
        office,
        livelihood,
        "既有多层住宅加装电梯",
        units["build"],
        "lagging",
        reason="资金与要素保障",
        text="资金未到位。",
    )
    make(office, livelihood, "社区老年助餐点建设", units["build"], "on_track")
    analysis = section(paragraphs(figures.monthly(office, "2022-07")), "二、滞后事项原因分析")
    assert analysis == [
        "截至7月底，有1项工作推进滞后（具体情况详见附件）。",
        "滞后的主要原因是资金和要素保障跟不上。资金、场地、人员等条件没有及时落实，"
        "工作难以按计划展开。比如，既有多层住宅加装电梯，资金未到位。",
    ]
    assert not any(re.match("^一是", p) for p in analysis)


def test_lagging_without_any_reason_is_said_plainly(office, units, livelihood):
    make(office, livelihood, "甲项工作", units["build"], "lagging")
    make(office, livelihood, "乙项工作", units["east"], "lagging")
    body = paragraphs(figures.monthly(office, "2022-07"))
    analysis = section(body, "二、滞后事项原因分析")
    assert analysis == [
        "截至7月底，甲项工作、乙项工作推进滞后，均未说明原因，需责任单位在下月报送时补充，"
        "本期暂无法作原因分析。"
    ]
    assert (
        "民生实事项目2项均推进滞后，滞后项目占比100%。" in body[body.index("一、总体工作情况") + 1]
    )


def test_nothing_lagging_has_one_unnumbered_suggestion(office, units, livelihood):
    make(office, livelihood, "社区老年助餐点建设", units["build"], "completed")
    body = paragraphs(figures.monthly(office, "2022-07"))
    assert "民生实事项目1项，已完成。" in body[body.index("一、总体工作情况") + 1]
    advice = section(body, "三、相关工作建议")
    assert len(advice) == 1 and not advice[0].startswith("一是")


def test_a_half_year_speaks_of_january_to_june(office, units, livelihood):
    make(office, livelihood, "社区老年助餐点建设", units["build"], "on_track", months=("2022-06",))
    make(office, livelihood, "加装电梯", units["east"], "lagging", months=("2022-06",))
    data = figures.monthly(office, "2022-H1")
    body = paragraphs(data)
    assert body[0] == "示范街道2022年上半年重点工作督查报告"
    assert "现将2022年1-6月各项工作推进落实情况" in body[1] + body[2]
    assert any(p.startswith("截至6月底，") for p in body)
    assert "7月" not in "".join(body)
    assert data["report_date"] == "2022-06-30"
    assert "2022年6月30日" in body


def test_a_half_year_names_the_month_a_task_did_not_report_in(office, units, livelihood):
    make(office, livelihood, "加装电梯", units["east"], "lagging", months=("2022-06",))
    body = paragraphs(figures.monthly(office, "2022-H1"))
    assert "加装电梯6月未报送进展。" in body[body.index("（一）民生实事项目") + 1]
    assert "本月" not in "".join(body)


def test_a_half_year_counted_at_an_earlier_month_says_so(office, units, livelihood):
    make(office, livelihood, "加装电梯", units["east"], "lagging", months=("2022-05",))
    body = paragraphs(figures.monthly(office, "2022-H1"))
    opening = next(p for p in body if p.startswith("根据"))
    assert "2022年1-6月" in opening
    assert "6月尚未研判，各项工作的状态按5月的研判结果统计。" in opening
    assert any(p.startswith("截至5月底，") for p in body)  # what the figures count to


def test_a_year_report_speaks_of_the_whole_year(office, units, livelihood):
    make(office, livelihood, "社区老年助餐点建设", units["build"], "completed", months=("2022-12",))
    make(office, livelihood, "加装电梯", units["east"], "lagging", months=("2022-12",))
    data = figures.monthly(office, "2022")
    body = paragraphs(data)
    assert body[0] == "示范街道2022年重点工作督查报告"
    assert "现将2022年全年各项工作推进落实情况" in "".join(body[1:3])
    assert any(p.startswith("截至年底，") for p in body)
    assert not re.search(r"1-\d+月", "".join(body))
    assert "2022年12月31日" in body


def test_the_attachment_says_when_progress_is_an_earlier_months(july):
    document = Document(io.BytesIO(render_docx(july)))
    rows = {row.cells[2].text: row.cells[5].text for row in document.tables[-1].rows[1:]}
    assert rows["既有多层住宅加装电梯"] == "已完成8栋居民意见征询。"
    assert rows["老旧小区雨污混接改造"] == "完成管网排查。（沿用6月进展）"
    assert rows["社区事务受理中心新址建设"] == "未报送"
