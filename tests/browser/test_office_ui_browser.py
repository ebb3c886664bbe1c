"""What an office sees in Chromium: the ledger's filters fold away on a phone, printing
leaves out the navigation and the filters, and a column header sorts the list."""

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_folds_the_filters_print_hides_them_and_headers_sort(
    page, live_server, people, tasks
):
    login(page, live_server, "alice")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/ledger/?year=2022")
    filters = page.locator("#ledger-filters")
    assert not filters.is_visible()
    page.click("label.fold-label")
    assert filters.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.set_viewport_size({"width": 1366, "height": 768})
    assert filters.is_visible() and not page.locator("label.fold-label").is_visible()
    page.emulate_media(media="print")
    assert not filters.is_visible()
    assert not page.locator(".site-header").is_visible()
    assert page.locator("#ledger-table").is_visible()
    page.emulate_media(media="screen")

    page.click("#ledger-table th a:has-text('编号')")
    page.wait_for_load_state("networkidle")
    page.click("#ledger-table th a:has-text('编号')")  # again: the other way round
    page.wait_for_load_state("networkidle")
    codes = page.locator("#ledger-table tbody tr td:first-child").all_inner_texts()
    assert codes == ["ZB-01", "MS-02", "MS-01"]
    assert "sort=-code" in page.url
