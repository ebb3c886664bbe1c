"""Long work in the background, with a progress bar (DESIGN.md, "Long work").

One way to run work that can take more than a second or two from a page — a big import
or export, a district's report, a PDF conversion:

    job = jobs.start(export_ledger, user=request.user, title="导出台账（5000 项）",
                     params={"query": request.GET.urlencode()})
    return redirect(job)          # /jobs/<id>/: a live progress bar, then the result

`start` records a `Job` (who, what, how far, what came of it) and enqueues one Django task
(`run_job`, through the `django-tasks` backport: the database backend by default, run by
`duban db_worker`). The worker calls the function by its dotted path as
`func(run, **params)`: `run.user` is the person who started it — the function checks
again what that person may do, the job runs as them — and `run.progress(done, total,
message)` moves the bar. The function returns a `Result` (a summary, a file to download,
a page to open) or raises `JobError` with a Chinese message; any other exception is logged
with its traceback and the job fails with a Chinese message. A job is never left without
an outcome: a task the backend reports as failed (a worker that died) fails its job.

Progress is written to a small file beside the job's result (DATA_DIR/jobs/<id>/), not to
the database: an import writes in one transaction, and a progress row written inside it
would not be seen until the end (nor could SQLite write it from another connection).

The command line has its own bar: `TerminalProgress` draws one on a terminal (isatty)
and stays silent otherwise.
"""

import json
import logging
import mimetypes
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from duban.core.models import Job

logger = logging.getLogger(__name__)

#: progress is written at most this often (seconds)
PROGRESS_EVERY = 0.5
#: a job still queued after this many seconds: the page says the worker may not be running
STALLED_AFTER = 30
#: a running job with no progress for this many seconds: the page says so
SILENT_AFTER = 15 * 60
QUEUED_HINT = "任务已排队一段时间仍未开始，请联系系统管理员检查后台任务进程。"
SILENT_HINT = "任务已有一段时间没有新进展；如长时间仍无变化，请联系系统管理员。"
UNEXPECTED = (
    "后台任务意外出错，未能完成（详情已记入系统日志）。请稍后重试；如仍失败，请联系系统管理员。"
)
WORKER_LOST = "后台任务进程意外中止，任务未能完成。请重新提交；如仍失败，请联系系统管理员。"


class JobError(Exception):
    """What stops a job, in Chinese, for the person who started it; `lines` add details
    (an import's row errors)."""

    def __init__(self, message, lines=()):
        super().__init__(message)
        self.message = message
        self.lines = list(lines)


@dataclass
class Result:
    summary: str = ""
    #: a file to download: its name and its bytes
    filename: str = ""
    data: bytes | None = None
    #: a page to open: (label, url)
    link: tuple = ()
    extra: dict = field(default_factory=dict)


def rows_threshold():
    """More rows than this, from a page, run in the background (DUBAN_JOB_ROWS)."""
    return getattr(settings, "DUBAN_JOB_ROWS", 2000)


def job_dir(job_or_id):
    pk = getattr(job_or_id, "pk", job_or_id)
    return Path(settings.JOBS_DIR) / str(pk)


def result_path(job):
    return job_dir(job) / "result"


def _progress_path(job_or_id):
    return job_dir(job_or_id) / "progress.json"


def dotted_path(func):
    return f"{func.__module__}.{func.__qualname__}"


def start(func, *, user, title, params=None, total=None):
    """Record a job for `user` and enqueue it; returns the Job (its page: job.get_absolute_url())."""
    path = dotted_path(func)
    if "<locals>" in path:
        raise ValueError(f"a job's function must be a module-level function: {path}")
    job = Job.objects.create(
        user=user, title=title[:200], kind=path, params=params or {}, total=total
    )
    try:
        result = run_job.enqueue(job.pk)
    except Exception:
        fail(job, "后台任务未能提交，请稍后重试；如仍失败，请联系系统管理员。")
        raise
    # with the immediate backend the job has already run: keep what it wrote
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


@task()
def run_job(job_id):
    """The one task of duban: run the job's function and record what came of it."""
    execute(job_id)


class Run:
    """What a job's function gets: the user it runs as, and the progress bar."""

    def __init__(self, job):
        self.job = job
        self.user = job.user
        self.total = job.total
        self._written = 0.0

    def progress(self, done, total=None, message=None, force=False):
        if total is not None:
            self.total = total
        now = time.monotonic()
        if not force and now - self._written < PROGRESS_EVERY:
            return
        self._written = now
        state = {"done": done, "total": self.total, "message": message or ""}
        path = _progress_path(self.job)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
        self.last = state


