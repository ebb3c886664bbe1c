from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields, bulk_create_history
from duban.org import roles as R
from duban.org.models import Office, Unit, lineage_in, scope_in
from duban.org.scope import visible

# The five categories of shared/reference/1-monthly-key-work-supervision-report.txt,
# offered for every year that has none of its own yet.
DEFAULT_CATEGORIES = [
    "街道民生实事项目",
    "街道重点工作专班推进项目",
    "市委市政府重点工作",
    "区委区政府重点工作",
    "区领导调研提出的工作",
]


class CategoryQuerySet(models.QuerySet):
    """Categories belong to an office. A street uses its own and those of the district
    above it (a district's streets may share the district's list); one office never
    sees a sibling's. Every query of categories goes through `usable_by` (what an
    office's tasks may take) or `seen_from` (what the pages of some offices show)."""

    def usable_by(self, office, year=None):
        """The categories a task of `office` may take: the office's and its district's."""
        categories = self.filter(office_id__in=office.lineage_ids())
        return categories if year is None else categories.filter(year=year)

    def seen_from(self, offices, year=None):
        """The categories shown on pages spanning `offices` (an Office or several): each
        office's usable ones and, for a district, those of its streets."""
        if isinstance(offices, Office):
            offices = [offices]
        ids, tree = set(), Office.tree()
        for office in offices:
            ids.update(lineage_in(tree, office.pk))
            ids.update(scope_in(tree, office.pk))
        categories = self.filter(office_id__in=ids)
        return categories if year is None else categories.filter(year=year)

    def names_for(self, office, year):
        """The names `ensure_for` would give, without writing anything (forms, previews)."""
        names = list(
            self.usable_by(office, year).order_by("order", "id").values_list("name", flat=True)
        )
        return list(dict.fromkeys(names)) or self.inherited_names(office, year)

    def inherited_names(self, office, year):
        """A year used for the first time takes the office's previous year's list, or the
        five defaults."""
        earlier = self.usable_by(office).filter(year__lt=year)
        previous = earlier.order_by("-year").values_list("year", flat=True).first()
        if previous is None:
            return list(DEFAULT_CATEGORIES)
        names = earlier.filter(year=previous).order_by("order", "id").values_list("name", flat=True)
        return list(dict.fromkeys(names))

    def ensure_for(self, office, year):
        """The year's usable categories of `office`, writing the inherited list for the
        office when it has none yet. Only writers (an import, a saved form) call this:
        a page that only shows never creates data."""
        existing = self.usable_by(office, year).order_by("order", "id")
        if existing.exists():
            return existing
        for order, name in enumerate(self.inherited_names(office, year), start=1):
            Category.objects.get_or_create(
                office=office, year=year, name=name, defaults={"order": order}
            )
        return self.usable_by(office, year).order_by("order", "id")

    def for_year(self, year, office=None):
        """`ensure_for` of `office`, by default the deployment's first office (kept for
        tests and scripts written before categories had an office)."""
        office = office or Office.objects.order_by("id").first()
        return self.ensure_for(office, year)


class Category(models.Model):
    office = models.ForeignKey(
        Office,
        verbose_name=_("所属街道/区"),
        # null only for rows older than the field (set by migration 0004); new ones always
        # carry their office
        null=True,
        on_delete=models.PROTECT,
        related_name="categories",
        help_text=_("区的类别，所辖街道都可使用"),
    )
    year = models.PositiveIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=100)
    order = models.PositiveIntegerField(_("排序"), default=0)
    history = HistoricalRecords(bases=[AuditFields])

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("类别")
        verbose_name_plural = _("类别")
        ordering = ["year", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "name"], name="category_name_unique_in_office_year"
            ),
        ]

    def __str__(self):
        return self.name


