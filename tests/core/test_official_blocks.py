"""The blocks → OfficialDocument renderer and the GB/T 9704 elements it adds for the
documents that go out under a number: 版头 (发文机关标志, 发文字号, 签发人, red line),
主送机关 and 版记. Read back with python-docx; the last test looks at the PDF."""

import datetime as dt
import io
import os
import re
import shutil
import subprocess

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from duban.core import official_docx as od
from duban.core import pdf

ORGAN = "示范街道办事处文件"
NUMBER = "示街办发〔2022〕3号"
TITLE = "示范街道办事处关于重点工作督查情况的通报"
CC = ["区委督查室", "区政府督查室"]
TABLES = {"items": {"widths_mm": [16, 90, 50], "align": ["center", "left", "left"]}}


def blocks(**header):
    return [
        {"kind": "header", "organ": ORGAN, "number": NUMBER, **header},
        {"kind": "title", "text": TITLE},
        {"kind": "recipients", "text": "各居民区，街道各科室"},
        {"kind": "p", "text": "现将第三季度重点工作督查情况通报如下。"},
        {"kind": "heading", "level": 1, "text": "一、总体情况"},
        {"kind": "heading", "level": 2, "text": "（一）民生实事。", "run_in": "均按计划推进。"},
        {"kind": "attachment_note", "text": "推进滞后事项清单"},
        {"kind": "signature", "office": "示范街道办事处", "date": "2022年10月8日"},
        {"kind": "attachment", "title": "推进滞后事项清单"},
        {
            "kind": "table",
            "name": "items",
            "header": ["序号", "事项名称", "牵头单位"],
            "rows": [[1, "既有多层住宅加装电梯", "城建中心"]],
        },
        {"kind": "record", "cc": CC, "printer": "示范街道党政办公室", "date": dt.date(2022, 10, 8)},
    ]


def render(items=None, **header):
    data = od.render_blocks(items or blocks(**header), tables=TABLES, title="通报", author="党政办")
    return Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def document():
    return render()


def body(document):
    """Paragraphs and tables of the body in order, as ("p", Paragraph) / ("tbl", Table)."""
    paragraphs = {p._p: p for p in document.paragraphs}
    tables = {t._tbl: t for t in document.tables}
    out = []
    for element in document.element.body:
        if element in paragraphs:
            out.append(("p", paragraphs[element]))
        elif element in tables:
            out.append(("tbl", tables[element]))
    return out


def texts(document):
    return [item.text if kind == "p" else "<table>" for kind, item in body(document)]


def font(run):
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def colour(run):
    return str(run.font.color.rgb) if run.font.color and run.font.color.type else None


def border(paragraph, edge):
    found = paragraph._p.pPr.find(f"{qn('w:pBdr')}/{qn(f'w:{edge}')}")
    return None if found is None else {k.split("}")[1]: v for k, v in found.attrib.items()}


# ----- the renderer -----


def test_blocks_come_out_in_order_with_the_header_first_and_the_record_last(document):
    assert texts(document) == [
        ORGAN,
        "",
        "",
        NUMBER,
        "",
        "",
        TITLE,
        "",
        "各居民区，街道各科室：",
        "现将第三季度重点工作督查情况通报如下。",
        "一、总体情况",
        "（一）民生实事。均按计划推进。",
        "",
        "附件：推进滞后事项清单",
        "",
        "示范街道办事处",
        "2022年10月8日",
        "附件",
        "",
        "推进滞后事项清单",
        "<table>",
        "<table>",
        "",  # the paragraph the 版记 floats on
    ]


