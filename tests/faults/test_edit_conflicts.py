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


def test_a_milestone_added_meanwhile_is_shown_in_the_conflict_table(people, units, tasks):
    task = tasks["build"]
    first = signed_in(people["alice"])
    second = signed_in(make_user("amy", R.SUPERVISOR, unit=units["party"]))
    url = reverse("ledger:edit", args=[task.pk])
    first_lock, second_lock = lock_of(first.get(url)), lock_of(second.get(url))
    typed = {**task_data(task, title="乙改的标题"), "lock": second_lock}  # before alice's save

    added = task_data(task, milestones=[("2022-09-30", "完成竣工验收")])
    assert first.post(url, {**added, "lock": first_lock}).status_code == 302
    refused = second.post(url, typed)

    assert refused.status_code == 200 and CONFLICT in refused.content.decode()
    table = refused.content.decode().split("edit-conflict", 1)[1].split("</table>", 1)[0]
    assert "节点" in table and "2022-09-30 完成竣工验收" in table
    assert task.milestones.filter(description="完成竣工验收").exists()


def test_two_people_of_one_unit_saving_the_batch_sheet_second_keeps_their_text(people, tasks):
    from duban.progress.models import Submission

    task = tasks["build"]
    url = reverse("progress:batch") + "?period=2022-07"
    bob, hank = signed_in(people["bob"]), signed_in(people["hank"])  # 填报员, 负责人
    name = f"t{task.pk}-lock"
    bob_lock, hank_lock = lock_of(bob.get(url), name), lock_of(hank.get(url), name)
    assert bob_lock == hank_lock == ""  # nothing saved yet

    def sheet(lock, **values):
        return {"action": "save", name: lock, **{f"t{task.pk}-{k}": v for k, v in values.items()}}

    saved = bob.post(url, sheet(bob_lock, progress="鲍勃写的进展", self_status="on_track"))
    assert saved.status_code == 302
    typed = sheet(hank_lock, progress="汉克写的进展", next_steps="汉克的下步措施")
    refused = hank.post(url, typed)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "有 1 项在您填写期间已被他人保存，本次未保存任何内容" in page
    assert CONFLICT in page and "“MS-01”本月的填报" in page
    assert "汉克写的进展" in page and "汉克的下步措施" in page  # what hank typed, kept
    table = page.split("edit-conflict", 1)[1].split("</table>", 1)[0]
    assert "鲍勃写的进展" in table and "推进正常" in table  # what bob saved
    assert Submission.objects.get(task=task).progress == "鲍勃写的进展"

    again = hank.post(url, {**typed, name: lock_of(refused, name)})
    assert again.status_code == 302
    assert Submission.objects.get(task=task).progress == "汉克写的进展"


@pytest.fixture
def proposal(office, people, tasks):
    import datetime as dt

    from duban.supervision import services
    from duban.supervision.models import Notice
    from tests.factories import judge

    judge(tasks["east"], "lagging", period="2022-06")
    judge(tasks["east"], "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    services.propose(office, "2022-07", dt.date(2022, 8, 5))
    return Notice.objects.get(task=tasks["east"], state=Notice.State.PROPOSED)


def test_two_supervisors_editing_one_notice_second_keeps_their_text(people, units, proposal):
    url = reverse("supervision:notice", args=[proposal.pk])
    act = reverse("supervision:notice_act", args=[proposal.pk])
    first = signed_in(people["alice"])
    second = signed_in(make_user("amy", R.SUPERVISOR, unit=units["party"]))
    first_lock, second_lock = lock_of(first.get(url)), lock_of(second.get(url))
    edit = {"action": "edit", "level": "blue", "reply_workdays": "5"}

    saved = first.post(
        act, {**edit, "reason": "甲：请加快食堂建设", "leader": "王副主任", "lock": first_lock}
    )
    assert saved.status_code == 302
    typed = {**edit, "reason": "乙：请说明滞后原因", "leader": "李副主任", "lock": second_lock}
    refused = second.post(act, typed)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert CONFLICT in page and "alice" in page.split(CONFLICT)[1].split("</p>")[0]
    assert "乙：请说明滞后原因</textarea>" in page and 'value="李副主任"' in page
    table = page.split("edit-conflict", 1)[1].split("</table>", 1)[0]
    assert "甲：请加快食堂建设" in table and "王副主任" in table
    proposal.refresh_from_db()
    assert proposal.reason == "甲：请加快食堂建设"

    assert second.post(act, {**typed, "lock": lock_of(refused)}).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.reason, proposal.leader) == ("乙：请说明滞后原因", "李副主任")


def test_two_people_replying_to_one_notice_the_second_keeps_their_reply(people, units, proposal):
    from duban.supervision import services

    services.confirm(proposal, people["alice"], proposal.created_at.date())
    proposal.refresh_from_db()
    services.sign(proposal, people["carol"])
    url = reverse("supervision:notice", args=[proposal.pk])
    act = reverse("supervision:notice_act", args=[proposal.pk])
    carol = signed_in(people["carol"])
    cindy = signed_in(make_user("cindy", R.REPORTER, unit=units["east"]))
    carol_lock, cindy_lock = lock_of(carol.get(url)), lock_of(cindy.get(url))
    reply = {"action": "reply", "promised_on": "2099-06-30"}

    assert (
        carol.post(act, {**reply, "measures": "卡罗尔的整改措施", "lock": carol_lock}).status_code
        == 302
    )
    refused = cindy.post(act, {**reply, "measures": "辛迪的整改措施", "lock": cindy_lock})

    assert refused.status_code == 200
    page = refused.content.decode()
    assert CONFLICT in page
    table = page.split("edit-conflict", 1)[1].split("</table>", 1)[0]
    assert "卡罗尔的整改措施" in table and "辛迪的整改措施" in table  # both, side by side
    proposal.refresh_from_db()
    assert proposal.measures == "卡罗尔的整改措施" and proposal.state == "replied"
