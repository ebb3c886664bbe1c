"""Pages of the request loop. Everything starts from `Ticket.objects.visible_to(user)`
(another unit's request answers 404); every step goes through `services.apply`; names
and phones are shown through `masking` only."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from duban.core import links
from duban.core.http import back_to, download, id_param, id_params
from duban.core.importflow import ImportFlow
from duban.core.numfmt import pct
from duban.org import roles as R
from duban.org.models import Office
from duban.tickets import extensions as ticket_extensions
from duban.tickets import flow, masking, metrics, services, worklists
from duban.tickets.export import list_workbook
from duban.tickets.flow import Action, FlowError, State
from duban.tickets.forms import (
    DuplicateSettingsForm,
    ExtensionForm,
    ImportUploadForm,
    RoutingRuleForm,
    StatsFilter,
    TalkDayForm,
    TalkDayItems,
    TicketFilter,
    TicketForm,
    office_units,
)
from duban.tickets.importer import TicketImport
from duban.tickets.models import (
    ExtensionRequest,
    RoutingRule,
    Source,
    TalkDaySession,
    Ticket,
    TicketEvidence,
    TicketSettings,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def entry_url(user):
    """Where '诉求' in the navigation leads a person, or None."""
    if user is None or not user.is_authenticated:
        return None
    held = R.roles_of(user)
    if R.is_supervisor(user):
        return links.fixed("tickets:inbox")
    if held & services.UNIT_ROLES:
        return links.fixed("tickets:unit_list")
    if R.GRID_WORKER in held:
        return links.fixed("tickets:new")
    if R.sees_whole_office(user):
        return links.fixed("tickets:stats")
    return None


def _office(user):
    profile = R.profile_of(user)
    if profile is not None and profile.office_id:
        return profile.office
    return Office.objects.order_by("id").first()


def _require(check, message):
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


filer_required = _require(services.may_file, "只有网格员和督查管理员可以登记诉求")
supervisor_required = _require(R.is_supervisor, "只有督查管理员可以分单")
unit_required = _require(
    lambda u: bool(R.roles_of(u) & services.UNIT_ROLES), "只有单位负责人和填报员可以领单办理"
)


def _rows(tickets, now):
    """Each ticket with its masked contact and whether it is overdue, for a list."""
    rows = []
    for ticket in tickets:
        name, phone = masking.masked(ticket)
        rows.append(
            {
                "ticket": ticket,
                "name": name,
                "phone": phone,
                "overdue": ticket.is_overdue(now),
            }
        )
    return rows


def _stage_page(request, stages, queries, stage):
    """The page asked for of stage `stage`'s list, in the order of work (the overdue
    first), no further than its first `worklists.CAP` requests."""
    tickets = queries[stage].select_related("category", "unit", "community")
    in_order = worklists.InOrder(tickets, worklists.states_of(stages, stage))
    return worklists.Pages(in_order, PAGE_SIZE).get_page(request.GET.get("page"))


# ----- intake -----


@filer_required
def new(request):
    office = _office(request.user)
    form = TicketForm(request.POST or None, user=request.user, office=office)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        ticket = services.receive(request.user, office=office, **fields)
        messages.success(request, f"诉求 {ticket.code} 已登记，等待街道分单")
        return redirect("tickets:detail", ticket.pk)
    return render(request, "tickets/new.html", {"form": form})


@filer_required
def talk_day(request):
    """说事日: one sitting, many requests, written together."""
    office = _office(request.user)
    form = TalkDayForm(request.POST or None, user=request.user, office=office)
    items = TalkDayItems(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        filled = [i.cleaned_data for i in items if (i.cleaned_data.get("content") or "").strip()]
        if not filled:
            messages.error(request, "请至少填写一条诉求")
        else:
            with transaction.atomic():
                session = TalkDaySession.objects.create(
                    office=office, created_by=request.user, **form.cleaned_data
                )
                for data in filled:
                    services.receive(
                        request.user,
                        office=office,
                        source=Source.TALK_DAY,
                        community=session.community,
                        session=session,
                        **data,
                    )
            messages.success(request, f"说事会已登记 {len(filled)} 条诉求，等待街道分单")
            return redirect("tickets:mine")
    return render(request, "tickets/talk_day.html", {"form": form, "items": items})


@login_required
def mine(request):
    """The requests a 网格员 filed (or that their community raised)."""
    tickets = worklists.filed(request.user).select_related("category", "unit", "community")
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/mine.html",
        {
            "page": page,
            "rows": _rows(page, timezone.now()),
            "may_file": services.may_file(request.user),
        },
    )


# ----- the office's inbox -----


@supervisor_required
def inbox(request):
    now = timezone.now()
    queries = worklists.inbox(request.user, now)
    stage = request.GET.get("stage", "dispatch")
    if stage not in queries:
        stage = "dispatch"
    page = _stage_page(request, worklists.INBOX_STAGES, queries, stage)
    stages = worklists.counts(worklists.INBOX_STAGES, queries)
    rows = _rows(page, now)
    if stage in ("dispatch", "returned"):
        router = services.Router(_office(request.user))
        for row in rows:
            row["rule"] = router.rule_for(row["ticket"]) if router.rules else None
    return render(
        request,
        "tickets/inbox.html",
        {
            "stages": stages,
            "stage": stage,
            "page": page,
            "rows": rows,
            # the stages whose requests the office moves many at once
            "batch": {"dispatch": "dispatch", "returned": "dispatch", "review": "approve"}.get(
                stage
            ),
            # every card of 待分单 and 已退单 offers the same units: written once
            "unit_options": format_html_join(
                "",
                '<option value="{}">{}</option>',
                office_units(_office(request.user))
                .order_by("kind", "order", "name")
                .values_list("pk", "name"),
            ),
            "pending_extensions": ExtensionRequest.objects.filter(
                ticket__in=Ticket.objects.visible_to(request.user),
                decision=ExtensionRequest.Decision.PENDING,
            ).count(),
        },
    )


# ----- every request one may see, filtered; its export -----


@login_required
def all_tickets(request):
    office = _office(request.user)
    form = TicketFilter(request.GET or None, office=office)
    tickets = form.apply(Ticket.objects.visible_to(request.user)).select_related(
        "category", "unit", "community"
    )
    if request.GET.get("format") == "xlsx":
        return download(
            list_workbook(tickets.order_by("-received_at", "-pk").iterator(2000)), "民生诉求.xlsx"
        )
    now = timezone.now()
    page = Paginator(tickets.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/list.html",
        {"form": form, "page": page, "rows": _rows(page, now), "query": query.urlencode()},
    )


# ----- the unit's lists -----


@unit_required
def unit_list(request):
    now = timezone.now()
    queries = worklists.unit_lists(request.user)
    stage = request.GET.get("stage", "claim")
    if stage not in queries:
        stage = "claim"
    if stage == "done":
        tickets = queries[stage].select_related("category", "community", "unit")
        page = worklists.Pages(tickets.order_by("-closed_at", "-pk"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    else:
        page = _stage_page(request, worklists.UNIT_STAGES, queries, stage)
    settings_ = TicketSettings.load()
    return render(
        request,
        "tickets/unit_list.html",
        {
            "stages": worklists.counts(worklists.UNIT_STAGES, queries),
            "stage": stage,
            "page": page,
            "rows": _rows(page, now),
            "return_limit": settings_.return_limit_workdays,
        },
    )


# ----- one request -----


@login_required
def detail(request, pk):
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "category", "unit", "community", "office", "created_by", "session"
        ),
        pk=pk,
    )
    name, phone, unmasked = masking.contact(request.user, ticket)
    timeline = list(ticket.transitions.select_related("actor", "unit"))
    follow_ups = list(ticket.follow_ups.select_related("by"))
    evidence = list(ticket.evidence.all())
    actions = services.allowed_actions(request.user, ticket)
    office_staff = services.is_office_staff(request.user, ticket.office_id)
    unit_staff = services.is_unit_staff(request.user, ticket.unit_id)
    extensions = list(ticket.extensions.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if e.decision == ExtensionRequest.Decision.PENDING), None)
    visible = Ticket.objects.visible_to(request.user)
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "name": name,
            "phone": phone,
            "unmasked": unmasked,
            "timeline": timeline,
            "follow_ups": follow_ups,
            "evidence": evidence,
            "actions": [a.value for a in actions],
            "overdue": ticket.is_overdue(timezone.now()),
            "units": office_units(ticket.office).order_by("kind", "order", "name")
            if Action.DISPATCH in actions
            else [],
            "satisfactions": flow.SATISFACTION_LABELS.items(),
            "office_staff": office_staff,
            "rule": services.proposed_rule(ticket) if Action.DISPATCH in actions else None,
            "extensions": extensions,
            "pending_extension": pending,
            "may_extend": unit_staff
            and pending is None
            and ticket.deadline is not None
            and flow.State(ticket.state) in flow.EXTENDABLE,
            "extension_form": ExtensionForm(),
            "duplicates": services.duplicates_of(ticket, visible) if office_staff else [],
            "merged": list(ticket.merged.all()) if office_staff or unit_staff else [],
            "ticket_open": flow.State(ticket.state) in flow.OPEN,
            # what other apps show on the page (supervision's notices): tickets/extensions.py
            "sections": [
                html
                for extension in ticket_extensions.extensions()
                for html in extension.ticket_sections(request, ticket)
            ],
            "open_states": [s.value for s in flow.OPEN],
        },
    )


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


@require_POST
@login_required
def act(request, pk, action):
    """Every step of the loop from a page: one POST, `services.apply`, back to where it came."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
    try:
        action = Action(action)
    except ValueError:
        raise PermissionDenied("未知的操作")
    post = request.POST
    unit = None
    if action == Action.DISPATCH:
        unit_id = id_param(post.get("unit"))
        unit = office_units(ticket.office).filter(pk=unit_id).first() if unit_id else None
    satisfaction = post.get("satisfaction") or None
    if satisfaction and satisfaction not in {s.value for s in flow.Satisfaction}:
        satisfaction = None
    uploaded = request.FILES.get("evidence") if action == Action.CLOSE else None
    try:
        if uploaded is not None:
            services.check_evidence(uploaded)  # before the step: a bad file stops it
        services.apply(
            request.user,
            ticket,
            action,
            unit=unit,
            reason=post.get("reason", ""),
            contacted=_yes_no(post.get("contacted")),
            resolved=_yes_no(post.get("resolved")),
            satisfaction=satisfaction,
        )
        if uploaded is not None:
            services.add_evidence(request.user, ticket, uploaded)
    except FlowError as error:
        messages.error(request, f"{ticket.code}：{error}")
    else:
        label = flow.ACTION_LABELS[action]
        done = f"{ticket.code} 已{label}"
        if action == Action.DISPATCH:
            done += f"给{unit.name}" + ("，待审单" if ticket.state == State.REVIEWING else "")
        messages.success(request, done)
    return _back(request, ticket)


