"""One figures dict → the bytes of a document in a format. The renderers use only
the dict, so an archived report renders the same whatever changed since. The dict's
"kind" picks the renderer: the quarterly bulletin's and the work summary's (docx, json,
pdf) or the monthly report's (docx, xlsx, json, pdf)."""

import json

from duban.core import pdf
from duban.core.http import CONTENT_TYPES, download
from duban.reports.bulletin_docx import render_docx as render_bulletin_docx
from duban.reports.monthly_docx import render_docx
from duban.reports.monthly_xlsx import render_xlsx
from duban.reports.summary_docx import render_docx as render_summary_docx

# kind → (content type, file extension)
FORMATS = {kind: (CONTENT_TYPES[kind], kind) for kind in ("docx", "xlsx", "pdf", "json")}
LABELS = {"docx": "Word", "xlsx": "Excel 附表", "pdf": "PDF", "json": "数据文件"}

BULLETIN_FORMATS = ("docx", "json", "pdf")
SUMMARY_FORMATS = BULLETIN_FORMATS  # the summary has no Excel 附表 either


def is_bulletin(figures):
    return figures.get("kind") == "bulletin"


def is_summary(figures):
    return figures.get("kind") == "summary"


def formats_of(figures):
    """{format: label} of the documents a figures dict renders to."""
    if is_bulletin(figures) or is_summary(figures):
        return {fmt: LABELS[fmt] for fmt in BULLETIN_FORMATS}
    return dict(LABELS)


def render(figures, fmt):
    if fmt not in formats_of(figures):
        raise ValueError(f"不支持的格式“{fmt}”，应为 {'、'.join(formats_of(figures))}")
    if fmt == "json":
        return (json.dumps(figures, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "docx":
        if is_summary(figures):
            return render_summary_docx(figures)
        return render_bulletin_docx(figures) if is_bulletin(figures) else render_docx(figures)
    if fmt == "xlsx":
        return render_xlsx(figures)
    if fmt == "pdf":
        pdf.require()  # say so before spending time on the Word file
        return pdf.docx_to_pdf(render(figures, "docx"))
    raise ValueError(f"不支持的格式“{fmt}”，应为 {'、'.join(FORMATS)}")


def filename(figures, fmt):
    return f"{figures['title']}.{FORMATS[fmt][1]}"


def attachment(figures, fmt):
    """A document of `figures` as a download named by its title (the pages' 下载 links)."""
    return download(render(figures, fmt), filename(figures, fmt))
