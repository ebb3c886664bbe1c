"""The batch sheet keeps each task's card, and the engine's proposal in it, per task under
the task's data version (progress/sheet.py `cards`, progress/views.py `_proposals`,
ledger/taskversion.py) and the day, inside the org version's entries: read once, the
next view judges nothing and builds no form; a draft saved, an evidence file added, a
reason category added or a new day shows at once; a sheet shown with what someone typed
is never kept.

Committed transactions, as in production.
"""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from duban.ledger.models import Milestone
from duban.progress import judging, workflow
from duban.progress.models import ReasonCategory, Submission
from tests.factories import KeyTaskFactory

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture
def sheet_tasks(tasks, units):
    """城建中心 leads two tasks of 2022: MS-01 and MS-03."""
    return [
        tasks["build"],
        KeyTaskFactory(code="MS-03", title="背街小巷整治", lead_unit=units["build"]),
    ]


@pytest.fixture
def judged_tasks(monkeypatch):
    """The tasks the engine is asked to judge for the sheet, per view."""
    calls = []
    proposals = judging.proposals

    def spy(tasks, *args, **kwargs):
        calls.append(sorted(task.code for task in tasks))
        return proposals(tasks, *args, **kwargs)

    monkeypatch.setattr(judging, "proposals", spy)
    return calls


def view(client, period="2022-07"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("progress:batch") + f"?period={period}")
    assert response.status_code == 200
    return response, [q["sql"] for q in queries]


def save(client, task, **fields):
    """批量填报's 保存草稿 with `fields` typed on `task`'s card."""
    data = {f"t{task.pk}-{name}": value for name, value in fields.items()}
    return client.post(reverse("progress:batch") + "?period=2022-07", {"action": "save", **data})


def card(response, task):
    html = response.content.decode()
    return html.split(f'id="row-{task.pk}"', 1)[1].split("</article>", 1)[0]


def test_the_second_view_judges_nothing_and_reads_only_this_month_s_rows(
    client, people, sheet_tasks, judged_tasks
):
    client.force_login(people["bob"])
    first, sql = view(client)
    assert judged_tasks == [["MS-01", "MS-03"]]
    assert any('"ledger_milestone"' in q for q in sql)
    again, sql = view(client)
    assert judged_tasks == [["MS-01", "MS-03"]]  # not asked again
    assert not any('"ledger_milestone"' in q for q in sql)
    # nor the evidence, nor last month's reports: only this month's (the sheet's rows)
    assert not any('"progress_evidence"' in q for q in sql)
    assert sum(q.startswith("SELECT") and 'FROM "progress_submission"' in q for q in sql) == 1
    assert all("form" not in row.__dict__ for row in again.context["rows"])
    assert CSRF.sub("", again.content.decode()) == CSRF.sub("", first.content.decode())
    assert len(again.context["rows"]) == 2


def test_a_draft_saved_shows_at_once_and_the_other_card_stays_kept(
    client, people, sheet_tasks, judged_tasks
):
    build, other = sheet_tasks
    client.force_login(people["bob"])
    view(client)
    posted = save(
        client, build, progress="完成两个小区的雨污分流", self_status="lagging", reason="资金未到位"
    )
    assert posted.status_code == 302
    judged_tasks.clear()
    shown, _sql = view(client)
    assert judged_tasks == [["MS-01"]]  # only the task whose draft changed
    saved = card(shown, build)
    assert "完成两个小区的雨污分流" in saved and "资金未到位" in saved
    assert "needs-reason" in saved.split(">", 1)[0]
    assert "完成两个小区的雨污分流" not in card(shown, other)


def test_evidence_and_a_new_reason_category_show_at_once(client, people, units, sheet_tasks):
    build = sheet_tasks[0]
    report = workflow.save_draft(
        build, "2022-07", units["build"], {"progress": "已开工"}, people["bob"]
    )
    client.force_login(people["bob"])
    view(client)
    workflow.add_evidence(report, SimpleUploadedFile("开工照片.pdf", PDF), people["bob"])
    shown, _sql = view(client)
    assert "开工照片.pdf" in card(shown, build)

    ReasonCategory.objects.create(name="征拆协调难", order=99)
    shown, _sql = view(client)
    assert all(">征拆协调难</option>" in card(shown, task) for task in sheet_tasks)


def test_a_new_day_judges_the_card_again(client, people, sheet_tasks, time_machine):
    build = sheet_tasks[0]
    Milestone.objects.create(task=build, due=dt.date(2022, 7, 20), description="完成管线迁改")
    client.force_login(people["bob"])
    time_machine.move_to(timezone.make_aware(dt.datetime(2022, 7, 12, 9)), tick=False)
    before, _sql = view(client)
    assert "完成管线迁改" not in card(before, build)
    time_machine.move_to(timezone.make_aware(dt.datetime(2022, 7, 25, 9)), tick=False)
    after, _sql = view(client)
    assert "完成管线迁改" in card(after, build)  # the milestone is now missed


def test_a_sheet_shown_with_typing_is_never_kept(client, people, sheet_tasks):
    build = sheet_tasks[0]
    client.force_login(people["bob"])
    view(client)
    refused = save(client, build, progress="未保存的内容", self_status="差不多")  # not a choice
    assert refused.status_code == 200 and "未保存的内容" in card(refused, build)
    assert not Submission.objects.exists()
    shown, _sql = view(client)
    assert "未保存的内容" not in card(shown, build)
