"""设置 › 接口客户端 and the admin: a token is shown once, only its digest is kept."""

import re

from duban.api.auth import token_client
from duban.api.models import ApiClient, hash_token
from tests.factories import OfficeFactory


def test_a_supervisor_creates_a_client_and_sees_its_token_once(client, people, office):
    client.force_login(people["alice"])
    response = client.post(
        "/settings/api-clients/",
        {"action": "create", "name": "区12345热线平台", "office": office.pk, "rate_limit": 60},
    )
    assert response.status_code == 200
    html = response.content.decode()
    token = re.search(r"<code>(dbk_[\w-]+)</code>", html).group(1)
    created = ApiClient.objects.get()
    assert created.token_hash == hash_token(token) and created.created_by == people["alice"]
    assert token_client(token) == created
    again = client.get("/settings/api-clients/").content.decode()
    assert "区12345热线平台" in again and token not in again


def test_renewing_a_token_invalidates_the_old_one(client, people, office):
    created, old = ApiClient.create(name="平台", office=office)
    client.force_login(people["alice"])
    response = client.post("/settings/api-clients/", {"action": "renew", "client": created.pk})
    new = re.search(r"<code>(dbk_[\w-]+)</code>", response.content.decode()).group(1)
    assert new != old
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200


def test_a_supervisor_disables_a_client(client, people, office):
    created, token = ApiClient.create(name="平台", office=office)
    client.force_login(people["alice"])
    client.post("/settings/api-clients/", {"action": "disable", "client": created.pk})
    assert not ApiClient.objects.get().active
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_other_roles_and_other_offices_are_refused(client, people, office):
    client.force_login(people["lily"])
    assert client.get("/settings/api-clients/").status_code == 403
    other = OfficeFactory(name="乙街道")
    stranger, _token = ApiClient.create(name="乙街道平台", office=other)
    client.force_login(people["alice"])
    assert "乙街道平台" not in client.get("/settings/api-clients/").content.decode()
    answer = client.post("/settings/api-clients/", {"action": "disable", "client": stranger.pk})
    assert answer.status_code == 404
    refused = client.post(
        "/settings/api-clients/",
        {"action": "create", "name": "越权", "office": other.pk, "rate_limit": 60},
    )
    assert refused.status_code == 200 and not ApiClient.objects.filter(name="越权").exists()


def test_the_settings_tabs_link_the_page(client, people):
    client.force_login(people["alice"])
    assert 'href="/settings/api-clients/"' in client.get("/settings/people/").content.decode()


def test_a_superuser_adds_a_client_in_the_admin_and_sees_the_token(
    client, office, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", password="pass12345")
    client.force_login(admin)
    response = client.post(
        "/admin/api/apiclient/add/",
        {"name": "市热线", "office": office.pk, "rate_limit": 100, "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    token = re.search(r"(dbk_[\w-]+)", response.content.decode()).group(1)
    assert token_client(token).name == "市热线"


def test_managing_clients_is_in_the_audit_trail(client, people, office):
    client.force_login(people["alice"])
    client.post(
        "/settings/api-clients/",
        {"action": "create", "name": "平台", "office": office.pk, "rate_limit": 60},
    )
    created = ApiClient.objects.get()
    client.post("/settings/api-clients/", {"action": "disable", "client": created.pk})
    versions = list(created.history.order_by("history_id"))
    assert [v.history_type for v in versions] == ["+", "~"]
    assert all(v.history_user == people["alice"] and v.channel == "web" for v in versions)
    assert versions[-1].active is False


def test_a_malformed_client_id_is_a_404(client, people):
    client.force_login(people["alice"])
    answer = client.post("/settings/api-clients/", {"action": "renew", "client": "x"})
    assert answer.status_code == 404
