"""Official documents (党政机关公文) in Word, laid out to GB/T 9704-2012《党政机关公文格式》.

One builder for every document the office prints (督查报告, 通报, 通知, 总结): callers
say *what* comes next (title, paragraph, heading, table, attachment, signature) and the
builder applies the rule. Where each setting comes from:

- Paper A4, 210 × 297 mm (§5.1 幅面尺寸).
- Margins top 37 mm (天头), left 28 mm (订口), so that the text block (版心) is
  156 × 225 mm: right 26 mm, bottom 35 mm (§5.2.1 页边与版心尺寸).
- Text 3号仿宋 (16 pt, 仿宋_GB2312) unless a rule says otherwise (§5.2.2 字体和字号).
- 22 lines a page, 28 characters a line (§5.2.3 行数和字数). Lines: exact line
  spacing 28.95 pt (22 × 28.95 pt = 224.7 mm fits the 225 mm block). Characters: a
  negative character spacing on every 3号 run (w:rPr/w:spacing), computed from the
  156 mm width: the character pitch is floor(156 mm / 28) in twips (315, i.e. 15.75 pt),
  so the spacing is 315 − 320 = −5 twips (−0.25 pt); 28 characters fit and 29 do not.
  No document grid (w:docGrid) is used: LibreOffice does not lay text on Word's grid
  the same way, run spacing renders alike in both.
- Title 2号小标宋 (22 pt, 方正小标宋简体), centred, one blank line below (§7.3.1 标题).
- Body paragraphs indented two characters on the first line, justified; heading
  levels "一、" 黑体, "（一）" 楷体, "1." and "（1）" 仿宋 (§7.3.3 正文).
- 附件说明: a blank line below the text, "附件：" two characters in, no full stop
  after the name (§7.3.4 附件说明).
- Signature without a seal: a blank line, the organ's name two characters from the
  right, the date on the next line starting two characters right of the name's first
  character, or two characters from the right if longer (§7.3.5.2 不加盖印章的公文).
  Dates in Arabic numerals, year in full, no leading zeros (§7.3.5.1).
- Attachments start a new page; "附件" (and its number) in 3号黑体 flush left on the
  first line, the attachment's title centred on the third (§7.3.7 附件).
- Page numbers 4号 (14 pt) 宋体 half-width digits with an em dash each side, below the
  text block (top of the dash 7 mm below it); odd pages right-aligned one character in,
  even pages left-aligned one character in (§7.5 页码) — hence w:evenAndOddHeaders in
  the settings and a separate even-page footer.
- Landscape pages (for wide tables) keep the same text block turned a quarter: the
  table's top faces the binding edge (§8 公文中的横排表格). Their page number stays at the
  bottom of the landscape page; Word cannot turn a footer, so §8's "same position as the
  other pages" is not followed there.

Every run carries its East Asian font (w:rFonts w:eastAsia) as well as ascii/hAnsi/cs,
so a document pasted into another keeps its fonts; the font names are those Chinese
office PCs have, and LibreOffice substitutes where they are missing.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.text.paragraph import Paragraph

from duban.core.dates import chinese_date

FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"

SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
SIZE_SMALL_4 = Pt(12)  # 小4号
SIZE_5 = Pt(10.5)  # 5号

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, BOTTOM_MM, LEFT_MM, RIGHT_MM = 37, 35, 28, 26
TEXT_WIDTH = Mm(PAGE_WIDTH_MM - LEFT_MM - RIGHT_MM)  # 156 mm
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PITCH = Pt(28.95)
CHAR_PITCH = TEXT_WIDTH.twips // CHARS_PER_LINE  # twips, 315
CHAR_SPACING = CHAR_PITCH - SIZE_3.twips  # twips, -5
PAGE_NUMBER_GAP_MM = 7  # dash to text block (§7.5)

HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n):
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (1–99, for ordinals such as 一是、（二）)."""
    if not 0 < n < 100:
        raise ValueError(f"chinese_numeral takes 1–99, not {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def heading_number(level, n):
    """The ordinal of the n-th heading of a level: 一、 / （一） / 1. / （1） (§7.3.3)."""
    return {
        1: f"{chinese_numeral(n)}、",
        2: f"（{chinese_numeral(n)}）",
        3: f"{n}.",
        4: f"（{n}）",
    }[level]


def text_width_in_chars(text):
    """Width in full-width characters: half-width (ASCII) characters count one half."""
    return sum(0.5 if ord(ch) < 0x2000 else 1 for ch in text)


class OfficialDocument:
    """A document laid out to GB/T 9704-2012; add content in reading order, then
    `to_bytes()`."""

    def __init__(self, *, title="", author=""):
        self.document = Document()
        self._set_defaults()
        section = self.document.sections[0]
        self._set_page(section, landscape=False)
        self._set_page_numbers(section)
        self.document.settings.odd_and_even_pages_header_footer = True
        props = self.document.core_properties
        props.title = title
        props.author = author
        props.last_modified_by = author
        props.comments = ""

    # --- content -------------------------------------------------------------

    def title(self, text):
        """The document's title, centred in 2号小标宋; "\\n" breaks a long title where the
        caller wants it (§7.3.1). A blank line follows."""
        paragraph = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, first_line=0)
        for i, line in enumerate(text.split("\n")):
            if i:
                paragraph.add_run().add_break()
                _format_run(paragraph.runs[-1], XIAOBIAOSONG, SIZE_2)
            self._run(paragraph, line, XIAOBIAOSONG, SIZE_2, spacing=None)
        self.blank_line()
        return paragraph

    def paragraph(self, text, *, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY):
        """One body paragraph in 3号仿宋, two characters in on its first line."""
        paragraph = self._paragraph(align=align, first_line=2 if indent else 0)
        self._run(paragraph, text, FANGSONG, SIZE_3)
        return paragraph

    def paragraphs(self, text):
        """Body paragraphs from text with line breaks (one paragraph per non-empty line)."""
        return [self.paragraph(line.strip()) for line in text.splitlines() if line.strip()]

    def heading(self, text, level, *, run_in=""):
        """A heading of level 1–4 (text includes its ordinal, see `heading_number`), in
        the level's font; `run_in` continues the same paragraph in body text."""
        font = HEADING_FONTS[level]
        paragraph = self._paragraph(align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=2)
        paragraph.paragraph_format.keep_with_next = not run_in
        paragraph._p.get_or_add_pPr().get_or_add_outlineLvl().val = level - 1
        self._run(paragraph, text, font, SIZE_3)
        if run_in:
            self._run(paragraph, run_in, FANGSONG, SIZE_3)
        return paragraph

    def blank_line(self, *, keep_with_next=False):
        paragraph = self._paragraph(align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=0)
        paragraph.paragraph_format.keep_with_next = keep_with_next
        return paragraph

    def attachment_note(self, *names):
        """附件说明 under the text: "附件：name", or numbered lines for several (§7.3.4).
        It stays on the page of the text's last line."""
        self._keep_last_with_next()
        self.blank_line(keep_with_next=True)
        lines = []
        for i, name in enumerate(names, start=1):
            if len(names) == 1:
                text, indent = f"附件：{name}", 2
            else:
                text, indent = (f"附件：{i}.{name}", 2) if i == 1 else (f"{i}.{name}", 5)
            paragraph = self._paragraph(align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=indent)
            paragraph.paragraph_format.keep_with_next = i < len(names)
            self._run(paragraph, text, FANGSONG, SIZE_3)
            lines.append(paragraph)
        return lines

    def signature(self, organ, date):
        """Organ name and date of a document without a seal (§7.3.5.2). They never stand
        alone on a page: the text's last line (and any 附件说明) goes with them."""
        date_text = date if isinstance(date, str) else chinese_date(date)
        organ_width = text_width_in_chars(organ)
        date_width = text_width_in_chars(date_text)
        date_right = max(2, organ_width - date_width)
        organ_right = date_right + date_width + 2 - organ_width
        self._keep_last_with_next()
        self.blank_line(keep_with_next=True)
        lines = []
        for text, right in ((organ, organ_right), (date_text, date_right)):
            paragraph = self._paragraph(align=WD_ALIGN_PARAGRAPH.RIGHT, first_line=0, right=right)
            paragraph.paragraph_format.keep_with_next = not lines
            self._run(paragraph, text, FANGSONG, SIZE_3)
            lines.append(paragraph)
        return lines

    def attachment(self, title, *, number=None, landscape=False):
        """Start an attachment on a new page: "附件" (or "附件2") flush left in 3号黑体 on
        the first line, the title centred on the third (§7.3.7). `landscape` puts it in
        a landscape section for wide tables (§8)."""
        if landscape:
            section = self.document.add_section(WD_SECTION.NEW_PAGE)
            self._set_page(section, landscape=True)
        label = self._paragraph(align=WD_ALIGN_PARAGRAPH.LEFT, first_line=0)
        if not landscape:
            label.paragraph_format.page_break_before = True
        self._run(label, f"附件{number or ''}", HEITI, SIZE_3)
        self.blank_line()
        heading = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, first_line=0)
        heading.paragraph_format.keep_with_next = True
        self._run(heading, title, XIAOBIAOSONG, SIZE_2, spacing=None)
        return label

    def table(self, header, rows, widths_mm, *, size=SIZE_5, align=None):
        """A bordered table with fixed column widths (mm); the header row (黑体) repeats on
        every page, no row splits across pages. Cells are 仿宋 at `size`, single-spaced;
        `align` gives each column's alignment ("left", "center", "right")."""
        widths = [Mm(w) for w in widths_mm]
        aligns = [_ALIGN[a] for a in (align or ["left"] * len(header))]
        table = self.document.add_table(rows=1 + len(rows), cols=len(header))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # w:tblLayout fixed: the widths below hold
        _set_table_width(table, sum(w.twips for w in widths))
        _set_table_borders(table)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for index, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
            is_header = index == 0
            _set_row_flags(row, header=is_header)
            for cell, value, width, cell_align in zip(
                row.cells, values, widths, aligns, strict=True
            ):
                cell.width = width
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                paragraph = cell.paragraphs[0]
                self._format_paragraph(
                    paragraph,
                    align=WD_ALIGN_PARAGRAPH.CENTER if is_header else cell_align,
                    first_line=0,
                    exact=False,
                )
                font = HEITI if is_header else FANGSONG
                for i, line in enumerate(str(value).split("\n")):
                    if i:
                        run = paragraph.add_run()
                        run.add_break()
                        _format_run(run, font, size)
                    self._run(paragraph, line, font, size, spacing=None)
        return table

    def _keep_last_with_next(self):
        body = self.document.element.body
        blocks = body.xpath("./w:p | ./w:tbl")
        if blocks and blocks[-1].tag == qn("w:p"):
            Paragraph(blocks[-1], self.document._body).paragraph_format.keep_with_next = True

    def to_bytes(self):
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()

    # --- layout --------------------------------------------------------------

    def _paragraph(self, *, align, first_line, right=0):
        paragraph = self.document.add_paragraph()
        self._format_paragraph(paragraph, align=align, first_line=first_line, right=right)
        return paragraph

    @staticmethod
    def _format_paragraph(paragraph, *, align, first_line, right=0, exact=True):
        """Indents in characters of the 28-a-line pitch; exact 28.95 pt lines or single."""
        fmt = paragraph.paragraph_format
        fmt.alignment = align
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        if exact:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = LINE_PITCH
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.first_line_indent = Twips(round(first_line * CHAR_PITCH))
        if right:
            fmt.right_indent = Twips(round(right * CHAR_PITCH))
        fmt.widow_control = False  # a full page is 22 lines, never 21

    @staticmethod
    def _run(paragraph, text, font, size, *, bold=False, spacing=CHAR_SPACING):
        run = paragraph.add_run(text)
        _format_run(run, font, size, bold=bold, spacing=spacing if size == SIZE_3 else None)
        return run

    def _set_defaults(self):
        """Document defaults and Normal: 3号仿宋, Chinese line breaking, no theme fonts
        (a theme font would win over the names set on runs in some readers)."""
        styles = self.document.styles
        rpr_default = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
        rpr = rpr_default.find(qn("w:rPr"))
        fonts = rpr.find(qn("w:rFonts"))
        for attr in list(fonts.attrib):
            del fonts.attrib[attr]
        _set_fonts(rpr, FANGSONG)
        lang = rpr.find(qn("w:lang"))
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        normal = styles["Normal"]
        normal.font.size = SIZE_3
        _set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_PITCH
        fmt.widow_control = False
        theme_lang = self.document.settings.element.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:eastAsia"), "zh-CN")

    @staticmethod
    def _set_page(section, *, landscape):
        """A4 with the 156 × 225 mm text block; landscape turns the block a quarter so the
        top of the page faces the binding edge (left margin of portrait pages)."""
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(PAGE_HEIGHT_MM), Mm(PAGE_WIDTH_MM)
            top, right, bottom, left = LEFT_MM, TOP_MM, RIGHT_MM, BOTTOM_MM
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
            top, right, bottom, left = TOP_MM, RIGHT_MM, BOTTOM_MM, LEFT_MM
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin, section.right_margin = Mm(left), Mm(right)
        section.gutter = Mm(0)
        section.header_distance = Mm(15)
        # The footer's baseline area: its dash (mid-line) 7 mm below the text block.
        section.footer_distance = Mm(bottom - PAGE_NUMBER_GAP_MM) - Pt(SIZE_4.pt * 0.65)
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is not None:
            section._sectPr.remove(grid)

    def _set_page_numbers(self, section):
        """ "— 1 —" in 4号宋体: odd pages right, even pages left, one character in."""
        one_char = Twips(SIZE_4.twips)
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            self._format_paragraph(paragraph, align=align, first_line=0, exact=False)
            fmt = paragraph.paragraph_format
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                fmt.right_indent = one_char
            else:
                fmt.left_indent = one_char
            _add_page_field(paragraph)