def test_blocks_lay_out_exactly_what_the_builder_calls_do():
    doc = od.OfficialDocument(title="通报", author="党政办")
    doc.header(ORGAN, NUMBER)
    doc.title(TITLE)
    doc.recipients("各居民区，街道各科室")
    doc.paragraph("现将第三季度重点工作督查情况通报如下。")
    doc.heading("一、总体情况", 1)
    doc.heading("（一）民生实事。", 2, run_in="均按计划推进。")
    doc.attachment_note("推进滞后事项清单")
    doc.signature("示范街道办事处", "2022年10月8日")
    doc.attachment("推进滞后事项清单")
    doc.table(
        ["序号", "事项名称", "牵头单位"],
        [[1, "既有多层住宅加装电梯", "城建中心"]],
        [16, 90, 50],
        align=["center", "left", "left"],
    )
    doc.record(cc=CC, printer="示范街道党政办公室", date=dt.date(2022, 10, 8))
    by_hand = Document(io.BytesIO(doc.to_bytes())).element.body.xml
    assert render().element.body.xml == by_hand


def test_a_table_block_may_carry_its_own_layout_and_a_note_several_names():
    document = render(
        [
            {"kind": "attachment_note", "text": ["清单一", "清单二"]},
            {"kind": "table", "header": ["甲", "乙"], "rows": [["1", "2"]], "widths_mm": [40, 60]},
        ]
    )
    assert texts(document)[1:3] == ["附件：1.清单一", "2.清单二"]
    assert [round(c.width.mm) for c in document.tables[0].columns] == [40, 60]


def test_every_block_kind_has_a_renderer_and_an_unknown_one_is_refused():
    for kind in od.BLOCK_KINDS:
        assert callable(getattr(od.OfficialDocument, f"_block_{kind}"))
    with pytest.raises(ValueError, match="unknown block kind 'poem'"):
        od.render_blocks([{"kind": "poem", "text": "春眠不觉晓"}])


def test_a_landscape_attachment_block_opens_a_landscape_section():
    document = render(
        [{"kind": "p", "text": "正文。"}, {"kind": "attachment", "title": "表", "landscape": True}]
    )
    assert len(document.sections) == 2
    assert round(document.sections[1].page_width.mm) == 297


# ----- 版头 -----


def test_the_organ_mark_is_red_xiaobiaosong_centred_35mm_below_the_text_block_top(document):
    mark = document.paragraphs[0]
    assert mark.text == ORGAN
    assert mark.alignment == WD_ALIGN_PARAGRAPH.CENTER
    run = mark.runs[0]
    assert font(run) == "方正小标宋简体"
    assert run.font.size == Pt(42)
    assert colour(run) == "FF0000"
    # the line's top sits a tenth of the size above the characters' top edge
    top = Pt(mark.paragraph_format.space_before.pt + 4.2)
    assert round(top.mm, 1) == 35


def test_a_long_organ_mark_is_squeezed_to_the_line_and_a_short_one_is_not(document):
    assert document.paragraphs[0].runs[0]._r.rPr.find(qn("w:w")) is None
    organ = "示范街道党政办公室文件"  # 11 × 42 pt is wider than 156 mm
    long = render([{"kind": "header", "organ": organ, "number": NUMBER}]).paragraphs[0]
    scale = int(long.runs[0]._r.rPr.find(qn("w:w")).get(qn("w:val")))
    assert scale < 100
    assert 11 * 42 * scale / 100 <= Mm(156).pt < 11 * 42 * (scale + 1) / 100


def test_the_number_is_centred_two_lines_under_the_mark_in_black_fangsong(document):
    number = document.paragraphs[3]
    assert [p.text for p in document.paragraphs[1:3]] == ["", ""]
    assert number.text == NUMBER
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert font(number.runs[0]) == "仿宋_GB2312"
    assert number.runs[0].font.size == Pt(16)
    assert colour(number.runs[0]) is None  # black (§5.2.4)


def test_a_red_line_as_wide_as_the_text_block_lies_under_the_number(document):
    number = document.paragraphs[3]
    line = border(number, "bottom")
    assert line["val"] == "single" and line["color"] == "FF0000"
    # 4 mm under the characters: their foot is about 5 pt above the 28.95 pt line box's
    assert abs(int(line["space"]) + 5 - Mm(4).pt) < 1
    fmt = number.paragraph_format
    assert not fmt.left_indent and not fmt.right_indent  # the line spans the whole block
    assert [p.text for p in document.paragraphs[4:7]] == ["", "", TITLE]


