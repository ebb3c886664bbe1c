"""设置 › 考核方案 (issue 10 point 9): the weights, deductions and 加减分 of an office's
year, once kept only in the admin. Each office keeps its own; another street's scheme
and bonuses are out of reach."""

import datetime as dt
from decimal import Decimal

import pytest

from duban.org import roles as R
from duban.supervision.models import ScoreBonus, ScoringScheme
from tests.factories import OfficeFactory, UnitFactory, make_user

URL = "/settings/supervision/scoring/"
SCHEME = {
    "action": "scheme",
    "weight_on_time": "50",
    "weight_on_track": "50",
    "per_lagging_month": "1",
    "per_blue": "1",
    "per_yellow": "2",
    "per_red": "4",
    "per_accountability": "5",
}


@pytest.fixture
def yi(people):
    street = OfficeFactory(name="乙街道")
    unit = UnitFactory(office=street, name="乙街道城建科", kind="department")
    scheme = ScoringScheme.objects.create(office=street, year=2022)
    bonus = ScoreBonus.objects.create(
        scheme=scheme, unit=unit, points=3, reason="乙街道专属加分", on=dt.date(2022, 5, 1)
    )
    return {
        "office": street,
        "unit": unit,
        "bonus": bonus,
        "admin": make_user("yi_admin", R.SUPERVISOR, unit=unit),
    }


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


def test_supervisor_keeps_its_years_scheme(alice, office):
    page = alice.get(URL, {"year": 2022}).content.decode()
    assert "2022年尚未设置方案" in page
    response = alice.post(f"{URL}?year=2022&office={office.pk}", SCHEME)
    assert response.status_code == 302
    scheme = ScoringScheme.objects.get(office=office, year=2022)
    assert scheme.weight_on_time == Decimal("50") and scheme.per_red == Decimal("4")
    assert scheme.history.latest().history_user.username == "alice"


def test_weights_not_adding_up_to_100_are_refused_in_chinese(alice, office):
    response = alice.post(f"{URL}?year=2022", {**SCHEME, "weight_on_track": "30"})
    assert response.status_code == 200
    assert "各考核项目的权重之和应为 100，现为 80" in response.content.decode()
    assert not ScoringScheme.objects.filter(office=office).exists()


def test_supervisor_enters_and_deletes_a_bonus(alice, office, units, yi):
    data = {
        "action": "bonus",
        "unit": units["build"].pk,
        "points": "2",
        "reason": "获区级表彰",
        "on": "6月30日",
    }
    assert alice.post(f"{URL}?year=2022", data).status_code == 302
    bonus = ScoreBonus.objects.get(reason="获区级表彰")
    assert bonus.on == dt.date(2022, 6, 30) and bonus.scheme.office == office
    page = alice.get(URL, {"year": 2022}).content.decode()
    assert "获区级表彰" in page and "乙街道专属加分" not in page
    # another street's bonus cannot be deleted from here
    other = {"action": "delete_bonus", "bonus": yi["bonus"].pk}
    assert alice.post(f"{URL}?year=2022", other).status_code == 404
    assert alice.post(f"{URL}?year=2022", {**other, "bonus": "x"}).status_code == 404
    mine = {"action": "delete_bonus", "bonus": bonus.pk}
    assert alice.post(f"{URL}?year=2022", mine).status_code == 302
    assert list(ScoreBonus.objects.values_list("reason", flat=True)) == ["乙街道专属加分"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"points": "0"}, "分值应在 -100 至 100 之间且不为 0"),
        ({"points": "abc"}, "输入一个数字"),
        ({"reason": ""}, "请填写事由"),
        ({"on": "2021-05-01"}, "日期应在 2022 年内"),
        ({"on": "2022-02-30"}, "日期不存在"),
        ({"unit": "other"}, "该单位不属于本街道"),
        ({"unit": ""}, "请选择单位"),
    ],
)
def test_bad_bonuses_are_refused_in_chinese(alice, units, yi, change, message):
    data = {
        "action": "bonus",
        "unit": units["build"].pk,
        "points": "2",
        "reason": "获区级表彰",
        "on": "2022-06-30",
        **change,
    }
    if data["unit"] == "other":
        data["unit"] = yi["unit"].pk
    response = alice.post(f"{URL}?year=2022", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert ScoreBonus.objects.count() == 1
    assert not ScoringScheme.objects.exclude(office=yi["office"]).exists()  # nothing half-written


def test_another_streets_scheme_is_out_of_reach(alice, yi):
    assert alice.get(URL, {"office": yi["office"].pk, "year": 2022}).status_code == 404
    response = alice.post(f"{URL}?office={yi['office'].pk}&year=2022", SCHEME)
    assert response.status_code == 404
    assert ScoringScheme.objects.get(office=yi["office"]).weight_on_time == Decimal("60")


def test_the_other_street_keeps_its_own(client, yi):
    client.force_login(yi["admin"])
    page = client.get(URL, {"year": 2022}).content.decode()
    assert "乙街道专属加分" in page


@pytest.mark.parametrize("who", ["lily", "bob", "hank", "rita", "gina"])
def test_only_the_supervisor_opens_the_scheme(client, people, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}?year=2022", SCHEME).status_code == 403


def test_a_bad_year_is_not_found(alice):
    assert alice.get(URL, {"year": "²⁰²²"}).status_code == 404
    assert alice.get(URL, {"year": "1999"}).status_code == 404
