"""督查督办 pages: the office's notices board, the unit's inbox, one notice with its
steps, and the accountability register. Thin: every rule is in `services`, `ladder`
and `accountability`; every list starts from `visible_to(user)`."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core import locking
from duban.core.dates import DateParseError, parse_date
from duban.core.http import download, id_param
from duban.core.periods import Period, PeriodError, parse_year
from duban.core.workdays import Calendar
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.models import Unit
from duban.org.scope import offices_in_scope
from duban.supervision import inspections as checks
from duban.supervision import ladder, ranking_xlsx, scoring, services
from duban.supervision import ranking as ranking_data
from duban.supervision.models import (
    AccountabilityLevel,
    AccountabilityRecord,
    Inspection,
    InspectionPhoto,
    Level,
    Notice,
    NoticeEvidence,
    Rectification,
    Topic,
)
from duban.supervision.notice_docx import render as render_notice
from duban.supervision.services import SupervisionError
from duban.tickets import masking
from duban.tickets.models import Ticket

State = Notice.State
OPEN = Notice.OPEN_STATES


def _today():
    return timezone.localdate()


def _ordered(notices, today):
    """Replies overdue first, then proposals waiting for the office, then by reply date."""
    return notices.annotate(
        urgency=Case(
            When(state__in=(State.ISSUED, State.SIGNED), reply_by__lt=today, then=Value(0)),
            When(state=State.PROPOSED, then=Value(1)),
            When(state=State.REPLIED, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("urgency", "reply_by", "-created_at", "-pk")


def _decorate(notices, today):
    for notice in notices:
        notice.reply_late = ladder.reply_overdue(notice.state, notice.reply_by, today)
    return notices


@login_required
def board(request):
    """督办单看板 for the office: by colour and state, replies overdue first."""
    if not R.sees_whole_office(request.user):
        return redirect("supervision:inbox")
    today = _today()
    notices = Notice.objects.visible_to(request.user).select_related("task", "ticket", "unit")
    level = request.GET.get("level", "")
    state = request.GET.get("state", "open")
    if level in Level.values:
        notices = notices.filter(level=level)
    if state == "open":
        notices = notices.filter(state__in=OPEN)
    elif state in State.values:
        notices = notices.filter(state=state)
    rows = _decorate(list(_ordered(notices, today)), today)
    counts = {
        (row["level"], row["state"]): row["n"]
        for row in Notice.objects.visible_to(request.user)
        .values("level", "state")
        .order_by()
        .annotate(n=Count("id"))
    }
    summary = [
        (
            value,
            f"{label}在办",
            sum(n for (lv, st), n in counts.items() if lv == value and st in Notice.ACTIVE_STATES),
        )
        for value, label in Level.choices
    ]
    summary.append(
        ("", "待确认建议", sum(n for (_lv, st), n in counts.items() if st == State.PROPOSED))
    )
    return render(
        request,
        "supervision/board.html",
        {
            "rows": rows,
            "level": level,
            "state": state,
            "levels": Level.choices,
            "states": [("open", "在办（含待确认）"), ("all", "全部"), *State.choices],
            "summary": summary,
            "late_count": sum(1 for r in rows if r.reply_late),
            "can_manage": services.may_manage(request.user),
            "overdue_tickets": _overdue_tickets(request.user, today),
            "period": Period.containing(today).previous().key,
            "today": today,
        },
    )


@login_required
@require_POST
def propose(request):
    """生成本期督办建议 (the same as `duban supervise propose`)."""
    if not services.may_manage(request.user):
        raise PermissionDenied
    try:
        period = Period.parse(request.POST.get("period", ""))
        if not period.is_month:
            raise PeriodError("请选择月份，如 2022-07")
    except PeriodError as error:
        messages.error(request, str(error))
        return redirect("supervision:board")
    total = 0
    for office in offices_in_scope(request.user):
        _found, created = services.propose(office, period, _today(), user=request.user)
        total += len(created)
    if total:
        messages.success(
            request, f"已按{period.label}研判结果生成 {total} 条督办建议，请逐条确认、修改或撤销"
        )
    else:
        messages.warning(request, f"{period.label}没有新的督办建议（未研判的月份不生成建议）")
    return redirect(f"{reverse('supervision:board')}?state={State.PROPOSED}")


@login_required
def inbox(request):
    """The unit's notices: to sign, to reply, and those settled."""
    profile = R.profile_of(request.user)
    if profile is None or profile.unit_id is None:
        return redirect("supervision:board")
    today = _today()
    notices = (
        Notice.objects.visible_to(request.user)
        .filter(unit_id=profile.unit_id)
        .exclude(state__in=Notice.UNSENT_STATES)
        .select_related("task", "ticket", "unit")
    )
    rows = _decorate(list(_ordered(notices, today)), today)
    items = (
        Rectification.objects.visible_to(request.user)
        .filter(unit_id=profile.unit_id)
        .exclude(state=Rectification.State.CLOSED)
        .select_related("inspection")
    )
    return render(
        request,
        "supervision/inbox.html",
        {
            "unit": profile.unit,
            "items": items,
            "today": today,
            "open_rows": [r for r in rows if r.state in Notice.ACTIVE_STATES],
            "done_rows": [r for r in rows if r.state not in Notice.ACTIVE_STATES],
        },
    )


