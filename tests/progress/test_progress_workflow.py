"""The path of a monthly report: draft, submit, (unit head), accept or return, correct."""

import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.progress import workflow
from duban.progress.models import (
    Judgement,
    PartnerFeedback,
    ProgressRules,
    ReasonCategory,
    Review,
    Submission,
)
from tests.factories import KeyTaskFactory

PERIOD = "2022-07"
State = Submission.State
FILLED = {"progress": "已完成3个小区的改造", "self_status": "on_track", "next_steps": "继续推进"}


def engine_says(monkeypatch, status):
    """Fix the engine's proposal so these tests are about the workflow, not the engine."""
    monkeypatch.setattr(
        "duban.progress.judging.propose",
        lambda task, period, **kwargs: SimpleNamespace(status=status),
    )


@pytest.fixture(autouse=True)
def _engine_on_track(monkeypatch):
    engine_says(monkeypatch, "on_track")


@pytest.fixture
def head_approval(db):
    rules = ProgressRules.current()
    rules.unit_head_approval = True
    rules.save()
    return rules


def draft(tasks, units, people, data=FILLED, who="bob", task="build"):
    return workflow.save_draft(tasks[task], PERIOD, units[task], dict(data), people[who])


def submitted(tasks, units, people, **kwargs):
    submission = draft(tasks, units, people, **kwargs)
    workflow.submit([submission], people[kwargs.get("who", "bob")])
    submission.refresh_from_db()
    return submission


def test_submit_sends_a_draft_to_the_office_and_bumps_the_version(tasks, units, people):
    submission = draft(tasks, units, people)
    assert submission.state == State.DRAFT and submission.version == 0

    workflow.submit([submission], people["bob"])

    submission.refresh_from_db()
    assert submission.state == State.SUBMITTED
    assert submission.version == 1
    assert submission.submitted_by == people["bob"]
    review = Review.objects.get(submission=submission)
    assert (review.action, review.version, review.actor) == ("submit", 1, people["bob"])
    assert submission.history.count() == 2  # the draft and the submitted version


def test_submit_requires_progress_and_self_status(tasks, units, people):
    submission = draft(tasks, units, people, data={"next_steps": "下月开工"})
    with pytest.raises(workflow.SubmissionInvalid) as raised:
        workflow.submit([submission], people["bob"])
    messages = raised.value.errors[tasks["build"].pk]
    assert "请填写进展情况" in messages and "请选择自评状态" in messages
    submission.refresh_from_db()
    assert submission.state == State.DRAFT and not Review.objects.exists()


def test_completed_value_is_kept_only_for_tasks_with_a_target(tasks, units, people):
    counted = KeyTaskFactory(code="MS-09", lead_unit=units["build"], target_value=Decimal("1200"))
    with_target = workflow.save_draft(
        counted,
        PERIOD,
        units["build"],
        {**FILLED, "completed_value": Decimal("300")},
        people["bob"],
    )
    without = draft(tasks, units, people, data={**FILLED, "completed_value": Decimal("300")})
    assert with_target.completed_value == Decimal("300")
    assert without.completed_value is None

    Submission.objects.filter(pk=without.pk).update(completed_value=Decimal("5"))
    without.refresh_from_db()
    with pytest.raises(workflow.SubmissionInvalid) as raised:
        workflow.submit([without], people["bob"])
    assert "该事项没有量化指标，不应填写完成值" in raised.value.errors[tasks["build"].pk]


def test_lagging_by_own_word_requires_reason_and_category(tasks, units, people):
    submission = draft(tasks, units, people, data={**FILLED, "self_status": "lagging"})
    with pytest.raises(workflow.SubmissionInvalid) as raised:
        workflow.submit([submission], people["bob"])
    assert raised.value.errors[tasks["build"].pk] == [
        "推进滞后须填写滞后原因",
        "推进滞后须选择原因类别",
    ]

    category = ReasonCategory.objects.get(name="前期手续与审批")
    submission = draft(
        tasks,
        units,
        people,
        data={
            **FILLED,
            "self_status": "lagging",
            "reason": "规划许可未批",
            "reason_category": category.pk,
        },
    )
    workflow.submit([submission], people["bob"])
    submission.refresh_from_db()
    assert submission.state == State.SUBMITTED and submission.reason_category == category


