from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields
from duban.core.models import DataVersion
from duban.org import roles as R


class Office(models.Model):
    """A street office (街道办事处) or a district (区) that owns key tasks and units."""

    class Kind(models.TextChoices):
        STREET = "street", _("街道")
        DISTRICT = "district", _("区")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STREET)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("街道/区")
        verbose_name_plural = _("街道/区")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    def scope_ids(self):
        """This office and every office below it (a district sees its streets)."""
        return scope_in(Office.tree(), self.pk)

    def lineage_ids(self):
        """This office and the offices above it (a street may use the district's units)."""
        return lineage_in(Office.tree(), self.pk)

    @staticmethod
    def tree():
        """{office id: parent id} of every office, in one query (offices are few), kept
        per process under the org version (`org/cache.py`)."""
        from duban.org import cache

        return cache.cached(
            "tree",
            lambda: dict(Office.objects.order_by("order", "id").values_list("pk", "parent_id")),
        )


def scope_in(tree, pk):
    """`pk` and every office below it in `tree` ({id: parent id}), nearest first."""
    ids, frontier = [pk], [pk]
    while frontier:
        frontier = [child for child, parent in tree.items() if parent in frontier]
        frontier = [child for child in frontier if child not in ids]
        ids.extend(frontier)
    return ids


def lineage_in(tree, pk):
    """`pk` and the offices above it in `tree` ({id: parent id})."""
    ids = []
    while pk is not None and pk not in ids:
        ids.append(pk)
        pk = tree.get(pk)
    return ids


class Unit(models.Model):
    """单位: a 科室, a 社区 (居民区), a district department or a resident unit."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("街道内设机构")
        COMMUNITY = "community", _("社区(居民区)")
        DISTRICT_DEPT = "district_dept", _("区级部门")
        RESIDENT = "resident", _("驻区单位")
        OTHER = "other", _("其他")

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    history = HistoricalRecords(bases=[AuditFields], excluded_fields=["order"])

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["office__order", "office_id", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="unit_name_unique_in_office"),
        ]

    def __str__(self):
        return self.name


class Role(models.Model):
    code = models.CharField(_("代码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=20)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), null=True, blank=True, on_delete=models.PROTECT
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        help_text=_("管理员设置或重置密码后勾选：本人登录后须先修改密码"),
    )
    # who gave whom which unit and roles, and who set a password (人员管理, admin)
    history = HistoricalRecords(bases=[AuditFields], m2m_fields=[roles])

    class Meta:
        verbose_name = _("人员信息")
        verbose_name_plural = _("人员信息")

    def __str__(self):
        return R.display_name(self.user)

    def save(self, *args, **kwargs):
        if self.office_id is None and self.unit_id is not None:
            self.office_id = self.unit.office_id
        super().save(*args, **kwargs)


class OrgVersion(DataVersion):
    """One row whose `version` changes with every write to offices, roles, profiles and
    the roles they hold, kept by database triggers (`core/versioning.py`), so the admin,
    the people pages, imports and raw SQL all count. Roles and the office tree are kept
    per process under it (`org/cache.py`)."""

    class Meta:
        verbose_name = _("人员与机构数据版本")
        verbose_name_plural = _("人员与机构数据版本")
