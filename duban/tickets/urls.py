from django.urls import path

from duban.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new, name="new"),
    path("talk-day/", views.talk_day, name="talk_day"),
    path("mine/", views.mine, name="mine"),
    path("all/", views.all_tickets, name="list"),
    path("unit/", views.unit_list, name="unit_list"),
    path("stats/", views.stats, name="stats"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    *views.import_flow.urls(),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
