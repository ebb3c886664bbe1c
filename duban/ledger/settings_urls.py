from django.urls import path

from duban.ledger import settings_views

app_name = "ledger_settings"

urlpatterns = [
    path("sources/", settings_views.sources, name="sources"),
]
