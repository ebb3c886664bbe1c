"""The tabular reader of every import: xlsx and csv read row by row, header by name
and aliases, limits for what a file may hold, and broken files refused in Chinese."""

import io
import zipfile

import pytest

from duban.core.tabular import (
    CLI_LIMITS,
    EXCEL_CELL_LIMIT,
    NOT_EXCEL,
    Column,
    Limits,
    TableError,
    closest,
    read_rows,
)
from tests.xlsx import (
    BROKEN_KINDS,
    SHARED_STRINGS,
    SHEET,
    broken_xlsx,
    rewrite_xlsx,
    sheet_xml,
    write_xlsx,
)

COLUMNS = [
    Column("code", "编号", required=True, aliases=("事项编号",)),
    Column("title", "事项名称", required=True),
    Column("note", "备注"),
]


def read(source, limits=CLI_LIMITS, columns=COLUMNS):
    return [(row.number, row.values) for row in read_rows(source, columns, limits=limits)]


def refusal(source, limits=CLI_LIMITS):
    with pytest.raises(TableError) as caught:
        read(source, limits)
    return [str(error) for error in caught.value.errors]


@pytest.fixture
def good(tmp_path):
    return write_xlsx(tmp_path / "good.xlsx", ["编号", "事项名称"], [["A-1", "加装电梯"]])


# ----- xlsx -----


def test_xlsx_rows_are_read_under_the_header_found_below_a_title(tmp_path):
    path = write_xlsx(
        tmp_path / "t.xlsx",
        ["多余", "事项名称", "事项编号"],
        [["x", "加装电梯", "A-1"], [None, None, None], ["y", "老年食堂", 2.0]],
        above=[["2022年重点工作台账"]],
    )

    assert read(path) == [
        (3, {"title": "加装电梯", "code": "A-1"}),
        (5, {"title": "老年食堂", "code": 2.0}),
    ]


def test_the_reader_is_a_generator_that_reads_only_what_is_asked(good):
    rows = read_rows(good, COLUMNS)
    assert iter(rows) is rows
    assert next(rows).values == {"code": "A-1", "title": "加装电梯"}


