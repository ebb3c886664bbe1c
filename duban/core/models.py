from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields


class DataVersion(models.Model):
    """One row (pk 1) whose `version` database triggers change with every write to a
    group of tables (`core/versioning.py`); a cache keyed by it is exact. Each group has
    its own concrete model."""

    version = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return str(self.version)


class StoredFile(models.Model):
    """An uploaded file kept under MEDIA_ROOT and served only through a view that checks
    who asks: its original name and size. Each kind adds its `file` field (its own folder)
    and what it belongs to."""

    name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class UploadedFile(StoredFile):
    """A StoredFile that records who uploaded it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL
    )

    class Meta:
        abstract = True


class CalendarYear(models.Model):
    """A year whose holidays the office maintains by hand (beyond chinesecalendar's data).

    Once a year is declared here, its days are working days Monday to Friday
    unless a `WorkdayOverride` says otherwise.
    """

    year = models.PositiveIntegerField(_("年度"), unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("手工维护的日历年度")
        verbose_name_plural = _("手工维护的日历年度")
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}年"


class WorkdayOverride(models.Model):
    """A holiday or a 调休 working day that wins over chinesecalendar."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是工作日"), help_text=_("勾选表示调休上班；不勾选表示放假"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("节假日/调休调整")
        verbose_name_plural = _("节假日/调休调整")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.is_workday else '放假'}"


class Job(models.Model):
    """A piece of long work run in the background (core/jobs.py): who asked for it, how far
    it got, and what came of it — a file to download, a page to open, or an error in Chinese.
    Only the person who started it sees it (/jobs/<id>/)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未完成")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.CASCADE
    )
    title = models.CharField(_("任务"), max_length=200)
    #: the dotted path of the function that does the work (a module-level function of duban)
    kind = models.CharField(_("处理函数"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    task_id = models.CharField(_("后台任务编号"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("总量"), null=True, blank=True)
    done = models.PositiveIntegerField(_("已完成量"), default=0)
    message = models.CharField(_("当前步骤"), max_length=200, blank=True)
    summary = models.TextField(_("结果"), blank=True)
    error = models.TextField(_("错误"), blank=True)
    result_name = models.CharField(_("结果文件名"), max_length=200, blank=True)
    link_url = models.CharField(_("结果页面"), max_length=500, blank=True)
    link_label = models.CharField(_("结果页面名称"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.title}（{self.get_status_display()}）"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("jobs:detail", args=[self.pk])

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
