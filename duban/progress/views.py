"""Pages of monthly reporting: the unit's batch sheet (批量填报 + 协同反馈), the review
queues (党政办审核, 单位负责人审核), one report's versions, and evidence download.

The rules live in `duban.progress.workflow`; who sees what in
`KeyTask.objects.visible_to` / `Submission.objects.visible_to` (another unit's report
answers 404)."""

from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from duban.core import numfmt
from duban.core.importflow import ImportFlow
from duban.core.periods import MAX_YEAR, MIN_YEAR, Period, PeriodError, parse_year
from duban.core.workdays import CalendarGapError
from duban.ledger.forms import default_office
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.models import Office
from duban.org.scope import offices_in_scope
from duban.progress import judging, month, workflow
from duban.progress.forms import (
    CorrectionForm,
    ProgressImportForm,
    SubmissionForm,
    reason_choices,
)
from duban.progress.importer import ProgressImport, build_template
from duban.progress.models import (
    Evidence,
    Judgement,
    PartnerFeedback,
    Review,
    Status,
    Submission,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

State = Submission.State
RETURN_ACTIONS = (Review.Action.RETURN, Review.Action.HEAD_RETURN)
TASK_ORDER = [F("category__order").asc(nulls_last=True), "code", "pk"]


def _period(request):
    """The month asked for (?period=2022-07), or the current month."""
    text = request.GET.get("period", "").strip()
    if text:
        try:
            period = Period.parse(text)
            if period.is_month:
                return period
            messages.warning(request, "填报按月进行，请选择具体月份")
        except PeriodError as error:
            messages.warning(request, str(error))
    return Period.containing(timezone.localdate())


def _batch_url(period, saved=False):
    url = f"{reverse('progress:batch')}?period={period.key}"
    return url + "&saved=1" if saved else url


def _reporting_unit(user):
    profile = R.profile_of(user)
    if (
        profile is None
        or profile.unit_id is None
        or not (R.roles_of(user) & {R.REPORTER, R.UNIT_HEAD})
    ):
        raise PermissionDenied("只有单位填报员或单位负责人可以填报")
    return profile.unit


def _with_reviews(queryset):
    return queryset.prefetch_related(
        "evidence", Prefetch("reviews", queryset=Review.objects.select_related("actor"))
    )


def return_comment(submission):
    """The comment that sent a returned report back (reviews are prefetched)."""
    if submission is None or submission.state != State.RETURNED:
        return None
    returns = [r for r in submission.reviews.all() if r.action in RETURN_ACTIONS]
    return returns[-1] if returns else None


@dataclass
class Row:
    task: object
    submission: object
    form: SubmissionForm
    editable: bool
    returned_by: object = None
    errors: list = field(default_factory=list)

    @property
    def state(self):
        return self.submission.state if self.submission else State.DRAFT

    @property
    def state_label(self):
        return self.submission.get_state_display() if self.submission else "未填报"


def _rows(unit, period, data=None, files=None):
    tasks = (
        KeyTask.objects.filter(lead_unit=unit, year=period.year)
        .select_related("category")
        .order_by(*TASK_ORDER)
    )
    submissions = {
        s.task_id: s
        for s in _with_reviews(
            Submission.objects.filter(
                task__lead_unit=unit, task__year=period.year, period=period.key
            )
        )
    }
    reasons = reason_choices()
    rows = []
    for task in tasks:
        submission = submissions.get(task.pk)
        if submission is not None:
            submission.task = task
        editable = submission is None or submission.state in workflow.EDITABLE_STATES
        form = SubmissionForm(
            data if editable else None,
            files if editable else None,
            prefix=f"t{task.pk}",
            task=task,
            reasons=reasons,
            submission=submission,
        )
        if not editable:
            for bound_field in form:
                bound_field.field.disabled = True
        rows.append(Row(task, submission, form, editable, return_comment(submission)))
    return rows


def _partner_rows(unit, period):
    tasks = (
        KeyTask.objects.filter(partner_units=unit, year=period.year)
        .select_related("lead_unit", "category")
        .order_by(*TASK_ORDER)
    )
    notes = {
        f.task_id: f
        for f in PartnerFeedback.objects.filter(
            unit=unit, period=period.key, task__partner_units=unit, task__year=period.year
        )
    }
    return [(task, notes.get(task.pk)) for task in tasks]


def _has_content(form):
    return any(value not in ("", None) for value in form.cleaned_data.values())


@login_required
def batch(request):
    """批量填报: every task the unit leads for the month on one sheet, plus 协同反馈."""
    unit = _reporting_unit(request.user)
    period = _period(request)
    posting = request.method == "POST"
    rows = _rows(unit, period, request.POST if posting else None, request.FILES or None)
    partner_rows = _partner_rows(unit, period)

    if posting:
        action = request.POST.get("action", "save")
        editable = [row for row in rows if row.editable]
        if all(row.form.is_valid() for row in editable):
            try:
                saved = _save_batch(request, unit, period, editable, partner_rows, action)
            except workflow.WorkflowError as error:
                messages.error(request, str(error))
            else:
                if action != "submit":
                    messages.success(request, "已保存草稿")
                    return redirect(_batch_url(period, saved=True))
                if not saved:
                    messages.warning(request, "没有可提交的填报")
                    return redirect(_batch_url(period))
                try:
                    workflow.submit(saved, request.user)
                except workflow.SubmissionInvalid as invalid:
                    # The drafts are kept; show the sheet as saved, with each row's problems.
                    rows = _rows(unit, period)
                    for row in rows:
                        row.errors = invalid.errors.get(row.task.pk, [])
                    messages.error(
                        request,
                        f"有 {len(invalid.errors)} 项未通过检查，本批均未提交；已填写的内容已保存为草稿",
                    )
                except workflow.WorkflowError as error:
                    messages.error(request, str(error))
                else:
                    messages.success(request, f"已提交 {len(saved)} 项填报")
                    return redirect(_batch_url(period, saved=True))
        else:
            messages.error(request, "部分内容格式有误，请按提示修改；本次未保存")

    return render(
        request,
        "progress/batch.html",
        {
            "unit": unit,
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "rows": rows,
            "partner_rows": partner_rows,
            "any_editable": any(row.editable for row in rows),
            "storage_key": f"duban:batch:{request.user.pk}:{period.key}",
            "saved": request.GET.get("saved") == "1",
        },
    )


def _save_batch(request, unit, period, rows, partner_rows, action):
    """Save every row as a draft (and the partner notes); returns the saved reports."""
    user = request.user
    saved = []
    with transaction.atomic():
        for row in rows:
            form = row.form
            if action != "submit" and row.submission is None and not _has_content(form):
                continue
            submission = workflow.save_draft(row.task, period.key, unit, form.content(), user)
            if form.cleaned_data.get("evidence"):
                workflow.add_evidence(submission, form.cleaned_data["evidence"], user)
            saved.append(submission)
        for task, feedback in partner_rows:
            note = request.POST.get(f"fb-{task.pk}", "").strip()
            if note and (feedback is None or note != feedback.note):
                workflow.save_feedback(task, period.key, unit, note, user)
    return saved


# ----- 审核 -----


@login_required
def review(request):
    """党政办: reports waiting in its scope; 单位负责人: its unit's reports waiting for it."""
    user = request.user
    supervisor = R.is_supervisor(user)
    head_unit_id = workflow.head_review_unit_id(user)
    if not supervisor and head_unit_id is None:
        raise PermissionDenied("只有督查管理员或单位负责人可以审核填报")

    period_text = request.GET.get("period", "").strip()
    period = None
    if period_text:
        try:
            period = Period.parse(period_text)
        except PeriodError as error:
            messages.warning(request, str(error))

    base = _with_reviews(
        Submission.objects.select_related(
            "task", "task__lead_unit", "unit", "reason_category", "submitted_by"
        )
    ).order_by("period", "task__lead_unit__order", "task__code")
    if period is not None:
        base = base.filter(period__in=[m.key for m in period.months()])
    office_queue = (
        base.filter(state=State.SUBMITTED, task__in=KeyTask.objects.editable_by(user))
        if supervisor
        else base.none()
    )
    head_queue = (
        base.filter(state=State.PENDING_HEAD, unit_id=head_unit_id) if head_unit_id else base.none()
    )
    return render(
        request,
        "progress/review.html",
        {
            "period": period,
            "period_text": period_text,
            "supervisor": supervisor,
            "head": head_unit_id is not None,
            "office_queue": office_queue,
            "head_queue": head_queue,
        },
    )


ACTIONS = {
    "accept": lambda s, u, c: workflow.accept(s, u, c),
    "return": lambda s, u, c: workflow.return_(s, u, c),
    "head_approve": lambda s, u, c: workflow.head_approve(s, u, c),
    "head_return": lambda s, u, c: workflow.head_return(s, u, c),
}
DONE = {
    "accept": "已采纳",
    "return": "已退回",
    "head_approve": "已审核通过",
    "head_return": "已退回",
}


@require_POST
@login_required
def act(request, pk):
    """One review decision on one report (采纳 / 退回 / 通过)."""
    submission = get_object_or_404(
        Submission.objects.visible_to(request.user).select_related("task", "unit"), pk=pk
    )
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](submission, request.user, request.POST.get("comment", ""))
    except workflow.WorkflowError as error:
        messages.error(request, f"{submission.task.code}：{error}")
    else:
        messages.success(request, f"{submission.task.code} {submission.task.title}：{DONE[action]}")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("progress:review")
    return redirect(target)


