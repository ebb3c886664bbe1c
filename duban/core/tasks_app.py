"""django-tasks-db's app config under a Chinese name (in its own module: a second AppConfig
in core/apps.py would stop Django from picking CoreConfig as core's default)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksDbConfig(AppConfig):
    """django-tasks-db (the queue of background jobs, core/jobs.py) under a Chinese name;
    its English admin is replaced by 后台任务 (core/admin.py)."""

    name = "django_tasks_db"
    label = "django_tasks_database"
    verbose_name = _("后台任务队列")

    def ready(self):
        from django_tasks_db import signal_handlers  # noqa: F401 — what the package's own config does
