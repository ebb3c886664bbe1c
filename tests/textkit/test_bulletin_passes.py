"""The quarterly bulletin (督查督办工作通报) duban generates passes the number checker."""

import datetime as dt

from duban.reports import bulletin as B
from duban.reports.bulletin_docx import render_docx
from duban.textkit import numbers as N
from duban.textkit.documents import paragraphs
from tests.reports.test_bulletin import quarter  # noqa: F401  (the bulletin's own fixture)


def test_the_quarterly_bulletin_passes(office, quarter):  # noqa: F811
    figures = B.quarterly(office, "2022Q3", today=dt.date(2022, 10, 8))
    text = paragraphs("通报.docx", render_docx(figures))
    assert any("宗" in p for p in text)  # 土地上市 18宗, 已完成11宗 is read
    assert N.check(text) == []
