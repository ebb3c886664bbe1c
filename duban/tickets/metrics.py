"""The request statistics: one dict with fixed keys (the contract of issue 11), the
definitions written once, here (and in docs/tickets.md):

- received 受理 = closed + returned + in_progress + awaiting_dispatch, by state
  (`flow.BUCKET`): 办结 = 已办结/已评单/已归档, 退单 = 已退单, 办处中 = 待领单/办理中,
  待分派 = 待分单/待审单.
- followed_up 回访: requests with a follow-up (any of 是否联系/是否解决/满意度 given);
  contacted, resolved, satisfied, basically_satisfied, unsatisfied: among them, by the
  latest follow-up.
- response_rate 响应率 = contacted ÷ followed_up
- resolution_rate 解决率 = resolved ÷ followed_up
- satisfaction_rate 满意率 = (satisfied + w × basically_satisfied) ÷ followed_up,
  w = 诉求设置's weight (0.9 by default)
- on_time_rate 按时办结率 = closed no later than the deadline ÷ closed (the deadline
  as it stands, so an approved extension counts)
- a request merged into another (已合并, 同人同事) is not counted anywhere: its main
  request is, once.
Rates are percentages with two decimals, rounded half up, and null when the
denominator is 0. Each breakdown (by unit, category, community, month) is one grouped
query.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from duban.core.numfmt import rate
from duban.tickets import flow

COUNT_KEYS = [
    "received",
    "closed",
    "returned",
    "in_progress",
    "awaiting_dispatch",
    "followed_up",
    "contacted",
    "resolved",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
]
#: the counts a group adds up: the contract's counts and the closed-on-time count
SUMMED_KEYS = [*COUNT_KEYS, "on_time"]
RATE_KEYS = ["response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"]
BREAKDOWNS = ["by_unit", "by_category", "by_community", "by_month"]

LABELS = {
    "received": "受理",
    "closed": "办结",
    "returned": "退单",
    "in_progress": "办处中",
    "awaiting_dispatch": "待分派",
    "followed_up": "回访",
    "contacted": "已联系",
    "resolved": "已解决",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "response_rate": "响应率(%)",
    "resolution_rate": "解决率(%)",
    "satisfaction_rate": "满意率(%)",
    "on_time_rate": "按时办结率(%)",
}
BREAKDOWN_LABELS = {
    "by_unit": "按承办单位",
    "by_category": "按诉求类别",
    "by_community": "按社区",
    "by_month": "按月份",
}
RATE_PLACES = 2
DEFAULT_WEIGHT = Decimal("0.9")


def _states(bucket):
    return [s.value for s, b in flow.BUCKET.items() if b == bucket]


def aggregates():
    """The counts of one group as aggregates named n_<key> (`SUMMED_KEYS`)."""
    closed = Q(state__in=_states(flow.CLOSED))
    followed = Q(followed_up=True)
    # named n_<key>: an aggregate may not share a field's name (followed_up, resolved …)
    return {
        f"n_{key}": aggregate
        for key, aggregate in {
            "received": Count("id"),
            "closed": Count("id", filter=closed),
            "returned": Count("id", filter=Q(state__in=_states(flow.RETURNED))),
            "in_progress": Count("id", filter=Q(state__in=_states(flow.IN_PROGRESS))),
            "awaiting_dispatch": Count("id", filter=Q(state__in=_states(flow.AWAITING))),
            "followed_up": Count("id", filter=followed),
            "contacted": Count("id", filter=followed & Q(contacted=True)),
            "resolved": Count("id", filter=followed & Q(resolved=True)),
            "satisfied": Count("id", filter=followed & Q(satisfaction=flow.Satisfaction.SATISFIED)),
            "basically_satisfied": Count(
                "id", filter=followed & Q(satisfaction=flow.Satisfaction.BASIC)
            ),
            "unsatisfied": Count(
                "id", filter=followed & Q(satisfaction=flow.Satisfaction.UNSATISFIED)
            ),
            "on_time": Count("id", filter=closed & Q(closed_at__lte=F("deadline"))),
        }.items()
    }


def figures(counts, weight=DEFAULT_WEIGHT):
    """The counts and rates of one group, from its aggregated counts."""
    out = {key: int(counts.get(f"n_{key}") or 0) for key in COUNT_KEYS}
    followed = out["followed_up"]
    weight = Decimal(str(weight))
    out["response_rate"] = rate(out["contacted"], followed, RATE_PLACES)
    out["resolution_rate"] = rate(out["resolved"], followed, RATE_PLACES)
    out["satisfaction_rate"] = rate(
        out["satisfied"] + weight * out["basically_satisfied"], followed, RATE_PLACES
    )
    out["on_time_rate"] = rate(int(counts.get("n_on_time") or 0), out["closed"], RATE_PLACES)
    return out


def between(tickets, start=None, end=None, unit=None, community=None):
    """Requests received on the days start..end (both included, local time), of a unit
    or a community. A range on the column itself, so its index serves."""
    tz = timezone.get_current_timezone()
    if start is not None:
        tickets = tickets.filter(received_at__gte=dt.datetime.combine(start, dt.time.min, tz))
    if end is not None:
        day_after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)
        tickets = tickets.filter(received_at__lt=day_after)
    if unit is not None:
        tickets = tickets.filter(unit=unit)
    if community is not None:
        tickets = tickets.filter(community=community)
    return tickets


#: the name of a breakdown's row of requests without one (a request waiting for 分单
#: has no unit yet: nothing was left blank)
UNNAMED = {"unit": "（未分派）", "category": "（未分类）", "community": "（未填社区）"}


def _grouped(tickets, weight, dimension):
    key, name = f"{dimension}_id", f"{dimension}__name"
    rows = tickets.order_by().values(key, name).annotate(**aggregates()).order_by(name)
    out = []
    for row in rows:
        out.append(
            {
                "id": row[key],
                "name": row[name] or UNNAMED[dimension],
                **figures(row, weight),
            }
        )
    return sorted(out, key=lambda r: (-r["received"], r["name"]))


def compute(tickets, weight=DEFAULT_WEIGHT):
    """The statistics of `tickets` (a queryset, already limited to what the viewer may
    see and to the period asked) as the contract's dict: four grouped queries, the
    totals being the sums of the months' counts (every request has its month)."""
    tickets = tickets.exclude(state=flow.State.MERGED.value)
    months = list(
        tickets.order_by()
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(**aggregates())
        .order_by("month")
    )
    sums = {}
    for row in months:
        for key, value in row.items():
            if key.startswith("n_"):
                sums[key] = sums.get(key, 0) + (value or 0)
    out = figures(sums, weight)
    out["by_unit"] = _grouped(tickets, weight, "unit")
    out["by_category"] = _grouped(tickets, weight, "category")
    out["by_community"] = _grouped(tickets, weight, "community")
    out["by_month"] = [
        {"month": row["month"].strftime("%Y-%m"), **figures(row, weight)} for row in months
    ]
    return out


