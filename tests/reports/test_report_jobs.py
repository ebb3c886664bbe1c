"""What a 报告中心 page would wait for runs as a background job (core/jobs.py): a district's
report and every PDF; the job checks again what its owner may do, and a failed conversion
shows its Chinese error on the job page."""

import pytest
from django.urls import reverse

from duban.core import jobs
from duban.core.models import Job
from duban.org import roles as R
from duban.org.models import Office
from duban.reports.models import Report
from tests.factories import KeyTaskFactory, make_user

FAKE_SOFFICE = """#!/bin/sh
while [ $# -gt 0 ]; do if [ "$1" = "--outdir" ]; then out="$2"; fi; shift; done
printf '%%PDF-1.4 fake' > "$out/report.pdf"
"""


@pytest.fixture
def district(office, units):
    area = Office.objects.create(name="示范区", kind=Office.Kind.DISTRICT)
    office.parent = area
    office.save()
    north = Office.objects.create(name="北街道", parent=area)
    KeyTaskFactory(office=north, code="N1", lead_unit=units["east"])
    KeyTaskFactory(office=office, code="S1", lead_unit=units["east"])
    return area


def test_a_district_report_is_generated_by_a_job(client, district):
    dora = make_user("dora", R.SUPERVISOR, office=district)
    client.force_login(dora)

    response = client.post(
        reverse("reports:generate"), {"period": "2022-07", "office": district.pk}, follow=True
    )

    job = Job.objects.get()
    assert response.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.status == Job.Status.DONE, job.error
    report = Report.objects.get()
    assert report.office == district and report.created_by == dora
    page = response.content.decode()
    assert f"已生成并存档：{report.title}" in page
    assert reverse("reports:detail", args=[report.pk]) in page


def test_a_street_report_is_still_generated_on_the_page(client, people, judged, office):
    client.force_login(people["alice"])
    response = client.post(reverse("reports:generate"), {"period": "2022-07", "office": office.pk})
    assert response.url == reverse("reports:detail", args=[Report.objects.get().pk])
    assert not Job.objects.exists()


def test_a_district_report_job_checks_the_scope_again(district, people):
    """Moved to a street between the click and the run: nothing is generated."""
    from duban.reports.views import generate_job

    job = jobs.start(
        generate_job,
        user=people["alice"],  # a street's 督查管理员: the district is not in her scope
        title="生成报告",
        params={"office_id": district.pk, "period": "2022-07", "date": None, "suggestions": {}},
    )
    assert job.status == Job.Status.FAILED and "不在您的查看范围内" in job.error
    assert not Report.objects.exists()


def _report(office):
    from duban.reports.figures import monthly

    return Report.objects.create(
        office=office, period="2022-07", title="七月报告", figures=monthly(office, "2022-07")
    )


def test_a_pdf_is_converted_by_a_job(client, people, judged, office, settings, tmp_path):
    soffice = tmp_path / "soffice"
    soffice.write_text(FAKE_SOFFICE)
    soffice.chmod(0o755)
    settings.DUBAN_SOFFICE = str(soffice)
    report = _report(office)
    client.force_login(people["rita"])

    response = client.get(reverse("reports:download", args=[report.pk, "pdf"]), follow=True)

    job = Job.objects.get()
    assert response.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.status == Job.Status.DONE, job.error
    assert job.result_name == f"{report.figures['title']}.pdf"
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_failed_conversion_shows_its_chinese_error(client, people, judged, office, settings):
    settings.DUBAN_SOFFICE = "/bin/false"  # runs, writes no PDF
    report = _report(office)
    client.force_login(people["alice"])

    response = client.get(reverse("reports:download", args=[report.pk, "pdf"]), follow=True)

    page = response.content.decode()
    assert 'id="job-error"' in page
    assert "PDF 转换没有成功，请先下载 Word 版" in page
    assert Job.objects.get().status == Job.Status.FAILED
