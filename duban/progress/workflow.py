"""The path of a monthly report (进展填报), as rules without requests.

draft ──submit──▶ pending_head ──head_approve──▶ submitted ──accept──▶ accepted
  ▲                    │ head_return                 │ return_            │ correct
  └──── returned ◀─────┴─────────────────────────────┘                    ▼ (stays accepted)

- A unit's reporter or head fills drafts for the tasks the unit LEADS; a returned
  report is edited like a draft.
- Submitting checks each report (进展情况, 自评状态, and for a lagging task the
  滞后原因 and 原因类别 — lagging by the unit's own word or by the engine's proposal);
  a batch is submitted whole or not at all.
- With `ProgressRules.unit_head_approval` a reporter's report first goes to the unit
  head; the head's own report goes straight to the supervision office (党政办).
- Only 督查管理员 accepts, returns (with a comment) and corrects; an accepted report
  changes only through `correct`, which records its reason.

Every state change is a conditional UPDATE whose count is checked, so two people
acting at once cannot both win; every change leaves a historical version and a
`Review` row.
"""

import zipfile
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from duban.core import locking
from duban.core.audit import bulk_create_history, history_for_ids
from duban.core.bulk import insert_values, update_rows
from duban.core.periods import Period
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.progress import judging
from duban.progress.models import (
    Evidence,
    Judgement,
    PartnerFeedback,
    ProgressRules,
    ReasonCategory,
    Review,
    Status,
    Submission,
)

State = Submission.State
EDITABLE_STATES = (State.DRAFT, State.RETURNED)
CONTENT_FIELDS = (
    "progress",
    "completed_value",
    "self_status",
    "reason_category",
    "reason",
    "next_steps",
    "issues",
)

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "pdf", "doc", "docx", "xls", "xlsx")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_MAGIC = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
    "pdf": (b"%PDF-",),
    "doc": (_OLE2,),
    "xls": (_OLE2,),
    "docx": (_ZIP,),
    "xlsx": (_ZIP,),
}
# The part every real Word / Excel file holds; a renamed zip has none.
_OOXML_PART = {"docx": "word/", "xlsx": "xl/"}


class WorkflowError(Exception):
    """An action the rules do not allow; the message is shown to the user as is."""


@dataclass
class SubmissionInvalid(WorkflowError):
    """Some reports of a batch are incomplete: {task_id: [message, ...]}."""

    errors: dict = field(default_factory=dict)

    def __str__(self):
        return "；".join(m for messages in self.errors.values() for m in messages)


# ----- who may do what -----


def is_unit_head(user, unit):
    return (
        user.is_authenticated and R.UNIT_HEAD in R.roles_of(user) and R.unit_id_of(user) == unit.pk
    )


def can_report_for(user, unit):
    """Reporters and heads report for their own unit only (a superuser for any)."""
    if user.is_superuser:
        return True
    return R.unit_id_of(user) == unit.pk and bool(R.roles_of(user) & {R.REPORTER, R.UNIT_HEAD})


def heads_approve(rules=None):
    """Whether reports go to the unit head before the office (填报与研判规则)."""
    return (rules or ProgressRules.current()).unit_head_approval


def head_review_unit_id(user):
    """The unit whose reports `user` approves as its head, or None (no head role, or the
    office does not ask heads to approve)."""
    if R.UNIT_HEAD not in R.roles_of(user) or not heads_approve():
        return None
    return R.unit_id_of(user)


def may_review(user):
    """审核 for 督查管理员, and for a 单位负责人 when the office asks heads to approve."""
    return R.is_supervisor(user) or head_review_unit_id(user) is not None


def can_review(user, task):
    return KeyTask.objects.editable_by(user).filter(pk=task.pk).exists()


def _require(condition, message):
    if not condition:
        raise WorkflowError(message)


# ----- writing -----


def _record_version(submission):
    """The conditional update bypassed save(); keep the version it made all the same."""
    submission.refresh_from_db()
    bulk_create_history(Submission, [submission], "~")


