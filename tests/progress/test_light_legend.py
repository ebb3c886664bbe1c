"""灯色说明: one legend, from explain.light_meanings, on every page that shows lights."""

import pytest
from django.urls import reverse

from duban.progress.explain import light_meanings, light_rank
from duban.progress.models import ProgressRules


def test_meanings_follow_the_offices_thresholds_most_serious_first():
    rules = ProgressRules(red_after_lagging_periods=3, due_soon_workdays=7)
    meanings = light_meanings(rules)
    assert [m[0] for m in meanings] == ["red", "yellow", "blue", "green"]
    assert "连续3期推进滞后" in meanings[0][2]
    assert "7个工作日" in meanings[2][2]
    assert sorted(["green", "", "red", "blue"], key=light_rank) == ["red", "blue", "green", ""]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        reverse("ledger:list") + "?year=2022&month=2022-07",
        reverse("dashboard:index"),
        reverse("progress:review"),
        reverse("progress:judge_month") + "?period=2022-07",
        reverse("home"),
    ],
)
def test_every_page_with_lights_carries_the_one_legend(client, people, judged, url):
    client.force_login(people["alice"])
    page = client.get(url).content.decode()
    assert page.count('data-role="light-legend"') == 1, url
    red = light_meanings(ProgressRules.current())[0][2]
    assert red in page


@pytest.mark.django_db
def test_task_page_and_batch_sheet_carry_the_legend(client, people, judged):
    client.force_login(people["alice"])
    page = client.get(reverse("ledger:detail", args=[judged["east"].pk])).content.decode()
    assert 'data-role="light-legend"' in page
    client.force_login(people["bob"])
    page = client.get(reverse("progress:batch") + "?period=2022-07").content.decode()
    assert 'data-role="light-legend"' in page


@pytest.mark.django_db
def test_a_submissions_page_with_a_light_carries_the_legend(client, people, tasks, units):
    from duban.progress import workflow

    submission = workflow.save_draft(
        tasks["build"],
        "2022-07",
        units["build"],
        {"progress": "完成3个小区改造", "self_status": "on_track", "next_steps": "继续推进"},
        people["bob"],
    )
    workflow.submit([submission], people["bob"])
    client.force_login(people["alice"])
    page = client.get(reverse("progress:submission", args=[submission.pk])).content.decode()
    assert 'data-role="light"' in page
    assert 'data-role="light-legend"' in page
