"""驾驶舱 (the leaders' dashboard): the figures of the page as one plain JSON-able dict.
The template and its script render this dict and never query on their own.

What is counted: the tasks of the monthly report (`reports.figures`), i.e. the year's
年度重点工作 (kind "annual") the user may see (`KeyTask.objects.visible_to`), by
category; 交办事项 are left out.

Statuses and lights are the office's judgements (研判) of one month, the reference month:

- by default the monthly report's rule for a year (`figures.reference_month`): the
  latest judged month of the year that is not after today, else the latest month so far;
- `period` picks a month of the year; a half-year or a year resolves to a month by the
  same rule.

A month is judged whole once any of it is judged (`progress.month`), so a month's counts
are the office's and the engine's judgements of every task; only a month nobody has judged
yet shows its tasks as 未研判 (the monthly report then counts the engine's proposals). Every figure links to the ledger filtered
to the tasks it counts, and the ledger filters on judgements, so a proposal would make
the two disagree.

- lag rate (滞后率) = 推进滞后 / all the year's tasks counted (`month.lag_rate`, the
  reports' definition: one decimal, half up; None when there is no task). A month that
  has begun to be judged is judged whole (`progress.month`), so every task counts;
- each chart element carries `url`, the ledger list filtered by year, period, category,
  lead unit, status or light, or None where the ledger has no such filter (未研判,
  未分类); every link also filters kind=annual, so 交办事项 never show behind a figure.

- `tickets`: the 民生诉求 the user may see received in the reference month (the monthly
  report's figures, `figures.tickets_of`), with `url` to the requests' statistics page
  for those days; None when the user sees no request at all (no panel).

A fixed number of queries whatever the number of tasks.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote_plus

from django.core.cache import cache
from django.db import connections
from django.db.models import Count
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from duban.core.periods import Period, PeriodError, parse_year
from duban.indicators.figures import summary_rows
from duban.indicators.models import Indicator
from duban.ledger.models import Category, KeyTask
from duban.org import roles as R
from duban.org.scope import offices_in_scope
from duban.progress.models import Judgement, Light, Status
from duban.progress.month import lag_rate, opening_month, reference_month
from duban.reports import versioning
from duban.reports.figures import LIGHT_LABELS, STATUS_LABELS, UNCATEGORISED, tickets_of
from duban.tickets.models import Ticket

VERSION = 1
STATUSES = [Status.COMPLETED, Status.ON_TRACK, Status.LAGGING]
LIGHTS = [Light.GREEN, Light.BLUE, Light.YELLOW, Light.RED]
UNJUDGED = "unjudged"
UNJUDGED_LABEL = "未研判"


def ledger_url(year, month, **filters):
    """The ledger list showing the tasks a figure counts (empty filters left out)."""
    query = {"year": year, "period": month.key, "kind": KeyTask.Kind.ANNUAL}
    query.update({key: value for key, value in filters.items() if value not in (None, "")})
    return f"{reverse('ledger:list')}?{urlencode(query)}"


def _parse_year(value):
    try:
        return parse_year(value)
    except PeriodError:
        return None


def _parse_period(value):
    if isinstance(value, Period):
        return value
    try:
        return Period.parse(value) if value else None
    except PeriodError:
        return None


def _counts():
    return {Status.COMPLETED.value: 0, Status.ON_TRACK.value: 0, Status.LAGGING.value: 0}


def build(user, year=None, period=None, today=None):
    """The dashboard of what `user` may see, for `year` (default: the latest year with
    annual tasks) judged as of `period` (default: see the module docstring). Values
    that do not parse, or a period of another year, fall back to the defaults."""
    today = today or timezone.localdate()
    visible = KeyTask.objects.visible_to(user).filter(kind=KeyTask.Kind.ANNUAL)
    # Inside a transaction (a caller that writes, a test) nothing is cached: on
    # PostgreSQL the version changes only when a write commits.
    version = None if connections[visible.db].in_atomic_block else versioning.current(visible.db)
    scope = R.office_scope_ids(user)
    scope_key = repr((str(visible.query), sorted(scope) if scope is not None else None))
    years = _years(visible, version, scope_key)

    chosen = _parse_period(period)
    year = _parse_year(year) or (chosen.year if chosen else None)
    if year is None and years:
        # the year of the month the pickers open on (`month.opening_month`)
        opening = opening_month(visible, today).year
        year = opening if opening in years else years[0]
    year = year or (years[0] if years else today.year)
    if chosen is None or chosen.year != year:
        chosen = Period.parse(str(year))
    tasks = visible.filter(year=year)
    if version is None:
        figures = _task_figures(user, tasks, year, years, chosen, today)
    else:
        # the figures of the tasks, cached under the data version of the tables they come
        # from (exact: reports/versioning.py) and everything they depend on besides; the
        # version was read before anything else
        key = f"duban:dashboard:{version}:{year}:{chosen.key}:{today}:{_digest(scope_key)}"
        figures = cache.get(key)
        if figures is None:
            figures = _task_figures(user, tasks, year, years, chosen, today)
            cache.set(key, figures, CACHE_SECONDS)
    month = Period.parse(figures["month"])
    figures["tickets"] = _tickets(user, month)
    figures["indicators"] = _indicators(user, month)
    return figures


def _years(visible, version, scope_key):
    """The years with a visible annual task, newest first: the year select, kept under
    the data version (tasks are among its tables) for the same visible tasks."""

    def read():
        return list(visible.order_by("-year").values_list("year", flat=True).distinct())

    if version is None:
        return read()
    key = f"duban:dashboard-years:{version}:{_digest(scope_key)}"
    years = cache.get(key)
    if years is None:
        years = read()
        cache.set(key, years, CACHE_SECONDS)
    return years


#: how long the dashboard keeps figures of a data version nobody has changed
CACHE_SECONDS = 3600


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _task_figures(user, tasks, year, years, chosen, today):
    """Everything of the dashboard but the requests and indicators panels."""
    month = reference_month(tasks, chosen, today)

    # 滞后率 of every judged month of the year, in one query: lagging ÷ the year's tasks
    # (`month.lag_rate`, as in the reports).
    tasks_by_category = dict(
        tasks.order_by()
        .values_list("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    total_tasks = sum(tasks_by_category.values())
    per_month = {}
    year_months = [m.key for m in Period(year, 1, 12).months()]
    for key, status, n in (
        Judgement.objects.filter(task__in=tasks, period__in=year_months)
        .order_by()
        .values_list("period", "status")
        .annotate(n=Count("pk"))
    ):
        per_month.setdefault(key, _counts())[status] += n
    by_month = []
    for key in sorted(per_month):
        counts = per_month[key]
        judged = sum(counts.values())
        by_month.append(
            {
                "period": key,
                "label": f"{Period.parse(key).first_month}月",
                "judged": judged,
                "lagging": counts[Status.LAGGING],
                "lag_rate": lag_rate(counts[Status.LAGGING], total_tasks),
                "url": ledger_url(year, Period.parse(key), status=Status.LAGGING.value),
            }
        )

    # the month's figures from grouped queries: nothing here grows with the number of tasks
    # but the overdue list
    judged_month = Judgement.objects.filter(task__in=tasks, period=month.key).order_by()
    grouped = list(
        judged_month.values_list("task__category_id", "status", "light").annotate(n=Count("pk"))
    )
    categories = list(
        Category.objects.seen_from(offices_in_scope(user), year)
        .order_by("order", "id")
        .values_list("pk", "name")
    )

    base = ledger_url(year, month)  # one reverse and one encoding for every figure's link

    def url(**filters):
        # urllib's quoting, as django.utils.http.urlencode gives for these plain values, at
        # a fraction of its cost: the API's figures carry a link for each of 300 units
        extra = "&".join(
            f"{key}={quote_plus(str(value))}"
            for key, value in filters.items()
            if value not in (None, "")
        )
        return f"{base}&{extra}" if extra else base

    # 类别 × 状态
    by_category = {pk: {**_counts(), UNJUDGED: 0} for pk, _name in categories}
    uncategorised = {**_counts(), UNJUDGED: 0}
    for category_id, n in tasks_by_category.items():
        by_category.get(category_id, uncategorised)[UNJUDGED] += n
    status_totals = _counts()
    light_counts = dict.fromkeys(LIGHTS, 0)
    for category_id, status, light, n in grouped:
        counts = by_category.get(category_id, uncategorised)
        counts[status] += n
        counts[UNJUDGED] -= n
        status_totals[status] += n
        light_counts[light] = light_counts.get(light, 0) + n
    category_rows = [
        {
            "id": pk,
            "name": name,
            **by_category[pk],
            "total": sum(by_category[pk].values()),
            "urls": {s.value: url(category=pk, status=s.value) for s in STATUSES},
        }
        for pk, name in categories
    ]
    if sum(uncategorised.values()):
        category_rows.append(
            {
                "id": None,
                "name": UNCATEGORISED,
                **uncategorised,
                "total": sum(uncategorised.values()),
                "urls": {s.value: None for s in STATUSES},
            }
        )
    total = total_tasks
    judged = sum(status_totals.values())

    # 预警灯
    lights = [
        {
            "light": light.value,
            "label": LIGHT_LABELS[light],
            "count": light_counts[light],
            "url": url(light=light.value),
        }
        for light in LIGHTS
    ]
    unjudged = total - judged
    if unjudged:
        lights.append({"light": None, "label": UNJUDGED_LABEL, "count": unjudged, "url": None})

    # 滞后事项按牵头单位
    lagging_units = list(
        judged_month.filter(status=Status.LAGGING)
        .values_list(
            "task__lead_unit_id",
            "task__lead_unit__name",
            "task__lead_unit__order",
            "task__lead_unit__office__name",
        )
        .annotate(n=Count("pk"))
    )
    overdue_rows = list(
        judged_month.filter(flags__has_key="overdue").values_list(
            "task_id",
            "task__code",
            "task__title",
            "task__lead_unit__name",
            "task__deadline",
            "light",
            KT("flags__overdue__days"),
            "task__lead_unit__office__name",
        )
    )
    # a district's streets each have their 城建中心: across streets a unit names its street
    several = len({row[3] for row in lagging_units} | {row[7] for row in overdue_rows}) > 1
    lagging_by_unit = [
        {
            "id": pk,
            "name": f"{office}·{name}" if several else name,
            "count": n,
            "url": url(lead_unit=pk, status=Status.LAGGING.value),
        }
        for pk, name, _order, office, n in sorted(
            lagging_units, key=lambda r: (-r[4], r[2], r[1], r[3])
        )
    ]

    # 超期事项: the judgements flagged overdue, their days read from the flags by the database
    overdue = []
    detail = reverse("ledger:detail", args=[0]).removesuffix("0/")  # + pk + "/"
    for pk, code, title, unit, deadline, light, days, office in overdue_rows:
        overdue.append(
            {
                "code": code,
                "title": title,
                "lead_unit": f"{office}·{unit}" if several else unit,
                "deadline": deadline.isoformat() if deadline else None,
                "days": int(days or 0),
                "light": light,
                "url": f"{detail}{pk}/",
            }
        )
    overdue.sort(key=lambda item: (-item["days"], item["code"]))

    months = sorted({*per_month, month.key})

    return {
        "version": VERSION,
        "year": year,
        "years": sorted({*years, year}, reverse=True),
        "month": month.key,
        "month_label": month.label,
        "months": [{"key": key, "label": Period.parse(key).label} for key in months],
        "kpi": {
            "total": total,
            "judged": judged,
            **status_totals,
            UNJUDGED: unjudged,
            # no rate for a month nobody has judged yet
            "lag_rate": lag_rate(status_totals[Status.LAGGING], total) if judged else None,
            "urls": {
                "total": url(),
                **{s.value: url(status=s.value) for s in STATUSES},
            },
        },
        "categories": category_rows,
        "by_month": by_month,
        "lagging_by_unit": lagging_by_unit,
        "lights": lights,
        "overdue": overdue,
        "tickets": None,  # not cached: build() adds both panels
        "indicators": None,
        "labels": {
            "status": {**{s.value: STATUS_LABELS[s] for s in STATUSES}, UNJUDGED: UNJUDGED_LABEL},
            "light": {light.value: LIGHT_LABELS[light] for light in LIGHTS},
        },
    }


#: rows of the 经济社会指标 panel; the page of indicators has them all
INDICATOR_ROWS = 12


def _indicators(user, month):
    """The 经济社会指标 of the user's office for the reference month (`indicators.figures`),
    at most INDICATOR_ROWS, as JSON-able text; None when the office keeps none (no panel)."""
    office = _own_office(user)
    if office is None or not Indicator.objects.filter(office=office, active=True).exists():
        return None
    rows = summary_rows(office, month.year, month.first_month)
    return {
        "label": month.label,
        "total": len(rows),
        "behind": sum(1 for r in rows if r["behind"]),
        "url": f"{reverse('indicators:list')}?{urlencode({'period': month.key, 'office': office.pk})}",
        "rows": [
            {
                **{k: r[k] for k in ("name", "unit", "group", "behind")},
                **{
                    k: None if r[k] is None else str(r[k])
                    for k in ("value", "previous", "growth_rate", "target", "completion_rate")
                },
                "decimals": r["decimals"],
                "url": reverse("indicators:detail", args=[r["id"]]) + f"?year={month.year}",
            }
            for r in rows[:INDICATOR_ROWS]
        ],
    }


def _own_office(user):
    """The office whose indicators the dashboard shows: the person's own, else the first
    office of their scope."""
    profile = R.profile_of(user)
    if profile is not None and profile.office_id:
        return profile.office
    return offices_in_scope(user).first()


def _tickets(user, month):
    figures = tickets_of(Ticket.objects.visible_to(user), month.start, month.end, month.label)
    if figures is not None:
        figures["url"] = (
            reverse("tickets:stats")
            + "?"
            + urlencode({"start": month.start.isoformat(), "end": month.end.isoformat()})
        )
    return figures
