"""Pages of monthly reporting: the unit's batch sheet (批量填报 + 协同反馈), the review
queues (党政办审核, 单位负责人审核), one report's versions, and evidence download.

The rules live in `duban.progress.workflow`; who sees what in
`KeyTask.objects.visible_to` / `Submission.objects.visible_to` (another unit's report
answers 404)."""

from dataclasses import dataclass, field
from functools import cache, cached_property
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core import locking, numfmt
from duban.core.http import back_to, download, id_param, id_params
from duban.core.importflow import ImportFlow
from duban.core.listing import Col, Listing
from duban.core.periods import MAX_YEAR, MIN_YEAR, Period, PeriodError, parse_year
from duban.ledger import taskversion
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.models import Office
from duban.org.scope import default_office, offices_in_scope
from duban.progress import explain, judging, month, sheet, workflow
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
    Light,
    PartnerFeedback,
    ProgressRules,
    Review,
    Status,
    Submission,
)
from duban.progress.reminders import Kind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

State = Submission.State
REPORTED = month.REPORTED_STATES
RETURN_ACTIONS = (Review.Action.RETURN, Review.Action.HEAD_RETURN)
TASK_ORDER = [F("category__order").asc(nulls_last=True), "code", "pk"]


def _period(request):
    """The month asked for (?period=2022-07), else the month the picker opens on
    (`month.opening_month`: the current month, or the latest month with data when the
    current year has no task of the person's)."""
    text = request.GET.get("period", "").strip()
    if text:
        try:
            period = Period.parse(text)
            if period.is_month:
                return period
            messages.warning(request, "填报按月进行，请选择具体月份")
        except PeriodError as error:
            messages.warning(request, str(error))
    return month.opening_month(KeyTask.objects.visible_to(request.user), timezone.localdate())


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
    make_form: object  # (row) -> the row's SubmissionForm, built when first asked for
    editable: bool
    returned_by: object = None
    errors: list = field(default_factory=list)
    lasts: object = None  # () -> {task id: last month's submitted or accepted report}
    proposal: dict | None = None
    lock: str | None = None  # the submission's version as the page was loaded (core/locking.py)
    conflict: dict | None = None  # someone else saved this row meanwhile
    posted: object = None  # the form data the row was posted with (None: a GET)

    @cached_property
    def form(self):
        return self.make_form(self)

    @cached_property
    def last(self):
        """Last month's submitted or accepted report: this month's start."""
        return self.lasts().get(self.task.pk) if self.lasts else None

    @property
    def prefix(self):
        return f"t{self.task.pk}"

    @property
    def plain(self):
        """Shown as stored, nothing typed or found wrong: its card may be kept
        (progress/sheet.py)."""
        return self.posted is None and not self.errors and not self.conflict

    @property
    def state(self):
        return self.submission.state if self.submission else State.DRAFT

    @property
    def state_label(self):
        return self.submission.get_state_display() if self.submission else "未填报"


def _proposals(tasks, period, submissions, rules, today):
    """The engine's proposal for every row in one call: a report of this month not yet
    accepted counts as if accepted (what the office will see once it accepts it).

    Kept per task under its data version (ledger/taskversion.py: the task, its
    milestones, reports and judgements — everything the engine reads of it) and the
    day, the rules and the calendar (the org version): only the tasks whose data changed
    since are loaded and judged."""
    drafts = {
        task_id: workflow.as_evidence(s)
        for task_id, s in submissions.items()
        if s.state != State.ACCEPTED and (s.self_status or s.completed_value is not None)
    }

    def compute(tasks):
        try:
            results = judging.proposals(
                tasks, period.key, min(today, period.end), drafts=drafts, rules=rules
            )
        except ValueError:
            return {}
        return {pk: explain.describe(result) for pk, result in results.items()}

    key = ("batch proposal", period.key, today, judging.rules_in(rules))
    return taskversion.cached_many(tasks, key, compute)


