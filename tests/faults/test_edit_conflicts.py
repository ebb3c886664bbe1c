"""Two people editing the same thing (issue 14) never overwrite each other silently: the
second save is refused with a Chinese message, the form comes back with what the second
person typed, the first person's saved values beside it, and saving again (deliberately)
then works. core/locking.py; the key task's edit page, the progress batch sheet and the
notice's edit and reply."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from duban.org import roles as R
from tests.factories import make_user
from tests.ledger.test_ledger_pages import task_data

pytestmark = pytest.mark.django_db

CONFLICT = "保存未成功：在您编辑期间"


def lock_of(response, name="lock"):
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', response.content.decode())
    assert found, f"no {name} on the page"
    return found[1]


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_two_supervisors_editing_one_task_second_keeps_their_text(people, units, tasks):
    task = tasks["build"]
    first = signed_in(people["alice"])
    second = signed_in(make_user("amy", R.SUPERVISOR, unit=units["party"]))
    url = reverse("ledger:edit", args=[task.pk])
    first_lock = lock_of(first.get(url))
    second_lock = lock_of(second.get(url))

    saved = first.post(url, {**task_data(task, title="老旧小区改造（甲改）"), "lock": first_lock})
    assert saved.status_code == 302
    typed = {
        **task_data(task, title="老旧小区改造（乙改）", goal="乙写的目标"),
        "lock": second_lock,
    }
    refused = second.post(url, typed)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert CONFLICT in page and "amy" not in page.split(CONFLICT)[1].split("</p>")[0]
    assert "alice" in page.split(CONFLICT)[1].split("</p>")[0]  # who saved meanwhile
    assert 'value="老旧小区改造（乙改）"' in page and "乙写的目标" in page  # what amy typed
    table = page.split("edit-conflict", 1)[1].split("</table>", 1)[0]
    assert "老旧小区改造（甲改）" in table and "工作目标" in table  # what alice saved
    task.refresh_from_db()
    assert task.title == "老旧小区改造（甲改）" and task.goal != "乙写的目标"

    again = second.post(url, {**typed, "lock": lock_of(refused)})  # deliberately, after reading
    assert again.status_code == 302
    task.refresh_from_db()
    assert task.title == "老旧小区改造（乙改）" and task.goal == "乙写的目标"