def summarized(office_ids=None, start=None, end=None, weight=DEFAULT_WEIGHT):
    """The same dict as `compute`, for all the requests of `office_ids` (None: every
    office) received on the days start..end, from the summary table (`summary`,
    `DayCount`): one grouped query over the period's summary rows (by dimension, key
    and month), added up here. Only for a whole office scope — a unit, a community or
    a narrower visibility goes through `compute`."""
    from duban.org.models import Unit
    from duban.tickets.models import DayCount, TicketCategory

    rows = DayCount.objects.all()
    if office_ids is not None:
        rows = rows.filter(office_id__in=list(office_ids))
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    grouped = (
        rows.order_by()
        .values("dimension", "key", month=TruncMonth("day"))
        .annotate(**{f"n_{key}": Sum(key) for key in SUMMED_KEYS})
    )
    months, groups = {}, {"unit": {}, "category": {}, "community": {}}
    for row in grouped:
        target = groups[row["dimension"]].setdefault(row["key"], {})
        for key in SUMMED_KEYS:
            target[f"n_{key}"] = target.get(f"n_{key}", 0) + (row[f"n_{key}"] or 0)
        if row["dimension"] == "unit":  # every request has one unit key: once per month
            month = months.setdefault(row["month"], {})
            for key in SUMMED_KEYS:
                month[f"n_{key}"] = month.get(f"n_{key}", 0) + (row[f"n_{key}"] or 0)
    sums = {}
    for counts in months.values():
        for key, value in counts.items():
            sums[key] = sums.get(key, 0) + value
    out = figures(sums, weight)
    names = {
        "unit": Unit.objects.filter(pk__in=list(groups["unit"])),
        "community": Unit.objects.filter(pk__in=list(groups["community"])),
        "category": TicketCategory.objects.filter(pk__in=list(groups["category"])),
    }
    for dimension, breakdown in (
        ("unit", "by_unit"),
        ("category", "by_category"),
        ("community", "by_community"),
    ):
        named = dict(names[dimension].values_list("pk", "name"))
        out[breakdown] = sorted(
            (
                {
                    "id": key or None,
                    "name": named.get(key) or UNNAMED[dimension],
                    **figures(counts, weight),
                }
                for key, counts in groups[dimension].items()
            ),
            key=lambda r: (-r["received"], r["name"]),
        )
    out["by_month"] = [
        {"month": month.strftime("%Y-%m"), **figures(months[month], weight)}
        for month in sorted(months)
    ]
    return out