def execute(job_id):
    """Run one job (what the task does); a job already finished is left alone."""
    job = Job.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:
        return
    job.status, job.started_at = Job.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    run = Run(job)
    try:
        if not job.user.is_active:
            raise JobError("发起任务的账号已停用，任务未执行")
        func = import_string(job.kind)
        result = func(run, **job.params)
    except JobError as error:
        _finish(job, run, error=error.message, lines=error.lines)
    except Exception:  # noqa: BLE001 — whatever went wrong, the person gets a Chinese message
        logger.exception("后台任务 %s（%s）出错", job.pk, job.kind)
        _finish(job, run, error=UNEXPECTED)
    else:
        _finish(job, run, result=result or Result())


def _finish(job, run, *, result=None, error="", lines=()):
    state = getattr(run, "last", None) or {}
    job.total = run.total if run.total is not None else state.get("total")
    job.done = state.get("done", job.done)
    job.finished_at = timezone.now()
    if error:
        job.status = Job.Status.FAILED
        job.error = "\n".join([error, *[str(line) for line in lines]])
        job.message = ""
    else:
        job.status = Job.Status.DONE
        if job.total is not None:
            job.done = job.total
        job.summary = result.summary
        job.message = ""
        if result.data is not None:
            target = result_path(job)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(result.data)
            job.result_name = result.filename or "结果"
        if result.link:
            job.link_label, job.link_url = result.link
    job.save()
    _progress_path(job).unlink(missing_ok=True)


def fail(job, message):
    """Mark a job that cannot finish any more (its task is gone) as failed."""
    Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(
        status=Job.Status.FAILED, error=message, finished_at=timezone.now()
    )
    job.refresh_from_db()


def reconcile(job):
    """A job whose task the backend reports as failed (the worker died, the function could
    not even be called) fails with a Chinese message instead of waiting for ever."""
    if job.finished or not job.task_id:
        return job
    try:
        backend = run_job.get_backend()
        if not backend.supports_get_result:
            return job
        from django_tasks import TaskResultStatus

        status = backend.get_result(job.task_id).status
    except Exception:  # noqa: BLE001 — no result to read: nothing to conclude
        return job
    if status == TaskResultStatus.FAILED:
        fail(job, WORKER_LOST)
    elif status == TaskResultStatus.SUCCESSFUL:
        job.refresh_from_db()
        if not job.finished:
            fail(job, WORKER_LOST)
    return job


def state(job):
    """What the job page polls (JSON-able)."""
    reconcile(job)
    done, total, message = job.done, job.total, job.message
    now = timezone.now()
    hint = ""
    if job.status == Job.Status.QUEUED and (now - job.created_at).total_seconds() > STALLED_AFTER:
        hint = QUEUED_HINT
    if job.status == Job.Status.RUNNING:
        path = _progress_path(job)
        try:
            live = json.loads(path.read_text(encoding="utf-8"))
            last = path.stat().st_mtime
        except (OSError, ValueError):
            live, last = {}, job.started_at.timestamp() if job.started_at else now.timestamp()
        if now.timestamp() - last > SILENT_AFTER:
            hint = SILENT_HINT
        done = live.get("done", done)
        total = live.get("total", total)
        message = live.get("message") or message
    percent = None
    if job.status == Job.Status.DONE:
        percent = 100
    elif total:
        percent = max(0, min(99, int(done * 100 / total)))
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
        "hint": hint,
    }


def content_type(job):
    return mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"


def remove(job):
    """Delete a job and its files."""
    shutil.rmtree(job_dir(job), ignore_errors=True)
    job.delete()


class TerminalProgress:
    """A progress bar on a terminal for the command line; nothing when not a terminal
    (a cron job's log, a pipe). Call it as `progress(done, total=None, message="")`."""

    WIDTH = 30

    def __init__(self, stream=None, label="", every=0.2):
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.every = every
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total = None
        self._drawn = 0.0
        self._shown = False

    def __call__(self, done, total=None, message=None, force=False):
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < self.every:
            return
        self._drawn = now
        self.stream.write("\r" + self.line(done, message) + "\033[K")
        self.stream.flush()
        self._shown = True

    progress = __call__

    def line(self, done, message=None):
        label = f"{self.label} " if self.label else ""
        tail = f" {message}" if message else ""
        if self.total:
            share = min(done / self.total, 1)
            filled = int(share * self.WIDTH)
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            return f"{label}[{bar}] {done:,}/{self.total:,} 行 {share:.0%}{tail}"
        return f"{label}已处理 {done:,} 行{tail}"

    def close(self):
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()
