from django.urls import path

from duban.textkit import views

app_name = "textkit"

urlpatterns = [
    path("check/", views.check, name="check"),
    path("plan/", views.plan, name="plan"),
    path("reasons/suggest/", views.suggest_reason, name="suggest_reason"),
]