def _rows(unit, period, data=None, files=None, rules=None, own=None, today=None):
    """The sheet's rows; `own`: the unit's tasks as `_own_tasks` read them, if read;
    `today`: the day the proposals are the engine's of (the cards are kept under it)."""
    submissions = {
        s.task_id: s
        for s in Submission.objects.filter(
            task__lead_unit=unit, task__year=period.year, period=period.key
        )
    }
    # the comment that sent a report back, for the returned ones only (return_comment)
    returned = [s for s in submissions.values() if s.state == State.RETURNED]
    prefetch_related_objects(
        returned, Prefetch("reviews", queryset=Review.objects.select_related("actor"))
    )

    @cache
    def last_month():
        """Read when a form or a card first asks (a sheet whose cards are kept never does)."""
        reports = Submission.objects.filter(
            task__lead_unit=unit,
            task__year=period.year,
            period=period.previous().key,
            state__in=REPORTED,
        )
        return {s.task_id: s for s in reports}

    # the sheet: the tasks the month asks, and any other the unit has reported on
    tasks = [
        task
        for task in (own if own is not None else _own_tasks(unit, period))
        if task.report_state == month.ASKED or task.pk in submissions
    ]
    today = today or timezone.localdate()
    proposals = _proposals(tasks, period, submissions, rules, today)  # the tasks as just read
    reasons = reason_choices()

    def make_form(row):
        """The row's form, when first asked for (Row.form)."""
        submission, editable, last = row.submission, row.editable, row.last
        extra = {}
        if submission is None and last is not None and last.completed_value is not None:
            # a cumulative figure carries over; the page says it is last month's
            extra["initial"] = {"completed_value": last.completed_value}
        form = SubmissionForm(
            data if editable else None,
            files if editable else None,
            prefix=row.prefix,
            task=row.task,
            reasons=reasons,
            submission=submission,
            **extra,
        )
        if not editable:
            for bound_field in form:
                bound_field.field.disabled = True
        return form

    rows = []
    for task in tasks:
        submission = submissions.get(task.pk)
        if submission is not None:
            submission.task = task
        editable = submission is None or submission.state in workflow.EDITABLE_STATES
        row = Row(
            task,
            submission,
            make_form,
            editable,
            return_comment(submission),
            lasts=last_month,
            proposal=proposals.get(task.pk),
            posted=data if editable else None,
        )
        row.lock = _posted_or_current(data, row.prefix, submission)
        rows.append(row)
    return rows


def _own_tasks(unit, period):
    """The tasks `unit` leads in the month's year, each with its `report_state`
    (`month.with_report_state`): the sheet's rows and 往月已完成 from one query, read once
    a request and handed to `_rows`."""
    tasks = month.with_report_state(
        period, KeyTask.objects.filter(lead_unit=unit, year=period.year)
    )
    return list(taskversion.annotate(tasks.select_related("category").order_by(*TASK_ORDER)))


def _posted_or_current(data, prefix, submission):
    """The version a row was loaded with: as posted (a sheet shown again keeps detecting
    saves made meanwhile), else the submission's now."""
    posted = locking.posted(data, prefix) if data is not None else None
    return locking.token(submission) if posted is None else posted


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
    """Whether the unit typed anything (a value carried from last month is not typing)."""
    return form.has_changed()


@login_required
def batch(request):
    """批量填报: every task the unit leads for the month on one sheet, plus 协同反馈."""
    unit = _reporting_unit(request.user)
    period = _period(request)
    posting = request.method == "POST"
    rules = ProgressRules.current()  # the proposals' and the light legend's
    own = _own_tasks(unit, period)
    data, files = (request.POST, request.FILES or None) if posting else (None, None)
    today = timezone.localdate()  # one day for the proposals and the cards kept with them
    rows = _rows(unit, period, data, files, rules, own, today)
    partner_rows = _partner_rows(unit, period)
    # completed in an earlier month and not reported on this month (not on the sheet)
    on_sheet = {row.task.pk for row in rows}
    done_earlier = [
        task for task in own if task.report_state == month.DONE_EARLIER and task.pk not in on_sheet
    ]

    if posting:
        action = request.POST.get("action", "save")
        editable = [row for row in rows if row.editable]
        if all(row.form.is_valid() for row in editable):
            try:
                saved = _save_batch(request, unit, period, editable, partner_rows, action)
            except BatchConflict as conflict:
                for row, current in conflict.rows:
                    row.lock = locking.token(current)
                    row.conflict = {
                        "message": locking.MESSAGE.format(
                            who=locking.who_changed(current) if current else "他人",
                            what=f"“{row.task.code}”本月的填报",
                        ),
                        "rows": locking.differences(row.form, current),
                    }
                messages.error(
                    request,
                    f"有 {len(conflict.rows)} 项在您填写期间已被他人保存，本次未保存任何内容；"
                    "您填写的内容仍在下面，请核对这些事项下列出的不同之处后再次保存",
                )
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
                    rows = _rows(unit, period, rules=rules, own=own, today=today)
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
            "cards": sheet.cards(rows, period, today),
            "partner_rows": partner_rows,
            "rules": rules,
            "done_earlier": done_earlier,
            "any_editable": any(row.editable for row in rows),
            "storage_key": f"duban:batch:{request.user.pk}:{period.key}",
            "saved": request.GET.get("saved") == "1",
        },
    )


