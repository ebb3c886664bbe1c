"""What supervision adds elsewhere: the daily reminder run, the task page, the layering."""

import datetime as dt
from pathlib import Path

from duban.core.workdays import Calendar
from duban.notify import registry
from duban.supervision import reminders, services
from tests.test_layering import ROOT, imported_apps

AUG5 = dt.date(2022, 8, 5)


def test_reply_dates_are_chased_by_the_daily_run(office, people, tasks):
    notice = services.create(tasks["east"], people["alice"], AUG5, level="blue", reason="滞后")
    assert notice.reply_by == dt.date(2022, 8, 12)
    calendar = Calendar.load()
    assert reminders.plan(dt.date(2022, 8, 10), calendar) == []
    (due,) = reminders.plan(dt.date(2022, 8, 11), calendar)
    assert due.kind == reminders.DUE and due.unit == tasks["east"].lead_unit
    assert due.recipients == [people["carol"]]
    assert "督办〔2022〕1号" in due.body
    assert [item.code for item in due.items] == ["督办〔2022〕1号"]  # as `duban remind` lists them
    (late,) = reminders.plan(dt.date(2022, 8, 15), calendar)
    assert late.kind == reminders.LATE and "已过答复期限" in late.body
    assert reminders.plan(dt.date(2022, 8, 13), calendar) == []  # a Saturday
    services.sign(notice, people["carol"])
    services.reply(notice, people["carol"], AUG5, measures="加快", promised_on=AUG5)
    assert reminders.plan(dt.date(2022, 8, 15), calendar) == []


def test_notice_kinds_are_registered_with_notify():
    assert registry.kind_labels()[reminders.LATE] == "督办单逾期未答复"


def test_task_page_lists_notices_and_offers_a_new_one(client, people, tasks):
    services.create(tasks["east"], people["alice"], AUG5, level="blue", reason="滞后")
    client.force_login(people["alice"])
    page = client.get(f"/ledger/{tasks['east'].pk}/").content.decode()
    assert 'id="task-notices"' in page and "督办〔2022〕1号" in page and "新建督办单" in page
    client.force_login(people["bob"])  # partner of the task: sees the task, not the notice
    page = client.get(f"/ledger/{tasks['east'].pk}/").content.decode()
    assert 'id="task-notices"' not in page


TICKET_READERS = {
    "ranking.py",  # unit scoring's request items (tickets.metrics)
    "models.py",  # Notice.ticket: a notice about a resident request
    "services.py",  # issuing and proposing notices for overdue requests (tickets.flow)
    "views.py",  # 诉求督办 on the board, the notice page (tickets.masking)
    "notice_docx.py",  # the Word 督办单 of a request (tickets.masking)
    "apps.py",  # a request re-dispatched takes its notice along (tickets.signals)
    "ticket_section.py",  # a request's page lists its notices (tickets.extensions)
}


def test_supervision_reads_tickets_only_where_notices_and_scores_need_it():
    """Supervision sits above tickets: scoring reads its metrics, and a notice may be
    about a request. tickets never names supervision (test_layering)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted(Path(ROOT, "supervision").rglob("*.py"))
        if "tickets" in imported_apps(path)
        and path.name not in TICKET_READERS
        and "migrations" not in path.parts
    ]
    assert offenders == []
