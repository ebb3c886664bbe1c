"""人员管理 and 单位管理 inside the product: 督查管理员 of one street adds people and units,
sets roles, resets passwords — and never sees the people of another street."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duban.org import roles as R
from duban.org.models import Profile, Role, Unit
from tests.factories import OfficeFactory, UnitFactory, make_user

User = get_user_model()


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


@pytest.fixture
def neighbour(people):
    """乙街道 beside the demo street, with its own supervisor and reporter."""
    street = OfficeFactory(name="乙街道")
    unit = UnitFactory(office=street, name="乙街道城建科", kind="department")
    return {
        "office": street,
        "unit": unit,
        "admin": make_user("yi_admin", R.SUPERVISOR, unit=unit),
        "reporter": make_user("yi_reporter", R.REPORTER, unit=unit),
    }


def new_person(**overrides):
    data = {
        "username": "zhangwei",
        "name": "张伟",
        "unit": "",
        "roles": [R.REPORTER],
        "phone": "",
        "password": "Chengjian-2026",
    }
    data.update(overrides)
    return data


def test_supervisor_adds_a_person_who_must_change_the_password(alice, units):
    response = alice.post(
        reverse("org:person_new"), new_person(unit=units["build"].pk, roles=[R.REPORTER])
    )
    assert response.status_code == 302
    person = User.objects.get(username="zhangwei")
    assert R.display_name(person) == "张伟"
    assert person.check_password("Chengjian-2026")
    profile = person.profile
    assert profile.unit == units["build"] and profile.office == units["build"].office
    assert set(profile.roles.values_list("code", flat=True)) == {R.REPORTER}
    assert profile.must_change_password
    assert "张伟" in alice.get(reverse("org:people")).content.decode()


def test_a_leader_needs_no_unit_and_belongs_to_the_office(alice, office):
    response = alice.post(reverse("org:person_new"), new_person(roles=[R.LEADER]))
    assert response.status_code == 302
    assert User.objects.get(username="zhangwei").profile.office == office


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "bob"}, "username", "用户名“bob”已被使用"),
        ({"username": "BOB"}, "username", "已被使用"),
        ({"name": "  "}, "name", "请填写姓名"),
        ({"name": ""}, "name", "请填写姓名"),
        ({"roles": []}, "roles", "请至少选择一个角色"),
        ({"password": "20261201"}, "password", "密码只包含数字"),
        ({"password": "zhangwei"}, "password", "相似"),
        ({"username": "张 伟"}, "username", "用户名只能含字母"),
    ],
)
def test_bad_input_answers_in_chinese_and_writes_nothing(alice, units, overrides, field, message):
    before = User.objects.count()
    data = new_person(unit=units["build"].pk, **overrides)
    response = alice.post(reverse("org:person_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    block = page.split(f'id="field-{field}"', 1)[1].split('id="field-', 1)[0]
    assert message in block
    assert User.objects.count() == before


def test_a_reporter_must_have_a_unit(alice):
    response = alice.post(reverse("org:person_new"), new_person(roles=[R.REPORTER]))
    assert "单位填报员须选择所在单位" in response.content.decode()
    assert not User.objects.filter(username="zhangwei").exists()


def test_supervisor_edits_roles_unit_and_deactivates(alice, people, units):
    bob = people["bob"]
    response = alice.post(
        reverse("org:person", args=[bob.pk]),
        {"name": "鲍勃", "unit": units["east"].pk, "roles": [R.UNIT_HEAD], "phone": "123"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active  # the box was not ticked
    profile = Profile.objects.get(user=bob)
    assert profile.unit == units["east"] and profile.phone == "123"
    assert set(profile.roles.values_list("code", flat=True)) == {R.UNIT_HEAD}
    assert bob.last_name == "鲍勃" and bob.first_name == ""


def test_supervisor_cannot_lock_itself_out(alice, people, units):
    me = people["alice"]
    response = alice.post(
        reverse("org:person", args=[me.pk]),
        {"name": "爱丽丝", "unit": units["party"].pk, "roles": [R.SUPERVISOR]},
    )
    assert "不能停用自己的账号" in response.content.decode()
    me.refresh_from_db()
    assert me.is_active


def test_supervisor_resets_a_password(alice, people):
    bob = people["bob"]
    page = alice.get(reverse("org:person", args=[bob.pk])).content.decode()
    assert "重置密码" in page
    url = reverse("org:person_password", args=[bob.pk])
    weak = alice.post(url, {"password": "12345678"})
    assert weak.status_code == 200 and "密码只包含数字" in weak.content.decode()
    assert alice.post(url, {"password": "Xinmima-2026"}).status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("Xinmima-2026")
    assert bob.profile.must_change_password


def test_another_streets_people_are_never_visible(alice, neighbour, people):
    page = alice.get(reverse("org:people")).content.decode()
    assert "yi_reporter" not in page and "yi_admin" not in page
    assert "bob" in page
    other = neighbour["reporter"]
    assert alice.get(reverse("org:person", args=[other.pk])).status_code == 404
    url = reverse("org:person_password", args=[other.pk])
    assert alice.post(url, {"password": "Xinmima-2026"}).status_code == 404
    assert alice.post(reverse("org:person_unlock", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.check_password("pass12345")


def test_another_streets_supervisor_sees_only_its_own(client, neighbour, people):
    client.force_login(neighbour["admin"])
    page = client.get(reverse("org:people")).content.decode()
    assert "yi_reporter" in page and "bob" not in page
    assert client.get(reverse("org:person", args=[people["bob"].pk])).status_code == 404
    assert "城建中心" not in client.get(reverse("org:units")).content.decode()


def test_superusers_are_not_managed_from_an_office_page(alice, people):
    root = User.objects.create_superuser("root", password="x")
    Profile.objects.create(user=root, office=people["alice"].profile.office)
    assert "root" not in alice.get(reverse("org:people")).content.decode()
    assert alice.get(reverse("org:person", args=[root.pk])).status_code == 404


@pytest.mark.parametrize("who", ["lily", "bob", "hank", "rita", "gina"])
def test_only_the_supervisor_manages_people_and_units(client, people, who):
    client.force_login(people[who])
    for url in [reverse("org:people"), reverse("org:person_new"), reverse("org:units")]:
        assert client.get(url).status_code == 403
    assert "设置" not in client.get(reverse("home")).content.decode().split("</header>")[0]


def test_the_navigation_leads_the_supervisor_to_settings(alice):
    # 设置 sits in the menu under the person's name, beside 使用说明 and 修改密码
    header = alice.get(reverse("home")).content.decode().split("</header>")[0]
    menu = header.split('class="who-menu"')[1]
    assert f'href="{reverse("org:people")}"' in menu and ">设置<" in menu


def test_role_choices_are_named_in_chinese(alice):
    page = alice.get(reverse("org:person_new")).content.decode()
    for name in ["督查管理员", "领导", "单位负责人", "单位填报员", "网格员", "只读"]:
        assert name in page
    assert Role.objects.filter(code=R.SUPERVISOR).exists()


# ----- 单位 -----


def test_supervisor_adds_and_renames_a_unit(alice, office, units):
    response = alice.post(
        reverse("org:unit_new"),
        {"name": "南苑居民区", "kind": "community", "parent": "", "active": "on", "order": 5},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="南苑居民区")
    assert unit.office == office
    response = alice.post(
        reverse("org:unit", args=[unit.pk]),
        {"name": "南苑社区", "kind": "community", "parent": "", "active": "on", "order": 5},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "南苑社区"
    assert unit.history.latest().history_user.username == "alice"


def test_a_duplicate_or_empty_unit_name_is_refused_in_chinese(alice, units):
    before = Unit.objects.count()
    response = alice.post(
        reverse("org:unit_new"), {"name": "城建中心", "kind": "department", "order": 0}
    )
    assert "本街道已有名为“城建中心”的单位" in response.content.decode()
    response = alice.post(reverse("org:unit_new"), {"name": " ", "kind": "department", "order": 0})
    assert "请填写单位名称" in response.content.decode()
    assert Unit.objects.count() == before


def test_another_streets_unit_answers_404(alice, neighbour):
    assert alice.get(reverse("org:unit", args=[neighbour["unit"].pk])).status_code == 404
    assert "乙街道城建科" not in alice.get(reverse("org:units")).content.decode()


def test_changes_to_people_are_audited_with_who_and_how(alice, people, units):
    bob = people["bob"]
    alice.post(
        reverse("org:person", args=[bob.pk]),
        {"name": "鲍勃", "unit": units["build"].pk, "roles": [R.UNIT_HEAD], "active": "on"},
    )
    alice.post(reverse("org:person_password", args=[bob.pk]), {"password": "Xinmima-2026"})
    history = Profile.history.filter(user=bob).order_by("history_date")
    assert history.count() >= 2
    latest = history.last()
    assert latest.must_change_password
    assert latest.history_user.username == "alice" and latest.channel == "web"
    assert any({r.role_id for r in h.roles.all()} == {R.UNIT_HEAD} for h in history)
