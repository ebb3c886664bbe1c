"""The facts `scoring.score` needs, read from the ledger, the judgements, the notices and
the accountability records of one office and year — a fixed number of queries whatever
the number of units — and the ranking built from them."""

import datetime as dt
from collections import defaultdict

from django.urls import reverse

from duban.ledger.models import KeyTask
from duban.progress import month as M
from duban.progress.models import Judgement, Status
from duban.supervision import scoring
from duban.supervision.models import AccountabilityRecord, Notice, ScoringScheme


def scheme_for(office, year):
    """The office's scheme of `year`, or the default one (not saved) when none is kept."""
    found = ScoringScheme.objects.filter(office=office, year=year).first()
    return found or ScoringScheme(office=office, year=year), found is not None


def facts(office, year, as_of, scheme_row, start=None):
    """The facts of each unit for the year up to `as_of`, or from `start` (a month's
    score: only what happened between start and as_of counts)."""
    start = start or dt.date(year, 1, 1)
    tasks = list(
        KeyTask.objects.filter(office=office, year=year)
        .select_related("lead_unit")
        .order_by("code", "pk")
    )
    judgements = defaultdict(list)
    for judgement in Judgement.objects.filter(
        task__in=[t.pk for t in tasks],
        period__startswith=f"{year}-",
        period__lte=f"{as_of:%Y-%m}",
    ).only("task_id", "period", "status"):
        if len(judgement.period) == 7:  # months only
            judgements[judgement.task_id].append(judgement)
    units = {}
    per_unit = defaultdict(
        lambda: {
            "due": [],
            "on_time": [],
            "judged": 0,
            "lagging": [],
            "notices": [],
            "acc": [],
            "bonus": [],
        }
    )
    for task in tasks:
        unit = task.lead_unit
        units[unit.pk] = unit
        bucket = per_unit[unit.pk]
        url = reverse("ledger:detail", args=[task.pk])
        every = sorted(judgements.get(task.pk, []), key=lambda j: j.period)
        mine = [j for j in every if j.period >= f"{start:%Y-%m}"]
        bucket["judged"] += len(mine)
        bucket["lagging"] += [
            scoring.Record(f"{task.code} {task.title}（{j.period}）", url)
            for j in mine
            if j.status == Status.LAGGING
        ]
        if task.deadline is not None and start <= task.deadline <= as_of:
            record = scoring.Record(f"{task.code} {task.title}（时限 {task.deadline}）", url)
            bucket["due"].append(record)
            done = M.completed_period(every, [])
            if done is not None and done.start <= task.deadline:
                bucket["on_time"].append(record)
    notices = (
        Notice.objects.filter(office=office, year=year, issued_on__gte=start, issued_on__lte=as_of)
        .exclude(state__in=Notice.UNSENT_STATES)
        .select_related("task", "unit")
    )
    for notice in notices:
        units[notice.unit_id] = notice.unit
        per_unit[notice.unit_id]["notices"].append(
            (
                notice.level,
                scoring.Record(
                    f"{notice.number} {notice.task.code} {notice.task.title}",
                    reverse("supervision:notice", args=[notice.pk]),
                ),
            )
        )
    decided = AccountabilityRecord.objects.filter(
        office=office,
        year=year,
        state=AccountabilityRecord.State.DECIDED,
        decided_on__gte=start,
        decided_on__lte=as_of,
    ).select_related("unit", "level")
    for record in decided:
        units[record.unit_id] = record.unit
        per_unit[record.unit_id]["acc"].append(
            scoring.Record(
                f"{record.level}：{record.reason}（{record.decided_on}）",
                reverse("supervision:accountability"),
            )
        )
    if scheme_row.pk:
        for bonus in scheme_row.bonuses.filter(on__gte=start, on__lte=as_of).select_related("unit"):
            units[bonus.unit_id] = bonus.unit
            per_unit[bonus.unit_id]["bonus"].append(
                (bonus.points, scoring.Record(f"{bonus.reason}（{bonus.on}）"))
            )
    return [
        scoring.UnitFacts(
            unit_id=unit_id,
            unit=units[unit_id].name,
            due_tasks=tuple(b["due"]),
            on_time_tasks=tuple(b["on_time"]),
            judged_months=b["judged"],
            lagging_months=tuple(b["lagging"]),
            notices=tuple(b["notices"]),
            accountability=tuple(b["acc"]),
            bonuses=tuple(b["bonus"]),
        )
        for unit_id, b in per_unit.items()
    ]


def ranking(office, year, as_of, start=None):
    """(ranked Scores, the scheme row, whether it is the office's own). Raises
    scoring.ScoringError when the office's scheme cannot score."""
    row, kept = scheme_for(office, year)
    scheme = row.as_scheme()
    scoring.check_scheme(scheme)
    scores = [scoring.score(f, scheme) for f in facts(office, year, as_of, row, start)]
    return scoring.rank(scores), row, kept
