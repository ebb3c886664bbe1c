"""研判 against the database: load what the status engine needs, run it, keep the result.

`duban.progress.status` holds the rules; this module only feeds it and writes
`Judgement` rows. The office's word wins: a judgement imported from Excel or
adjusted by hand keeps its status when the engine runs again; only the engine's
proposal, flags and light are refreshed on it.

Evidence given to the engine: the task's submissions of its year up to the
judged month that were submitted (to the unit head or the office) or accepted;
the engine counts only the accepted ones, and the others only to tell that the
unit did report (no_update).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from duban.core.audit import history_for_ids
from duban.core.bulk import insert_values, maker, update_rows
from duban.core.periods import Period
from duban.core.workdays import Calendar
from duban.ledger.models import KeyTask, Milestone
from duban.org import cache
from duban.progress import status as engine
from duban.progress.models import Judgement, ProgressRules, Status, Submission
from duban.progress.month import REPORTED_STATES

WRITTEN_FIELDS = ["as_of", "status", "light", "proposed_status", "flags", "judged_by"]
IMPORT_FIELDS = ["source", "override_reason", "reason", "reason_category"]
BATCH = 500


def load_calendar():
    """The working-day calendar; its rows kept per process under the org version
    (`org/cache.py`, which watches the calendar's tables: progress/apps.py), a new
    `Calendar` each time (what one calendar remembers stays its own)."""
    return Calendar(*cache.cached("core.calendar", Calendar.rows))


def rules_in(rules=None):
    rules = rules or ProgressRules.current()
    return engine.Rules(
        pace_threshold=rules.pace_threshold,
        due_soon_workdays=rules.due_soon_workdays,
        red_after_lagging_periods=rules.red_after_lagging_periods,
    )


def _month(period_key):
    period = period_key if isinstance(period_key, Period) else Period.parse(period_key)
    if not period.is_month:
        raise ValueError(f"研判按月进行，报送周期应为月份（如 2022-07），收到“{period_key}”")
    return period


def default_as_of(period):
    return min(timezone.localdate(), period.end)


def _start(year, assigned_on):
    # 交办事项 run from the day they were assigned, annual tasks from January 1.
    return assigned_on or dt.date(year, 1, 1)


class _Loaded:
    """Everything the engine needs for a set of tasks and one month, in four queries, and
    a fifth for the month's judgements when a run asks for them (plain values rather
    than model instances: 2,000 tasks must judge within a second).

    `tasks` is a queryset, or the tasks a page has just read (KeyTask instances: their
    own fields are used, one query fewer and plain ids in the other three).

    `drafts` ({task_id: SubmissionIn}) stand in for the tasks' reports of the month, as
    if accepted: what the engine would say once a report being filled is accepted."""

    def __init__(self, tasks, period, drafts=None):
        months = [m.key for m in Period(period.year, 1, period.last_month).months()]
        fields = ("pk", "year", "deadline", "target_value", "assigned_on")
        if isinstance(tasks, QuerySet):
            tasks = tasks.filter(year=period.year).order_by()
            self.ids = ids = tasks.values("pk")
            rows = tasks.values_list(*fields)
        else:
            rows = [
                (t.pk, t.year, t.deadline, t.target_value, t.assigned_on)
                for t in tasks
                if t.year == period.year
            ]
            self.ids = ids = [row[0] for row in rows]
        milestones = {}
        for task_id, due, description in (
            Milestone.objects.filter(task__in=ids)
            .order_by("due")
            .values_list("task_id", "due", "description")
        ):
            milestones.setdefault(task_id, []).append(engine.MilestoneIn(due, description))
        self.tasks = {
            pk: engine.TaskIn(
                deadline=deadline,
                milestones=tuple(milestones.get(pk, ())),
                target_value=target_value,
                start=_start(year, assigned_on),
            )
            for pk, year, deadline, target_value, assigned_on in rows
        }
        self.submissions = {}
        rows = Submission.objects.filter(
            task__in=ids, period__in=months, state__in=REPORTED_STATES
        ).values_list("task_id", "period", "self_status", "completed_value", "state")
        for task_id, key, self_status, value, state in rows:
            self.submissions.setdefault(task_id, []).append(
                engine.SubmissionIn(
                    period=key,
                    self_status=self_status,
                    completed_value=value,
                    accepted=state == Submission.State.ACCEPTED,
                )
            )
        for task_id, draft in (drafts or {}).items():
            if task_id in self.tasks:
                kept = [s for s in self.submissions.get(task_id, ()) if s.period != draft.period]
                self.submissions[task_id] = [*kept, draft]
        earlier = months[:-1]
        statuses = {
            (task_id, key): status
            for task_id, key, status in Judgement.objects.filter(
                task__in=ids, period__in=earlier
            ).values_list("task_id", "period", "status")
        }
        # a month without a judgement breaks the streak
        self.previous = {pk: [statuses.get((pk, key), "") for key in earlier] for pk in self.tasks}
        self.period = period

    @cached_property
    def judgements(self):
        """The month's judgements, when they are to be written (a proposal needs none)."""
        return {
            j.task_id: j
            for j in Judgement.objects.filter(task__in=self.ids, period=self.period.key)
        }


