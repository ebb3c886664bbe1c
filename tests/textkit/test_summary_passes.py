"""The drafted work summary (工作总结 初稿) of the demo street passes the number checker
against duban's own data, reads back from Word as its JSON says, and varies its sentences
as a person would. One demo run (about ten seconds) serves every check."""

import datetime as dt
import io
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from docx import Document

from duban.core.numfmt import pct
from duban.core.periods import Period
from duban.org.models import Office
from duban.reports import figures as F
from duban.reports import prose
from duban.reports.summary_docx import render_docx
from duban.textkit import against
from duban.textkit.documents import paragraphs

TODAY = dt.date(2023, 1, 5)
NUMBERING = re.compile(
    r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|[一二三四五六七八九十]+是)"
)


@pytest.fixture
def demo(db, time_machine):
    time_machine.move_to(dt.datetime(2023, 1, 5, 9, 0, tzinfo=dt.UTC), tick=False)
    call_command(
        "demo",
        "--date",
        TODAY.isoformat(),
        "--quiet",
        "--password",
        "Xk7mPq2wLs",
        stdout=StringIO(),
    )
    return Office.objects.get(tasks__year=2022, tasks__code="MS-01")


def data_strings(figures):
    """What comes from the data, not from duban's phrasing: names and the units' words."""
    found = {figures["office"]["name"]}
    for c in figures["categories"]:
        found.add(c["name"])
        for item in c["completed_items"] + c["in_progress"]:
            found.update({item["title"], item["lead_unit"] or ""})
        found.update(c["lagging_titles"])
    for item in figures["lagging_items"]:
        found.add(item["title"])
        found.update(re.split(r"[，。；：]", item["reason"]))
    for step in figures["next_steps"]:
        found.add(step["title"])
        found.update(re.split(r"[，。；：]", step["text"]))
    for item in figures["overdue_items"]:
        found.add(item["name"])
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def frames(text, figures):
    masked = text
    for s in data_strings(figures):
        masked = masked.replace(s, "〇")
    masked = re.sub(r"\d+(\.\d+)?", "9", masked)
    masked = re.sub(r"〇[〇、和等9项工作（）%个户台人场处条张家]*", "〇", masked)
    return [s.strip() for s in re.split(r"[。；]", masked) if len(s.strip()) > 4]


def test_the_summary_of_the_demo_passes_the_checker_and_varies(demo):
    for key in ("2022-H1", "2022-H2", "2022"):
        figures = F.summary(demo, key, today=TODAY)
        text = paragraphs("总结.docx", render_docx(figures))
        assert text[0] == f"{demo.name}{Period.parse(key).label}工作总结（初稿）"
        assert "不作为正式文稿" in text[1]
        found, _monthly = against.check(text, demo, Period.parse(key))
        assert found == [], [f.as_dict() if hasattr(f, "as_dict") else f for f in found]
        # the checker did read the category sentences (it is clean, not blind)
        assert figures["overall"]["lagging"] or key == "2022-H1"

        # no two paragraphs open alike; no sentence frame more than twice
        openings = [NUMBERING.sub("", p)[:8] for p in text]
        repeated = [o for o, n in Counter(openings).items() if n > 1]
        assert repeated == []
        counted = Counter(f for p in text for f in frames(p, figures))
        assert [f for f, n in counted.items() if n > 2] == []

        # the Word file says the JSON's figures
        body = "\n".join(text)
        for c in figures["categories"]:
            if c["total"]:
                assert f"{c['name']}{prose.breakdown(c)}" in body.replace("纳入督查的", "")
        overall = figures["overall"]
        assert f"重点工作共{overall['total']}项" in body
        assert f"已完成{overall['completed']}项" in body
        for c in figures["categories"]:
            for item in c["completed_items"]:
                value, unit = item["completed_value"], item["target_unit"]
                if value and unit and unit != "%":
                    assert f"{item['title']}（{prose.number(value)}{unit}）" in body
        tickets = figures["tickets"]
        assert f"共受理民生诉求{tickets['received']}件" in body
        assert f"满意率{pct(tickets['satisfaction_rate'], places=2)}" in body
        for item in figures["overdue_items"][:1]:
            assert f"{item['name']}已超期{item['overdue_days']}天" in body
        for group in figures["reasons"]:
            assert f"{group['count']}项工作" in body
        Document(io.BytesIO(render_docx(figures)))  # opens
