"""The progress pages for each role: 批量填报, 协同反馈, 审核, one report, evidence."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.progress import workflow
from duban.progress.models import (
    Evidence,
    PartnerFeedback,
    ProgressRules,
    Review,
    Submission,
)
from tests.factories import KeyTaskFactory

PERIOD = "2022-07"
State = Submission.State
BATCH = reverse("progress:batch") + f"?period={PERIOD}"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _engine_on_track(monkeypatch):
    monkeypatch.setattr(
        "duban.progress.judging.propose",
        lambda task, period, **kwargs: SimpleNamespace(status="on_track"),
    )


def login(client, user):
    client.force_login(user)
    return client


def row(task, **values):
    return {f"t{task.pk}-{name}": value for name, value in values.items()}


FILLED = {"progress": "完成3个小区改造", "self_status": "on_track", "next_steps": "继续推进"}


def submit_build(tasks, units, people):
    submission = workflow.save_draft(tasks["build"], PERIOD, units["build"], FILLED, people["bob"])
    workflow.submit([submission], people["bob"])
    submission.refresh_from_db()
    return submission


# ----- 批量填报 -----


def test_batch_lists_the_tasks_the_unit_leads_and_those_it_partners(client, tasks, people):
    response = login(client, people["bob"]).get(BATCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="row-{tasks["build"].pk}"' in html
    assert f'id="row-{tasks["east"].pk}"' not in html  # build is only a partner there
    assert f'name="fb-{tasks["east"].pk}"' in html
    assert tasks["west"].title not in html
    assert "2022年7月" in html


def test_batch_defaults_to_the_current_month(client, tasks, people, time_machine):
    time_machine.move_to("2022-09-10 10:00 +08:00")
    response = login(client, people["bob"]).get(reverse("progress:batch"))
    assert response.context["period"].key == "2022-09"


def test_saving_a_draft_keeps_every_field_and_feedback(client, tasks, people):
    data = {"action": "save", f"fb-{tasks['east'].pk}": "已完成管线迁改"}
    data.update(
        row(
            tasks["build"], progress="完成3个小区", self_status="", reason="", next_steps="下月验收"
        )
    )
    response = login(client, people["bob"]).post(BATCH, data)
    assert response.status_code == 302 and "saved=1" in response["Location"]
    submission = Submission.objects.get(task=tasks["build"])
    assert (submission.state, submission.progress, submission.next_steps) == (
        State.DRAFT,
        "完成3个小区",
        "下月验收",
    )
    assert PartnerFeedback.objects.get(task=tasks["east"]).note == "已完成管线迁改"


def test_submitting_a_batch_with_an_incomplete_row_submits_nothing_and_says_why(
    client, tasks, units, people
):
    other = KeyTaskFactory(code="MS-07", title="背街小巷整治", lead_unit=units["build"])
    data = {"action": "submit"}
    data.update(row(tasks["build"], **FILLED))
    data.update(row(other, progress="", self_status="lagging"))
    response = login(client, people["bob"]).post(BATCH, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "本批均未提交" in html
    assert "请填写进展情况" in html and "推进滞后须填写滞后原因" in html
    assert set(Submission.objects.values_list("state", flat=True)) == {State.DRAFT}
    rows = {r.task.pk: r for r in response.context["rows"]}
    assert rows[other.pk].errors and not rows[tasks["build"].pk].errors


def test_submitting_a_complete_batch(client, tasks, people):
    data = {"action": "submit", **row(tasks["build"], **FILLED)}
    response = login(client, people["bob"]).post(BATCH, data)
    assert response.status_code == 302
    submission = Submission.objects.get(task=tasks["build"])
    assert submission.state == State.SUBMITTED and submission.version == 1


def test_submitted_rows_are_read_only(client, tasks, units, people):
    submit_build(tasks, units, people)
    response = login(client, people["bob"]).get(BATCH)
    html = response.content.decode()
    assert f'name="t{tasks["build"].pk}-progress"' in html
    form = response.context["rows"][0].form
    assert all(f.field.disabled for f in form)
    assert 'id="submit-batch"' not in html  # nothing left to submit
    # a forged POST does not change it either
    login(client, people["bob"]).post(
        BATCH, {"action": "save", **row(tasks["build"], progress="改")}
    )
    assert Submission.objects.get(task=tasks["build"]).progress == FILLED["progress"]


def test_a_returned_row_is_editable_and_shows_the_comment(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    workflow.return_(submission, people["alice"], "请补充改造户数")
    html = login(client, people["bob"]).get(BATCH).content.decode()
    assert "请补充改造户数" in html and "已退回" in html
    assert response_rows_editable(client, people["bob"])


def response_rows_editable(client, user):
    return login(client, user).get(BATCH).context["rows"][0].editable


def test_evidence_uploaded_with_the_sheet_is_checked(client, tasks, people):
    data = {"action": "save", **row(tasks["build"], **FILLED)}
    data[f"t{tasks['build'].pk}-evidence"] = SimpleUploadedFile("假照片.png", b"%PDF-1.4")
    response = login(client, people["bob"]).post(BATCH, data)
    assert response.status_code == 200
    assert "内容与扩展名不符" in response.content.decode()
    assert not Submission.objects.exists()  # nothing saved when a row is malformed

    data[f"t{tasks['build'].pk}-evidence"] = SimpleUploadedFile("现场照片.png", PNG)
    assert login(client, people["bob"]).post(BATCH, data).status_code == 302
    assert Evidence.objects.get().name == "现场照片.png"


def test_an_expired_session_sends_the_post_to_login_and_back(client, tasks):
    response = client.post(BATCH, {"action": "save"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=/progress/batch/%3Fperiod%3D2022-07" in response["Location"]


@pytest.mark.parametrize("who", ["alice", "lily", "gina", "rita"])
def test_only_reporters_and_heads_fill_the_sheet(client, tasks, people, who):
    assert login(client, people[who]).get(BATCH).status_code == 403


def test_batch_page_query_count_does_not_grow(client, units, people):
    def make(count, offset):
        for n in range(count):
            task = KeyTaskFactory(code=f"Q{offset + n:03d}", lead_unit=units["build"])
            submission = workflow.save_draft(task, PERIOD, units["build"], FILLED, people["bob"])
            if n % 2:
                workflow.submit([submission], people["bob"])
                workflow.return_(submission, people["alice"], "补充")
            workflow.add_evidence(submission, SimpleUploadedFile("a.png", PNG), people["bob"])
            partner = KeyTaskFactory(code=f"P{offset + n:03d}", lead_unit=units["east"])
            partner.partner_units.add(units["build"])

    def queries():
        client.force_login(people["bob"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BATCH).status_code == 200
        return len(captured)

    make(5, 0)
    few = queries()
    make(45, 100)
    assert queries() == few


# ----- 审核 -----


def test_supervisor_sees_the_review_queue_and_accepts(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    response = login(client, people["alice"]).get(reverse("progress:review"))
    html = response.content.decode()
    assert response.status_code == 200 and FILLED["progress"] in html
    assert f'id="submission-{submission.pk}"' in html

    response = client.post(reverse("progress:act", args=[submission.pk]), {"action": "accept"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == State.ACCEPTED


def test_returning_without_a_comment_is_refused_with_a_message(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    response = login(client, people["alice"]).post(
        reverse("progress:act", args=[submission.pk]),
        {"action": "return", "comment": ""},
        follow=True,
    )
    assert "退回须填写退回意见" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == State.SUBMITTED


def test_a_reporter_cannot_review(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    assert login(client, people["bob"]).get(reverse("progress:review")).status_code == 403
    client.post(reverse("progress:act", args=[submission.pk]), {"action": "accept"})
    assert Submission.objects.get(pk=submission.pk).state == State.SUBMITTED


def test_another_units_reporter_cannot_act_on_a_report(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    response = login(client, people["carol"]).post(
        reverse("progress:act", args=[submission.pk]), {"action": "accept"}
    )
    assert response.status_code == 404


def test_unit_head_reviews_own_units_reports_when_required(client, tasks, units, people):
    rules = ProgressRules.current()
    rules.unit_head_approval = True
    rules.save()
    submission = submit_build(tasks, units, people)
    assert submission.state == State.PENDING_HEAD

    response = login(client, people["hank"]).get(reverse("progress:review"))
    assert response.status_code == 200
    assert f'id="submission-{submission.pk}"' in response.content.decode()
    assert "head-queue" in response.content.decode()
    alice_html = login(client, people["alice"]).get(reverse("progress:review")).content.decode()
    assert f'id="submission-{submission.pk}"' not in alice_html  # not the office's turn yet

    login(client, people["hank"]).post(
        reverse("progress:act", args=[submission.pk]), {"action": "head_approve"}
    )
    assert Submission.objects.get(pk=submission.pk).state == State.SUBMITTED


def test_unit_head_has_no_queue_when_head_approval_is_off(client, tasks, people):
    assert login(client, people["hank"]).get(reverse("progress:review")).status_code == 403


# ----- one report -----


def test_report_page_shows_versions_and_reviews(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    workflow.return_(submission, people["alice"], "请补充改造户数")
    response = login(client, people["bob"]).get(
        reverse("progress:submission", args=[submission.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "党政办退回" in html and "请补充改造户数" in html
    assert len(response.context["versions"]) == 3
    assert response.context["form"] is None


def test_another_units_reporter_gets_404_on_a_report(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    url = reverse("progress:submission", args=[submission.pk])
    assert login(client, people["carol"]).get(url).status_code == 404
    assert login(client, people["gina"]).get(url).status_code == 404


def test_supervisor_corrects_an_accepted_report(client, tasks, units, people):
    submission = submit_build(tasks, units, people)
    workflow.accept(submission, people["alice"])
    url = reverse("progress:submission", args=[submission.pk])

    assert login(client, people["bob"]).post(url, {"progress": "改"}).status_code == 403

    login(client, people["alice"])
    assert client.get(url).context["form"] is not None
    response = client.post(
        url,
        {
            "progress": "完成4个小区改造",
            "self_status": "on_track",
            "next_steps": "继续推进",
            "correction_reason": "区住建委核定数据",
        },
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.progress == "完成4个小区改造" and submission.state == State.ACCEPTED
    assert (
        Review.objects.filter(submission=submission, action="correct").get().comment
        == "区住建委核定数据"
    )


# ----- evidence download -----


def test_evidence_is_streamed_only_to_those_who_see_the_task(client, tasks, units, people):
    submission = workflow.save_draft(tasks["build"], PERIOD, units["build"], FILLED, people["bob"])
    item = workflow.add_evidence(submission, SimpleUploadedFile("现场照片.png", PNG), people["bob"])
    url = reverse("progress:evidence", args=[item.pk])

    response = login(client, people["bob"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert "attachment" in response["Content-Disposition"]
    # a draft's evidence stays with its unit until the report is submitted
    assert login(client, people["alice"]).get(url).status_code == 404
    Submission.objects.filter(pk=submission.pk).update(state=State.SUBMITTED)
    assert login(client, people["alice"]).get(url).status_code == 200
    assert login(client, people["carol"]).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# ----- admin -----


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    return client


def test_progress_rules_are_one_row_that_cannot_be_added_twice_or_deleted(admin_client_logged_in):
    ProgressRules.current()
    client = admin_client_logged_in
    assert client.get(reverse("admin:progress_progressrules_add")).status_code == 403
    assert client.get(reverse("admin:progress_progressrules_delete", args=[1])).status_code == 403
    assert client.get(reverse("admin:progress_progressrules_change", args=[1])).status_code == 200


def test_admin_shows_reports_read_only_with_their_reviews(
    admin_client_logged_in, tasks, units, people
):
    submission = submit_build(tasks, units, people)
    client = admin_client_logged_in
    response = client.get(reverse("admin:progress_submission_change", args=[submission.pk]))
    assert response.status_code == 200
    assert 'name="progress"' not in response.content.decode()  # not editable here
    assert client.get(reverse("admin:progress_submission_add")).status_code == 403
    for name in ["reasoncategory", "judgement", "partnerfeedback", "submission"]:
        assert client.get(reverse(f"admin:progress_{name}_changelist")).status_code == 200
