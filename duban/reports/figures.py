"""Figures first: every report is one plain dict, computed here, and the Word, Excel,
HTML and JSON outputs all render from that dict without querying on their own. So a
document cannot disagree with its JSON, and archiving a report is storing its dict.

The monthly report (督查报告) counts the year's key tasks (年度重点工作; ad-hoc
交办事项 are not in the five categories) of an office, or of a district across its
streets, in three buckets — 已完成 / 推进正常 / 推进滞后 — per category in the
configured order, as the office judged them (研判):

- a month (2022-07) is counted as judged for that month;
- a half-year or a year as judged at the latest judged month inside it that is not
  after today (the ledger's rule for spans), or its last month so far when none is;
- a task the office has not judged for that month takes the status engine's
  proposal (`source: "proposed"`), so the counts always add up to the total.

The contract keys (period, as_of, categories, overall, lagging_items, reasons) are
fixed by the issue that asked for this report; the other keys serve the documents.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from duban.core.numfmt import month_span
from duban.core.periods import Period
from duban.ledger.models import Category, KeyTask
from duban.org.models import Office
from duban.progress import judging
from duban.progress.models import Judgement, Light, ReasonCategory, Status, Submission
from duban.progress.month import lag_rate, reference_month
from duban.reports.prose import cause
from duban.tickets import metrics as ticket_metrics
from duban.tickets.models import Ticket, TicketSettings

VERSION = 1
UNCATEGORISED = "未分类"
NO_REASON = "未注明原因类别"
FALLBACK_ADVICE = (
    "措施上要对症下药。责任单位要逐项查找滞后症结，明确赶超措施和完成时间，党政办公室跟踪督办到位。"
)
UNEXPLAINED_ADVICE = (
    "报送时要把原因说清楚。未说明滞后原因的事项，责任单位要在下月报送时补充说明原因"
    "和赶超措施，便于对症督办。"
)

STATUS_LABELS = {value: str(label) for value, label in Status.choices}
LIGHT_LABELS = {value: str(label) for value, label in Light.choices}


def _tasks_of(office, year):
    return KeyTask.objects.filter(
        office_id__in=office.scope_ids(), year=year, kind=KeyTask.Kind.ANNUAL
    )


def _latest_submissions(task_ids, month):
    """{task_id: (progress, reason_category_id, reason, completed_value, period)} of the
    latest accepted report of the year up to `month`, in one query."""
    months = [m.key for m in Period(month.year, 1, month.last_month).months()]
    accepted = Submission.objects.filter(state=Submission.State.ACCEPTED, period__in=months)
    latest = accepted.filter(task=OuterRef("task")).order_by("-period").values("period")[:1]
    rows = accepted.filter(task__in=task_ids, period=Subquery(latest)).values_list(
        "task_id", "progress", "reason_category_id", "reason", "completed_value", "period"
    )
    return {row[0]: row[1:] for row in rows}


def _number(value):
    """A Decimal as JSON keeps it exactly: "1857", "12.5"; None stays None."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _counts(rows):
    counts = {Status.COMPLETED: 0, Status.ON_TRACK: 0, Status.LAGGING: 0}
    for row in rows:
        counts[row["status"]] += 1
    total = len(rows)
    return {
        "total": total,
        "completed": counts[Status.COMPLETED],
        "on_track": counts[Status.ON_TRACK],
        "lagging": counts[Status.LAGGING],
        "lag_rate": lag_rate(counts[Status.LAGGING], total),
    }


def _category_table(rows, names):
    table = []
    for name in names:
        table.append({"name": name, **_counts([r for r in rows if r["category"] == name])})
    return table


def report_date(period, today):
    """The date a report is signed with by default: the end of a past period, else today
    (not before the period begins)."""
    return min(period.end, max(today, period.start))


TICKET_KEYS = [*ticket_metrics.COUNT_KEYS, *ticket_metrics.RATE_KEYS]


def tickets_of(tickets, start, end, label):
    """民生诉求 of `tickets` received on the days start..end, by the definitions of
    `tickets.metrics`: the contract's counts and rates, and per unit the figures of unit
    scoring. None when there is no request at all (an office that does not use the
    requests loop gets no section); `received` is 0 when there is none in the period."""
    if not tickets.exists():
        return None
    weight = TicketSettings.load().basic_weight
    period = ticket_metrics.between(tickets, start, end)
    figures = ticket_metrics.totals(period, weight)
    return {
        "label": label,
        "start": start.isoformat(),
        "end": end.isoformat(),
        **{key: figures[key] for key in TICKET_KEYS},
        "by_unit": ticket_metrics.unit_figures(period, weight),
    }


