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
    path("routing/", views.routing_rules, name="routing"),
    path("routing/<int:pk>/", views.routing_rule, name="routing_rule"),
    path("extensions/", views.extensions, name="extensions"),
    path("extensions/<int:pk>/<str:decision>/", views.extension_decide, name="extension_decide"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("batch/", views.batch, name="batch"),
    *views.import_flow.urls(),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/route/", views.route, name="route"),
    path("<int:pk>/extension/", views.extension, name="extension"),
    path("<int:pk>/merge/<int:main_pk>/", views.merge, name="merge"),
    path("<int:pk>/dismiss/<int:other_pk>/", views.dismiss, name="dismiss"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