def _run(loaded, period, as_of, calendar, rules):
    return {
        pk: engine.judge(
            task,
            loaded.submissions.get(pk, ()),
            as_of,
            period.key,
            calendar,
            rules,
            loaded.previous[pk],
        )
        for pk, task in loaded.tasks.items()
    }


def judge_period(tasks_queryset, period_key, as_of=None, user=None, *, calendar=None, rules=None):
    """Judge every task of the queryset for a month and keep the results.

    Returns {task_id: Result} (the engine's proposals). A constant number of
    queries whatever the number of tasks; rows that would not change are not
    written and get no history.
    """
    period = _month(period_key)
    as_of = as_of or default_as_of(period)
    calendar = calendar or load_calendar()
    rules = rules_in(rules)
    judged_by_id = user.pk if user is not None and user.is_authenticated else None
    with transaction.atomic():
        loaded = _Loaded(tasks_queryset, period)
        results = _run(loaded, period, as_of, calendar, rules)
        created, updated = [], []
        now = timezone.now()
        new = maker(
            Judgement,
            period=period.key,
            as_of=as_of,
            source=Judgement.Source.ENGINE,
            judged_by_id=judged_by_id,
            judged_at=now,
        )
        for pk, result in results.items():
            judgement = loaded.judgements.get(pk)
            if judgement is None:
                created.append(
                    new(
                        task_id=pk,
                        status=result.status,
                        proposed_status=result.status,
                        light=result.light,
                        flags=result.flags,
                    )
                )
                continue
            values = _values(judgement, result, as_of, rules, loaded.previous[pk])
            if judgement.source == Judgement.Source.ENGINE:
                # A person running it confirms the engine's judgement; a system run keeps a
                # confirmation while the status stands and drops it when the status moves.
                if judged_by_id is not None or values["status"] != judgement.status:
                    values["judged_by_id"] = judged_by_id
            if all(getattr(judgement, name) == value for name, value in values.items()):
                continue
            for name, value in values.items():
                setattr(judgement, name, value)
            judgement.judged_at = now
            updated.append(judgement)
        _insert_rows(created, period.key, loaded.ids)
        _update_rows(updated, [*WRITTEN_FIELDS, "judged_at"])
    return results


def month_tasks(office, year):
    """The tasks judged together in a month: every task of the office and year."""
    return KeyTask.objects.filter(office=office, year=year)


#: `override`'s note, per process under the org version (org/cache.py), that every task
#: of an office's month has its judgement, so the next adjustment skips looking for
#: unjudged ones. Exact: the month's tasks are tasks rows, which the version watches
#: (ledger/apps.py), and a judgement goes only with its task — nothing else deletes one
#: or moves it to another task or month (the admin cannot: progress/admin.py)
JUDGED_WHOLE = "progress.month judged whole"


def judge_month(
    office, period_key, as_of=None, user=None, *, calendar=None, rules=None, besides=None
):
    """Judge a whole month of an office: a month that has begun to be judged is judged
    whole (`duban.progress.month`), so every page counts the same tasks. The engine's
    judgements are written unconfirmed unless `user` runs it (研判本月, duban judge).
    `besides` leaves out the task the caller is about to judge itself."""
    period = _month(period_key)
    tasks = month_tasks(office, period.year)
    if besides is not None:
        tasks = tasks.exclude(pk=besides.pk)
    return judge_period(tasks, period, as_of, user, calendar=calendar, rules=rules)


