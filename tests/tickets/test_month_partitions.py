"""The requests table partitioned by month (docs/scaling.md), tried on a copy: a table
with the layout of tickets_ticket, partitioned by received_at, takes the rows of
several months into their own partitions, and a query for a range of months reads only
those partitions (partition pruning, seen in EXPLAIN). PostgreSQL only; the DDL is
rolled back with the test's transaction and tickets_ticket itself is not changed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from duban.tickets.models import Source, Ticket

TZ = ZoneInfo("Asia/Shanghai")
MONTHS = [(2023, m) for m in range(1, 7)]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="declarative partitioning is PostgreSQL's"
)


def month_start(year, month):
    return dt.datetime(year + month // 13, month % 12 or 12, 1, tzinfo=TZ)


@pytest.mark.django_db
def test_a_month_range_reads_only_its_partitions(office):
    Ticket.objects.bulk_create(
        Ticket(
            office=office,
            source=Source.HOTLINE,
            source_number=f"GD{year}{month:02d}{n:03d}",
            received_at=month_start(year, month) + dt.timedelta(days=n, hours=9),
            content="小区门口占道经营",
        )
        for year, month in MONTHS
        for n in range(20)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE tickets_by_month (LIKE tickets_ticket INCLUDING DEFAULTS "
            "INCLUDING IDENTITY) PARTITION BY RANGE (received_at)"
        )
        for year, month in MONTHS:
            cursor.execute(
                f"CREATE TABLE tickets_by_month_{year}_{month:02d} PARTITION OF tickets_by_month "
                "FOR VALUES FROM (%s) TO (%s)",
                [month_start(year, month), month_start(year, month + 1)],
            )
        # the key must hold the partition key; indexes are made on every partition
        cursor.execute("ALTER TABLE tickets_by_month ADD PRIMARY KEY (id, received_at)")
        cursor.execute("CREATE INDEX ON tickets_by_month (office_id, received_at)")
        cursor.execute("INSERT INTO tickets_by_month SELECT * FROM tickets_ticket")
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM tickets_by_month GROUP BY 1 ORDER BY 1"
        )
        assert cursor.fetchall() == [
            (f"tickets_by_month_{year}_{month:02d}", 20) for year, month in MONTHS
        ]

        # March–April, as the statistics ask for a period
        where = "office_id = %s AND received_at >= %s AND received_at < %s"
        params = [office.pk, month_start(2023, 3), month_start(2023, 5)]
        cursor.execute(f"EXPLAIN SELECT count(*) FROM tickets_by_month WHERE {where}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        read = {f"{y}_{m:02d}" for y, m in MONTHS if f"tickets_by_month_{y}_{m:02d}" in plan}
        assert read == {"2023_03", "2023_04"}, plan

        cursor.execute(f"SELECT count(*) FROM tickets_by_month WHERE {where}", params)
        assert (
            cursor.fetchone()[0]
            == 40
            == Ticket.objects.filter(
                office=office, received_at__gte=params[1], received_at__lt=params[2]
            ).count()
        )