#: at most this many requests in one batch (two pages of a stage)
BATCH_LIMIT = 2 * PAGE_SIZE


@require_POST
@supervisor_required
def batch(request):
    """分单 or 审单通过 of the requests ticked on the inbox, in one POST."""
    post = request.POST
    back = back_to(request, post.get("next"), "tickets:inbox")
    try:
        action = Action(post.get("action", ""))
    except ValueError:
        action = None
    if action not in services.BATCH_ACTIONS:
        messages.error(request, "请选择批量操作：分单或审单通过")
        return back
    sent = post.getlist("ticket")
    ids = id_params(sent)
    if not sent:
        messages.error(request, "请先勾选要批量处理的诉求")
        return back
    if len(ids) != len(sent):
        messages.error(request, "勾选的诉求编号有误，请刷新页面后重新勾选")
        return back
    if len(set(ids)) > BATCH_LIMIT:
        messages.error(request, f"一次最多批量处理 {BATCH_LIMIT} 件诉求，请分批勾选")
        return back
    tickets = list(
        Ticket.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("office", "category")
        .order_by("received_at", "pk")
    )
    if len(tickets) != len(set(ids)):
        messages.error(request, "勾选的诉求中有不存在或您无权处理的，请刷新页面后重新勾选")
        return back
    unit = None
    if action == Action.DISPATCH:
        unit_id = id_param(post.get("unit"))
        if unit_id is None:
            messages.error(request, "请选择承办单位")
            return back
        unit = office_units(_office(request.user)).filter(pk=unit_id).first()
        if unit is None:
            messages.error(request, "所选承办单位不是本街道在用的单位，请重新选择")
            return back
    done, failed = services.apply_many(request.user, tickets, action, unit=unit)
    label = flow.ACTION_LABELS[action]
    if done:
        said = f"已{label} {len(done)} 件"
        if unit is not None:
            said += f"给{unit.name}"
            waiting = sum(1 for t in done if t.state == State.REVIEWING)
            if waiting:
                said += f"，其中 {waiting} 件待审单"
        messages.success(request, f"{said}：{'、'.join(t.code for t in done)}")
    if failed:
        reasons = "；".join(f"{t.code}：{why}" for t, why in failed)
        messages.error(request, f"{len(failed)} 件未能{label}（{reasons}）")
    return back


