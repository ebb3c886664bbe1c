"""Inputs a careless or hostile user sent (issue 10, points 6 and 10): a 90-character
Chinese evidence name, a unit leading 150 tasks on the batch sheet."""

import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.progress import workflow
from duban.progress.models import Submission
from tests.factories import KeyTaskFactory

PERIOD = "2022-07"
BATCH = reverse("progress:batch") + f"?period={PERIOD}"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FILLED = {"progress": "完成3个小区改造", "self_status": "on_track", "next_steps": "继续推进"}


@pytest.fixture(autouse=True)
def _engine_on_track(monkeypatch):
    monkeypatch.setattr(
        "duban.progress.judging.propose",
        lambda task, period, **kwargs: SimpleNamespace(status="on_track"),
    )


def test_an_evidence_file_named_with_90_chinese_characters_is_kept_and_given_back(
    client, tasks, units, people, settings
):
    name = "关于老旧小区综合改造项目现场施工进度的照片" * 4 + "与说明材料的补充附件汇总.png"
    assert len(name) > 90
    submission = workflow.save_draft(tasks["build"], PERIOD, units["build"], FILLED, people["bob"])

    item = workflow.add_evidence(submission, SimpleUploadedFile(name, PNG), people["bob"])

    stored = item.file.name.rsplit("/", 1)[-1]
    assert re.fullmatch(r"[0-9a-f]{32}\.png", stored)
    assert item.name == name
    client.force_login(people["bob"])
    response = client.get(reverse("progress:evidence", args=[item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert "utf-8''" in response["Content-Disposition"]  # the original name, encoded


def test_a_unit_leading_150_tasks_submits_its_whole_batch_sheet(client, units, people):
    tasks = [
        KeyTaskFactory(code=f"PL-{n:03d}", title=f"批量事项{n}", lead_unit=units["build"])
        for n in range(150)
    ]
    client.force_login(people["bob"])
    page = client.get(BATCH).content.decode()
    form = page.split('id="batch-form"', 1)[-1] if 'id="batch-form"' in page else page
    names = set(re.findall(r'name="(t\d+-[a-z_]+)"', form))
    data = {name: "" for name in names}
    for task in tasks:
        for field, value in FILLED.items():
            data[f"t{task.pk}-{field}"] = value
    data["action"] = "submit"
    assert len(data) > 1000  # past Django's default DATA_UPLOAD_MAX_NUMBER_FIELDS

    response = client.post(BATCH, data)

    assert response.status_code == 302
    assert Submission.objects.filter(state=Submission.State.SUBMITTED).count() == 150


@pytest.mark.parametrize("unit", ["%C2%B2", "99999999999999999999"])
def test_a_superscript_or_huge_unit_on_the_review_queue_is_no_500(client, tasks, people, unit):
    client.force_login(people["alice"])
    response = client.get(f"{reverse('progress:review')}?unit={unit}")
    assert response.status_code == 200
    assert "单位参数无效" in response.content.decode()
