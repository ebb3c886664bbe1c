from django.urls import path

from duban.progress import views

app_name = "progress"

urlpatterns = [
    path("batch/", views.batch, name="batch"),
    path("batch/propose/", views.propose, name="propose"),
    path("board/", views.board, name="board"),
    path("board/urge/", views.urge, name="urge"),
    path("review/", views.review, name="review"),
    path("judge/", views.judge_month, name="judge_month"),
    path("review/accept/", views.accept_selected, name="accept_selected"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/act/", views.act, name="act"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("tasks/<int:pk>/override/", views.override_judgement, name="override"),
    *views.import_flow.urls(),
    path("import/template/", views.import_template, name="import_template"),
    path("tasks/<int:pk>/reopen/", views.reopen, name="reopen"),
]