def _notice_or_404(request, pk):
    return get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("task", "ticket", "unit", "office"),
        pk=pk,
    )


@login_required
def notice_detail(request, pk):
    return _notice_page(request, _notice_or_404(request, pk))


def _notice_page(request, notice, *, typed=None, conflict=None):
    """The notice's page; after a refused edit or reply (someone changed the notice since
    the page was loaded), with what was typed kept and the other person's values beside it."""
    today = _today()
    manage = services.may_manage(request.user, notice)
    answer = services.may_answer(request.user, notice)
    return render(
        request,
        "supervision/notice.html",
        {
            "notice": notice,
            "ticket_contact": " ".join(x for x in masking.masked(notice.ticket) if x)
            if notice.ticket_id
            else "",
            "events": notice.events.select_related("actor"),
            "evidence": notice.evidence.all(),
            "can_manage": manage,
            "can_answer": answer,
            "reply_late": ladder.reply_overdue(notice.state, notice.reply_by, today),
            "can_escalate": manage
            and notice.level != ladder.RED
            and ladder.unanswered(services.notice_in(notice), today),
            "levels": Level.choices,
            "next_level": ladder.next_level(notice.level),
            "today": today,
            "reasons": (notice.facts or {}).get("reasons", []),
            "lock": locking.token(notice, "version"),
            "typed": typed or {},
            "conflict": conflict,
        },
    )


def _date(request, name, label):
    try:
        value = parse_date(request.POST.get(name, ""))
    except DateParseError as error:
        raise SupervisionError(f"{label}：{error}")
    return value


@login_required
@require_POST
def notice_act(request, pk):
    """One step on a notice; a refused step is a message and changes nothing."""
    notice = _notice_or_404(request, pk)
    action = request.POST.get("action", "")
    user, today, post = request.user, _today(), request.POST
    done = {
        "confirm": "督办单已下发，已通知责任单位",
        "edit": "已保存修改",
        "dismiss": "已撤销该督办建议",
        "sign": "已签收",
        "reply": "已提交答复",
        "return": "已退回答复，请单位重新答复",
        "close": "已核实销号",
        "escalate": "已升级下发",
    }
    target = notice
    lock = post.get("lock")
    try:
        if action in ("edit", "reply") and lock is not None:
            if locking.token(notice, "version") != lock:
                raise services.NoticeConflict(notice)
        if action == "confirm":
            services.confirm(notice, user, today)
        elif action == "edit":
            workdays = post.get("reply_workdays", "").strip()
            if workdays and not workdays.isdigit():
                raise SupervisionError("答复期限应为工作日天数，如 5")
            services.edit(
                notice,
                user,
                level=post.get("level", ""),
                reason=post.get("reason", ""),
                urgent_reason=post.get("urgent_reason", ""),
                leader=post.get("leader", ""),
                reply_workdays=int(workdays) if workdays else None,
                lock=lock,
            )
        elif action == "dismiss":
            services.dismiss(notice, user, post.get("comment", ""))
        elif action == "sign":
            services.sign(notice, user)
        elif action == "reply":
            services.reply(
                notice,
                user,
                today,
                measures=post.get("measures", ""),
                promised_on=_date(request, "promised_on", "承诺完成日期"),
                files=request.FILES.getlist("evidence"),
                lock=lock,
            )
        elif action == "return":
            services.return_reply(notice, user, post.get("comment", ""))
        elif action == "close":
            services.close(notice, user, post.get("verification", ""))
        elif action == "escalate":
            target = services.escalate(
                notice,
                user,
                today,
                reason=post.get("reason", ""),
                level=post.get("level") or None,
                urgent_reason=post.get("urgent_reason", ""),
            )
        else:
            raise SupervisionError("未知的操作")
    except services.NoticeConflict as refused:
        if refused.current is None:
            raise Http404 from None
        return _notice_conflict(request, refused.current, action, post)
    except SupervisionError as error:
        messages.error(request, str(error))
        return redirect("supervision:notice", pk=notice.pk)
    messages.success(request, done[action])
    return redirect("supervision:notice", pk=target.pk)


