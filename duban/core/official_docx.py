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
  the same way, run spacing renders alike in both. Punctuation never starts a line
  (避头尾); where it would be a line's 29th character, Word hangs it in the margin and
  LibreOffice (the PDFs) carries the character before it to the next line
  (w:overflowPunct, see `_set_defaults`).
- 版头 (optional, documents that go out under a number: 通报, 通知):
  发文机关标志 — the organ's name (usually with "文件") centred in red 小标宋, its top
  edge 35 mm below the top of the text block (§7.2.4 发文机关标志); the standard leaves
  the size to the office: 初号 (42 pt) here, squeezed (character width scale) when the
  name would not fit the 156 mm line.
  发文字号 — two blank lines under the 标志, centred in 3号仿宋, year in full in 六角括号
  〔〕, serial without leading zeros and without 第 (§7.2.5 发文字号, see
  `document_number`). With a 签发人 (上行文) the number moves to the left, one character
  in, on the line of "签发人：name" set one character from the right, "签发人" 仿宋 and
  the name 楷体 (§7.2.6 签发人).
  The red separator as wide as the text block, 4 mm under the 发文字号, drawn as the
  bottom border of its paragraph, 1 pt thick (the standard names no thickness) (§7.2.7
  版头中的分隔线); the title comes two blank lines below it (§7.3.1).
  Red is FF0000 for the 标志 and the line; all other text is black (§5.2.4 文字的颜色).
- Title 2号小标宋 (22 pt, 方正小标宋简体), centred, one blank line below (§7.3.1 标题).
- 主送机关 one blank line under the title, flush left on every line, ending in a
  full-width colon (§7.3.2 主送机关).
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
- 版记 at the foot of the last page: 抄送机关 in 4号仿宋, one character in from both
  sides, "抄送：" then the organs, continuation lines aligned after the colon, a full stop
  at the end (§7.4.2 抄送机关); 印发机关 one character in from the left and the date
  "2022年8月1日印发" one character in from the right on the line above the last
  separator (§7.4.3 印发机关和印发日期); a 主送 line moved to the 版记 sits above 抄送
  with no line between them (§7.4.2). Separators as wide as the text block: the first
  and last 0.35 mm (1 pt), the one between 抄送 and 印发 0.25 mm (0.75 pt); the last
  lies on the bottom edge of the text block of the last page (§7.4.1 版记中的分隔线).
  How: the 版记 is a one-column table, its lines the table's borders, floated to the
  bottom of the text block (w:tblpPr, vertical anchor margin, position bottom), so it
  lands on the bottom edge of the page on which it is placed, whatever the length of
  the text above; put it last. Word and LibreOffice both float it there.
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
import re
import zipfile

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph

from duban.core.dates import chinese_date
from duban.core.textchars import without_controls

FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"

SIZE_0 = Pt(42)  # 初号
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

ORGAN_MARK_TOP_MM = 35  # 标志 top edge below the text block's top (§7.2.4)
SEPARATOR_GAP_MM = 4  # red line under the 发文字号 (§7.2.7)
SEPARATOR_SIZE = 8  # its thickness in eighths of a point (1 pt; the standard gives none)
RED = "FF0000"
RECORD_THICK, RECORD_THIN = 8, 6  # eighths of a point: 1 pt ≈ 0.35 mm, 0.75 pt ≈ 0.25 mm
RECORD_CHAR = SIZE_4.twips  # one character of the 4号 版记

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


