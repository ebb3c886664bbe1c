"""Hotline platforms push and update work orders; clients and people read them.

Writing goes through the requests' own import (`tickets.importer.TicketImport`), fed one
order instead of a file's row: the same validation and Chinese messages, the same
idempotence by (来源, 工单编号), the same audited write (one historical version and one
transition, the client's service account as the actor). There is no second writer.

- POST creates the order or updates it to what the platform now says (a re-push of the
  same order changes nothing);
- PATCH changes only the fields it names (the follow-up, a new state...); a state it does
  not name stays as it is, even one the office reached in duban (已派单, 已回访...);
- names (类别, 社区, 承办单位) must exist: an API never creates them.
Reading starts from `Ticket.objects.visible_to`; personal data is masked by
`tickets.masking` unless the client may see it, and every unmasked answer is logged.
"""

import datetime as dt
import math

from django.core.paginator import Paginator
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from duban.api.auth import ApiError, token_auth, token_or_session
from duban.api.schemas import ErrorOut, TicketIn, TicketOut, TicketPage, TicketPatch, TicketWriteOut
from duban.core.textchars import CONTROL
from duban.org import roles as R
from duban.org.models import Office
from duban.tickets import flow, masking
from duban.tickets.forms import TicketFilter
from duban.tickets.importer import LABEL, SATISFACTION, SOURCES, STATES, TicketImport
from duban.tickets.models import PersonalDataView, Source, Ticket

router = Router(tags=["民生诉求"])

FIELD_OF = {header: key for key, header in LABEL.items()}
STATE_TEXT = {state.value: text for text, state in STATES.items()}
# the import's words for the states it knows; a state reached only in duban reads as
# the nearest import state (its closing time and unit are kept), and PATCH keeps it
NEAREST = {
    flow.State.REVIEWING.value: "办理中",
    flow.State.DISPATCHED.value: "办理中",
    flow.State.RATED.value: "已办结",
    flow.State.ARCHIVED.value: "已办结",
}
SATISFACTION_TEXT = {value: label for label, value in SATISFACTION.items()}
MAX_PAGE_SIZE = 200
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


class OneOrder(TicketImport):
    """The requests' import fed one order (a dict of the import's columns)."""

    def __init__(self, office, *, user, keep=None):
        super().__init__(office, user=user)
        self.keep = keep  # PATCH without a state: the ticket whose state stays

    def apply(self, source):
        # one order as a two-row table (its headers, its values) through the import's
        # own staged path: the same checks, the same one writer
        columns = [c for c in self.columns if c.key in source]
        table = [[c.header for c in columns], [source[c.key] for c in columns]]
        return super().apply(table)

    def validate_row(self, row, errors):
        record = super().validate_row(row, errors)
        if record is not None and self.keep is not None:
            record.state = self.keep.state
        return record

    def _deadline_of(self, record, days):
        if self.keep is not None:
            # the state did not change: nor does the deadline the loop gave it
            return self.keep.deadline
        return super()._deadline_of(record, days)


def _yes_no(value):
    return "" if value is None else ("是" if value else "否")


def _source(text):
    value = SOURCES.get((text or "").strip()) or (text if text in Source.values else None)
    if value is None:
        labels = "、".join(str(label) for _, label in Source.choices)
        raise ApiError(
            f"来源“{text}”无法识别，应为 {labels}",
            errors=[{"field": "source", "message": f"应为 {labels}"}],
        )
    return Source(value)


def _local(value):
    """An ISO 8601 time with its offset (2023-01-05T09:30:00+08:00, …Z) as Beijing time;
    any other text goes to the import's own reading of dates."""
    if isinstance(value, str) and value.strip():
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value
        if moment.tzinfo is not None:
            try:
                return timezone.localtime(moment).replace(tzinfo=None)
            except OverflowError:
                return value
    return value


def _row(data):
    """An order as the import's row (its columns keyed as `HeaderAlias.Column`)."""
    bad = [k for k, v in data.items() if isinstance(v, str) and CONTROL.search(v)]
    if bad:
        # PostgreSQL refuses a NUL in text: refused here, named, instead of a 500
        raise ApiError(
            f"【{LABEL.get(bad[0], bad[0])}】含有不可见的控制字符",
            errors=[{"field": k, "message": "含有不可见的控制字符"} for k in bad],
        )
    row = {key: ("" if value is None else value) for key, value in data.items()}
    for key in ("received_at", "closed_at"):
        if key in row:
            row[key] = _local(row[key])
    for key in ("contacted", "resolved"):
        if key in data:
            row[key] = _yes_no(data[key])
    return row