#: what the edit and reply forms post, as the conflict table labels them
_TYPED = {
    "edit": [
        ("level", "类型"),
        ("reason", "督办事由"),
        ("urgent_reason", "越级理由"),
        ("leader", "签发领导"),
        ("reply_workdays", "答复期限（工作日）"),
    ],
    "reply": [("measures", "整改措施"), ("promised_on", "承诺完成日期")],
}


def _notice_conflict(request, current, action, post):
    current = _notice_or_404(request, current.pk)
    typed = {name: post.get(name, "") for name, _ in _TYPED[action]}
    rows = []
    for name, label in _TYPED[action]:
        saved = getattr(current, name)
        saved_text = "" if saved is None else str(saved)
        typed_text = typed[name].strip()
        if name == "level":
            saved_text = current.get_level_display()
            typed_text = dict(Level.choices).get(typed_text, typed_text)
        if saved_text.strip() != typed_text:
            rows.append((label, locking.show(saved_text), locking.show(typed_text)))
    what = "该督办单" if action == "edit" else "该督办单（对方已答复）"
    conflict = {
        "message": locking.MESSAGE.format(who=locking.who_changed(current), what=what),
        "rows": rows,
    }
    return _notice_page(request, current, typed=typed, conflict=conflict)


@login_required
def notice_new(request):
    """新建督办单 for one task (?task=pk)."""
    if not services.may_manage(request.user):
        raise PermissionDenied
    task = get_object_or_404(
        KeyTask.objects.editable_by(request.user).select_related("lead_unit"),
        pk=id_param(request.GET.get("task") or request.POST.get("task")) or 0,
    )
    values = {"level": Level.BLUE, "reason": "", "urgent_reason": "", "leader": task.leader}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            notice = services.create(task, request.user, _today(), **values)
        except SupervisionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "督办单已下发，已通知责任单位")
            return redirect("supervision:notice", pk=notice.pk)
    judgement = services.latest_judgement(task)
    return render(
        request,
        "supervision/notice_new.html",
        {
            "task": task,
            "values": values,
            "levels": Level.choices,
            "facts": services.facts_of(task, judgement, judgement.period if judgement else ""),
            "notices": Notice.objects.filter(task=task).order_by("-created_at"),
        },
    )


def _overdue_tickets(user, today, limit=50):
    """诉求督办: the overdue requests in the office's scope, each with its notice out."""
    if not services.may_manage(user):
        return []
    calendar = None
    rows = []
    for office in offices_in_scope(user):
        for ticket in services.overdue_tickets(office, today)[:limit]:
            calendar = calendar or Calendar.load()
            ticket.item = services.ticket_in(ticket, today, calendar, ticket.notices.all())
            ticket.open_notice = next((n for n in ticket.notices.all() if n.state in OPEN), None)
            rows.append(ticket)
    return rows


@login_required
def ticket_notice_new(request, pk):
    """发督办单 for one overdue resident request (诉求督办)."""
    if not services.may_manage(request.user):
        raise PermissionDenied
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("unit", "office"), pk=pk
    )
    today = _today()
    facts = services.ticket_facts(ticket, today)
    values = {
        "level": Level.BLUE,
        "reason": f"诉求已超过办理时限{facts['overdue_days']}个工作日，请抓紧办理"
        if facts["overdue"]
        else "",
        "urgent_reason": "",
        "leader": "",
    }
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            notice = services.create_for_ticket(ticket, request.user, today, **values)
        except SupervisionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "督办单已下发，已通知承办单位")
            return redirect("supervision:notice", pk=notice.pk)
    name, phone = masking.masked(ticket)
    return render(
        request,
        "supervision/ticket_notice_new.html",
        {
            "ticket": ticket,
            "contact": " ".join(x for x in (name, phone) if x),
            "values": values,
            "levels": Level.choices,
            "facts": facts,
            "notices": Notice.objects.filter(ticket=ticket).order_by("-created_at"),
        },
    )


@login_required
def notice_docx(request, pk):
    """The one-page Word 督办单."""
    notice = _notice_or_404(request, pk)
    return download(
        render_notice(notice), f"{notice.get_level_display()}-{notice.subject_code}.docx"
    )


