from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "duban.org"
    label = "org"
    verbose_name = _("单位与人员")


class AxesConfig(AxesAppConfig):
    """django-axes (sign-in throttling) under a Chinese name in the admin."""

    verbose_name = _("登录限制")
