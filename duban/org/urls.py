from django.urls import path

from duban.org import views

app_name = "org"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/new/", views.person_new, name="person_new"),
    path("people/<int:pk>/", views.person_edit, name="person"),
    path("people/<int:pk>/password/", views.person_password, name="person_password"),
    path("people/<int:pk>/unlock/", views.person_unlock, name="person_unlock"),
    path("units/", views.units, name="units"),
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<int:pk>/", views.unit_edit, name="unit"),
]
