"""报告中心 → 工作总结（初稿）: the draft previews, its sections are edited, the supervisor
archives it (kind summary) with the edits, and it reopens marked as a draft."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from docx import Document

from duban.reports.models import Report
from tests.reports.test_summary import ledger  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("ledger")
PROBLEMS = "一是老旧小区改造资金缺口较大。\n二是居民意见统一难。"


@pytest.fixture(autouse=True)
def january(time_machine):
    time_machine.move_to(dt.datetime(2023, 1, 5, 9, 0, tzinfo=dt.UTC), tick=False)


def test_the_supervisor_previews_edits_and_archives_the_draft(client, people, office):
    client.force_login(people["alice"])
    page = client.get(reverse("reports:summary"), {"period": "2022"}).content.decode()
    assert "2022年工作总结（初稿）" in page and "不作为正式文稿" in page
    assert "老旧小区改造2" in page  # the lagging task, named
    assert "生成并存档" in page and 'name="problems"' in page

    edited = client.get(reverse("reports:summary"), {"period": "2022", "problems": PROBLEMS})
    assert "居民意见统一难" in edited.content.decode()

    response = client.post(
        reverse("reports:summary_generate"), {"period": "2022", "problems": PROBLEMS}
    )
    report = Report.objects.get()
    assert response.url == reverse("reports:detail", args=[report.pk])
    assert report.kind == Report.Kind.SUMMARY and report.title.endswith("（初稿）")
    assert report.figures["edits"] == {"problems": PROBLEMS}

    detail = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="draft-note"' in detail and "居民意见统一难" in detail
    assert "下载 Excel 附表" not in detail
    word = client.get(reverse("reports:download", args=[report.pk, "docx"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    assert "工作总结（初稿）" in text and "二是居民意见统一难。" in text
    data = json.loads(client.get(reverse("reports:download", args=[report.pk, "json"])).content)
    assert data == report.figures


def test_an_unchanged_section_is_not_stored_as_an_edit(client, people):
    client.force_login(people["alice"])
    page = client.get(reverse("reports:summary"), {"period": "2022-H1"})
    drafted = page.context["sections"]
    values = {"period": "2022-H1", **{s["key"]: s["text"] for s in drafted}}
    client.post(reverse("reports:summary_generate"), values)
    assert Report.objects.get().figures["edits"] == {}


@pytest.mark.parametrize("name", ["lily", "rita", "bob"])
def test_only_the_supervisor_archives(client, people, name):
    client.force_login(people[name])
    assert client.post(reverse("reports:summary_generate"), {"period": "2022"}).status_code == 403
    assert not Report.objects.exists()
    expected = 403 if name == "bob" else 200
    assert client.get(reverse("reports:summary"), {"period": "2022"}).status_code == expected


def test_a_quarter_is_refused_in_chinese_and_nothing_is_archived(client, people):
    client.force_login(people["alice"])
    page = client.get(reverse("reports:summary"), {"period": "2022Q3"})
    assert page.status_code == 200 and "请写成 2022-H1" in page.content.decode()
    client.post(reverse("reports:summary_generate"), {"period": "2022Q3"})
    client.post(reverse("reports:summary_generate"), {"period": "2022", "plan": "计" * 5001})
    assert not Report.objects.exists()
