"""The board, the inbox and one notice, from visible_to(user); the Word 督办单."""

import datetime as dt
import io

import pytest
import time_machine
from docx import Document

from duban.supervision import services
from duban.supervision.models import Notice
from tests.factories import judge

AUG5 = dt.date(2022, 8, 5)


@pytest.fixture
def blue(office, people, tasks):
    judge(tasks["east"], "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    return services.create(
        tasks["east"], people["alice"], AUG5, level="blue", reason="连续两期滞后"
    )


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2022, 8, 5, 10, 0), tick=False) as traveller:
        yield traveller


def test_board_lists_notices_replies_overdue_first(client, people, tasks, blue, clock):
    later = services.create(tasks["west"], people["alice"], AUG5, level="blue", reason="滞后")
    clock.move_to(dt.datetime(2022, 8, 15, 10, 0))
    Notice.objects.filter(pk=later.pk).update(reply_by=dt.date(2022, 8, 30))
    client.force_login(people["alice"])
    page = client.get("/supervision/").content.decode()
    assert page.index(f'id="notice-{blue.pk}"') < page.index(f'id="notice-{later.pk}"')
    assert "逾期未答复" in page


def test_other_unit_gets_404_and_unit_never_sees_proposals(client, office, people, tasks, blue):
    client.force_login(people["bob"])
    assert client.get(f"/supervision/notices/{blue.pk}/").status_code == 404
    assert client.get(f"/supervision/notices/{blue.pk}/docx/").status_code == 404
    judge(tasks["west"], "lagging", period="2022-07", flags={"overdue": {"days": 3}})
    services.propose(office, "2022-07", AUG5)
    proposal = Notice.objects.get(state="proposed")
    client.force_login(people["gina"])
    assert client.get(f"/supervision/notices/{proposal.pk}/").status_code == 404


def test_office_confirms_unit_signs_and_replies_office_closes(client, office, people, tasks, clock):
    judge(tasks["east"], "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    client.force_login(people["alice"])
    client.post("/supervision/propose/", {"period": "2022-07"})
    notice = Notice.objects.get(state="proposed")
    url = f"/supervision/notices/{notice.pk}/act/"
    client.post(url, {"action": "confirm"})
    assert Notice.objects.get(pk=notice.pk).state == "issued"

    client.force_login(people["carol"])
    inbox = client.get("/supervision/inbox/").content.decode()
    assert "社区食堂建设" in inbox
    home = client.get("/").content.decode()
    assert 'id="notices"' in home and "蓝色提醒单" in home
    client.post(url, {"action": "sign"})
    answer = client.post(url, {"action": "reply", "measures": "", "promised_on": "2022-09-30"})
    assert Notice.objects.get(pk=notice.pk).state == "signed"
    assert "请填写整改措施" in client.get(f"/supervision/notices/{notice.pk}/").content.decode()
    assert answer.status_code == 302
    client.post(url, {"action": "reply", "measures": "加派人手", "promised_on": "2022年9月30日"})
    assert Notice.objects.get(pk=notice.pk).state == "replied"

    client.force_login(people["alice"])
    client.post(url, {"action": "close", "verification": "已现场核实"})
    assert Notice.objects.get(pk=notice.pk).state == "closed"
    client.force_login(people["carol"])
    client.post(url, {"action": "reply", "measures": "再答复", "promised_on": "2022-09-30"})
    assert Notice.objects.get(pk=notice.pk).measures == "加派人手"


def test_word_notice_carries_the_facts(client, people, blue):
    client.force_login(people["alice"])
    answer = client.get(f"/supervision/notices/{blue.pk}/docx/")
    assert answer.status_code == 200
    document = Document(io.BytesIO(answer.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "蓝色提醒单" in text and "督办〔2022〕1号" in text and "东苑居民区" in text
    assert "MS-02 社区食堂建设" in cells and "2期" in cells and "2022年12月31日" in cells
    assert "连续两期滞后" in cells
    assert "2022年8月12日" in text


def test_new_notice_page_refuses_a_second_open_notice(client, people, tasks, blue, clock):
    client.force_login(people["alice"])
    answer = client.post(
        f"/supervision/notices/new/?task={tasks['east'].pk}",
        {"task": tasks["east"].pk, "level": "blue", "reason": "再次督办"},
    )
    assert "一事一单" in answer.content.decode()
    assert Notice.objects.count() == 1


def test_reporters_cannot_open_the_board_or_new_notice(client, people, tasks):
    client.force_login(people["carol"])
    assert client.get("/supervision/").status_code == 302
    assert client.get(f"/supervision/notices/new/?task={tasks['east'].pk}").status_code == 403


def test_board_and_inbox_query_counts_do_not_grow(
    client, office, people, units, django_assert_max_num_queries
):
    from tests.factories import KeyTaskFactory

    for n in range(12):
        task = KeyTaskFactory(code=f"QC-{n:02d}", lead_unit=units["east"])
        services.create(task, people["alice"], AUG5, level="blue", reason="滞后")
    client.force_login(people["alice"])
    with django_assert_max_num_queries(12):
        assert client.get("/supervision/?state=all").status_code == 200
    client.force_login(people["carol"])
    with django_assert_max_num_queries(12):
        assert client.get("/supervision/inbox/").status_code == 200
