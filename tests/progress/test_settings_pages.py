"""设置 pages of 督查管理员 for what the engine and the reports read: the rules and the
lag-reason categories (once reachable only through the admin)."""

import pytest
from django.urls import reverse

from duban.org import roles as R
from duban.org.models import Office
from duban.org.scope import sees_every_office
from duban.progress.models import ProgressRules, ReasonCategory
from tests.factories import OfficeFactory, UnitFactory, make_user


@pytest.fixture
def chief(people):
    """督查管理员 of the district above every street: the rules and categories are shared
    by all the deployment's offices, so the one whose scope holds them all changes them."""
    district = OfficeFactory(name="示范区", kind=Office.Kind.DISTRICT)
    Office.objects.exclude(pk=district.pk).update(parent=district)
    return make_user("dora", R.SUPERVISOR, office=district)


@pytest.fixture
def dora(client, chief):
    client.force_login(chief)
    return client


@pytest.fixture
def neighbour(people):
    street = OfficeFactory(name="乙街道")
    unit = UnitFactory(office=street, name="乙街道城建科", kind="department")
    return make_user("yi_admin", R.SUPERVISOR, unit=unit)


RULES = {
    "submission_day": 20,
    "unit_head_approval": "on",
    "pace_threshold": "0.8",
    "due_soon_workdays": 3,
    "red_after_lagging_periods": 3,
    "remind_before_workdays": 2,
}


def test_supervisor_changes_the_rules(dora):
    assert "序时进度系数" in dora.get(reverse("progress_settings:rules")).content.decode()
    response = dora.post(reverse("progress_settings:rules"), RULES)
    assert response.status_code == 302
    rules = ProgressRules.current()
    assert rules.submission_day == 20 and rules.unit_head_approval
    assert str(rules.pace_threshold) == "0.80" and rules.red_after_lagging_periods == 3
    assert rules.history.latest().history_user.username == "dora"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("submission_day", 31, "1 至 28 日"),
        ("pace_threshold", "1.5", "不超过 1"),
        ("red_after_lagging_periods", 0, "至少为 1 期"),
        ("submission_day", "abc", "输入整数"),
    ],
)
def test_bad_rules_are_refused_in_chinese(dora, field, value, message):
    before = ProgressRules.current().submission_day
    response = dora.post(reverse("progress_settings:rules"), {**RULES, field: value})
    assert response.status_code == 200 and message in response.content.decode()
    assert ProgressRules.current().submission_day == before


def reasons_data(categories, extra=None):
    data = {
        "form-TOTAL_FORMS": len(categories) + 1,
        "form-INITIAL_FORMS": len(categories),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for i, category in enumerate(categories):
        data.update(
            {
                f"form-{i}-id": category.pk,
                f"form-{i}-name": category.name,
                f"form-{i}-order": category.order,
                f"form-{i}-advice": category.advice,
            }
        )
        if category.active:
            data[f"form-{i}-active"] = "on"
    last = len(categories)
    data.update({f"form-{last}-name": "", f"form-{last}-order": 0, f"form-{last}-advice": ""})
    data.update(extra or {})
    return data


def test_supervisor_renames_switches_off_and_adds_reason_categories(dora):
    categories = list(ReasonCategory.objects.all())
    first, last = categories[0], len(categories)
    data = reasons_data(
        categories,
        {
            "form-0-name": "资金保障不足",
            f"form-{last}-name": "天气影响",
            f"form-{last}-order": 99,
            f"form-{last}-active": "on",
        },
    )
    data.pop("form-1-active", None)
    response = dora.post(reverse("progress_settings:reasons"), data)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.name == "资金保障不足"
    assert not ReasonCategory.objects.get(pk=categories[1].pk).active
    assert ReasonCategory.objects.get(name="天气影响").active


def test_a_duplicate_reason_category_is_refused_in_chinese(dora):
    categories = list(ReasonCategory.objects.all())
    last = len(categories)
    data = reasons_data(categories, {f"form-{last}-name": categories[0].name})
    response = dora.post(reverse("progress_settings:reasons"), data)
    assert response.status_code == 200
    assert "已有同名的原因类别" in response.content.decode()
    assert ReasonCategory.objects.count() == last


@pytest.mark.parametrize("who", ["lily", "bob", "rita"])
def test_only_the_supervisor_opens_the_settings(client, people, who):
    client.force_login(people[who])
    for name in ["progress_settings:rules", "progress_settings:reasons"]:
        assert client.get(reverse(name)).status_code == 403


def test_who_may_change_what_every_office_shares(people, neighbour, chief, client):
    assert sees_every_office(chief)  # the district above both streets
    assert not sees_every_office(people["alice"])  # 乙街道 is beside it
    assert not sees_every_office(neighbour)
    client.force_login(chief)
    assert client.post(reverse("progress_settings:rules"), RULES).status_code == 302


def test_one_street_cannot_change_rules_another_street_uses(client, people, neighbour):
    before = ProgressRules.current().submission_day
    for person in [people["alice"], neighbour]:
        client.force_login(person)
        page = client.get(reverse("progress_settings:rules")).content.decode()
        assert "各街道共用" in page and "保存</button>" not in page
        assert "disabled" in page
        response = client.post(reverse("progress_settings:rules"), RULES)
        assert response.status_code == 403
        response = client.post(
            reverse("progress_settings:reasons"), reasons_data(list(ReasonCategory.objects.all()))
        )
        assert response.status_code == 403
    assert ProgressRules.current().submission_day == before