def test_with_a_signer_the_number_goes_left_and_the_signer_right_on_one_line():
    number = render(signer="王某某").paragraphs[3]
    assert number.text == f"{NUMBER}\t签发人：王某某"
    fmt = number.paragraph_format
    assert fmt.first_line_indent.twips == od.CHAR_PITCH  # one character in
    assert not fmt.left_indent  # so the red line still runs the full width
    (stop,) = fmt.tab_stops
    assert stop.alignment == WD_TAB_ALIGNMENT.RIGHT
    assert stop.position.twips == od.TEXT_WIDTH.twips - od.CHAR_PITCH  # one character in
    assert [font(r) for r in number.runs] == ["仿宋_GB2312", "楷体_GB2312"]
    assert number.runs[1].text == "王某某"
    assert border(number, "bottom")["color"] == "FF0000"


def test_the_header_must_open_the_document():
    doc = od.OfficialDocument()
    doc.paragraph("正文。")
    with pytest.raises(ValueError, match="版头"):
        doc.header(ORGAN, NUMBER)


@pytest.mark.parametrize(
    ("args", "number"),
    [
        (("示街办发", 2022, 3), "示街办发〔2022〕3号"),
        (("示街办发", "2022", "03"), "示街办发〔2022〕3号"),
    ],
)
def test_document_numbers_use_hexagonal_brackets_and_no_leading_zeros(args, number):
    assert od.document_number(*args) == number


def test_a_document_number_needs_a_full_year_and_a_serial_from_one():
    with pytest.raises(ValueError):
        od.document_number("示街办发", 22, 3)
    with pytest.raises(ValueError):
        od.document_number("示街办发", 2022, 0)


# ----- 主送机关 -----


@pytest.mark.parametrize(
    "text", ["各居民区，街道各科室", "各居民区，街道各科室:", "各居民区，街道各科室："]
)
def test_recipients_are_flush_left_under_a_blank_line_and_end_in_a_full_width_colon(text):
    document = render([{"kind": "title", "text": TITLE}, {"kind": "recipients", "text": text}])
    title, blank, recipients = document.paragraphs[:3]
    assert (title.text, blank.text, recipients.text) == (TITLE, "", "各居民区，街道各科室：")
    assert recipients.paragraph_format.first_line_indent == 0
    assert not recipients.paragraph_format.left_indent
    assert font(recipients.runs[0]) == "仿宋_GB2312"
    assert recipients.runs[0].font.size == Pt(16)


# ----- 版记 -----


def record(document):
    return document.tables[-1]


def test_the_record_floats_to_the_bottom_of_the_text_block_as_wide_as_it(document):
    table = record(document)
    position = table._tbl.tblPr.find(qn("w:tblpPr"))
    assert position.get(qn("w:vertAnchor")) == "margin"
    assert position.get(qn("w:tblpYSpec")) == "bottom"
    assert position.get(qn("w:horzAnchor")) == "page"
    assert int(position.get(qn("w:tblpX"))) == Mm(28).twips
    assert round(table.columns[0].width.mm) == 156
    margins = table._tbl.tblPr.find(qn("w:tblCellMar"))
    assert [int(m.get(qn("w:w"))) for m in margins] == [0, 0]


def test_the_record_has_thick_lines_outside_and_a_thin_one_between(document):
    edges = {
        child.tag.split("}")[1]: (child.get(qn("w:val")), child.get(qn("w:sz")))
        for child in record(document)._tbl.tblPr.find(qn("w:tblBorders"))
    }
    assert edges == {
        "top": ("single", "8"),  # 1 pt ≈ 0.35 mm
        "bottom": ("single", "8"),
        "insideH": ("single", "6"),  # 0.75 pt ≈ 0.25 mm
        "left": ("nil", None),
        "right": ("nil", None),
        "insideV": ("nil", None),
    }


