"""驾驶舱 (leaders' dashboard): office-wide figures as charts, each a way into the ledger.

Only the roles that see their whole office (督查管理员, 领导, 只读) and superusers open
it; a unit's people get 403. The figures come from `duban.reports.dashboard.build`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from duban.core.numfmt import pct
from duban.org import roles as R
from duban.reports import dashboard


def sees_whole_office(user):
    return user.is_superuser or bool(R.roles_of(user) & R.SEES_WHOLE_OFFICE)


@login_required
def index(request):
    if not sees_whole_office(request.user):
        raise PermissionDenied(_("驾驶舱仅供领导、督查管理员和只读用户查看"))
    figures = dashboard.build(
        request.user, year=request.GET.get("year"), period=request.GET.get("period")
    )
    return render(
        request,
        "reports/dashboard.html",
        {"figures": figures, "lag_rate_text": pct(figures["kpi"]["lag_rate"])},
    )
