"""驾驶舱 (leaders' dashboard): office-wide figures as charts, each a way into the ledger.

Only the roles that see their whole office (督查管理员, 领导, 只读) and superusers open
it; a unit's people get 403. The figures come from `duban.reports.dashboard.build`.
"""

from django.shortcuts import render

from duban.core.numfmt import pct
from duban.reports import dashboard
from duban.reports.views import office_wide_required


@office_wide_required
def index(request):
    figures = dashboard.build(
        request.user, year=request.GET.get("year"), period=request.GET.get("period")
    )
    return render(
        request,
        "reports/dashboard.html",
        {"figures": figures, "lag_rate_text": pct(figures["kpi"]["lag_rate"])},
    )
