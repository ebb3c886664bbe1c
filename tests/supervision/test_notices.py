"""Notices through their steps (services), as the office and the unit live them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.core.audit import Channel, audit_context
from duban.notify.models import Notification
from duban.supervision import services
from duban.supervision.models import Notice, NoticeEvent
from duban.supervision.services import SupervisionError
from tests.factories import judge

AUG5 = dt.date(2022, 8, 5)  # a Friday
State = Notice.State


@pytest.fixture
def lagging(tasks):
    """East's task lagging two months in a row, west's overdue, build's completed."""
    judge(tasks["east"], "lagging", period="2022-06")
    judge(tasks["east"], "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    judge(
        tasks["west"],
        "lagging",
        period="2022-07",
        flags={"overdue": {"days": 12, "workdays": 8}, "lagging_streak": {"periods": 1}},
    )
    judge(tasks["build"], "completed", period="2022-07")
    return tasks


def proposal_of(task):
    return Notice.objects.get(task=task, state=State.PROPOSED)


def test_propose_keeps_one_proposal_per_item_and_dry_run_keeps_none(office, people, lagging):
    found, created = services.propose(office, "2022-07", AUG5, dry_run=True)
    assert {(p.code, p.level) for p in found} == {("MS-02", "blue"), ("ZB-01", "yellow")}
    assert created == [] and not Notice.objects.exists()

    found, created = services.propose(office, "2022-07", AUG5)
    assert len(created) == 2
    blue = proposal_of(lagging["east"])
    assert blue.facts["lag_streak"] == 2 and blue.facts["status_label"] == "推进滞后"
    assert blue.unit.name == "东苑居民区" and blue.serial is None
    assert blue.events.get().action == NoticeEvent.Action.PROPOSE
    yellow = proposal_of(lagging["west"])
    assert yellow.facts["overdue_days"] == 12 and "超期" in yellow.urgent_reason

    _found, again = services.propose(office, "2022-07", AUG5)
    assert again == [] and Notice.objects.count() == 2


def test_confirm_numbers_sets_the_reply_date_in_workdays_and_tells_the_unit(
    office, people, lagging
):
    services.propose(office, "2022-07", AUG5)
    notice = proposal_of(lagging["east"])
    with audit_context(Channel.WEB, user=people["alice"]):
        services.confirm(notice, people["alice"], AUG5)
    notice.refresh_from_db()
    assert notice.state == State.ISSUED
    assert notice.number == "督办〔2022〕1号"
    assert notice.reply_by == dt.date(2022, 8, 12)  # five working days after Friday 5th
    told = Notification.objects.get(user=people["carol"])
    assert "蓝色提醒单" in told.title and "2022年8月12日" in told.body
    assert not Notification.objects.filter(user=people["bob"]).exists()
    latest = notice.history.order_by("-history_id").first()
    assert latest.state == State.ISSUED and latest.channel == Channel.WEB


def test_only_the_supervisor_confirms(office, people, lagging):
    services.propose(office, "2022-07", AUG5)
    notice = proposal_of(lagging["east"])
    with pytest.raises(SupervisionError, match="只有督查管理员"):
        services.confirm(notice, people["carol"], AUG5)
    assert Notice.objects.get(pk=notice.pk).state == State.PROPOSED


def test_edit_then_dismiss_a_proposal(office, people, lagging):
    services.propose(office, "2022-07", AUG5)
    notice = proposal_of(lagging["east"])
    services.edit(notice, people["alice"], level="blue", reason="请加快食堂建设", leader="王副主任")
    notice.refresh_from_db()
    assert (notice.reason, notice.leader) == ("请加快食堂建设", "王副主任")
    assert notice.events.last().comment == "修改了督办事由、签发领导"
    services.dismiss(notice, people["alice"], "已协调解决")
    notice.refresh_from_db()
    assert notice.state == State.DISMISSED
    assert list(notice.events.values_list("action", flat=True)) == ["propose", "edit", "dismiss"]


def test_skipping_to_yellow_by_hand_needs_an_urgent_reason(office, people, lagging):
    with pytest.raises(SupervisionError, match="越级理由"):
        services.create(lagging["east"], people["alice"], AUG5, level="yellow", reason="滞后")
    assert not Notice.objects.exists()
    notice = services.create(
        lagging["east"],
        people["alice"],
        AUG5,
        level="yellow",
        reason="滞后",
        urgent_reason="区领导批示限期整改",
    )
    assert notice.state == State.ISSUED and notice.urgent_reason == "区领导批示限期整改"


def issued(office, people, task, today=AUG5):
    notice = services.create(task, people["alice"], today, level="blue", reason="连续滞后")
    return Notice.objects.get(pk=notice.pk)


def test_one_notice_per_item(office, people, lagging):
    issued(office, people, lagging["east"])
    with pytest.raises(SupervisionError, match="一事一单"):
        services.create(lagging["east"], people["alice"], AUG5, level="blue", reason="再督办")
    assert Notice.objects.count() == 1


