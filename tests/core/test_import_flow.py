"""The one upload → preview → confirm flow, through both imports that declare into it:
broken files and impossible dates answer in Chinese and write nothing, a failed
preview forgets its upload, csv is accepted, the limits of web uploads hold."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.ledger.models import KeyTask
from duban.progress.models import Judgement, Submission
from tests.xlsx import BROKEN_KINDS, LEDGER_HEADERS, broken_xlsx, write_ledger, write_xlsx

NOT_EXCEL = "文件不是有效的 Excel 文件，无法读取"
LEDGER_ROW = {
    "编号": "MS-10",
    "类别": "街道民生实事项目",
    "事项名称": "社区花园",
    "牵头单位": "城建中心",
}


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


def ledger_upload(alice, path, name=None, **data):
    upload = SimpleUploadedFile(name or path.name, path.read_bytes())
    return alice.post(reverse("ledger:import"), {"file": upload, "year": 2022, **data}, follow=True)


def progress_upload(alice, path, name=None, period="2022-07"):
    upload = SimpleUploadedFile(name or path.name, path.read_bytes())
    return alice.post(reverse("progress:import"), {"file": upload, "period": period}, follow=True)


def errors_section(response):
    page = response.content.decode()
    assert 'id="import-errors"' in page, page[:2000]
    return page.split('id="import-errors"', 1)[1].split("</section>", 1)[0]


def forgotten(client, upload_dir, key):
    return key not in client.session and (not upload_dir.exists() or not any(upload_dir.iterdir()))


# ----- broken files -----


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_a_broken_ledger_file_is_refused_on_the_page_and_forgotten(
    kind, alice, units, upload_dir, tmp_path
):
    good = write_ledger(tmp_path / "good.xlsx", [LEDGER_ROW])
    broken = broken_xlsx(kind, good, tmp_path / "台账.xlsx")

    response = ledger_upload(alice, broken)

    assert response.status_code == 200
    assert NOT_EXCEL in errors_section(response)
    assert 'name="file"' in response.content.decode()  # the upload form, again
    assert KeyTask.objects.count() == 0
    assert forgotten(alice, upload_dir, "ledger_import")


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_a_broken_progress_file_is_refused_on_the_page_and_forgotten(
    kind, alice, tasks, upload_dir, tmp_path
):
    good = write_xlsx(tmp_path / "good.xlsx", ["编号", "进展情况"], [["MS-01", "推进中"]])
    broken = broken_xlsx(kind, good, tmp_path / "进展.xlsx")

    response = progress_upload(alice, broken)

    assert response.status_code == 200
    assert NOT_EXCEL in errors_section(response)
    assert Submission.objects.count() == 0 and Judgement.objects.count() == 0
    assert forgotten(alice, upload_dir, "progress_import")


@pytest.mark.parametrize(
    "deadline, milestones",
    [("0000年底", ""), ("0000年12月底", ""), ("2022-12-31", "0000年1月上旬：完成")],
)
def test_year_zero_in_a_ledger_is_a_date_that_does_not_exist(
    deadline, milestones, alice, units, upload_dir, tmp_path
):
    path = write_ledger(
        tmp_path / "台账.xlsx", [{**LEDGER_ROW, "完成时限": deadline, "节点计划": milestones}]
    )

    response = ledger_upload(alice, path)

    assert "日期不存在" in errors_section(response)
    assert KeyTask.objects.count() == 0


def test_a_failed_preview_forgets_its_upload_so_the_next_try_starts_clean(
    alice, units, upload_dir, tmp_path
):
    bad = write_ledger(tmp_path / "bad.xlsx", [{**LEDGER_ROW, "牵头单位": "城建中"}])
    response = ledger_upload(alice, bad)
    assert "城建中心" in errors_section(response)
    assert forgotten(alice, upload_dir, "ledger_import")
    # nothing is left to preview or confirm
    again = alice.get(reverse("ledger:import_preview"), follow=True)
    assert again.redirect_chain[-1][0] == reverse("ledger:import")
    assert alice.post(reverse("ledger:import_confirm")).status_code == 200
    assert KeyTask.objects.count() == 0

    good = write_ledger(tmp_path / "good.xlsx", [LEDGER_ROW])
    response = ledger_upload(alice, good)
    assert 'id="import-errors"' not in response.content.decode()
    alice.post(reverse("ledger:import_confirm"))
    assert KeyTask.objects.get(code="MS-10").lead_unit == units["build"]


# ----- csv and limits -----


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_ledger_is_previewed_and_imported(encoding, alice, units, upload_dir, tmp_path):
    path = tmp_path / "台账.csv"
    values = [LEDGER_ROW.get(name, "") for name in LEDGER_HEADERS]
    path.write_bytes((",".join(LEDGER_HEADERS) + "\n" + ",".join(values) + "\n").encode(encoding))

    response = ledger_upload(alice, path)
    assert "MS-10" in response.content.decode().split('id="import-created"', 1)[1]
    alice.post(reverse("ledger:import_confirm"))

    assert KeyTask.objects.get(code="MS-10").title == "社区花园"
    assert forgotten(alice, upload_dir, "ledger_import")


def test_rows_past_the_web_limit_are_refused_naming_the_limit(
    alice, units, upload_dir, tmp_path, settings
):
    settings.DUBAN_IMPORT_MAX_ROWS = 5
    rows = [{**LEDGER_ROW, "编号": f"MS-{n}"} for n in range(6)]
    response = ledger_upload(alice, write_ledger(tmp_path / "台账.xlsx", rows))

    assert "数据超过 5 行的上限" in errors_section(response)
    assert KeyTask.objects.count() == 0


# ----- the progress import page -----


def test_the_progress_import_page_is_for_the_supervision_office_only(client, people):
    for name in ("lily", "bob", "hank", "rita"):
        client.force_login(people[name])
        assert client.get(reverse("progress:import")).status_code == 403
    client.force_login(people["alice"])
    page = client.get(reverse("progress:import")).content.decode()
    assert "下载本月导入模板" in page and 'type="month"' in page


def test_the_progress_template_link_gives_the_months_sheet(alice, tasks):
    from io import BytesIO

    from openpyxl import load_workbook

    response = alice.get(reverse("progress:import_template"), {"period": "2022-07"})

    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        "MS-01",
        "MS-02",
        "ZB-01",
    }


@pytest.mark.parametrize("period", ["2022-13", "1999-07", "2022", "%C2%B2"])
def test_a_bad_month_for_the_template_is_refused_in_chinese(alice, tasks, period):
    response = alice.get(reverse("progress:import_template"), {"period": period}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("progress:import")


def test_the_progress_import_previews_each_rows_judgement_then_writes_on_confirm(
    alice, tasks, upload_dir, tmp_path
):
    path = write_xlsx(
        tmp_path / "7月进展.xlsx",
        ["编号", "进展情况", "状态", "滞后原因"],
        [["MS-01", "推进中", "推进滞后", "资金未到位"], ["MS-02", "已开业", "已完成", None]],
    )

    response = progress_upload(alice, path)

    page = response.content.decode()
    created = page.split('id="import-created"', 1)[1].split("</section>", 1)[0]
    assert "研判结果" in created
    assert "推进滞后（黄灯）" in created and "已完成（绿灯）" in created
    assert Submission.objects.count() == 0 and Judgement.objects.count() == 0

    done = alice.post(reverse("progress:import_confirm"), follow=True)

    assert "导入完成" in done.content.decode()
    assert Judgement.objects.get(task=tasks["build"], period="2022-07").status == "lagging"
    assert Submission.objects.get(task=tasks["east"], period="2022-07").state == "accepted"
    assert forgotten(alice, upload_dir, "progress_import")


def test_a_csv_progress_sheet_in_gb18030_is_imported(alice, tasks, upload_dir, tmp_path):
    path = tmp_path / "进展.csv"
    path.write_bytes("编号,进展情况,状态\nMS-01,推进中,推进正常\n".encode("gb18030"))

    progress_upload(alice, path)
    alice.post(reverse("progress:import_confirm"))

    assert Submission.objects.get(task=tasks["build"], period="2022-07").progress == "推进中"


@pytest.mark.parametrize("period", ["2022-13", "2022", "abc", "1999-07"])
def test_a_bad_month_on_the_upload_form_is_a_form_error(alice, tasks, upload_dir, tmp_path, period):
    path = write_xlsx(tmp_path / "进展.xlsx", ["编号", "进展情况"], [["MS-01", "推进中"]])
    response = progress_upload(alice, path, period=period)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert "progress_import" not in alice.session


def test_an_xls_is_refused_on_the_progress_form(alice, tasks, upload_dir, tmp_path):
    path = tmp_path / "进展.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    response = progress_upload(alice, path)
    assert "只能导入 .xlsx 格式的 Excel 文件或 .csv 文件" in response.content.decode()