def test_lagging_by_the_engine_requires_a_reason_too(tasks, units, people, monkeypatch):
    engine_says(monkeypatch, "lagging")
    submission = draft(tasks, units, people)  # the unit says 推进顺利
    with pytest.raises(workflow.SubmissionInvalid) as raised:
        workflow.submit([submission], people["bob"])
    assert any("系统研判该事项推进滞后" in m for m in raised.value.errors[tasks["build"].pk])


def test_accepting_a_report_judges_the_tasks_month_at_once(tasks, units, people):
    submission = draft(tasks, units, people)
    workflow.submit([submission], people["bob"])
    submission.refresh_from_db()
    workflow.accept(submission, people["alice"])
    judgement = Judgement.objects.get(task=tasks["build"], period=submission.period)
    assert judgement.status in {"completed", "on_track", "lagging"}
    assert judgement.judged_by == people["alice"]


def test_a_batch_with_one_incomplete_report_submits_nothing(tasks, units, people):
    second = KeyTaskFactory(code="MS-05", lead_unit=units["build"])
    good = draft(tasks, units, people)
    bad = workflow.save_draft(second, PERIOD, units["build"], {"progress": ""}, people["bob"])
    with pytest.raises(workflow.SubmissionInvalid) as raised:
        workflow.submit([good, bad], people["bob"])
    assert list(raised.value.errors) == [second.pk]
    assert set(Submission.objects.values_list("state", flat=True)) == {State.DRAFT}
    assert not Review.objects.exists()


def test_with_head_approval_a_reporters_report_waits_for_the_head(
    tasks, units, people, head_approval
):
    submission = submitted(tasks, units, people)
    assert submission.state == State.PENDING_HEAD

    with pytest.raises(workflow.WorkflowError):
        workflow.accept(submission, people["alice"])  # not yet the office's turn
    with pytest.raises(workflow.WorkflowError, match="本单位负责人"):
        workflow.head_approve(submission, people["bob"])

    workflow.head_approve(submission, people["hank"], "同意")
    submission.refresh_from_db()
    assert submission.state == State.SUBMITTED
    assert list(submission.reviews.values_list("action", flat=True)) == ["submit", "head_approve"]


def test_with_head_approval_the_heads_own_report_goes_straight_to_the_office(
    tasks, units, people, head_approval
):
    submission = submitted(tasks, units, people, who="hank")
    assert submission.state == State.SUBMITTED


def test_without_head_approval_a_reporters_report_goes_to_the_office(tasks, units, people):
    assert ProgressRules.current().unit_head_approval is False
    assert submitted(tasks, units, people).state == State.SUBMITTED


def test_head_return_requires_a_comment_and_reopens_the_report(tasks, units, people, head_approval):
    submission = submitted(tasks, units, people)
    with pytest.raises(workflow.WorkflowError, match="退回意见"):
        workflow.head_return(submission, people["hank"], "  ")
    workflow.head_return(submission, people["hank"], "数据再核实")
    submission.refresh_from_db()
    assert submission.state == State.RETURNED
    assert submission.reviews.last().comment == "数据再核实"


def test_office_return_requires_a_comment(tasks, units, people):
    submission = submitted(tasks, units, people)
    with pytest.raises(workflow.WorkflowError, match="退回须填写退回意见"):
        workflow.return_(submission, people["alice"], "")
    submission.refresh_from_db()
    assert submission.state == State.SUBMITTED