# ----- one report -----


@login_required
def submission_detail(request, pk):
    submission = get_object_or_404(
        _with_reviews(
            Submission.objects.visible_to(request.user).select_related(
                "task", "task__lead_unit", "unit", "reason_category", "submitted_by"
            )
        ),
        pk=pk,
    )
    can_correct = submission.state == State.ACCEPTED and workflow.can_review(
        request.user, submission.task
    )
    form = None
    if can_correct:
        data = request.POST if request.method == "POST" else None
        form = CorrectionForm(
            data, task=submission.task, reasons=reason_choices(), submission=submission
        )
        if data is not None and form.is_valid():
            try:
                workflow.correct(
                    submission,
                    request.user,
                    form.content(),
                    form.cleaned_data["correction_reason"],
                )
            except workflow.WorkflowError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "已更正，原内容保留在历史版本中")
                return redirect("progress:submission", pk=submission.pk)
    elif request.method == "POST":
        raise PermissionDenied("只有督查管理员可以更正已采纳的填报")
    versions = submission.history.select_related("history_user", "reason_category").order_by(
        "-history_date", "-history_id"
    )
    return render(
        request,
        "progress/submission.html",
        {
            "submission": submission,
            "task": submission.task,
            "versions": versions,
            "form": form,
            "returned_by": return_comment(submission),
        },
    )


