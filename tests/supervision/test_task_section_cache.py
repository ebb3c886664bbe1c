"""The task page's 督办单 section is kept under the task's data version for each person
(supervision/ledger_section.py): a notice written, moved along or deleted — by the
services, a queryset update or raw SQL — shows on the next request; a unit never sees
another unit's notice nor a proposal the office has not issued.

Committed transactions, as in production (ledger/taskversion.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.supervision import services
from duban.supervision.models import Notice
from tests.factories import judge

pytestmark = pytest.mark.django_db(transaction=True)

AUG5 = dt.date(2022, 8, 5)


def page(client, task):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ledger:detail", args=[task.pk]))
    assert response.status_code == 200
    read = any('"supervision_notice"' in q["sql"] for q in queries)
    return response.content.decode(), read


def test_the_section_is_read_once_then_kept_until_a_notice_changes(client, people, tasks):
    east = tasks["east"]
    client.force_login(people["alice"])
    first, read = page(client, east)
    assert read and 'id="task-notices"' in first and "新建督办单" in first
    again, read = page(client, east)
    assert not read and again.count("新建督办单") == 1

    judge(east, "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    notice = services.create(east, people["alice"], AUG5, level="blue", reason="连续两期滞后")
    shown, read = page(client, east)
    assert read and f"/supervision/notices/{notice.pk}/" in shown
    _page, read = page(client, east)
    assert not read

    # a notice about another task leaves this page kept
    services.create(tasks["west"], people["alice"], AUG5, level="blue", reason="滞后")
    _page, read = page(client, east)
    assert not read

    Notice.objects.filter(pk=notice.pk).update(state=Notice.State.CLOSED)  # a bulk update
    shown, read = page(client, east)
    assert read and "已销号" in shown

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM supervision_noticeevent WHERE notice_id = %s", [notice.pk])
        cursor.execute("DELETE FROM supervision_notice WHERE id = %s", [notice.pk])
    shown, read = page(client, east)
    assert read and f"/supervision/notices/{notice.pk}/" not in shown


def test_each_person_sees_their_own_section(client, office, people, tasks):
    east, west = tasks["east"], tasks["west"]
    judge(west, "lagging", period="2022-07", flags={"overdue": {"days": 3}})
    services.propose(office, "2022-07", AUG5)
    proposal = Notice.objects.get(state="proposed", task=west)

    client.force_login(people["alice"])
    office_view, _read = page(client, west)
    assert f"/supervision/notices/{proposal.pk}/" in office_view

    # west's unit: no proposal the office has not issued, no button to write one
    client.force_login(people["gina"])
    unit_view, _read = page(client, west)
    assert f"/supervision/notices/{proposal.pk}/" not in unit_view
    assert "新建督办单" not in unit_view

    services.confirm(proposal, people["alice"], AUG5)
    unit_view, read = page(client, west)
    assert read and f"/supervision/notices/{proposal.pk}/" in unit_view

    # a unit that sees the task (east's lead unit is a partner of nothing here) sees
    # none of another unit's notices: east's page for east's reporter lists none
    client.force_login(people["carol"])
    own, _read = page(client, east)
    assert f"/supervision/notices/{proposal.pk}/" not in own
