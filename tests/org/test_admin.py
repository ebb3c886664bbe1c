"""The Django admin (管理后台): every model the office maintains there opens, and
changes made there are audited as coming from the admin."""

import json
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse, reverse_lazy

from duban.core.models import CalendarYear, WorkdayOverride
from duban.ledger.models import AssignmentSource, Category, KeyTask
from duban.org.models import Office, Role, Unit
from tests.factories import MilestoneFactory

MAINTAINED_IN_ADMIN = [
    Office,
    Unit,
    Role,
    get_user_model(),
    Category,
    AssignmentSource,
    KeyTask,
    CalendarYear,
    WorkdayOverride,
]


@pytest.fixture
def root(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", password="pass12345"))
    return client


@pytest.mark.parametrize("model", MAINTAINED_IN_ADMIN, ids=lambda m: m._meta.label)
def test_admin_list_page_opens_for_each_maintained_model(root, people, tasks, model):
    assert model in admin.site._registry
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = root.get(url)
    assert response.status_code == 200
    assert str(model._meta.verbose_name_plural) in response.content.decode()


def test_admin_user_page_edits_the_persons_unit_and_roles(root, people):
    page = root.get(reverse("admin:auth_user_change", args=[people["bob"].pk])).content.decode()
    assert "人员信息" in page
    assert 'name="profile-0-roles"' in page


def test_admin_task_page_shows_milestones_and_history(root, tasks):
    task = tasks["build"]
    MilestoneFactory(task=task, description="完成方案设计")
    change = root.get(reverse("admin:ledger_keytask_change", args=[task.pk])).content.decode()
    assert "完成方案设计" in change
    history = root.get(reverse("admin:ledger_keytask_history", args=[task.pk]))
    assert history.status_code == 200


def test_saving_a_unit_in_the_admin_is_audited_as_admin(root, units, office):
    unit = units["build"]
    response = root.post(
        reverse("admin:org_unit_change", args=[unit.pk]),
        {
            "office": office.pk,
            "name": "城乡建设管理中心",
            "kind": "department",
            "parent": "",
            "active": "on",
            "order": 0,
        },
    )
    assert response.status_code == 302
    latest = unit.history.latest()
    assert latest.name == "城乡建设管理中心"
    assert latest.channel == "admin"
    assert latest.history_user.username == "root"


def test_category_order_is_edited_in_the_list(root, db):
    categories = list(Category.objects.for_year(2022).order_by("order"))
    data = {
        "form-TOTAL_FORMS": len(categories),
        "form-INITIAL_FORMS": len(categories),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "保存",
    }
    for i, category in enumerate(categories):
        data[f"form-{i}-id"] = category.pk
        data[f"form-{i}-order"] = len(categories) - i
    response = root.post(reverse("admin:ledger_category_changelist") + "?year__exact=2022", data)
    assert response.status_code == 302
    assert Category.objects.get(pk=categories[0].pk).order == len(categories)


# ----- kept to the deployment's superusers, and in Chinese -----


def test_staff_who_are_not_superusers_get_no_admin(client, people):
    bob = people["bob"]
    bob.is_staff = True
    bob.save()
    bob.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(bob)
    for url in [reverse("admin:index"), reverse("admin:progress_submission_changelist")]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert "管理后台" not in client.get(reverse("home")).content.decode()


def test_superusers_find_the_admin_in_the_navigation(root):
    assert "管理后台" in root.get(reverse("home")).content.decode()


def visible_text(html):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


ENGLISH_LEFT_BEFORE = [
    "After you",
    "Choose all",
    "This password is too short",
    "Change or view list link",
    "Access attempts",
    "Can add",
    "If disabled",
]


@pytest.mark.parametrize(
    "url",
    [
        reverse_lazy("admin:index"),
        reverse_lazy("admin:auth_user_add"),
        reverse_lazy("admin:axes_accessattempt_changelist"),
    ],
)
def test_admin_pages_have_no_english_sentences(root, url):
    text = visible_text(root.get(url).content.decode())
    for english in ENGLISH_LEFT_BEFORE:
        assert english not in text
    # three English words in a row is a sentence someone forgot to translate
    assert not re.findall(r"[A-Za-z]{2,}(?:[ ,.’']+[A-Za-z]{2,}){2,}", text)


def test_the_user_pages_speak_chinese_on_bad_input_and_in_their_scripts(root, people):
    response = root.post(
        reverse("admin:auth_user_add"),
        {"username": "zhangwei", "usable_password": "true", "password1": "abc", "password2": "abc"},
    )
    text = visible_text(response.content.decode())
    assert "密码太短，至少需要 8 个字符" in text
    assert "too short" not in text
    text = visible_text(
        root.get(reverse("admin:auth_user_change", args=[people["bob"].pk])).content.decode()
    )
    assert "Can add" not in text
    catalog = root.get(reverse("admin:jsi18n")).content.decode()
    assert json.dumps("全选%s") in catalog and json.dumps("移除全部%s") in catalog


def test_a_user_added_in_the_admin_must_change_the_password(root, db):
    response = root.post(
        reverse("admin:auth_user_add"),
        {
            "username": "zhangwei",
            "usable_password": "true",
            "password1": "Chengjian-2026",
            "password2": "Chengjian-2026",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="zhangwei")
    assert user.profile.must_change_password


def test_the_admin_keeps_a_chinese_name_in_one_field(root, people):
    bob = people["bob"]
    bob.last_name, bob.first_name = "孙", "丽娜"
    bob.save()
    url = reverse("admin:auth_user_change", args=[bob.pk])
    page = root.get(url).content.decode()
    assert 'name="name"' in page and 'value="孙丽娜"' in page
    assert 'name="first_name"' not in page
    data = {
        "username": "bob",
        "name": "孙丽娜",
        "email": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2022-01-01",
        "date_joined_1": "08:00:00",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-id": bob.profile.pk,
        "profile-0-user": bob.pk,
        "profile-0-office": bob.profile.office_id,
        "profile-0-unit": bob.profile.unit_id,
        "profile-0-roles": ["reporter"],
        "profile-0-phone": "",
    }
    response = root.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    bob.refresh_from_db()
    assert (bob.last_name, bob.first_name) == ("孙丽娜", "")