def _current_row(ticket):
    """What the ticket holds now, as the import's row (for PATCH)."""
    local = timezone.localtime
    return {
        "number": ticket.source_number,
        "source": str(Source(ticket.source).label),
        "received_at": local(ticket.received_at).replace(tzinfo=None),
        "category": "/".join(ticket.category.full_name.split(" › ")) if ticket.category_id else "",
        "content": ticket.content,
        "community": ticket.community.name if ticket.community_id else "",
        "reporter_name": ticket.reporter_name,
        "reporter_phone": ticket.reporter_phone,
        "unit": ticket.unit.name if ticket.unit_id else "",
        "state": STATE_TEXT.get(ticket.state) or NEAREST[ticket.state],
        "closed_at": local(ticket.closed_at).replace(tzinfo=None) if ticket.closed_at else "",
        "contacted": _yes_no(ticket.contacted),
        "resolved": _yes_no(ticket.resolved),
        "satisfaction": SATISFACTION_TEXT.get(ticket.satisfaction, ""),
    }


def _write(principal, row, keep=None):
    """Run the import on one order; returns (outcome, changed labels)."""
    client = principal.client
    for attempt in (1, 2):
        importer = OneOrder(client.office, user=principal.user, keep=keep)
        try:
            report = importer.apply(row)
        except IntegrityError:
            # the same order pushed twice at once: the second finds the first's row
            if attempt == 2:
                raise
            continue
        break
    if report.errors:
        errors = [
            {
                "field": FIELD_OF.get(e.field, e.field),
                "message": e.message.replace("；如需新建，命令行加 --create-missing", ""),
            }
            for e in report.errors
        ]
        detail = "；".join(
            f"【{e.field}】{m['message']}" if e.field else m["message"]
            for e, m in zip(report.errors, errors, strict=True)
        )
        raise ApiError(f"工单未写入：{detail}", errors=errors)
    if report.created:
        return "created", []
    if report.updated:
        return "updated", [label for label, _before, _after in report.updated[0].changes]
    return "unchanged", []


def _find(principal, number, source):
    ticket = (
        Ticket.objects.visible_to(principal.user)
        .select_related("category__parent", "community", "unit")
        .filter(source=source.value, source_number=number)
    )
    found = list(ticket[:10])
    if not found:
        raise ApiError(f"找不到{source.label}工单“{number}”", status=404)
    if principal.client is not None:
        # a district's client reads its streets too; its own office's order comes first
        own = [t for t in found if t.office_id == principal.client.office_id]
        found = own or found
    return found[0]


def ticket_json(ticket, principal, now, *, personal=None):
    """The answer for one ticket. `personal` (name, phone, unmasked) when already decided."""
    if personal is None:
        personal = contact(principal, ticket)
    name, phone, unmasked = personal
    return {
        "number": ticket.code,
        "source": ticket.source,
        "source_label": str(Source(ticket.source).label),
        "received_at": ticket.received_at,
        "category": ticket.category.full_name if ticket.category_id else None,
        "content": ticket.content,
        "community": ticket.community.name if ticket.community_id else None,
        "grid": ticket.grid,
        "address": ticket.address,
        "reporter_name": name,
        "reporter_phone": phone,
        "personal_data_masked": not unmasked,
        "urgency": ticket.urgency,
        "state": ticket.state,
        "state_label": ticket.state_label,
        "unit": ticket.unit.name if ticket.unit_id else None,
        "deadline": ticket.deadline,
        "overdue": ticket.is_overdue(now),
        "closed_at": ticket.closed_at,
        "result": ticket.result,
        "followed_up": ticket.followed_up,
        "contacted": ticket.contacted,
        "resolved": ticket.resolved,
        "satisfaction": ticket.satisfaction,
        "url": reverse("tickets:detail", args=[ticket.pk]),
    }


def contact(principal, ticket, purpose="接口查看诉求"):
    """(name, phone, unmasked): a client by its own permission, a person by role."""
    if principal.client is None:
        return masking.contact(principal.user, ticket, purpose=purpose)
    if principal.sees_personal_data and (ticket.reporter_name or ticket.reporter_phone):
        PersonalDataView.objects.create(user=principal.user, ticket=ticket, purpose=purpose)
        return ticket.reporter_name, ticket.reporter_phone, True
    name, phone = masking.masked(ticket)
    return name, phone, False


def _answer(principal, number, source, outcome, changed):
    ticket = _find(principal, number, source)
    body = {
        "outcome": outcome,
        "changed": changed,
        "ticket": ticket_json(ticket, principal, timezone.now()),
    }
    return Status(201 if outcome == "created" else 200, body)


