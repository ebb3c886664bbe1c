"""The statistics' summary table (`DayCount`): per office, day received and breakdown
key, the counts the statistics add up — so the statistics of a period group a few
thousand summary rows instead of scanning every request (issue 11: 1,000,000 requests
in ≤ 1 s on PostgreSQL).

The rows are never adjusted by increments: `refresh` recomputes the rows of an
office's days from the requests themselves, with the definitions of `metrics`
(`metrics.day_counts`), so a summary row is by construction what the row-based
statistics would count for that day. Who changes requests says which days:

- a request saved one at a time (`Ticket.objects.create`, the admin's form, a delete):
  the signals below, the old day too when 受理时间 moved;
- a step of the loop (`services`: queryset updates): `touch(ticket)`;
- the import: `refresh` of the office's days the file touched, once, after the merge;
- anything else that writes requests in bulk (a test's bulk_create, a repair by hand):
  `rebuild()` (also `duban tickets stats --rebuild`).

Inside `deferred()` the touched days are collected and refreshed once at its end (the
import's 自动分单 steps many requests of the same days)."""

import contextlib
import contextvars
import datetime as dt

from django.db import connection
from django.db.models import DateField, F, Func, Max, Min, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from duban.tickets import flow

#: the breakdowns kept, and the request's field each is keyed by
DIMENSIONS = {"unit": "unit_id", "category": "category_id", "community": "community_id"}

#: SQLite: a refresh of more rows than this, most of the table, scans it
SCAN_ROWS = 50_000

_pending = contextvars.ContextVar("ticket_summary_pending", default=None)


def local_day(moment):
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).date()


def _bounds(first, last):
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tz),
    )


def _models(models):
    if models is not None:
        return models  # a migration's historical (Ticket, DayCount)
    from duban.tickets.models import DayCount, Ticket

    return Ticket, DayCount


def _fixed_offset(first, last):
    """The zone's UTC offset in seconds when it is the same on every day first..last
    (China has kept UTC+8 since 1991), else None."""
    tz = timezone.get_current_timezone()
    offsets = {
        dt.datetime.combine(first + dt.timedelta(days=n), clock, tz).utcoffset()
        for n in range((last - first).days + 2)
        for clock in (dt.time.min, dt.time(12))
    }
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def _day(first, last):
    """The local date of received_at as SQL. With a fixed offset over the span: the
    UTC moment plus the offset, as a date — on SQLite date(…, '+N seconds') instead of
    TruncDate's Python function per row, on PostgreSQL (sessions in UTC) an interval
    instead of a time-zone lookup per row; else TruncDate."""
    seconds = _fixed_offset(first, last)
    if seconds is not None and connection.vendor == "sqlite":
        return Func(
            F("received_at"),
            Value(f"{seconds:+d} seconds"),
            function="date",
            output_field=DateField(),
        )
    if (
        seconds is not None
        and connection.vendor == "postgresql"
        and connection.timezone_name == "UTC"
    ):
        return Func(
            F("received_at"),
            template=f"(%(expressions)s + interval '{seconds:d} seconds')::date",
            output_field=DateField(),
        )
    return TruncDate("received_at")


