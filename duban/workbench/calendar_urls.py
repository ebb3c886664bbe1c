from django.urls import path

from duban.workbench import calendar_views

urlpatterns = [
    path("<int:year>/", calendar_views.year_page, name="calendar_year"),
    path("<int:year>/manual/", calendar_views.manual_year, name="calendar_manual"),
    path("adjustments/<int:pk>/", calendar_views.adjustment_edit, name="calendar_adjustment"),
    path(
        "adjustments/<int:pk>/delete/",
        calendar_views.adjustment_delete,
        name="calendar_adjustment_delete",
    ),
]