def test_resubmitting_after_a_return_bumps_the_version_and_keeps_every_version(
    tasks, units, people
):
    submission = submitted(tasks, units, people)
    workflow.return_(submission, people["alice"], "请补充完成户数")

    fixed = draft(tasks, units, people, data={**FILLED, "progress": "已完成3个小区、1200户"})
    assert fixed.pk == submission.pk and fixed.state == State.RETURNED  # still editable
    workflow.submit([fixed], people["bob"])
    fixed.refresh_from_db()

    assert fixed.state == State.SUBMITTED and fixed.version == 2
    assert [(r.action, r.version) for r in fixed.reviews.all()] == [
        ("submit", 1),
        ("return", 1),
        ("submit", 2),
    ]
    texts = list(
        fixed.history.order_by("history_date", "history_id").values_list("progress", flat=True)
    )
    assert texts[0] == FILLED["progress"] and texts[-1] == "已完成3个小区、1200户"
    assert fixed.history.count() == 5  # draft, submitted, returned, edited, resubmitted


def test_an_accepted_report_changes_only_through_a_correction(tasks, units, people):
    submission = submitted(tasks, units, people)
    workflow.accept(submission, people["alice"])
    submission.refresh_from_db()
    assert submission.state == State.ACCEPTED

    with pytest.raises(workflow.WorkflowError, match="不能修改"):
        draft(tasks, units, people, data={**FILLED, "progress": "偷偷改"})
    with pytest.raises(workflow.WorkflowError, match="只有督查管理员"):
        workflow.correct(submission, people["bob"], {"progress": "改"}, "理由")
    with pytest.raises(workflow.WorkflowError, match="更正理由"):
        workflow.correct(submission, people["alice"], {"progress": "改"}, "")

    workflow.correct(submission, people["alice"], {"progress": "已完成4个小区"}, "区住建委数据更新")
    submission.refresh_from_db()
    assert submission.progress == "已完成4个小区"
    assert submission.state == State.ACCEPTED and submission.version == 2
    correction = submission.reviews.last()
    assert (correction.action, correction.comment) == ("correct", "区住建委数据更新")
    assert submission.history.filter(progress=FILLED["progress"]).exists()  # old text kept


def test_a_correction_from_a_stale_page_is_refused(tasks, units, people):
    submission = submitted(tasks, units, people)
    workflow.accept(submission, people["alice"])
    stale = Submission.objects.get(pk=submission.pk)
    workflow.correct(
        Submission.objects.get(pk=submission.pk), people["alice"], {"progress": "一"}, "r"
    )
    with pytest.raises(workflow.WorkflowError, match="刷新"):
        workflow.correct(stale, people["alice"], {"progress": "二"}, "r")
    assert Submission.objects.get(pk=submission.pk).progress == "一"


@pytest.mark.parametrize(
    "action",
    [
        lambda s, p: workflow.accept(s, p["alice"]),
        lambda s, p: workflow.return_(s, p["alice"], "意见"),
        lambda s, p: workflow.head_approve(s, p["hank"]),
        lambda s, p: workflow.correct(s, p["alice"], {"progress": "x"}, "理由"),
    ],
)
def test_a_draft_cannot_be_accepted_returned_approved_or_corrected(action, tasks, units, people):
    submission = draft(tasks, units, people)
    with pytest.raises(workflow.WorkflowError):
        action(submission, people)
    submission.refresh_from_db()
    assert submission.state == State.DRAFT and not Review.objects.exists()


def test_two_reviewers_acting_at_once_cannot_both_win(tasks, units, people):
    submission = submitted(tasks, units, people)
    first, second = (
        Submission.objects.get(pk=submission.pk),
        Submission.objects.get(pk=submission.pk),
    )
    workflow.accept(first, people["alice"])
    with pytest.raises(workflow.WorkflowError, match="已采纳"):
        workflow.return_(second, people["alice"], "晚了一步")
    assert Submission.objects.get(pk=submission.pk).state == State.ACCEPTED
    assert list(Review.objects.values_list("action", flat=True)) == ["submit", "accept"]


def test_a_submitted_report_cannot_be_submitted_again(tasks, units, people):
    submission = submitted(tasks, units, people)
    with pytest.raises(workflow.SubmissionInvalid):
        workflow.submit([submission], people["bob"])