class AssignmentSource(models.Model):
    """来源 of an ad-hoc assigned item (交办事项) and its default time limit."""

    name = models.CharField(_("来源"), max_length=50, unique=True)
    default_workdays = models.PositiveIntegerField(
        _("默认办理时限（工作日）"),
        help_text=_("新增该来源的交办事项时，完成时限默认为交办日期后的这么多个工作日"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("交办来源")
        verbose_name_plural = _("交办来源")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class KeyTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The tasks a user may see. Pages, exports and commands all start here."""

        def own_unit(profile):
            partner_of = KeyTask.partner_units.through.objects.filter(unit_id=profile.unit_id)
            return Q(lead_unit_id=profile.unit_id) | Q(pk__in=partner_of.values("keytask_id"))

        # no rule about the person itself (`also`): the ledger's kept lists are shared by
        # everyone of one `scope_key` (ledger/filters.py); such a rule would need the user
        # in that key
        return visible(self, user, unit=own_unit)

    def editable_by(self, user):
        """Only 督查管理员 edits the ledger, within its office scope."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if not R.is_supervisor(user):
            return self.none()
        scope = R.office_scope_ids(user)
        return self.filter(office_id__in=scope)


def target_display(value, unit):
    """量化指标 as shown: "1200平方米" (the value without trailing zeros), or ""."""
    if value is None:
        return ""
    return f"{value.normalize():f}{unit}"


class KeyTask(models.Model):
    """重点工作: one task of the year's list, or an ad-hoc assigned item (交办事项)."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("年度重点工作")
        ASSIGNED = "assigned", _("交办事项")

    # found by office and year through the (office, year, …) indexes of Meta; an index of
    # its own on either would only cost every write (and a year alone, a third of the
    # table, led PostgreSQL to scan it for one office's year)
    office = models.ForeignKey(
        Office,
        verbose_name=_("所属街道/区"),
        on_delete=models.PROTECT,
        related_name="tasks",
        db_index=False,
    )
    year = models.PositiveIntegerField(_("年度"))
    code = models.CharField(_("编号"), max_length=30)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.ANNUAL)
    category = models.ForeignKey(
        Category,
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    title = models.CharField(_("事项名称"), max_length=200)
    goal = models.TextField(_("工作目标"), blank=True)
    target_value = models.DecimalField(
        _("量化指标"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField(_("指标单位"), max_length=20, blank=True)
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_tasks"
    )
    partner_units = models.ManyToManyField(
        Unit, verbose_name=_("协同单位"), blank=True, related_name="partner_tasks"
    )
    leader = models.CharField(_("责任领导"), max_length=50, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    source = models.ForeignKey(
        AssignmentSource,
        verbose_name=_("来源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("交办事项的来源；年度重点工作留空"),
    )
    assigned_on = models.DateField(_("交办日期"), null=True, blank=True)
    source_note = models.CharField(
        _("来源说明"), max_length=200, blank=True, help_text=_("如批示文号、会议纪要名称")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # a historical row is found by its task (id), date, user or import batch (core.schema)
    history = HistoricalRecords(
        bases=[AuditFields],
        m2m_fields=[partner_units],
        excluded_fields=["updated_at"],
        no_db_index=["office", "year", "category", "lead_unit", "source"],
    )

    objects = KeyTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点工作")
        verbose_name_plural = _("重点工作")
        ordering = ["year", "office_id", "category__order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "code"], name="task_code_unique_in_office_year"
            ),
        ]
        indexes = [models.Index(fields=["office", "year", "category"])]

    def __str__(self):
        return f"{self.code} {self.title}"

    def editable_by(self, user):
        """`KeyTask.objects.editable_by(user)` for one loaded task, without a query."""
        if user is None or not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        return R.is_supervisor(user) and self.office_id in R.office_scope_ids(user)

    @property
    def source_label(self):
        return self.source.name if self.source_id else str(self.Kind.ANNUAL.label)

    @property
    def target_display(self):
        return target_display(self.target_value, self.target_unit)

    def records_kept(self):
        """What the office has recorded about this task (进展填报 and their reviews,
        研判结果, 督办单 …), as [(name, count)]: a task that has any is part of the audit
        trail and is never deleted, so deleting cannot erase who reported and who judged
        what (issue 14). Read from the relations, so the ledger names no app above it."""
        kept = []
        for relation in self._meta.related_objects:
            if relation.many_to_many or relation.related_model is Milestone:
                continue
            manager = relation.related_model._default_manager
            count = manager.filter(**{relation.field.name: self}).count()
            if count:
                kept.append((str(relation.related_model._meta.verbose_name), count))
        return kept


class Milestone(models.Model):
    task = models.ForeignKey(
        KeyTask, verbose_name=_("重点工作"), on_delete=models.CASCADE, related_name="milestones"
    )
    due = models.DateField(_("节点时间"))
    description = models.CharField(_("节点内容"), max_length=300)
    order = models.PositiveIntegerField(_("序号"), default=0)
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["task_id", "order", "due", "id"]

    def __str__(self):
        return f"{self.due:%Y-%m-%d} {self.description}"


def save_task(task, partner_units):
    """Save a task together with its partner units as ONE historical row.

    Setting partners after a plain save would write a second row ("协同单位 空 → …")
    for what the user did in one step; every writer (pages, import, demo) calls this.
    """
    creating = task._state.adding
    task.skip_history_when_saving = True
    try:
        if creating:
            task.save()
        task.partner_units.set(partner_units)
    finally:
        del task.skip_history_when_saving
    if creating:
        bulk_create_history(KeyTask, [task], "+")
    else:
        task.save()


class TaskWrite(models.Model):
    """The version of one task's page data (`ledger/taskversion.py`): database triggers
    add a row, or count up, with every write to the tables that page keeps under it; the
    version is the sum of `n` over the task's rows. Not a foreign key: a deleted task's
    rows stay, so the sum of a reused id keeps growing."""

    task_id = models.BigIntegerField(db_index=True)
    n = models.IntegerField(default=1)

    class Meta:
        verbose_name = _("事项数据版本")
        verbose_name_plural = _("事项数据版本")
        default_permissions = ()

    def __str__(self):
        return f"{self.task_id}+{self.n}"
