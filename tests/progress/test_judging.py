"""研判 against the database: judge_period, propose, override and `duban judge`."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.core.audit import Channel, audit_context
from duban.ledger.models import KeyTask
from duban.progress import judging
from duban.progress.models import Judgement, ProgressRules, Submission
from tests.factories import KeyTaskFactory, MilestoneFactory

PERIOD = "2022-07"
END_OF_JULY = dt.date(2022, 7, 31)


def report(task, period=PERIOD, status="on_track", value=None, state=Submission.State.ACCEPTED):
    return Submission.objects.create(
        task=task,
        period=period,
        unit=task.lead_unit,
        state=state,
        self_status=status,
        completed_value=value,
        progress="按计划推进",
    )


def judge(**kwargs):
    return judging.judge_period(KeyTask.objects.all(), PERIOD, as_of=END_OF_JULY, **kwargs)


def judgement(task, period=PERIOD):
    return Judgement.objects.get(task=task, period=period)


def test_judging_a_month_writes_one_engine_judgement_per_task(tasks):
    report(tasks["build"], status="lagging")
    report(tasks["east"])
    results = judge()
    assert {t: r.status for t, r in results.items()} == {
        tasks["build"].pk: "lagging",
        tasks["east"].pk: "on_track",
        tasks["west"].pk: "on_track",
    }
    row = judgement(tasks["build"])
    assert (row.status, row.proposed_status, row.light, row.source) == (
        "lagging",
        "lagging",
        "yellow",
        Judgement.Source.ENGINE,
    )
    assert row.as_of == END_OF_JULY
    assert judgement(tasks["west"]).flags == {"no_update": {"period": PERIOD}}


def is_write(query):
    # executemany is logged as "N times: INSERT …", UPDATE … FROM VALUES starts with WITH,
    # PostgreSQL's inserts are COPY
    return bool(re.search(r"\b(INSERT|UPDATE|COPY)\b", query["sql"]))


def test_query_count_does_not_grow_with_the_number_of_tasks(units):
    """Reads are a fixed set; writes are bulk statements (SQLite splits a bulk insert
    of many columns into batches of 999 parameters, so 50 history rows may take two)."""

    def counts_for(n, year):
        for _ in range(n):
            task = KeyTaskFactory(year=year, lead_unit=units["build"], target_value=Decimal(100))
            MilestoneFactory(task=task, due=dt.date(year, 3, 31))
            MilestoneFactory(task=task, due=dt.date(year, 9, 30))
            for month in range(1, 8):
                report(task, f"{year}-{month:02d}", value=Decimal(10 * month))
            Judgement.objects.create(
                task=task,
                period=f"{year}-06",
                as_of=dt.date(year, 6, 30),
                status="lagging",
                proposed_status="lagging",
                light="yellow",
            )
        tasks = KeyTask.objects.filter(year=year)
        counts = []
        for as_of in (dt.date(year, 7, 31), dt.date(year, 7, 30)):  # create, then update all
            with CaptureQueriesContext(connection) as queries:
                judging.judge_period(tasks, f"{year}-07", as_of=as_of)
            writes = [q for q in queries if is_write(q)]
            counts.append((len(queries) - len(writes), len(writes)))
        return counts

    ProgressRules.current()
    few, many = counts_for(5, 2021), counts_for(50, 2022)
    assert [reads for reads, _ in few] == [reads for reads, _ in many]
    assert [writes for _, writes in few] == [2, 2]  # judgements + their history
    assert all(writes <= 4 for _, writes in many)
    assert Judgement.objects.filter(period="2022-07", as_of=dt.date(2022, 7, 30)).count() == 50


def test_rejudging_without_change_writes_nothing(tasks):
    judge()
    with CaptureQueriesContext(connection) as queries:
        judge()
    assert not [q for q in queries if is_write(q)]
    assert judgement(tasks["build"]).history.count() == 1


def test_rejudging_follows_a_newly_accepted_report(tasks):
    judge()
    report(tasks["build"], status="completed")
    judge()
    row = judgement(tasks["build"])
    assert (row.status, row.light, row.flags) == ("completed", "green", {})
    assert [h.history_type for h in row.history.order_by("history_id")] == ["+", "~"]


def test_a_report_not_yet_accepted_counts_as_an_update_but_not_as_evidence(tasks):
    report(tasks["build"], status="completed", state=Submission.State.SUBMITTED)
    report(tasks["east"], status="completed", state=Submission.State.DRAFT)
    judge()
    assert judgement(tasks["build"]).status == "on_track"
    assert "no_update" not in judgement(tasks["build"]).flags
    assert "no_update" in judgement(tasks["east"]).flags


def test_history_rows_carry_the_channel_and_user(tasks, people):
    with audit_context(Channel.CLI, user=people["alice"]):
        judge(user=people["alice"])
    row = judgement(tasks["build"])
    history = row.history.get()
    assert (history.history_type, history.channel, history.history_user) == (
        "+",
        Channel.CLI,
        people["alice"],
    )
    assert row.judged_by == people["alice"]


def test_an_override_survives_rejudging_while_the_proposal_is_refreshed(tasks, people):
    report(tasks["build"], status="lagging")
    judge()
    judging.override(
        tasks["build"], PERIOD, "on_track", "已协调解决，实际进度正常", people["alice"]
    )
    judge()
    row = judgement(tasks["build"])
    assert (row.status, row.source, row.proposed_status) == ("on_track", "override", "lagging")
    assert row.override_reason == "已协调解决，实际进度正常"
    assert row.light == "green" and "lagging_streak" not in row.flags


def test_an_override_to_lagging_gets_a_yellow_light_and_a_streak(tasks, people):
    judging.override(tasks["build"], PERIOD, "lagging", "实地核查发现未开工", people["alice"])
    row = judgement(tasks["build"])
    assert (row.status, row.proposed_status, row.light) == ("lagging", "on_track", "yellow")
    assert row.flags["lagging_streak"] == {"periods": 1}
    assert row.judged_by == people["alice"]
    assert row.history.get().history_user == people["alice"]


def test_an_override_needs_a_reason(tasks, people):
    with pytest.raises(ValueError, match="调整理由"):
        judging.override(tasks["build"], PERIOD, "completed", "  ", people["alice"])
    assert not Judgement.objects.exists()


def test_an_override_needs_a_known_status(tasks, people):
    with pytest.raises(ValueError, match="无效的研判状态"):
        judging.override(tasks["build"], PERIOD, "done", "理由", people["alice"])


def test_an_imported_judgement_keeps_its_status(tasks):
    report(tasks["build"], status="lagging")
    Judgement.objects.create(
        task=tasks["build"],
        period=PERIOD,
        as_of=END_OF_JULY,
        status="completed",
        proposed_status="lagging",
        light="green",
        source=Judgement.Source.IMPORT,
    )
    judge()
    row = judgement(tasks["build"])
    assert (row.status, row.source, row.proposed_status, row.light) == (
        "completed",
        "import",
        "lagging",
        "green",
    )


def test_two_lagging_months_in_a_row_turn_the_light_red(tasks):
    report(tasks["build"], "2022-06", status="lagging")
    judging.judge_period(KeyTask.objects.all(), "2022-06", as_of=dt.date(2022, 6, 30))
    report(tasks["build"], status="lagging")
    judge()
    row = judgement(tasks["build"])
    assert (row.light, row.flags["lagging_streak"]) == ("red", {"periods": 2})


def test_a_missing_previous_judgement_breaks_the_streak(tasks):
    report(tasks["build"], "2022-05", status="lagging")
    judging.judge_period(KeyTask.objects.all(), "2022-05", as_of=dt.date(2022, 5, 31))
    report(tasks["build"], status="lagging")
    judge()
    assert judgement(tasks["build"]).light == "yellow"


def test_thresholds_come_from_the_progress_rules(tasks):
    tasks["build"].target_value = Decimal(100)
    tasks["build"].save()
    report(tasks["build"], value=Decimal(45))  # 7/12 of the year: expected 58, × 0.7 = 40.6
    judge()
    assert "behind_pace" not in judgement(tasks["build"]).flags
    rules = ProgressRules.current()
    rules.pace_threshold = Decimal("0.9")
    rules.save()
    judge()
    assert judgement(tasks["build"]).flags["behind_pace"]["completed"] == 45.0


def test_tasks_of_another_year_are_not_judged(tasks):
    other = KeyTaskFactory(year=2023, lead_unit=tasks["build"].lead_unit)
    results = judge()
    assert other.pk not in results and not Judgement.objects.filter(task=other).exists()


def test_propose_writes_nothing(tasks):
    MilestoneFactory(task=tasks["build"], due=dt.date(2022, 6, 30), description="完成招投标")
    with CaptureQueriesContext(connection) as queries:
        result = judging.propose(tasks["build"], PERIOD, as_of=END_OF_JULY)
    assert result.status == "lagging"
    assert result.flags["milestone_missed"]["description"] == "完成招投标"
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)
    assert not Judgement.objects.exists()


def test_propose_defaults_to_the_periods_last_day_once_it_is_over(tasks):
    tasks["build"].deadline = dt.date(2022, 7, 20)
    tasks["build"].save()
    result = judging.propose(tasks["build"], PERIOD)
    assert result.flags["overdue"]["days"] == 11


def test_judging_needs_a_month(tasks):
    with pytest.raises(ValueError, match="研判按月进行"):
        judging.propose(tasks["build"], "2022-H1")


# ----- duban judge -----


def test_the_command_prints_counts_per_status_and_light_in_chinese(tasks, capsys):
    report(tasks["build"], status="lagging")
    report(tasks["east"], status="completed")
    call_command("judge", "--period", PERIOD, "--as-of", "2022-07-31")
    out = capsys.readouterr().out
    assert "2022年7月研判完成" in out and "共 3 项" in out
    assert "已完成 1 项，推进正常 1 项，推进滞后 1 项；滞后率 33.3%" in out
    assert "绿灯 2 项，蓝灯 0 项，黄灯 1 项，红灯 0 项" in out
    history = judgement(tasks["build"]).history.get()
    assert history.channel == Channel.CLI


def test_the_command_warns_in_one_line_when_the_year_falls_back_to_weekdays(units, capsys):
    KeyTaskFactory(code="G1", year=2040, lead_unit=units["east"], deadline=dt.date(2040, 12, 31))
    call_command("judge", "--period", "2040-03", "--as-of", "2040-03-31")
    captured = capsys.readouterr()
    assert "2040年3月研判完成" in captured.out
    assert captured.err.strip().splitlines() == [
        "注意：2040年没有节假日数据，工作日暂按周一至周五计算；"
        "请在「节假日/调休调整」中录入2040年的放假与调休日期。"
    ]


def test_the_command_mentions_judgements_it_kept(tasks, people, capsys):
    judging.override(tasks["build"], PERIOD, "completed", "已验收", people["alice"])
    call_command("judge", "--period", PERIOD, "--as-of", "2022-07-31")
    assert "其中 1 项为导入或人工调整的结果" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2022-13"], "月份不存在"),
        (["--period", "七月"], "--period 应为报送月份"),
        (["--period", "2022-07", "--as-of", "7月31日"], "--as-of 应为日期"),
        (["--period", "2022-07", "--office", "不存在的街道"], "找不到街道/区"),
    ],
)
def test_the_command_rejects_bad_input_in_chinese(tasks, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("judge", *args)
