from django.urls import path

from duban.tickets import settings_views

app_name = "tickets_settings"

urlpatterns = [
    path("tickets/categories/", settings_views.categories, name="categories"),
    path("tickets/", settings_views.ticket_settings, name="settings"),
]
