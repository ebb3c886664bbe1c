"""One vocabulary on screen: 推进正常 (never 推进顺利/正常), 党政办 (never 督查室 for the
office's own supervision staff), and no technical words a clerk cannot act on."""

import re
from pathlib import Path

from duban.progress.models import Status, Submission

ROOT = Path(__file__).resolve().parents[2] / "duban"
TEMPLATES = sorted(ROOT.rglob("templates/**/*.html"))
PYTHON = sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def _strings(path):
    """The string literals of a python file (what may reach a screen)."""
    return re.findall(r"\"[^\"\n]*\"|'[^'\n]*'", path.read_text())


def test_on_track_is_called_one_thing():
    assert Status.ON_TRACK.label == "推进正常"
    assert Submission.SelfStatus.ON_TRACK.label == "推进正常"
    for path in TEMPLATES + PYTHON:
        assert "推进顺利/正常" not in path.read_text(), path


def test_the_supervision_office_is_called_dang_zheng_ban():
    # 区委督查室 / 区政府督查室 are the district's bodies, a different office
    pattern = re.compile(r"(?<![委府])督查室")
    for path in TEMPLATES:
        assert not pattern.search(path.read_text()), path
    for path in PYTHON:
        for literal in _strings(path):
            assert not pattern.search(literal), (path, literal)


def test_no_technical_words_on_screen():
    words = re.compile(r"LibreOffice|soffice|JSON|--create-missing|--[a-z]+-[a-z]+|\.xlsx|xlsx")
    for path in TEMPLATES:
        text = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", "", path.read_text(), flags=re.S)
        # scripts are not read by people either
        text = re.sub(r"<script.*?</script>", "", text, flags=re.S)
        # attribute values (hrefs, data-*, accept=".xlsx") are not read by people
        text = re.sub(r'\s[a-z-]+="[^"]*"', "", text)
        assert not words.search(text), (path, words.search(text).group())


def test_pages_python_texts_name_no_program_or_option():
    words = re.compile(r"LibreOffice|soffice|JSON|--create-missing")
    screens = [p for p in PYTHON if p.name in {"views.py", "forms.py", "render.py", "importer.py"}]
    for path in screens:
        for literal in _strings(path):
            assert not words.search(literal), (path, literal)
