"""我的通知: one's own notifications, unread first; opening one marks it read."""

import pytest
from django.urls import reverse

from duban.notify.models import Notification

LIST = reverse("notify:list")


@pytest.fixture
def notes(people):
    return {
        "old_read": Notification.objects.create(
            user=people["bob"], title="已读的旧通知", body="旧", url="/ledger/"
        ),
        "bob": Notification.objects.create(
            user=people["bob"],
            title="【督办】催报：城建中心2022年9月重点工作进展逾期未报",
            body="城建中心：\n· MS-01 老旧小区综合改造",
            url="/progress/batch/?period=2022-09",
        ),
        "carol": Notification.objects.create(user=people["carol"], title="东苑居民区的催报"),
    }


def mark_read(notification):
    from django.utils import timezone

    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())


def test_list_shows_only_my_notifications(client, people, notes):
    client.force_login(people["bob"])
    html = client.get(LIST).content.decode()
    assert "逾期未报" in html
    assert "MS-01 老旧小区综合改造" in html
    assert "东苑居民区的催报" not in html


def test_unread_come_first(client, people, notes):
    mark_read(notes["old_read"])
    newer_read = Notification.objects.create(user=people["bob"], title="刚读过的通知")
    mark_read(newer_read)
    client.force_login(people["bob"])
    page = client.get(LIST).context["page"]
    assert [n.pk for n in page] == [notes["bob"].pk, newer_read.pk, notes["old_read"].pk]


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, people, notes):
    client.force_login(people["bob"])
    assert Notification.objects.unread(people["bob"]).count() == 2
    response = client.get(reverse("notify:open", args=[notes["bob"].pk]))
    assert response.status_code == 302
    assert response["Location"] == "/progress/batch/?period=2022-09"
    notes["bob"].refresh_from_db()
    assert notes["bob"].read_at is not None
    assert Notification.objects.unread(people["bob"]).count() == 1
    html = client.get(LIST).content.decode()
    assert f'id="notification-{notes["bob"].pk}" class="is-read"' in html


def test_opening_another_persons_notification_answers_404(client, people, notes):
    client.force_login(people["bob"])
    response = client.get(reverse("notify:open", args=[notes["carol"].pk]))
    assert response.status_code == 404
    notes["carol"].refresh_from_db()
    assert notes["carol"].read_at is None


def test_a_link_to_another_site_is_not_followed(client, people):
    note = Notification.objects.create(user=people["bob"], title="x", url="https://evil.example/")
    client.force_login(people["bob"])
    response = client.get(reverse("notify:open", args=[note.pk]))
    assert response["Location"] == LIST


def test_mark_all_read_touches_only_my_notifications(client, people, notes):
    client.force_login(people["bob"])
    response = client.post(reverse("notify:read_all"), follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert Notification.objects.unread(people["bob"]).count() == 0
    assert Notification.objects.unread(people["carol"]).count() == 1
    assert "全部标为已读" not in response.content.decode()


def test_mark_all_read_needs_post(client, people, notes):
    client.force_login(people["bob"])
    assert client.get(reverse("notify:read_all")).status_code == 405
    assert Notification.objects.unread(people["bob"]).count() == 2


def test_anonymous_is_sent_to_login(client, notes):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unread_count_is_zero_when_logged_out(db):
    from django.contrib.auth.models import AnonymousUser

    assert Notification.objects.unread(AnonymousUser()).count() == 0
    assert Notification.objects.unread(None).count() == 0


def test_list_query_count_does_not_grow(client, people, django_assert_max_num_queries):
    for n in range(30):
        Notification.objects.create(user=people["bob"], title=f"通知{n}")
    client.force_login(people["bob"])
    with django_assert_max_num_queries(10):  # with the nav's 督办单 count
        response = client.get(LIST)
    assert response.status_code == 200


def test_notifications_sort_by_title_and_export_only_mine(client, people, notes):
    from io import BytesIO

    import openpyxl

    client.force_login(people["bob"])
    page = client.get(LIST, {"sort": "title"}).context["page"]
    assert [n.title for n in page] == sorted([notes["bob"].title, notes["old_read"].title])
    response = client.get(LIST, {"sort": "-title", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("状态", "通知", "内容", "时间")
    assert [r[1] for r in rows[1:]] == sorted([notes["bob"].title, notes["old_read"].title])[::-1]
    assert "东苑居民区的催报" not in str(rows)