@login_required
def evidence(request, pk):
    """Stream one evidence file, only to someone who may see its task."""
    item = get_object_or_404(
        Evidence.objects.filter(submission__task__in=KeyTask.objects.visible_to(request.user)),
        pk=pk,
    )
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("文件不存在") from error
    return FileResponse(handle, as_attachment=True, filename=item.name)


@login_required
@require_POST
def override_judgement(request, pk):
    """人工调整: the office sets a task's status for a month, with a reason (kept in history)."""
    task = get_object_or_404(KeyTask.objects.visible_to(request.user), pk=pk)
    if not KeyTask.objects.editable_by(request.user).filter(pk=task.pk).exists():
        raise PermissionDenied
    period = request.POST.get("period", "")
    try:
        judging.override(
            task,
            period,
            request.POST.get("status", ""),
            request.POST.get("reason", ""),
            request.user,
        )
    except (ValueError, PeriodError) as exc:
        messages.error(request, f"未调整：{exc}")
    else:
        messages.success(request, f"已调整 {period} 的研判结果，并记录了调整理由")
    return redirect(reverse("ledger:detail", args=[task.pk]) + "#override")


# ----- 研判本月 -----


def _judging_office(request, offices):
    """The office whose month is judged: ?office= within scope, else one's own, else the
    first office in scope that has tasks."""
    chosen = request.GET.get("office") or request.POST.get("office") or ""
    if chosen.isascii() and chosen.isdigit():
        office = offices.filter(pk=int(chosen)).first()
        if office is not None:
            return office
    profile = R.profile_of(request.user)
    if profile is not None and profile.office_id and offices.filter(pk=profile.office_id).exists():
        own = profile.office
        if own.tasks.exists() or not offices.filter(tasks__isnull=False).exists():
            return own
    return offices.filter(tasks__isnull=False).distinct().first() or offices.first()


