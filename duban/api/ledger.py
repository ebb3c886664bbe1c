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
from duban.ledger.models import KeyTask
from duban.ledger.views import (
    LEDGER_ORDER,
    PAGE_SIZE,
    _listing,
    _rows,
    detail_url_maker,
    milestone_counts,
)
from duban.org import roles as R
from duban.reports import dashboard

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
    tasks = ledger.queryset
    count = tasks.count()
    pages = max(1, math.ceil(count / PAGE_SIZE))
    if page > pages:
        raise ApiError(
            f"没有第 {page} 页（共 {pages} 页）",
            status=404,
            errors=[{"field": "page", "message": f"应在 1 至 {pages} 之间"}],
        )
    start = (page - 1) * PAGE_SIZE
    rows = list(_rows(listing.order(tasks, *LEDGER_ORDER))[start : start + PAGE_SIZE])
    ids = [task.pk for task in rows]
    milestones = milestone_counts(ids)
    extra_headers, extra_values = [], []
    if ids:
        on_page = KeyTask.objects.filter(pk__in=ids)
        for extension in ledger.extensions:
            headers = [header for header, _width in extension.export_columns(ledger)]
            if headers:
                extra_headers.append(headers)
                extra_values.append(extension.export_values(ledger, on_page))
    detail_url = detail_url_maker()
    results = []
    for task in rows:
        extra = {}
        for headers, values in zip(extra_headers, extra_values, strict=True):
            extra.update(zip(headers, values.get(task.pk, [None] * len(headers)), strict=True))
        results.append(
            {
                "id": task.pk,
                "code": task.code,
                "year": task.year,
                "kind": task.kind,
                "office": task.office.name,
                "category": task.category.name if task.category_id else None,
                "title": task.title,
                "goal": task.goal,
                "target": task.target_display,
                "lead_unit": task.lead_unit.name,
                "partner_units": [unit.name for unit in task.partner_units.all()],
                "leader": task.leader,
                "deadline": task.deadline,
                "milestones": milestones.get(task.pk, 0),
                "extra": extra,
                "url": detail_url(task.pk),
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
