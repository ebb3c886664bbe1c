"""报告中心: preview, generate (archive), reopen, download; who may do what."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from duban.org.models import Office
from duban.progress.models import Judgement
from duban.reports.models import Report
from tests.factories import KeyTaskFactory, UnitFactory


def as_user(client, user):
    client.force_login(user)
    return client


def generate(client, office, period="2022-07", **extra):
    return client.post(
        reverse("reports:generate"), {"period": period, "office": office.pk, **extra}
    )


@pytest.mark.parametrize("name", ["alice", "lily", "rita"])
def test_office_wide_roles_open_the_report_center(client, people, judged, name):
    response = as_user(client, people[name]).get(reverse("reports:index"))
    assert response.status_code == 200
    assert "报告中心" in response.content.decode()


@pytest.mark.parametrize("name", ["bob", "hank", "carol", "gina"])
def test_unit_roles_are_refused(client, people, judged, office, name):
    as_user(client, people[name])
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:preview"), {"period": "2022-07"}).status_code == 403
    assert generate(client, office).status_code == 403
    assert not Report.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_preview_shows_the_figures_prose_and_editable_suggestions(client, people, judged, office):
    response = as_user(client, people["lily"]).get(
        reverse("reports:preview"), {"period": "2022-07", "office": office.pk}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "滞后项目占比33.3%" in page  # the overall sentence
    assert 'id="category-figures"' in page
    assert 'name="advice-text-1"' in page and "资金与要素保障" in page
    assert "生成并存档" not in page  # a leader previews but does not archive
    assert not Report.objects.exists()
    # each cell of the attachment names its column (a phone shows a task as labelled lines)
    lagging = page.split('id="lagging-table"', 1)[1].split("</table>", 1)[0]
    for header in ("事项名称", "牵头单位", "完成时限", "进展情况", "滞后原因"):
        assert f'<td data-label="{header}">' in lagging


def test_preview_with_a_bad_period_says_so(client, people, judged, office):
    response = as_user(client, people["alice"]).get(
        reverse("reports:preview"), {"period": "2022-13", "office": office.pk}
    )
    assert response.status_code == 400
    assert "2022-13" in response.content.decode()


def test_supervisor_generates_with_edited_suggestions_and_the_archive_keeps_them(
    client, people, judged, office
):
    as_user(client, people["alice"])
    response = generate(
        client,
        office,
        **{"advice-name-1": "资金与要素保障", "advice-text-1": "财务科本月内拨付到位。"},
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert report.created_by == people["alice"]
    assert report.figures["suggestions"] == [
        {
            "category": "资金与要素保障",
            "cause": "资金和要素保障跟不上",
            "text": "财务科本月内拨付到位。",
        }
    ]
    page = client.get(response["Location"]).content.decode()
    assert "财务科本月内拨付到位。" in page


def test_too_long_a_suggestion_is_refused_and_nothing_archived(client, people, judged, office):
    as_user(client, people["alice"])
    response = generate(
        client, office, **{"advice-name-1": "资金与要素保障", "advice-text-1": "长" * 2001}
    )
    assert response.status_code == 302
    assert not Report.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "超过 2000 字" in page


def test_leader_cannot_generate(client, people, judged, office):
    assert generate(as_user(client, people["lily"]), office).status_code == 403
    assert not Report.objects.exists()


def test_an_archived_report_stays_the_same_after_later_edits(client, people, judged, office):
    as_user(client, people["alice"])
    generate(client, office)
    report = Report.objects.get()
    word = reverse("reports:download", args=[report.pk, "docx"])
    before = client.get(word).content
    Judgement.objects.filter(status="lagging").update(status="completed")
    judged["build"].title = "改过的名称"
    judged["build"].save()

    assert client.get(word).content == before  # the very same Word file
    url = reverse("reports:download", args=[report.pk, "json"])
    data = json.loads(client.get(url).content)
    assert data["overall"]["lagging"] == 1
    assert "改过的名称" not in json.dumps(data, ensure_ascii=False)
    assert (
        "改过的名称" not in client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    )

    # asking for a fresh one gives today's data in a new archive row
    generate(client, office)
    fresh = Report.objects.order_by("-pk").first()
    assert fresh.pk != report.pk and fresh.figures["overall"]["lagging"] == 0


def test_the_fresh_report_link_keeps_the_archived_suggestions(client, people, judged, office):
    as_user(client, people["alice"])
    generate(client, office, **{"advice-name-1": "资金与要素保障", "advice-text-1": "自拟建议。"})
    report = Report.objects.get()
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert f"from={report.pk}" in page
    preview = client.get(
        reverse("reports:preview"), {"period": "2022-07", "office": office.pk, "from": report.pk}
    ).content.decode()
    assert "自拟建议。" in preview


def test_downloads_have_the_right_type_and_a_chinese_filename(client, people, judged, office):
    as_user(client, people["alice"])
    generate(client, office)
    report = Report.objects.get()
    response = client.get(reverse("reports:download", args=[report.pk, "json"]))
    assert response["Content-Type"] == "application/json"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert client.get(reverse("reports:download", args=[report.pk, "exe"])).status_code == 404


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_word_and_excel_downloads_are_zip_packages(client, people, judged, office, fmt):
    as_user(client, people["rita"])
    report = Report.objects.create(
        office=office, period="2022-07", title="t", figures=_figures(office)
    )
    response = client.get(reverse("reports:download", args=[report.pk, fmt]))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_pdf_download_without_libreoffice_returns_to_the_report_with_a_message(
    client, people, judged, office, settings, tmp_path
):
    settings.DUBAN_SOFFICE = str(tmp_path / "missing-soffice")
    as_user(client, people["alice"])
    generate(client, office)
    report = Report.objects.get()
    response = client.get(reverse("reports:download", args=[report.pk, "pdf"]), follow=True)
    text = response.content.decode()
    assert "PDF 需要服务器安装文档转换组件" in text and "下载 Word 版" in text
    assert "LibreOffice" not in text


def test_another_offices_archived_report_is_not_found(client, people, judged):
    other = Office.objects.create(name="别的街道")
    UnitFactory(office=other, name="别的单位")
    KeyTaskFactory(office=other, code="O1", lead_unit=UnitFactory(office=other, name="别的中心"))
    report = Report.objects.create(office=other, period="2022-07", title="别人的", figures={})
    as_user(client, people["alice"])
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[report.pk, "json"])).status_code == 404
    assert "别人的" not in client.get(reverse("reports:index")).content.decode()
    # and it may not be generated for an office outside one's scope
    assert generate(client, other).status_code == 302
    assert Report.objects.count() == 1


def _figures(office):
    from duban.reports.figures import monthly

    return monthly(office, "2022-07")


def test_preview_without_office_uses_ones_own_office(client, people, judged):
    response = as_user(client, people["alice"]).get(
        reverse("reports:preview"), {"period": "2022-07"}
    )
    assert response.status_code == 200
    assert response.context["office"] == Office.objects.order_by("id").first()


def test_preview_for_an_office_outside_ones_scope_says_so(client, people, judged):
    other = Office.objects.create(name="别的街道")
    response = as_user(client, people["alice"]).get(
        reverse("reports:preview"), {"period": "2022-07", "office": other.pk}
    )
    assert response.status_code == 400
    assert "街道/区" in response.content.decode()


def test_a_year_without_holiday_data_still_reports(client, people, units):
    KeyTaskFactory(code="G1", year=2040, lead_unit=units["east"], deadline=dt.date(2040, 12, 31))
    as_user(client, people["alice"])
    response = client.get(reverse("reports:preview"), {"period": "2040-03"})
    assert response.status_code == 200
    generate(client, Office.objects.order_by("id").first(), period="2040-03")
    assert Report.objects.get().period == "2040-03"


def test_the_archive_sorts_by_title_and_exports_its_list(client, people, judged, office):
    from io import BytesIO

    import openpyxl

    Report.objects.create(
        office=office, period="2022-07", title="乙", figures={"period_label": "7月"}
    )
    Report.objects.create(
        office=office, period="2022-06", title="甲", figures={"period_label": "6月"}
    )
    as_user(client, people["alice"])
    page = client.get(reverse("reports:index"), {"sort": "period"}).context["page"]
    assert [r.title for r in page] == ["甲", "乙"]
    response = client.get(reverse("reports:index"), {"sort": "-period", "export": "xlsx"})
    rows = list(
        openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert rows[0][:3] == ("编号", "标题", "周期")
    assert [r[1] for r in rows[1:]] == ["乙", "甲"]
    assert rows[1][5] == "系统自动"


def test_the_chosen_date_is_the_date_under_the_signature(client, people, judged, office):
    as_user(client, people["alice"])
    url = reverse("reports:preview")
    page = client.get(url, {"period": "2022-07", "office": office.pk, "date": "2022-08-05"})
    assert 'name="date" value="2022-08-05"' in page.content.decode()
    assert "2022年8月5日" in page.content.decode()
    generate(client, office, date="2022-08-05")
    assert Report.objects.get().figures["report_date"] == "2022-08-05"


def test_without_a_date_a_past_month_is_signed_on_its_last_day(client, people, judged, office):
    as_user(client, people["alice"])
    generate(client, office, date="")
    assert Report.objects.get().figures["report_date"] == "2022-07-31"


def test_a_bad_date_is_refused_in_chinese(client, people, judged, office):
    as_user(client, people["alice"])
    page = client.get(
        reverse("reports:preview"), {"period": "2022-07", "office": office.pk, "date": "2022-02-30"}
    )
    assert page.status_code == 400
    assert "请填写有效日期" in page.content.decode()


def test_the_suggestion_editor_names_the_cause_in_words(client, people, judged, office):
    as_user(client, people["alice"])
    page = client.get(reverse("reports:preview"), {"period": "2022-07", "office": office.pk})
    assert "针对“资金和要素保障跟不上”" in page.content.decode()
