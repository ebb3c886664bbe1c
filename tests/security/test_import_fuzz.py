"""Whatever file people upload, the ledger, progress and requests imports answer with a
Chinese message naming what is wrong and leave the database as it was (issue 14):
random bytes, truncated workbooks, wrong or missing headers, huge cells, formulas,
impossible dates — never an exception, never half a file written."""

import csv
import io
import os
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from duban.ledger.importer import COLUMNS as LEDGER_COLUMNS
from duban.ledger.importer import LedgerImport
from duban.ledger.models import Category, KeyTask, Milestone
from duban.org.models import Unit
from duban.progress.importer import COLUMNS as PROGRESS_COLUMNS
from duban.progress.importer import ProgressImport
from duban.progress.models import Submission
from duban.tickets.importer import BUILT_IN as TICKET_COLUMNS
from duban.tickets.importer import TicketImport
from duban.tickets.models import Ticket, TicketCategory, Transition

CJK = re.compile(r"[\u4e00-\u9fff]")
COUNTED = [KeyTask, Milestone, Category, Unit, Submission, Ticket, TicketCategory, Transition]

# cells that pass on their own, so that examples reach validation's later steps and the
# write: one hostile cell is mixed into each row below
LEDGER_GOOD = {
    "编号": ["SEC-01", "SEC-02", "MS-01"],
    "类别": ["街道民生实事项目", "市委市政府重点工作"],
    "事项名称": ["老旧小区改造"],
    "工作目标": ["年底前完成"],
    "量化指标": ["12", "3.5", ""],
    "指标单位": ["个", ""],
    "牵头单位": ["城建中心", "东苑居民区"],
    "协同单位": ["党政办公室、西苑居民区", ""],
    "责任领导": ["王明"],
    "完成时限": ["2022-12-31", "12月底"],
    "节点计划": ["3月底前：完成方案设计", ""],
}
PROGRESS_GOOD = {
    "编号": ["MS-01", "MS-02", "ZB-01"],
    "进展情况": ["完成3个小区改造"],
    "状态": ["推进正常", "推进滞后", "已完成", ""],
    "滞后原因": ["资金未到位", ""],
    "原因类别": ["资金与要素保障", ""],
    "下步措施": ["继续推进"],
    "完成值": ["3", ""],
}
TICKET_GOOD = {
    "工单编号": ["GD0001", "GD0002"],
    "来源": ["12345热线"],
    "受理时间": ["2022-08-01 09:30"],
    "诉求类别": [""],
    "诉求内容": ["路灯不亮"],
    "社区": ["东苑居民区", ""],
    "诉求人": ["张三", ""],
    "联系电话": ["13812345678", ""],
    "承办单位": ["城建中心", ""],
    "状态": ["办理中", "待分派"],
    "办结时间": [""],
    "是否联系": ["是", ""],
    "是否解决": ["否", ""],
    "满意度": ["满意", ""],
}
HOSTILE = [
    "",
    " ",
    "=1+1",
    '=HYPERLINK("http://example.com","点我")',
    "@SUM(A1:A2)",
    "+cmd|' /C calc'!A0",
    "2022-13-45",
    "2月30日",
    "9999-99-99 99:99",
    "-1",
    "1e309",
    "NaN",
    "\x00\x07\x1b",
    "中" * 5000,
    "x" * 33_000,
    "MS-01",
    "MS-01",
]
cells = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))


def _table(columns, good_cells):
    """Rows under the import's headers (some dropped, some renamed, some made up)."""
    headers = st.lists(
        st.one_of(
            st.sampled_from([c.header for c in columns]),
            st.sampled_from(["", "备注", "编号 ", "=编号", "事项\n名称"]),
        ),
        min_size=1,
        max_size=len(columns) + 1,
    )

    def rows_for(names):
        # a row of good cells with at most one hostile cell in it, so that most rows pass
        # the other checks and the hostile cell is the one the import must deal with
        good = st.tuples(*[st.sampled_from(good_cells.get(n, ["文字"])) for n in names])
        spoilt = st.tuples(good, st.integers(0, len(names)), cells).map(
            lambda t: [v if i != t[1] else t[2] for i, v in enumerate(t[0])]
        )
        return st.lists(spoilt, min_size=1, max_size=4).map(lambda rows: [names, *rows])

    full = st.just([c.header for c in columns]).flatmap(rows_for)
    return st.one_of(full, full, headers.flatmap(rows_for))