@login_required
def evidence(request, pk):
    """Stream one evidence file, only to someone who may see its request."""
    item = get_object_or_404(
        TicketEvidence.objects.filter(ticket__in=Ticket.objects.visible_to(request.user)), pk=pk
    )
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("文件不存在") from error
    return FileResponse(handle, as_attachment=True, filename=item.name)


# ----- statistics -----


def _whole_scope(user):
    """The office ids (None: all) when `visible_to(user)` is exactly whole offices — a
    superuser, or 督查管理员/领导/只读 without a unit role adding other requests —
    else False."""
    if user.is_superuser:
        return None
    held = R.roles_of(user)
    profile = R.profile_of(user)
    if profile is None or not profile.office_id or not held & R.SEES_WHOLE_OFFICE:
        return False
    if held & R.SEES_OWN_UNIT:
        return False
    return profile.office.scope_ids()


@login_required
def stats(request):
    form = StatsFilter(request.GET or None)
    start, end = form.range()
    weight = TicketSettings.load().basic_weight
    offices = _whole_scope(request.user)
    if offices is not False:
        # the viewer sees its whole office scope: from the summary table (tickets.summary)
        figures = metrics.summarized(offices, start, end, weight)
    else:
        tickets = metrics.between(Ticket.objects.visible_to(request.user), start, end)
        figures = metrics.compute(tickets, weight)
    chart = {
        "months": [row["month"] for row in figures["by_month"]],
        "received": [row["received"] for row in figures["by_month"]],
        "closed": [row["closed"] for row in figures["by_month"]],
        "units": [row["name"] for row in figures["by_unit"][:15]],
        "unit_received": [row["received"] for row in figures["by_unit"][:15]],
        "unit_satisfaction": [row["satisfaction_rate"] for row in figures["by_unit"][:15]],
    }
    return render(
        request,
        "tickets/stats.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "figures": figures,
            "counts": [(k, metrics.LABELS[k], figures[k]) for k in metrics.COUNT_KEYS],
            "rates": [
                (k, metrics.LABELS[k].removesuffix("(%)"), pct(figures[k], places=2))
                for k in metrics.RATE_KEYS
            ],
            "breakdowns": [
                (key, label, figures[key]) for key, label in metrics.BREAKDOWN_LABELS.items()
            ],
            "chart": chart,
        },
    )


