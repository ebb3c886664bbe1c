from django.urls import path

from duban.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("reminders/", views.reminder_log, name="reminder_log"),
]
