from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from duban.workbench import views as workbench_views

admin.site.site_header = "督办 · 管理后台"
admin.site.site_title = "督办"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", workbench_views.home, name="home"),
    path("login/", workbench_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("ledger/", include("duban.ledger.urls")),
    path("progress/", include("duban.progress.urls")),
    path("notifications/", include("duban.notify.urls")),
    path("supervision/", include("duban.supervision.urls")),
    path("reports/", include("duban.reports.urls")),
    path("dashboard/", include("duban.reports.dashboard_urls")),
    path("admin/", admin.site.urls),
]