def unit_figures(tickets, weight=DEFAULT_WEIGHT):
    """Per unit, ready for scoring: [{unit_id, name, received, closed, closed_on_time,
    on_time_rate, resolution_rate, satisfaction_rate}], from the same definitions and
    one grouped query; requests not yet dispatched (no unit) are left out. Most
    requests first."""
    rows = (
        tickets.exclude(state=flow.State.MERGED.value)
        .filter(unit__isnull=False)
        .order_by()
        .values("unit_id", "unit__name")
        .annotate(**aggregates())
        .order_by("unit__name")
    )
    out = []
    for row in rows:
        f = figures(row, weight)
        out.append(
            {
                "unit_id": row["unit_id"],
                "name": row["unit__name"],
                "received": f["received"],
                "closed": f["closed"],
                "closed_on_time": int(row["n_on_time"] or 0),
                "on_time_rate": f["on_time_rate"],
                "resolution_rate": f["resolution_rate"],
                "satisfaction_rate": f["satisfaction_rate"],
            }
        )
    return sorted(out, key=lambda r: (-r["received"], r["name"]))


def by_source(tickets):
    """How many of `tickets` came from each source (网格采集, 说事日, 12345热线, ...), one
    grouped query: [{source, name, received}], most first, sources without any left out."""
    from duban.tickets.models import Source

    order = {code: n for n, code in enumerate(Source.values)}
    rows = (
        tickets.exclude(state=flow.State.MERGED.value)
        .order_by()
        .values("source")
        .annotate(n=Count("id"))
    )
    out = [
        {"source": row["source"], "name": str(Source(row["source"]).label), "received": row["n"]}
        for row in rows
        if row["source"] in order
    ]
    return sorted(out, key=lambda r: (-r["received"], order[r["source"]]))


def totals(tickets, weight=DEFAULT_WEIGHT):
    """The contract's counts and rates of `tickets`, without the breakdowns, and how many
    were closed within their deadline (closed_on_time): one query (the monthly report's,
    the summary's and the dashboard's 民生诉求 figures)."""
    tickets = tickets.exclude(state=flow.State.MERGED.value)
    counts = tickets.order_by().aggregate(**aggregates())
    return {**figures(counts, weight), "closed_on_time": int(counts.get("n_on_time") or 0)}