def _save_batch(request, unit, period, rows, partner_rows, action):
    """Save every row as a draft (and the partner notes); returns the saved reports."""
    user = request.user
    saved, conflicts = [], []
    with transaction.atomic():
        for row in rows:
            form = row.form
            if action != "submit" and row.submission is None and not _has_content(form):
                continue
            try:
                submission = workflow.save_draft(
                    row.task,
                    period.key,
                    unit,
                    form.content(),
                    user,
                    lock=locking.posted(request.POST, form.prefix),
                )
            except locking.EditConflict as conflict:
                conflicts.append((row, conflict.current))
                continue
            if form.cleaned_data.get("evidence"):
                workflow.add_evidence(submission, form.cleaned_data["evidence"], user)
            saved.append(submission)
        for task, feedback in partner_rows:
            note = request.POST.get(f"fb-{task.pk}", "").strip()
            if note and (feedback is None or note != feedback.note):
                workflow.save_feedback(task, period.key, unit, note, user)
        if conflicts:
            raise BatchConflict(conflicts)  # every row is checked; none is kept
    return saved


class BatchConflict(Exception):
    """Rows of the batch sheet saved by someone else since the sheet was loaded."""

    def __init__(self, rows):
        super().__init__("conflict")
        self.rows = rows


@login_required
def propose(request):
    """The engine's proposal for one row of the batch sheet as typed (JSON; writes nothing):
    ?task=<id>&period=2022-07&self_status=on_track&completed_value=3."""
    user = request.user

    def refuse(message, status=400):
        return JsonResponse({"error": message}, status=status)

    task_id = id_param(request.GET.get("task"))
    if task_id is None:
        return refuse("缺少或无效的事项编号")
    task = KeyTask.objects.visible_to(user).filter(pk=task_id).first()
    if task is None:
        return refuse("事项不存在或无权查看", 404)
    try:
        period = Period.parse(request.GET.get("period", "").strip())
    except PeriodError as error:
        return refuse(str(error))
    if not period.is_month or period.year != task.year:
        return refuse(f"报送周期应为 {task.year} 年的月份")
    form = SubmissionForm(
        {
            "self_status": request.GET.get("self_status", ""),
            "completed_value": request.GET.get("completed_value", ""),
        },
        task=task,
        reasons=[("", "—")],
        with_evidence=False,
    )
    if not form.is_valid():
        for name in ("completed_value", "self_status"):
            if name in form.errors:
                return refuse(f"{form.fields[name].label}：{form.errors[name][0]}")
    draft = Submission(
        task=task,
        period=period.key,
        self_status=form.cleaned_data.get("self_status") or "",
        completed_value=form.cleaned_data.get("completed_value"),
    )
    drafts = None
    if draft.self_status or draft.completed_value is not None:
        drafts = {task.pk: workflow.as_evidence(draft)}
    result = judging.proposals(KeyTask.objects.filter(pk=task.pk), period.key, drafts=drafts)
    return JsonResponse(explain.describe(result[task.pk]))


# ----- 审核 -----