def _insert_rows(judgements, period_key, task_ids):
    """Plain INSERTs (COPY on PostgreSQL), one SELECT for the new ids, then their
    history copied from the table by SQL. bulk_create and historical model instances
    cost several times the writing itself on a 2,000-task month (issue 14)."""
    if not judgements:
        return
    names = [f.attname for f in Judgement._meta.concrete_fields if not f.primary_key]
    insert_values(
        Judgement, names, ([getattr(j, name) for name in names] for j in judgements), copy=True
    )
    ids = dict(
        Judgement.objects.filter(period=period_key, task__in=task_ids).values_list("task_id", "pk")
    )
    for judgement in judgements:
        judgement.pk = ids[judgement.task_id]
        judgement._state.adding = False
    history_for_ids(Judgement, [j.pk for j in judgements], "+")


def _update_rows(judgements, names):
    """The fields `names` of stored judgements, then their history copied by SQL."""
    update_rows(Judgement, judgements, names, BATCH)
    history_for_ids(Judgement, [j.pk for j in judgements], "~")


def _values(judgement, result, as_of, rules, previous):
    """The fields the engine may set on an existing judgement."""
    if judgement.source == Judgement.Source.ENGINE:
        status, flags, light = result.status, result.flags, result.light
    else:  # imported or adjusted by the office: its status stands
        status = judgement.status
        light, flags = fitted(status, result, previous, rules)
    return {
        "as_of": as_of,
        "status": status,
        "proposed_status": result.status,
        "light": light,
        "flags": flags,
    }


def fitted(status, result, previous, rules):
    """(light, flags) of the engine's `result` fitted to a status the office set: a
    lagging task never shows green, a streak counts the office's lagging months."""
    flags = engine.flags_for(status, result.flags or {}, previous)
    return engine.light_for(status, flags, rules), flags


def submission_in(submission):
    """A Submission (stored or only in memory) as the engine reads it."""
    return engine.SubmissionIn(
        period=submission.period,
        self_status=submission.self_status,
        completed_value=submission.completed_value,
        accepted=submission.state == Submission.State.ACCEPTED,
    )


class Proposer:
    """The engine's proposals for the tasks of a queryset and a month, loaded once:
    `propose(task, submission)` runs the engine for one task, counting `submission`
    (e.g. a would-be report an import has not written) as the task's report of the
    month instead of the stored one. Writes nothing."""

    def __init__(self, tasks_queryset, period_key, as_of=None, *, calendar=None, rules=None):
        self.period = _month(period_key)
        self.key = self.period.key
        self.as_of = as_of or default_as_of(self.period)
        self.loaded = _Loaded(tasks_queryset, self.period)
        self.calendar = calendar or load_calendar()
        self.rules = rules_in(rules)

    def previous(self, task):
        """The task's statuses of the earlier months of the year ("" = not judged)."""
        return self.loaded.previous[task.pk]

    def propose(self, task, submission=None):
        stored = self.loaded.submissions.get(task.pk, ())
        if submission is not None:
            key = self.key
            stored = [s for s in stored if s.period != key]
            if submission.state in REPORTED_STATES:
                stored.append(submission_in(submission))
        return engine.judge(
            self.loaded.tasks[task.pk],
            stored,
            self.as_of,
            self.period.key,
            self.calendar,
            self.rules,
            self.loaded.previous[task.pk],
        )

    def fitted(self, task, status, result):
        return fitted(status, result, self.previous(task), self.rules)


@dataclass(frozen=True)
class OfficeStatus:
    """The office's status for one task, as an import brings it."""

    task_id: int
    status: str
    result: object  # the engine's Result for the task and month
    reason: str = ""
    reason_category_id: int | None = None


def record_office_statuses(period_key, entries, previous, as_of=None, user=None, *, rules=None):
    """Keep the office's statuses of a month for a set of tasks in one run (source
    IMPORT): each entry's status stands, proposed_status is the engine's, light and
    flags are fitted as `judge_period` refreshes an imported judgement, so that a later
    engine run changes nothing. `previous` maps task id → earlier statuses of the year
    (Proposer.previous). Rows that would not change are not written and get no history.
    Returns the judgements written."""
    period = _month(period_key)
    as_of = as_of or default_as_of(period)
    rules = rules_in(rules)
    judged_by_id = user.pk if user is not None and user.is_authenticated else None
    entries = list(entries)
    ids = [entry.task_id for entry in entries]
    now = timezone.now()
    created, updated = [], []
    with transaction.atomic():
        stored = {
            j.task_id: j
            for j in Judgement.objects.select_for_update().filter(
                task_id__in=ids, period=period.key
            )
        }
        new = maker(Judgement, period=period.key, judged_by_id=judged_by_id, judged_at=now)
        for entry in entries:
            light, flags = fitted(entry.status, entry.result, previous[entry.task_id], rules)
            values = {
                "as_of": as_of,
                "status": entry.status,
                "proposed_status": entry.result.status,
                "light": light,
                "flags": flags,
                "source": Judgement.Source.IMPORT,
                "override_reason": "",
                "reason": entry.reason,
                "reason_category_id": entry.reason_category_id,
            }
            judgement = stored.get(entry.task_id)
            if judgement is None:
                created.append(new(task_id=entry.task_id, **values))
                continue
            if all(getattr(judgement, name) == value for name, value in values.items()):
                continue
            for name, value in values.items():
                setattr(judgement, name, value)
            judgement.judged_by_id = judged_by_id
            judgement.judged_at = now
            updated.append(judgement)
        _insert_rows(created, period.key, ids)
        _update_rows(updated, [*WRITTEN_FIELDS, *IMPORT_FIELDS, "judged_at"])
    return created + updated


