"""变更记录 as people read it (ledger/changelog.py), directly."""

import datetime as dt

from duban.core.audit import Channel, audit_context
from duban.ledger.changelog import task_changes
from duban.ledger.models import Milestone, save_task
from tests.factories import KeyTaskFactory


def test_a_field_change_names_the_field_and_both_values(units, people):
    task = KeyTaskFactory(code="MS-01", title="旧名称", lead_unit=units["build"])
    with audit_context(Channel.WEB, user=people["alice"]):
        task.title = "新名称"
        task.deadline = dt.date(2022, 11, 30)
        task.save()
    latest = task_changes(task)[0]
    assert (latest.type, latest.who, latest.channel) == ("修改", "alice", "网页")
    assert ("事项名称", "旧名称", "新名称") in latest.changes
    assert ("完成时限", "2022-12-31", "2022-11-30") in latest.changes


def test_partners_are_named_and_a_save_that_changes_nothing_is_not_shown(units):
    task = KeyTaskFactory(code="MS-01", lead_unit=units["build"])
    save_task(task, [units["east"], units["west"]])
    task.save()  # nothing changed
    entries = task_changes(task)
    assert [e.type for e in entries] == ["修改", "新增"]
    assert entries[0].changes == [("协同单位", "（空）", "东苑居民区、西苑居民区")]


def test_milestones_appear_with_their_date_and_deleted_units_do_not_break_it(units):
    task = KeyTaskFactory(code="MS-01", lead_unit=units["build"])
    milestone = Milestone.objects.create(task=task, due=dt.date(2022, 6, 30), description="开工")
    milestone.description = "主体开工"
    milestone.save()
    subjects = [e.subject for e in task_changes(task)]
    assert "节点 2022-06-30 主体开工" in subjects and "节点 2022-06-30 开工" in subjects


def test_the_query_count_does_not_grow_with_the_history(units, django_assert_max_num_queries):
    task = KeyTaskFactory(code="MS-01", lead_unit=units["build"])
    for n in range(20):
        task.title = f"名称{n}"
        task.save()
    with django_assert_max_num_queries(6):
        assert len(task_changes(task)) == 21
