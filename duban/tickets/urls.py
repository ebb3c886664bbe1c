from django.urls import path

from duban.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("unit/", views.unit_list, name="unit_list"),
]
