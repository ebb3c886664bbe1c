"""`duban check-numbers` and the 数字核对 page."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from docx import Document

BAD = "截至7月底，民生实事项目共10项，其中推进正常6项、推进滞后3项，滞后项目占比%。"
GOOD = "截至7月底，民生实事项目共10项，其中推进正常7项、推进滞后3项，滞后项目占比30%。"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check-numbers", *args, stdout=out, stderr=err)
    return exit_.value.code, out.getvalue(), err.getvalue()


def docx_file(tmp_path, *paragraphs):
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / "报告.docx"
    document.save(path)
    return path


def test_findings_exit_1_with_where_and_why(tmp_path, office):
    path = tmp_path / "a.txt"
    path.write_text("标题\n" + BAD, encoding="utf-8")
    code, out, _err = run(str(path))
    assert code == 1
    assert "第2段第1句 [空缺数字] “滞后项目占比%”" in out
    assert "[分项合计不符]" in out
    assert "共发现 2 处问题" in out


def test_a_clean_docx_exits_0(tmp_path, office):
    code, out, _err = run(str(docx_file(tmp_path, "标题", GOOD)))
    assert (code, out.strip()) == (0, "未发现数字问题")


def test_json_lists_the_findings(tmp_path, office):
    path = tmp_path / "a.txt"
    path.write_text(BAD, encoding="gb18030")
    code, out, _err = run(str(path), "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["count"] == 2
    assert {f["kind"] for f in data["findings"]} == {"blank", "sum"}
    assert {"paragraph", "sentence", "quote", "expected", "why", "label"} <= set(
        data["findings"][0]
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["missing.txt"], "找不到文件"),
        (["{txt}", "--format", "xml"], "--format 应为 text 或 json"),
        (["{txt}", "--period", "2022-13"], ""),
        (["{pdf}"], "只能核对 .docx 或 .txt 文件"),
        (["{txt}", "--office", "某街道"], "--office 需与 --period 一起使用"),
        (["{broken}"], "无法读取 Word 文件"),
    ],
)
def test_bad_arguments_exit_2_with_one_chinese_line(tmp_path, office, args, message):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "b.docx").write_bytes(b"not a zip")
    paths = {
        "txt": tmp_path / "a.txt",
        "pdf": tmp_path / "a.pdf",
        "broken": tmp_path / "b.docx",
    }
    code, out, err = run(*[a.format(**paths) for a in args])
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_against_the_months_data(tmp_path, judged, office):
    path = tmp_path / "a.txt"
    path.write_text(
        "截至7月底，总体来看，重点工作共99项，其中推进正常98项、推进滞后1项。", encoding="utf-8"
    )
    code, out, _err = run(str(path), "--period", "2022-07")
    assert code == 1
    assert "[与系统数据不符] “99项”" in out


@pytest.mark.parametrize("name", ["alice", "lily"])
def test_office_wide_roles_paste_text_and_see_the_findings(client, people, name):
    client.force_login(people[name])
    page = client.get(reverse("textkit:check"))
    assert page.status_code == 200
    response = client.post(reverse("textkit:check"), {"text": BAD})
    body = response.content.decode()
    assert response.status_code == 200
    assert "发现 2 处问题" in body
    assert "滞后项目占比%" in body and "空缺数字" in body


def test_upload_a_clean_docx(client, people, tmp_path):
    client.force_login(people["alice"])
    data = docx_file(tmp_path, GOOD).read_bytes()
    upload = SimpleUploadedFile("报告.docx", data)
    response = client.post(reverse("textkit:check"), {"file": upload})
    assert response.status_code == 200
    assert "未发现数字问题" in response.content.decode()


def test_nothing_to_check_or_a_bad_file_is_a_400_in_chinese(client, people):
    client.force_login(people["alice"])
    response = client.post(reverse("textkit:check"), {"text": "  "})
    assert response.status_code == 400
    assert "请上传文件或粘贴要核对的文字" in response.content.decode()
    upload = SimpleUploadedFile("表.xlsx", b"x")
    response = client.post(reverse("textkit:check"), {"file": upload})
    assert response.status_code == 400
    assert "只能核对 .docx 或 .txt 文件" in response.content.decode()
    response = client.post(reverse("textkit:check"), {"text": GOOD, "period": "2022-99"})
    assert response.status_code == 400


def test_unit_roles_are_refused(client, people):
    client.force_login(people["bob"])
    assert client.get(reverse("textkit:check")).status_code == 403


def test_the_page_compares_with_the_months_data(client, people, judged):
    client.force_login(people["alice"])
    text = "截至7月底，总体来看，重点工作共99项，其中推进正常98项、推进滞后1项。"
    response = client.post(reverse("textkit:check"), {"text": text, "period": "2022-07"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "与系统数据不符" in body and "99项" in body
