from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "duban.indicators"
    label = "indicators"
    verbose_name = _("经济社会指标")
