"""Punctuation that would be a line's 29th character is not lost in the PDF: LibreOffice
hangs it in the margin of a justified line without drawing it, so the documents say
explicitly what it must do instead (carry the character before it to the next line)."""

import io
import os
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn

from duban.core import official_docx as od
from duban.core import pdf

REQUIRED = os.environ.get("DUBAN_REQUIRE_SOFFICE") == "1"
LINE = "一二三四五六七八九十" * 2 + "一二三四五六七八"  # 28 characters: one full line
FIRST = LINE[:26]  # the first line, after its two characters of indent
MARKS = "、，。；："
AFTER = "甲乙丙丁戊"  # what follows each mark, to find it again


def _document():
    blocks = [
        {"kind": "p", "text": f"{FIRST}{LINE}{mark}{after}。"}
        for mark, after in zip(MARKS, AFTER, strict=True)
    ]
    return od.render_blocks(blocks)


def test_the_normal_style_says_how_line_end_punctuation_is_set():
    normal = Document(io.BytesIO(_document())).styles["Normal"]
    overflow = normal.element.pPr.find(qn("w:overflowPunct"))
    assert overflow is not None and overflow.get(qn("w:val")) == "1"


@pytest.mark.skipif(
    not (pdf.available() and shutil.which("pdftotext")) and not REQUIRED,
    reason="LibreOffice 或 pdftotext（poppler-utils）未安装；CI 设置 DUBAN_REQUIRE_SOFFICE=1 时必须运行",
)
def test_a_mark_at_the_end_of_a_full_line_is_printed(tmp_path):
    target = tmp_path / "marks.pdf"
    target.write_bytes(pdf.docx_to_pdf(_document()))
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    joined = "".join(line.strip() for line in text.splitlines())
    for mark, after in zip(MARKS, AFTER, strict=True):
        assert f"七八{mark}{after}。" in joined, (mark, text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert not any(line[0] in MARKS for line in lines), text  # 避头尾
