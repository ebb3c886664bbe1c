from django.urls import path

from duban.progress import settings_views

app_name = "progress_settings"

urlpatterns = [
    path("rules/", settings_views.rules, name="rules"),
    path("reasons/", settings_views.reasons, name="reasons"),
]
