"""Real Chromium for the flows people click through.

Playwright drives Debian's /usr/bin/chromium (Playwright's own browser download
does not work on offline machines). Without Chromium these tests are skipped
with a message; DUBAN_REQUIRE_BROWSER=1 (set by CI) turns the skip into a failure.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("DUBAN_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the Django ORM calls the
# tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _required():
    return os.environ.get("DUBAN_REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def chromium():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"未找到 Chromium（{CHROMIUM}）：跳过浏览器测试。安装：make browser-deps"
        if _required():
            pytest.fail("DUBAN_REQUIRE_BROWSER=1 但" + message)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _required():
            pytest.fail("DUBAN_REQUIRE_BROWSER=1 但未安装 playwright")
        pytest.skip("未安装 playwright：跳过浏览器测试")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A page for the flows. Playwright's own probes (wait_for_function with a string) are
    evaluated in the page, which the Content-Security-Policy rightly refuses; the flows let
    Playwright past it, `strict_page` (test_csp_browser) does not."""
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def strict_page(chromium):
    """A page under the product's Content-Security-Policy as a user's browser applies it."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, live_server, username, password="pass12345"):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")
