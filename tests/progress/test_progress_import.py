"""进展导入: the office enters a month from Excel, as its accepted judgement.

Most tests put a small stand-in engine in place of `judging.Proposer.propose`, so
that they say what the import does with the engine's answer whatever the engine's
rules are; the stand-in reads the submission the import would write (or, when the
row changes nothing, the stored one), so it also shows that the engine judges the
row's report. Some tests ask the real engine.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from duban.core import audit
from duban.ledger.models import KeyTask
from duban.progress.importer import ProgressImport
from duban.progress.models import Judgement, ReasonCategory, Review, Submission
from tests.factories import KeyTaskFactory
from tests.ledger.test_ledger_cli import cli_env, duban  # noqa: F401  (the real command line)
from tests.xlsx import read_sheet, write_ledger

HEADERS = ["编号", "进展情况", "状态", "滞后原因", "原因类别", "下步措施", "完成值"]
PERIOD = "2022-07"


def write_progress(path, rows, headers=HEADERS):
    return write_ledger(path, rows, headers=headers)


def three_rows():
    return [
        {
            "编号": "MS-01",
            "进展情况": "已完成2个小区改造",
            "状态": "推进正常",
            "下步措施": "推进第3个小区",
            "完成值": 2,
        },
        {
            "编号": "MS-02",
            "进展情况": "食堂已建成并开业",
            "状态": "已完成",
        },
        {
            "编号": "ZB-01",
            "进展情况": "分类驿站建设滞后于计划",
            "状态": "推进滞后",
            "滞后原因": "选址未获居民同意",
            "原因类别": "前期手续与审批",
            "下步措施": "召开居民议事会",
        },
    ]


@dataclass(frozen=True)
class Proposal:
    status: str
    light: str
    flags: dict = field(default_factory=dict)


@pytest.fixture
def engine(monkeypatch):
    """A stand-in `Proposer.propose`: lagging when the submission's progress says 滞后,
    completed when it reaches the target, on track otherwise — the submission the
    import would write when it is given one, else the stored one. Returns its calls."""
    calls = []

    def propose(self, task, submission=None):
        period = self.period.key
        if submission is None:
            submission = Submission.objects.filter(task=task, period=period).first()
        calls.append((task.code, period))
        if submission is None:
            return Proposal("on_track", "green", {"no_update": {"period": period}})
        if "滞后" in submission.progress:
            return Proposal("lagging", "yellow", {"seen": submission.progress})
        if task.target_value and (submission.completed_value or 0) >= task.target_value:
            return Proposal("completed", "green", {"seen": submission.progress})
        return Proposal("on_track", "green", {"seen": submission.progress})

    monkeypatch.setattr("duban.progress.judging.Proposer.propose", propose)
    return calls


@pytest.fixture
def month(tasks, engine, tmp_path):
    """The three conftest tasks, MS-01 with a target of 3 个; the three-row file."""
    KeyTask.objects.filter(pk=tasks["build"].pk).update(target_value=Decimal("3"), target_unit="个")
    return write_progress(tmp_path / "7月进展.xlsx", three_rows())


def preview(office, path, period=PERIOD, **kwargs):
    return ProgressImport(office, period, **kwargs).preview(path)


def apply(office, path, period=PERIOD, **kwargs):
    return ProgressImport(office, period, **kwargs).apply(path)


def errors_of(report):
    return [str(error) for error in report.errors]


def counts():
    return {
        "submissions": Submission.objects.count(),
        "judgements": Judgement.objects.count(),
        "reviews": Review.objects.count(),
        "submission history": Submission.history.count(),
        "judgement history": Judgement.history.count(),
    }


def judgement(code, period=PERIOD):
    return Judgement.objects.get(task__code=code, period=period)


def submission(code, period=PERIOD):
    return Submission.objects.get(task__code=code, period=period)


# ----- creating -----


def test_each_row_becomes_an_accepted_submission_of_the_lead_unit(office, month, units):
    report = apply(office, month)

    assert report.ok and report.applied, errors_of(report)
    assert [c.key for c in report.created] == ["MS-01", "MS-02", "ZB-01"]
    first = submission("MS-01")
    assert first.state == Submission.State.ACCEPTED
    assert first.unit == units["build"]
    assert first.progress == "已完成2个小区改造"
    assert first.self_status == Submission.SelfStatus.ON_TRACK
    assert first.next_steps == "推进第3个小区"
    assert first.completed_value == Decimal("2")
    assert first.version == 1
    lagging = submission("ZB-01")
    assert lagging.unit == units["west"]
    assert lagging.self_status == Submission.SelfStatus.LAGGING
    assert lagging.reason == "选址未获居民同意"
    assert lagging.reason_category.name == "前期手续与审批"
    assert submission("MS-02").self_status == Submission.SelfStatus.COMPLETED


def test_each_row_leaves_one_accept_review_marked_as_the_excel_import(office, month, people):
    apply(office, month, user=people["alice"])

    reviews = list(Review.objects.order_by("submission__task__code"))
    assert [(r.submission.task.code, r.action, r.comment, r.version, r.actor) for r in reviews] == [
        ("MS-01", Review.Action.ACCEPT, "Excel 导入", 1, people["alice"]),
        ("MS-02", Review.Action.ACCEPT, "Excel 导入", 1, people["alice"]),
        ("ZB-01", Review.Action.ACCEPT, "Excel 导入", 1, people["alice"]),
    ]
    assert submission("MS-01").submitted_by == people["alice"]


def test_each_row_becomes_the_imported_judgement_with_the_engines_proposal(office, month):
    apply(office, month)

    first = judgement("MS-01")
    assert first.source == Judgement.Source.IMPORT
    assert first.status == "on_track"
    assert (first.proposed_status, first.light) == ("on_track", "green")
    assert first.flags == {"seen": "已完成2个小区改造"}
    # the office's word stands even where the engine would say otherwise
    done = judgement("MS-02")
    assert (done.status, done.proposed_status) == ("completed", "on_track")
    lagging = judgement("ZB-01")
    assert (lagging.status, lagging.proposed_status, lagging.light) == (
        "lagging",
        "lagging",
        "yellow",
    )
    assert lagging.reason == "选址未获居民同意"
    assert lagging.reason_category.name == "前期手续与审批"


def test_a_past_month_is_judged_as_of_its_last_day(office, month):
    apply(office, month)

    assert judgement("MS-01").as_of == dt.date(2022, 7, 31)


def test_the_current_month_is_judged_as_of_today(office, month):
    with time_machine.travel(dt.datetime(2022, 7, 20, 10, 0), tick=False):
        apply(office, month)

    assert judgement("MS-01").as_of == dt.date(2022, 7, 20)


def test_the_import_writes_history_in_one_batch_through_the_import_channel(office, month, people):
    report = apply(office, month, user=people["alice"])

    rows = list(Submission.history.all()) + list(Judgement.history.all())
    assert len(rows) == 6
    assert {(r.history_type, r.channel, r.batch_id, r.history_user) for r in rows} == {
        ("+", audit.Channel.IMPORT, report.batch_id, people["alice"])
    }


@pytest.mark.parametrize(
    "word, status",
    [
        ("已完成", "completed"),
        ("推进顺利", "on_track"),
        ("推进正常", "on_track"),
        ("顺利", "on_track"),
        ("正常", "on_track"),
        ("推进滞后", "lagging"),
        ("滞后", "lagging"),
        (" 推进 正常 ", "on_track"),
    ],
)
def test_every_accepted_status_word_is_understood(office, tasks, engine, tmp_path, word, status):
    path = write_progress(
        tmp_path / "status.xlsx",
        [{"编号": "MS-02", "进展情况": "按计划推进", "状态": word, "滞后原因": "资金未到位"}],
    )

    report = apply(office, path)

    assert report.ok, errors_of(report)
    assert judgement("MS-02").status == status
    assert submission("MS-02").self_status == status


def test_the_light_never_contradicts_the_status_the_office_set(office, month, tmp_path):
    rows = three_rows()
    # the stand-in engine calls MS-01 lagging (its progress says 滞后); the office says done
    rows[0].update(进展情况="曾经滞后，现已完成", 状态="已完成")
    # ... and calls MS-02 on track; the office says lagging
    rows[1].update(状态="推进滞后", 滞后原因="厨房设备未到货")

    apply(office, write_progress(tmp_path / "office.xlsx", rows))

    done = judgement("MS-01")
    assert (done.status, done.proposed_status, done.light, done.flags) == (
        "completed",
        "lagging",
        "green",
        {},
    )
    lagging = judgement("MS-02")
    assert (lagging.status, lagging.proposed_status, lagging.light) == (
        "lagging",
        "on_track",
        "yellow",
    )
    assert lagging.flags["lagging_streak"] == {"periods": 1}


def test_lagging_again_after_a_lagging_month_turns_the_light_red(office, month, tasks):
    Judgement.objects.create(
        task=tasks["west"],
        period="2022-06",
        as_of=dt.date(2022, 6, 30),
        status="lagging",
        proposed_status="lagging",
        light="yellow",
    )

    apply(office, month)

    lagging = judgement("ZB-01")
    assert (lagging.status, lagging.light) == ("lagging", "red")
    assert lagging.flags["lagging_streak"] == {"periods": 2}


# ----- a blank 状态: the engine decides -----


def test_a_blank_status_takes_the_engines_judgement_of_the_written_submission(
    office, month, tmp_path, engine
):
    rows = three_rows()
    rows[0].update(状态=None, 进展情况="受台风影响，施工进度滞后")
    rows[1].update(状态=None)

    report = apply(office, write_progress(tmp_path / "blank.xlsx", rows))

    assert report.ok, errors_of(report)
    # before the write the engine would have found no report and said "on track"
    assert judgement("MS-01").status == "lagging"
    assert judgement("MS-01").proposed_status == "lagging"
    assert judgement("MS-01").flags == {
        "seen": "受台风影响，施工进度滞后",
        "lagging_streak": {"periods": 1},
    }
    assert judgement("MS-02").status == "on_track"
    assert submission("MS-01").self_status == ""


def test_a_blank_status_takes_the_real_engines_judgement(office, tasks, tmp_path):
    """Asks the real `duban.progress.judging.propose` (written alongside this import)."""
    from duban.progress.judging import propose

    path = write_progress(
        tmp_path / "blank.xlsx",
        [
            {"编号": "MS-01", "进展情况": "方案设计已完成"},
            {"编号": "ZB-01", "进展情况": "全部完成并通过验收", "状态": "已完成"},
        ],
    )

    report = apply(office, path)

    assert report.ok, errors_of(report)
    proposal = propose(tasks["build"], PERIOD)
    first = judgement("MS-01")
    assert (first.source, first.status, first.proposed_status, first.light) == (
        Judgement.Source.IMPORT,
        proposal.status,
        proposal.status,
        proposal.light,
    )
    assert first.flags == proposal.flags
    assert first.status in {"completed", "on_track", "lagging"}
    given = judgement("ZB-01")
    assert given.status == "completed"
    assert given.proposed_status == propose(tasks["west"], PERIOD).status


def test_a_later_engine_run_keeps_the_imported_judgement_as_it_is(office, tasks, tmp_path):
    """The real engine: `judge_period` refreshes an imported judgement the same way the
    import wrote it, so it changes nothing, and a re-import after it changes nothing."""
    from duban.progress.judging import judge_period

    KeyTask.objects.filter(pk=tasks["build"].pk).update(deadline=dt.date(2022, 7, 15))
    path = write_progress(
        tmp_path / "real.xlsx",
        [
            # the engine finds the task overdue; the office says on track
            {"编号": "MS-01", "进展情况": "方案仍在修改", "状态": "推进正常"},
            {"编号": "MS-02", "进展情况": "设备已到货"},
            {"编号": "ZB-01", "进展情况": "已建成", "状态": "已完成"},
        ],
    )
    apply(office, path)
    before = counts()
    stored = {
        j.task.code: (j.status, j.light, j.proposed_status, j.flags)
        for j in Judgement.objects.all()
    }

    judge_period(KeyTask.objects.filter(office=office), PERIOD)

    assert counts() == before
    after = {
        j.task.code: (j.status, j.light, j.proposed_status, j.flags)
        for j in Judgement.objects.all()
    }
    assert after == stored
    assert stored["MS-01"][:3] == ("on_track", "red", "lagging")
    assert "overdue" in stored["MS-01"][3]
    assert "lagging_streak" not in stored["MS-01"][3]
    assert stored["ZB-01"][:2] == ("completed", "green")
    report = apply(office, path)
    assert not report.changed and counts() == before


def test_the_preview_shows_the_status_the_engine_would_give_and_writes_nothing(
    office, month, tmp_path
):
    apply(office, month)
    before = counts()
    rows = three_rows()
    rows[0].update(状态=None, 进展情况="受台风影响，施工进度滞后")

    report = preview(office, write_progress(tmp_path / "blank.xlsx", rows))

    assert report.ok and not report.applied
    (change,) = report.updated
    assert change.key == "MS-01"
    assert ("研判状态", "推进正常", "推进滞后") in change.changes
    assert ("预警灯", "绿灯", "黄灯") in change.changes
    assert counts() == before
    assert submission("MS-01").progress == "已完成2个小区改造"
    assert judgement("MS-01").status == "on_track"


# ----- re-importing and updating -----


def test_reimporting_the_same_file_changes_nothing_and_writes_no_history(office, month):
    apply(office, month)
    before = counts()

    report = apply(office, month)

    assert report.ok
    assert not report.applied and not report.changed
    assert [c.key for c in report.unchanged] == ["MS-01", "MS-02", "ZB-01"]
    assert "没有任何改动" in report.summary()
    assert counts() == before
    assert submission("MS-01").version == 1


def test_a_changed_row_is_reported_field_by_field_and_gets_a_new_version(
    office, month, tmp_path, people
):
    apply(office, month)
    rows = three_rows()
    rows[0].update(进展情况="3个小区全部完工", 状态="已完成", 完成值=3)

    report = apply(office, write_progress(tmp_path / "8.xlsx", rows), user=people["alice"])

    assert [c.key for c in report.updated] == ["MS-01"]
    assert [c.key for c in report.unchanged] == ["MS-02", "ZB-01"]
    assert report.updated[0].changes == [
        ("进展情况", "已完成2个小区改造", "3个小区全部完工"),
        ("状态", "推进正常", "已完成"),
        ("完成值", "2", "3"),
        ("研判状态", "推进正常", "已完成"),
        ("系统建议状态", "推进正常", "已完成"),
    ]
    changed = submission("MS-01")
    assert (changed.version, changed.completed_value) == (2, Decimal("3"))
    assert list(changed.reviews.values_list("action", "version")) == [
        (Review.Action.ACCEPT, 1),
        (Review.Action.ACCEPT, 2),
    ]
    assert judgement("MS-01").status == "completed"
    # one new version of the submission and of the judgement, both in the new batch
    latest = Submission.history.filter(batch_id=report.batch_id)
    assert [(r.history_type, r.task.code, r.history_user) for r in latest] == [
        ("~", "MS-01", people["alice"])
    ]
    assert Judgement.history.filter(batch_id=report.batch_id).count() == 1
    assert Submission.history.count() == 4 and Review.objects.count() == 4


def test_a_report_waiting_for_review_is_accepted_by_the_import(office, month, units, people):
    task = KeyTask.objects.get(code="MS-02")
    Submission.objects.create(
        task=task,
        period=PERIOD,
        unit=units["east"],
        state=Submission.State.SUBMITTED,
        progress="食堂已建成并开业",
        self_status="completed",
        submitted_by=people["carol"],
        version=1,
    )

    report = apply(office, month)

    assert [c.key for c in report.created] == ["MS-01", "ZB-01"]
    (change,) = report.updated
    assert change.changes[0] == ("填报状态", "待党政办审核", "已采纳")
    accepted = submission("MS-02")
    assert (accepted.state, accepted.version) == (Submission.State.ACCEPTED, 2)
    assert accepted.submitted_by == people["carol"]  # no --user: the reporter stays
    assert Submission.objects.filter(task=task).count() == 1


def test_the_import_replaces_a_manual_override_of_the_month(office, month):
    task = KeyTask.objects.get(code="MS-02")
    Judgement.objects.create(
        task=task,
        period=PERIOD,
        as_of=dt.date(2022, 7, 31),
        status="lagging",
        proposed_status="on_track",
        light="red",
        source=Judgement.Source.OVERRIDE,
        override_reason="领导批示",
    )

    apply(office, month)

    replaced = judgement("MS-02")
    assert (replaced.source, replaced.status, replaced.override_reason) == (
        Judgement.Source.IMPORT,
        "completed",
        "",
    )
    assert Judgement.objects.filter(task=task).count() == 1


def test_other_months_are_left_alone(office, month):
    apply(office, month)
    apply(office, month, period="2022-08")

    assert Submission.objects.filter(period="2022-07").count() == 3
    assert Submission.objects.filter(period="2022-08").count() == 3
    assert submission("MS-01", "2022-08").version == 1


# ----- reading the sheet -----


def test_columns_may_come_in_any_order_and_extra_columns_are_ignored(
    office, tasks, engine, tmp_path
):
    headers = ["备注", "状态", "事项名称", "进展情况", "编号"]
    path = write_progress(
        tmp_path / "shuffled.xlsx",
        [
            {
                "备注": "重点",
                "状态": "正常",
                "事项名称": "随便写",
                "进展情况": "推进中",
                "编号": "MS-02",
            }
        ],
        headers=headers,
    )

    report = apply(office, path)

    assert report.ok, errors_of(report)
    assert submission("MS-02").progress == "推进中"
    assert KeyTask.objects.get(code="MS-02").title == "社区食堂建设"


def test_completed_values_may_be_text_with_thousands_separators(office, month, tmp_path):
    KeyTask.objects.filter(code="MS-01").update(target_value=Decimal("5000"))
    rows = three_rows()
    rows[0]["完成值"] = "1,234.5"

    apply(office, write_progress(tmp_path / "value.xlsx", rows))

    assert submission("MS-01").completed_value == Decimal("1234.50")


def test_a_reason_category_written_with_half_width_brackets_is_recognised(office, month, tmp_path):
    rows = three_rows()
    rows[2]["原因类别"] = "客观因素(疫情、天气、政策调整等)"

    report = apply(office, write_progress(tmp_path / "brackets.xlsx", rows))

    assert report.ok, errors_of(report)
    assert submission("ZB-01").reason_category.name == "客观因素（疫情、天气、政策调整等）"


# ----- errors: named by row and field, and nothing written -----


def refused(office, tmp_path, rows, headers=HEADERS):
    """Applies a file that must fail; checks that nothing was written; returns the errors."""
    before = counts()
    report = apply(office, write_progress(tmp_path / "bad.xlsx", rows, headers=headers))
    assert not report.ok and not report.applied
    assert "未写入任何数据" in report.summary()
    assert counts() == before
    return errors_of(report)


def test_an_unknown_code_is_refused_suggesting_the_closest_codes(office, month, tmp_path):
    rows = three_rows()
    rows[1]["编号"] = "MS-2"

    (error,) = refused(office, tmp_path, rows)

    assert error.startswith("第3行【编号】")
    assert "2022年台账中没有编号为“MS-2”的重点工作" in error
    assert "相近的编号：MS-02" in error


def test_a_task_of_another_year_or_office_is_unknown(office, month, tmp_path, units):
    from duban.org.models import Office

    KeyTaskFactory(code="NY-01", year=2023, lead_unit=units["build"])
    other = Office.objects.create(name="第二街道")
    KeyTaskFactory(code="OT-01", office=other, lead_unit=units["build"])
    rows = [{"编号": "NY-01", "进展情况": "x"}, {"编号": "OT-01", "进展情况": "x"}]

    errors = refused(office, tmp_path, rows)

    assert [e.split("】")[0] for e in errors] == ["第2行【编号", "第3行【编号"]


def test_an_empty_progress_is_refused_even_when_other_rows_are_valid(office, month, tmp_path):
    rows = three_rows()
    rows[1]["进展情况"] = "  "
    rows[2]["编号"] = None

    errors = refused(office, tmp_path, rows)

    assert errors == ["第3行【进展情况】不能为空", "第4行【编号】不能为空"]


def test_an_unknown_status_is_refused_listing_the_accepted_words(office, month, tmp_path):
    rows = three_rows()
    rows[0]["状态"] = "基本完成"

    (error,) = refused(office, tmp_path, rows)

    assert error.startswith("第2行【状态】无法识别的状态“基本完成”")
    assert "已完成、推进正常、推进滞后" in error


@pytest.mark.parametrize("word", ["推进滞后", "滞后"])
def test_lagging_without_a_reason_is_refused(office, month, tmp_path, word):
    rows = three_rows()
    rows[2].update(状态=word, 滞后原因="")

    assert refused(office, tmp_path, rows) == ["第4行【滞后原因】状态为推进滞后时必须填写滞后原因"]


def test_an_unknown_reason_category_is_refused_suggesting_the_closest(office, month, tmp_path):
    rows = three_rows()
    rows[2]["原因类别"] = "前期手续"

    (error,) = refused(office, tmp_path, rows)

    assert error.startswith("第4行【原因类别】原因类别“前期手续”不存在")
    assert "前期手续与审批" in error


def test_an_inactive_reason_category_is_refused(office, month, tmp_path):
    ReasonCategory.objects.filter(name="前期手续与审批").update(active=False)

    assert refused(office, tmp_path, three_rows()) == [
        "第4行【原因类别】原因类别“前期手续与审批”已停用"
    ]


@pytest.mark.parametrize("value", ["三个", "2个", "50%", "1.2.3"])
def test_a_completed_value_that_is_not_a_number_is_refused(office, month, tmp_path, value):
    rows = three_rows()
    rows[0]["完成值"] = value

    assert refused(office, tmp_path, rows) == [f"第2行【完成值】“{value}”不是数字"]


def test_a_completed_value_too_large_to_round_is_refused_not_a_crash(office, month, tmp_path):
    # found by tests/security/test_import_fuzz.py: "1e309" raised decimal.InvalidOperation
    rows = three_rows()
    rows[0]["完成值"] = "1e309"

    assert refused(office, tmp_path, rows) == ["第2行【完成值】数值过大：1e309"]


def test_a_negative_completed_value_is_refused(office, month, tmp_path):
    rows = three_rows()
    rows[0]["完成值"] = -1

    assert refused(office, tmp_path, rows) == ["第2行【完成值】不能为负数：-1"]


def test_a_completed_value_for_a_task_without_a_target_is_refused(office, month, tmp_path):
    rows = three_rows()
    rows[1]["完成值"] = 1

    (error,) = refused(office, tmp_path, rows)

    assert error.startswith("第3行【完成值】“MS-02”没有量化指标")


def test_a_code_repeated_in_the_file_names_both_rows(office, month, tmp_path):
    rows = three_rows()
    rows[2] = dict(rows[0])

    (error,) = refused(office, tmp_path, rows)

    assert error.startswith("第4行【编号】“MS-01”与第2行重复")


def test_a_missing_progress_header_is_named(office, month, tmp_path):
    headers = ["编号", "状态"]

    assert refused(office, tmp_path, [{"编号": "MS-01", "状态": "正常"}], headers=headers) == [
        "第1行【进展情况】缺少必需的表头列"
    ]


def test_every_error_of_the_file_is_reported_at_once(office, month, tmp_path):
    rows = three_rows()
    rows[0].update(状态="还行", 完成值="很多")
    rows[2].update(滞后原因=None, 原因类别="其它")

    errors = refused(office, tmp_path, rows)

    assert [e.split("】")[0] + "】" for e in errors] == [
        "第2行【状态】",
        "第2行【完成值】",
        "第4行【滞后原因】",
        "第4行【原因类别】",
    ]


def test_a_quarter_or_half_year_is_not_a_month_to_import():
    from duban.core.periods import PeriodError

    with pytest.raises(PeriodError, match="进展按月导入"):
        ProgressImport(None, "2022-H1")


# ----- the command -----


def progress(*args):
    out, err = StringIO(), StringIO()
    call_command("progress", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_import_reports_each_row_and_the_batch(office, month):
    out, err = progress("import", month, "--period", PERIOD)

    assert err == ""
    assert "新增 第2行 MS-01 老旧小区综合改造" in out
    assert f"{office.name} 2022年7月 进展导入完成：新增 3 项，更新 0 项，未变 0 项" in out
    assert "批次号：" in out
    assert Judgement.objects.filter(source=Judgement.Source.IMPORT).count() == 3


def test_command_reimport_says_nothing_changed(office, month):
    progress("import", month, "--period", PERIOD)

    out, _ = progress("import", month, "--period", PERIOD)

    assert "未变 3 项" in out and "没有任何改动" in out
    assert "批次号" not in out


def test_command_update_names_the_changed_fields(office, month, tmp_path):
    progress("import", month, "--period", PERIOD)
    rows = three_rows()
    rows[2]["下步措施"] = "另行选址"

    out, _ = progress("import", write_progress(tmp_path / "2.xlsx", rows), "--period", PERIOD)

    assert "更新 第4行 ZB-01 垃圾分类示范创建（下步措施）" in out


def test_command_dry_run_previews_and_writes_nothing(office, month):
    before = counts()

    out, _ = progress("import", month, "--period", PERIOD, "--dry-run")

    assert "预览（未写入）：新增 3 项" in out
    assert "批次号" not in out
    assert counts() == before


def test_command_records_the_given_user(office, month, people):
    progress("import", month, "--period", PERIOD, "--user", "alice")

    assert Judgement.history.get(task__code="MS-01").history_user == people["alice"]
    assert judgement("MS-01").judged_by == people["alice"]


def test_command_errors_go_to_stderr_with_row_numbers_and_nothing_is_written(
    office, month, tmp_path
):
    rows = three_rows()
    rows[0]["编号"] = "MS-09"
    rows[2]["状态"] = "慢"
    err = StringIO()

    with pytest.raises(CommandError, match="发现 2 处错误，未写入任何数据"):
        call_command(
            "progress",
            "import",
            str(write_progress(tmp_path / "bad.xlsx", rows)),
            "--period",
            PERIOD,
            stdout=StringIO(),
            stderr=err,
        )

    lines = err.getvalue().splitlines()
    assert lines[0].startswith("第2行【编号】")
    assert lines[1].startswith("第4行【状态】无法识别的状态“慢”")
    assert Submission.objects.count() == 0


@pytest.mark.parametrize(
    "period, message",
    [
        ("2022年7月", "--period 应为报送月份，如 2022-07；收到“2022年7月”"),
        ("2022-H1", "--period 应为报送月份，如 2022-07；收到“2022-H1”"),
        ("2022-13", "--period 有误：报送周期“2022-13”的月份不存在"),
        ("1999-07", "--period 年份超出范围：1999"),
    ],
)
def test_a_bad_period_is_refused_in_chinese(office, month, period, message):
    with pytest.raises(CommandError, match=message):
        progress("import", month, "--period", period)
    assert Submission.objects.count() == 0


def test_command_import_of_a_missing_file_says_so(office, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        progress("import", tmp_path / "nowhere.xlsx", "--period", PERIOD)


# ----- the template -----


@pytest.fixture
def template(office, tasks, tmp_path):
    KeyTask.objects.filter(pk=tasks["build"].pk).update(target_value=Decimal("3"), target_unit="个")
    KeyTaskFactory(code="NY-01", year=2023, lead_unit=tasks["build"].lead_unit)
    path = tmp_path / "模板.xlsx"
    out, _ = progress("template", "--period", PERIOD, "-o", path)
    assert "（3 项重点工作）" in out
    return path


def test_template_lists_every_task_of_the_office_and_year_by_code(template):
    rows = read_sheet(template)

    assert rows[0] == (
        "编号",
        "事项名称",
        "牵头单位",
        "量化指标",
        "进展情况",
        "状态",
        "滞后原因",
        "原因类别",
        "下步措施",
        "完成值",
    )
    assert [row[:4] for row in rows[1:]] == [
        ("MS-01", "老旧小区综合改造", "城建中心", "3个"),
        ("MS-02", "社区食堂建设", "东苑居民区", None),
        ("ZB-01", "垃圾分类示范创建", "西苑居民区", None),
    ]
    assert all(value is None for row in rows[1:] for value in row[4:])


def test_template_has_dropdowns_for_status_and_reason_category_and_a_frozen_header(template):
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "C2"
    options = workbook["选项"]
    assert options.sheet_state == "hidden"

    def listed(validation):
        _, cells = validation.formula1.split("!")
        return [c.value for (c,) in options[cells.replace("$", "")]]

    by_column = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    status, reason = by_column["F2"], by_column["H2"]
    assert status.type == reason.type == "list"
    assert listed(status) == ["已完成", "推进正常", "推进滞后"]
    assert listed(reason) == list(
        ReasonCategory.objects.filter(active=True).values_list("name", flat=True)
    )


def test_a_filled_in_template_imports(template, office, engine, tmp_path):
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    sheet["E2"], sheet["F2"], sheet["J2"] = "完成1个小区", "推进顺利", 1
    sheet["E3"] = "已开业"
    sheet["E4"], sheet["F4"], sheet["G4"] = "选址困难", "推进滞后", "居民反对"
    sheet["H4"] = "其他"
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)

    out, _ = progress("import", filled, "--period", PERIOD)

    assert "新增 3 项" in out
    assert submission("MS-01").completed_value == Decimal("1")
    assert judgement("ZB-01").status == "lagging"
    assert judgement("MS-02").status == "on_track"  # blank 状态: the engine's word


# ----- the real command line, for exit codes -----


def test_command_line_import_with_errors_exits_non_zero_listing_every_error(cli_env):  # noqa: F811
    env, folder = cli_env
    ledger = write_ledger(
        folder / "ledger.xlsx",
        [
            {
                "编号": "MS-01",
                "类别": "街道民生实事项目",
                "事项名称": "老旧小区综合改造",
                "牵头单位": "城建中心",
            },
            {
                "编号": "MS-02",
                "类别": "街道民生实事项目",
                "事项名称": "社区食堂建设",
                "牵头单位": "东苑居民区",
            },
        ],
    )
    made = duban(
        "ledger", "import", ledger, "--year", "2022", "--create-missing", env=env, cwd=folder
    )
    assert made.returncode == 0, made.stderr
    bad = write_progress(
        folder / "bad.xlsx",
        [
            {"编号": "MS-1", "进展情况": "推进中"},
            {"编号": "MS-02", "进展情况": None},
            {"编号": "MS-02", "进展情况": "x", "状态": "推进滞后", "完成值": "多"},
        ],
    )

    result = duban("progress", "import", bad, "--period", "2022-07", env=env, cwd=folder)

    assert result.returncode != 0
    assert "第2行【编号】" in result.stderr and "相近的编号：MS-01" in result.stderr
    assert "第3行【进展情况】不能为空" in result.stderr
    assert "第4行【滞后原因】状态为推进滞后时必须填写滞后原因" in result.stderr
    assert "第4行【完成值】“多”不是数字" in result.stderr
    assert "未写入任何数据" in result.stderr
    assert "导入完成" not in result.stdout


# ----- one engine run per row, one writer per state -----


def test_the_engine_runs_once_per_row_in_the_preview_and_in_the_import(office, month, engine):
    preview(office, month)
    assert sorted(engine) == [("MS-01", PERIOD), ("MS-02", PERIOD), ("ZB-01", PERIOD)]

    engine.clear()
    apply(office, month)
    assert sorted(engine) == [("MS-01", PERIOD), ("MS-02", PERIOD), ("ZB-01", PERIOD)]


def test_the_import_writes_through_workflow_and_judging(office, month, monkeypatch):
    from duban.progress import judging, workflow

    seen = {}
    accept, record = workflow.accept_imported, judging.record_office_statuses

    def accept_spy(submissions, user, comment):
        seen["accepted"] = sorted(s.task.code for s in submissions)
        return accept(submissions, user, comment)

    def record_spy(period, entries, previous, **kwargs):
        seen["judged"] = len(list(entries))
        return record(period, entries, previous, **kwargs)

    monkeypatch.setattr(workflow, "accept_imported", accept_spy)
    monkeypatch.setattr(judging, "record_office_statuses", record_spy)

    apply(office, month)

    assert seen == {"accepted": ["MS-01", "MS-02", "ZB-01"], "judged": 3}


def test_the_preview_with_the_real_engine_writes_nothing_and_matches_the_import(
    office, tasks, tmp_path
):
    path = write_progress(
        tmp_path / "real.xlsx",
        [{"编号": "MS-01", "进展情况": "方案设计已完成"}, {"编号": "ZB-01", "进展情况": "已建成"}],
    )
    before = counts()

    previewed = preview(office, path)

    assert previewed.ok and counts() == before
    apply(office, path)
    assert judgement("MS-01").source == Judgement.Source.IMPORT
    # the judgement the preview listed is the one written: a re-import changes nothing
    assert not apply(office, path).changed


def test_the_import_queries_do_not_grow_with_the_rows(office, tasks, tmp_path, units):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n):
        KeyTaskFactory.create_batch(n, office=office, year=2022, lead_unit=units["build"])
        codes = list(
            KeyTask.objects.filter(office=office, year=2022).values_list("code", flat=True)
        )
        path = write_progress(
            tmp_path / f"{n}.xlsx", [{"编号": code, "进展情况": "推进中"} for code in codes]
        )
        Submission.objects.all().delete()
        Judgement.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            assert apply(office, path).ok
        return len(captured)

    assert queries_for(2) == queries_for(20)