def refresh(office_id, first, last, models=None):
    """Recompute the summary rows of `office_id` for the days first..last (local dates,
    both included) from its requests: three INSERT … SELECT … GROUP BY (by day and
    unit, category, community) with the statistics' own aggregates (`metrics`)."""
    from duban.tickets import metrics

    Ticket, DayCount = _models(models)
    start, end = _bounds(first, last)
    tickets = Ticket.objects.filter(
        office_id=office_id, received_at__gte=start, received_at__lt=end
    ).exclude(state=flow.State.MERGED.value)
    DayCount.objects.filter(office_id=office_id, day__gte=first, day__lte=last).delete()
    qn = connection.ops.quote_name
    counts = [f"n_{key}" for key in metrics.SUMMED_KEYS]
    target = ", ".join(
        qn(c) for c in ["office_id", "dimension", "day", "key", *metrics.SUMMED_KEYS]
    )
    day = _day(first, last)
    table = qn(Ticket._meta.db_table)
    with connection.cursor() as cursor:
        scan = False
        if connection.vendor == "sqlite":
            # SQLite reads the span through the (office, received_at) index, row by row
            # in index order: for most of a large table a plain scan is far quicker
            cursor.execute(
                f"SELECT count(*), (SELECT max(id) FROM {table}) FROM {table} "
                f"WHERE office_id = %s AND received_at >= %s AND received_at < %s",
                [office_id, *(connection.ops.adapt_datetimefield_value(m) for m in (start, end))],
            )
            inside, top = cursor.fetchone()
            scan = inside > SCAN_ROWS and inside * 5 > (top or 0)
        for dimension, field in DIMENSIONS.items():
            grouped = (
                tickets.order_by()
                .values(d=day, k=F(field))
                .annotate(**metrics.aggregates())
                .values_list("d", "k", *counts)
            )
            sql, params = grouped.query.sql_with_params()
            if scan:
                sql = sql.replace(f"FROM {table}", f"FROM {table} NOT INDEXED", 1)
            cursor.execute(
                f"INSERT INTO {qn(DayCount._meta.db_table)} ({target}) "
                f"SELECT %s, %s, q.{qn('d')}, coalesce(q.{qn('k')}, 0), "
                + ", ".join(f"q.{qn(c)}" for c in counts)
                + f" FROM ({sql}) q",
                [office_id, dimension, *params],
            )


#: days touched this close together are refreshed as one span (fewer statements)
JOIN_GAP_DAYS = 31


def refresh_days(days):
    """Refresh a set of (office id, local date) pairs: one `refresh` per office and
    span of days no more than JOIN_GAP_DAYS apart."""
    by_office = {}
    for office_id, day in days:
        by_office.setdefault(office_id, set()).add(day)
    for office_id, dates in by_office.items():
        ordered = sorted(dates)
        first = previous = ordered[0]
        for day in ordered[1:]:
            if (day - previous).days > JOIN_GAP_DAYS:
                refresh(office_id, first, previous)
                first = day
            previous = day
        refresh(office_id, first, previous)


def touch(*pairs):
    """The (office id, local date) pairs whose requests changed: refreshed now, or at
    the end of the enclosing `deferred()`."""
    pending = _pending.get()
    if pending is not None:
        pending.update(pairs)
    else:
        refresh_days(pairs)


def touch_tickets(tickets):
    touch(*((t.office_id, local_day(t.received_at)) for t in tickets))


@contextlib.contextmanager
def deferred():
    """Collect the days touched inside, refresh them once at the end (nested: the
    outermost refreshes)."""
    if _pending.get() is not None:
        yield
        return
    pending = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        refresh_days(pending)


def rebuild(office_ids=None, models=None):
    """All summary rows (of `office_ids`) recomputed from the requests."""
    Ticket, DayCount = _models(models)
    rows = DayCount.objects.all()
    tickets = Ticket.objects.all()
    if office_ids is not None:
        rows = rows.filter(office_id__in=office_ids)
        tickets = tickets.filter(office_id__in=office_ids)
    rows.delete()
    spans = (
        tickets.order_by().values("office_id").annotate(a=Min("received_at"), b=Max("received_at"))
    )
    for span in spans:
        refresh(span["office_id"], local_day(span["a"]), local_day(span["b"]), models)


# ----- requests saved one at a time -----


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance._summary_before = (
        sender.objects.filter(pk=instance.pk).values_list("office_id", "received_at").first()
    )


def _after_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    pairs = [(instance.office_id, local_day(instance.received_at))]
    before = getattr(instance, "_summary_before", None)
    if before is not None:
        pairs.append((before[0], local_day(before[1])))
    touch(*pairs)


def _after_delete(sender, instance, **kwargs):
    touch((instance.office_id, local_day(instance.received_at)))


def connect():
    from django.db.models.signals import post_delete, post_save, pre_save

    from duban.tickets.models import Ticket

    pre_save.connect(_before_save, sender=Ticket, dispatch_uid="ticket_summary_pre")
    post_save.connect(_after_save, sender=Ticket, dispatch_uid="ticket_summary_post")
    post_delete.connect(_after_delete, sender=Ticket, dispatch_uid="ticket_summary_delete")
