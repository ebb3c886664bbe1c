"""人工调整: the office overrides a month's judgement from the task page, with a reason."""

import pytest
from django.urls import reverse

from duban.progress.models import Judgement

pytestmark = pytest.mark.django_db


def test_supervisor_overrides_a_month_with_a_reason_and_the_page_shows_it(client, people, tasks):
    task = tasks["build"]
    client.force_login(people["alice"])
    response = client.post(
        reverse("progress:override", args=[task.pk]),
        {"period": "2022-07", "status": "lagging", "reason": "现场核查发现未开工"},
        follow=True,
    )
    judgement = Judgement.objects.get(task=task, period="2022-07")
    assert (judgement.status, judgement.source) == ("lagging", "override")
    assert judgement.override_reason == "现场核查发现未开工"
    assert judgement.history.filter(history_user=people["alice"]).exists()
    assert "现场核查发现未开工" in response.content.decode()


def test_an_override_without_a_reason_changes_nothing(client, people, tasks):
    client.force_login(people["alice"])
    response = client.post(
        reverse("progress:override", args=[tasks["build"].pk]),
        {"period": "2022-07", "status": "lagging", "reason": " "},
        follow=True,
    )
    assert not Judgement.objects.exists()
    assert "须填写调整理由" in response.content.decode()


@pytest.mark.parametrize(("who", "code"), [("bob", 403), ("lily", 403), ("carol", 404)])
def test_only_the_supervision_office_may_override(client, people, tasks, who, code):
    client.force_login(people[who])
    response = client.post(
        reverse("progress:override", args=[tasks["build"].pk]),
        {"period": "2022-07", "status": "completed", "reason": "自行调整"},
    )
    assert response.status_code == code
    assert not Judgement.objects.exists()
