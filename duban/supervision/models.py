"""督查督办: supervision notices (督办单) with their steps, the ladder's settings,
accountability (效能问责) and special topics (专项督查).

State changes are rows: every step of a notice is a `NoticeEvent`, and notices and
accountability records keep their versions in the audit history. The rules live in
`ladder.py` and `accountability.py`; the only writer of notice states is `services.py`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields
from duban.core.models import StoredFile, UploadedFile
from duban.ledger.models import KeyTask
from duban.org.models import Office, Unit
from duban.org.scope import visible
from duban.supervision.scoring import (
    ON_TIME,
    ON_TRACK,
    PARTNER_SHARE_ERROR,
    REQ_ON_TIME,
    REQ_SATISFACTION,
    Scheme,
    ScoringError,
    check_scheme,
)
from duban.tickets.models import Ticket


class Level(models.TextChoices):
    BLUE = "blue", _("蓝色提醒单")
    YELLOW = "yellow", _("黄色警示单")
    RED = "red", _("红色督办单")


class LadderRule(models.Model):
    """The office's ladder settings (one row, id=1; admin: 督办规则)."""

    blue_after_lagging_periods = models.PositiveSmallIntegerField(
        _("连续滞后几期建议蓝色提醒单"), default=2
    )
    yellow_when_overdue = models.BooleanField(_("超期建议黄色警示单"), default=True)
    red_after_unanswered_yellow = models.BooleanField(
        _("黄色警示单逾期未答复且仍超期时建议红色督办单"), default=True
    )
    yellow_after_unanswered_blue = models.BooleanField(
        _("蓝色提醒单逾期未答复且仍滞后时建议黄色警示单"), default=True
    )
    reply_workdays_blue = models.PositiveSmallIntegerField(
        _("蓝色提醒单答复期限（工作日）"), default=5
    )
    reply_workdays_yellow = models.PositiveSmallIntegerField(
        _("黄色警示单答复期限（工作日）"), default=3
    )
    reply_workdays_red = models.PositiveSmallIntegerField(
        _("红色督办单答复期限（工作日）"), default=2
    )
    reds_for_interview = models.PositiveSmallIntegerField(
        _("一年内几张红色督办单建议约谈"), default=3
    )
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("督办规则")
        verbose_name_plural = _("督办规则")

    def __str__(self):
        return str(_("督办规则"))

    @classmethod
    def current(cls):
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    def reply_workdays(self, level):
        return {
            Level.BLUE: self.reply_workdays_blue,
            Level.YELLOW: self.reply_workdays_yellow,
            Level.RED: self.reply_workdays_red,
        }[level]


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Notices a user may see: the office's for 督查管理员, 领导 and 只读 (their office
        scope), the unit's own for unit roles. Pages, downloads and commands start here."""
        # A unit never sees a proposal the office has not issued yet.
        return visible(
            self,
            user,
            unit=lambda p: Q(unit_id=p.unit_id) & ~Q(state__in=Notice.UNSENT_STATES),
        )


