"""Accountability: rules propose, a person decides (services and the register page)."""

import datetime as dt

import pytest

from duban.supervision import services
from duban.supervision.models import AccountabilityLevel, AccountabilityRecord, Notice
from duban.supervision.services import SupervisionError

AUG5 = dt.date(2022, 8, 5)


@pytest.fixture
def red(office, people, tasks):
    return services.create(
        tasks["east"],
        people["alice"],
        AUG5,
        level="red",
        reason="严重滞后",
        urgent_reason="区领导批示",
    )


def test_unanswered_red_proposes_a_warning_that_nobody_decided(office, people, red):
    assert red.reply_by == dt.date(2022, 8, 9)
    found, created = services.propose_accountability(office, dt.date(2022, 8, 9))
    assert found == [] and created == []
    _found, created = services.propose_accountability(office, dt.date(2022, 8, 10))
    record = created[0]
    assert record.state == AccountabilityRecord.State.PROPOSED
    assert record.proposed_level.name == "效能告诫" and record.level is None
    assert list(record.notices.all()) == [red]
    _found, again = services.propose_accountability(office, dt.date(2022, 8, 11))
    assert again == []


def test_a_decision_without_basis_is_refused_and_changes_nothing(office, people, red):
    _found, (record,) = services.propose_accountability(office, dt.date(2022, 8, 10))
    warning = AccountabilityLevel.objects.get(code="warning")
    with pytest.raises(SupervisionError, match="依据"):
        services.decide(
            record,
            people["alice"],
            level=warning,
            basis="",
            reason="逾期未答复",
            decided_on=dt.date(2022, 8, 10),
            today=dt.date(2022, 8, 10),
        )
    record.refresh_from_db()
    assert record.state == record.State.PROPOSED and record.level is None
    services.decide(
        record,
        people["alice"],
        level=warning,
        basis="《行政效能督查督办实施细则》第十条",
        reason="逾期未答复红色督办单",
        decided_on=dt.date(2022, 8, 10),
        today=dt.date(2022, 8, 10),
    )
    record.refresh_from_db()
    assert (record.state, record.level, record.decided_by) == (
        record.State.DECIDED,
        warning,
        people["alice"],
    )
    assert record.history.count() == 2


def test_a_leader_cannot_decide(office, people, red):
    _found, (record,) = services.propose_accountability(office, dt.date(2022, 8, 10))
    with pytest.raises(SupervisionError, match="督查管理员"):
        services.decide(
            record,
            people["lily"],
            level=AccountabilityLevel.objects.get(code="warning"),
            basis="细则",
            reason="逾期",
            decided_on=dt.date(2022, 8, 10),
            today=dt.date(2022, 8, 10),
        )


def test_register_page_decides_and_refuses_without_basis(client, office, people, red):
    services.propose_accountability(office, dt.date(2022, 8, 10))
    record = AccountabilityRecord.objects.get()
    client.force_login(people["alice"])
    page = client.get("/supervision/accountability/")
    assert page.status_code == 200 and "效能告诫" in page.content.decode()
    level = AccountabilityLevel.objects.get(code="warning").pk
    form = {
        "action": "decide",
        "record": record.pk,
        "level": level,
        "basis": "",
        "reason": "逾期未答复",
        "decided_on": "2022-08-10",
    }
    answer = client.post("/supervision/accountability/", form, follow=True)
    assert "问责决定须填写依据" in answer.content.decode()
    assert AccountabilityRecord.objects.get().state == "proposed"
    form["basis"] = "问责领导小组会议纪要"
    client.post("/supervision/accountability/", form)
    assert AccountabilityRecord.objects.get().state == "decided"


def test_a_unit_sees_only_its_decided_records(client, office, people, red):
    services.propose_accountability(office, dt.date(2022, 8, 10))
    assert AccountabilityRecord.objects.visible_to(people["carol"]).count() == 0
    client.force_login(people["carol"])
    assert client.get("/supervision/accountability/").status_code == 403
    assert Notice.objects.visible_to(people["bob"]).count() == 0
