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

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from duban.core.numfmt import month_span
from duban.core.periods import Period
from duban.core.quantities import narrow, quantities
from duban.indicators.figures import figure_text, summary_rows
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
        "closed_on_time": figures["closed_on_time"],
        "by_source": ticket_metrics.by_source(period),
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


# --- the drafted work summary (工作总结 初稿) ---------------------------------------------

SUMMARY_VERSION = 1


class SummaryError(ValueError):
    """A summary that cannot be drafted (a period that is not a half-year or a year)."""


def summary_period(value):
    """The period of a summary: a half-year (2022-H1) or a year (2022), else SummaryError."""
    try:
        period = value if isinstance(value, Period) else Period.parse(str(value))
    except ValueError as error:
        raise SummaryError(str(error))
    if period.kind not in ("half", "year"):
        raise SummaryError(
            f"工作总结按半年或年度起草，请写成 2022-H1、2022-H2 或 2022；收到“{value}”"
        )
    return period


def plan_label(period):
    """What the plan part looks ahead to: 下半年 after the first half, the next year after
    the second half or a whole year."""
    if period.kind == "half" and period.first_month == 1:
        return f"{period.year}年下半年"
    return f"{period.year + 1}年"


def _quantities_of(text):
    """The exact quantities a unit wrote in its progress text, [{"value", "unit"}]."""
    found = quantities(narrow(text or ""))
    return [{"value": _number(q.value), "unit": q.unit} for q in found if not q.approx]


def _next_steps(task_ids, month, first_month):
    """{task_id: (下步措施, its month)} of the latest accepted report of the period up to `month` that
    says one, in one query."""
    rows = (
        Submission.objects.filter(
            task_id__in=task_ids,
            state=Submission.State.ACCEPTED,
            period__gte=f"{month.year:04d}-{first_month:02d}",
            period__lte=month.key,
        )
        .exclude(next_steps="")
        .order_by("task_id", "-period")
        .values_list("task_id", "next_steps", "period")
    )
    out = {}
    for task_id, text, month_key in rows:
        out.setdefault(task_id, (text.strip(), month_key))
    return out


def _indicator_rows(office, month):
    """The office's indicators for the summary's counted month (indicators.figures), as
    JSON-ready values: figures as the pages print them, rates as numbers."""
    rows = []
    for row in summary_rows(office, month.year, month.last_month):
        decimals = row.get("decimals", 2)
        rows.append(
            {
                "name": row["name"],
                "unit": row["unit"],
                "group": row["group"],
                "value": None if row["value"] is None else figure_text(row["value"], decimals),
                "previous": None
                if row["previous"] is None
                else figure_text(row["previous"], decimals),
                "growth_rate": _number(row["growth_rate"]),
                "target": None if row["target"] is None else figure_text(row["target"], decimals),
                "completion_rate": _number(row["completion_rate"]),
                "time_progress": _number(row["time_progress"]),
                "behind": row["behind"],
            }
        )
    return rows


