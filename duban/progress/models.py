"""Monthly progress reporting (进展填报) and the office's judgement (研判).

State changes are rows: every submit, approval, return, acceptance and
correction is a `Review` row, every version of a submission is kept by the
audit history, and every judgement (engine proposal, import, override) is a
`Judgement` row with its own history.
"""

import copy
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields
from duban.core.models import UploadedFile
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.models import Unit


class Status(models.TextChoices):
    COMPLETED = "completed", _("已完成")
    ON_TRACK = "on_track", _("推进正常")
    LAGGING = "lagging", _("推进滞后")


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    BLUE = "blue", _("蓝灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


class ProgressRules(models.Model):
    """The office's thresholds for reporting and judgement (one row, id=1)."""

    submission_day = models.PositiveSmallIntegerField(
        _("每月报送截止日"),
        default=25,
        help_text=_("遇非工作日顺延至下一个工作日"),
    )
    unit_head_approval = models.BooleanField(
        _("需单位负责人审核"),
        default=False,
        help_text=_("勾选后，填报员提交的填报先经本单位负责人审核，再报党政办"),
    )
    pace_threshold = models.DecimalField(
        _("序时进度系数"),
        max_digits=3,
        decimal_places=2,
        default=0.7,
        help_text=_("完成值低于“量化指标 × 时间进度 × 该系数”时视为落后于序时进度"),
    )
    due_soon_workdays = models.PositiveSmallIntegerField(
        _("临近时限（工作日）"), default=5, help_text=_("距完成时限不超过该工作日数时亮蓝灯")
    )
    red_after_lagging_periods = models.PositiveSmallIntegerField(_("连续滞后几期亮红灯"), default=2)
    remind_before_workdays = models.PositiveSmallIntegerField(
        _("截止前几个工作日开始催报"), default=3
    )
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("填报与研判规则")
        verbose_name_plural = _("填报与研判规则")

    def __str__(self):
        return str(_("填报与研判规则"))

    @classmethod
    def current(cls):
        """The rules, kept per process under the org version (`org/cache.py`, which
        watches this table); a copy, so a form editing it never changes the kept one."""
        from duban.org import cache

        rules = cache.cached("progress.rules", lambda: cls.objects.get_or_create(pk=1)[0])
        return copy.copy(rules)


class ReasonCategory(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    advice = models.TextField(
        _("默认工作建议"),
        blank=True,
        help_text=_("督查报告“相关工作建议”中针对此类原因的默认段落，生成报告前可在页面上修改"),
    )

    class Meta:
        verbose_name = _("滞后原因类别")
        verbose_name_plural = _("滞后原因类别")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class SubmissionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reports a user may open: those on tasks the user sees, except that a draft
        belongs to its unit until it is submitted — partner units, leaders, viewers and
        the office do not see it (the task page, the report page and its evidence all
        start here)."""
        visible = self.filter(task__in=KeyTask.objects.visible_to(user))
        drafts_of = drafts_seen_by(user)
        if drafts_of is ALL_DRAFTS:
            return visible
        drafts = models.Q(state=Submission.State.DRAFT)
        if drafts_of is None:
            return visible.exclude(drafts)
        return visible.exclude(drafts & ~models.Q(unit_id=drafts_of))


ALL_DRAFTS = "all"


def drafts_seen_by(user):
    """Whose drafts `user` sees among the reports of the tasks they see: `ALL_DRAFTS`
    (no one's hidden: a superuser, or code working without a person), their own unit's
    id, or None (none)."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return ALL_DRAFTS
    profile = R.profile_of(user)
    return profile.unit_id if profile else None


class Submission(models.Model):
    """A lead unit's report on one task for one month."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_HEAD = "pending_head", _("待单位负责人审核")
        SUBMITTED = "submitted", _("待党政办审核")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已采纳")

    class SelfStatus(models.TextChoices):
        COMPLETED = "completed", _("已完成")
        ON_TRACK = "on_track", _("推进正常")
        LAGGING = "lagging", _("推进滞后")

    # a task's reports are found through the unique (task, period) index
    task = models.ForeignKey(
        KeyTask,
        verbose_name=_("重点工作"),
        on_delete=models.CASCADE,
        related_name="submissions",
        db_index=False,
    )
    period = models.CharField(_("报送周期"), max_length=7, db_index=True)
    unit = models.ForeignKey(Unit, verbose_name=_("填报单位"), on_delete=models.PROTECT)
    state = models.CharField(_("状态"), max_length=15, choices=State.choices, default=State.DRAFT)
    progress = models.TextField(_("进展情况"), blank=True)
    completed_value = models.DecimalField(
        _("完成值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    self_status = models.CharField(
        _("自评状态"), max_length=10, choices=SelfStatus.choices, blank=True
    )
    reason_category = models.ForeignKey(
        ReasonCategory, verbose_name=_("原因类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    reason = models.TextField(_("滞后原因"), blank=True)
    next_steps = models.TextField(_("下步措施"), blank=True)
    issues = models.TextField(_("需协调解决的问题"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # a historical row is found by its report (id), date, user or import batch (core.schema)
    history = HistoricalRecords(
        bases=[AuditFields],
        excluded_fields=["updated_at"],
        no_db_index=["task", "period", "unit", "reason_category", "submitted_by"],
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("进展填报")
        verbose_name_plural = _("进展填报")
        ordering = ["period", "task_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period"], name="one_submission_per_task_period"
            ),
        ]

    def __str__(self):
        return f"{self.task.code} {self.period}"


class Review(models.Model):
    """One step of a submission's path: submitted, approved by the unit head, returned,
    accepted, corrected."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交")
        HEAD_APPROVE = "head_approve", _("单位负责人审核通过")
        HEAD_RETURN = "head_return", _("单位负责人退回")
        RETURN = "return", _("党政办退回")
        ACCEPT = "accept", _("党政办采纳")
        CORRECT = "correct", _("更正")

    submission = models.ForeignKey(
        Submission, verbose_name=_("填报"), on_delete=models.CASCADE, related_name="reviews"
    )
    action = models.CharField(_("操作"), max_length=15, choices=Action.choices)
    comment = models.TextField(_("意见"), blank=True)
    version = models.PositiveIntegerField(_("对应版本"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} v{self.version}"


def evidence_path(instance, filename):
    """Stored under a generated name (the original, kept in `name`, is shown and given on
    download): a name of 90 Chinese characters is 270 bytes, past what file systems take
    (issue 10), and a user's name should not decide a path on the server."""
    suffix = Path(filename).suffix.lower()
    if not (suffix.isascii() and len(suffix) <= 10 and suffix[1:].isalnum()):
        suffix = ""
    return f"evidence/{instance.submission.task.year}/{instance.submission_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(UploadedFile):
    """佐证材料 of a monthly report."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("填报"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=300)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")


class PartnerFeedback(models.Model):
    """协同反馈: a partner unit's note on a task for a month."""

    task = models.ForeignKey(KeyTask, verbose_name=_("重点工作"), on_delete=models.CASCADE)
    period = models.CharField(_("报送周期"), max_length=7)
    unit = models.ForeignKey(Unit, verbose_name=_("协同单位"), on_delete=models.PROTECT)
    note = models.TextField(_("协同反馈"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填写人"), null=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(bases=[AuditFields], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("协同反馈")
        verbose_name_plural = _("协同反馈")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period", "unit"], name="one_feedback_per_partner_period"
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.period}"


class Judgement(models.Model):
    """The office's determination of a task's status for a month (研判)."""

    class Source(models.TextChoices):
        ENGINE = "engine", _("系统研判")
        IMPORT = "import", _("Excel 导入")
        OVERRIDE = "override", _("人工调整")

    # a task's judgements are found through the unique (task, period) index
    task = models.ForeignKey(
        KeyTask,
        verbose_name=_("重点工作"),
        on_delete=models.CASCADE,
        related_name="judgements",
        db_index=False,
    )
    period = models.CharField(_("报送周期"), max_length=7, db_index=True)
    as_of = models.DateField(_("研判日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    light = models.CharField(_("预警灯"), max_length=6, choices=Light.choices)
    proposed_status = models.CharField(_("系统建议状态"), max_length=10, choices=Status.choices)
    flags = models.JSONField(_("研判依据"), default=dict, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.ENGINE
    )
    override_reason = models.TextField(_("调整理由"), blank=True)
    reason_category = models.ForeignKey(
        ReasonCategory, verbose_name=_("原因类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    reason = models.TextField(_("滞后原因"), blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("研判人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    judged_at = models.DateTimeField(_("研判时间"), auto_now=True)
    # a historical row is found by its judgement (id), date, user or batch (core.schema)
    history = HistoricalRecords(
        bases=[AuditFields],
        no_db_index=["task", "period", "reason_category", "judged_by"],
    )

    class Meta:
        verbose_name = _("研判结果")
        verbose_name_plural = _("研判结果")
        ordering = ["period", "task_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period"], name="one_judgement_per_task_period"
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.get_status_display()}"
