"""What a user sees when something goes wrong, with DEBUG off as `make run` serves it:
Chinese pages in the product's look, never Django's English ones."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import include, path


def _boom(request):
    raise RuntimeError("故意出错")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("", include("duban.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@override_settings(DEBUG=False)
def test_missing_page_is_chinese_and_in_the_products_look(client, people):
    client.force_login(people["bob"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text
    assert "返回工作台" in text
    assert 'class="site-header"' in text
    assert "Not Found" not in text


@override_settings(DEBUG=False)
def test_forbidden_page_is_chinese(client, people):
    client.force_login(people["bob"])
    response = client.get("/forbidden/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "无权操作" in text and "您没有执行此操作的权限" in text
    assert "Forbidden" not in text


@override_settings(DEBUG=False)
def test_server_error_page_is_chinese(people):
    client = Client(raise_request_exception=False)
    client.force_login(people["bob"])
    response = client.get("/boom/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "系统出错了" in text
    assert "Server Error" not in text
    assert "duban/duban.css" in text  # the product's stylesheet, not a bare page
    assert "故意出错" not in text  # nothing of the exception leaks


@override_settings(DEBUG=False)
def test_bad_request_page_is_chinese(rf):
    from django.views.defaults import bad_request

    response = bad_request(rf.get("/"), Exception("x"))
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


@override_settings(DEBUG=False)
def test_expired_form_says_so_in_chinese(people):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "bob", "password": "pass12345"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "页面已过期" in text and "刷新" in text
    assert "CSRF verification failed" not in text


@override_settings(DEBUG=False)
def test_static_files_are_served_without_debug(client):
    response = client.get("/static/duban/duban.css")
    assert response.status_code == 200
    assert b"--red" in b"".join(response.streaming_content)


def test_pages_link_the_favicon(client, people):
    client.force_login(people["bob"])
    assert "duban/favicon.svg" in client.get("/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_make_run_serves_without_debug():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "DUBAN_DEBUG=$${DUBAN_DEBUG:-0}" in makefile