def document_number(code, year, serial):
    """发文字号 as §7.2.5 writes it: 示街办发〔2022〕3号 (year in full in 六角括号, the
    serial without leading zeros or 第)."""
    year, serial = int(year), int(serial)
    if not 1000 <= year <= 9999 or serial < 1:
        raise ValueError(f"发文字号的年份或序号有误：{year}、{serial}")
    return f"{code}〔{year}〕{serial}号"


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

    def header(self, organ, number="", *, signer="", size=SIZE_0):
        """版头: the red 发文机关标志, the 发文字号 (with the 签发人 of an upward document)
        and the red separator, then the two blank lines above the title (§7.2.4–7.2.7).
        It opens the document."""
        if self.document.element.body.xpath("./w:p | ./w:tbl"):
            raise ValueError("版头 must be the first thing in the document")
        mark = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, first_line=0)
        fmt = mark.paragraph_format
        # An exact line a fifth taller than the characters holds them unclipped; its
        # top sits about a tenth of the size above theirs.
        fmt.line_spacing = Pt(size.pt * 1.2)
        fmt.space_before = Mm(ORGAN_MARK_TOP_MM) - Pt(size.pt * 0.1)
        run = self._run(mark, organ, XIAOBIAOSONG, size, spacing=None)
        run.font.color.rgb = RGBColor.from_string(RED)
        fits = TEXT_WIDTH.pt / (text_width_in_chars(organ) * size.pt)
        if fits < 1:
            scale = OxmlElement("w:w")
            scale.set(qn("w:val"), str(int(fits * 100)))
            run._r.get_or_add_rPr().find(qn("w:sz")).addprevious(scale)  # schema order
        self.blank_line()
        self.blank_line()
        if signer:
            # A first-line indent, not a left one: the separator below runs between the
            # paragraph's left and right indents and must span the whole text block.
            line = self._paragraph(align=WD_ALIGN_PARAGRAPH.LEFT, first_line=1)
            line.paragraph_format.tab_stops.add_tab_stop(
                Twips(TEXT_WIDTH.twips - CHAR_PITCH), WD_TAB_ALIGNMENT.RIGHT
            )
            self._run(line, f"{number}\t签发人：", FANGSONG, SIZE_3)
            self._run(line, signer, KAITI, SIZE_3)
        else:
            line = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, first_line=0)
            self._run(line, number, FANGSONG, SIZE_3)
        # The line box is 28.95 pt for 16 pt characters, whose foot is about 5 pt above
        # the box's: the border goes (4 mm − 5 pt) below the box.
        space = round(Mm(SEPARATOR_GAP_MM).pt - 5)
        _set_paragraph_border(line, "bottom", size=SEPARATOR_SIZE, color=RED, space=space)
        self.blank_line()
        self.blank_line()
        return mark

    def recipients(self, text):
        """主送机关 flush left, ending in a full-width colon (§7.3.2)."""
        text = text.strip().rstrip(":：") + "："
        paragraph = self._paragraph(align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=0)
        self._run(paragraph, text, FANGSONG, SIZE_3)
        return paragraph

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

    def record(self, *, printer, date, cc=(), to=()):
        """版记 at the foot of the page it ends (§7.4): 主送 (when moved here) and 抄送
        above a thin line, 印发机关 and 印发日期 below it, between a thick line on top and
        one on the text block's bottom edge. `cc` and `to` are organ names (a list or
        one string); `date` a date, an ISO date or the date as printed."""
        iso = isinstance(date, str) and re.match(r"\d{4}-\d{2}-\d{2}", date)
        date_text = date if isinstance(date, str) and not iso else chinese_date(date)
        section = self.document.sections[-1]  # portrait, or a landscape attachment's
        width = Twips(
            section.page_width.twips - section.left_margin.twips - section.right_margin.twips
        )
        rows = 2 if (cc or to) else 1
        table = self.document.add_table(rows=rows, cols=1)
        table.autofit = False
        _set_table_width(table, width.twips)
        table.columns[0].width = width
        borders = {"top": RECORD_THICK, "bottom": RECORD_THICK, "insideH": RECORD_THIN}
        _set_table_borders(table, borders)
        _float_to_bottom(table, left=section.left_margin)
        cells = [row.cells[0] for row in table.rows]
        for cell in cells:
            cell.width = width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        if rows == 2:
            lines = [("主送", to), ("抄送", cc)]
            paragraphs = [(label, names) for label, names in lines if names]
            for i, (label, names) in enumerate(paragraphs):
                paragraph = cells[0].paragraphs[0] if i == 0 else cells[0].add_paragraph()
                self._record_line(paragraph, hanging=3)
                text = "，".join([names] if isinstance(names, str) else names)
                self._run(paragraph, f"{label}：{text.rstrip('。')}。", FANGSONG, SIZE_4)
        paragraph = cells[-1].paragraphs[0]
        self._record_line(paragraph)
        paragraph.paragraph_format.tab_stops.add_tab_stop(
            Twips(width.twips - RECORD_CHAR), WD_TAB_ALIGNMENT.RIGHT
        )
        self._run(paragraph, f"{printer}\t{date_text}印发", FANGSONG, SIZE_4)
        # The table floats on the paragraph after it, which Word also wants at the end.
        anchor = self._paragraph(align=WD_ALIGN_PARAGRAPH.LEFT, first_line=0)
        anchor.paragraph_format.line_spacing = Pt(1)
        return table

    def _record_line(self, paragraph, *, hanging=0):
        """One 4号 line of the 版记, one character in from each side; continuation lines
        of "抄送：…" align after its colon (§7.4.2)."""
        self._format_paragraph(paragraph, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=0)
        fmt = paragraph.paragraph_format
        fmt.left_indent = Twips(RECORD_CHAR * (1 + hanging))
        fmt.first_line_indent = Twips(-RECORD_CHAR * hanging)
        fmt.right_indent = Twips(RECORD_CHAR)

    # --- blocks --------------------------------------------------------------

    def add_blocks(self, blocks, *, tables=None):
        """Lay out a list of blocks, each a dict with a "kind" (see `BLOCK_KINDS`). A
        "table" block names its layout in `tables`: {name: {"widths_mm": [...],
        "align": [...], "size": Pt}}, or carries those keys itself."""
        tables = tables or {}
        for block in blocks:
            kind = block["kind"]
            if kind not in BLOCK_KINDS:
                raise ValueError(f"unknown block kind {kind!r}")
            getattr(self, f"_block_{kind}")(block, tables)
        return self

    def _block_header(self, block, tables):
        self.header(block["organ"], block.get("number", ""), signer=block.get("signer", ""))

    def _block_title(self, block, tables):
        self.title(block["text"])

    def _block_recipients(self, block, tables):
        self.recipients(block["text"])

    def _block_p(self, block, tables):
        self.paragraph(block["text"])

    def _block_heading(self, block, tables):
        self.heading(block["text"], block["level"], run_in=block.get("run_in", ""))

    def _block_table(self, block, tables):
        layout = tables[block["name"]] if "name" in block else block
        self.table(
            block["header"],
            block["rows"],
            layout["widths_mm"],
            size=layout.get("size", SIZE_5),
            align=layout.get("align"),
        )

    def _block_attachment_note(self, block, tables):
        names = block["text"]
        self.attachment_note(*([names] if isinstance(names, str) else names))

    def _block_signature(self, block, tables):
        self.signature(block["office"], block["date"])

    def _block_attachment(self, block, tables):
        self.attachment(
            block["title"], number=block.get("number"), landscape=block.get("landscape", False)
        )

    def _block_record(self, block, tables):
        self.record(
            printer=block["printer"],
            date=block["date"],
            cc=block.get("cc", ()),
            to=block.get("to", ()),
        )

    def _keep_last_with_next(self):
        body = self.document.element.body
        blocks = body.xpath("./w:p | ./w:tbl")
        if blocks and blocks[-1].tag == qn("w:p"):
            Paragraph(blocks[-1], self.document._body).paragraph_format.keep_with_next = True

    def to_bytes(self):
        """The .docx bytes. The same content gives the same bytes: the zip members carry a
        fixed time instead of the moment of saving, so an archived report downloads
        byte-identical whenever it is rendered."""
        buffer = io.BytesIO()
        self.document.save(buffer)
        return _fixed_zip_times(buffer.getvalue())

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
        # a control character stored earlier (an import, a paste) would stop the file
        # being written at all: XML has no place for it
        run = paragraph.add_run(without_controls(text))
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
        # 避头尾 without hanging: a 、，。 that would be a line's 29th character takes the
        # character before it to the next line. Word's default (punctuation may hang in
        # the margin) said explicitly, because LibreOffice reads w:overflowPunct
        # inverted and, when it hangs a mark in a justified line, does not draw it: the
        # PDFs lost every such 、 and ，
        overflow = OxmlElement("w:overflowPunct")
        overflow.set(qn("w:val"), "1")
        normal.element.pPr.find(qn("w:spacing")).addprevious(overflow)  # schema order
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


