"""The monthly supervision report (督查报告) as a Word document: the blocks of
reports/monthly_text.py laid out by the GB/T 9704 renderer (core/official_docx.py);
this module only declares the layouts of the report's two tables.
Every number printed comes from the figures dict, so the document cannot disagree
with its JSON; nothing here touches the database.
"""

from __future__ import annotations

from duban.core.official_docx import SIZE_5, SIZE_SMALL_4, render_blocks
from duban.reports.monthly_text import blocks

# Landscape text block of the attachment is 225 mm wide (see official_docx).
TABLES = {
    "lagging": {
        "widths_mm": [12, 26, 36, 26, 24, 53, 48],
        "align": ["center", "left", "left", "left", "center", "left", "left"],
        "size": SIZE_5,
    },
    "street": {
        "widths_mm": [50, 16, 18, 21, 21, 30],
        "align": ["left", "center", "center", "center", "center", "center"],
        "size": SIZE_SMALL_4,
    },
    "tickets": {
        "widths_mm": [51, 14, 14, 19.5, 23.5, 17, 17],
        "align": ["left", "center", "center", "center", "center", "center", "center"],
        "size": SIZE_5,
    },
}


def render_docx(figures: dict) -> bytes:
    """The report of `figures` (reports.figures.monthly) as .docx bytes."""
    office = figures["office"]["name"]
    return render_blocks(
        blocks(figures), tables=TABLES, title=figures["title"], author=f"{office}党政办公室"
    )
