"""The PDF shows the document's typefaces: each official font (小标宋, 黑体, 楷体, 仿宋) is
mapped by core/fontconfig/fonts.conf to a distinct free font for the conversion."""

import os
import shutil
import subprocess

import pytest

from duban.core import official_docx as od
from duban.core import pdf

REQUIRED = os.environ.get("DUBAN_REQUIRE_SOFFICE") == "1"
EXPECTED = {
    od.XIAOBIAOSONG: ("Noto Serif CJK SC", "Bold"),
    od.HEITI: ("Noto Sans CJK SC", "Regular"),
    od.KAITI: ("AR PL KaitiM GB", "Regular"),
    "楷体": ("AR PL KaitiM GB", "Regular"),
    od.FANGSONG: ("Noto Serif CJK SC", "Regular"),
    "仿宋": ("Noto Serif CJK SC", "Regular"),
}


def test_the_alias_file_is_in_the_package_and_names_each_official_font():
    text = pdf.FONTCONFIG_FILE.read_text("utf-8")
    for font, (family, _style) in EXPECTED.items():
        assert f"<string>{font}</string>" in text
        assert f"<string>{family}</string>" in text
    assert "/etc/fonts/fonts.conf" in text  # every other font resolves as usual
    assert pdf.conversion_env()["FONTCONFIG_FILE"] == str(pdf.FONTCONFIG_FILE)


@pytest.mark.skipif(
    not shutil.which("fc-match") and not REQUIRED, reason="fontconfig（fc-match）未安装"
)
def test_each_official_font_resolves_to_its_own_free_font():
    env = pdf.conversion_env()
    for font, (family, style) in EXPECTED.items():
        done = subprocess.run(
            ["fc-match", "-f", "%{family[0]}|%{style[0]}", font],
            capture_output=True,
            env=env,
            check=True,
        )
        assert done.stdout.decode("utf-8") == f"{family}|{style}", font


@pytest.mark.skipif(
    not (pdf.available() and shutil.which("pdffonts")) and not REQUIRED,
    reason="LibreOffice 或 pdffonts（poppler-utils）未安装；CI 设置 DUBAN_REQUIRE_SOFFICE=1 时必须运行",
)
def test_the_pdf_embeds_a_distinct_face_for_each_role(tmp_path):
    blocks = [
        {"kind": "title", "text": "示范街道重点工作督查报告"},
        {"kind": "p", "text": "党政办公室按月开展跟踪督查，现将推进情况报告如下。"},
        {"kind": "heading", "level": 1, "text": "一、总体工作情况"},
        {"kind": "heading", "level": 2, "text": "（一）街道民生实事项目"},
        {"kind": "p", "text": "这些项目们办理完毕。"},
    ]
    target = tmp_path / "fonts.pdf"
    target.write_bytes(pdf.docx_to_pdf(od.render_blocks(blocks)))
    listing = subprocess.run(
        ["pdffonts", str(target)], capture_output=True, check=True
    ).stdout.decode("utf-8")
    names = [line.split()[0].split("+", 1)[-1] for line in listing.splitlines()[2:]]
    assert any(n.startswith("NotoSerifCJK") and "Bold" in n for n in names), names  # 小标宋
    assert any(n.startswith("NotoSerifCJK") and "Regular" in n for n in names), names  # 仿宋
    assert any(n.startswith("NotoSansCJK") for n in names), names  # 黑体
    assert any(n.startswith("GBZenKai") for n in names), names  # 楷体: AR PL KaitiM GB
    assert not any("DejaVu" in n for n in names), names