def test_a_missing_required_header_is_named(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", ["编号", "备注"], [["A-1", ""]])
    assert refusal(path) == ["第1行【事项名称】缺少必需的表头列"]


def test_a_file_of_another_kind_is_refused_naming_xlsx_and_csv(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "只支持 .xlsx 格式的 Excel 文件或 .csv 文件" in refusal(path)[0]


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_a_malformed_xlsx_is_not_a_valid_excel_file(kind, good, tmp_path):
    path = broken_xlsx(kind, good, tmp_path / "broken.xlsx")
    assert refusal(path) == [f"文件：{NOT_EXCEL}"]


def test_an_entity_bomb_never_reaches_the_rows(good, tmp_path):
    """defusedxml refuses the DTD before any entity is expanded."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
    path = broken_xlsx("billion laughs", good, tmp_path / "bomb.xlsx")
    assert refusal(path) == [f"文件：{NOT_EXCEL}"]


def test_an_xlsx_larger_than_the_limit_once_unzipped_is_refused_before_it_is_opened(good, tmp_path):
    # 2 MB of one string compresses to a few KB: a zip bomb in miniature
    big = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    big += b"a" * (2 * 1024 * 1024) + b"</t></si></sst>"
    path = rewrite_xlsx(good, tmp_path / "bomb.xlsx", {SHARED_STRINGS: big})
    assert path.stat().st_size < 100_000

    (message,) = refusal(path, Limits(max_unzipped=1024 * 1024))
    assert message.startswith("文件：文件解压后有 2 MB，超过上限 1 MB")


def test_rows_past_the_limit_are_refused_without_reading_further(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", ["编号", "事项名称"], [[n, "事项"] for n in range(50)])
    rows = read_rows(path, COLUMNS, limits=Limits(max_rows=10))
    read_so_far = []
    with pytest.raises(TableError, match="数据超过 10 行的上限"):
        for row in rows:
            read_so_far.append(row)
    assert len(read_so_far) == 10
    assert len(read(path, Limits(max_rows=50))) == 50


def test_a_cell_longer_than_excel_allows_is_refused_naming_row_and_column(good, tmp_path):
    long = "长" * (EXCEL_CELL_LIMIT + 1)
    path = rewrite_xlsx(
        good,
        tmp_path / "long.xlsx",
        {SHEET: sheet_xml([["编号", "事项名称"], ["A-1", "x"], ["A-2", long]])},
    )
    assert refusal(path) == ["第3行【事项名称】单元格超过 32767 个字符（Excel 单元格的上限）"]


def test_the_web_limits_come_from_the_settings(settings):
    settings.DUBAN_IMPORT_MAX_ROWS = 7
    assert Limits.web().max_rows == 7
    assert CLI_LIMITS.max_rows is None


# ----- csv -----

CSV_TEXT = (
    '说明：2022年\n编号,事项名称,备注\nA-1,加装电梯（一期）,\n,,\nA-2,"老年食堂,二期",有备注\n'
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))

    assert read(path) == [
        (3, {"code": "A-1", "title": "加装电梯（一期）", "note": ""}),
        (5, {"code": "A-2", "title": "老年食堂,二期", "note": "有备注"}),
    ]


def test_csv_from_a_file_object_is_recognised_by_its_content():
    source = io.BytesIO(CSV_TEXT.encode("gb18030"))
    assert [number for number, _ in read(source)] == [3, 5]


def test_a_gb18030_character_late_in_a_long_utf8_looking_file_is_still_read(tmp_path):
    """The encoding is decided over the whole file, not its first kilobytes."""
    lines = ["编号,事项名称"] + [f"A-{n},事项" for n in range(20_000)] + ["Z-1,最后一项"]
    path = tmp_path / "t.csv"
    path.write_bytes("\n".join(lines).encode("gb18030"))
    rows = read(path)
    assert rows[-1][1] == {"code": "Z-1", "title": "最后一项"}


def test_a_csv_cell_longer_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("编号,事项名称\nA-1," + "长" * 40 + "\n", encoding="utf-8")
    (message,) = refusal(path, Limits(max_cell=20))
    assert "超过 20 个字符" in message


def test_a_nul_character_in_a_cell_is_refused_naming_row_and_column(tmp_path):
    """No database keeps a NUL in text (PostgreSQL's driver raised on it mid-import)."""
    path = tmp_path / "t.csv"
    path.write_text("编号,事项名称,备注\nA-1,加装电梯,\nA-2,道路\x00修补,\n", encoding="utf-8")
    (message,) = refusal(path)
    assert message.startswith("第3行【事项名称】单元格含有空字符（NUL）")
    # rows that are not all text (an API push, an xlsx's numbers) are checked too
    rows = [["编号", "事项名称", "备注"], [1, "加装电梯", None], [2, "x", "备\x00注"]]
    (message,) = refusal(rows)
    assert message.startswith("第3行【备注】单元格含有空字符（NUL）")


def test_csv_rows_past_the_limit_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("编号,事项名称\n" + "".join(f"A-{n},x\n" for n in range(30)), encoding="utf-8")
    assert "数据超过 20 行的上限" in refusal(path, Limits(max_rows=20))[0]


# ----- closest -----


def test_closest_names_share_characters_or_contain_each_other():
    names = ["城建中心", "社区服务中心", "平安办", "城市管理办公室"]
    assert closest("城建", names)[0] == "城建中心"
    assert closest("社区服务", names) == ["社区服务中心"]
    assert closest("财政所", names) == []


def test_every_import_takes_closest_from_the_tabular_module():
    from duban.ledger import importer as ledger_importer
    from duban.progress import importer as progress_importer

    assert ledger_importer.closest is closest
    assert progress_importer.closest is closest


def test_a_zip_that_is_no_workbook_at_all_is_not_an_excel_file(tmp_path):
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert refusal(path) == [f"文件：{NOT_EXCEL}"]


def test_the_sheet_part_is_what_is_read(good, tmp_path):
    with zipfile.ZipFile(good) as archive:
        assert SHEET in archive.namelist()


def test_past_the_error_cap_rows_are_read_for_the_limits_but_not_checked(tmp_path, monkeypatch):
    from duban.core import tabular

    class Strict(tabular.TabularImport):
        columns = COLUMNS
        checked = 0

        def validate_row(self, row, errors):
            Strict.checked += 1
            errors.append(tabular.RowError(row.number, "编号", "不对"))

    monkeypatch.setattr(tabular, "MAX_ERRORS", 5)
    path = write_xlsx(tmp_path / "t.xlsx", ["编号", "事项名称"], [[n, "x"] for n in range(30)])

    report = Strict(limits=Limits(max_rows=100)).preview(path)
    assert Strict.checked == 5
    assert str(report.errors[-1]) == "文件：错误已超过 5 处，后面的行未检查；请先修改以上问题"

    report = Strict(limits=Limits(max_rows=20)).preview(path)
    assert [str(e) for e in report.errors] == [
        "文件：数据超过 20 行的上限，未读取；请分成几个文件导入"
    ]


def test_a_sheet_without_its_dimension_is_streamed_from_the_first_row(good, tmp_path, monkeypatch):
    """openpyxl's load_workbook would parse such a sheet whole to find its size before
    the first row (parse_dimensions); the reader never asks for the size."""
    from openpyxl.worksheet._reader import WorkSheetParser

    def whole_sheet(self):
        raise AssertionError("the whole sheet was parsed to find its size")

    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", whole_sheet)
    path = rewrite_xlsx(
        good, tmp_path / "nodim.xlsx", {SHEET: sheet_xml([["编号", "事项名称"], ["A-1", "x"]])}
    )
    with zipfile.ZipFile(path) as archive:
        assert b"<dimension" not in archive.read(SHEET)
    assert read(path) == [(2, {"code": "A-1", "title": "x"})]
