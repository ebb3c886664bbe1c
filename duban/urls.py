from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from duban.api.api import api
from duban.org import views as org_views
from duban.workbench import views as workbench_views

# a database that cannot be reached answers 503 「数据库暂时不可用」 (core/views.py)
handler500 = "duban.core.views.server_error"

admin.site.site_header = "督办 · 管理后台"
admin.site.site_title = "督办"
admin.site.index_title = "系统管理"
# The admin is the deployment's (superusers only): it is not scoped by street, so an
# office's staff maintain people, units, rules and reason categories on the 设置 pages.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", workbench_views.home, name="home"),
    path("login/", workbench_views.LoginView.as_view(), name="login"),
    path("help/", workbench_views.help_page, name="help"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("calendar/", workbench_views.calendar, name="calendar"),
    path("calendar/", include("duban.workbench.calendar_urls")),
    path("account/password/", org_views.PasswordChangeView.as_view(), name="account_password"),
    path("settings/", include("duban.org.urls")),
    path("settings/", include("duban.progress.settings_urls")),
    path("settings/", include("duban.ledger.settings_urls")),
    path("settings/", include("duban.tickets.settings_urls")),
    path("settings/", include("duban.supervision.settings_urls")),
    path("settings/", include("duban.api.settings_urls")),
    path("ledger/", include("duban.ledger.urls")),
    path("progress/", include("duban.progress.urls")),
    path("tickets/", include("duban.tickets.urls")),
    path("indicators/", include("duban.indicators.urls")),
    path("notifications/", include("duban.notify.urls")),
    path("supervision/", include("duban.supervision.urls")),
    path("reports/", include("duban.reports.urls")),
    path("dashboard/", include("duban.reports.dashboard_urls")),
    path("textkit/", include("duban.textkit.urls")),
    path("api/v1/", api.urls),
    path("jobs/", include("duban.core.job_urls")),
    path("admin/", admin.site.urls),
    # browsers ask for /favicon.ico before reading the page's <link rel="icon">
    path("favicon.ico", RedirectView.as_view(url=static("duban/favicon.svg"), permanent=True)),
]
