"""人工调整 judges the rest of an unjudged month first (a month is judged whole,
progress/month.py); once it has, the process notes it under the org version
(`judging.JUDGED_WHOLE`, org/cache.py) and the next adjustment of that office's month does
not look for unjudged tasks again. A task added to the office's year changes the version,
so the next adjustment judges it.

Committed transactions, as in production: on PostgreSQL the version changes at commit.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from duban.org import cache
from duban.progress import judging
from duban.progress.models import Judgement
from tests.factories import KeyTaskFactory

pytestmark = pytest.mark.django_db(transaction=True)

PERIOD = "2022-08"


def a_request():
    """What a signed-in request does first: read the org version (org/cache.py)."""
    cache.seen(cache.current())


def looks_for_unjudged(queries):
    return any("NOT (EXISTS" in q["sql"] and "progress_judgement" in q["sql"] for q in queries)


def adjust(task, people, status="lagging"):
    with CaptureQueriesContext(connection) as queries:
        judging.override(task, PERIOD, status, "实地核查", people["alice"])
    return queries


def test_the_second_adjustment_does_not_look_for_unjudged_tasks(tasks, people):
    a_request()
    assert looks_for_unjudged(adjust(tasks["build"], people))
    assert Judgement.objects.filter(period=PERIOD).count() == len(tasks)

    a_request()
    queries = adjust(tasks["build"], people, status="on_track")
    assert not looks_for_unjudged(queries)
    assert Judgement.objects.get(task=tasks["build"], period=PERIOD).status == "on_track"


def test_a_task_added_to_the_year_is_judged_by_the_next_adjustment(tasks, people, units):
    a_request()
    adjust(tasks["build"], people)
    added = KeyTaskFactory(code="X-9", lead_unit=units["west"])
    assert not Judgement.objects.filter(task=added, period=PERIOD).exists()

    a_request()
    assert looks_for_unjudged(adjust(tasks["build"], people, status="on_track"))
    assert Judgement.objects.filter(task=added, period=PERIOD).exists()


def test_the_note_is_per_office_and_month(tasks, people, neighbour):
    a_request()
    adjust(tasks["build"], people)
    a_request()
    with CaptureQueriesContext(connection) as queries:
        judging.override(tasks["build"], "2022-09", "lagging", "实地核查", people["alice"])
    assert looks_for_unjudged(queries)
    assert Judgement.objects.filter(
        period="2022-09", task__office=tasks["build"].office
    ).count() == len(tasks)

    theirs = neighbour["tasks"]
    assert looks_for_unjudged(adjust(theirs["own"], people))
    assert Judgement.objects.filter(task=theirs["default"], period=PERIOD).exists()


def test_nothing_is_noted_inside_a_transaction_or_without_a_version(tasks, people):
    a_request()
    with transaction.atomic():
        adjust(tasks["build"], people)
    assert looks_for_unjudged(adjust(tasks["build"], people, status="on_track"))

    cache.forget()
    adjust(tasks["build"], people)
    assert looks_for_unjudged(adjust(tasks["build"], people, status="on_track"))


def test_the_admin_cannot_delete_a_judgement(tasks, people, admin_client):
    a_request()
    adjust(tasks["build"], people)
    judgement = Judgement.objects.get(task=tasks["build"], period=PERIOD)
    response = admin_client.post(
        f"/admin/progress/judgement/{judgement.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Judgement.objects.filter(pk=judgement.pk).exists()


def test_the_admin_cannot_move_a_judgement_to_another_task_or_month(tasks, people, admin_client):
    a_request()
    adjust(tasks["build"], people)
    judgement = Judgement.objects.get(task=tasks["build"], period=PERIOD)
    url = f"/admin/progress/judgement/{judgement.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="period"' not in page.content.decode()
    assert 'name="task"' not in page.content.decode()
