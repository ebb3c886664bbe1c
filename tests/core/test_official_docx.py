"""The official-document builder lays pages out to GB/T 9704-2012, read back from the XML."""

import datetime as dt
import io

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from duban.core import official_docx as od

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def build(*, landscape=False):
    doc = od.OfficialDocument(title="样例通知", author="示范街道党政办公室")
    doc.title("示范街道关于做好重点工作督查的通知")
    doc.paragraph("各居民区、各部门：为推动年度重点工作落实，现就有关事项通知如下。")
    doc.heading("一、第一层标题", 1)
    doc.heading("（一）第二层标题", 2)
    doc.heading("1.第三层标题", 3)
    doc.heading("（1）第四层标题。", 4, run_in="同一段接排的正文。")
    doc.paragraph("最后一段正文。")
    doc.attachment_note("重点工作明细表")
    doc.signature("示范街道党政办公室", dt.date(2022, 8, 1))
    doc.attachment("重点工作明细表", landscape=landscape)
    doc.table(
        ["序号", "事项名称", "牵头单位"],
        [[1, "老旧小区综合改造", "城建中心"], [2, "社区食堂建设", "东苑居民区"]],
        [16, 90, 50],
        align=["center", "left", "left"],
    )
    return Document(io.BytesIO(doc.to_bytes()))


@pytest.fixture(scope="module")
def document():
    return build()


def paragraph(document, text):
    return next(p for p in document.paragraphs if p.text == text)


def neighbour(document, paragraph, offset):
    """The paragraph `offset` places after (or before) `paragraph` in the body."""
    elements = [p._p for p in document.paragraphs]
    return document.paragraphs[elements.index(paragraph._p) + offset]


def fonts(run):
    rfonts = run._r.rPr.rFonts
    return {name: rfonts.get(qn(f"w:{name}")) for name in ("eastAsia", "ascii", "hAnsi")}


def mm(length):
    return round(length.mm, 1)


def test_page_is_a4_with_the_standard_margins(document):
    section = document.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert mm(section.top_margin) == 37
    assert mm(section.bottom_margin) == 35
    assert mm(section.left_margin) == 28
    assert mm(section.right_margin) == 26


def test_no_section_uses_a_word_document_grid(document):
    for section in document.sections:
        assert section._sectPr.find(qn("w:docGrid")) is None


def test_body_is_16pt_fangsong_on_exact_28_95pt_lines(document):
    body = paragraph(document, "最后一段正文。")
    spacing = body._p.pPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "exact"
    assert int(spacing.get(qn("w:line"))) / 20 == 28.95
    run = body.runs[0]
    assert run.font.size == Pt(16)
    assert fonts(run) == {"eastAsia": "仿宋_GB2312", "ascii": "仿宋_GB2312", "hAnsi": "仿宋_GB2312"}


def test_twenty_two_lines_fill_the_text_block_height(document):
    section = document.sections[0]
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    line = int(paragraph(document, "最后一段正文。")._p.pPr.find(qn("w:spacing")).get(qn("w:line")))
    assert 22 * line <= height < 23 * line


def test_character_spacing_fits_twenty_eight_characters_a_line_and_not_twenty_nine(document):
    section = document.sections[0]
    width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    run = paragraph(document, "最后一段正文。").runs[0]
    spacing = int(run._r.rPr.find(qn("w:spacing")).get(qn("w:val")))
    pitch = run.font.size.twips + spacing
    assert 28 * pitch <= width < 29 * pitch


def test_body_paragraph_is_indented_two_characters_on_its_first_line(document):
    body = paragraph(document, "最后一段正文。")
    spacing = int(body.runs[0]._r.rPr.find(qn("w:spacing")).get(qn("w:val")))
    assert body.paragraph_format.first_line_indent.twips == 2 * (320 + spacing)
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY


def test_title_is_22pt_xiaobiaosong_centred_with_a_blank_line_below(document):
    title = paragraph(document, "示范街道关于做好重点工作督查的通知")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)
    assert fonts(title.runs[0])["eastAsia"] == "方正小标宋简体"
    assert neighbour(document, title, 1).text == ""


@pytest.mark.parametrize(
    ("text", "font"),
    [
        ("一、第一层标题", "黑体"),
        ("（一）第二层标题", "楷体_GB2312"),
        ("1.第三层标题", "仿宋_GB2312"),
        ("（1）第四层标题。同一段接排的正文。", "仿宋_GB2312"),
    ],
)
def test_heading_levels_use_heiti_kaiti_then_fangsong_at_16pt(document, text, font):
    heading = paragraph(document, text)
    assert fonts(heading.runs[0])["eastAsia"] == font
    assert heading.runs[0].font.size == Pt(16)
    assert heading.paragraph_format.first_line_indent.twips == 2 * od.CHAR_PITCH


def test_run_in_text_after_a_heading_is_body_fangsong(document):
    heading = paragraph(document, "（1）第四层标题。同一段接排的正文。")
    assert heading.runs[1].text == "同一段接排的正文。"
    assert fonts(heading.runs[1])["eastAsia"] == "仿宋_GB2312"


def test_settings_ask_for_distinct_even_and_odd_footers(document):
    assert document.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    types = {
        ref.get(qn("w:type"))
        for ref in document.sections[0]._sectPr.findall(qn("w:footerReference"))
    }
    assert {"default", "even"} <= types


