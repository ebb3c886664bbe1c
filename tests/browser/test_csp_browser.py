"""Under the Content-Security-Policy the pages still work in Chromium (issue 14): the
charts draw, the nonced scripts run (adding a milestone row), and the browser reports
no refused script, style or connection on the pages that carry scripts."""

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/dashboard/?year=2022",
    "/ledger/new/",
    "/progress/batch/?period=2022-07",
    "/progress/review/",
    "/tickets/stats/",
    "/tickets/new/",
    "/supervision/ranking/?year=2022",
]


def test_no_page_with_scripts_is_refused_anything_by_the_policy(page, live_server, people, judged):
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append((page.url, message.text))
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: refused.append((page.url, str(error))))
    login(page, live_server, "alice")
    for path in PAGES:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert refused == []

    # the nonced inline script of the task form runs: 添加节点 adds a row
    page.goto(live_server.url + "/ledger/new/")
    rows = page.locator("#milestone-rows tbody tr").count()
    page.click("#add-milestone")
    assert page.locator("#milestone-rows tbody tr").count() == rows + 1

    # the dashboard's charts (ECharts from its static file, options from a JSON block) draw
    page.goto(live_server.url + "/dashboard/?year=2022&period=2022-07")
    page.wait_for_function("document.querySelectorAll('.chart canvas, .chart svg').length > 0")
    assert refused == []


def test_the_admin_and_the_api_docs_work_under_the_policy(page, live_server, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", password="pass12345")
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append((page.url, message.text))
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: refused.append((page.url, str(error))))
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "pass12345")
    page.click("input[type=submit]")
    for path in ("/admin/", "/admin/ledger/keytask/add/", "/admin/core/calendaryear/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert refused == []
