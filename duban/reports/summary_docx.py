"""The drafted work summary (工作总结 初稿) as a Word document: the blocks of
reports/summary_text.py laid out by the GB/T 9704 renderer (core/official_docx.py).
Every number printed comes from the figures dict; nothing here touches the database."""

from __future__ import annotations

from duban.core.official_docx import render_blocks
from duban.reports.summary_text import blocks


def render_docx(figures: dict) -> bytes:
    """The summary of `figures` (reports.figures.summary) as .docx bytes."""
    office = figures["office"]["name"]
    return render_blocks(blocks(figures), title=figures["title"], author=f"{office}党政办公室")
