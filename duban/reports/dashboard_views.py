"""驾驶舱 (leaders' dashboard): office-wide figures as charts, each a way into the ledger.

Only the roles that see their whole office (督查管理员, 领导, 只读) and superusers open
it; a unit's people get 403. The figures come from `duban.reports.dashboard.build`.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from duban.core.listing import Col, Listing
from duban.core.numfmt import pct
from duban.progress.explain import light_rank
from duban.progress.models import Light
from duban.reports import dashboard
from duban.reports.views import office_wide_required

# 超期事项: sorted by its columns and exported like every list (core/listing.py)
OVERDUE_LIST = Listing.define(
    Col("code", "编号", value=lambda i: i["code"], width=10),
    Col("title", "事项名称", value=lambda i: i["title"], width=36),
    Col("lead_unit", "牵头单位", value=lambda i: i["lead_unit"], width=16),
    Col("deadline", "完成时限", value=lambda i: i["deadline"], width=12),
    Col("days", "超期天数", value=lambda i: i["days"], width=10),
    Col(
        "light",
        "预警",
        value=lambda i: str(Light(i["light"]).label) if i.get("light") in Light.values else "",
        sort_value=lambda i: light_rank(i.get("light")),
        width=8,
    ),
)


# What the page shows at once, whatever the number of lagging tasks: the overdue table
# by pages, the chart of lagging tasks by lead unit its first bars (the rest in a note
# linking to the ledger). The API (`/api/v1/dashboard`) and the export keep every item.
OVERDUE_PAGE_SIZE = 20
UNIT_BARS = 15


@office_wide_required
def index(request):
    figures = dashboard.build(
        request.user, year=request.GET.get("year"), period=request.GET.get("period")
    )
    listing = OVERDUE_LIST.bind(request.GET)
    figures["overdue"] = listing.sort(figures["overdue"])
    if listing.exporting:
        return listing.export(figures["overdue"], f"超过完成时限的事项{figures['month_label']}")
    overdue_page = Paginator(figures["overdue"], OVERDUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    units = figures["lagging_by_unit"]
    rest = units[UNIT_BARS:]
    # the charts' figures, inlined in the page: no table rows, a bounded number of bars
    chart = {
        key: value for key, value in figures.items() if key not in ("overdue", "lagging_by_unit")
    }
    chart["lagging_by_unit"] = units[:UNIT_BARS]
    return render(
        request,
        "reports/dashboard.html",
        {
            "figures": figures,
            "chart": chart,
            "overdue_page": overdue_page,
            "units_rest": {"units": len(rest), "count": sum(u["count"] for u in rest)}
            if rest
            else None,
            "listing": listing,
            "lag_rate_text": pct(figures["kpi"]["lag_rate"]),
            "ticket_rates": [
                (label, pct((figures["tickets"] or {}).get(key), places=2))
                for key, label in (
                    ("resolution_rate", "解决率"),
                    ("satisfaction_rate", "满意率"),
                    ("on_time_rate", "按时办结率"),
                )
            ],
        },
    )
