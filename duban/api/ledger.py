"""Read-only JSON of the ledger and the dashboard, for a signed-in person (their session)
or a client's token (scoped to its office, as a 只读 of it).

Nothing is recomputed here: the ledger list is the list page's own filter, order and
rows (`ledger.filters.LedgerFilter`, `ledger.views`), 50 a page, with the columns the
other apps add to its export (本月状态, 预警, 进展); the dashboard is
`reports.dashboard.build`, the dict the 驾驶舱 page renders.
"""

import math

from django.http import JsonResponse
from ninja import Router
from ninja.responses import NinjaJSONEncoder

from duban.api.auth import ApiError, token_or_session
from duban.api.schemas import ErrorOut, LedgerPage
from duban.ledger.filters import LedgerFilter
from duban.ledger.models import target_display
from duban.ledger.views import (
    PAGE_SIZE,
    ROW_FIELDS,
    _listing,
    detail_url_maker,
    ordered_rows,
)
from duban.org import roles as R
from duban.reports import dashboard

# the list's row and what the JSON adds to it
JSON_FIELDS = (*ROW_FIELDS, "year", "goal", "target_value", "target_unit")

router = Router(tags=["台账与驾驶舱"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def _page_number(value):
    try:
        page = int(value or 1)
    except (TypeError, ValueError):
        raise ApiError(
            f"页码“{value}”不是整数", errors=[{"field": "page", "message": "应为正整数"}]
        ) from None
    if page < 1:
        raise ApiError("页码应为正整数", errors=[{"field": "page", "message": "应为正整数"}])
    return page


@router.get(
    "/ledger",
    auth=token_or_session,
    response={200: LedgerPage, **ERRORS},
    summary="台账列表（与台账页相同的筛选：year、office、category、lead_unit、kind、q、period、status、light；每页 50 条）",
)
def ledger_list(request):
    principal = request.auth
    page = _page_number(request.GET.get("page"))
    ledger = LedgerFilter(request.GET, principal.user)
    listing = _listing(request, ledger)
    count = ledger.count()  # from the year's tally (kept) when only the year and street filter
    pages = max(1, math.ceil(count / PAGE_SIZE))
    if page > pages:
        raise ApiError(
            f"没有第 {page} 页（共 {pages} 页）",
            status=404,
            errors=[{"field": "page", "message": f"应在 1 至 {pages} 之间"}],
        )
    start = (page - 1) * PAGE_SIZE
    rows = ordered_rows(ledger, listing, start, start + PAGE_SIZE, fields=JSON_FIELDS)
    extra_headers, extra_values = [], []
    if rows:
        on_page = [row["id"] for row in rows]
        for extension in ledger.extensions:
            headers = [header for header, _width in extension.export_columns(ledger)]
            if headers:
                extra_headers.append(headers)
                extra_values.append(extension.export_values(ledger, on_page))
    detail_url = detail_url_maker()
    results = []
    for row in rows:
        pk = row["id"]
        extra = {}
        for headers, values in zip(extra_headers, extra_values, strict=True):
            extra.update(zip(headers, values.get(pk, [None] * len(headers)), strict=True))
        results.append(
            {
                "id": pk,
                "code": row["code"],
                "year": row["year"],
                "kind": row["kind"],
                "office": row["office__name"],
                "category": row["category__name"] if row["category_id"] else None,
                "title": row["title"],
                "goal": row["goal"],
                "target": target_display(row["target_value"], row["target_unit"]),
                "lead_unit": row["lead_unit__name"],
                "partner_units": row["partner_units"],
                "leader": row["leader"],
                "deadline": row["deadline"],
                "milestones": row["milestones"],
                "extra": extra,
                "url": detail_url(pk),
            }
        )
    # answered as it is: the rows are built to the schema above, which documents them;
    # checking 50 rows against it again took a tenth of the request
    return JsonResponse(
        {
            "year": ledger.year,
            "count": count,
            "page": page,
            "pages": pages,
            "page_size": PAGE_SIZE,
            "results": results,
        },
        encoder=NinjaJSONEncoder,
    )


@router.get(
    "/dashboard",
    auth=token_or_session,
    response={200: dict, **ERRORS},
    summary="驾驶舱数据（与驾驶舱页相同的数字；year、period 可选）",
)
def dashboard_figures(request, year: str | None = None, period: str | None = None):
    principal = request.auth
    if not R.sees_whole_office(principal.user):
        raise ApiError("只有督查管理员、领导和只读人员可以查看驾驶舱", status=403)
    return dashboard.build(principal.user, year=year, period=period)
