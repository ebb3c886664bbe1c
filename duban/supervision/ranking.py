"""The facts `scoring.score` needs, read from the ledger, the judgements, the notices,
the accountability records and (when the scheme weighs them) the requests of one office
and year; a task's facts go to its lead unit and, when the scheme's partner share is
above 0, to each of its partner units too (scoring.py weighs them) — a fixed number of queries whatever
the number of units — and the ranking built from them."""

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from django.urls import reverse

from duban.ledger.models import KeyTask
from duban.progress import month as M
from duban.progress.models import Judgement, Status
from duban.supervision import scoring
from duban.supervision.models import AccountabilityRecord, Notice, ScoringScheme
from duban.tickets import metrics as ticket_metrics
from duban.tickets.models import Ticket, TicketSettings


def scheme_for(office, year):
    """The office's scheme of `year`, or the default one (not saved) when none is kept."""
    found = ScoringScheme.objects.filter(office=office, year=year).first()
    return found or ScoringScheme(office=office, year=year), found is not None


def facts(office, year, as_of, scheme_row, start=None):
    """The facts of each unit for the year up to `as_of`, or from `start` (a month's
    score: only what happened between start and as_of counts)."""
    start = start or dt.date(year, 1, 1)
    partners_count = bool(scheme_row.partner_share)  # share 0: lead units only
    tasks = KeyTask.objects.filter(office=office, year=year).select_related("lead_unit")
    if partners_count:
        tasks = tasks.prefetch_related("partner_units")
    tasks = list(tasks.order_by("code", "pk"))
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
            "p_due": [],
            "p_on_time": [],
            "p_judged": 0,
            "p_lagging": [],
            "notices": [],
            "acc": [],
            "bonus": [],
        }
    )
    for task in tasks:
        url = reverse("ledger:detail", args=[task.pk])
        every = sorted(judgements.get(task.pk, []), key=lambda j: j.period)
        mine = [j for j in every if j.period >= f"{start:%Y-%m}"]
        lagging = [
            scoring.Record(f"{task.code} {task.title}（{j.period}）", url)
            for j in mine
            if j.status == Status.LAGGING
        ]
        due = on_time = None
        if task.deadline is not None and start <= task.deadline <= as_of:
            due = scoring.Record(f"{task.code} {task.title}（时限 {task.deadline}）", url)
            done = M.completed_period(every, [])
            if done is not None and done.start <= task.deadline:
                on_time = due
        roles = [(task.lead_unit, "")]
        if partners_count:
            roles += [(u, "p_") for u in task.partner_units.all() if u.pk != task.lead_unit_id]
        for unit, prefix in roles:
            units[unit.pk] = unit
            bucket = per_unit[unit.pk]
            bucket[prefix + "judged"] += len(mine)
            bucket[prefix + "lagging"] += lagging
            if due is not None:
                bucket[prefix + "due"].append(due)
            if on_time is not None:
                bucket[prefix + "on_time"].append(on_time)
    notices = (
        Notice.objects.filter(office=office, year=year, issued_on__gte=start, issued_on__lte=as_of)
        .exclude(state__in=Notice.UNSENT_STATES)
        .select_related("task", "ticket", "unit")
    )
    for notice in notices:
        units[notice.unit_id] = notice.unit
        per_unit[notice.unit_id]["notices"].append(
            (
                notice.level,
                scoring.Record(
                    f"{notice.number} {notice.subject}",
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
    requests = {}
    if scheme_row.weight_requests_on_time or scheme_row.weight_requests_satisfaction:
        requests = request_figures(office, start, as_of)
        for unit_id, row in requests.items():
            units.setdefault(unit_id, row["name"])
            per_unit[unit_id]  # a unit with requests only is scored too
    return [
        scoring.UnitFacts(
            unit_id=unit_id,
            unit=getattr(units[unit_id], "name", units[unit_id]),
            due_tasks=tuple(b["due"]),
            on_time_tasks=tuple(b["on_time"]),
            judged_months=b["judged"],
            lagging_months=tuple(b["lagging"]),
            notices=tuple(b["notices"]),
            accountability=tuple(b["acc"]),
            bonuses=tuple(b["bonus"]),
            requests=requests.get(unit_id),
            partner_due_tasks=tuple(b["p_due"]),
            partner_on_time_tasks=tuple(b["p_on_time"]),
            partner_judged_months=b["p_judged"],
            partner_lagging_months=tuple(b["p_lagging"]),
        )
        for unit_id, b in per_unit.items()
    ]


def request_figures(office, start, end):
    """{unit id: tickets.metrics.unit_figures' row, with "url" to the unit's requests
    received start..end} of the office's requests received in that span."""
    tickets = ticket_metrics.between(Ticket.objects.filter(office=office), start, end)
    weight = TicketSettings.load().basic_weight
    url = reverse("tickets:list")
    out = {}
    for row in ticket_metrics.unit_figures(tickets, weight):
        query = urlencode({"unit": row["unit_id"], "start": start, "end": end})
        out[row["unit_id"]] = {**row, "url": f"{url}?{query}"}
    return out


def ranking(office, year, as_of, start=None):
    """(ranked Scores, the scheme row, whether it is the office's own). Raises
    scoring.ScoringError when the office's scheme cannot score."""
    row, kept = scheme_for(office, year)
    scheme = row.as_scheme()
    scoring.check_scheme(scheme)
    scores = [scoring.score(f, scheme) for f in facts(office, year, as_of, row, start)]
    return scoring.rank(scores), row, kept
