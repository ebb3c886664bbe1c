"""热线平台等外部系统的接口客户端 (API clients).

A client holds a token given once, when it is created or renewed; only its SHA-256 is
kept (the token is 256 random bits, so a slow password hash would add nothing). Each
client belongs to one office and sees what a 只读 of that office sees; it writes
requests into that office only, through the requests' import (`api/tickets.py`).

Every client has its own service account (`user`): an inactive user that cannot sign
in, named after the client, so the audit trail, the requests' transitions and
`PersonalDataView` name the client as the actor.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.audit import AuditFields
from duban.org.models import Office

TOKEN_PREFIX = "dbk_"


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token():
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiClient(models.Model):
    name = models.CharField(_("名称"), max_length=100, help_text=_("如“区12345热线平台”"))
    office = models.ForeignKey(
        Office, verbose_name=_("所属街道/区"), on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("令牌开头"), max_length=12, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    rate_limit = models.PositiveIntegerField(
        _("每分钟请求上限"), default=120, help_text=_("超过后接口回答 429，请稍后重试")
    )
    personal_data = models.BooleanField(
        _("可查看诉求人信息"),
        default=False,
        help_text=_("不勾选时，接口返回的诉求人姓名和电话均打码；勾选后每次查看均留痕"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务账号"),
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("最近调用"), null=True, blank=True, editable=False)
    # who created, disabled or renewed which client, through the one audit path
    history = HistoricalRecords(bases=[AuditFields], excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")
        ordering = ["office_id", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.user_id is None:
            self.user = make_service_user(self.name)
        elif self.pk:
            # the service account carries the client's name into the audit trail
            get_user_model().objects.filter(pk=self.user_id).update(last_name=label(self.name))
        super().save(*args, **kwargs)

    def set_token(self):
        """A fresh token: its digest is kept, the token itself returned to show once."""
        token = new_token()
        self.token_hash = hash_token(token)
        self.token_hint = token[:10]
        return token

    @classmethod
    def create(cls, *, name, office, created_by=None, **fields):
        """(client, token): the client, its service account and the token shown once."""
        with transaction.atomic():
            client = cls(name=name, office=office, created_by=created_by, **fields)
            token = client.set_token()
            client.user = make_service_user(name)
            client.save()
        return client, token


def label(name):
    return f"接口：{name}"[:150]


def make_service_user(name):
    user = get_user_model()(
        username=f"api-{uuid.uuid4().hex[:12]}", last_name=label(name), is_active=False
    )
    user.set_unusable_password()
    user.save()
    return user
