from django.urls import path

from duban.api import views

app_name = "api_settings"

urlpatterns = [
    path("api-clients/", views.clients, name="clients"),
]
