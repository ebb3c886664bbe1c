from django.urls import path

from duban.reports import bulletin_views, summary_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("bulletin/", bulletin_views.bulletin, name="bulletin"),
    path("bulletin/generate/", bulletin_views.bulletin_generate, name="bulletin_generate"),
    path("summary/", summary_views.summary, name="summary"),
    path("summary/generate/", summary_views.summary_generate, name="summary_generate"),
    path("preview/", views.preview, name="preview"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/download/<str:fmt>/", views.download, name="download"),
]
