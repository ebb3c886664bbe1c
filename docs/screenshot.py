"""Screenshots of the running product for the README and docs.

DUBAN_DATA_DIR=/tmp/shots duban migrate && duban demo --password 'Demo-2022-pass'
duban runserver 127.0.0.1:8123 &
.venv/bin/python docs/screenshot.py http://127.0.0.1:8123 demo_admin 'Demo-2022-pass'
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).parent / "img"
PAGES = [
    ("ledger.png", "/ledger/?year=2022", 1400, 900),
    ("ledger-phone.png", "/ledger/?year=2022", 390, 844),
    ("task.png", None, 1280, 1100),
    ("dashboard.png", "/dashboard/", 1280, 900),
    ("dashboard-phone.png", "/dashboard/", 375, 812),
    ("reports.png", "/reports/preview/?period=2022-07", 1280, 1000),
    # what an office sees on a 1366 px laptop and a 375 px phone (issue 9 §4)
    ("ui-ledger-1366.png", "/ledger/", 1366, 768),
    ("ui-ledger-375.png", "/ledger/", 375, 812),
    ("ui-dashboard-1366.png", "/dashboard/", 1366, 768),
    ("ui-dashboard-375.png", "/dashboard/", 375, 812),
    ("ui-help-1366.png", "/help/", 1366, 768),
    ("ui-help-375.png", "/help/", 375, 812),
]
# The dashboard is shot whole, once every chart has finished drawing.
FULL_PAGE = {
    "dashboard.png",
    "dashboard-phone.png",
    "ui-dashboard-1366.png",
    "ui-dashboard-375.png",
}
FULL_PAGE |= {"ui-help-1366.png", "ui-help-375.png"}
CHARTS_DRAWN = "document.querySelectorAll('.chart:not([data-rendered])').length === 0"


def main(base, username, password):
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, url, width, height in PAGES:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            page.goto(base + "/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            if url is None:
                page.goto(base + "/ledger/?year=2022")
                page.locator("table a").first.click()
            else:
                page.goto(base + url)
            page.wait_for_load_state("networkidle")
            if name in FULL_PAGE and "dashboard" in name:
                page.wait_for_function(CHARTS_DRAWN)
            page.screenshot(path=str(OUT / name), full_page=name in FULL_PAGE)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
