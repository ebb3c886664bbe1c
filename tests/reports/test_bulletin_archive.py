"""The quarterly bulletin in the report archive: 生成并存档 stores the previewed figures
(with the edited 下步督查重点); the archived bulletin reopens and downloads from them
alone, whatever changed since; only 督查管理员 generates; another street's is 404."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from docx import Document

from duban.org.models import Office
from duban.progress.models import Judgement, Status
from duban.reports.models import Report
from tests.reports.test_bulletin import quarter  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("quarter")

FOCUS = "重点督查土地上市和农贸市场改造"


def complete_market():
    """Later the market renovation is judged completed in September."""
    Judgement.objects.filter(task__code="ZB-02", period="2022-09").update(status=Status.COMPLETED)


def generate(client, **values):
    data = {"quarter": "2022Q3", "as_of": "", "next_focus": FOCUS, **values}
    return client.post(reverse("reports:bulletin_generate"), data)


def docx_text(content):
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_generated_bulletin_is_archived_and_does_not_move_with_the_data(client, people, office):
    client.force_login(people["alice"])
    page = client.get(reverse("reports:bulletin"), {"quarter": "2022Q3"}).content.decode()
    assert "生成并存档" in page
    response = generate(client)
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "reports:detail", args=[report.pk]
    )
    assert report.kind == Report.Kind.BULLETIN and report.period == "2022Q3"
    assert report.office == office and report.created_by == people["alice"]
    assert report.figures["next_focus"] == FOCUS
    assert "ZB-02" in [i["code"] for i in report.figures["overdue_items"]]

    # later the market renovation is judged completed: the archive does not change
    complete_market()

    detail = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "农贸市场改造" in detail and FOCUS in detail and "督查督办工作通报" in detail
    assert "下载 Excel 附表" not in detail
    word = client.get(reverse("reports:download", args=[report.pk, "docx"]))
    assert word.status_code == 200
    text = docx_text(word.content)
    assert "农贸市场改造" in text and FOCUS in text
    data = json.loads(client.get(reverse("reports:download", args=[report.pk, "json"])).content)
    assert data == report.figures
    assert client.get(reverse("reports:download", args=[report.pk, "xlsx"])).status_code == 404

    # a fresh preview does see the change
    fresh = client.get(reverse("reports:bulletin"), {"quarter": "2022Q3", "format": "json"})
    assert "ZB-02" not in [i["code"] for i in json.loads(fresh.content)["overdue_items"]]

    index = client.get(reverse("reports:index")).content.decode()
    assert report.title in index and "Excel 附表" not in index.split('id="report-archive"')[1]


@pytest.mark.parametrize("name", ["lily", "rita", "bob", "carol"])
def test_only_the_supervisor_generates(client, people, name):
    client.force_login(people[name])
    assert generate(client).status_code == 403
    assert not Report.objects.exists()
    if name == "lily":  # a leader previews, without the button
        page = client.get(reverse("reports:bulletin"), {"quarter": "2022Q3"}).content.decode()
        assert "农贸市场改造" in page and "生成并存档" not in page


def test_bad_input_archives_nothing(client, people):
    client.force_login(people["alice"])
    response = generate(client, quarter="2022-07")
    assert response.status_code == 302
    assert not Report.objects.exists()
    page = client.get(response.url).content.decode()
    assert "请写成 2022Q3" in page
    generate(client, as_of="2022/09/30")
    generate(client, next_focus="重" * 2001)
    assert not Report.objects.exists()


def test_another_streets_archived_bulletin_is_not_found(client, people):
    other = Office.objects.create(name="别的街道")
    report = Report.objects.create(
        kind=Report.Kind.BULLETIN,
        office=other,
        period="2022Q3",
        title="别的街道2022年第三季度督查督办工作通报",
        figures={"kind": "bulletin", "title": "别的"},
    )
    client.force_login(people["alice"])
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[report.pk, "docx"])).status_code == 404


def test_command_archives_and_renders_from_the_archive(office, tmp_path):
    out = io.StringIO()
    call_command(
        "report",
        "bulletin",
        "--quarter",
        "2022Q3",
        "-o",
        tmp_path / "a.json",
        "--format",
        "json",
        stdout=out,
    )
    report = Report.objects.get()
    assert report.kind == Report.Kind.BULLETIN and f"编号 {report.pk}" in out.getvalue()
    complete_market()
    call_command(
        "report",
        "bulletin",
        "--from-archive",
        str(report.pk),
        "-o",
        tmp_path / "b.json",
        "--format",
        "json",
        stdout=io.StringIO(),
    )
    assert json.loads((tmp_path / "b.json").read_text()) == report.figures
    assert Report.objects.count() == 1
    call_command(
        "report",
        "bulletin",
        "--from-archive",
        str(report.pk),
        "-o",
        tmp_path / "b.docx",
        stdout=io.StringIO(),
    )
    assert "农贸市场改造" in docx_text((tmp_path / "b.docx").read_bytes())
    with pytest.raises(CommandError, match="duban report bulletin --from-archive"):
        call_command("report", "monthly", "--from-archive", str(report.pk), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--quarter"):
        call_command("report", "bulletin", stdout=io.StringIO())
