from django.urls import path

from duban.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
]