def _lights(submissions):
    """Each report's light for its card: the month's judgement when there is one (source
    shown), else the engine's proposal as if the report were accepted. One judgement
    query, and one proposal call per month in the queue."""
    submissions = list(submissions)
    judged = {
        (j.task_id, j.period): j
        for j in Judgement.objects.filter(
            task__in=[s.task_id for s in submissions],
            period__in={s.period for s in submissions},
        )
    }
    by_period = {}
    for submission in submissions:
        if (submission.task_id, submission.period) not in judged:
            by_period.setdefault(submission.period, []).append(submission)
    lights = {}
    for period, waiting in by_period.items():
        drafts = {s.task_id: workflow.as_evidence(s) for s in waiting}
        try:
            results = judging.proposals(
                KeyTask.objects.filter(pk__in=drafts), period, drafts=drafts
            )
        except ValueError:
            continue
        for submission in waiting:
            if submission.task_id in results:
                lights[submission.pk] = {
                    **explain.describe(results[submission.task_id]),
                    "source": "采纳后系统研判",
                }
    for submission in submissions:
        judgement = judged.get((submission.task_id, submission.period))
        if judgement is not None:
            lights[submission.pk] = {
                **explain.describe(judgement),
                "source": f"{submission.period[5:].lstrip('0')}月研判（{judgement.get_source_display()}）",
            }
    for submission in submissions:
        submission.light_info = lights.get(submission.pk)
    return submissions


def _info(submission, key):
    return (submission.light_info or {}).get(key, "")


REVIEW_LIST = Listing.define(
    Col("period", "报送周期", value=lambda s: s.period, width=10),
    Col("code", "编号", value=lambda s: s.task.code, width=10),
    Col("title", "事项名称", value=lambda s: s.task.title, width=30),
    Col(
        "unit",
        "牵头单位",
        value=lambda s: s.task.lead_unit.name,
        sort_value=lambda s: (s.task.lead_unit.order, s.task.lead_unit.name),
        width=16,
    ),
    Col(
        "light",
        "预警",
        value=lambda s: _info(s, "light_label"),
        sort_value=lambda s: explain.light_rank(_info(s, "light")),
        width=8,
    ),
    Col("status", "研判", value=lambda s: _info(s, "status_label"), width=10),
    Col("self_status", "自评状态", value=lambda s: s.get_self_status_display(), width=10),
    Col("progress", "进展情况", value=lambda s: s.progress, width=50),
    Col("reason", "滞后原因", value=lambda s: s.reason, width=30),
    Col("next_steps", "下步措施", value=lambda s: s.next_steps, width=30),
    Col("submitted_at", "提交时间", value=lambda s: s.submitted_at, width=18),
)


@login_required
def review(request):
    """党政办: reports waiting in its scope; 单位负责人: its unit's reports waiting for it.
    The office's queue can be narrowed to one unit and accepted several at a time."""
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
    office_all = (
        base.filter(state=State.SUBMITTED, task__in=KeyTask.objects.editable_by(user))
        if supervisor
        else base.none()
    )
    units = {}
    for unit_id, name in office_all.order_by().values_list(
        "task__lead_unit_id", "task__lead_unit__name"
    ):
        units.setdefault(unit_id, [name, 0])[1] += 1
    unit_id = request.GET.get("unit", "").strip()
    office_queue = office_all
    if unit_id:
        if (lead_unit_id := id_param(unit_id)) is None:
            messages.warning(request, "单位参数无效，已显示全部单位")
            unit_id = ""
        else:
            office_queue = office_all.filter(task__lead_unit_id=lead_unit_id)
    head_queue = (
        base.filter(state=State.PENDING_HEAD, unit_id=head_unit_id) if head_unit_id else base.none()
    )
    listing = REVIEW_LIST.bind(request.GET)
    office_queue = listing.sort(_lights(office_queue))
    head_queue = listing.sort(_lights(head_queue))
    if listing.exporting:
        return listing.export(office_queue + head_queue, "待审核填报")
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
            "listing": listing,
            "sort_keys": ["period", "code", "unit", "light", "submitted_at"],
            "queue_units": [(pk, name, count) for pk, (name, count) in units.items()],
            "unit_id": unit_id,
        },
    )


