"""Reading the text of a document: a .docx's body paragraphs, or a .txt (UTF-8, or GB18030
as the office's older files are). Tables are left out: their cells are figures without
sentences, and the checker reads sentences."""

from __future__ import annotations

import io
import zipfile

from docx import Document

from duban.textkit.numbers import paragraphs_of

MAX_BYTES = 10 * 1024 * 1024


class DocumentError(ValueError):
    """A file that cannot be read; the message is Chinese."""


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("文本文件编码无法识别，请另存为 UTF-8 编码后再试")


def paragraphs(name: str, data: bytes) -> list[str]:
    """The non-empty paragraphs of a file called `name` with content `data`."""
    if len(data) > MAX_BYTES:
        raise DocumentError("文件超过 10MB，请拆分后再核对")
    lower = (name or "").lower()
    if lower.endswith(".docx"):
        try:
            document = Document(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise DocumentError(
                f"无法读取 Word 文件“{name}”：文件已损坏或不是 .docx 格式"
            ) from error
        return [p.text.strip() for p in document.paragraphs if p.text.strip()]
    if lower.endswith(".txt"):
        return paragraphs_of(decode(data))
    raise DocumentError(f"只能核对 .docx 或 .txt 文件，收到“{name}”")