def monthly(office, period_key, *, today=None, suggestions=None, date=None):
    """The figures of the monthly report of `office` (a street, or a district across its
    streets) for `period_key` ("2022-07", "2022-H1" or "2022").

    `suggestions` ({reason category name: text}) replaces the default advice paragraphs
    (ReasonCategory.advice) for this report; `date` is the date under the signature
    (default: the end of a past period, else today).
    """
    period = period_key if isinstance(period_key, Period) else Period.parse(period_key)
    today = today or timezone.localdate()
    tasks = _tasks_of(office, period.year)
    month = reference_month(tasks, period, today)
    as_of = min(month.end, max(today, month.start))
    signed = date or report_date(period, today)

    task_rows = list(
        tasks.order_by(
            "category__order", "category_id", "office__order", "office_id", "code"
        ).values(
            "pk",
            "code",
            "title",
            "deadline",
            "category__name",
            "lead_unit__name",
            "target_value",
            "target_unit",
            "office_id",
            "office__name",
        )
    )
    ids = [row["pk"] for row in task_rows]
    judgements = {
        task_id: (status, light, flags, source, rc, reason)
        for task_id, status, light, flags, source, rc, reason in Judgement.objects.filter(
            task_id__in=ids, period=month.key
        ).values_list(
            "task_id", "status", "light", "flags", "source", "reason_category_id", "reason"
        )
    }
    missing = [pk for pk in ids if pk not in judgements]
    if missing:
        proposed = judging.proposals(KeyTask.objects.filter(pk__in=missing), month, as_of)
        for pk, result in proposed.items():
            judgements[pk] = (result.status, result.light, result.flags, "proposed", None, "")
    latest = _latest_submissions(ids, month)
    # id, name and default advice of every reason category, in their configured order
    reason_rows = list(ReasonCategory.objects.values_list("pk", "name", "advice"))
    reason_names = {pk: name for pk, name, _advice in reason_rows}

    rows = []
    for row in task_rows:
        status, light, flags, source, rc_id, reason = judgements[row["pk"]]
        progress, sub_rc, sub_reason, completed_value, reported = latest.get(
            row["pk"], ("", None, "", None, "")
        )
        rc_id = rc_id or sub_rc
        lagging = status == Status.LAGGING
        rows.append(
            {
                "code": row["code"],
                "title": row["title"],
                "category": row["category__name"] or UNCATEGORISED,
                "office": row["office__name"],
                "lead_unit": row["lead_unit__name"],
                "deadline": row["deadline"].isoformat() if row["deadline"] else None,
                "status": status,
                "status_label": STATUS_LABELS[status],
                "light": light,
                "light_label": LIGHT_LABELS.get(light, ""),
                "source": source,
                "overdue_days": int((flags or {}).get("overdue", {}).get("days", 0)),
                "progress": (progress or "").strip(),
                "progress_month": reported or "",
                "completed_value": _number(completed_value),
                "target_value": _number(row["target_value"]),
                "target_unit": row["target_unit"] or "",
                "reason_category": (reason_names.get(rc_id) or (NO_REASON if lagging else "")),
                "reason": ((reason or sub_reason or "").strip() if lagging else ""),
            }
        )

    # the office's categories (a district's: its own and its streets'), one line per name;
    # a task's category from elsewhere (older data) still gets its line, before 未分类
    names = dict.fromkeys(
        Category.objects.seen_from(office, period.year)
        .order_by("order", "id")
        .values_list("name", flat=True)
    )
    names.update(dict.fromkeys(r["category"] for r in rows if r["category"] != UNCATEGORISED))
    names = list(names)
    if any(r["category"] == UNCATEGORISED for r in rows):
        names.append(UNCATEGORISED)

    lagging_rows = [r for r in rows if r["status"] == Status.LAGGING]
    lagging_items = [
        {
            key: r[key]
            for key in (
                "code",
                "title",
                "category",
                "lead_unit",
                "deadline",
                "overdue_days",
                "reason_category",
                "reason",
                "progress",
                "office",
                "progress_month",
                "completed_value",
                "target_value",
                "target_unit",
            )
        }
        for r in lagging_rows
    ]

    reason_order = {name: i for i, (_pk, name, _advice) in enumerate(reason_rows)}
    grouped = {}
    for r in lagging_rows:
        grouped.setdefault(r["reason_category"], []).append(r["title"])
    reasons = [
        {"category": name, "count": len(items), "items": items}
        for name, items in sorted(
            grouped.items(),
            key=lambda kv: (-len(kv[1]), reason_order.get(kv[0], len(reason_order)), kv[0]),
        )
    ]

    advice = {name: text for _pk, name, text in reason_rows}
    advice[NO_REASON] = UNEXPLAINED_ADVICE
    fallback = advice.get("其他") or FALLBACK_ADVICE
    chosen = suggestions or {}
    suggestion_rows = [
        {
            "category": group["category"],
            "cause": "未说明原因"
            if group["category"] == NO_REASON
            else cause(group["category"])[0],
            "text": (chosen.get(group["category"]) or advice.get(group["category"]) or fallback)
            .strip()
            .replace("\r\n", "\n"),
        }
        for group in reasons
    ]

    streets = []
    if office.kind == Office.Kind.DISTRICT:
        for street in Office.objects.filter(pk__in=office.scope_ids()).order_by("order", "id"):
            street_rows = [r for r in rows if r["office"] == street.name]
            if street.pk == office.pk and not street_rows:
                continue
            streets.append(
                {
                    "name": street.name,
                    "categories": _category_table(street_rows, names),
                    "overall": _counts(street_rows),
                }
            )

    return {
        "version": VERSION,
        "kind": "monthly",
        "period": period.key,
        "period_label": period.label,
        "period_kind": period.kind,
        "period_last_month": period.last_month,
        "period_ended": period.end < today,
        "month": month.key,
        "month_label": month.label,
        "months_covered": month_span(1, month.last_month),
        "as_of": as_of.isoformat(),
        "year": period.year,
        "office": {"name": office.name, "kind": office.kind},
        "title": f"{office.name}{period.label}重点工作督查报告",
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "report_date": signed.isoformat(),
        "categories": _category_table(rows, names),
        "overall": _counts(rows),
        "lagging_items": lagging_items,
        "reasons": reasons,
        "suggestions": suggestion_rows,
        "tasks": rows,
        "streets": streets,
        "tickets": tickets_of(
            Ticket.objects.filter(office_id__in=office.scope_ids()),
            period.start,
            period.end,
            period.label,
        ),
    }