@login_required
def evidence(request, pk):
    item = get_object_or_404(
        NoticeEvidence.objects.filter(notice__in=Notice.objects.visible_to(request.user)), pk=pk
    )
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("文件不存在") from error
    return FileResponse(handle, as_attachment=True, filename=item.name)


@login_required
def accountability(request):
    """效能问责登记: rule proposals to decide, decisions, and new entries."""
    if not R.sees_whole_office(request.user):
        raise PermissionDenied
    manage = R.is_supervisor(request.user)
    today = _today()
    records = AccountabilityRecord.objects.visible_to(request.user).select_related(
        "unit", "level", "proposed_level", "decided_by"
    )
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        action = request.POST.get("action", "")
        try:
            if action == "propose":
                total = 0
                for office in offices_in_scope(request.user):
                    _found, created = services.propose_accountability(office, today)
                    total += len(created)
                messages.success(
                    request, f"生成 {total} 条问责建议" if total else "没有新的问责建议"
                )
            elif action in ("decide", "dismiss"):
                record = get_object_or_404(records, pk=id_param(request.POST.get("record")) or 0)
                if action == "decide":
                    services.decide(
                        record,
                        request.user,
                        level=_level(request.POST.get("level")),
                        basis=request.POST.get("basis", ""),
                        reason=request.POST.get("reason", ""),
                        decided_on=_date(request, "decided_on", "决定日期"),
                        today=today,
                    )
                    messages.success(request, "已登记问责决定")
                else:
                    services.dismiss_accountability(
                        record, request.user, request.POST.get("comment", "")
                    )
                    messages.success(request, "已记为不予问责")
            elif action == "new":
                unit = Unit.objects.filter(
                    office__in=offices_in_scope(request.user),
                    pk=id_param(request.POST.get("unit")) or 0,
                ).first()
                if unit is None:
                    raise SupervisionError("请选择单位")
                services.record_decision(
                    unit.office,
                    unit,
                    request.user,
                    level=_level(request.POST.get("level")),
                    basis=request.POST.get("basis", ""),
                    reason=request.POST.get("reason", ""),
                    decided_on=_date(request, "decided_on", "决定日期"),
                    today=today,
                )
                messages.success(request, "已登记问责决定")
            else:
                raise SupervisionError("未知的操作")
        except SupervisionError as error:
            messages.error(request, str(error))
        return redirect("supervision:accountability")
    return render(
        request,
        "supervision/accountability.html",
        {
            "proposed": [r for r in records if r.state == r.State.PROPOSED],
            "decided": [r for r in records if r.state != r.State.PROPOSED],
            "levels": AccountabilityLevel.objects.filter(active=True),
            "units": Unit.objects.filter(office__in=offices_in_scope(request.user), active=True),
            "can_manage": manage,
            "today": today,
        },
    )


def _level(value):
    """The chosen level, or None (the decision check then names the missing field)."""
    pk = id_param(value)
    if pk is None:
        return None
    return AccountabilityLevel.objects.filter(pk=pk, active=True).first()


@login_required
def ranking(request):
    """考核排名 of a year, with each unit's breakdown down to its records."""
    if not R.sees_whole_office(request.user):
        raise PermissionDenied
    today = _today()
    try:
        year = parse_year(request.GET.get("year") or today.year)
    except PeriodError as error:
        messages.error(request, str(error))
        year = today.year
    as_of = min(today, dt.date(year, 12, 31))
    month = None
    if request.GET.get("month"):
        try:
            month = Period.parse(request.GET["month"])
            if not month.is_month or month.year != year:
                raise PeriodError(f"月份应为 {year} 年的某月，如 {year}-07")
        except PeriodError as error:
            messages.error(request, str(error))
            month = None
    start = None
    if month is not None:
        start, as_of = month.start, min(month.end, max(today, month.start))
    offices = list(offices_in_scope(request.user))
    office = next((o for o in offices if str(o.pk) == request.GET.get("office")), None)
    office = office or (offices[0] if offices else None)
    context = {
        "year": year,
        "as_of": as_of,
        "month": month,
        "months": Period.parse(str(year)).months(),
        "offices": offices,
        "office": office,
    }
    if office is not None:
        try:
            scores, scheme, kept = ranking_data.ranking(office, year, as_of, start)
        except scoring.ScoringError as error:
            context["error"] = f"{year}年考核方案有误：{error}（请在“设置 › 考核方案”中修改）"
        else:
            if request.GET.get("format") == "xlsx":
                label = month.label if month else f"{year}年"
                return download(
                    ranking_xlsx.build(scores, year), f"{office.name}{label}考核排名.xlsx"
                )
            context.update(scores=scores, scheme=scheme, kept=kept)
    return render(request, "supervision/ranking.html", context)