@require_POST
@login_required
def accept_selected(request):
    """批量采纳: the ticked reports of the office's queue (退回 stays one by one)."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以采纳")
    ids = id_params(request.POST.getlist("selected"))
    chosen = list(
        Submission.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("task", "unit", "submitted_by")
        .order_by("period", "task__code")
    )
    if not chosen:
        messages.warning(request, "请先勾选要采纳的填报")
    else:
        accepted, refused = workflow.accept_many(chosen, request.user)
        if accepted:
            messages.success(request, f"已采纳 {len(accepted)} 项填报")
        for submission, message in refused.items():
            messages.error(request, f"{submission.task.code}：{message}")
    return back_to(request, request.POST.get("next"), "progress:review")


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
    return back_to(request, request.POST.get("next"), "progress:review")


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
    decide = None
    if submission.state == State.SUBMITTED and R.is_supervisor(request.user):
        if workflow.can_review(request.user, submission.task):
            decide = {"approve": "accept", "approve_label": "采纳", "reject": "return"}
    elif submission.state == State.PENDING_HEAD and (
        workflow.head_review_unit_id(request.user) == submission.unit_id
    ):
        decide = {"approve": "head_approve", "approve_label": "通过", "reject": "head_return"}
    return render(
        request,
        "progress/submission.html",
        {
            "submission": submission,
            "task": submission.task,
            "versions": versions,
            "form": form,
            "returned_by": return_comment(submission),
            "decide": decide,
            "light_info": _lights([submission])[0].light_info,
        },
    )


@login_required
def evidence(request, pk):
    """Stream one evidence file, only to someone who may see its task."""
    item = get_object_or_404(
        Evidence.objects.filter(submission__in=Submission.objects.visible_to(request.user)),
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
    if not task.editable_by(request.user):
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
    chosen = id_param(request.GET.get("office") or request.POST.get("office"))
    if chosen is not None:
        office = offices.filter(pk=chosen).first()
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
    return month.opening_month(office.tasks.all(), timezone.localdate())


def _judgement_text(row):
    judgement = row["judgement"]
    if judgement is None:
        return "未研判"
    text = judgement.get_status_display()
    if judgement.source != Judgement.Source.ENGINE:
        return f"{text}（{judgement.get_source_display()}）"
    return text if judgement.judged_by_id else f"{text}（待确认）"


JUDGE_LIST = Listing.define(
    Col("code", "编号", value=lambda r: r["task"].code, width=10),
    Col("title", "事项名称", value=lambda r: r["task"].title, width=30),
    Col(
        "unit",
        "牵头单位",
        value=lambda r: r["task"].lead_unit.name,
        sort_value=lambda r: (r["task"].lead_unit.order, r["task"].lead_unit.name),
        width=16,
    ),
    Col(
        "proposal",
        "系统建议",
        value=lambda r: r["proposal"] and Status(r["proposal"].status).label,
        sort_value=lambda r: explain.light_rank(r["proposal"] and r["proposal"].light),
        width=10,
    ),
    Col(
        "light",
        "预警",
        value=lambda r: r["proposal"] and Light(r["proposal"].light).label,
        sort_value=lambda r: explain.light_rank(r["proposal"] and r["proposal"].light),
        width=8,
    ),
    Col("reasons", "依据", value=lambda r: "；".join(r["reasons"]), width=50),
    Col(
        "judgement",
        "当前研判",
        value=_judgement_text,
        sort_value=lambda r: explain.light_rank(r["judgement"] and r["judgement"].light),
        width=16,
    ),
)


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
        if action == "confirm_all":
            results = judging.judge_month(office, period, user=request.user)
            messages.success(request, f"已确认 {period.label}全部 {len(results)} 项的研判结果")
        elif action == "confirm":
            ids = id_params(request.POST.getlist("task"))
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
        return redirect(url)

    proposals = judging.proposals(tasks, period)
    judgements = {j.task_id: j for j in Judgement.objects.filter(task__in=tasks, period=period.key)}
    rows = []
    for task in tasks.select_related("lead_unit", "category").order_by(*TASK_ORDER):
        proposal = proposals.get(task.pk)
        judgement = judgements.get(task.pk)
        rows.append(
            {
                "task": task,
                "proposal": proposal,
                "reasons": explain.reasons(
                    proposal and proposal.status,
                    proposal.flags if proposal else {},
                    task.target_unit,
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
    listing = JUDGE_LIST.bind(request.GET)
    rows = listing.sort(rows)
    if listing.exporting:
        return listing.export(rows, f"研判{office.name}{period.label}")
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
            "listing": listing,
            "counts": [(Status(s).label, counts[s]) for s in Status.values],
            "lag_rate": numfmt.pct(month.lag_rate(counts[Status.LAGGING], len(rows))),
            "pending": pending,
            "judged": len(judgements),
            "unjudged": len(rows) - len(judgements),
        },
    )


# ----- 报送看板 -----

BOARD_STATES = {
    None: "missing",
    State.DRAFT: "draft",
    State.PENDING_HEAD: "submitted",
    State.SUBMITTED: "submitted",
    State.RETURNED: "returned",
    State.ACCEPTED: "accepted",
}
BOARD_LABELS = {
    "missing": "未填",
    "draft": "草稿",
    "submitted": "已提交",
    "returned": "已退回",
    "accepted": "已采纳",
}


@dataclass
class BoardUnit:
    unit: object
    tasks: list = field(default_factory=list)  # (task, state key, label, submission pk)
    done: list = field(default_factory=list)  # completed earlier, not asked this month
    counts: dict = field(default_factory=lambda: dict.fromkeys(BOARD_LABELS, 0))
    urged_at: object = None

    @property
    def cells(self):
        return [(key, BOARD_LABELS[key], count) for key, count in self.counts.items()]

    @property
    def unreported(self):
        return self.counts["missing"] + self.counts["draft"] + self.counts["returned"]

    @property
    def summary(self):
        if not self.tasks:
            return "本月无须填报"
        if self.counts["accepted"] == len(self.tasks):
            return "已全部采纳"
        if self.unreported == 0:
            return "已全部报送"
        if self.unreported == len(self.tasks) and not self.counts["draft"]:
            return "尚未报送"
        return f"尚有 {self.unreported} 项未报送"


def _count_col(key):
    return Col(key, BOARD_LABELS[key], value=lambda b: b.counts[key], width=8)


BOARD_LIST = Listing.define(
    Col(
        "unit",
        "牵头单位",
        value=lambda b: b.unit.name,
        sort_value=lambda b: (b.unit.office_id, b.unit.order, b.unit.name, b.unit.pk),
        width=20,
    ),
    Col("due", "须填报", value=lambda b: len(b.tasks), width=8),
    *(_count_col(key) for key in BOARD_LABELS),
    Col("summary", "情况", value=lambda b: b.summary, sort_value=lambda b: b.unreported, width=20),
    Col("done", "此前已完成", value=lambda b: len(b.done), width=10),
)


def _board_viewer(user):
    if not (R.is_supervisor(user) or R.LEADER in R.roles_of(user)):
        raise PermissionDenied("只有督查管理员和领导可以查看报送看板")


@login_required
def board(request):
    """报送看板: every lead unit × where its reports for the month stand, with 催报."""
    from duban.core.workdays import Calendar
    from duban.notify.models import ReminderLog
    from duban.progress.deadlines import submission_deadline
    from duban.progress.models import ProgressRules

    user = request.user
    _board_viewer(user)
    period = _period(request)
    scope = KeyTask.objects.visible_to(user)
    states, ids = {}, {}
    for task_id, state, pk in Submission.objects.filter(
        task__in=scope, period=period.key
    ).values_list("task_id", "state", "pk"):
        states[task_id], ids[task_id] = state, pk
    # a unit's draft shows as 草稿 here, but only its unit may open it
    readable = set(
        Submission.objects.visible_to(user).filter(pk__in=ids.values()).values_list("pk", flat=True)
    )
    ids = {task_id: pk for task_id, pk in ids.items() if pk in readable}
    units = {}

    def unit_of(task):
        if task.lead_unit_id not in units:
            units[task.lead_unit_id] = BoardUnit(task.lead_unit)
        return units[task.lead_unit_id]

    order = ("lead_unit__office_id", "lead_unit__order", "lead_unit__name", "code", "pk")
    for task in month.tasks_to_report(period, scope).select_related("lead_unit").order_by(*order):
        key = BOARD_STATES[states.get(task.pk)]
        entry = unit_of(task)
        entry.tasks.append((task, key, BOARD_LABELS[key], ids.get(task.pk)))
        entry.counts[key] += 1
    for task in month.completed_earlier(period, scope).select_related("lead_unit").order_by(*order):
        unit_of(task).done.append(task)
    today = timezone.localdate()
    for unit_id, sent_at in ReminderLog.objects.filter(
        day=today,
        kind=Kind.REPORT_URGE,
        unit_id__in=units,
        ok=True,
    ).values_list("unit_id", "sent_at"):
        entry = units[unit_id]
        entry.urged_at = max(entry.urged_at or sent_at, sent_at)
    rows = sorted(
        units.values(), key=lambda b: (b.unit.office_id, b.unit.order, b.unit.name, b.unit.pk)
    )
    listing = BOARD_LIST.bind(request.GET)
    rows = listing.sort(rows)
    if listing.exporting:
        return listing.export(rows, f"报送看板{period.label}")
    totals = dict.fromkeys(BOARD_LABELS, 0)
    for entry in rows:
        for key, count in entry.counts.items():
            totals[key] += count
    deadline = submission_deadline(period, Calendar.load(), ProgressRules.current())
    return render(
        request,
        "progress/board.html",
        {
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "rows": rows,
            "listing": listing,
            "totals": totals,
            "total_tasks": sum(totals.values()),
            "labels": BOARD_LABELS,
            "deadline": deadline,
            "can_act": R.is_supervisor(user),
            "today": today,
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
        "支持 Excel 文件和 CSV 文件（旧版 .xls 请先在 Excel 中另存为新格式）。"
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
    office_id = id_param(request.GET.get("office"))
    if office_id is not None:
        office = offices.filter(pk=office_id).first()
    office = office or default_office(request.user)
    if office is None:
        raise Http404("没有可导入的街道")
    return download(build_template(office, period), f"{office.name}{period.label}进展导入模板.xlsx")


def _board_url(period, unit_id=None):
    url = f"{reverse('progress:board')}?period={period.key}"
    return url + (f"#unit-{unit_id}" if unit_id else "")


@require_POST
@login_required
def urge(request):
    """催报 from the board: the unit's reporters and head, at most once a day."""
    from duban.org.models import Unit
    from duban.progress.notifying import urge as send_urge

    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以催报")
    try:
        period = Period.parse(request.POST.get("period", "").strip())
    except PeriodError as error:
        messages.error(request, f"未催报：{error}")
        return redirect("progress:board")
    if not period.is_month:
        messages.error(request, "未催报：催报按月进行，请选择具体月份")
        return redirect("progress:board")
    unit_id = id_param(request.POST.get("unit"))
    scope = KeyTask.objects.visible_to(request.user)
    unit = None
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id, led_tasks__in=scope).distinct().first()
    if unit is None:
        raise Http404("单位不存在")
    reported = Submission.objects.filter(period=period.key, state__in=REPORTED).values("task_id")
    waiting = list(
        month.tasks_to_report(period, scope.filter(lead_unit=unit))
        .exclude(pk__in=reported)
        .order_by("code", "pk")
    )
    if not waiting:
        messages.info(request, f"{unit.name}{period.label}的填报已全部报送，无须催报")
        return redirect(_board_url(period, unit.pk))
    result = send_urge(unit, period, waiting)
    if not result.recipients:
        messages.error(request, f"{unit.name}没有启用的填报员或单位负责人账号，无法催报")
    elif not result.sent and not result.failed:
        messages.info(request, f"今天已向{unit.name}催报过，不再重复发送")
    else:
        people = sum(1 for channel, _r in result.sent if channel == "inapp")
        text = f"已向{unit.name}催报 {len(waiting)} 项未报送事项（站内通知 {people} 人"
        mails = sum(1 for channel, _r in result.sent if channel == "email")
        if mails:
            text += f"，邮件 {mails} 封"
        if any(channel == "webhook" for channel, _r in result.sent):
            text += "，群消息 1 条"
        messages.success(request, text + "）")
        if result.failed:
            messages.warning(
                request,
                f"{len(result.failed)} 条邮件或群消息发送失败，已记入催办记录，再次催报时会重试",
            )
    return redirect(_board_url(period, unit.pk))


@require_POST
@login_required
def reopen(request, pk):
    """重新打开: the office asks for reports on a completed task again from a month."""
    task = get_object_or_404(KeyTask.objects.visible_to(request.user), pk=pk)
    if not (
        R.is_supervisor(request.user)
        and KeyTask.objects.editable_by(request.user).filter(pk=task.pk).exists()
    ):
        raise PermissionDenied("只有督查管理员可以重新打开")
    try:
        period = Period.parse(request.POST.get("period", "").strip())
    except PeriodError as error:
        messages.error(request, f"未重新打开：{error}")
        return redirect("progress:board")
    try:
        month.reopen(task, period, request.POST.get("reason", ""), request.user)
    except (ValueError, PeriodError) as error:
        messages.error(request, f"未重新打开：{error}")
    else:
        messages.success(
            request,
            f"已重新打开 {task.code} {task.title}，{task.lead_unit.name}自{period.label}起须继续填报",
        )
    return redirect(_board_url(period, task.lead_unit_id))
