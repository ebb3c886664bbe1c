"""工作台 (home): what needs the signed-in person now, per role.

The queries live in `duban.workbench.todo`; this view only renders them. Signing in
lands a leader (领导 without an office or unit working role) on the 驾驶舱 instead
(`LoginView`); the 工作台 stays one click away in the navigation.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from duban.core.periods import PeriodError, parse_year
from duban.core.workdays import Calendar, years_shown
from duban.org import roles as R
from duban.org.scope import SHARED_SETTINGS, sees_every_office
from duban.workbench import todo


def lands_on_dashboard(user):
    held = R.roles_of(user)
    return R.LEADER in held and not held & ({R.SUPERVISOR} | R.SEES_OWN_UNIT)


class LoginView(auth_views.LoginView):
    """Django's sign-in; with no `next`, a leader lands on the dashboard."""

    def get_default_redirect_url(self):
        if lands_on_dashboard(self.request.user):
            return reverse("dashboard:index")
        return super().get_default_redirect_url()


@login_required
def home(request):
    bench = todo.build(request.user)
    return render(
        request,
        "workbench/home.html",
        {
            "bench": bench,
            "batch_url": reverse("progress:batch"),
            "review_url": reverse("progress:review"),
            "notify_url": reverse("notify:list"),
        },
    )


@login_required
def calendar(request):
    """工作日日历: each year the office works in, which source its working days come
    from, and what to add where a source is incomplete."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以查看工作日日历")
    asked, year_error = request.GET.get("year"), ""
    if asked is not None:
        try:
            return redirect("calendar_year", year=parse_year(asked))
        except PeriodError as error:
            year_error = str(error)
    calendar = Calendar.load()
    years = [calendar.coverage(year) for year in years_shown(timezone.localdate(), calendar)]
    return render(
        request,
        "workbench/calendar.html",
        {
            "years": years,
            "may_change": sees_every_office(request.user),
            "shared": SHARED_SETTINGS,
            "asked": asked,
            "year_error": year_error,
        },
    )


@login_required
def help_page(request):
    """使用说明: what each role does in a month, in plain words; the person's own roles
    first and open. The numbers (截止日, 灯色) are the office's current rules."""
    from duban.progress.explain import light_meanings
    from duban.progress.models import ProgressRules, Status

    rules = ProgressRules.current()
    held = R.roles_of(request.user)
    if request.user.is_superuser:
        held = held | {R.SUPERVISOR}
    order = [R.SUPERVISOR, R.REPORTER, R.UNIT_HEAD, R.LEADER, R.READONLY, R.GRID_WORKER]
    roles = sorted(order, key=lambda code: (code not in held, order.index(code)))
    return render(
        request,
        "workbench/help.html",
        {
            "rules": rules,
            "roles": [(code, R.ROLE_NAMES[code], code in held) for code in roles],
            "meanings": light_meanings(rules),
            "statuses": [str(label) for label in Status.labels],
        },
    )
