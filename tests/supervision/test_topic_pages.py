"""专项督查 kept on the product pages (issue 10 point 9: once only in the admin). Each
office keeps its own topics; another street's are out of reach."""

from decimal import Decimal

import pytest
from django.urls import reverse

from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.supervision.models import Topic
from tests.factories import KeyTaskFactory, OfficeFactory, UnitFactory, make_user


@pytest.fixture
def yi(people):
    street = OfficeFactory(name="乙街道")
    unit = UnitFactory(office=street, name="乙街道城建科", kind="department")
    task = KeyTaskFactory(office=street, code="YI-01", title="乙街道事项", lead_unit=unit)
    topic = Topic.objects.create(office=street, year=2022, name="乙街道专项")
    return {
        "office": street,
        "task": task,
        "topic": topic,
        "admin": make_user("yi_admin", R.SUPERVISOR, unit=unit),
    }


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


def data(office, tasks=(), **change):
    return {
        "office": office.pk,
        "year": 2022,
        "name": "土地上市",
        "target_value": "18",
        "done_value": "11",
        "target_unit": "宗",
        "note": "",
        "tasks": [t.pk for t in tasks],
        "order": 1,
        **change,
    }


def test_supervisor_adds_changes_and_deletes_a_topic(alice, office, tasks):
    form = alice.get(reverse("supervision:topic_new"), {"year": 2022}).content.decode()
    assert "MS-01" in form and "YI-01" not in form
    response = alice.post(reverse("supervision:topic_new"), data(office, [tasks["build"]]))
    assert response.status_code == 302
    topic = Topic.objects.get(name="土地上市")
    assert topic.office == office and list(topic.tasks.all()) == [tasks["build"]]
    assert topic.history.latest().history_user.username == "alice"
    page = alice.get(reverse("supervision:topics"), {"year": 2022}).content.decode()
    assert "待完成 <b>7</b>宗" in page

    url = reverse("supervision:topic_edit", args=[topic.pk])
    assert alice.post(url, data(office, [], done_value="15")).status_code == 302
    topic.refresh_from_db()
    assert topic.done_value == Decimal("15") and not topic.tasks.exists()
    assert alice.post(reverse("supervision:topic_delete", args=[topic.pk])).status_code == 302
    assert not Topic.objects.filter(office=office).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "请填写专项名称"),
        ({"year": "1999"}, "年度应在 2000 至 2100 之间"),
        ({"year": "二〇二二"}, "年度应为四位数字"),
        ({"done_value": "-1"}, "不能为负数"),
        ({"target_value": "很多"}, "输入一个数字"),
    ],
)
def test_bad_topics_are_refused_in_chinese(alice, office, change, message):
    response = alice.post(reverse("supervision:topic_new"), data(office, **change))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Topic.objects.filter(office=office).exists()


def test_a_duplicate_name_and_another_streets_task_are_refused(alice, office, yi):
    Topic.objects.create(office=office, year=2022, name="土地上市")
    response = alice.post(reverse("supervision:topic_new"), data(office))
    assert "2022年已有同名专项“土地上市”" in response.content.decode()
    response = alice.post(
        reverse("supervision:topic_new"), data(office, [yi["task"]], name="另一专项")
    )
    assert response.status_code == 200
    assert "所选事项不属于本街道该年度" in response.content.decode()
    response = alice.post(reverse("supervision:topic_new"), data(yi["office"], name="越界"))
    assert "请选择本街道" in response.content.decode()
    assert Topic.objects.filter(office=office).count() == 1
    assert not KeyTask.objects.get(pk=yi["task"].pk).topics.exclude(office=yi["office"]).exists()


def test_another_streets_topic_is_out_of_reach(alice, office, yi):
    url = reverse("supervision:topic_edit", args=[yi["topic"].pk])
    assert alice.get(url).status_code == 404
    assert alice.post(url, data(office, name="改名")).status_code == 404
    assert alice.post(reverse("supervision:topic_delete", args=[yi["topic"].pk])).status_code == 404
    assert Topic.objects.get(pk=yi["topic"].pk).name == "乙街道专项"
    page = alice.get(reverse("supervision:topics"), {"year": 2022}).content.decode()
    assert "乙街道专项" not in page


@pytest.mark.parametrize("who", ["lily", "bob", "rita"])
def test_only_the_supervisor_keeps_topics(client, people, office, who):
    client.force_login(people[who])
    assert client.get(reverse("supervision:topic_new")).status_code == 403
    assert client.post(reverse("supervision:topic_new"), data(office)).status_code == 403
    assert not Topic.objects.exists()
