"""A large import in the browser: the confirm step goes to the job's page, whose bar is
polled (duban/jobs.js) while the worker runs it, and the page turns into the result."""

import pytest

from duban.core import jobs
from duban.core.models import Job
from duban.ledger.models import KeyTask
from tests.browser.conftest import login
from tests.browser.test_ledger_import_flow import ledger_file, upload

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def run_worker_once():
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    ).run()


def test_a_large_import_shows_a_live_bar_then_its_result(
    page, live_server, people, settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DUBAN_JOB_ROWS = 1
    login(page, live_server, "alice")
    upload(page, live_server, ledger_file(tmp_path / "good.xlsx", "城建中心"))

    page.click("#import-confirm-button")
    page.wait_for_load_state("networkidle")

    assert page.locator("#job-bar").is_visible()
    assert "排队等待后台处理…（共 2）" in page.locator("#job-text").inner_text()
    job = Job.objects.get()
    assert page.url.endswith(job.get_absolute_url())

    # the worker starts it: the page's poll shows the bar moving
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    jobs.Run(job).progress(1, total=2, message="正在逐行检查", force=True)
    page.wait_for_function("document.getElementById('job-bar').value === 50")
    assert "1 / 2（50%）" in page.locator("#job-text").inner_text()
    assert page.locator("#job-status").inner_text() == "进行中"

    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    run_worker_once()

    page.locator("#job-result").wait_for()  # the poll saw it finish and reloaded
    assert "导入完成：新增 2 项" in page.locator("#job-result").inner_text()
    assert page.locator("#job-link").inner_text() == "查看台账"
    assert KeyTask.objects.filter(year=2022).count() == 2