@router.post(
    "/tickets",
    auth=token_auth,
    response={200: TicketWriteOut, 201: TicketWriteOut, **ERRORS},
    summary="推送工单（新增或更新）",
)
def push_ticket(request, payload: TicketIn):
    principal = request.auth
    source = _source(payload.source)
    data = payload.dict()
    data["source"] = str(source.label)
    outcome, changed = _write(principal, _row(data))
    return _answer(principal, payload.number.strip(), source, outcome, changed)


@router.patch(
    "/tickets/{number}",
    auth=token_auth,
    response={200: TicketWriteOut, **ERRORS},
    summary="按工单编号修改工单（如回访结果、状态）",
)
def patch_ticket(request, number: str, payload: TicketPatch, source: str = "12345热线"):
    principal = request.auth
    source = _source(source)
    ticket = _find(principal, number, source)
    if ticket.office_id != principal.client.office_id:
        raise ApiError("只能修改本客户端所属街道的工单", status=403)
    given = payload.dict(exclude_unset=True)
    row = {**_current_row(ticket), **_row(given)}
    keep = ticket if given.get("state") is None else None
    outcome, changed = _write(principal, row, keep=keep)
    return _answer(principal, number, source, outcome, changed)


@router.get(
    "/tickets/{number}",
    auth=token_or_session,
    response={200: TicketOut, **ERRORS},
    summary="查看一张工单",
)
def get_ticket(request, number: str, source: str = "12345热线"):
    principal = request.auth
    ticket = _find(principal, number, _source(source))
    return ticket_json(ticket, principal, timezone.now())


class TicketQuery(Schema):
    q: str | None = None
    state: str | None = None
    unit: int | None = None
    community: int | None = None
    start: str | None = None
    end: str | None = None
    page: int = 1
    page_size: int = 50


@router.get(
    "/tickets",
    auth=token_or_session,
    response={200: TicketPage, **ERRORS},
    summary="工单列表（筛选、分页）",
)
def list_tickets(request, filters: Query[TicketQuery]):
    principal = request.auth
    if not 1 <= filters.page_size <= MAX_PAGE_SIZE:
        raise ApiError(
            f"page_size 应在 1 至 {MAX_PAGE_SIZE} 之间",
            errors=[{"field": "page_size", "message": f"应在 1 至 {MAX_PAGE_SIZE} 之间"}],
        )
    data = {
        k: v for k, v in filters.dict().items() if v is not None and k in TicketFilter.base_fields
    }
    # a state may also be named by its Chinese label (已派单)
    by_label = {str(label): state.value for state, label in flow.STATE_LABELS.items()}
    if data.get("state") in by_label:
        data["state"] = by_label[data["state"]]
    form = TicketFilter(data, office=_office(principal))
    if not form.is_valid():
        errors = [
            {"field": field, "message": "；".join(messages)}
            for field, messages in form.errors.items()
        ]
        detail = "；".join(f"【{form.fields[e['field']].label}】{e['message']}" for e in errors)
        raise ApiError(f"筛选条件有误：{detail}", errors=errors)
    tickets = (
        form.apply(Ticket.objects.visible_to(principal.user))
        .select_related("category__parent", "community", "unit")
        .order_by("-received_at", "-pk")
    )
    paginator = Paginator(tickets, filters.page_size)
    count = paginator.count
    pages = max(1, math.ceil(count / filters.page_size))
    if not 1 <= filters.page <= pages:
        raise ApiError(
            f"没有第 {filters.page} 页（共 {pages} 页）",
            status=404,
            errors=[{"field": "page", "message": f"应在 1 至 {pages} 之间"}],
        )
    rows = list(paginator.page(filters.page))
    now = timezone.now()
    shown = principal.sees_personal_data
    if shown and rows:
        PersonalDataView.objects.create(
            user=principal.user, purpose="接口工单列表", count=len(rows)
        )
    results = []
    for ticket in rows:
        if shown:
            personal = (ticket.reporter_name, ticket.reporter_phone, True)
        else:
            personal = (*masking.masked(ticket), False)
        results.append(ticket_json(ticket, principal, now, personal=personal))
    return {
        "count": count,
        "page": filters.page,
        "pages": pages,
        "page_size": filters.page_size,
        "results": results,
    }


def _office(principal):
    if principal.client is not None:
        return principal.client.office
    profile = R.profile_of(principal.user)
    if profile is not None and profile.office_id:
        return profile.office
    return Office.objects.order_by("id").first()
