"""设置 › 督办规则 (issue 10 point 9): the ladder's thresholds and reply periods, once
reachable only through the admin; shared by every office, so only a supervisor whose
scope holds them all changes them."""

import pytest
from django.urls import reverse

from duban.org import roles as R
from duban.org.models import Office
from duban.supervision.models import AccountabilityLevel, LadderRule
from tests.factories import OfficeFactory, UnitFactory, make_user

URL = "/settings/supervision/ladder/"
LADDER = {
    "blue_after_lagging_periods": 3,
    "yellow_when_overdue": "on",
    "yellow_after_unanswered_blue": "on",
    "reply_workdays_blue": 7,
    "reply_workdays_yellow": 4,
    "reply_workdays_red": 2,
    "reds_for_interview": 2,
}


def post_data(ladder=None, levels_extra=None, new=None):
    levels = list(AccountabilityLevel.objects.all())
    data = {f"ladder-{k}": v for k, v in {**LADDER, **(ladder or {})}.items()}
    data.update(
        {
            "level-TOTAL_FORMS": len(levels) + 1,
            "level-INITIAL_FORMS": len(levels),
            "level-MIN_NUM_FORMS": 0,
            "level-MAX_NUM_FORMS": 1000,
        }
    )
    for i, level in enumerate(levels):
        data.update({f"level-{i}-id": level.pk, f"level-{i}-name": level.name})
        data[f"level-{i}-order"] = level.order
        if level.active:
            data[f"level-{i}-active"] = "on"
    last = len(levels)
    new = new or {}
    # the empty last row as a browser posts it: 启用 ticked, as the page shows it
    data.update(
        {f"level-{last}-name": new.get("name", ""), f"level-{last}-order": 0},
    )
    data[f"level-{last}-active"] = "on"
    data.update(levels_extra or {})
    return data


@pytest.fixture
def chief(people):
    district = OfficeFactory(name="示范区", kind=Office.Kind.DISTRICT)
    Office.objects.exclude(pk=district.pk).update(parent=district)
    return make_user("dora", R.SUPERVISOR, office=district)


@pytest.fixture
def neighbour(people):
    street = OfficeFactory(name="乙街道")
    unit = UnitFactory(office=street, name="乙街道城建科", kind="department")
    return make_user("yi_admin", R.SUPERVISOR, unit=unit)


def test_supervisor_changes_the_ladder(client, chief):
    client.force_login(chief)
    assert reverse("supervision_settings:ladder") == URL
    assert "蓝色提醒单答复期限" in client.get(URL).content.decode()
    assert client.post(URL, post_data()).status_code == 302
    rule = LadderRule.current()
    assert rule.blue_after_lagging_periods == 3 and rule.reply_workdays_blue == 7
    assert not rule.red_after_unanswered_yellow
    assert rule.history.latest().history_user.username == "dora"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reply_workdays_red", 0, "红色督办单答复期限应在 1 至 60 个工作日之间"),
        ("reply_workdays_blue", 99, "蓝色提醒单答复期限应在 1 至 60 个工作日之间"),
        ("blue_after_lagging_periods", 0, "至少为 1 期"),
        ("reds_for_interview", 0, "至少为 1 张"),
        ("reply_workdays_yellow", "三", "输入整数"),
    ],
)
def test_bad_ladder_rules_are_refused_in_chinese(client, chief, field, value, message):
    client.force_login(chief)
    before = LadderRule.current().reply_workdays_blue
    response = client.post(URL, post_data({field: value}))
    assert response.status_code == 200 and message in response.content.decode()
    assert LadderRule.current().reply_workdays_blue == before


@pytest.mark.parametrize("who", ["lily", "bob", "hank", "rita", "gina"])
def test_only_the_supervisor_opens_the_ladder(client, people, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 403
    assert client.post(URL, post_data()).status_code == 403


def test_a_street_sees_the_shared_ladder_read_only(client, people, neighbour):
    before = LadderRule.current().reply_workdays_blue
    for person in [people["alice"], neighbour]:
        client.force_login(person)
        page = client.get(URL).content.decode()
        assert "各街道共用" in page and "保存</button>" not in page and "disabled" in page
        assert client.post(URL, post_data()).status_code == 403
    assert LadderRule.current().reply_workdays_blue == before


def test_supervisor_renames_switches_off_and_adds_accountability_levels(client, chief):
    client.force_login(chief)
    first, second = list(AccountabilityLevel.objects.all())[:2]
    data = post_data(levels_extra={"level-0-name": "效能提醒"}, new={"name": "组织处理建议"})
    data.pop("level-1-active")
    assert client.post(URL, data).status_code == 302
    first.refresh_from_db()
    assert first.name == "效能提醒" and first.code == "prompt"
    second.refresh_from_db()
    assert not second.active
    added = AccountabilityLevel.objects.get(name="组织处理建议")
    assert added.active and added.code == "custom1"


def test_a_duplicate_accountability_level_is_refused_in_chinese(client, chief):
    client.force_login(chief)
    count = AccountabilityLevel.objects.count()
    response = client.post(URL, post_data(new={"name": "约谈"}))
    assert response.status_code == 200 and "已有同名的问责方式" in response.content.decode()
    response = client.post(URL, post_data(levels_extra={"level-0-name": "甲"}, new={"name": "甲"}))
    assert response.status_code == 200 and "同一问责方式填写了两次" in response.content.decode()
    assert AccountabilityLevel.objects.count() == count
