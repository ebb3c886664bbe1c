"""工作日日历 in the product pages (issue 10 point 9): 督查管理员 whose scope holds every
office adds, changes and deletes the 节假日/调休调整 of a year and keeps a year by hand;
the calendar shares one set of adjustments across the deployment, so another
supervisor sees it read-only, and nobody else opens it."""

import datetime as dt

import pytest
from django.urls import reverse

from duban.core.audit import Channel
from duban.core.models import CalendarYear, WorkdayOverride
from duban.core.workdays import Calendar
from duban.org import roles as R
from duban.org.models import Office
from tests.factories import OfficeFactory, UnitFactory, make_user

SATURDAY = dt.date(2022, 7, 9)  # an ordinary weekend in the State Council's 2022
FRIDAY = dt.date(2022, 7, 8)


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


@pytest.fixture
def dora(client, chief):
    client.force_login(chief)
    return client


def year_url(year=2022):
    return reverse("calendar_year", args=[year])


def add(client, date, kind, note="", year=2022):
    return client.post(year_url(year), {"date": date, "kind": kind, "note": note})


def test_a_saturday_entered_as_a_working_day_counts_in_the_calendar(dora):
    assert Calendar.load().workdays_between(FRIDAY, SATURDAY) == 0
    response = add(dora, "2022-07-09", "work", "调休上班")
    assert response.status_code == 302 and response.url == year_url()
    assert Calendar.load().workdays_between(FRIDAY, SATURDAY) == 1
    override = WorkdayOverride.objects.get(date=SATURDAY)
    assert override.is_workday and override.note == "调休上班"
    history = override.history.latest()
    assert history.history_user.username == "dora" and history.channel == Channel.WEB
    page = dora.get(year_url()).content.decode()
    assert "2022年7月9日（星期六）" in page and "调休上班" in page


def test_a_date_without_a_year_takes_the_pages_year(dora):
    assert add(dora, "7月8日", "off", "防汛放假").status_code == 302
    assert not Calendar.load().is_workday(FRIDAY)


def test_editing_and_deleting_an_adjustment_change_the_calendar(dora):
    override = WorkdayOverride.objects.create(date=SATURDAY, is_workday=True)
    url = reverse("calendar_adjustment", args=[override.pk])
    assert "修改调整" in dora.get(url).content.decode()
    # moved to the Sunday
    response = dora.post(url, {"date": "2022-07-10", "kind": "work", "note": "改到周日"})
    assert response.status_code == 302
    override.refresh_from_db()
    assert override.date == dt.date(2022, 7, 10)
    calendar = Calendar.load()
    assert calendar.is_workday(dt.date(2022, 7, 10)) and not calendar.is_workday(SATURDAY)
    response = dora.post(reverse("calendar_adjustment_delete", args=[override.pk]))
    assert response.status_code == 302
    assert not WorkdayOverride.objects.exists()
    assert override.history.latest().history_type == "-"
    assert not Calendar.load().is_workday(dt.date(2022, 7, 10))


@pytest.mark.parametrize(
    ("date", "kind", "message"),
    [
        ("2022-02-30", "work", "日期不存在：2022年2月30日"),
        ("2022-13-01", "work", "月份不存在"),
        ("下周六", "work", "无法识别的日期"),
        ("", "work", "请填写日期"),
        ("2022-07-09", "", "请选择放假或上班"),
        ("1999-07-10", "work", "年度应在 2000 至 2100 之间"),
        (
            "2022-07-06",
            "work",
            "2022年7月6日（星期三）按国务院放假安排（含调休上班日）本来就是工作日",
        ),
        ("2022-07-10", "off", "本来就是休息日，无需录入放假调整"),
        ("2022-10-03", "off", "本来就是休息日"),  # 国庆 already off
    ],
)
def test_bad_adjustments_are_refused_in_chinese(dora, date, kind, message):
    response = add(dora, date, kind)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkdayOverride.objects.exists()


def test_a_second_adjustment_of_the_same_day_is_refused(dora):
    WorkdayOverride.objects.create(date=SATURDAY, is_workday=True)
    response = add(dora, "2022年7月9日", "work")
    assert response.status_code == 200
    assert "2022年7月9日（星期六）已有调整（上班），请修改那一条" in response.content.decode()
    assert WorkdayOverride.objects.count() == 1


