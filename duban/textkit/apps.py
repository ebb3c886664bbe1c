from django.apps import AppConfig


class TextkitConfig(AppConfig):
    name = "duban.textkit"
    verbose_name = "文字核对"
    default_auto_field = "django.db.models.BigAutoField"
