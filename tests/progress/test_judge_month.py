"""研判本月 and the rule behind it: a month that has begun to be judged is judged whole, so
the dashboard, 工作台, the ledger and the report show one set of figures."""

import pytest
from django.urls import reverse

from duban.progress import explain, judging, workflow
from duban.progress.models import Judgement, Submission
from duban.reports import dashboard
from duban.reports import figures as F
from duban.workbench import todo
from tests.factories import KeyTaskFactory

PERIOD = "2022-08"


@pytest.fixture
def august(tasks, units, people):
    """Seven more tasks, then one unit's August report accepted — the moment the issue
    describes, when pages used to disagree."""
    for n in range(7):
        KeyTaskFactory(code=f"X-{n}", lead_unit=units["west"])
    submission = workflow.save_draft(
        tasks["build"],
        PERIOD,
        units["build"],
        {"progress": "完成3个小区外立面改造", "self_status": "on_track"},
        people["bob"],
    )
    workflow.submit([submission], people["bob"])
    submission.refresh_from_db()
    workflow.accept(submission, people["alice"])
    return submission


def test_accepting_one_report_judges_the_whole_month(august, tasks):
    assert Judgement.objects.filter(period=PERIOD).count() == 10
    mine = Judgement.objects.get(task=tasks["build"], period=PERIOD)
    others = Judgement.objects.filter(period=PERIOD).exclude(task=tasks["build"])
    assert mine.judged_by is not None  # the reviewer's acceptance confirms this one
    assert not others.filter(judged_by__isnull=False).exists()  # the engine's, to confirm


def test_dashboard_report_and_workbench_agree_on_the_month(august, people, office, time_machine):
    time_machine.move_to("2022-08-31 18:00 +08:00", tick=False)
    board = dashboard.build(people["lily"], year=2022)
    report = F.monthly(office, PERIOD)
    bench = todo.build(people["alice"])
    assert board["month"] == PERIOD and bench.judged.key == PERIOD
    assert board["kpi"]["unjudged"] == 0
    assert board["kpi"]["lagging"] == report["overall"]["lagging"]
    assert board["kpi"]["lag_rate"] == report["overall"]["lag_rate"]
    red = Judgement.objects.filter(period=PERIOD, light="red").count()
    assert len(bench.red) == red


def test_the_page_shows_proposals_with_reasons_and_confirms_them_all(
    august, client, people, office
):
    client.force_login(people["alice"])
    url = reverse("progress:judge_month") + f"?period={PERIOD}"
    page = client.get(url).content.decode()
    assert "系统建议" in page and "待确认" in page
    assert "本月尚未报送进展" in page  # a reason in words, for the tasks not reported
    response = client.post(
        reverse("progress:judge_month"),
        {"office": office.pk, "period": PERIOD, "action": "confirm_all"},
    )
    assert response.status_code == 302
    assert not Judgement.objects.filter(period=PERIOD, judged_by__isnull=True).exists()
    assert "待确认" not in client.get(url).content.decode()


def test_confirming_ticked_items_judges_the_rest_of_the_month_unconfirmed(
    client, people, tasks, office
):
    client.force_login(people["alice"])
    client.post(
        reverse("progress:judge_month"),
        {"office": office.pk, "period": PERIOD, "action": "confirm", "task": [tasks["east"].pk]},
    )
    rows = {j.task_id: j for j in Judgement.objects.filter(period=PERIOD)}
    assert set(rows) == {t.pk for t in tasks.values()}
    assert rows[tasks["east"].pk].judged_by == people["alice"]
    assert rows[tasks["west"].pk].judged_by is None


@pytest.mark.parametrize("who", ["lily", "bob", "rita"])
def test_only_the_supervisor_judges(client, people, tasks, who):
    client.force_login(people[who])
    assert client.get(reverse("progress:judge_month")).status_code == 403


def test_a_bad_month_falls_back_with_a_message(client, people, tasks):
    client.force_login(people["alice"])
    response = client.get(reverse("progress:judge_month") + "?period=2022-13")
    assert response.status_code == 200
    assert "月份不存在" in response.content.decode()


def test_reasons_are_said_in_words():
    flags = {
        "overdue": {"days": 12, "workdays": 8},
        "milestone_missed": {"description": "完成招投标", "due": "2022-06-30", "count": 2},
        "behind_pace": {"completed": 100.0, "expected": 1200.0, "share": 0.58},
        "lagging_streak": {"periods": 3},
        "no_update": {"period": "2022-07"},
    }
    assert explain.reasons("lagging", flags) == [
        "已超过完成时限12天",
        "节点“完成招投标”（6月30日）等2个节点未按期完成",
        "完成值100，低于序时进度（按时间进度应完成约1200）",
        "已连续3期推进滞后",
        "本月尚未报送进展",
    ]


def test_an_override_in_an_unjudged_month_judges_the_rest(tasks, people):
    judging.override(tasks["build"], PERIOD, "lagging", "实地核查未开工", people["alice"])
    assert Judgement.objects.filter(period=PERIOD).count() == 3
    assert Submission.objects.count() == 0


def test_figures_in_reasons_are_rounded_as_a_sentence_says_them():
    flags = {"behind_pace": {"completed": 3.0, "expected": 6.96, "share": 0.5}}
    assert explain.reasons("lagging", flags, unit="个") == [
        "完成值3个，低于序时进度（按时间进度应完成约7个）"
    ]


def test_the_month_sorts_most_serious_first_and_exports(august, client, people):
    from io import BytesIO

    import openpyxl

    client.force_login(people["alice"])
    url = reverse("progress:judge_month")
    rows = client.get(url, {"period": PERIOD, "sort": "proposal"}).context["rows"]
    ranks = [explain.light_rank(r["proposal"].light) for r in rows]
    assert ranks == sorted(ranks)
    codes = [
        r["task"].code for r in client.get(url, {"period": PERIOD, "sort": "-code"}).context["rows"]
    ]
    assert codes == sorted(codes, reverse=True)
    response = client.get(url, {"period": PERIOD, "sort": "-code", "export": "xlsx"})
    sheet = list(
        openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert sheet[0] == ("编号", "事项名称", "牵头单位", "系统建议", "预警", "依据", "当前研判")
    assert [r[0] for r in sheet[1:]] == codes
    assert "推进正常（待确认）" in [r[6] for r in sheet[1:]] or "推进滞后（待确认）" in [
        r[6] for r in sheet[1:]
    ]