def test_the_unit_signs_replies_with_evidence_and_the_office_closes(office, people, lagging):
    notice = issued(office, people, lagging["east"])
    with pytest.raises(SupervisionError, match="请先签收"):
        services.reply(notice, people["carol"], AUG5, measures="加快", promised_on=AUG5)
    services.sign(notice, people["carol"])
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    services.reply(
        notice,
        people["carol"],
        AUG5,
        measures="本周完成招标",
        promised_on=dt.date(2022, 9, 30),
        files=[photo],
    )
    notice.refresh_from_db()
    assert notice.state == State.REPLIED and notice.evidence.get().name == "现场.png"
    with pytest.raises(SupervisionError, match="核实情况"):
        services.close(notice, people["alice"], "")
    services.close(notice, people["alice"], "经现场核实，已开工")
    notice.refresh_from_db()
    assert notice.state == State.CLOSED and notice.closed_at is not None
    assert list(notice.events.values_list("action", flat=True)) == [
        "create",
        "issue",
        "sign",
        "reply",
        "close",
    ]


def test_a_reply_after_closing_is_refused_and_changes_nothing(office, people, lagging):
    notice = issued(office, people, lagging["east"])
    services.sign(notice, people["carol"])
    services.reply(notice, people["carol"], AUG5, measures="措施", promised_on=AUG5)
    services.close(notice, people["alice"], "已核实")
    notice.refresh_from_db()
    with pytest.raises(SupervisionError, match="已销号，不能再答复"):
        services.reply(notice, people["carol"], AUG5, measures="新措施", promised_on=AUG5)
    notice.refresh_from_db()
    assert notice.measures == "措施" and notice.events.count() == 5


def test_reply_needs_measures_a_date_and_allowed_files(office, people, lagging):
    notice = issued(office, people, lagging["east"])
    services.sign(notice, people["carol"])
    with pytest.raises(SupervisionError, match="整改措施"):
        services.reply(notice, people["carol"], AUG5, measures=" ", promised_on=AUG5)
    with pytest.raises(SupervisionError, match="早于今天"):
        services.reply(notice, people["carol"], AUG5, measures="m", promised_on=dt.date(2022, 8, 1))
    bad = SimpleUploadedFile("run.exe", b"MZ....")
    with pytest.raises(SupervisionError, match="类型不允许"):
        services.reply(notice, people["carol"], AUG5, measures="m", promised_on=AUG5, files=[bad])
    notice.refresh_from_db()
    assert notice.state == State.SIGNED and not notice.evidence.exists()


def test_another_unit_cannot_sign(office, people, lagging):
    notice = issued(office, people, lagging["east"])
    with pytest.raises(SupervisionError, match="责任单位"):
        services.sign(notice, people["bob"])


def test_inadequate_reply_goes_back_to_the_unit(office, people, lagging):
    notice = issued(office, people, lagging["east"])
    services.sign(notice, people["carol"])
    services.reply(notice, people["carol"], AUG5, measures="研究", promised_on=AUG5)
    with pytest.raises(SupervisionError, match="理由"):
        services.return_reply(notice, people["alice"], "")
    services.return_reply(notice, people["alice"], "措施不具体")
    notice.refresh_from_db()
    assert notice.state == State.SIGNED and notice.verification == "措施不具体"


def test_escalation_only_after_the_reply_date_passed(office, people, lagging):
    blue = issued(office, people, lagging["east"])
    with pytest.raises(SupervisionError, match="尚未过"):
        services.escalate(blue, people["alice"], AUG5, reason="仍滞后")
    later = dt.date(2022, 8, 15)
    yellow = services.escalate(blue, people["alice"], later, reason="蓝色提醒单逾期未答复")
    blue.refresh_from_db()
    assert blue.state == State.ESCALATED
    assert (yellow.level, yellow.state, yellow.previous_id) == ("yellow", State.ISSUED, blue.pk)
    assert yellow.number == "督办〔2022〕2号"


def test_ladder_proposals_climb_as_reply_dates_pass(office, people, lagging):
    """Overdue → yellow; unanswered past its date and still overdue → red."""
    services.propose(office, "2022-07", AUG5)
    services.confirm(proposal_of(lagging["west"]), people["alice"], AUG5)
    yellow = Notice.objects.get(task=lagging["west"], level="yellow")
    assert yellow.reply_by == dt.date(2022, 8, 10)  # three working days for a yellow
    found, _created = services.propose(office, "2022-07", yellow.reply_by, dry_run=True)
    assert [p.level for p in found if p.code == "ZB-01"] == []
    _found, created = services.propose(office, "2022-07", dt.date(2022, 8, 11))
    red = [n for n in created if n.task_id == lagging["west"].pk]
    assert [n.level for n in red] == ["red"]
    services.confirm(red[0], people["alice"], dt.date(2022, 8, 11))
    assert Notice.objects.get(task=lagging["west"], level="yellow").state == State.ESCALATED
