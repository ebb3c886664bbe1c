from django.urls import path

from duban.core import views

app_name = "jobs"

urlpatterns = [
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/state/", views.job_state, name="state"),
    path("<int:pk>/download/", views.job_download, name="download"),
]
