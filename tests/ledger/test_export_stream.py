"""The ledger export streams (issue 10, point 3): a few queries whatever the number of
tasks, and the same rows as the import reads."""

import datetime as dt
from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from duban.ledger import exporter
from duban.ledger.exporter import build_workbook, task_row, task_rows
from duban.ledger.models import KeyTask
from tests.factories import KeyTaskFactory, MilestoneFactory


def make_tasks(units, n, start=0):
    for i in range(start, start + n):
        task = KeyTaskFactory(
            code=f"S-{i:03d}", lead_unit=units["build"], partners=[units["east"], units["west"]]
        )
        MilestoneFactory(task=task, due=dt.date(2022, 3, 31), description="方案", order=1)
        MilestoneFactory(task=task, due=dt.date(2022, 9, 30), description="完工", order=2)


def export_queries(office):
    with CaptureQueriesContext(connection) as queries:
        build_workbook(KeyTask.objects.filter(office=office).order_by("code")).save(BytesIO())
    return len(queries)


def test_the_export_makes_the_same_queries_for_10_tasks_as_for_40(office, units, monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK", 1000)
    make_tasks(units, 10)
    few = export_queries(office)
    make_tasks(units, 30, start=10)
    assert export_queries(office) == few <= 4


def test_chunks_hold_every_task_once_in_order(office, units, monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK", 3)
    make_tasks(units, 8)
    path = BytesIO()
    build_workbook(KeyTask.objects.filter(office=office).order_by("code")).save(path)
    rows = list(load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [f"S-{i:03d}" for i in range(8)]


def test_streamed_rows_read_as_the_instances_do(office, tasks, units):
    MilestoneFactory(task=tasks["east"], due=dt.date(2022, 5, 31), description="选址", order=1)
    queryset = KeyTask.objects.filter(office=office).order_by("code")
    assert [row for _pk, row in task_rows(queryset)] == [task_row(t) for t in queryset]
