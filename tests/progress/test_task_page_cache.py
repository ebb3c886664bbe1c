"""The task page keeps what it computes from a task's reports, reviews, judgements and
history under that task's data version (ledger/taskversion.py, core/versioning.py
`install_keyed`) inside the org version's entries: read once, every write to one of
those rows — through the pages, the engines' bulk writes, a queryset update, raw SQL —
shows on the next request, a write for another task leaves it kept, names changed since
show, and one person's drafts never reach another's page.

Committed transactions, as in production: on PostgreSQL the triggers' rows commit with
the write.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.ledger import taskversion
from duban.ledger.models import KeyTask, save_task
from duban.progress import judging, workflow
from duban.progress.models import Review, Submission
from tests.factories import MilestoneFactory, judge

pytestmark = pytest.mark.django_db(transaction=True)


def version(task):
    return taskversion.annotate(KeyTask.objects.filter(pk=task.pk)).get().data_version


def page(client, task):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ledger:detail", args=[task.pk]))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries]


def reads_rows(sql):
    """Whether the page read the task's reports, judgements or history."""
    tables = ('"progress_submission"', '"progress_judgement"', '"ledger_historicalkeytask"')
    return any(q.lstrip().startswith("SELECT") and any(t in q for t in tables) for q in sql)


def test_every_kind_of_write_changes_that_task_s_version_only(tasks, units, people):
    build, east = tasks["build"], tasks["east"]
    before = {name: version(task) for name, task in tasks.items()}

    def changed(task):
        now = version(task)
        assert now > before[next(n for n, t in tasks.items() if t.pk == task.pk)]
        before.update({n: version(t) for n, t in tasks.items()})
        return now

    report = Submission.objects.create(task=build, period="2022-07", unit=units["build"])
    changed(build)
    assert version(east) == before["east"]
    Submission.objects.filter(pk=report.pk).update(progress="已完成主体施工")  # a bulk update
    changed(build)
    Review.objects.create(submission=report, action="submit", version=1, actor=people["bob"])
    changed(build)
    Review.objects.filter(submission=report).delete()
    changed(build)
    judge(east, "lagging")
    changed(east)
    assert version(build) == before["build"]
    judging.judge_period(KeyTask.objects.all(), "2022-08")  # the engine's bulk insert
    assert all(version(task) > before[name] for name, task in tasks.items())
    before.update({n: version(t) for n, t in tasks.items()})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE progress_judgement SET reason = 'x' WHERE task_id = %s", [east.pk])
    changed(east)
    MilestoneFactory(task=build)  # its history row
    changed(build)
    save_task(build, [units["east"]])  # partner units: the task's history
    changed(build)
    Submission.objects.filter(pk=report.pk).update(task=east)  # moved: both tasks change
    assert version(build) > before["build"] and version(east) > before["east"]
    before.update({n: version(t) for n, t in tasks.items()})
    Submission.objects.filter(pk=report.pk).update(task=build)
    report.delete()
    changed(build)
    assert version(tasks["west"]) == before["west"]


def test_the_page_reads_the_rows_once_then_keeps_them(client, people, tasks, units):
    build = tasks["build"]
    judge(build, "on_track")
    client.force_login(people["alice"])
    first, sql = page(client, build)
    assert reads_rows(sql)
    again, sql = page(client, build)
    assert not reads_rows(sql)
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert csrf.sub("", again) == csrf.sub("", first)
    assert 'data-period="2022-07"' in again

    # a report on another task: this one stays kept
    Submission.objects.create(task=tasks["east"], period="2022-07", unit=units["east"])
    _page, sql = page(client, build)
    assert not reads_rows(sql)

    # its own: shown at once
    report = Submission.objects.create(
        task=build,
        period="2022-07",
        unit=units["build"],
        state=Submission.State.SUBMITTED,
        progress="完成三个小区的管线改造",
    )
    shown, sql = page(client, build)
    assert reads_rows(sql) and "完成三个小区的管线改造" in shown

    workflow.accept(report, people["alice"], comment="同意", notify=False, judge=False)
    shown, _sql = page(client, build)
    assert "已采纳" in shown and "同意" in shown


def test_names_changed_since_show(client, people, tasks, units):
    build = tasks["build"]
    report = Submission.objects.create(
        task=build, period="2022-07", unit=units["build"], state=Submission.State.SUBMITTED
    )
    Review.objects.create(submission=report, action="submit", version=1, actor=people["bob"])
    client.force_login(people["alice"])
    before, _sql = page(client, build)
    bob = people["bob"]
    bob.last_name, bob.first_name = "鲍", "建国"
    bob.save(update_fields=["last_name", "first_name"])
    after, _sql = page(client, build)
    assert "鲍建国" in after and "鲍建国" not in before


def test_a_draft_reaches_only_its_unit_s_page(client, people, tasks, units):
    east = tasks["east"]
    Submission.objects.create(
        task=east, period="2022-07", unit=units["east"], progress="东苑尚未提交的草稿"
    )
    for who, sees in [("carol", True), ("alice", False), ("bob", False), ("carol", True)]:
        client.force_login(people[who])
        shown, _sql = page(client, east)
        assert ("东苑尚未提交的草稿" in shown) is sees, who


def test_a_task_read_without_its_version_is_computed_each_time(tasks):
    calls = []
    for _ in range(2):
        taskversion.cached(tasks["build"], ("probe",), lambda: calls.append(1))
    assert len(calls) == 2


def test_nothing_is_kept_inside_a_transaction(client, people, tasks):
    from django.db import transaction

    client.force_login(people["alice"])
    with transaction.atomic():
        _page, sql = page(client, tasks["build"])
        assert reads_rows(sql)
        _page, sql = page(client, tasks["build"])
        assert reads_rows(sql)


def test_a_sign_in_keeps_what_is_kept_and_a_rename_does_not(people):
    from django.contrib.auth.models import update_last_login

    from duban.org import cache

    before = cache.current()
    update_last_login(None, people["bob"])  # what every sign-in writes
    assert cache.current() == before
    people["bob"].first_name = "建国"
    people["bob"].save(update_fields=["first_name"])
    assert cache.current() != before