def _transition(submission, expected, target, **changes):
    """Move to `target` only if the row is still in one of `expected` states."""
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    updated = Submission.objects.filter(pk=submission.pk, state__in=expected).update(
        state=target, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        current = Submission.objects.filter(pk=submission.pk).values_list("state", flat=True)
        label = State(current[0]).label if current else "已删除"
        raise WorkflowError(
            f"该填报当前为“{label}”，不能进行此操作（可能已被他人处理，请刷新页面）"
        )
    _record_version(submission)
    return submission


def _review(submission, action, user, comment=""):
    return Review.objects.create(
        submission=submission,
        action=action,
        comment=comment,
        version=submission.version,
        actor=user if user and user.is_authenticated else None,
    )


def _apply(submission, data):
    for name in CONTENT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "reason_category":
            if value is not None and not isinstance(value, ReasonCategory):
                value = ReasonCategory.objects.get(pk=value)
        elif name != "completed_value":
            value = value or ""
        setattr(submission, name, value)


DRAFT_SAVE = "草稿保存"


def _content(submission):
    return tuple(
        getattr(submission, "reason_category_id" if name == "reason_category" else name)
        for name in CONTENT_FIELDS
    )


def _latest_version(submission):
    return submission.history.order_by("-history_date", "-history_id").first()


@transaction.atomic
def save_draft(task, period, unit, data, user, lock=None):
    """Keep what the unit typed, without checking completeness. Returns the submission.
    `lock`: the version the page was loaded with (core/locking.py); a save made since by
    someone else raises locking.EditConflict and this one writes nothing.

    Drafts do not pile up as versions: a save that changes nothing writes nothing, and
    consecutive draft saves by one person of one version update that version's one
    historical row (marked 草稿保存) instead of adding another. What was submitted,
    returned, accepted or corrected always keeps its own row."""
    _require(task.lead_unit_id == unit.pk, f"“{unit.name}”不是该事项的牵头单位，不能填报")
    _require(can_report_for(user, unit), "只有本单位的填报员或负责人可以填报")
    submission = (
        Submission.objects.select_for_update().filter(task=task, period=str(period)).first()
    )
    if lock is not None and locking.token(submission) != lock:
        # saved (or created) by someone else since this person's page was loaded
        raise locking.EditConflict(submission)
    if submission is None:
        submission = Submission(task=task, period=str(period), unit=unit)
    _require(
        submission.state in EDITABLE_STATES,
        f"该填报当前为“{submission.get_state_display()}”，不能修改",
    )
    if "completed_value" in data and task.target_value is None:
        data = {**data, "completed_value": None}
    before = _content(submission) if submission.pk else None
    _apply(submission, data)
    submission.task = task
    if before is not None and _content(submission) == before:
        return submission  # nothing changed: no write, no version
    previous = _latest_version(submission) if submission.pk else None
    collapse = (
        previous is not None
        and previous.history_change_reason == DRAFT_SAVE
        and previous.version == submission.version
        and previous.state == submission.state
        and previous.history_user_id == getattr(user, "pk", None)
    )
    submission._history_user = user if user.is_authenticated else None
    submission._change_reason = DRAFT_SAVE
    if collapse:  # simple_history skips a save when the attribute merely exists
        submission.skip_history_when_saving = True
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError as error:
        raise WorkflowError("该事项本月的填报刚被他人创建，请刷新页面后再试") from error
    finally:
        submission.__dict__.pop("skip_history_when_saving", None)
    if collapse:
        for name in previous.tracked_fields:
            setattr(previous, name.attname, getattr(submission, name.attname))
        previous.history_date = timezone.now()
        previous.save()
    return submission


def as_evidence(submission):
    """The report as the engine would count it once accepted (for proposals before submit)."""
    from duban.progress.status import SubmissionIn

    return SubmissionIn(
        period=str(submission.period),
        self_status=submission.self_status or "",
        completed_value=submission.completed_value,
        accepted=True,
    )


def proposed_status(task, period, draft=None):
    """What the engine says (completed / on_track / lagging) for the task's month; with
    `draft` (a Submission), what it would say once that report is accepted."""
    if draft is None:
        return judging.propose(task, str(period)).status
    return judging.propose(task, str(period), drafts={task.pk: as_evidence(draft)}).status


def completed_judgement(task, period):
    """The latest judgement up to `period` when it says 已完成 (the office has not
    reopened the task), else None."""
    latest = (
        Judgement.objects.filter(task=task, period__lte=str(period))
        .order_by("-period", "-as_of", "-pk")
        .first()
    )
    return latest if latest is not None and latest.status == Status.COMPLETED else None


def problems(submission):
    """Why this report cannot be submitted yet (empty when it can)."""
    task = submission.task
    found = []
    if submission.state not in EDITABLE_STATES:
        found.append(f"该填报当前为“{submission.get_state_display()}”，不能再次提交")
    if not submission.progress.strip():
        found.append("请填写进展情况")
    if submission.completed_value is not None and task.target_value is None:
        found.append("该事项没有量化指标，不应填写完成值")
    if not submission.self_status:
        found.append("请选择自评状态")
    if submission.self_status and submission.self_status != Submission.SelfStatus.COMPLETED:
        done = completed_judgement(task, submission.period)
        if done is not None:
            found.append(
                f"该事项{Period.parse(done.period).label}已研判为“已完成”，"
                "不能改报为未完成；如确需继续推进，请联系党政办“重新打开”"
            )
    self_lagging = submission.self_status == Submission.SelfStatus.LAGGING
    engine_lagging = bool(submission.self_status) and not self_lagging
    engine_lagging = (
        engine_lagging and proposed_status(task, submission.period, submission) == "lagging"
    )
    if self_lagging or engine_lagging:
        why = "系统研判该事项推进滞后，" if engine_lagging else "推进滞后"
        if not submission.reason.strip():
            found.append(f"{why}须填写滞后原因")
        if not submission.reason_category_id:
            found.append(f"{why}须选择原因类别")
    return found


@transaction.atomic
def submit(submissions, user):
    """Submit a whole batch, or nothing: raises SubmissionInvalid listing every problem."""
    submissions = list(submissions)
    errors = {}
    for submission in submissions:
        if not can_report_for(user, submission.unit):
            errors[submission.task_id] = ["只有本单位的填报员或负责人可以提交"]
            continue
        found = problems(submission)
        if found:
            errors[submission.task_id] = found
    if errors:
        raise SubmissionInvalid(errors)
    needs_head = heads_approve()
    now = timezone.now()
    for submission in submissions:
        target = State.SUBMITTED
        if needs_head and not is_unit_head(user, submission.unit) and not user.is_superuser:
            target = State.PENDING_HEAD
        _transition(
            submission,
            EDITABLE_STATES,
            target,
            version=F("version") + 1,
            submitted_by=user,
            submitted_at=now,
        )
        _review(submission, Review.Action.SUBMIT, user)
    return submissions


@transaction.atomic
def head_approve(submission, user, comment=""):
    _require(
        is_unit_head(user, submission.unit) or user.is_superuser,
        "只有本单位负责人可以审核",
    )
    _transition(submission, State.PENDING_HEAD, State.SUBMITTED)
    _review(submission, Review.Action.HEAD_APPROVE, user, comment.strip())
    return submission


@transaction.atomic
def head_return(submission, user, comment):
    _require(
        is_unit_head(user, submission.unit) or user.is_superuser,
        "只有本单位负责人可以退回",
    )
    _require(comment and comment.strip(), "退回须填写退回意见")
    _transition(submission, State.PENDING_HEAD, State.RETURNED)
    _review(submission, Review.Action.HEAD_RETURN, user, comment.strip())
    _tell([submission], Review.Action.HEAD_RETURN, comment.strip())
    return submission


def _tell(submissions, action, comment=""):
    from duban.progress.notifying import tell_reporters

    tell_reporters(submissions, action, comment)


@transaction.atomic
def accept(submission, user, comment="", *, notify=True, judge=True):
    _require(can_review(user, submission.task), "只有督查管理员可以采纳")
    _transition(submission, State.SUBMITTED, State.ACCEPTED)
    _review(submission, Review.Action.ACCEPT, user, comment.strip())
    if judge:
        rejudge(submission, user)
    if notify:
        _tell([submission], Review.Action.ACCEPT, comment.strip())
    return submission


#: what an import writes on a report it accepts
IMPORTED_FIELDS = (
    "state",
    "unit",
    "progress",
    "self_status",
    "reason",
    "reason_category",
    "next_steps",
    "completed_value",
    "version",
    "submitted_at",
    "submitted_by",
    "updated_at",
)


def accept_many(submissions, user):
    """批量采纳: accept each report that is still waiting; the others are reported back,
    not fatal. Returns (accepted, {submission: message}). Each reporter gets one message,
    each month is judged again once."""
    accepted, refused = [], {}
    with transaction.atomic():
        for submission in submissions:
            try:
                with transaction.atomic():
                    accept(submission, user, notify=False, judge=False)
            except WorkflowError as error:
                refused[submission] = str(error)
            else:
                accepted.append(submission)
        months = {}
        for submission in accepted:
            key = (submission.task.office_id, submission.period)
            months.setdefault(key, (submission.task.office, []))[1].append(submission.task_id)
        for (_office_id, period), (office, task_ids) in months.items():
            # the whole month (duban.progress.month), the accepted ones as the reviewer's
            judging.judge_period(
                judging.month_tasks(office, Period.parse(period).year).exclude(pk__in=task_ids),
                period,
            )
            judging.judge_period(KeyTask.objects.filter(pk__in=task_ids), period, user=user)
        if accepted:
            _tell(accepted, Review.Action.ACCEPT)
    return accepted, refused


@transaction.atomic
def accept_imported(submissions, user, comment):
    """Keep reports the office brought in from Excel as accepted, in one run.

    `submissions` are Submission instances carrying the imported content — new ones
    (no pk) or stored ones whose content changed (the caller leaves out what did not
    change). Each becomes accepted with a new version, a Review row (采纳, `comment`)
    and a historical version; whatever state a stored report was in, the office's
    import is its acceptance. `user` (may be None) is recorded as the submitter and
    the reviewer. Returns the submissions.
    """
    if not submissions:
        return []
    now = timezone.now()
    actor = user if user is not None and user.is_authenticated else None
    for submission in submissions:
        submission.state = State.ACCEPTED
        submission.version = (submission.version or 0) + 1
        submission.submitted_at = now
        submission.updated_at = now
        if actor is not None:
            submission.submitted_by = actor
    created = [s for s in submissions if s.pk is None]
    changed = [s for s in submissions if s.pk is not None]
    # plain INSERTs (COPY on PostgreSQL) and history copied by SQL: bulk_create and
    # historical model instances cost several times the writing itself (issue 14)
    names = [f.attname for f in Submission._meta.concrete_fields if not f.primary_key]
    insert_values(
        Submission, names, ([getattr(s, name) for name in names] for s in created), copy=True
    )
    for period in {s.period for s in created}:
        of_period = [s for s in created if s.period == period]
        ids = dict(
            Submission.objects.filter(
                task_id__in=[s.task_id for s in of_period], period=period
            ).values_list("task_id", "pk")
        )
        for submission in of_period:
            submission.pk = ids[submission.task_id]
            submission._state.adding = False
    update_rows(Submission, changed, IMPORTED_FIELDS)
    insert_values(
        Review,
        ["submission_id", "action", "comment", "version", "actor_id"],
        (
            (s.pk, Review.Action.ACCEPT.value, comment, s.version, actor.pk if actor else None)
            for s in submissions
        ),
        copy=True,
    )
    history_for_ids(Submission, [s.pk for s in created], "+")
    history_for_ids(Submission, [s.pk for s in changed], "~")
    return submissions


def rejudge(submission, user):
    """An accepted (or corrected) report changes what the engine sees: judge its month
    again at once — the whole month of the office, since a month is judged whole
    (`duban.progress.month`) — so the ledger's status and light follow the acceptance.
    The reviewer's judgement of this task counts as confirmed; the others stay the
    engine's until the office confirms them (研判本月)."""
    task = submission.task
    judging.judge_month(task.office, submission.period, besides=task)
    judging.judge_period(KeyTask.objects.filter(pk=task.pk), submission.period, user=user)


@transaction.atomic
def return_(submission, user, comment):
    _require(can_review(user, submission.task), "只有督查管理员可以退回")
    _require(comment and comment.strip(), "退回须填写退回意见")
    _transition(submission, State.SUBMITTED, State.RETURNED)
    _review(submission, Review.Action.RETURN, user, comment.strip())
    _tell([submission], Review.Action.RETURN, comment.strip())
    return submission


@transaction.atomic
def correct(submission, user, data, reason):
    """The only way an accepted report changes: a new version and the reason for it."""
    _require(can_review(user, submission.task), "只有督查管理员可以更正")
    _require(reason and reason.strip(), "更正须填写更正理由")
    if "completed_value" in data and submission.task.target_value is None:
        data = {**data, "completed_value": None}
    changes = {}
    for name in CONTENT_FIELDS:
        if name in data:
            key = "reason_category_id" if name == "reason_category" else name
            value = data[name]
            if name == "reason_category" and isinstance(value, ReasonCategory):
                value = value.pk
            elif name not in ("reason_category", "completed_value"):
                value = value or ""
            changes[key] = value
    # Optimistic lock: a correction made from a stale page must not win silently.
    updated = Submission.objects.filter(
        pk=submission.pk, state=State.ACCEPTED, version=submission.version
    ).update(version=F("version") + 1, updated_at=timezone.now(), **changes)
    if updated != 1:
        raise WorkflowError("只有已采纳且未被他人更改的填报可以更正，请刷新页面后再试")
    _record_version(submission)
    _review(submission, Review.Action.CORRECT, user, reason.strip())
    rejudge(submission, user)
    _tell([submission], Review.Action.CORRECT, reason.strip())
    return submission


# ----- 佐证材料 -----


def check_evidence(uploaded):
    """Raise WorkflowError unless the file is an allowed type (by name and content) and size."""
    name = uploaded.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    _require(
        extension in EVIDENCE_EXTENSIONS,
        f"“{name}”的类型不允许，佐证材料只能是图片（jpg、png、gif）、PDF、Word 或 Excel 文件",
    )
    _require(uploaded.size <= EVIDENCE_MAX_BYTES, f"“{name}”超过 20 MB，请压缩后再上传")
    _require(uploaded.size > 0, f"“{name}”是空文件")
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    ok = any(head.startswith(magic) for magic in _MAGIC[extension])
    if ok and extension in _OOXML_PART:
        try:
            with zipfile.ZipFile(uploaded) as archive:
                ok = any(n.startswith(_OOXML_PART[extension]) for n in archive.namelist())
        except zipfile.BadZipFile:
            ok = False
        uploaded.seek(0)
    _require(ok, f"“{name}”的内容与扩展名不符，请上传真实的 {extension.upper()} 文件")


@transaction.atomic
def add_evidence(submission, uploaded, user):
    _require(can_report_for(user, submission.unit), "只有本单位的填报员或负责人可以上传佐证材料")
    _require(
        submission.state in EDITABLE_STATES,
        f"该填报当前为“{submission.get_state_display()}”，不能再上传佐证材料",
    )
    check_evidence(uploaded)
    return Evidence.objects.create(
        submission=submission,
        file=uploaded,
        name=uploaded.name[:200],
        size=uploaded.size,
        uploaded_by=user,
    )


# ----- 协同反馈 -----


@transaction.atomic
def save_feedback(task, period, unit, note, user):
    _require(
        task.partner_units.filter(pk=unit.pk).exists(),
        f"“{unit.name}”不是该事项的协同单位，不能填写协同反馈",
    )
    _require(can_report_for(user, unit), "只有本单位的填报员或负责人可以填写协同反馈")
    _require(note and note.strip(), "请填写协同反馈")
    feedback, _created = PartnerFeedback.objects.update_or_create(
        task=task,
        period=str(period),
        unit=unit,
        defaults={"note": note.strip(), "author": user},
    )
    return feedback
