from django.urls import path

from duban.supervision import topic_views, views

app_name = "supervision"

urlpatterns = [
    path("", views.board, name="board"),
    path("propose/", views.propose, name="propose"),
    path("inbox/", views.inbox, name="inbox"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/act/", views.notice_act, name="notice_act"),
    path("notices/<int:pk>/docx/", views.notice_docx, name="notice_docx"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("accountability/", views.accountability, name="accountability"),
    path("ranking/", views.ranking, name="ranking"),
    path("topics/", views.topics, name="topics"),
    path("topics/new/", topic_views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", topic_views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/delete/", topic_views.topic_delete, name="topic_delete"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/photos/<int:pk>/", views.inspection_photo, name="inspection_photo"),
    path("rectifications/<int:pk>/act/", views.rectification_act, name="rectification_act"),
]