def test_another_unit_cannot_report_on_a_task(tasks, units, people):
    with pytest.raises(workflow.WorkflowError, match="不是该事项的牵头单位"):
        workflow.save_draft(tasks["build"], PERIOD, units["east"], FILLED, people["carol"])
    with pytest.raises(workflow.WorkflowError, match="只有本单位"):
        workflow.save_draft(tasks["build"], PERIOD, units["build"], FILLED, people["carol"])
    assert not Submission.objects.exists()


def test_a_reporter_cannot_accept(tasks, units, people):
    submission = submitted(tasks, units, people)
    with pytest.raises(workflow.WorkflowError, match="只有督查管理员"):
        workflow.accept(submission, people["bob"])


# ----- 佐证材料 -----

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def office_file(kind):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if kind:
            archive.writestr(f"{kind}/document.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("现场照片.png", PNG),
        ("照片.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
        ("动图.gif", b"GIF89a" + b"\x00" * 32),
        ("验收报告.pdf", PDF),
        ("会议纪要.docx", office_file("word")),
        ("进度表.xlsx", office_file("xl")),
        ("旧文档.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32),
    ],
)
def test_allowed_evidence_is_stored(name, content, tasks, units, people, settings):
    submission = draft(tasks, units, people)
    item = workflow.add_evidence(submission, SimpleUploadedFile(name, content), people["bob"])
    assert item.name == name and item.size == len(content)
    assert (settings.MEDIA_ROOT / item.file.name).read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ\x90\x00", "类型不允许"),
        ("没有扩展名", PNG, "类型不允许"),
        ("假照片.png", PDF, "内容与扩展名不符"),
        ("假报告.pdf", b"<html>", "内容与扩展名不符"),
        ("压缩包改名.docx", office_file(None), "内容与扩展名不符"),
        ("空文件.pdf", b"", "空文件"),
    ],
)
def test_evidence_of_a_wrong_type_is_refused(name, content, message, tasks, units, people):
    submission = draft(tasks, units, people)
    with pytest.raises(workflow.WorkflowError, match=message):
        workflow.add_evidence(submission, SimpleUploadedFile(name, content), people["bob"])
    assert not submission.evidence.exists()


def test_evidence_over_20_mb_is_refused(tasks, units, people):
    submission = draft(tasks, units, people)
    big = SimpleUploadedFile("大文件.pdf", PDF)
    big.size = 20 * 1024 * 1024 + 1
    with pytest.raises(workflow.WorkflowError, match="超过 20 MB"):
        workflow.add_evidence(submission, big, people["bob"])


def test_evidence_cannot_be_added_once_submitted(tasks, units, people):
    submission = submitted(tasks, units, people)
    with pytest.raises(workflow.WorkflowError, match="不能再上传"):
        workflow.add_evidence(submission, SimpleUploadedFile("a.png", PNG), people["bob"])


# ----- 协同反馈 -----


def test_a_partner_unit_gives_feedback_once_per_month(tasks, units, people):
    workflow.save_feedback(
        tasks["east"], PERIOD, units["build"], "已配合完成管线迁改", people["bob"]
    )
    workflow.save_feedback(tasks["east"], PERIOD, units["build"], "管线迁改完成80%", people["bob"])
    feedback = PartnerFeedback.objects.get()
    assert feedback.note == "管线迁改完成80%" and feedback.history.count() == 2


@pytest.mark.parametrize(
    ("task", "unit", "who"),
    [("build", "build", "bob"), ("east", "east", "carol"), ("west", "build", "bob")],
)
def test_only_partner_units_give_feedback(task, unit, who, tasks, units, people):
    with pytest.raises(workflow.WorkflowError, match="不是该事项的协同单位"):
        workflow.save_feedback(tasks[task], PERIOD, units[unit], "反馈", people[who])
    assert not PartnerFeedback.objects.exists()


def test_a_partner_of_another_unit_cannot_write_for_it(tasks, units, people):
    with pytest.raises(workflow.WorkflowError, match="只有本单位"):
        workflow.save_feedback(tasks["east"], PERIOD, units["build"], "反馈", people["carol"])
