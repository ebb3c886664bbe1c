from django.urls import path

from duban.supervision import settings_views

app_name = "supervision_settings"

urlpatterns = [
    path("supervision/ladder/", settings_views.ladder, name="ladder"),
    path("supervision/scoring/", settings_views.scoring_scheme, name="scoring"),
]
