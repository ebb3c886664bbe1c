"""Signing in: throttling with a Chinese lock page and unlocking by the office, password
rules in Chinese, and the forced change of a password an administrator set."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from duban.org import accounts
from duban.org.models import Profile


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        assert sign_in(client, username, "wrong-password", address).status_code == 200


def lock(client, username, address="10.0.0.1"):
    """Four wrong passwords are answered as wrong; the fifth locks the account."""
    fail(client, username, 4, address)
    assert sign_in(client, username, "wrong-password", address).status_code == 429


# ----- throttling -----


def test_five_wrong_passwords_lock_the_account_with_a_chinese_page(client, people):
    fail(client, "bob", 4)
    assert sign_in(client, "bob", "pass12345").status_code == 302  # 4 failures: still allowed
    client.logout()
    fail(client, "bob", 4)
    response = sign_in(client, "bob", "wrong-password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "账号暂时锁定" in page and "30 分钟" in page and "解除锁定" in page
    # the right password does not help while locked
    response = sign_in(client, "bob", "pass12345")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lock_holds_one_username_at_one_address(client, people):
    lock(client, "bob")
    assert sign_in(client, "bob", "pass12345").status_code == 429
    assert sign_in(client, "carol", "pass12345").status_code == 302  # another person
    client.logout()
    assert sign_in(client, "bob", "pass12345", address="10.0.0.2").status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, people):
    fail(client, "bob", 4)
    assert sign_in(client, "bob", "pass12345").status_code == 302
    client.logout()
    fail(client, "bob", 4)
    assert sign_in(client, "bob", "pass12345").status_code == 302


def test_supervisor_sees_the_lock_and_lifts_it_on_the_people_page(client, people):
    lock(client, "bob")
    assert accounts.is_locked("bob")
    client.force_login(people["alice"])
    page = client.get(reverse("org:people")).content.decode()
    row = page.split('data-username="bob"', 1)[1].split("</tr>", 1)[0]
    assert "已锁定" in row and "解除锁定" in row
    response = client.post(reverse("org:person_unlock", args=[people["bob"].pk]))
    assert response.status_code == 302
    assert not accounts.is_locked("bob")
    client.logout()
    assert sign_in(client, "bob", "pass12345").status_code == 302


def test_a_reporter_cannot_unlock_anyone(client, people):
    lock(client, "carol")
    client.force_login(people["bob"])
    response = client.post(reverse("org:person_unlock", args=[people["carol"].pk]))
    assert response.status_code == 403
    assert accounts.is_locked("carol")


# ----- password rules -----


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("sun1", "太短"),
        ("sunlina2026", "相似"),  # the username itself
        ("20261201", "只包含数字"),
        ("password123", "太常见"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(db, password, message):
    person = get_user_model()(username="sunlina2026", last_name="孙丽娜")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, person)
    text = " ".join(refused.value.messages)
    assert message in text
    assert "password" not in text.lower()


def test_a_good_password_passes(people):
    validate_password("青山绿水-2026", people["bob"])


# ----- forced change -----


@pytest.fixture
def set_by_admin(people):
    bob = people["bob"]
    accounts.set_password_by_admin(bob, "Chengjian-2026")
    return bob


def test_a_password_set_by_an_administrator_must_be_changed_first(client, set_by_admin):
    assert sign_in(client, "bob", "Chengjian-2026").status_code == 302
    for url in [reverse("home"), reverse("ledger:list"), reverse("progress:batch")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("account_password")
    page = client.get(reverse("account_password")).content.decode()
    assert "请先修改" in page
    response = client.post(
        reverse("account_password"),
        {
            "old_password": "Chengjian-2026",
            "new_password1": "Lvshui-qingshan-7",
            "new_password2": "Lvshui-qingshan-7",
        },
    )
    assert response.status_code == 302
    assert not Profile.objects.get(user=set_by_admin).must_change_password
    assert client.get(reverse("home")).status_code == 200  # still signed in, free to go
    set_by_admin.refresh_from_db()
    assert set_by_admin.check_password("Lvshui-qingshan-7")


def test_the_new_password_is_checked_in_chinese(client, set_by_admin):
    client.force_login(set_by_admin)
    response = client.post(
        reverse("account_password"),
        {
            "old_password": "Chengjian-2026",
            "new_password1": "20261201",
            "new_password2": "20261201",
        },
    )
    assert response.status_code == 200
    assert "密码只包含数字" in response.content.decode()
    assert Profile.objects.get(user=set_by_admin).must_change_password


def test_signing_out_stays_possible_before_the_change(client, set_by_admin):
    client.force_login(set_by_admin)
    assert client.post(reverse("logout")).status_code == 302


def test_everyone_finds_the_password_page_in_the_header(client, people):
    for who in ["alice", "lily", "carol", "rita"]:
        client.force_login(people[who])
        page = client.get(reverse("home"), follow=True).content.decode()
        assert f'href="{reverse("account_password")}"' in page
        assert "修改密码" in page


def test_a_password_set_in_the_admin_must_be_changed_too(client, people):
    root = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(root)
    bob = people["bob"]
    response = client.post(
        reverse("admin:auth_user_password_change", args=[bob.pk]),
        {"password1": "Chengjian-2026", "password2": "Chengjian-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=bob).must_change_password


def test_behind_a_proxy_the_lock_follows_the_forwarded_address(client, people, settings):
    settings.DUBAN_PROXY_COUNT = 1

    def through_proxy(password, client_address):
        return client.post(
            reverse("login"),
            {"username": "bob", "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_address}",  # the first part is forged
        )

    for _ in range(4):
        assert through_proxy("wrong-password", "8.8.8.8").status_code == 200
    assert through_proxy("wrong-password", "8.8.8.8").status_code == 429
    assert through_proxy("pass12345", "9.9.9.9").status_code == 302  # another office PC
