"""Resident requests (民生诉求 / 工单), their transitions and follow-ups.

The rules of the loop live in `flow.py`; the only writer of a request's state is
`services.py`, which keeps a `Transition` row per step.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields
from duban.core.models import UploadedFile
from duban.org import roles as R
from duban.org.models import Office, Unit
from duban.org.scope import visible
from duban.tickets import flow

STATE_CHOICES = [(s.value, label) for s, label in flow.STATE_LABELS.items()]
ACTION_CHOICES = [(a.value, label) for a, label in flow.ACTION_LABELS.items()]
URGENCY_CHOICES = [(u.value, label) for u, label in flow.URGENCY_LABELS.items()]
SATISFACTION_CHOICES = [(s.value, label) for s, label in flow.SATISFACTION_LABELS.items()]


class Source(models.TextChoices):
    GRID = "grid", _("网格采集")
    TALK_DAY = "talk_day", _("说事日")
    HOTLINE = "hotline", _("12345热线")
    PETITION = "petition", _("信访")
    VISIT = "visit", _("来电来访")
    OTHER = "other", _("其他")


class TicketCategory(models.Model):
    """诉求类别: a tree (大类 › 小类), edited on 设置 › 诉求类别."""

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    needs_review = models.BooleanField(
        _("需审单"), default=False, help_text=_("勾选后，分单须经“大工委”审单通过才交给承办单位")
    )
    normal_workdays = models.PositiveSmallIntegerField(
        _("一般诉求办理时限（工作日）"),
        null=True,
        blank=True,
        help_text=_("留空则按“诉求设置”；紧急、特急诉求总按“诉求设置”"),
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="ticket_category_unique"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))


class TicketSettings(models.Model):
    """诉求设置 (one row): deadlines, the return limit and the statistics' weight."""

    normal_workdays = models.PositiveSmallIntegerField(_("一般诉求办理时限（工作日）"), default=7)
    urgent_workdays = models.PositiveSmallIntegerField(_("紧急诉求办理时限（工作日）"), default=1)
    critical_hours = models.PositiveSmallIntegerField(_("特急诉求办理时限（小时）"), default=2)
    return_limit_workdays = models.PositiveSmallIntegerField(
        _("退单时限（派单后工作日）"), default=2
    )
    basic_weight = models.DecimalField(
        _("满意率中“基本满意”的权重"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.9"),
        help_text=_("满意率 =（满意 + 权重 × 基本满意）÷ 回访数"),
    )
    duplicate_days = models.PositiveSmallIntegerField(
        _("同人同事：同一地点同类诉求的天数"),
        default=7,
        help_text=_("同一社区、同一地址、同一类别的诉求，受理时间相隔不超过这些天时提示可能重复"),
    )
    duplicate_similarity = models.DecimalField(
        _("同人同事：内容相似度"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.8"),
        help_text=_("同一联系电话的诉求，内容相似度（0～1）不低于此值时提示可能重复"),
    )

    class Meta:
        verbose_name = _("诉求设置")
        verbose_name_plural = _("诉求设置")

    def __str__(self):
        return "诉求设置"

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=1)[0]

    def rules(self, category=None):
        """The loop's rules; a category's own 一般 deadline wins over the default."""
        own = category.normal_workdays if category is not None else None
        return flow.Rules(
            normal_workdays=own or self.normal_workdays,
            urgent_workdays=self.urgent_workdays,
            critical_hours=self.critical_hours,
            return_limit_workdays=self.return_limit_workdays,
        )


class HeaderAlias(models.Model):
    """Another header an office's export uses for a column of the import (工单号 → 工单编号)."""

    class Column(models.TextChoices):
        NUMBER = "number", "工单编号"
        SOURCE = "source", "来源"
        RECEIVED_AT = "received_at", "受理时间"
        CATEGORY = "category", "诉求类别"
        CONTENT = "content", "诉求内容"
        COMMUNITY = "community", "社区"
        REPORTER_NAME = "reporter_name", "诉求人"
        REPORTER_PHONE = "reporter_phone", "联系电话"
        UNIT = "unit", "承办单位"
        STATE = "state", "状态"
        CLOSED_AT = "closed_at", "办结时间"
        CONTACTED = "contacted", "是否联系"
        RESOLVED = "resolved", "是否解决"
        SATISFACTION = "satisfaction", "满意度"

    column = models.CharField(_("对应列"), max_length=20, choices=Column.choices)
    alias = models.CharField(_("表头别名"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("导入表头别名")
        verbose_name_plural = _("导入表头别名")
        ordering = ["column", "alias"]

    def __str__(self):
        return f"{self.alias} → {self.get_column_display()}"


class TalkDaySession(models.Model):
    """One 说事日 sitting (the 5th, 15th and 25th): many requests collected at once."""

    office = models.ForeignKey(Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT)
    community = models.ForeignKey(
        Unit, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("说事日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("说事会")
        verbose_name_plural = _("说事会")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.community} {self.held_on} 说事会"


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The requests a user may see; pages, exports, statistics and commands start here.

        督查管理员, 领导, 只读: the office scope. A unit's people: the requests their unit
        holds or once returned. A 网格员: the requests of their community and those they filed.
        """

        def own_unit(profile):
            returned = Transition.objects.filter(
                unit_id=profile.unit_id, action=flow.Action.RETURN.value
            ).values("ticket_id")
            return Q(unit_id=profile.unit_id) | Q(pk__in=returned)

        def grid_worker(user, profile, held):
            if R.GRID_WORKER not in held:
                return None
            filed = Q(created_by=user)
            return filed | Q(community_id=profile.unit_id) if profile.unit_id else filed

        return visible(self, user, unit=own_unit, also=grid_worker)


class Ticket(models.Model):
    """诉求 / 工单: one resident's problem or demand, from any source."""

    # an index serves each query the pages, statistics and imports make; a large import
    # maintains every one of them, so none is doubled (office: ticket_office_received
    # and the number's; unit: ticket_unit_state; session, merged_into, created_by:
    # partial, on the rows that have one).
    # No foreign key of a request (nor of its transitions, follow-ups and historical
    # rows) is a database constraint (db_constraint=False): PostgreSQL checks a
    # constraint row by row at commit, a dozen checks per imported request, most of a
    # million-row import's commit. The import checks its ids set-based instead
    # (`importer.TicketImport.check_references`), the loop writes ids of objects it
    # loaded, and deleting goes through Django's on_delete (CASCADE, PROTECT, SET_NULL)
    # as before; docs/performance.md, issue 11 import.
    office = models.ForeignKey(
        Office,
        verbose_name=_("所属街道/区"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    source_number = models.CharField(_("工单编号"), max_length=50, blank=True)
    received_at = models.DateTimeField(_("受理时间"))
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("诉求类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_constraint=False,
    )
    content = models.TextField(_("诉求内容"))
    community = models.ForeignKey(
        Unit,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="community_tickets",
        db_constraint=False,
    )
    grid = models.CharField(_("网格"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    reporter_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=URGENCY_CHOICES, default=flow.Urgency.NORMAL.value
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=STATE_CHOICES, default=flow.State.RECEIVED.value
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        db_constraint=False,
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # The latest follow-up, kept here so that the statistics are one grouped query.
    followed_up = models.BooleanField(_("已回访"), default=False)
    contacted = models.BooleanField(_("是否联系"), null=True, blank=True)
    resolved = models.BooleanField(_("是否解决"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=SATISFACTION_CHOICES, blank=True
    )
    session = models.ForeignKey(
        TalkDaySession,
        verbose_name=_("说事会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
        db_constraint=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入诉求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        db_index=False,
        db_constraint=False,
    )
    # a historical row is found by its ticket (id), date, user or import batch; the
    # other indexes simple_history copies would only slow a large import's history
    history = HistoricalRecords(
        bases=[AuditFields],
        no_db_index=[
            "office",
            "category",
            "community",
            "unit",
            "session",
            "created_by",
            "merged_into",
            "received_at",
        ],
        user_db_constraint=False,
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("民生诉求")
        verbose_name_plural = _("民生诉求")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "source", "source_number"],
                condition=~Q(source_number=""),
                name="ticket_source_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "received_at"], name="ticket_office_received"),
            models.Index(fields=["state", "deadline"], name="ticket_state_deadline"),
            models.Index(fields=["unit", "state"], name="ticket_unit_state"),
            models.Index(
                fields=["session"], condition=Q(session__isnull=False), name="ticket_session"
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="ticket_merged_into",
            ),
            models.Index(
                fields=["created_by"],
                condition=Q(created_by__isnull=False),
                name="ticket_created_by",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.content[:20]}"

    @property
    def code(self):
        return self.source_number or f"SQ{self.pk:06d}"

    @property
    def state_label(self):
        return flow.STATE_LABELS[flow.State(self.state)]

    def snapshot(self):
        return flow.Snapshot(
            state=flow.State(self.state),
            unit=self.unit_id,
            urgency=flow.Urgency(self.urgency),
            dispatched_at=self.dispatched_at,
            deadline=self.deadline,
            reopen_count=self.reopen_count,
            satisfaction=flow.Satisfaction(self.satisfaction) if self.satisfaction else None,
            followed_up=self.followed_up,
        )

    def is_overdue(self, now):
        return flow.is_overdue(self.state, self.deadline, now)


class Transition(models.Model):
    """One step of a request: who did what, when, why, from which state to which."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="transitions", db_constraint=False
    )
    action = models.CharField(_("操作"), max_length=12, choices=ACTION_CHOICES)
    from_state = models.CharField(_("原状态"), max_length=12, choices=STATE_CHOICES, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, choices=STATE_CHOICES)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("说明"), blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("涉及单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ticket_transitions",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("诉求流转记录")
        verbose_name_plural = _("诉求流转记录")
        ordering = ["at", "id"]
        # a unit's returns (visible_to: the requests a unit returned) and a person's
        # steps; an import's transitions (action 导入, often no actor) need neither
        indexes = [
            models.Index(
                fields=["unit"],
                condition=Q(action=flow.Action.RETURN.value),
                name="ticket_transition_returns",
            ),
            models.Index(
                fields=["actor"], condition=Q(actor__isnull=False), name="ticket_transition_actor"
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.get_action_display()}"


class FollowUp(models.Model):
    """回访/评单: the call that checks with the resident."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="follow_ups", db_constraint=False
    )
    at = models.DateTimeField(_("回访时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    contacted = models.BooleanField(_("是否联系"), null=True, blank=True)
    resolved = models.BooleanField(_("是否解决"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=SATISFACTION_CHOICES, blank=True
    )
    comment = models.TextField(_("群众意见"), blank=True)

    class Meta:
        verbose_name = _("回访评单")
        verbose_name_plural = _("回访评单")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["by"], condition=Q(by__isnull=False), name="ticket_followup_by"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.get_satisfaction_display() or '未评价'}"


class PersonalDataView(models.Model):
    """A view or export that showed a resident's name and phone unmasked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.CASCADE
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("诉求"), null=True, blank=True, on_delete=models.CASCADE
    )
    purpose = models.CharField(_("用途"), max_length=50)
    count = models.PositiveIntegerField(_("条数"), default=1)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} {self.purpose} {self.at:%Y-%m-%d %H:%M}"


def evidence_path(instance, filename):
    return f"tickets/{instance.ticket_id}/{filename}"


class TicketEvidence(UploadedFile):
    """办结佐证: a photo or document the unit attaches when closing; checked on upload by
    the one evidence check (`progress.workflow.check_evidence`)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=300)

    class Meta:
        verbose_name = _("办结佐证")
        verbose_name_plural = _("办结佐证")
        ordering = ["uploaded_at", "id"]


class RoutingRule(models.Model):
    """分单规则: requests of a category (and its sub-categories) and/or a community go
    to a unit — proposed to the office, or dispatched at once when 自动分单 is on."""

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("诉求类别"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("含其下级类别；留空为任何类别"),
    )
    community = models.ForeignKey(
        Unit,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空为任何社区"),
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="+"
    )
    auto_dispatch = models.BooleanField(
        _("自动分单"),
        default=False,
        help_text=_("勾选后，符合规则的新诉求（登记或导入）直接分给承办单位，不再等待确认"),
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("分单规则")
        verbose_name_plural = _("分单规则")
        ordering = ["category__name", "community__name", "id"]

    def __str__(self):
        what = " · ".join(
            str(x) for x in (self.category, self.community.name if self.community else None) if x
        )
        return f"{what or '（无条件）'} → {self.unit.name}"

    def as_rule(self):
        from duban.tickets.routing import Rule

        return Rule(
            id=self.pk,
            unit=self.unit_id,
            category=self.category_id,
            community=self.community_id,
            auto=self.auto_dispatch,
        )


class ExtensionRequest(models.Model):
    """申请延期: the unit asks for more working days; the deadline changes only when
    the office approves."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    workdays = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.TextField(_("延期理由"))
    old_deadline = models.DateTimeField(_("原办理时限"))
    new_deadline = models.DateTimeField(_("申请的新时限"))
    decision = models.CharField(
        _("审批"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.ticket_id} 延期{self.workdays}个工作日（{self.get_decision_display()}）"


class DuplicateDismissal(models.Model):
    """A 同人同事 proposal a person judged not to be a duplicate: never proposed again.
    The pair is stored with the lower id first."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("不是重复的诉求")
        verbose_name_plural = _("不是重复的诉求")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "other"], name="ticket_dismissal_unique"),
        ]

    def __str__(self):
        return f"{self.ticket_id} ≠ {self.other_id}"


class DayCount(models.Model):
    """The statistics' summary (`tickets.summary`): per office, day received (local
    time) and one breakdown key — a unit, a category or a community (0: none) — the
    counts of `metrics.COUNT_KEYS` and the closed-on-time count of the requests
    received that day. Every request (except 已合并) is counted once per dimension;
    rows are recomputed from the requests by `summary.refresh` whenever a request of
    that day changes, never edited by hand."""

    class Dimension(models.TextChoices):
        UNIT = "unit", _("承办单位")
        CATEGORY = "category", _("诉求类别")
        COMMUNITY = "community", _("社区")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("受理日期"))
    dimension = models.CharField(_("分组"), max_length=10, choices=Dimension.choices)
    key = models.IntegerField(_("单位/类别/社区"), default=0)
    received = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)
    awaiting_dispatch = models.IntegerField(default=0)
    followed_up = models.IntegerField(default=0)
    contacted = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically_satisfied = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("诉求统计汇总")
        verbose_name_plural = _("诉求统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "dimension", "key"], name="ticket_daycount_unique"
            ),
        ]

    def __str__(self):
        return f"{self.office_id} {self.day} {self.dimension} {self.key}"
