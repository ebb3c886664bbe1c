"""`duban tidy`: the nightly housekeeping (docs/deploy/duban-tidy.timer), so that what
only ever grows does not grow for ever, and nothing anyone still needs is removed.

- sign-ins that have expired (`django_session`);
- background jobs finished more than `days` ago, with their result files, the task
  queue's records of them, and result folders no job owns any more;
- the steps the apps above register (`register`): the ledger folds each task's data
  version log into one row (ledger/taskversion.py).

Each step returns one line in Chinese saying what it did (or, with `dry_run`, what it
would do) and runs in its own transaction: one that fails is rolled back, logged and
said in its line, and the others still run.
"""

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

#: (name, function(dry_run) -> line) of the apps above
STEPS = []


def register(name, func):
    if all(step_name != name for step_name, _ in STEPS):
        STEPS.append((name, func))


def expired_sessions(dry_run=False):
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return "过期登录：会话不在数据库中，无需清理"
    expired = Session.objects.filter(expire_date__lt=timezone.now())
    count = expired.count() if dry_run else expired.delete()[0]
    return f"过期登录：{'可清理' if dry_run else '已清理'} {count} 条"


def finished_jobs(days, dry_run=False):
    from duban.core import jobs
    from duban.core.models import Job

    cutoff = timezone.now() - timedelta(days=days)
    old = Job.objects.filter(
        status__in=[Job.Status.DONE, Job.Status.FAILED], finished_at__lt=cutoff
    )
    count = old.count()
    queue = 0
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
        queue = finished.count() if dry_run else finished.delete()[0]
    if not dry_run:
        for job in old.only("pk"):
            jobs.remove(job)
    folders = 0
    root = Path(settings.JOBS_DIR)
    if root.is_dir():
        owned = {str(pk) for pk in Job.objects.values_list("pk", flat=True)}
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in owned:
                if folder.stat().st_mtime < cutoff.timestamp():
                    if not dry_run:
                        shutil.rmtree(folder, ignore_errors=True)
                    folders += 1
    verb = "可清理" if dry_run else "已清理"
    line = f"后台任务：{verb} {days} 天前完成的 {count} 个（连同结果文件），任务队列记录 {queue} 条"
    return line + (f"，无主的结果文件夹 {folders} 个" if folders else "")


def run(days=30, dry_run=False):
    """Every step, in order: [(line, whether it went through)]."""
    steps = [
        ("过期登录", expired_sessions),
        ("后台任务", lambda dry: finished_jobs(days, dry)),
        *STEPS,
    ]
    lines = []
    for name, func in steps:
        try:
            with transaction.atomic():
                lines.append((func(dry_run), True))
        except Exception:  # noqa: BLE001 — one step's failure must not stop the others
            logger.exception("duban tidy: step %s failed", name)
            lines.append((f"{name}：未能完成，已撤销本项改动（详情已记入系统日志）", False))
    return lines