# ----- import through the one upload → preview → confirm flow -----


class TicketImportFlow(ImportFlow):
    namespace = "tickets"
    session_key = "tickets_import"
    form_class = ImportUploadForm
    title = "导入工单"
    write_step = "写入工单"
    file_noun = "工单文件"
    denied_message = "只有督查管理员可以导入工单"
    intro = (
        "上传 12345 平台导出的工单，先预览：系统逐行检查并列出将新增、更新的工单，确认后才写入。"
        "同一来源的同一工单编号只保留一条，重复导入不会重复计数。"
        "列：工单编号、来源、受理时间、诉求类别、诉求内容、社区、诉求人、联系电话、承办单位、状态、"
        "办结时间、是否联系、是否解决、满意度。"
    )

    @property
    def crumbs(self):
        return [("民生诉求", reverse("tickets:inbox"))]

    def allowed(self, user):
        return R.is_supervisor(user)

    def choices(self, form):
        return {"create_missing": form.cleaned_data["create_missing"]}

    def importer(self, request, pending):
        return TicketImport(
            _office(request.user), user=request.user, create_missing=pending["create_missing"]
        )

    def facts(self, pending):
        return [("自动创建缺失的类别和单位", "是" if pending["create_missing"] else "否")]

    def initial(self, pending):
        return {"create_missing": pending["create_missing"]}

    def done_url(self, pending):
        return reverse("tickets:stats")


import_flow = TicketImportFlow()


# ----- 分单规则 -----


@supervisor_required
def routing_rules(request):
    """分单规则 of the office: the list and a form to add one."""
    office = _office(request.user)
    form = RoutingRuleForm(request.POST or None, office=office)
    if request.method == "POST" and form.is_valid():
        form.instance.office = office
        form.instance.updated_by = request.user
        rule = form.save()
        messages.success(request, f"已添加分单规则：{rule}")
        return redirect("tickets:routing")
    rules = RoutingRule.objects.filter(office=office).select_related(
        "category__parent", "community", "unit"
    )
    return render(request, "tickets/routing.html", {"form": form, "rules": rules})


