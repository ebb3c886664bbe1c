"""Printing on A4 without navigation or filters, and the ledger's filters folded on a phone."""

import re
from pathlib import Path

from django.urls import reverse

CSS = (Path(__file__).resolve().parents[2] / "duban/core/static/duban/duban.css").read_text()


def _print_rules():
    start = CSS.index("@media print")
    return CSS[start:]


def test_print_hides_navigation_filters_and_buttons_and_lets_tables_wrap():
    rules = _print_rules()
    hidden = rules.split("{ display: none !important; }", 1)[0]
    for selector in [".site-header", ".filters", ".fold-label", ".actions", ".pagination", ".btn"]:
        assert selector in hidden, selector
    assert ".table-scroll { overflow: visible !important; }" in rules
    assert "white-space: normal !important" in rules
    assert re.search(r"@page\s*\{\s*size: A4;", CSS)
    assert re.search(r"@page landscape\s*\{\s*size: A4 landscape;", CSS)


def test_the_ledger_prints_landscape_and_other_pages_portrait(client, people, tasks):
    client.force_login(people["alice"])
    ledger = client.get(reverse("ledger:list")).content.decode()
    assert '<body class="print-landscape">' in ledger
    task = client.get(reverse("ledger:detail", args=[tasks["build"].pk])).content.decode()
    assert '<body class="">' in task


def test_ledger_filters_fold_behind_a_button_on_a_phone(client, people, tasks, units):
    client.force_login(people["alice"])
    page = client.get(reverse("ledger:list")).content.decode()
    toggle = page.index('id="filters-toggle"')
    assert toggle < page.index('class="btn fold-label"') < page.index('id="ledger-filters"')
    assert "已筛选" not in page
    filtered = client.get(reverse("ledger:list"), {"lead_unit": units["build"].pk}).content.decode()
    assert "已筛选" in filtered
    phone = CSS[CSS.index("@media (max-width: 760px)") : CSS.index("@media print")]
    assert ".fold-body { display: none; }" in phone
    assert ".fold-toggle:checked ~ .fold-body { display: flex; }" in phone
