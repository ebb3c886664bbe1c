from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "duban.core"
    label = "core"
    verbose_name = _("基础设置")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from duban.core import audit

        pre_create_historical_record.connect(
            audit.stamp_historical_record, dispatch_uid="duban_audit_stamp"
        )
