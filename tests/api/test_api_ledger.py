"""Ledger and dashboard JSON: the page's own filter and figures, by session or token;
the OpenAPI schema and the docs page, served without any CDN."""

import json
import re

import pytest
from openapi_spec_validator import validate

from duban.api.models import ApiClient
from duban.api.schemas import LedgerPage
from duban.reports import dashboard
from tests.api.conftest import bearer
from tests.factories import KeyTaskFactory, OfficeFactory, UnitFactory


def test_the_ledger_json_is_the_list_of_the_page(client, people, judged):
    client.force_login(people["alice"])
    response = client.get("/api/v1/ledger", {"year": 2022, "period": "2022-07"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["year"] == 2022 and body["count"] == 3 and body["page_size"] == 50
    codes = [t["code"] for t in body["results"]]
    assert sorted(codes) == ["MS-01", "MS-02", "ZB-01"]
    east = next(t for t in body["results"] if t["code"] == "MS-02")
    assert east["partner_units"] == ["城建中心"]
    assert east["extra"]["状态"] == "推进滞后"
    assert east["url"] == f"/ledger/{judged['east'].pk}/"
    LedgerPage.model_validate(body)  # answered unchecked: it must match what the schema says


def test_the_ledger_json_filters_like_the_page(client, people, judged):
    client.force_login(people["alice"])
    lagging = client.get(
        "/api/v1/ledger", {"year": 2022, "period": "2022-07", "status": "lagging"}
    ).json()
    assert [t["code"] for t in lagging["results"]] == ["MS-02"]
    found = client.get("/api/v1/ledger", {"year": 2022, "q": "垃圾"}).json()
    assert [t["code"] for t in found["results"]] == ["ZB-01"]


def test_a_unit_sees_only_its_tasks(client, people, judged):
    client.force_login(people["carol"])  # 东苑居民区
    body = client.get("/api/v1/ledger", {"year": 2022}).json()
    assert [t["code"] for t in body["results"]] == ["MS-02"]


def test_the_ledger_pages_by_fifty(client, people, units):
    for n in range(55):
        KeyTaskFactory(code=f"T-{n:03d}", lead_unit=units["build"])
    client.force_login(people["rita"])
    first = client.get("/api/v1/ledger", {"year": 2022}).json()
    assert first["count"] == 55 and first["pages"] == 2 and len(first["results"]) == 50
    second = client.get("/api/v1/ledger", {"year": 2022, "page": 2}).json()
    assert len(second["results"]) == 5
    assert client.get("/api/v1/ledger", {"year": 2022, "page": 3}).status_code == 404
    bad = client.get("/api/v1/ledger", {"page": "二"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "page"


def test_the_ledger_and_dashboard_need_a_caller(client, judged):
    assert client.get("/api/v1/ledger").status_code == 401
    assert client.get("/api/v1/dashboard").status_code == 401


def test_a_token_reads_the_ledger_of_its_office_only(client, office, judged):
    _mine, token = ApiClient.create(name="区平台", office=office)
    assert client.get("/api/v1/ledger", {"year": 2022}, **bearer(token)).json()["count"] == 3
    other = OfficeFactory(name="乙街道")
    KeyTaskFactory(office=other, code="YI-01", lead_unit=UnitFactory(office=other, name="乙城建"))
    _stranger, other_token = ApiClient.create(name="乙街道平台", office=other)
    body = client.get("/api/v1/ledger", {"year": 2022}, **bearer(other_token)).json()
    assert [t["code"] for t in body["results"]] == ["YI-01"]
    figures = client.get("/api/v1/dashboard", {"year": 2022}, **bearer(other_token)).json()
    assert figures["kpi"]["total"] == 1


def test_the_dashboard_json_is_the_pages_figures(client, people, judged):
    client.force_login(people["lily"])
    response = client.get("/api/v1/dashboard", {"year": 2022, "period": "2022-07"})
    assert response.status_code == 200
    expected = json.loads(
        json.dumps(dashboard.build(people["lily"], year="2022", period="2022-07"), default=str)
    )
    assert response.json() == expected
    assert response.json()["kpi"]["lagging"] == 1


def test_a_unit_person_gets_403_from_the_dashboard(client, people, judged):
    client.force_login(people["bob"])
    response = client.get("/api/v1/dashboard")
    assert response.status_code == 403
    assert "驾驶舱" in response.json()["detail"]


# ----- schema and docs -----


def test_the_openapi_schema_is_valid_json_describing_the_endpoints(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "督办数据接口"
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/tickets"])
    assert {"patch", "get"} <= set(paths["/api/v1/tickets/{number}"])
    assert "/api/v1/ledger" in paths and "/api/v1/dashboard" in paths
    assert "TicketIn" in schema["components"]["schemas"]
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    validate(schema)  # raises on anything OpenAPI 3 does not allow


def test_the_docs_page_loads_with_local_assets_only(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle" in s for s in sources)
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert "cdn" not in html.lower()
    for asset in sources:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/tickets/x/y"])
def test_an_unknown_path_is_a_404_not_a_500(client, db, path):
    assert client.get(path).status_code == 404


def test_a_clients_scope_key_follows_its_office(office):
    """Caches of what a person sees are keyed by `scope_key`: a client's service account
    sees through an office set in memory, not under the org version, so the key holds it."""
    from duban.api.auth import client_user
    from duban.org.scope import scope_key

    api_client, _token = ApiClient.create(name="区平台", office=office)
    before = scope_key(client_user(ApiClient.objects.get(pk=api_client.pk)))
    ApiClient.objects.filter(pk=api_client.pk).update(office=OfficeFactory(name="乙街道"))
    after = scope_key(client_user(ApiClient.objects.get(pk=api_client.pk)))
    assert before != after
