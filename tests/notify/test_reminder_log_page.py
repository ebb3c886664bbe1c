"""设置 › 催办记录 (issue 10 point 9): what `duban remind` sent and what failed, for
督查管理员 of the units' own office only (once reachable only through the admin)."""

import datetime as dt

import pytest
from django.urls import reverse

from duban.notify.models import ReminderLog
from duban.org import roles as R
from tests.factories import OfficeFactory, UnitFactory, make_user

DAY = dt.date(2022, 7, 25)


@pytest.fixture
def logs(units):
    street = OfficeFactory(name="乙街道")
    yi_unit = UnitFactory(office=street, name="乙街道城建科", kind="department")
    make = ReminderLog.objects.create
    return {
        "ok": make(
            day=DAY,
            kind="report_due",
            unit=units["build"],
            channel="inapp",
            recipient="bob",
            ok=True,
            detail="7月进度请于25日前报送",
        ),
        "failed": make(
            day=DAY,
            kind="report_late",
            unit=units["east"],
            channel="webhook",
            recipient="群机器人",
            ok=False,
            detail="群机器人拒收：关键词不匹配",
        ),
        "pending": make(
            day=DAY,
            kind="red_light",
            unit=units["west"],
            channel="email",
            recipient="gina@example.cn",
            ok=None,
        ),
        "yi": make(
            day=DAY,
            kind="report_due",
            unit=yi_unit,
            channel="inapp",
            recipient="乙街道秘密接收人",
            ok=False,
            detail="乙街道专属错误",
        ),
        "yi_admin": make_user("yi_admin", R.SUPERVISOR, unit=yi_unit),
    }


def test_the_supervisor_sees_its_units_sends_and_failures(client, people, logs):
    client.force_login(people["alice"])
    page = client.get(reverse("notify:reminder_log")).content.decode()
    table = page.split('id="reminder-log"', 1)[1]
    assert "城建中心" in table and "群机器人拒收：关键词不匹配" in table and "待确认" in table
    assert "乙街道" not in table and "秘密接收人" not in table
    failed = client.get(reverse("notify:reminder_log"), {"failed": "1"}).content.decode()
    failed = failed.split('id="reminder-log"', 1)[1]
    assert "关键词不匹配" in failed and "gina@example.cn" in failed
    assert "7月进度请于25日前报送" not in failed


def test_the_other_street_sees_only_its_own(client, logs):
    client.force_login(logs["yi_admin"])
    table = client.get(reverse("notify:reminder_log")).content.decode()
    table = table.split('id="reminder-log"', 1)[1]
    assert "乙街道专属错误" in table
    assert "城建中心" not in table and "关键词不匹配" not in table


@pytest.mark.parametrize("who", ["lily", "bob", "hank", "rita", "gina"])
def test_only_the_supervisor_opens_the_log(client, people, logs, who):
    client.force_login(people[who])
    assert client.get(reverse("notify:reminder_log")).status_code == 403
