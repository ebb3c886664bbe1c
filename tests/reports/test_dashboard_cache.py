"""The dashboard keeps its task figures under the data version that database triggers
change with every write (reports/versioning.py): the next request reads them from the
cache, and any write shows at once, however it is made — a queryset UPDATE or DELETE
(as the judging engine and the imports write), a unit renamed, a task added.

Committed transactions, as in production: on PostgreSQL the version changes at commit.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.org.models import Unit
from duban.progress.models import Judgement
from duban.reports import versioning
from tests.factories import KeyTaskFactory, judge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def august(time_machine):
    time_machine.move_to(dt.datetime(2022, 8, 20, 10, 0, tzinfo=dt.UTC), tick=False)
    cache.clear()


def figures(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    return response.context["figures"], len(queries)


def test_a_write_of_any_kind_shows_on_the_next_request(client, office, units, people):
    tasks = [
        KeyTaskFactory(code=f"MS-{i:02d}", office=office, lead_unit=units["build"])
        for i in range(3)
    ]
    for task in tasks:
        judge(task, "on_track", "2022-07")
    client.force_login(people["lily"])

    first, computed = figures(client)
    again, cached = figures(client)
    assert again == first and cached < computed
    assert first["kpi"]["on_track"] == 3 and first["kpi"]["lagging"] == 0

    before = versioning.current()
    Judgement.objects.filter(task=tasks[0]).update(status="lagging", light="red")
    assert versioning.current() != before
    now, _ = figures(client)
    assert now["kpi"]["lagging"] == 1 and now["lagging_by_unit"][0]["name"] == "城建中心"

    Unit.objects.filter(pk=units["build"].pk).update(name="城市建设中心")
    assert figures(client)[0]["lagging_by_unit"][0]["name"] == "城市建设中心"

    Judgement.objects.filter(task=tasks[0]).delete()
    KeyTaskFactory(code="MS-09", office=office, lead_unit=units["east"])
    last, _ = figures(client)
    assert last["kpi"]["total"] == 4 and last["kpi"]["lagging"] == 0
    assert last["kpi"]["unjudged"] == 2


def test_people_of_another_office_never_get_these_figures(client, office, units, people):
    from duban.org import roles as R
    from duban.org.models import Office
    from tests.factories import make_user

    judge(KeyTaskFactory(code="MS-01", office=office, lead_unit=units["build"]), "lagging")
    other = Office.objects.create(name="乙街道")
    stranger = make_user("stranger", R.LEADER, office=other)
    client.force_login(people["lily"])
    assert figures(client)[0]["kpi"]["total"] == 1
    client.force_login(stranger)
    assert figures(client)[0]["kpi"]["total"] == 0