class Notice(models.Model):
    """督办单: one notice about one key task or assigned item, to its lead unit — or
    about one resident request (诉求), to the unit that holds it: exactly one of `task`
    and `ticket` is set.

    proposed ──confirm──▶ issued ──sign──▶ signed ──reply──▶ replied ──close──▶ closed
       │                    │                │                  │
       └──dismiss──▶ dismissed   └──────── escalate ───────────┘──▶ escalated
                                     (a new notice of the next colour takes over)
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        ISSUED = "issued", _("已下发")
        SIGNED = "signed", _("已签收")
        REPLIED = "replied", _("已答复")
        CLOSED = "closed", _("已销号")
        ESCALATED = "escalated", _("已升级")
        DISMISSED = "dismissed", _("已撤销")

    #: Out with the unit and not yet settled: at most one per item (一事一单).
    ACTIVE_STATES = (State.ISSUED, State.SIGNED, State.REPLIED)
    #: …and a proposal not yet confirmed: what the board lists as 在办（含待确认）
    OPEN_STATES = (State.PROPOSED, *ACTIVE_STATES)
    UNSENT_STATES = (State.PROPOSED, State.DISMISSED)

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="notices"
    )
    task = models.ForeignKey(
        KeyTask,
        verbose_name=_("督办事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("督办诉求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="notices"
    )
    level = models.CharField(_("督办单类型"), max_length=6, choices=Level.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PROPOSED
    )
    year = models.PositiveIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("编号"), null=True, blank=True)
    period = models.CharField(_("依据周期"), max_length=7, blank=True)
    reason = models.TextField(_("督办事由"))
    urgent_reason = models.TextField(
        _("越级理由"), blank=True, help_text=_("未经前一颜色督办单直接下发较高颜色时必填")
    )
    facts = models.JSONField(_("事项情况"), default=dict, blank=True)
    rule = models.CharField(_("建议规则"), max_length=30, blank=True)
    reply_workdays = models.PositiveSmallIntegerField(_("答复期限（工作日）"), default=5)
    issued_on = models.DateField(_("下发日期"), null=True, blank=True)
    reply_by = models.DateField(_("答复期限"), null=True, blank=True)
    leader = models.CharField(_("签发领导"), max_length=50, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一张督办单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_notices",
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    promised_on = models.DateField(_("承诺完成日期"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    verification = models.TextField(_("核实情况"), blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # every change (services._move) adds one: the optimistic lock of the edit and reply forms
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    history = HistoricalRecords(bases=[AuditFields])

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(state__in=["issued", "signed", "replied"]),
                name="one_active_notice_per_task",
            ),
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(state="proposed"),
                name="one_proposed_notice_per_task",
            ),
            models.CheckConstraint(
                condition=(Q(task__isnull=False) & Q(ticket__isnull=True))
                | (Q(task__isnull=True) & Q(ticket__isnull=False)),
                name="notice_task_xor_ticket",
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(state__in=["issued", "signed", "replied"]),
                name="one_active_notice_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(state="proposed"),
                name="one_proposed_notice_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["office", "year", "serial"],
                condition=Q(serial__isnull=False),
                name="notice_serial_unique_in_office_year",
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.subject_code}"

    @property
    def subject_code(self):
        """The item's code: the task's, or the request's (工单编号)."""
        return self.task.code if self.task_id else self.ticket.code

    @property
    def subject_title(self):
        """The task's title, or the request's content (no personal data: name and phone
        are separate fields, masked by tickets.masking where shown)."""
        if self.task_id:
            return self.task.title
        content = " ".join(self.ticket.content.split())
        return content if len(content) <= 40 else content[:40] + "…"

    @property
    def subject(self):
        return f"{self.subject_code} {self.subject_title}"

    @property
    def subject_url(self):
        if self.task_id:
            return reverse("ledger:detail", args=[self.task_id])
        return reverse("tickets:detail", args=[self.ticket_id])

    @property
    def number(self):
        """督办〔2022〕3号 once issued."""
        if self.serial is None:
            return ""
        return f"督办〔{self.year}〕{self.serial}号"

    @property
    def is_active(self):
        return self.state in self.ACTIVE_STATES


