from django.urls import path

from duban.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("export/", views.export, name="export"),
    path("template/", views.import_template, name="template"),
    path("new/", views.task_create, name="create"),
    path("new/assigned/", views.assigned_create, name="create_assigned"),
    *views.import_flow.urls(),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/edit/", views.task_edit, name="edit"),
    path("<int:pk>/delete/", views.task_delete, name="delete"),
]
