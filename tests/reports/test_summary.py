"""The drafted work summary (工作总结 初稿): its periods, the next year's ledger in its plan,
the indicators paragraph, the office's edits, the command and the archive."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from duban.core.periods import Period
from duban.progress.models import Judgement
from duban.reports import figures as F
from duban.reports.models import Report
from duban.reports.summary_text import blocks, indicators_paragraph
from duban.textkit import numbers as N
from tests.factories import CategoryFactory, KeyTaskFactory, UnitFactory


@pytest.fixture(autouse=True)
def january(time_machine):
    time_machine.move_to(dt.datetime(2023, 1, 5, 9, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def ledger(office):
    unit = UnitFactory(office=office, name="城建中心")
    cat = CategoryFactory(year=2022, name="民生实事项目", order=1)
    for i, status in enumerate(["completed", "on_track", "lagging"]):
        task = KeyTaskFactory(
            office=office, category=cat, title=f"老旧小区改造{i}", lead_unit=unit, year=2022
        )
        Judgement.objects.create(
            task=task,
            period="2022-12",
            as_of=dt.date(2022, 12, 31),
            status=status,
            light="green",
            proposed_status=status,
            source=Judgement.Source.ENGINE,
        )
    return unit


def texts(figures):
    return [b.get("text", "") + b.get("run_in", "") for b in blocks(figures)]


def test_a_summary_is_for_a_half_year_or_a_year():
    assert Period.parse("2022-H1").kind == "half" and Period.parse("2022").kind == "year"
    assert F.summary_period("2022-H2").label == "2022年下半年"
    for wrong in ("2022Q3", "2022-07", "2022-H3"):
        with pytest.raises(F.SummaryError):
            F.summary_period(wrong)
    assert F.plan_label(Period.parse("2022-H1")) == "2022年下半年"
    assert F.plan_label(Period.parse("2022")) == "2023年"


def test_the_year_end_plan_names_the_next_years_ledger_by_category(office, ledger):
    nxt = CategoryFactory(year=2023, name="专班推进项目", order=1)
    for title in ("滨河片区更新", "垃圾分类提升"):
        KeyTaskFactory(office=office, category=nxt, title=title, lead_unit=ledger, year=2023)
    year = F.summary(office, "2022")
    assert year["next_year"]["total"] == 2
    said = "\n".join(texts(year))
    assert "2023年台账已安排重点工作2项，其中专班推进项目2项" in said
    assert "滨河片区更新、垃圾分类提升" in said
    assert N.check(texts(year)) == []
    assert F.summary(office, "2022-H1")["next_year"] is None  # 下半年's plan: this year's


def test_the_draft_is_marked_as_such(office, ledger):
    figures = F.summary(office, "2022")
    said = texts(figures)
    assert said[0].endswith("工作总结（初稿）") and "不作为正式文稿" in said[1]
    assert figures["draft"] is True and figures["kind"] == "summary"


def test_indicators_are_a_paragraph_when_there_are_any(office, ledger):
    figures = F.summary(office, "2022")
    assert figures["indicators"] == []
    assert not any("经济社会指标" in t for t in texts(figures))
    rows = [
        {"name": "规上工业总产值", "unit": "万元", "group": "经济", "value": "4720",
         "previous": "4378.5", "growth_rate": 7.8, "target": "9000", "completion_rate": 52.4,
         "time_progress": 75.0, "behind": True},
        {"name": "城镇新增就业", "unit": "人", "group": "民生", "value": "647",
         "previous": None, "growth_rate": None, "target": "600", "completion_rate": 107.8,
         "time_progress": 75.0, "behind": False},
    ]  # fmt: skip
    figures = F.summary(office, "2022", indicators=rows)
    said = [t for t in texts(figures) if "主要经济社会指标" in t]
    assert len(said) == 1  # the achievements' paragraph (the problems name the one behind)
    assert "4720万元，同比增长7.8%，完成年度目标9000万元的52.4%" in said[0]
    assert "647人" in said[0] and "规上工业总产值完成进度慢于时间进度" in said[0]
    assert N.check(said) == []
    assert indicators_paragraph([], figures) == "本期指标数据尚未填报。"


def test_an_edited_section_is_printed_as_edited(office, ledger):
    figures = F.summary(office, "2022", edits={"problems": "一是甲问题。\n二是乙问题。"})
    said = texts(figures)
    at = said.index("二、存在的问题")
    assert said[at + 1 : at + 3] == ["一是甲问题。", "二是乙问题。"]


def test_the_command_writes_and_archives_the_summary(office, ledger, tmp_path):
    out = tmp_path / "总结.json"
    call_command("report", "summary", "--period", "2022", "--format", "json", "-o", str(out),
                 stdout=StringIO())  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["title"].endswith("2022年工作总结（初稿）")
    assert data["overall"]["total"] == 3 and data["overall"]["lagging"] == 1
    report = Report.objects.get()
    assert report.kind == Report.Kind.SUMMARY and report.figures == data
    docx = tmp_path / "总结.docx"
    call_command("report", "summary", "--from-archive", str(report.pk), "-o", str(docx),
                 stdout=StringIO())  # fmt: skip
    assert docx.stat().st_size > 0


def test_the_second_half_tells_only_what_it_completed(office, ledger):
    done = Judgement.objects.get(task__title="老旧小区改造0", period="2022-12")
    later = KeyTaskFactory(office=office, category=done.task.category, title="加装电梯", year=2022)
    for month, status in (("2022-06", "completed"), ("2022-12", "completed")):
        Judgement.objects.create(
            task=done.task if month == "2022-06" else later,
            period=month,
            as_of=dt.date(2022, int(month[5:]), 28),
            status=status,
            light="green",
            proposed_status=status,
            source=Judgement.Source.ENGINE,
        )
    second = F.summary(office, "2022-H2")["categories"][0]
    assert second["completed"] == 2  # the year so far
    assert [i["title"] for i in second["completed_items"]] == ["加装电梯"]
    year = F.summary(office, "2022")["categories"][0]
    assert {i["title"] for i in year["completed_items"]} == {"老旧小区改造0", "加装电梯"}


def test_categories_of_one_and_of_several_completed_tasks_both_read(office, ledger):
    # the phrasing of "one task done" and of "several done" in one summary
    several = CategoryFactory(year=2022, name="专班推进项目", order=2)
    for i in range(3):
        task = KeyTaskFactory(
            office=office, category=several, title=f"道路整治{i}", lead_unit=ledger, year=2022
        )
        Judgement.objects.create(
            task=task,
            period="2022-12",
            as_of=dt.date(2022, 12, 31),
            status="completed",
            light="green",
            proposed_status="completed",
            source=Judgement.Source.ENGINE,
        )
    for period in ("2022-H2", "2022"):
        body = "".join(texts(F.summary(office, period)))
        assert "老旧小区改造0" in body
        assert (
            "道路整治0、道路整治1和道路整治2" in body or "道路整治0、道路整治1、道路整治2" in body
        )


@pytest.mark.parametrize("seed", ["a", "b", "c", "d", "e", "f"])
def test_a_task_named_by_its_verb_reads_once_not_twice(seed):
    # "完成年度税收目标方面完成了11.7亿元" said 完成 twice: the object is the subject
    from duban.reports import prose
    from duban.reports.summary_text import _under_way

    item = {
        "title": "完成年度税收目标",
        "completed_value": "11.7",
        "target_unit": "亿元",
        "target_value": "12.5",
    }
    text = _under_way(item, prose.Phrasing(seed))
    assert text.startswith("年度税收目标") and text.count("完成") == 1, text
    assert "11.7亿元" in text and "93.6%" in text
    plain = dict(item, title="住宅小区停车难综合治理")
    assert _under_way(plain, prose.Phrasing(seed)).startswith("住宅小区停车难综合治理")


def _problems(figures):
    said = texts(figures)
    at = said.index("二、存在的问题")
    end = next(i for i, t in enumerate(said) if t.startswith("三、"))
    return said[at + 1 : end]


def test_indicators_behind_time_progress_are_a_problem(office, ledger):
    rows = [
        {"name": "固定资产投资", "unit": "万元", "group": "经济", "value": "14803.6",
         "previous": "15478", "growth_rate": "-4.36", "target": "33000",
         "completion_rate": "44.86", "time_progress": "50", "behind": True},
        {"name": "新建充电桩", "unit": "个", "group": "民生", "value": "51",
         "previous": "48", "growth_rate": "6.25", "target": "150",
         "completion_rate": "34", "time_progress": "50", "behind": True},
        {"name": "城镇新增就业", "unit": "人", "group": "民生", "value": "647",
         "previous": None, "growth_rate": None, "target": "600", "completion_rate": 107.8,
         "time_progress": "50", "behind": False},
    ]  # fmt: skip
    points = _problems(F.summary(office, "2022", indicators=rows))
    said = [p for p in points if "经济社会指标" in p]
    assert said == [
        "二是部分经济社会指标完成进度慢于时间进度。按时间进度应完成50%，固定资产投资完成"
        "年度目标的44.86%、同比下降4.36%；新建充电桩完成年度目标的34%。"
    ]
    assert N.check(said) == []


TICKETS = {
    "label": "2022年", "received": 90, "closed": 90, "returned": 0, "in_progress": 0,
    "awaiting_dispatch": 0, "followed_up": 81, "contacted": 78, "resolved": 73,
    "satisfied": 63, "basically_satisfied": 10, "unsatisfied": 5, "response_rate": 96.3,
    "resolution_rate": 90.12, "satisfaction_rate": 88.89, "on_time_rate": 85.56,
    "closed_on_time": 77,
    "by_unit": [
        {"unit_id": 1, "name": "城建中心", "received": 60, "closed": 60, "closed_on_time": 55,
         "on_time_rate": 91.67, "resolution_rate": 92.0, "satisfaction_rate": 90.0},
        {"unit_id": 2, "name": "社区管理办公室", "received": 26, "closed": 26,
         "closed_on_time": 20, "on_time_rate": 76.92, "resolution_rate": 85.0,
         "satisfaction_rate": 84.0},
        {"unit_id": 3, "name": "社区平安办公室", "received": 4, "closed": 4,
         "closed_on_time": 2, "on_time_rate": 50.0, "resolution_rate": 100.0,
         "satisfaction_rate": 100.0},
    ],
}  # fmt: skip


def test_the_requests_left_unsolved_unsatisfied_or_late_are_a_problem(office, ledger):
    figures = F.summary(office, "2022")
    figures["tickets"] = dict(TICKETS)
    said = [p for p in _problems(figures) if "民生诉求" in p]
    # the unit named is the slowest of those with enough closed requests to say so
    assert said == [
        "二是民生诉求办理质量还有差距。2022年回访的81件中，8件问题未解决、5件评价不满意；"
        "办结的90件中有13件超过办理时限，按时办结率85.56%，其中社区管理办公室仅为76.92%。"
    ]
    assert N.check(said) == []


def test_requests_without_a_shortfall_and_old_archives_add_no_problem(office, ledger):
    figures = F.summary(office, "2022")
    perfect = dict(TICKETS, resolved=81, unsatisfied=0, closed_on_time=90, on_time_rate=100.0)
    archived = {k: v for k, v in TICKETS.items() if k != "closed_on_time"}
    archived.update(resolved=81, unsatisfied=0)  # lateness unknown before closed_on_time
    for tickets in (perfect, archived, dict(TICKETS, received=0), None):
        figures["tickets"] = tickets
        assert not any("民生诉求" in p for p in _problems(figures)), tickets
    figures["tickets"] = dict(TICKETS, resolved=81, unsatisfied=2, closed_on_time=90)
    assert any(p.endswith("回访的81件中，2件评价不满意。") for p in _problems(figures))


def test_a_unit_name_two_streets_share_is_not_named(office, ledger):
    figures = F.summary(office, "2022")
    slow = dict(TICKETS["by_unit"][1])
    other = dict(slow, unit_id=9, on_time_rate=95.0)  # a district: the same name, another street
    figures["tickets"] = dict(TICKETS, by_unit=[TICKETS["by_unit"][0], slow, other])
    said = next(p for p in _problems(figures) if "民生诉求" in p)
    assert said.endswith("按时办结率85.56%。") and "社区管理办公室" not in said


def _plan(figures):
    said = texts(figures)
    at = next(i for i, t in enumerate(said) if t.startswith("三、"))
    return said[at + 1 :]


def test_the_plan_takes_up_what_the_problems_found_beyond_the_ledger(office, ledger):
    rows = [
        {"name": name, "unit": "万元", "group": "经济", "value": "10", "previous": "11",
         "growth_rate": "-9.09", "target": "40", "completion_rate": "25",
         "time_progress": "50", "behind": True}
        for name in ("固定资产投资", "区级税收收入", "新建充电桩", "限上消费品零售总额")
    ]  # fmt: skip
    figures = F.summary(office, "2022", indicators=rows)
    figures["tickets"] = dict(TICKETS)
    plan = _plan(figures)
    assert any(
        "抓好经济社会指标追赶。对固定资产投资、区级税收收入、新建充电桩等完成进度慢于时间进度的指标"
        in p
        for p in plan
    ), plan
    requests = next(p for p in plan if "提升民生诉求办理质效" in p)
    assert "逐件复核" in requests and "社区管理办公室等按时办结率偏低的单位" in requests
    # nothing found, no such step
    figures = F.summary(office, "2022", indicators=rows[:0])
    figures["tickets"] = dict(TICKETS, resolved=81, unsatisfied=0, closed_on_time=90)
    plan = _plan(figures)
    assert not any("指标追赶" in p or "民生诉求" in p for p in plan), plan
