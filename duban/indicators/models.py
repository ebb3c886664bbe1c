"""经济社会指标: an office's indicators, their annual targets and monthly values.

The arithmetic (year to date, 同比, 完成率, 时间进度) lives in `growth.py`; the figures a
page, the dashboard or a document shows come from `figures.py`. Every table is audited
(django-simple-history with core's channel and batch id)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields
from duban.indicators import growth
from duban.org.models import Office
from duban.org.scope import visible

#: the models' max_digits/decimal_places, as core.numfmt.parse_amount reads a cell
AMOUNT = {"max_digits": 14, "decimal_places": 2}


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The indicators of the offices in `user`'s scope (督查管理员, 领导, 只读)."""
        return visible(self, user, office="office_id")


class Indicator(models.Model):
    class Kind(models.TextChoices):
        CUMULATIVE = growth.CUMULATIVE, _("累计")
        MONTHLY = growth.MONTHLY, _("当月")

    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="indicators"
    )
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(
        _("计量单位"), max_length=20, blank=True, help_text=_("如 万元、人、%、件")
    )
    group = models.CharField(
        _("指标分组"), max_length=50, blank=True, help_text=_("如 经济发展、社会民生")
    )
    kind = models.CharField(
        _("统计方式"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.CUMULATIVE,
        help_text=_("累计：每月填报年初至本月的累计数；当月：每月填报当月数，累计数为各月之和"),
    )
    decimals = models.PositiveSmallIntegerField(
        _("小数位数"), default=2, help_text=_("页面和报告显示数值时保留的小数位数（0-2）")
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords(bases=[AuditFields])

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("经济社会指标")
        verbose_name_plural = _("经济社会指标")
        ordering = ["office_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "name"], name="indicator_name_unique_in_office"
            ),
        ]

    def __str__(self):
        return self.name


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveIntegerField(_("年度"))
    target = models.DecimalField(_("年度目标"), null=True, blank=True, **AMOUNT)
    target_growth = models.DecimalField(
        _("目标增速（%）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    history = HistoricalRecords(bases=[AuditFields])

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["indicator_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"], name="indicator_target_unique_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}年"


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="values"
    )
    year = models.PositiveIntegerField(_("年份"))
    month = models.PositiveSmallIntegerField(_("月份"))
    value = models.DecimalField(_("本期值"), **AMOUNT)
    previous = models.DecimalField(
        _("上年同期值"),
        null=True,
        blank=True,
        help_text=_("系统中没有上年数据时用于计算同比"),
        **AMOUNT,
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("填报时间"), auto_now=True)
    history = HistoricalRecords(bases=[AuditFields], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("指标月度值")
        verbose_name_plural = _("指标月度值")
        ordering = ["indicator_id", "year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "month"], name="indicator_value_unique_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="indicator_value_month_1_12"
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}年{self.month}月"