# Every kind of block `add_blocks` lays out, with the keys it reads ([] optional).
BLOCK_KINDS = {
    "header": "organ, [number], [signer] — 版头",
    "title": "text",
    "recipients": "text — 主送机关",
    "p": "text",
    "heading": "text, level, [run_in]",
    "table": "header, rows, name (a layout in `tables`) or widths_mm, [align], [size]",
    "attachment_note": "text (a name or a list of names) — 附件说明",
    "signature": "office, date",
    "attachment": "title, [number], [landscape]",
    "record": "printer, date, [cc], [to] — 版记",
}


def render_blocks(blocks, *, tables=None, title="", author=""):
    """A document of `blocks` (see `OfficialDocument.add_blocks`) as .docx bytes."""
    document = OfficialDocument(title=title, author=author)
    return document.add_blocks(blocks, tables=tables).to_bytes()


def _fixed_zip_times(data, when=(1980, 1, 1, 0, 0, 0)):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


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


_TABLE_EDGES = ("top", "left", "bottom", "right", "insideH", "insideV")


def _set_table_borders(table, size=4):
    """Single lines: `size` (eighths of a point, 4 = 0.5 pt) around and between every
    cell, or a dict {edge: size} for some edges only (the others get none)."""
    sizes = size if isinstance(size, dict) else dict.fromkeys(_TABLE_EDGES, size)
    borders = OxmlElement("w:tblBorders")
    for edge in _TABLE_EDGES:
        line = OxmlElement(f"w:{edge}")
        if edge in sizes:
            line.set(qn("w:val"), "single")
            line.set(qn("w:sz"), str(sizes[edge]))
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), "000000")
        else:
            line.set(qn("w:val"), "nil")
        borders.append(line)
    _insert_in_tbl_pr(table, borders)