@supervisor_required
def routing_rule(request, pk):
    """Edit (or delete) one rule of the office."""
    office = _office(request.user)
    rule = get_object_or_404(RoutingRule.objects.filter(office=office), pk=pk)
    if request.method == "POST" and "delete" in request.POST:
        text = str(rule)
        rule.delete()
        messages.success(request, f"已删除分单规则：{text}")
        return redirect("tickets:routing")
    form = RoutingRuleForm(request.POST or None, instance=rule, office=office)
    if request.method == "POST" and form.is_valid():
        form.instance.updated_by = request.user
        form.save()
        messages.success(request, f"已保存分单规则：{rule}")
        return redirect("tickets:routing")
    return render(request, "tickets/routing_edit.html", {"form": form, "rule": rule})


def _back(request, ticket):
    return back_to(request, request.POST.get("next"), "tickets:detail", ticket.pk)


@require_POST
@login_required
def route(request, pk):
    """Accept the unit a routing rule proposes, in one click."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
    try:
        services.accept_proposal(request.user, ticket)
    except FlowError as error:
        messages.error(request, f"{ticket.code}：{error}")
    else:
        messages.success(request, f"{ticket.code} 已按分单规则分单给{ticket.unit.name}")
    return _back(request, ticket)


# ----- 延期 -----


@require_POST
@login_required
def extension(request, pk):
    """申请延期, by the unit that holds the request."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{ticket.code}：{error}")
        return _back(request, ticket)
    try:
        services.request_extension(
            request.user, ticket, form.cleaned_data["workdays"], form.cleaned_data["reason"]
        )
    except FlowError as error:
        messages.error(request, f"{ticket.code}：{error}")
    else:
        messages.success(request, f"{ticket.code} 已申请延期，等待街道审批")
    return _back(request, ticket)


@require_POST
@login_required
def extension_decide(request, pk, decision):
    """The office approves or rejects a pending extension."""
    item = get_object_or_404(
        ExtensionRequest.objects.filter(
            ticket__in=Ticket.objects.visible_to(request.user)
        ).select_related("ticket"),
        pk=pk,
    )
    if decision not in ("approve", "reject"):
        raise Http404("未知的操作")
    approve = decision == "approve"
    try:
        services.decide_extension(request.user, item, approve, request.POST.get("reason", ""))
    except FlowError as error:
        messages.error(request, f"{item.ticket.code}：{error}")
    else:
        messages.success(request, f"{item.ticket.code} 的延期申请已{'批准' if approve else '驳回'}")
    return _back(request, item.ticket)


@supervisor_required
def extensions(request):
    """延期申请 waiting for the office."""
    items = (
        ExtensionRequest.objects.filter(
            ticket__in=Ticket.objects.visible_to(request.user),
            decision=ExtensionRequest.Decision.PENDING,
        )
        .select_related("ticket__unit", "requested_by")
        .order_by("requested_at", "pk")
    )
    return render(request, "tickets/extensions.html", {"items": items})


# ----- 同人同事 -----


@supervisor_required
def duplicate_list(request):
    """Proposed 同人同事 pairs of the office, newest first: merge or dismiss; and the
    two settings that decide what is proposed."""
    form = DuplicateSettingsForm(request.POST or None, instance=TicketSettings.load())
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "同人同事的提示条件已保存")
            return redirect("tickets:duplicates")
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    pairs = services.duplicate_pairs(Ticket.objects.visible_to(request.user))
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for older, newer, why in page:
        # the newer one is merged into the older, unless only the older is still open
        if flow.State(newer.state) in flow.OPEN:
            duplicate, main = newer, older
        else:
            duplicate, main = older, newer
        rows.append({"older": older, "newer": newer, "why": why, "dup": duplicate, "main": main})
    return render(request, "tickets/duplicates.html", {"page": page, "rows": rows, "form": form})


@require_POST
@login_required
def merge(request, pk, main_pk):
    visible = Ticket.objects.visible_to(request.user)
    ticket = get_object_or_404(visible, pk=pk)
    main = get_object_or_404(visible, pk=main_pk)
    try:
        services.merge(request.user, ticket, main)
    except FlowError as error:
        messages.error(request, f"{ticket.code}：{error}")
    else:
        messages.success(request, f"{ticket.code} 已并入诉求 {main.code}")
    return _back(request, ticket)


@require_POST
@login_required
def dismiss(request, pk, other_pk):
    visible = Ticket.objects.visible_to(request.user)
    ticket = get_object_or_404(visible, pk=pk)
    other = get_object_or_404(visible, pk=other_pk)
    try:
        services.dismiss_duplicate(request.user, ticket, other)
    except FlowError as error:
        messages.error(request, f"{ticket.code}：{error}")
    else:
        messages.success(request, f"已记下：{ticket.code} 与 {other.code} 不是同一件事，不再提示")
    return _back(request, ticket)