def test_a_hand_kept_year_drops_the_legal_holidays_and_shows_its_source(dora):
    national_day = dt.date(2028, 10, 3)  # a Tuesday
    calendar = Calendar.load()
    assert calendar.source(2028) == "holidays" and not calendar.is_workday(national_day)
    response = dora.post(reverse("calendar_manual", args=[2028]), {"manual": "1", "note": "区通知"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2028).note == "区通知"
    calendar = Calendar.load()
    assert calendar.source(2028) == "admin"
    assert calendar.is_workday(national_day)  # Monday to Friday, and nothing else
    page = dora.get(year_url(2028)).content.decode()
    assert "工作日来源：<b>办公室手工维护</b>" in page and "取消手工维护" in page
    # a weekday of a hand-kept year may now be entered as 放假
    assert add(dora, "10月3日", "off", "国庆", year=2028).status_code == 302
    assert not Calendar.load().is_workday(national_day)
    assert dora.post(reverse("calendar_manual", args=[2028]), {"manual": "0"}).status_code == 302
    assert not CalendarYear.objects.exists()
    assert Calendar.load().source(2028) == "holidays"


def test_the_calendar_page_opens_any_year_and_refuses_a_bad_one(dora):
    response = dora.get(reverse("calendar"), {"year": "2031"})
    assert response.status_code == 302 and response.url == year_url(2031)
    page = dora.get(reverse("calendar"), {"year": "²⁰²²"}).content.decode()
    assert "年度应为四位数字" in page
    assert dora.get("/calendar/99999999999999999999/").status_code == 404
    assert dora.get(year_url(1999)).status_code == 404


@pytest.mark.parametrize("who", ["lily", "bob", "hank", "rita", "gina"])
def test_only_the_supervisor_opens_the_calendar_pages(client, people, who):
    override = WorkdayOverride.objects.create(date=SATURDAY, is_workday=True)
    client.force_login(people[who])
    assert client.get(reverse("calendar")).status_code == 403
    assert client.get(year_url()).status_code == 403
    assert add(client, "2022-07-16", "work").status_code == 403
    assert client.post(reverse("calendar_adjustment_delete", args=[override.pk])).status_code == 403
    assert WorkdayOverride.objects.count() == 1


def test_a_street_sees_the_shared_calendar_read_only(client, people, neighbour):
    override = WorkdayOverride.objects.create(date=SATURDAY, is_workday=True, note="调休")
    for person in [people["alice"], neighbour]:
        client.force_login(person)
        page = client.get(year_url()).content.decode()
        assert "各街道共用" in page and "2022年7月9日（星期六）" in page
        assert 'id="adjustment-form"' not in page and "删除</button>" not in page
        assert "各街道共用" in client.get(reverse("calendar")).content.decode()
        assert add(client, "2022-07-16", "work").status_code == 403
        url = reverse("calendar_adjustment", args=[override.pk])
        assert client.post(url, {"date": "2022-07-16", "kind": "work"}).status_code == 403
        assert (
            client.post(reverse("calendar_adjustment_delete", args=[override.pk])).status_code
            == 403
        )
        assert (
            client.post(reverse("calendar_manual", args=[2028]), {"manual": "1"}).status_code == 403
        )
    override.refresh_from_db()
    assert override.date == SATURDAY and not CalendarYear.objects.exists()


def test_the_street_of_a_single_street_install_edits_the_calendar(client, people):
    client.force_login(people["alice"])
    assert 'id="adjustment-form"' in client.get(year_url()).content.decode()
    assert add(client, "2022-07-09", "work").status_code == 302


def test_a_day_entered_meanwhile_by_someone_else_is_refused_not_a_500(people):
    from duban.workbench.calendar_views import AdjustmentForm

    form = AdjustmentForm(
        {"date": "2022-07-09", "kind": "work"}, year=2022, calendar=Calendar.load()
    )
    assert form.is_valid()
    WorkdayOverride.objects.create(date=SATURDAY, is_workday=True)  # the other tab's save
    assert form.save() is None
    assert "已有调整，请刷新后修改那一条" in form.errors["date"][0]
    assert WorkdayOverride.objects.count() == 1
