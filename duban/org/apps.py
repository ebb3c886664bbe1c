from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    default = True  # apps.py holds two configs: this is the one "duban.org" means
    name = "duban.org"
    label = "org"
    verbose_name = _("单位与人员")

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_migrate

        from duban.org import cache

        post_migrate.connect(cache.after_migrate, sender=self, dispatch_uid="duban_org_version")
        # the version read belongs to one request: nothing after it (a test, a thread
        # reused for other work) may read the cache under it
        request_started.connect(cache.forget, dispatch_uid="duban_org_version_forget")
        request_finished.connect(cache.forget, dispatch_uid="duban_org_version_done")


class AxesConfig(AxesAppConfig):
    """django-axes (sign-in throttling) under a Chinese name in the admin."""

    verbose_name = _("登录限制")
