from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields


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
