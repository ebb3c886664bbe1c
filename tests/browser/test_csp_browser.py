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


def test_no_page_with_scripts_is_refused_anything_by_the_policy(
    strict_page, live_server, people, judged
):
    refused = []
    strict_page.on(
        "console",
        lambda message: (
            refused.append((strict_page.url, message.text))
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    strict_page.on("pageerror", lambda error: refused.append((strict_page.url, str(error))))
    login(strict_page, live_server, "alice")
    for path in PAGES:
        strict_page.goto(live_server.url + path)
        strict_page.wait_for_load_state("networkidle")
    assert refused == []

    # the nonced inline script of the task form runs: 添加节点 adds a row
    strict_page.goto(live_server.url + "/ledger/new/")
    rows = strict_page.locator("#milestone-rows tbody tr").count()
    strict_page.click("#add-milestone")
    assert strict_page.locator("#milestone-rows tbody tr").count() == rows + 1

    # the dashboard's charts (ECharts from its static file, options from a JSON block) draw
    strict_page.goto(live_server.url + "/dashboard/?year=2022&period=2022-07")
    strict_page.wait_for_function(
        "document.querySelectorAll('.chart canvas, .chart svg').length > 0"
    )
    assert refused == []


def test_the_admin_and_the_api_docs_work_under_the_policy(strict_page, live_server, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", password="pass12345")
    refused = []
    strict_page.on(
        "console",
        lambda message: (
            refused.append((strict_page.url, message.text))
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    strict_page.on("pageerror", lambda error: refused.append((strict_page.url, str(error))))
    strict_page.goto(live_server.url + "/admin/login/")
    strict_page.fill("input[name=username]", "root")
    strict_page.fill("input[name=password]", "pass12345")
    strict_page.click("input[type=submit]")
    for path in ("/admin/", "/admin/ledger/keytask/add/", "/admin/core/calendaryear/"):
        strict_page.goto(live_server.url + path)
        strict_page.wait_for_load_state("networkidle")
    strict_page.goto(live_server.url + "/api/v1/docs")
    strict_page.wait_for_selector(".swagger-ui .opblock")
    assert refused == []