def propose(task, period_key, as_of=None, *, calendar=None, rules=None, drafts=None):
    """The engine's proposal for one task and month, written nowhere (with `drafts`,
    as if the report being filled were accepted; see `_Loaded`)."""
    period = _month(period_key)
    as_of = as_of or default_as_of(period)
    loaded = _Loaded(KeyTask.objects.filter(pk=task.pk), period, drafts)
    if not loaded.tasks:
        raise ValueError(f"“{task}”不是 {period.year} 年度的重点工作，不能按 {period.key} 研判")
    calendar = calendar or load_calendar()
    return _run(loaded, period, as_of, calendar, rules_in(rules))[task.pk]


def proposals(tasks, period_key, as_of=None, *, calendar=None, rules=None, drafts=None):
    """The engine's proposals for a set of tasks (a queryset, or tasks just read) and a
    month, written nowhere ({task_id: Result}); reports use them for tasks the office has
    not judged, the batch sheet (with `drafts`) for the rows being filled."""
    period = _month(period_key)
    as_of = as_of or default_as_of(period)
    loaded = _Loaded(tasks, period, drafts)
    return _run(loaded, period, as_of, calendar or load_calendar(), rules_in(rules))


def override(task, period_key, status, reason, user, as_of=None):
    """The office sets a task's status for a month by hand (人工调整); kept in history."""
    period = _month(period_key)
    if status not in Status.values:
        raise ValueError(f"无效的研判状态“{status}”，应为已完成、推进正常或推进滞后")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("人工调整研判结果须填写调整理由")
    as_of = as_of or default_as_of(period)
    calendar = load_calendar()
    rules = rules_in()
    whole = (JUDGED_WHOLE, task.office_id, period.key)
    known_whole = cache.known(whole)
    with transaction.atomic():
        # the month is judged whole: the office's tasks it has not judged yet are judged now
        # (those already judged keep their judgement; re-judging the whole month on every
        # adjustment made one task's change cost as much as 研判本月)
        if not known_whole:
            unjudged = list(
                month_tasks(task.office_id, period.year)
                .exclude(pk=task.pk)
                .exclude(judgements__period=period.key)
                .order_by()
                .values_list("pk", flat=True)
            )
            if unjudged:
                tasks = KeyTask.objects.filter(pk__in=unjudged)
                judge_period(tasks, period, as_of, calendar=calendar, rules=rules)
        loaded = _Loaded([task], period)  # the caller's task, as it has just read it
        if not loaded.tasks:
            raise ValueError(f"“{task}”不是 {period.year} 年度的重点工作，不能按 {period.key} 研判")
        result = _run(loaded, period, as_of, calendar, rules)[task.pk]
        judgement = (
            Judgement.objects.select_for_update().filter(task=task, period=period.key).first()
        )
        if judgement is None:
            judgement = Judgement(task=task, period=period.key)
        flags = engine.flags_for(status, result.flags, loaded.previous[task.pk])
        judgement.as_of = as_of
        judgement.status = status
        judgement.proposed_status = result.status
        judgement.flags = flags
        judgement.light = engine.light_for(status, flags, rules)
        judgement.source = Judgement.Source.OVERRIDE
        judgement.override_reason = reason
        judgement.judged_by = user if user is not None and user.is_authenticated else None
        judgement._history_user = judgement.judged_by
        judgement.save()
    if not known_whole:
        cache.keep(whole, True)  # committed (nothing is kept inside an outer transaction)
    return judgement
