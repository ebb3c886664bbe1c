"""`duban tidy` (core/tidy.py), the nightly housekeeping: expired sign-ins go, jobs finished
more than --days ago go with their files and the task queue's records, folders no job owns
go, and each task's version log is folded into one row on PostgreSQL with every task's
version — and so everything kept under it — unchanged. --dry-run changes nothing."""

import os
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from duban.core import jobs, tidy
from duban.core.models import Job
from duban.ledger import taskversion
from duban.ledger.models import KeyTask, TaskWrite
from tests.factories import MilestoneFactory

pytestmark = pytest.mark.django_db


def tidy_lines(**options):
    """`tidy.run`'s lines; every step went through."""
    answered = tidy.run(**options)
    assert all(done for _line, done in answered), answered
    return [line for line, _done in answered]


def versions():
    return dict(taskversion.annotate(KeyTask.objects.all()).values_list("pk", "data_version"))


def test_each_task_s_version_log_is_folded_into_one_row_and_no_version_changes(tasks):
    for task in tasks.values():
        for _ in range(3):
            MilestoneFactory(task=task)  # each adds a history row: a log row on PostgreSQL
    before, rows = versions(), TaskWrite.objects.count()

    dry = tidy_lines(dry_run=True)
    assert TaskWrite.objects.count() == rows and versions() == before
    done = tidy_lines()

    assert versions() == before
    if connection.vendor == "postgresql":
        assert rows > len(tasks)
        assert f"可将 {rows} 行合并为 {len(tasks)} 行" in dry[-1]
        assert done[-1] == f"事项数据版本：已将 {rows} 行合并为 {len(tasks)} 行"
        assert TaskWrite.objects.count() == len(tasks)
    else:  # SQLite counts up one row per task already
        assert rows == len(tasks) and done[-1] == "事项数据版本：无需合并"
    assert tidy_lines()[-1] == "事项数据版本：无需合并"

    MilestoneFactory(task=tasks["build"])  # a write after folding still moves the version on
    after = versions()
    assert after[tasks["build"].pk] > before[tasks["build"].pk]
    assert {pk: v for pk, v in after.items() if pk != tasks["build"].pk} == {
        pk: v for pk, v in before.items() if pk != tasks["build"].pk
    }


def test_expired_sign_ins_go_and_live_ones_stay(people):
    live = SessionStore()
    live["n"] = 1
    live.create()
    old = SessionStore()
    old["n"] = 2
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )

    assert tidy_lines(dry_run=True)[0] == "过期登录：可清理 1 条"
    assert Session.objects.count() == 2
    assert tidy_lines()[0] == "过期登录：已清理 1 条"
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def _job(user, status, days_ago):
    job = Job.objects.create(user=user, title="导出", kind="x", status=status)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=days_ago))
    folder = jobs.job_dir(job)
    folder.mkdir(parents=True)
    (folder / "result").write_bytes(b"a,b\n")
    return job


def _folder(name, days_ago):
    folder = jobs.job_dir(name)
    folder.mkdir(parents=True)
    stamp = time.time() - days_ago * 86400
    os.utime(folder, (stamp, stamp))
    return folder


def _queue_record(days_ago):
    return DBTaskResult.objects.create(
        status="SUCCESSFUL",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="duban.core.jobs.run_job",
        backend_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now() - timedelta(days=days_ago),
        exception_class_path="",
        traceback="",
    )


def test_jobs_finished_long_ago_go_with_their_files_and_the_rest_stay(people):
    alice = people["alice"]
    old_done = _job(alice, Job.Status.DONE, 31)
    old_failed = _job(alice, Job.Status.FAILED, 40)
    recent = _job(alice, Job.Status.DONE, 29)
    running = _job(alice, Job.Status.RUNNING, 60)  # not finished: never removed
    orphan_old, orphan_new = _folder(990001, 31), _folder(990002, 1)
    old_record, new_record = _queue_record(31), _queue_record(2)

    dry = tidy_lines(dry_run=True)[1]
    assert dry == (
        "后台任务：可清理 30 天前完成的 2 个（连同结果文件），任务队列记录 1 条，无主的结果文件夹 1 个"
    )
    assert Job.objects.count() == 4 and orphan_old.is_dir() and DBTaskResult.objects.count() == 2

    line = tidy_lines()[1]

    assert line == (
        "后台任务：已清理 30 天前完成的 2 个（连同结果文件），任务队列记录 1 条，无主的结果文件夹 1 个"
    )
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert not jobs.job_dir(old_done).exists() and not jobs.job_dir(old_failed).exists()
    assert jobs.result_path(recent).is_file() and jobs.result_path(running).is_file()
    assert not orphan_old.exists() and orphan_new.is_dir()
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [new_record.pk]
    assert not DBTaskResult.objects.filter(pk=old_record.pk).exists()


def test_the_command_prints_each_step(people, capsys):
    call_command("tidy", "--days", "7", "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("过期登录：") and out[1].startswith("后台任务：可清理 7 天前完成的")
    assert out[-1].startswith("事项数据版本：")


def test_a_step_that_fails_is_undone_and_said_and_the_others_still_run(people, monkeypatch, capsys):
    old = SessionStore()
    old.create()
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))

    def broken(dry_run):
        Session.objects.all().delete()  # undone with the step
        raise RuntimeError("boom")

    monkeypatch.setattr(tidy, "STEPS", [("坏的一步", broken), *tidy.STEPS])
    answered = tidy.run()
    assert answered[0] == ("过期登录：已清理 1 条", True)
    assert answered[2] == ("坏的一步：未能完成，已撤销本项改动（详情已记入系统日志）", False)
    assert answered[-1][1] and answered[-1][0].startswith("事项数据版本：")

    SessionStore().create()
    with pytest.raises(SystemExit) as exit_status:
        call_command("tidy")
    assert exit_status.value.code == 1
    assert Session.objects.count() == 1  # the broken step's delete was undone
    assert "坏的一步：未能完成" in capsys.readouterr().err
