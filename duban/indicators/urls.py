from django.urls import path

from duban.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.indicator_list, name="list"),
    path("entry/", views.entry, name="entry"),
    path("export/", views.export, name="export"),
    path("new/", views.indicator_edit, name="create"),
    *views.import_flow.urls(),
    path("<int:pk>/", views.indicator_detail, name="detail"),
    path("<int:pk>/edit/", views.indicator_edit, name="edit"),
]