def _judging_period(request, office):
    text = (request.GET.get("period") or request.POST.get("period") or "").strip()
    if text:
        try:
            period = Period.parse(text)
            if period.is_month:
                parse_year(period.year)
                return period
            messages.warning(request, "研判按月进行，请选择具体月份")
        except PeriodError as error:
            messages.warning(request, str(error))
    today = timezone.localdate()
    if office.tasks.filter(year=today.year).exists():
        return Period.containing(today)
    latest = office.tasks.order_by("-year").values_list("year", flat=True).first()
    return month.default_month(office.tasks.all(), latest or today.year, today)


@login_required
def judge_month(request):
    """研判本月: the engine's proposal for every task of the office's month with its reasons,
    beside the judgement kept now; the office confirms them all, or the ones it ticks
    (an adjustment with a reason is made on the task page)."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以研判")
    offices = offices_in_scope(request.user)
    office = _judging_office(request, offices)
    if office is None:
        raise Http404("没有可研判的街道")
    period = _judging_period(request, office)
    tasks = judging.month_tasks(office, period.year)
    if not KeyTask.objects.editable_by(request.user).filter(office=office).exists() and (
        tasks.exists()
    ):
        raise PermissionDenied("只有本街道的督查管理员可以研判")
    url = f"{reverse('progress:judge_month')}?office={office.pk}&period={period.key}"

    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm_all":
                results = judging.judge_month(office, period, user=request.user)
                messages.success(request, f"已确认 {period.label}全部 {len(results)} 项的研判结果")
            elif action == "confirm":
                ids = [int(v) for v in request.POST.getlist("task") if v.isascii() and v.isdigit()]
                chosen = tasks.filter(pk__in=ids)
                if not chosen.exists():
                    messages.warning(request, "请先勾选要确认的事项")
                else:
                    with transaction.atomic():
                        judging.judge_month(office, period)
                        results = judging.judge_period(chosen, period, user=request.user)
                    messages.success(request, f"已确认 {len(results)} 项的研判结果")
            else:
                messages.error(request, "无法识别的操作")
        except CalendarGapError as error:
            messages.error(request, str(error))
        return redirect(url)

    try:
        proposals = judging.proposals(tasks, period)
    except CalendarGapError as error:
        messages.error(request, str(error))
        proposals = {}
    judgements = {j.task_id: j for j in Judgement.objects.filter(task__in=tasks, period=period.key)}
    rows = []
    for task in tasks.select_related("lead_unit", "category").order_by(*TASK_ORDER):
        proposal = proposals.get(task.pk)
        judgement = judgements.get(task.pk)
        rows.append(
            {
                "task": task,
                "proposal": proposal,
                "reasons": month.reasons(
                    proposal.flags if proposal else {}, proposal and proposal.status
                ),
                "judgement": judgement,
                "confirmed": judgement is not None
                and (judgement.source != Judgement.Source.ENGINE or judgement.judged_by_id),
                "differs": judgement is not None
                and proposal is not None
                and judgement.status != proposal.status,
            }
        )
    counts = {status: 0 for status in Status.values}
    for proposal in proposals.values():
        counts[proposal.status] += 1
    pending = sum(1 for row in rows if row["judgement"] is not None and not row["confirmed"])
    return render(
        request,
        "progress/judge_month.html",
        {
            "office": office,
            "offices": offices if offices.count() > 1 else None,
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "rows": rows,
            "counts": [(Status(s).label, counts[s]) for s in Status.values],
            "lag_rate": numfmt.pct(month.lag_rate(counts[Status.LAGGING], len(rows))),
            "pending": pending,
            "judged": len(judgements),
            "unjudged": len(rows) - len(judgements),
        },
    )


# ----- 进展导入: a month from Excel, through the one upload → preview → confirm flow -----


class ProgressImportFlow(ImportFlow):
    namespace = "progress"
    session_key = "progress_import"
    form_class = ProgressImportForm
    title = "导入月度进展"
    write_step = "写入并研判"
    file_noun = "进展文件"
    intro = (
        "每行是一项重点工作本月的进展，导入即视为党政办采纳的本月研判结果。"
        "上传后先预览每项将得到的研判结果，确认后才会写入；同一文件重复导入不会产生任何改动。"
        "支持 .xlsx 和 .csv（UTF-8 或 GB18030 编码）。"
    )
    outcome_label = "研判结果"

    @property
    def crumbs(self):
        return [("重点工作台账", reverse("ledger:list"))]

    def allowed(self, user):
        return R.is_supervisor(user)

    def choices(self, form):
        return {"period": form.cleaned_data["period"], "office_id": form.target_office.pk}

    def resolve(self, choices):
        office = Office.objects.filter(pk=choices["office_id"]).first()
        if office is None:
            return None
        return {**choices, "office": office, "month": Period.parse(choices["period"])}

    def importer(self, request, pending):
        return ProgressImport(pending["office"], pending["month"], user=request.user)

    def facts(self, pending):
        return [("报送月份", pending["month"].label), ("所属街道", pending["office"].name)]

    def initial(self, pending):
        return {"period": pending["period"], "office": pending["office"]}

    def done_url(self, pending):
        return f"{reverse('ledger:list')}?year={pending['month'].year}"

    def template_link(self, form):
        period = form["period"].value() or timezone.localdate().strftime("%Y-%m")
        office = form.target_office or default_office(form.user)
        query = {"period": period}
        if office is not None:
            query["office"] = office.pk
        return ("下载本月导入模板", f"{reverse('progress:import_template')}?{urlencode(query)}")

    def make_form(self, request, data=None, files=None, initial=None):
        form = super().make_form(request, data, files, initial)
        form.user = request.user
        return form


import_flow = ProgressImportFlow()


@login_required
def import_template(request):
    """The month's import sheet of an office: one row per task, 编号 filled in."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以导入进展")
    try:
        period = Period.parse(request.GET.get("period", "").strip())
    except PeriodError as error:
        messages.warning(request, str(error))
        return redirect("progress:import")
    if not period.is_month or not MIN_YEAR <= period.year <= MAX_YEAR:
        messages.warning(request, "请选择 2000 至 2100 年间的月份，如 2022-07")
        return redirect("progress:import")
    offices = offices_in_scope(request.user)
    office = None
    office_id = request.GET.get("office", "")
    if office_id.isascii() and office_id.isdigit():
        office = offices.filter(pk=int(office_id)).first()
    office = office or default_office(request.user)
    if office is None:
        raise Http404("没有可导入的街道")
    workbook = build_template(office, period)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{office.name}{period.label}进展导入模板.xlsx",
        content_type=XLSX,
    )