class NoticeEvent(models.Model):
    """One step of a notice: who did what, when."""

    class Action(models.TextChoices):
        PROPOSE = "propose", _("系统建议")
        CREATE = "create", _("新建")
        EDIT = "edit", _("修改")
        ISSUE = "issue", _("下发")
        DISMISS = "dismiss", _("撤销")
        SIGN = "sign", _("签收")
        REPLY = "reply", _("答复")
        RETURN = "return", _("答复不充分")
        CLOSE = "close", _("核实销号")
        ESCALATE = "escalate", _("升级")
        TRANSFER = "transfer", _("随诉求改派")

    notice = models.ForeignKey(
        Notice, verbose_name=_("督办单"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("督办单记录")
        verbose_name_plural = _("督办单记录")
        ordering = ["at", "id"]

    def __str__(self):
        return self.get_action_display()


def notice_evidence_path(instance, filename):
    return f"notice-evidence/{instance.notice.year}/{instance.notice_id}/{filename}"


class NoticeEvidence(UploadedFile):
    """佐证材料 of a reply; checked as a report's evidence is, served only through a view
    that starts from `Notice.objects.visible_to`."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("督办单"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=notice_evidence_path, max_length=300)

    class Meta:
        verbose_name = _("督办单佐证材料")
        verbose_name_plural = _("督办单佐证材料")


class AccountabilityLevel(models.Model):
    """问责方式: 效能提示, 效能告诫, 约谈, 通报批评, 问责建议 by default; editable."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("问责方式")
        verbose_name_plural = _("问责方式")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class AccountabilityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office's records for office-wide roles; a unit sees its own decided ones."""
        return visible(
            self,
            user,
            unit=lambda p: Q(unit_id=p.unit_id, state=AccountabilityRecord.State.DECIDED),
        )


class AccountabilityRecord(models.Model):
    """效能问责: proposed by a rule or entered by the office, decided by a person — with
    the level, the date, the basis (依据) and the reason. Never decided automatically."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待决定")
        DECIDED = "decided", _("已决定")
        DISMISSED = "dismissed", _("不予问责")

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="accountability"
    )
    year = models.PositiveIntegerField(_("年度"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PROPOSED
    )
    proposed_level = models.ForeignKey(
        AccountabilityLevel,
        verbose_name=_("建议问责方式"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.ForeignKey(
        AccountabilityLevel,
        verbose_name=_("决定问责方式"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    reason = models.TextField(_("问责事由"))
    basis = models.TextField(_("依据"), blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule_key = models.CharField(
        _("建议规则"), max_length=60, blank=True, help_text=_("由规则建议时的来源，避免重复建议")
    )
    notices = models.ManyToManyField(Notice, verbose_name=_("相关督办单"), blank=True)
    task = models.ForeignKey(
        KeyTask,
        verbose_name=_("相关事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(bases=[AuditFields])

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("效能问责")
        verbose_name_plural = _("效能问责")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "rule_key"],
                condition=~Q(rule_key=""),
                name="one_accountability_proposal_per_rule_key",
            ),
        ]

    def __str__(self):
        level = self.level or self.proposed_level
        return f"{self.unit} {level or ''}"


class Topic(models.Model):
    """专项督查: tasks grouped under a heading with their own target figures
    (土地上市 18 宗：已上市 11 宗，待上市 7 宗)."""

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("年度"))
    name = models.CharField(_("专项名称"), max_length=100)
    target_value = models.DecimalField(
        _("目标数"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    done_value = models.DecimalField(
        _("已完成数"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    tasks = models.ManyToManyField(
        KeyTask, verbose_name=_("相关事项"), blank=True, related_name="topics"
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("专项督查")
        verbose_name_plural = _("专项督查")
        ordering = ["year", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year", "name"], name="topic_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def pending_value(self):
        if self.target_value is None or self.done_value is None:
            return None
        return max(self.target_value - self.done_value, 0)


class ScoringScheme(models.Model):
    """考核方案 of one year (admin): weighted items that add up to 100, deductions,
    bonuses entered by the office. The rules are `scoring.py`'s."""

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("年度"))
    weight_on_time = models.DecimalField(
        _("按时完成率权重"), max_digits=5, decimal_places=2, default=60
    )
    weight_on_track = models.DecimalField(
        _("推进正常率权重"), max_digits=5, decimal_places=2, default=40
    )
    weight_requests_on_time = models.DecimalField(
        _("诉求按时办结率权重"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("民生诉求：按时办结数 ÷ 办结数；不用诉求考核时填 0"),
    )
    weight_requests_satisfaction = models.DecimalField(
        _("诉求满意率权重"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("民生诉求：（满意 + 权重 × 基本满意）÷ 回访数；不用诉求考核时填 0"),
    )
    per_lagging_month = models.DecimalField(
        _("每个滞后事项月扣分"), max_digits=5, decimal_places=2, default=Decimal("0.5")
    )
    per_blue = models.DecimalField(
        _("每张蓝色提醒单扣分"), max_digits=5, decimal_places=2, default=1
    )
    per_yellow = models.DecimalField(
        _("每张黄色警示单扣分"), max_digits=5, decimal_places=2, default=2
    )
    per_red = models.DecimalField(
        _("每张红色督办单扣分"), max_digits=5, decimal_places=2, default=3
    )
    per_accountability = models.DecimalField(
        _("每次效能问责扣分"), max_digits=5, decimal_places=2, default=5
    )
    partner_share = models.DecimalField(
        _("协办单位计分比例"),
        max_digits=3,
        decimal_places=2,
        default=0,
        help_text=_(
            "0 至 1：协同单位的事项按此比例计入按时完成率、推进正常率和滞后扣分；"
            "牵头单位按 1 计；填 0 只计牵头单位"
        ),
    )
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-year", "office_id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="one_scheme_per_office_year"),
        ]

    def __str__(self):
        return f"{self.year}年考核方案"

    def as_scheme(self):
        return Scheme(
            weights={
                ON_TIME: self.weight_on_time,
                ON_TRACK: self.weight_on_track,
                REQ_ON_TIME: self.weight_requests_on_time,
                REQ_SATISFACTION: self.weight_requests_satisfaction,
            },
            per_lagging_month=self.per_lagging_month,
            per_notice={"blue": self.per_blue, "yellow": self.per_yellow, "red": self.per_red},
            per_accountability=self.per_accountability,
            partner_share=self.partner_share if self.partner_share is not None else Decimal(0),
        )

    def clean(self):
        share = self.partner_share
        if share is not None and not Decimal(0) <= share <= Decimal(1):
            raise ValidationError({"partner_share": PARTNER_SHARE_ERROR})
        try:
            check_scheme(self.as_scheme())
        except ScoringError as error:
            raise ValidationError(str(error))


class ScoreBonus(models.Model):
    """加分 (or, negative, 扣分) the office enters for a unit, with its reason."""

    scheme = models.ForeignKey(
        ScoringScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="bonuses"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    reason = models.CharField(_("事由"), max_length=200)
    on = models.DateField(_("日期"))
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("加减分")
        verbose_name_plural = _("加减分")
        ordering = ["on", "id"]

    def __str__(self):
        return f"{self.unit} {self.points}"


class Inspection(models.Model):
    """督查检查: an announced or unannounced check (明查暗访) or a site visit, with its
    findings and photos; a finding may open rectification items."""

    class Kind(models.TextChoices):
        ANNOUNCED = "announced", _("明查")
        UNANNOUNCED = "unannounced", _("暗访")
        SITE = "site", _("实地察看")

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("检查日期"))
    kind = models.CharField(_("检查方式"), max_length=12, choices=Kind.choices)
    place = models.CharField(_("地点"), max_length=200)
    inspectors = models.CharField(_("检查人员"), max_length=200)
    findings = models.TextField(_("发现问题"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("督查检查")
        verbose_name_plural = _("督查检查")
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.on} {self.get_kind_display()} {self.place}"


def inspection_photo_path(instance, filename):
    return f"inspections/{instance.inspection.on.year}/{instance.inspection_id}/{filename}"


class InspectionPhoto(StoredFile):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督查检查"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件"), upload_to=inspection_photo_path, max_length=300)

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")


class RectificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office's items for office-wide roles, the unit's own for unit roles."""
        return visible(
            self, user, office="inspection__office_id", unit=lambda p: Q(unit_id=p.unit_id)
        )


class Rectification(models.Model):
    """整改事项: what an inspection found a unit must put right by a deadline; the unit
    replies with its measures, the office verifies and closes it."""

    class State(models.TextChoices):
        OPEN = "open", _("待整改")
        REPLIED = "replied", _("已答复")
        CLOSED = "closed", _("已销号")

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("督查检查"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT)
    description = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改时限"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    measures = models.TextField(_("整改情况"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    verification = models.TextField(_("核实情况"), blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    history = HistoricalRecords(bases=[AuditFields])

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "id"]

    def __str__(self):
        return f"{self.unit} {self.deadline}"
