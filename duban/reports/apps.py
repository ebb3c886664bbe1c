from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "duban.reports"
    verbose_name = "报告"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from duban.reports import versioning

        post_migrate.connect(
            versioning.after_migrate, sender=self, dispatch_uid="duban_figures_version"
        )