_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def _set_fonts(rpr, font):
    fonts = rpr.get_or_add_rFonts()
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), font)


def _format_run(run, font, size, *, bold=False, spacing=None):
    rpr = run._r.get_or_add_rPr()
    _set_fonts(rpr, font)
    run.font.size = size
    if bold:
        run.font.bold = True
    if spacing:
        element = OxmlElement("w:spacing")
        element.set(qn("w:val"), str(spacing))
        rpr.find(qn("w:sz")).addprevious(element)  # schema order: spacing before sz


def _add_page_field(paragraph):
    """ "— " PAGE " —": a complex field, so Word and LibreOffice both update it."""
    parts = [("text", "— "), ("begin", None), ("instr", " PAGE "), ("separate", None)]
    parts += [("text", "1"), ("end", None), ("text", " —")]
    for kind, value in parts:
        run = paragraph.add_run(value if kind == "text" else None)
        if kind in ("begin", "separate", "end"):
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = value
            run._r.append(instr)
        _format_run(run, SONGTI, SIZE_4)


def _set_table_width(table, twips):
    width = table._tbl.tblPr.find(qn("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(twips))


def _set_table_borders(table, size=4):
    """Single 0.5 pt lines around and between every cell."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), str(size))
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    # schema order in tblPr: ... tblInd, tblBorders, shd, tblLayout, tblCellMar, tblLook
    for successor in ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"):
        found = tbl_pr.find(qn(successor))
        if found is not None:
            found.addprevious(borders)
            return
    tbl_pr.append(borders)


def _set_row_flags(row, *, header):
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))
