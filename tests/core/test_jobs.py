"""Long work in the background (core/jobs.py): a job records its progress and its result or
its Chinese error, only its owner sees its page, an import past DUBAN_JOB_ROWS goes through a
job, and the database backend's worker runs a queued job."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.core import jobs
from duban.core.models import Job
from duban.ledger.models import KeyTask
from tests.xlsx import write_ledger

# ----- job functions (module level, as the task framework wants) -----


def make_file(run, name, rows):
    for done in range(1, rows + 1):
        run.progress(done, total=rows, message="正在生成")
    return jobs.Result(summary=f"共 {rows} 行", filename=name, data=b"a,b\n1,2\n")


def refuse(run):
    raise jobs.JobError("该街道的台账已被删除，无法导出", lines=["第3行：编号为空"])


def crash(run):
    raise RuntimeError("boom")


def whoami(run):
    return jobs.Result(summary=run.user.username, link=("回到首页", "/"))


# ----- the job and its page -----


def test_a_job_runs_and_its_page_offers_the_result(client, people):
    alice = people["alice"]
    client.force_login(alice)

    job = jobs.start(make_file, user=alice, title="导出测试", params={"name": "表.csv", "rows": 3})

    assert job.status == Job.Status.DONE and job.done == 3 and job.total == 3
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已完成" in page and "共 3 行" in page
    assert 'id="job-download"' in page and "下载 表.csv" in page
    state = client.get(reverse("jobs:state", args=[job.pk])).json()
    assert state["finished"] and state["percent"] == 100 and state["status_label"] == "已完成"
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"a,b\n1,2\n"
    assert "attachment" in download["Content-Disposition"]


def test_the_page_shows_progress_while_the_job_runs(client, people):
    alice = people["alice"]
    client.force_login(alice)
    job = Job.objects.create(user=alice, title="导入台账：大文件.xlsx", kind="x", total=4000)
    job.status = Job.Status.RUNNING
    job.save()
    jobs.Run(job).progress(1000, message="正在逐行检查", force=True)

    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="job-bar"' in page and 'value="25"' in page
    assert "1000 / 4000（25%）" in page and "正在逐行检查" in page
    assert "duban/jobs.js" in page  # the bar is polled
    state = client.get(reverse("jobs:state", args=[job.pk])).json()
    assert state == {
        "id": job.pk,
        "status": "running",
        "status_label": "进行中",
        "finished": False,
        "done": 1000,
        "total": 4000,
        "percent": 25,
        "message": "正在逐行检查",
        "hint": "",
    }


def test_a_failing_job_shows_its_chinese_error(client, people):
    alice = people["alice"]
    client.force_login(alice)

    job = jobs.start(refuse, user=alice, title="导出台账")

    assert job.status == Job.Status.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="job-error"' in page
    assert "该街道的台账已被删除，无法导出" in page and "第3行：编号为空" in page
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_an_unexpected_error_is_logged_and_told_in_chinese(client, people, caplog):
    alice = people["alice"]
    client.force_login(alice)

    job = jobs.start(crash, user=alice, title="生成报告")

    assert job.status == Job.Status.FAILED and job.error == jobs.UNEXPECTED
    assert "boom" in caplog.text  # the traceback is in the log, not on the page
    page = client.get(job.get_absolute_url()).content.decode()
    assert "后台任务意外出错" in page and "boom" not in page


def test_a_job_runs_as_the_person_who_started_it(people):
    job = jobs.start(whoami, user=people["bob"], title="谁")
    assert job.summary == "bob" and job.link_url == "/"


def test_a_deactivated_account_runs_nothing(people):
    bob = people["bob"]
    bob.is_active = False
    bob.save()
    job = jobs.start(whoami, user=bob, title="谁")
    assert job.status == Job.Status.FAILED and "账号已停用" in job.error


def test_only_the_owner_sees_a_job(client, people):
    job = jobs.start(
        make_file, user=people["alice"], title="导出", params={"name": "a.csv", "rows": 1}
    )
    for name in ("detail", "state", "download"):
        url = reverse(f"jobs:{name}", args=[job.pk])
        client.force_login(people["lily"])  # even the leader of the same office
        assert client.get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code == 302  # to the sign-in page
        client.force_login(people["alice"])
        assert client.get(url).status_code == 200


# ----- an import past DUBAN_JOB_ROWS -----


def _ledger_rows(n):
    return [
        {
            "编号": f"MS-{i:03d}",
            "类别": "街道民生实事项目",
            "事项名称": f"事项{i}",
            "牵头单位": "城建中心",
        }
        for i in range(1, n + 1)
    ]


def test_an_import_over_the_threshold_goes_through_a_job(client, people, settings, tmp_path):
    settings.DUBAN_JOB_ROWS = 5
    client.force_login(people["alice"])
    path = write_ledger(tmp_path / "台账.xlsx", _ledger_rows(6))
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    preview = client.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)
    assert "新增 6 项" in preview.content.decode()

    done = client.post(reverse("ledger:import_confirm"), follow=True)

    job = Job.objects.get()
    assert done.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.status == Job.Status.DONE, job.error
    assert job.title == "导入台账：台账.xlsx" and job.total == 6 and job.done == 6
    page = done.content.decode()
    assert "导入完成：新增 6 项" in page and "查看台账" in page
    assert KeyTask.objects.filter(year=2022).count() == 6
    assert "ledger_import" not in client.session
    assert not any(settings.UPLOAD_DIR.iterdir())  # the job removed its upload


def test_an_import_within_the_threshold_stays_on_the_page(client, people, settings, tmp_path):
    settings.DUBAN_JOB_ROWS = 5
    client.force_login(people["alice"])
    path = write_ledger(tmp_path / "台账.xlsx", _ledger_rows(5))
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    client.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)

    done = client.post(reverse("ledger:import_confirm"), follow=True)

    assert not Job.objects.exists()
    assert "导入完成：新增 5 项" in done.content.decode()
    assert KeyTask.objects.filter(year=2022).count() == 5


def test_a_background_import_checks_the_permission_again(people, settings, tmp_path):
    """Roles taken away between the confirm and the run: the job writes nothing."""
    from duban.ledger.views import LedgerImportFlow

    path = write_ledger(tmp_path / "台账.xlsx", _ledger_rows(2))
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    (settings.UPLOAD_DIR / "t.xlsx").write_bytes(path.read_bytes())
    saved = {
        "token": "t",
        "suffix": ".xlsx",
        "filename": "台账.xlsx",
        "rows": 2,
        "choices": {
            "year": 2022,
            "office_id": people["alice"].profile.unit.office_id,
            "create_missing": False,
        },
    }

    job = jobs.start(
        __import__("duban.core.importflow", fromlist=["run_import"]).run_import,
        user=people["bob"],  # a unit's reporter
        title="导入台账",
        params={"flow": jobs.dotted_path(LedgerImportFlow), "saved": saved},
    )

    assert job.status == Job.Status.FAILED and "只有督查管理员可以导入" in job.error
    assert not KeyTask.objects.filter(year=2022).exists()
    assert not (settings.UPLOAD_DIR / "t.xlsx").exists()


# ----- the command line's bar -----


def test_the_terminal_bar_is_drawn_only_on_a_terminal():
    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = jobs.TerminalProgress(stream, label="导入")
        bar(500, total=2000, force=True)
        bar(1000, force=True)
        bar.close()
    assert pipe.getvalue() == ""
    assert "[" in tty.getvalue() and "1,000/2,000 行 50%" in tty.getvalue()
    assert tty.getvalue().endswith("\n")


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_a_command_line_import_draws_a_bar_on_a_terminal(people, tmp_path):
    from django.core.management import call_command

    rows = "编号,类别,事项名称,牵头单位\n" + "".join(
        f"MS-{i:03d},街道民生实事项目,事项{i},城建中心\n" for i in range(1, 5)
    )
    path = tmp_path / "台账.csv"
    path.write_text(rows, encoding="utf-8")
    err, out = Tty(), io.StringIO()

    call_command("ledger", "import", str(path), "--year", "2022", stdout=out, stderr=err)

    assert "新增 4 项" in out.getvalue()
    assert "4/4 行 100%" in err.getvalue() and "正在比对并写入" in err.getvalue()
    piped = io.StringIO()
    call_command("ledger", "import", str(path), "--year", "2022", stdout=out, stderr=piped)
    assert piped.getvalue() == ""  # not a terminal: no bar


# ----- the database backend, its worker, once -----


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_queues_a_job_that_the_worker_runs(client, people, settings):
    from django_tasks_db.management.commands.db_worker import Worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    alice = people["alice"]
    client.force_login(alice)

    job = jobs.start(make_file, user=alice, title="导出", params={"name": "a.csv", "rows": 2})

    assert job.status == Job.Status.QUEUED and job.task_id
    state = client.get(reverse("jobs:state", args=[job.pk])).json()
    assert state["status_label"] == "排队中" and not state["finished"] and not state["hint"]
    assert "排队等待后台处理" in client.get(job.get_absolute_url()).content.decode()

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.summary == "共 2 行"
    assert json.loads(client.get(reverse("jobs:state", args=[job.pk])).content)["finished"]


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_task_failed_is_not_left_waiting(people, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = jobs.start(whoami, user=people["alice"], title="谁")
    DBTaskResult.objects.filter(id=job.task_id).update(status="FAILED")

    assert jobs.state(job)["finished"]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == jobs.WORKER_LOST


# ----- a large ledger export -----


def test_a_large_ledger_export_goes_through_a_job(client, people, tasks, settings):
    from openpyxl import load_workbook

    settings.DUBAN_JOB_ROWS = 2
    client.force_login(people["alice"])

    response = client.get(reverse("ledger:export"), {"year": 2022}, follow=True)

    job = Job.objects.get()
    assert response.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.status == Job.Status.DONE and job.title == "导出重点工作台账（3 项）"
    assert job.result_name == "重点工作台账-2022.xlsx" and job.done == 3
    download = client.get(reverse("jobs:download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["MS-01", "MS-02", "ZB-01"]


def test_a_background_export_shows_only_what_its_owner_sees(client, people, tasks, settings):
    settings.DUBAN_JOB_ROWS = 0
    client.force_login(people["carol"])  # 东苑居民区: its own task only

    client.get(reverse("ledger:export"), {"year": 2022})

    job = Job.objects.get(user=people["carol"])
    assert job.title == "导出重点工作台账（1 项）" and job.summary == "已导出 1 项"


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_shows_its_bar_then_its_result(client, people, settings, tmp_path):
    """The whole way with the database backend: confirm → queued (the bar) → the worker
    runs it → the page shows what was imported."""
    from django_tasks_db.management.commands.db_worker import Worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DUBAN_JOB_ROWS = 3
    client.force_login(people["alice"])
    path = write_ledger(tmp_path / "台账.xlsx", _ledger_rows(4))
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    client.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)

    waiting = client.post(reverse("ledger:import_confirm"), follow=True).content.decode()

    assert 'id="job-bar"' in waiting and "排队等待后台处理…（共 4）" in waiting
    assert "共 4 行，已转入后台导入" in waiting
    assert not KeyTask.objects.filter(year=2022).exists()
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()
    job = Job.objects.get()
    done = client.get(job.get_absolute_url()).content.decode()
    assert 'id="job-bar"' not in done and "导入完成：新增 4 项" in done
    assert KeyTask.objects.filter(year=2022).count() == 4


def test_the_admin_lists_jobs_in_chinese(client, people):
    from django.contrib.auth import get_user_model

    jobs.start(refuse, user=people["alice"], title="导出台账")
    client.force_login(get_user_model().objects.create_superuser("root", password="pass12345"))
    page = client.get(reverse("admin:core_job_changelist")).content.decode()
    assert "后台任务" in page and "导出台账" in page and "未完成" in page
    assert "Task Result" not in client.get(reverse("admin:index")).content.decode()


def test_the_command_line_bar_knows_an_xlsx_size_from_its_dimension(tmp_path):
    from duban.core.tabular import estimate_rows

    path = write_ledger(tmp_path / "台账.xlsx", _ledger_rows(7))
    assert estimate_rows(path) == 7
    (tmp_path / "x.csv").write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert estimate_rows(tmp_path / "x.csv") == 2
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    assert estimate_rows(tmp_path / "bad.xlsx") is None


def test_every_import_flow_goes_through_a_job_past_the_threshold(
    client, people, units, settings, tmp_path
):
    """The hook is the shared flow's: the 12345 import page gets it too."""
    from duban.tickets.importer import HEADERS
    from duban.tickets.models import Ticket, TicketCategory
    from tests.tickets.test_tickets_import import row, write_csv

    TicketCategory.objects.create(name="市容环境")
    settings.DUBAN_JOB_ROWS = 2
    client.force_login(people["alice"])
    path = write_csv(tmp_path / "gd.csv", HEADERS, [row(f"GD00{i}") for i in range(1, 4)])
    with open(path, "rb") as handle:
        client.post(reverse("tickets:import"), {"file": handle})
    client.get(reverse("tickets:import_preview"))

    done = client.post(reverse("tickets:import_confirm"), follow=True)

    job = Job.objects.get()
    assert done.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.status == Job.Status.DONE, job.error
    assert "导入完成：新增 3 项" in done.content.decode()
    assert Ticket.objects.count() == 3


def test_a_job_waiting_too_long_says_so(client, people):
    import datetime as dt
    import os

    from django.utils import timezone

    alice = people["alice"]
    client.force_login(alice)
    queued = Job.objects.create(user=alice, title="排队", kind="x")
    Job.objects.filter(pk=queued.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    page = client.get(queued.get_absolute_url()).content.decode()
    assert (
        jobs.QUEUED_HINT in page and 'id="job-hint" class="alert alert-warning" hidden' not in page
    )

    running = Job.objects.create(user=alice, title="运行", kind="x", status=Job.Status.RUNNING)
    jobs.Run(running).progress(5, total=10, force=True)
    assert client.get(reverse("jobs:state", args=[running.pk])).json()["hint"] == ""
    old = (timezone.now() - dt.timedelta(hours=1)).timestamp()
    os.utime(jobs.job_dir(running) / "progress.json", (old, old))
    assert client.get(reverse("jobs:state", args=[running.pk])).json()["hint"] == jobs.SILENT_HINT