def test_cc_is_fourth_size_fangsong_one_character_in_continuations_after_the_colon(document):
    (cc,) = record(document).rows[0].cells[0].paragraphs
    assert cc.text == "抄送：区委督查室，区政府督查室。"
    run = cc.runs[0]
    assert (font(run), run.font.size) == ("仿宋_GB2312", Pt(14))
    fmt = cc.paragraph_format
    assert fmt.left_indent == Pt(14 * 4)
    assert fmt.first_line_indent == -Pt(14 * 3)
    assert fmt.right_indent == Pt(14)


def test_printer_left_and_date_right_one_character_in_below_the_thin_line(document):
    (line,) = record(document).rows[1].cells[0].paragraphs
    assert line.text == "示范街道党政办公室\t2022年10月8日印发"
    assert line.paragraph_format.left_indent == Pt(14)
    (stop,) = line.paragraph_format.tab_stops
    assert stop.alignment == WD_TAB_ALIGNMENT.RIGHT
    assert abs(stop.position.twips - (od.TEXT_WIDTH.twips - 280)) <= 1  # margins' rounding


def test_recipients_moved_to_the_record_sit_above_cc_with_no_line_between():
    document = render(
        [
            {
                "kind": "record",
                "to": "各居民区",
                "cc": "区委督查室。",
                "printer": "党政办",
                "date": "2022-10-08",
            }
        ]
    )
    table = record(document)
    assert len(table.rows) == 2
    assert [p.text for p in table.rows[0].cells[0].paragraphs] == [
        "主送：各居民区。",
        "抄送：区委督查室。",
    ]
    assert table.rows[1].cells[0].text == "党政办\t2022年10月8日印发"


def test_a_record_without_cc_is_one_line_between_the_two_thick_lines():
    table = record(render([{"kind": "record", "printer": "党政办", "date": dt.date(2022, 1, 5)}]))
    assert len(table.rows) == 1
    assert table.rows[0].cells[0].text == "党政办\t2022年1月5日印发"


def test_every_new_run_names_its_east_asian_font(document):
    for run in document.element.body.iter(qn("w:r")):
        rfonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert rfonts is not None and rfonts.get(qn("w:eastAsia")), run.xml


# ----- on paper -----

NEEDS_PDF = pytest.mark.skipif(
    not (pdf.available() and shutil.which("pdftotext"))
    and os.environ.get("DUBAN_REQUIRE_SOFFICE") != "1",
    reason="LibreOffice 或 pdftotext（poppler-utils）未安装；CI 设置 DUBAN_REQUIRE_SOFFICE=1 时必须运行",
)


@NEEDS_PDF
def test_on_paper_the_record_lies_on_the_last_page_bottom_and_the_mark_on_the_first(tmp_path):
    target = tmp_path / "doc.pdf"
    target.write_bytes(pdf.docx_to_pdf(od.render_blocks(blocks(), tables=TABLES)))
    done = subprocess.run(["pdftotext", "-bbox", str(target), "-"], capture_output=True, check=True)
    pages = done.stdout.decode("utf-8").split("<page ")[1:]
    words = [
        [(float(y_max), text) for y_max, text in re.findall(r'yMax="([\d.]+)">([^<]+)<', page)]
        for page in pages
    ]
    first, last = words[0], words[-1]
    assert first[0][1].startswith("示范街道")
    printed = next(y for y, text in last if text.endswith("印发"))
    text_block_bottom = Mm(297 - 35).pt
    # the 印发 line is the last line of the text block (the line box is 28.95 pt)
    assert text_block_bottom - 28.95 < printed < text_block_bottom
    attachment = next(y for y, text in last if text == "附件")
    assert attachment < Mm(37 + 20).pt  # the record did not push the attachment off its page