@login_required
def topics(request):
    """专项督查: each topic's target figures and its tasks with their latest judgement."""
    if not R.sees_whole_office(request.user):
        raise PermissionDenied
    today = _today()
    try:
        year = parse_year(request.GET.get("year") or today.year)
    except PeriodError as error:
        messages.error(request, str(error))
        year = today.year
    visible = KeyTask.objects.visible_to(request.user)
    rows = list(
        Topic.objects.filter(office__in=offices_in_scope(request.user), year=year).prefetch_related(
            Prefetch(
                "tasks",
                queryset=visible.select_related("lead_unit").order_by("code"),
                to_attr="visible_tasks",
            )
        )
    )
    latest = services.latest_judgements([t.pk for topic in rows for t in topic.visible_tasks])
    for topic in rows:
        for task in topic.visible_tasks:
            task.latest = latest.get(task.pk)
    return render(
        request,
        "supervision/topics.html",
        {"topics": rows, "year": year, "is_supervisor": R.is_supervisor(request.user)},
    )


@login_required
def inspections(request):
    """督查检查: the office's inspections; 督查管理员 records a new one."""
    if not R.sees_whole_office(request.user):
        raise PermissionDenied
    offices = list(offices_in_scope(request.user))
    values = {"on": "", "kind": "", "place": "", "inspectors": "", "findings": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        office = next((o for o in offices if str(o.pk) == request.POST.get("office")), None)
        try:
            inspection = checks.record(
                request.user,
                office or (offices[0] if offices else None),
                on=_date(request, "on", "检查日期"),
                kind=values["kind"],
                place=values["place"],
                inspectors=values["inspectors"],
                findings=values["findings"],
                photos=request.FILES.getlist("photos"),
            )
        except SupervisionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "已登记督查检查")
            return redirect("supervision:inspection", pk=inspection.pk)
    rows = checks.visible_inspections(request.user).prefetch_related("rectifications")
    return render(
        request,
        "supervision/inspections.html",
        {
            "rows": rows,
            "values": values,
            "kinds": Inspection.Kind.choices,
            "offices": offices,
            "can_manage": R.is_supervisor(request.user),
        },
    )


@login_required
def inspection_detail(request, pk):
    """One inspection: findings, photos, rectification items and their steps."""
    inspection = get_object_or_404(checks.visible_inspections(request.user), pk=pk)
    manage = R.is_supervisor(request.user)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        try:
            unit = Unit.objects.filter(
                office__in=offices_in_scope(request.user),
                pk=id_param(request.POST.get("unit")) or 0,
            ).first()
            checks.open_item(
                inspection,
                request.user,
                unit=unit,
                description=request.POST.get("description", ""),
                deadline=_date(request, "deadline", "整改时限"),
            )
        except SupervisionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "已交办整改事项")
        return redirect("supervision:inspection", pk=inspection.pk)
    return render(
        request,
        "supervision/inspection.html",
        {
            "inspection": inspection,
            "photos": inspection.photos.all(),
            "items": inspection.rectifications.select_related("unit"),
            "units": Unit.objects.filter(office__in=offices_in_scope(request.user), active=True),
            "can_manage": manage,
            "today": _today(),
        },
    )


@login_required
@require_POST
def rectification_act(request, pk):
    item = get_object_or_404(
        Rectification.objects.visible_to(request.user).select_related("inspection"), pk=pk
    )
    action = request.POST.get("action", "")
    try:
        if action == "reply":
            checks.reply(item, request.user, request.POST.get("measures", ""))
        elif action == "close":
            checks.close(item, request.user, request.POST.get("verification", ""))
        elif action == "return":
            checks.send_back(item, request.user, request.POST.get("verification", ""))
        else:
            raise SupervisionError("未知的操作")
    except SupervisionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            {"reply": "已答复整改情况", "close": "已核实销号", "return": "已退回重新整改"}[action],
        )
    if R.sees_whole_office(request.user):
        return redirect("supervision:inspection", pk=item.inspection_id)
    return redirect("supervision:inbox")


@login_required
def inspection_photo(request, pk):
    photo = get_object_or_404(
        InspectionPhoto.objects.filter(inspection__in=checks.visible_inspections(request.user)),
        pk=pk,
    )
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("文件不存在") from error
    return FileResponse(handle, filename=photo.name)
