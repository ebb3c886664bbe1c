"""使用说明: what each role does in a month, in plain words, the reader's own role first."""

import pytest
from django.urls import reverse

from duban.progress.explain import light_meanings
from duban.progress.models import ProgressRules

HELP = reverse("help")


def test_help_opens_the_readers_own_role_first(client, people):
    client.force_login(people["bob"])
    page = client.get(HELP).content.decode()
    assert page.index('id="role-reporter"') < page.index('id="role-supervisor"')
    assert 'id="role-reporter" open' in page
    assert 'id="role-supervisor" open' not in page
    assert "每月 <b>25 日</b>前提交" in page


def test_help_explains_every_light_from_the_one_source(client, people):
    ProgressRules.objects.update_or_create(pk=1, defaults={"red_after_lagging_periods": 3})
    client.force_login(people["lily"])
    page = client.get(HELP).content.decode()
    for _light, label, meaning, _todo in light_meanings(ProgressRules.current()):
        assert label in page and meaning in page
    assert "连续3期推进滞后" in page
    assert "推进正常" in page


@pytest.mark.parametrize("name", ["alice", "lily", "bob", "hank", "carol", "gina", "rita"])
def test_every_role_reaches_help_from_the_navigation(client, people, name):
    client.force_login(people[name])
    home = client.get(reverse("home")).content.decode()
    assert f'href="{HELP}"' in home
    assert client.get(HELP).status_code == 200


def test_help_needs_sign_in(client, db):
    assert client.get(HELP).status_code == 302


def test_pages_share_one_breadcrumb(client, people, tasks):
    client.force_login(people["alice"])
    for url in [
        reverse("ledger:detail", args=[tasks["build"].pk]),
        reverse("ledger:edit", args=[tasks["build"].pk]),
        reverse("ledger:import"),
        HELP,
    ]:
        page = client.get(url).content.decode()
        assert page.count('<nav class="crumbs" aria-label="当前位置">') == 1, url
        assert 'class="crumb-sep"' in page
