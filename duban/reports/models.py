"""The report archive (报告存档). A report is stored as the figures dict it was made
from (reports/figures.py), so reopening it renders the same document, whatever was
edited since; a fresh report is a new row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.models import DataVersion
from duban.org import roles as R
from duban.org.models import Office


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports are office-wide documents: the roles that see the whole office see
        the reports of their office scope; unit roles see none."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if not R.roles_of(user) & R.SEES_WHOLE_OFFICE:
            return self.none()
        scope = R.office_scope_ids(user)
        return self if scope is None else self.filter(office_id__in=scope)


class Report(models.Model):
    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("督查报告")
        BULLETIN = "bulletin", _("督查督办工作通报")
        SUMMARY = "summary", _("工作总结（初稿）")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.MONTHLY)
    office = models.ForeignKey(
        Office, verbose_name=_("街道/区"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.CharField(_("报告周期"), max_length=7)
    title = models.CharField(_("标题"), max_length=200)
    figures = models.JSONField(_("数据快照"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("报告存档")
        verbose_name_plural = _("报告存档")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "kind", "period"])]

    def __str__(self):
        return self.title


class FiguresVersion(DataVersion):
    """One row whose `version` changes with every write to the tables the dashboard's
    task figures come from (judgements, tasks, categories, units, offices), kept by
    database triggers (`reports/versioning.py`), so bulk writes, imports and the admin
    count too. The dashboard caches its figures under it (`dashboard.build`)."""

    class Meta:
        verbose_name = _("驾驶舱数据版本")
        verbose_name_plural = _("驾驶舱数据版本")