# Schema order of w:tblPr's children (CT_TblPr).
_TBL_PR_ORDER = [
    "w:tblStyle",
    "w:tblpPr",
    "w:tblOverlap",
    "w:bidiVisual",
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
]


def _insert_in_tbl_pr(table, element):
    tbl_pr = table._tbl.tblPr
    name = "w:" + element.tag.rpartition("}")[2]
    later = _TBL_PR_ORDER[_TBL_PR_ORDER.index(name) + 1 :]
    for successor in later:
        found = tbl_pr.find(qn(successor))
        if found is not None:
            found.addprevious(element)
            return
    tbl_pr.append(element)


def _float_to_bottom(table, *, left):
    """Float the table to the bottom of the text block, its left edge on the text
    block's, with nothing beside it; no cell margins, so the lines run the table's full
    width. The left edge is given from the page (anchor "page", x = left margin), not as
    "centred in the margins": LibreOffice floats a table as wide as the text block only
    when it is positioned from the page (otherwise it lays it inline, mid-page)."""
    position = OxmlElement("w:tblpPr")
    for attr, value in (
        ("leftFromText", "0"),
        ("rightFromText", "0"),
        ("topFromText", "0"),
        ("bottomFromText", "0"),
        ("vertAnchor", "margin"),
        ("horzAnchor", "page"),
        ("tblpX", str(left.twips)),
        ("tblpYSpec", "bottom"),
    ):
        position.set(qn(f"w:{attr}"), value)
    overlap = OxmlElement("w:tblOverlap")
    overlap.set(qn("w:val"), "never")
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    for element in (position, overlap, margins):
        _insert_in_tbl_pr(table, element)


def _set_paragraph_border(paragraph, edge, *, size, color, space):
    """A single line on one edge of a paragraph: `size` in eighths of a point, `space`
    (points) between the text and the line."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    borders.append(line)
    # schema order in pPr: ... keepNext, keepLines, pageBreakBefore, framePr, widowControl,
    # numPr, suppressLineNumbers, pBdr, shd, tabs, suppressAutoHyphens, ..., spacing, ind, jc
    for successor in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc"):
        found = p_pr.find(qn(successor))
        if found is not None:
            found.addprevious(borders)
            return
    p_pr.append(borders)


def _set_row_flags(row, *, header):
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))
