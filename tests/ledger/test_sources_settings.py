"""设置 › 交办来源 (issue 10 point 9): the sources of assigned items and their default
time limits, once reachable only through the admin. Shared by every office, so only a
督查管理员 whose scope holds them all changes them."""

import pytest
from django.urls import reverse

from duban.ledger.models import AssignmentSource, KeyTask
from duban.org import roles as R
from duban.org.models import Office
from tests.factories import KeyTaskFactory, OfficeFactory, UnitFactory, make_user

URL = "/settings/sources/"


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


def sources_data(sources, extra=None, new=None):
    data = {
        "form-TOTAL_FORMS": len(sources) + 1,
        "form-INITIAL_FORMS": len(sources),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for i, source in enumerate(sources):
        data.update(
            {
                f"form-{i}-id": source.pk,
                f"form-{i}-name": source.name,
                f"form-{i}-default_workdays": source.default_workdays,
                f"form-{i}-order": source.order,
            }
        )
    last = len(sources)
    new = new or {}
    data.update(
        {
            f"form-{last}-name": new.get("name", ""),
            f"form-{last}-default_workdays": new.get("default_workdays", ""),
            f"form-{last}-order": new.get("order", 0),
        }
    )
    data.update(extra or {})
    return data


def test_the_url_is_a_settings_tab(dora):
    assert reverse("ledger_settings:sources") == URL
    page = dora.get(URL).content.decode()
    assert "领导批示" in page and "人大建议政协提案" in page
    assert (
        'href="/settings/sources/"' in dora.get(reverse("progress_settings:rules")).content.decode()
    )


def test_supervisor_changes_a_time_limit_and_adds_a_source(dora):
    sources = list(AssignmentSource.objects.all())
    data = sources_data(
        sources,
        {"form-0-default_workdays": 5, "form-0-name": "书记批示"},
        new={"name": "群众来信", "default_workdays": 30, "order": 9},
    )
    response = dora.post(URL, data)
    assert response.status_code == 302
    first = AssignmentSource.objects.get(pk=sources[0].pk)
    assert first.name == "书记批示" and first.default_workdays == 5
    assert AssignmentSource.objects.get(name="群众来信").default_workdays == 30


def test_the_new_time_limit_sets_a_new_assigned_items_deadline(dora, people, units):
    import datetime as dt

    from duban.core.workdays import Calendar
    from duban.ledger.forms import AssignedItemForm

    sources = list(AssignmentSource.objects.all())
    assert dora.post(URL, sources_data(sources, {"form-0-default_workdays": 3})).status_code == 302
    source = AssignmentSource.objects.get(pk=sources[0].pk)
    assert source.default_workdays == 3
    assigned_on = dt.date(2022, 7, 8)  # a Friday
    form = AssignedItemForm(
        data={
            "year": 2022,
            "source": source.pk,
            "assigned_on": "2022-07-08",
            "title": "背街小巷整治",
            "goal": "完成整治",
            "lead_unit": units["build"].pk,
        },
        instance=KeyTask(kind=KeyTask.Kind.ASSIGNED),
        user=people["alice"],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["deadline"] == Calendar.load().add_workdays(assigned_on, 3)
    assert form.cleaned_data["deadline"] == dt.date(2022, 7, 13)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ({"name": "领导批示", "default_workdays": 10}, "已有同名的交办来源"),
        ({"name": "群众来信", "default_workdays": 0}, "默认办理时限应在 1 至 250 个工作日之间"),
        ({"name": "群众来信", "default_workdays": 999}, "1 至 250 个工作日"),
        ({"name": "群众来信", "default_workdays": "十"}, "输入整数"),
        ({"name": "群众来信"}, "请填写默认办理时限"),
        ({"name": "", "default_workdays": 10}, "请填写来源名称"),
    ],
)
def test_bad_sources_are_refused_in_chinese(dora, new, message):
    before = AssignmentSource.objects.count()
    response = dora.post(URL, sources_data(list(AssignmentSource.objects.all()), new=new))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AssignmentSource.objects.count() == before


def test_two_rows_with_one_name_are_refused_in_chinese(dora):
    sources = list(AssignmentSource.objects.all())
    data = sources_data(sources, {"form-0-name": "甲"}, new={"name": "甲", "default_workdays": 5})
    response = dora.post(URL, data)
    assert response.status_code == 200 and "同一来源名称填写了两次" in response.content.decode()
    assert not AssignmentSource.objects.filter(name="甲").exists()


def test_an_unused_source_is_deleted_and_a_used_one_is_kept(dora, tasks):
    sources = list(AssignmentSource.objects.all())
    used, unused = sources[0], sources[1]
    KeyTaskFactory(code="JB-2022-001", kind=KeyTask.Kind.ASSIGNED, source=used)
    response = dora.post(URL, sources_data(sources, {"form-0-DELETE": "on"}))
    assert response.status_code == 200
    assert f"“{used.name}”已有交办事项使用，不能删除" in response.content.decode()
    assert AssignmentSource.objects.count() == len(sources)
    response = dora.post(URL, sources_data(sources, {"form-1-DELETE": "on"}))
    assert response.status_code == 302
    assert not AssignmentSource.objects.filter(pk=unused.pk).exists()


@pytest.mark.parametrize("who", ["lily", "bob", "hank", "rita", "gina"])
def test_only_the_supervisor_opens_the_sources(client, people, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 403
    sources = list(AssignmentSource.objects.all())
    response = client.post(URL, sources_data(sources, {"form-0-default_workdays": 1}))
    assert response.status_code == 403
    assert (
        AssignmentSource.objects.get(pk=sources[0].pk).default_workdays
        == sources[0].default_workdays
    )


def test_a_street_sees_the_shared_sources_read_only(client, people, neighbour):
    sources = list(AssignmentSource.objects.all())
    for person in [people["alice"], neighbour]:
        client.force_login(person)
        page = client.get(URL).content.decode()
        assert "各街道共用" in page and "领导批示" in page
        assert "保存</button>" not in page and "disabled" in page
        response = client.post(URL, sources_data(sources, {"form-0-default_workdays": 1}))
        assert response.status_code == 403
    assert (
        AssignmentSource.objects.get(pk=sources[0].pk).default_workdays
        == sources[0].default_workdays
    )
