"""The batch sheet: drafts that do not pile up, the month that starts from last month,
completed tasks not asked again, and the engine's proposal shown before submit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from duban.ledger.models import KeyTask, Milestone
from duban.progress import workflow
from duban.progress.models import ReasonCategory, Submission
from tests.factories import judge

State = Submission.State
FILLED = {"progress": "完成3个小区改造", "self_status": "on_track", "next_steps": "继续推进"}


def batch_url(period):
    return reverse("progress:batch") + f"?period={period}"


def row(task, **values):
    return {f"t{task.pk}-{name}": value for name, value in values.items()}


@pytest.fixture
def build(tasks):
    """MS-01 with a target of 100 个 and a milestone in June: the engine has things to say."""
    task = tasks["build"]
    KeyTask.objects.filter(pk=task.pk).update(target_value=Decimal("100"), target_unit="个")
    Milestone.objects.create(task=task, due=dt.date(2022, 6, 30), description="完成方案设计")
    task.refresh_from_db()
    return task


# ----- drafts do not pile up as versions -----


def test_a_draft_save_that_changes_nothing_writes_nothing(tasks, units, people):
    task = tasks["build"]
    submission = workflow.save_draft(task, "2022-07", units["build"], FILLED, people["bob"])
    stamp = submission.updated_at
    again = workflow.save_draft(task, "2022-07", units["build"], dict(FILLED), people["bob"])
    again.refresh_from_db()
    assert again.updated_at == stamp
    assert submission.history.count() == 1


def test_consecutive_draft_saves_of_one_version_keep_one_row(tasks, units, people):
    task = tasks["build"]
    for text in ("第一稿", "第二稿", "第三稿"):
        workflow.save_draft(
            task, "2022-07", units["build"], {**FILLED, "progress": text}, people["bob"]
        )
    submission = Submission.objects.get(task=task)
    rows = list(submission.history.all())
    assert len(rows) == 1 and rows[0].progress == "第三稿" and rows[0].version == 0

    workflow.submit([submission], people["bob"])
    workflow.return_(Submission.objects.get(pk=submission.pk), people["alice"], "补充")
    for text in ("改一", "改二"):
        workflow.save_draft(
            task, "2022-07", units["build"], {**FILLED, "progress": text}, people["bob"]
        )
    versions = list(submission.history.order_by("history_date", "history_id"))
    assert [(v.version, v.state, v.progress) for v in versions] == [
        (0, "draft", "第三稿"),
        (1, "submitted", "第三稿"),
        (1, "returned", "第三稿"),
        (1, "returned", "改二"),
    ]


def test_another_persons_draft_save_keeps_its_own_row(tasks, units, people):
    task = tasks["build"]
    workflow.save_draft(task, "2022-07", units["build"], FILLED, people["bob"])
    workflow.save_draft(
        task, "2022-07", units["build"], {**FILLED, "progress": "负责人改"}, people["hank"]
    )
    assert Submission.objects.get(task=task).history.count() == 2


def test_saving_the_sheet_twice_unchanged_adds_no_version(client, tasks, people):
    client.force_login(people["bob"])
    data = {"action": "save", **row(tasks["build"], **FILLED)}
    client.post(batch_url("2022-07"), data)
    client.post(batch_url("2022-07"), data)
    assert Submission.objects.get(task=tasks["build"]).history.count() == 1


# ----- a month starts from last month -----


def test_a_new_month_shows_last_months_next_steps_as_its_starting_point(
    client, build, units, people
):
    last = workflow.save_draft(
        build,
        "2022-06",
        units["build"],
        {**FILLED, "completed_value": Decimal("40"), "next_steps": "7月完成方案设计"},
        people["bob"],
    )
    workflow.submit([last], people["bob"])
    client.force_login(people["bob"])
    response = client.get(batch_url("2022-07"))
    html = response.content.decode()
    card = html.split(f'id="row-{build.pk}"', 1)[1].split("</article>", 1)[0]
    assert "上月下步措施（本月工作起点）" in card and "7月完成方案设计" in card
    assert "上月情况（2022年6月，待党政办审核）" in card
    form = response.context["rows"][0].form
    assert form["completed_value"].value() == Decimal("40")
    assert form["progress"].value() in ("", None)  # not copied as this month's progress
    assert form["next_steps"].value() in ("", None)

    # a carried figure alone is not typing: saving the sheet creates no July draft
    client.post(batch_url("2022-07"), {"action": "save", **row(build, completed_value="40")})
    assert not Submission.objects.filter(period="2022-07").exists()


def test_a_completed_task_is_not_asked_again(client, tasks, people):
    judge(tasks["build"], "completed", period="2022-06")
    client.force_login(people["bob"])
    html = client.get(batch_url("2022-07")).content.decode()
    assert f'id="row-{tasks["build"].pk}"' not in html
    assert "另有 1 项已完成，本月无须填报" in html and "重新打开" in html


def test_reporting_on_track_never_silently_cancels_a_completion(tasks, units, people):
    judge(tasks["build"], "completed", period="2022-07")
    submission = workflow.save_draft(
        tasks["build"], "2022-07", units["build"], FILLED, people["bob"]
    )
    with pytest.raises(workflow.SubmissionInvalid) as refused:
        workflow.submit([submission], people["bob"])
    assert "已研判为“已完成”" in str(refused.value) and "重新打开" in str(refused.value)
    done = workflow.save_draft(
        tasks["build"],
        "2022-07",
        units["build"],
        {**FILLED, "self_status": "completed"},
        people["bob"],
    )
    workflow.submit([done], people["bob"])  # saying completed again is fine


# ----- the engine's proposal before submit -----


def test_each_card_shows_the_engines_proposal_and_why(client, build, people):
    client.force_login(people["bob"])
    response = client.get(batch_url("2022-07"))
    proposal = response.context["rows"][0].proposal
    assert proposal["status"] == "lagging" and proposal["needs_reason"]
    assert any("完成方案设计" in reason for reason in proposal["reasons"])
    card = response.content.decode().split(f'id="row-{build.pk}"', 1)[1].split("</article>", 1)[0]
    assert "needs-reason" in card.split(">", 1)[0]  # 滞后原因 and 原因类别 marked required
    assert "推进滞后" in card and "完成方案设计" in card


def test_the_proposal_endpoint_answers_for_the_values_typed(client, build, people):
    client.force_login(people["bob"])
    url = reverse("progress:propose")
    base = {"task": build.pk, "period": "2022-07"}

    lagging = client.get(url, {**base, "self_status": "on_track", "completed_value": "10"}).json()
    assert lagging["status"] == "lagging" and lagging["needs_reason"]
    assert any("低于序时进度" in r for r in lagging["reasons"])
    done = client.get(url, {**base, "self_status": "on_track", "completed_value": "100.00"}).json()
    assert (done["status"], done["light"], done["needs_reason"]) == ("completed", "green", False)
    assert not Submission.objects.exists()  # nothing written


@pytest.mark.parametrize(
    "params, message",
    [
        ({"task": "x", "period": "2022-07"}, "无效的事项编号"),
        ({"task": "", "period": "2022-07"}, "无效的事项编号"),
        ({"period": "2022-13"}, "月"),
        ({"period": "2021-07"}, "报送周期应为 2022 年的月份"),
        ({"period": "2022-07", "completed_value": "abc"}, "完成值"),
        ({"period": "2022-07", "self_status": "done"}, "自评状态"),
    ],
)
def test_the_proposal_endpoint_refuses_bad_input_in_chinese(client, build, people, params, message):
    client.force_login(people["bob"])
    params = {"task": build.pk, **params}
    response = client.get(reverse("progress:propose"), params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_proposal_endpoint_hides_other_units_tasks(client, tasks, people):
    client.force_login(people["carol"])
    response = client.get(
        reverse("progress:propose"), {"task": tasks["west"].pk, "period": "2022-07"}
    )
    assert response.status_code == 404
    client.logout()
    assert client.get(reverse("progress:propose"), {"task": tasks["west"].pk}).status_code == 302


def test_the_engine_lagging_rule_uses_the_values_being_submitted(build, units, people):
    """Behind pace without a value, on pace with this month's value: no reason asked."""
    category = ReasonCategory.objects.first()
    assert category is not None
    Milestone.objects.filter(task=build).delete()
    submission = workflow.save_draft(
        build,
        "2022-07",
        units["build"],
        {**FILLED, "completed_value": Decimal("60")},
        people["bob"],
    )
    assert workflow.problems(submission) == []
    submission = workflow.save_draft(
        build, "2022-07", units["build"], {**FILLED, "completed_value": Decimal("5")}, people["bob"]
    )
    assert "系统研判该事项推进滞后，须填写滞后原因" in workflow.problems(submission)
