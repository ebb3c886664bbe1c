"""Word → PDF through LibreOffice (`soffice --headless --convert-to pdf`).

LibreOffice is optional: without it, PDF output says so in Chinese and every other
format still works. DUBAN_SOFFICE names the program when it is not on PATH. Each
conversion runs with its own throwaway LibreOffice profile, so two conversions at
once (two users, or a page and a cron job) do not lock each other out.

The conversion reads fontconfig/fonts.conf (FONTCONFIG_FILE), which maps each official
font of GB/T 9704 to a distinct free Debian font (小标宋 → Noto Serif CJK SC Bold,
黑体 → Noto Sans CJK SC, 楷体 → AR PL KaitiM GB, 仿宋 → Noto Serif CJK SC), so the PDF
shows the document's typefaces rather than one fallback face.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

TIMEOUT_SECONDS = 120
FONTCONFIG_FILE = Path(__file__).resolve().parent / "fontconfig" / "fonts.conf"


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed (or not where DUBAN_SOFFICE says)."""


class PdfFailed(RuntimeError):
    """LibreOffice ran but produced no PDF."""


def soffice_path():
    return shutil.which(getattr(settings, "DUBAN_SOFFICE", "") or "soffice")


def available():
    return soffice_path() is not None


def require():
    """The soffice program, or PdfUnavailable with what to do about it."""
    program = soffice_path()
    if program is None:
        raise PdfUnavailable(
            "本机未安装 LibreOffice（找不到 soffice），无法生成 PDF。"
            "请安装 LibreOffice（Debian/Ubuntu：apt install libreoffice-writer-nogui），"
            "或用环境变量 DUBAN_SOFFICE 指明 soffice 的位置；也可以先下载 Word 版。"
        )
    return program


def conversion_env():
    """The environment of a conversion: this one, with the official fonts' aliases."""
    return {**os.environ, "FONTCONFIG_FILE": str(FONTCONFIG_FILE)}


def docx_to_pdf(data: bytes) -> bytes:
    program = require()
    with tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "report.docx"
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=TIMEOUT_SECONDS, env=conversion_env()
            )
        except subprocess.TimeoutExpired:
            raise PdfFailed(f"LibreOffice 转换 PDF 超过 {TIMEOUT_SECONDS} 秒未完成")
        target = folder / "report.pdf"
        if not target.is_file():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
            raise PdfFailed(f"LibreOffice 未能生成 PDF（退出码 {done.returncode}）：{detail}")
        return target.read_bytes()
