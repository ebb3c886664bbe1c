from django.urls import path

from duban.reports import bulletin_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("bulletin/", bulletin_views.bulletin, name="bulletin"),
    path("preview/", views.preview, name="preview"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/download/<str:fmt>/", views.download, name="download"),
]