@pytest.mark.parametrize(
    ("which", "alignment"),
    [("footer", WD_ALIGN_PARAGRAPH.RIGHT), ("even_page_footer", WD_ALIGN_PARAGRAPH.LEFT)],
)
def test_page_number_is_a_page_field_between_em_dashes_odd_right_even_left(
    document, which, alignment
):
    footer = getattr(document.sections[0], which)
    number = footer.paragraphs[0]
    assert number.alignment == alignment
    assert number.text == "— 1 —"
    instructions = [t.text.strip() for t in number._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE"]
    for run in number.runs:
        assert run.font.size == Pt(14)
        assert fonts(run)["eastAsia"] == "宋体"


def test_odd_and_even_page_numbers_sit_one_character_in(document):
    section = document.sections[0]
    assert section.footer.paragraphs[0].paragraph_format.right_indent == Pt(14)
    assert section.even_page_footer.paragraphs[0].paragraph_format.left_indent == Pt(14)


def test_every_run_names_its_east_asian_font(document):
    parts = [document.element.body, document.sections[0].footer._element]
    parts.append(document.sections[0].even_page_footer._element)
    runs = [r for part in parts for r in part.iter(qn("w:r"))]
    assert runs
    for run in runs:
        rfonts = run.find(f"{W}rPr/{W}rFonts")
        assert rfonts is not None and rfonts.get(qn("w:eastAsia")), run.xml
        assert rfonts.get(qn("w:ascii")) and rfonts.get(qn("w:hAnsi"))


def test_attachment_note_follows_a_blank_line_two_characters_in(document):
    note = paragraph(document, "附件：重点工作明细表")
    assert neighbour(document, note, -1).text == ""
    assert note.paragraph_format.first_line_indent.twips == 2 * od.CHAR_PITCH


def test_signature_is_two_characters_from_the_right_and_the_date_starts_two_further_right(
    document,
):
    organ = paragraph(document, "示范街道党政办公室")
    date = paragraph(document, "2022年8月1日")
    assert organ.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    organ_right = organ.paragraph_format.right_indent.twips / od.CHAR_PITCH
    date_right = date.paragraph_format.right_indent.twips / od.CHAR_PITCH
    assert organ_right == 2
    # first characters, counted from the right edge: organ 2 + 9, date 3 + 6 (two to the right)
    assert (organ_right + 9) - (date_right + 6) == 2


def test_signature_keeps_the_last_line_of_text_on_its_page(document):
    last = paragraph(document, "最后一段正文。")
    assert last.paragraph_format.keep_with_next
    assert paragraph(document, "附件：重点工作明细表").paragraph_format.keep_with_next


def test_attachment_starts_a_new_page_with_its_label_flush_left_and_title_centred(document):
    label = paragraph(document, "附件")
    assert label.paragraph_format.page_break_before
    assert label.paragraph_format.first_line_indent == 0
    assert fonts(label.runs[0])["eastAsia"] == "黑体"
    assert neighbour(document, label, 1).text == ""
    title = neighbour(document, label, 2)
    assert title.text == "重点工作明细表"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)


def test_landscape_attachment_is_a_new_section_with_the_text_block_turned():
    document = build(landscape=True)
    assert len(document.sections) == 2
    section = document.sections[1]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.start_type == 2  # WD_SECTION.NEW_PAGE
    assert (mm(section.page_width), mm(section.page_height)) == (297, 210)
    text_width = section.page_width - section.left_margin - section.right_margin
    text_height = section.page_height - section.top_margin - section.bottom_margin
    assert (round(text_width / 36000), round(text_height / 36000)) == (225, 156)
    assert section.footer.is_linked_to_previous  # page numbers continue


def test_table_header_repeats_on_every_page_and_rows_do_not_split(document):
    table = document.tables[0]
    header, *rows = table.rows
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    for row in rows:
        assert row._tr.trPr.find(qn("w:tblHeader")) is None
    for row in table.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert [c.text for c in header.cells] == ["序号", "事项名称", "牵头单位"]


def test_table_has_single_borders_and_fixed_column_widths(document):
    table = document.tables[0]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    edges = {child.tag.removeprefix(W): child.get(qn("w:val")) for child in borders}
    assert edges == dict.fromkeys(
        ["top", "left", "bottom", "right", "insideH", "insideV"], "single"
    )
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    assert [mm(column.width) for column in table.columns] == [16, 90, 50]
    assert [mm(cell.width) for cell in table.rows[1].cells] == [16, 90, 50]


def test_table_cells_are_single_spaced_fangsong_and_header_heiti(document):
    table = document.tables[0]
    header = table.rows[0].cells[0].paragraphs[0]
    body = table.rows[1].cells[1].paragraphs[0]
    assert fonts(header.runs[0])["eastAsia"] == "黑体"
    assert fonts(body.runs[0])["eastAsia"] == "仿宋_GB2312"
    assert body.runs[0].font.size == Pt(10.5)
    assert body._p.pPr.find(qn("w:spacing")).get(qn("w:lineRule")) != "exact"


@pytest.mark.parametrize(
    ("n", "words"), [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (21, "二十一")]
)
def test_ordinals_read_as_chinese_numerals(n, words):
    assert od.chinese_numeral(n) == words


def test_heading_numbers_follow_the_four_levels():
    assert [od.heading_number(level, 2) for level in (1, 2, 3, 4)] == [
        "二、",
        "（二）",
        "2.",
        "（2）",
    ]


def test_dates_are_written_without_leading_zeros():
    assert od.chinese_date("2022-08-01T09:30:00+08:00") == "2022年8月1日"
    assert od.chinese_date(dt.date(2022, 12, 31)) == "2022年12月31日"
