from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "duban.reports"
    verbose_name = "报告"
    default_auto_field = "django.db.models.BigAutoField"
