"""The office's own documents (/work/shared/reference/) as test inputs: the blanks of the
monthly report are found, the sums that add up in the bulletin and the annual summary are
not flagged. Skipped where the reference documents are not on the machine."""

from pathlib import Path

import pytest

from duban.textkit import numbers as N

REFERENCE = Path("/work/shared/reference")

needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="no reference documents")


def findings(name):
    return N.check_text((REFERENCE / name).read_text(encoding="utf-8"))


@needs_reference
def test_the_monthly_reports_blank_rates_are_found():
    found = findings("1-monthly-key-work-supervision-report.txt")
    blanks = [f for f in found if f.kind == "blank"]
    assert [f.quote for f in blanks] == ["滞后率占比%", "滞后率占比%", "重点工作滞后项目占比约%"]
    assert [(f.paragraph, f.sentence) for f in blanks] == [(6, 3), (6, 4), (6, 6)]
    # its sums add up (10 = 1+4+5, 35 = 28+7 across sentences) and 5/10 is 50%
    assert [f for f in found if f.kind != "blank"] == []


@needs_reference
@pytest.mark.parametrize(
    "name",
    [
        "4-quarterly-supervision-bulletin-accountability.txt",
        "5-annual-summary-and-plan-hotline-stats.txt",
    ],
)
def test_sums_that_add_up_are_not_flagged(name):
    found = findings(name)
    assert [f for f in found if f.kind != "blank"] == []


@needs_reference
def test_the_sums_of_the_references_are_read():
    """Not flagged because they add up, not because they were missed."""
    text = (REFERENCE / "5-annual-summary-and-plan-hotline-stats.txt").read_text(encoding="utf-8")
    groups = N.groups_of(N.split(N.paragraphs_of(text)))
    read = {
        (N.fmt(g.whole.value), g.whole.unit, tuple(N.fmt(p.value) for p in g.parts)) for g in groups
    }
    assert ("5011", "件", ("2013", "1808", "1190")) in read
    assert ("66772", "人", ("57211", "9561")) in read
    assert ("70", "户", ("37", "33")) in read
    text = (REFERENCE / "4-quarterly-supervision-bulletin-accountability.txt").read_text(
        encoding="utf-8"
    )
    groups = N.groups_of(N.split(N.paragraphs_of(text)))
    read = {(N.fmt(g.whole.value), tuple(N.fmt(p.value) for p in g.parts)) for g in groups}
    assert ("104", ("50", "54")) in read
    assert ("50", ("46", "4")) in read


@needs_reference
def test_the_placeholder_amounts_of_the_annual_summary_are_blanks():
    found = findings("5-annual-summary-and-plan-hotline-stats.txt")
    assert {f.quote for f in found} == {"XX元"}
    assert len(found) == 9