def _xlsx(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        # what Excel itself can hold: no control characters, 32,767 characters a cell
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", str(v))[:32_767] for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows, encoding):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding, errors="replace")


def files(columns, good_cells):
    table = _table(columns, good_cells)
    workbook = st.tuples(st.just("表.xlsx"), table.map(_xlsx))
    text = st.tuples(
        st.sampled_from(["表.csv", "表.CSV"]),
        st.tuples(table, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])).map(
            lambda t: _csv(*t)
        ),
    )
    return st.one_of(
        workbook,
        text,
        workbook,
        text,
        # a workbook cut short, as a broken download leaves it
        st.tuples(
            st.just("表.xlsx"),
            st.tuples(table.map(_xlsx), st.floats(0.05, 0.95)).map(
                lambda t: t[0][: int(len(t[0]) * t[1])]
            ),
        ),
        st.tuples(st.sampled_from(["表.xlsx", "表.csv", "表"]), st.binary(max_size=300)),
        st.tuples(st.just("表.xlsx"), st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)),
    )


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def _check(importer, name, data):
    before = _counts()
    source = io.BytesIO(data)
    source.name = name
    report = importer.apply(source)
    if report.errors:
        assert not report.applied
        assert _counts() == before, "a refused file wrote something"
        for error in report.errors:
            assert CJK.search(error.message), error.message
    return report


FUZZ = settings(
    max_examples=int(os.environ.get("DUBAN_FUZZ_EXAMPLES", 25)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(upload=files(LEDGER_COLUMNS, LEDGER_GOOD))
def test_the_ledger_import_refuses_any_bad_file_in_chinese_and_writes_nothing(
    people, tasks, upload
):
    report = _check(LedgerImport(tasks["build"].office, 2022, user=people["alice"]), *upload)
    event("written" if report.applied else "refused" if report.errors else "nothing to do")


@FUZZ
@given(upload=files(PROGRESS_COLUMNS, PROGRESS_GOOD))
def test_the_progress_import_refuses_any_bad_file_in_chinese_and_writes_nothing(
    people, tasks, upload
):
    report = _check(ProgressImport(tasks["build"].office, "2022-07", user=people["alice"]), *upload)
    event("written" if report.applied else "refused" if report.errors else "nothing to do")


@FUZZ
@given(upload=files(TICKET_COLUMNS, TICKET_GOOD))
def test_the_requests_import_refuses_any_bad_file_in_chinese_and_writes_nothing(
    people, units, upload
):
    report = _check(TicketImport(units["build"].office, user=people["alice"]), *upload)
    event("written" if report.applied else "refused" if report.errors else "nothing to do")


IMPORTS = {
    "ledger": (LEDGER_COLUMNS, LEDGER_GOOD),
    "progress": (PROGRESS_COLUMNS, PROGRESS_GOOD),
    "tickets": (TICKET_COLUMNS, TICKET_GOOD),
}


def _importer(kind, people, office):
    if kind == "ledger":
        return LedgerImport(office, 2022, user=people["alice"])
    if kind == "progress":
        return ProgressImport(office, "2022-07", user=people["alice"])
    return TicketImport(office, user=people["alice"])


@pytest.mark.parametrize("kind", IMPORTS)
def test_a_huge_formula_or_impossible_cell_in_any_column_of_a_good_row(kind, people, tasks):
    """Each column of a row that is otherwise right, in turn: 5,000 characters, a formula,
    an impossible date. Longer than the column holds must be refused, not cut short by
    the database (PostgreSQL) half way through a file."""
    columns, good = IMPORTS[kind]
    names = [c.header for c in columns]
    row = [good[n][0] for n in names]
    for index in range(len(names)):
        for value in ("中" * 5000, "=1+1", "2022-02-30"):
            cells = [*row]
            cells[index] = value
            data = _csv([names, cells], "utf-8")
            _check(_importer(kind, people, tasks["build"].office), "表.csv", data)


@pytest.mark.parametrize(
    "url",
    ["/ledger/import/", "/progress/import/?period=2022-07", "/tickets/import/"],
)
def test_an_upload_of_random_bytes_gets_a_page_with_a_chinese_error(client, people, tasks, url):
    client.force_login(people["alice"])
    before = _counts()
    for name, data in [("表.xlsx", b"PK\x03\x04garbage"), ("表.csv", b"\xff\xfe\x00\x00" * 50)]:
        upload = io.BytesIO(data)
        upload.name = name
        response = client.post(
            url, {"file": upload, "year": 2022, "period": "2022-07"}, follow=True
        )
        assert response.status_code in (200, 400), response.status_code
        assert CJK.search(response.content.decode())
    assert _counts() == before
