from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def unread(self, user):
        """`user`'s unread notifications (none for an anonymous visitor)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user, read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification (站内通知)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class ReminderLog(models.Model):
    """Every reminder sent, one row per (day, kind, unit, channel, recipient):
    the unique key is what makes `duban remind` idempotent within a day."""

    class Kind(models.TextChoices):
        REPORT_DUE = "report_due", _("催报（截止前）")
        REPORT_LATE = "report_late", _("催报（已逾期）")
        RED_LIGHT = "red_light", _("催办（红灯）")
        REPORT_URGE = "report_urge", _("催报（督查室从报送看板发出）")

    class Channel(models.TextChoices):
        INAPP = "inapp", _("站内通知")
        EMAIL = "email", _("电子邮件")
        WEBHOOK = "webhook", _("群机器人")

    day = models.DateField(_("日期"), db_index=True)
    kind = models.CharField(_("类型"), max_length=15, choices=Kind.choices)
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.CASCADE)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("接收方"), max_length=200)
    ok = models.BooleanField(_("成功"), default=True)
    detail = models.TextField(_("内容/错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "unit", "channel", "recipient"], name="one_reminder_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {self.recipient}"
