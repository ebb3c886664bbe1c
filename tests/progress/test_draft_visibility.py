"""A draft belongs to its unit until it is submitted: partner units, leaders, viewers and
the office do not read it — neither on its own page nor on the task page."""

import pytest
from django.urls import reverse

from duban.progress.models import Submission

DRAFT_TEXT = "东苑居民区尚未提交的草稿内容"
OTHERS = ["bob", "hank", "lily", "rita", "alice", "gina"]


@pytest.fixture
def draft(tasks, units):
    """东苑居民区 (lead of 社区食堂建设, with 城建中心 as partner) is writing July's report."""
    return Submission.objects.create(
        task=tasks["east"], period="2022-07", unit=units["east"], progress=DRAFT_TEXT
    )


def test_the_unit_reads_its_own_draft(client, people, draft):
    client.force_login(people["carol"])
    response = client.get(reverse("progress:submission", args=[draft.pk]))
    assert response.status_code == 200 and DRAFT_TEXT in response.content.decode()
    page = client.get(reverse("ledger:detail", args=[draft.task_id])).content.decode()
    assert DRAFT_TEXT in page


@pytest.mark.parametrize("who", OTHERS)
def test_no_one_else_opens_the_draft(client, people, draft, who):
    client.force_login(people[who])
    assert client.get(reverse("progress:submission", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize("who", ["bob", "hank", "lily", "rita", "alice"])
def test_the_task_page_does_not_show_the_draft_to_others(client, people, draft, who):
    client.force_login(people[who])
    response = client.get(reverse("ledger:detail", args=[draft.task_id]))
    assert response.status_code == 200  # they see the task …
    assert DRAFT_TEXT not in response.content.decode()  # … not the unit's draft


@pytest.mark.parametrize("who", ["bob", "lily", "alice"])
def test_once_submitted_the_report_is_visible(client, people, draft, who):
    Submission.objects.filter(pk=draft.pk).update(state=Submission.State.SUBMITTED)
    client.force_login(people[who])
    response = client.get(reverse("progress:submission", args=[draft.pk]))
    assert response.status_code == 200 and DRAFT_TEXT in response.content.decode()


def test_the_rule_lives_in_the_queryset(people, draft):
    visible = Submission.objects.visible_to
    assert draft in visible(people["carol"])
    for who in OTHERS:
        assert draft not in visible(people[who]), who


def test_the_board_counts_the_draft_but_does_not_link_to_it(client, people, draft):
    client.force_login(people["alice"])
    url = reverse("progress:board") + "?period=2022-07"
    page = client.get(url).content.decode()
    item = page.split('data-task="MS-02"', 1)[1].split("</li>", 1)[0]
    assert "草稿" in item
    assert reverse("progress:submission", args=[draft.pk]) not in item
    Submission.objects.filter(pk=draft.pk).update(state=Submission.State.SUBMITTED)
    page = client.get(url).content.decode()
    assert reverse("progress:submission", args=[draft.pk]) in page