def summary(office, period_key, *, today=None, date=None, indicators=None, edits=None):
    """The figures of `office`'s drafted work summary (工作总结 初稿) for a half-year or a
    year: the monthly report's figures of the period (categories, counts, tasks, lagging
    items and their reasons, requests), regrouped for the summary's three parts —
    一、主要工作完成情况 (per category: completed tasks with the quantities their text
    gives — in a second half, those not already completed as judged in June —, tasks in progress with reported values, lagging ones; the requests; the
    indicators), 二、存在的问题 (reasons, overdue items: the bulletin's rule),
    三、下步工作计划 (下步措施 of the latest accepted reports of open tasks; the next
    year's ledger, for a year-end summary, when it has tasks).

    `indicators` (rows of indicators.figures.summary_rows) is kept as given, read from the
    indicators of the counted month when not given; `edits`
    ({section key: text}) replaces a drafted section with the office's own words.
    """
    from duban.reports.bulletin import overdue_items  # the bulletin's rule; it imports us

    period = summary_period(period_key)
    today = today or timezone.localdate()
    base = monthly(office, period, today=today, date=date)
    as_of = dt.date.fromisoformat(base["as_of"])
    month = Period.parse(base["month"])
    tasks = base["tasks"]
    # a task's key: its office and code (a district's streets may reuse codes)
    pks = {
        (name, code): pk
        for name, code, pk in _tasks_of(office, period.year).values_list(
            "office__name", "code", "pk"
        )
    }

    def pk_of(task):
        return pks.get((task["office"], task["code"]))

    steps = _next_steps(
        [pk_of(t) for t in tasks if t["status"] != Status.COMPLETED],
        month,
        period.first_month,
    )

    def item(task):
        return {
            key: task[key]
            for key in (
                "code",
                "title",
                "lead_unit",
                "office",
                "progress",
                "progress_month",
                "completed_value",
                "target_value",
                "target_unit",
            )
        }

    # the second half tells what was completed in its own months: a task already judged
    # completed in June is the first half's (the counts stay those of the year so far)
    done_before = set()
    if period.first_month > 1:
        done_before = set(
            Judgement.objects.filter(
                task_id__in=[pk for pk in pks.values()],
                period=f"{period.year:04d}-{period.first_month - 1:02d}",
                status=Status.COMPLETED,
            ).values_list("task_id", flat=True)
        )

    categories = []
    for counts in base["categories"]:
        mine = [t for t in tasks if t["category"] == counts["name"]]
        categories.append(
            {
                **counts,
                "completed_items": [
                    {**item(t), "quantities": _quantities_of(t["progress"])}
                    for t in mine
                    if t["status"] == Status.COMPLETED and pk_of(t) not in done_before
                ],
                "in_progress": [
                    item(t) for t in mine if t["status"] == Status.ON_TRACK and t["progress"]
                ],
                "lagging_titles": [t["title"] for t in mine if t["status"] == Status.LAGGING],
            }
        )

    next_steps = [
        {
            "code": t["code"],
            "title": t["title"],
            "category": t["category"],
            "lead_unit": t["lead_unit"],
            "status": t["status"],
            "text": steps[pk_of(t)][0],
            "month": steps[pk_of(t)][1],
        }
        for t in tasks
        if t["status"] != Status.COMPLETED and pk_of(t) in steps
    ]

    next_year = None
    if period.last_month == 12:
        following = _tasks_of(office, period.year + 1).order_by(
            "category__order", "category_id", "code"
        )
        grouped = {}
        for name, title in following.values_list("category__name", "title"):
            grouped.setdefault(name or UNCATEGORISED, []).append(title)
        if grouped:
            next_year = {
                "year": period.year + 1,
                "total": sum(len(v) for v in grouped.values()),
                "categories": [{"name": k, "titles": v} for k, v in grouped.items()],
            }

    overdue, _judged = overdue_items(office, period, as_of)
    if indicators is None:
        indicators = _indicator_rows(office, month)
    return {
        "version": SUMMARY_VERSION,
        "kind": "summary",
        "draft": True,
        "period": period.key,
        "period_label": period.label,
        "period_kind": period.kind,
        "period_last_month": period.last_month,
        "period_ended": base["period_ended"],
        "month": base["month"],
        "month_label": base["month_label"],
        "as_of": base["as_of"],
        "year": period.year,
        "office": base["office"],
        "title": f"{office.name}{period.label}工作总结（初稿）",
        "plan_label": plan_label(period),
        "generated_at": base["generated_at"],
        "report_date": base["report_date"],
        "overall": base["overall"],
        "categories": categories,
        "tickets": base["tickets"],
        "indicators": list(indicators or []),
        "lagging_items": base["lagging_items"],
        "reasons": base["reasons"],
        "overdue_items": overdue,
        "next_steps": next_steps,
        "next_year": next_year,
        "edits": {k: v for k, v in (edits or {}).items() if v and v.strip()},
    }
