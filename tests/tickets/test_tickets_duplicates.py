"""同人同事: proposals (never automatic merges), merge with a link, dismissals remembered,
merged requests counted once."""

import datetime as dt

import pytest
from django.db.models import F, Q
from django.urls import reverse

from duban.tickets import duplicates, metrics, services
from duban.tickets.duplicates import Item
from duban.tickets.flow import FlowError
from duban.tickets.models import DuplicateDismissal, Ticket, TicketCategory, Transition

TZ = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2024, 3, 4, 9, 0, tzinfo=TZ)

# ----- pure -----


def test_normalized_text_ignores_punctuation_spaces_and_width():
    assert duplicates.normalize("西苑 3号楼，路灯不亮！") == duplicates.normalize(
        "西苑３号楼路灯不亮"
    )
    assert duplicates.similarity("西苑3号楼路灯不亮", "西苑3号楼的路灯不亮了") >= 0.8
    assert duplicates.similarity("西苑3号楼路灯不亮", "东苑广场跳舞噪声扰民") < 0.5


def test_same_phone_and_similar_matter():
    a = Item(1, "西苑3号楼门口路灯不亮", DAY, phone="138-1234-5678")
    b = Item(2, "西苑3号楼门口的路灯不亮", DAY + dt.timedelta(days=40), phone="13812345678")
    assert "同一联系电话" in duplicates.reason(a, b)
    c = Item(3, "小区里有人遛狗不牵绳", DAY, phone="13812345678")
    assert duplicates.reason(a, c) is None


def test_same_place_and_category_within_the_days():
    a = Item(1, "垃圾满溢", DAY, community=5, address="西苑路 12 号", category=9)
    b = Item(
        2, "垃圾桶没人清", DAY + dt.timedelta(days=6), community=5, address="西苑路12号", category=9
    )
    assert duplicates.reason(a, b) == "同一地点、同一类别，7天内"
    later = Item(
        3, "垃圾桶没人清", DAY + dt.timedelta(days=8), community=5, address="西苑路12号", category=9
    )
    assert duplicates.reason(a, later) is None
    assert duplicates.reason(a, later, days=10) is not None
    other_kind = Item(4, "垃圾桶没人清", DAY, community=5, address="西苑路12号", category=8)
    assert duplicates.reason(a, other_kind) is None


# ----- services and pages -----


@pytest.fixture
def pair(people, units):
    category = TicketCategory.objects.create(name="路灯")
    common = dict(office=units["west"].office, community=units["west"], category=category)
    first = services.receive(
        people["gina"],
        content="西苑3号楼门口路灯不亮",
        reporter_phone="13812345678",
        now=DAY,
        **common,
    )
    second = services.receive(
        people["gina"],
        content="西苑3号楼门口的路灯不亮了",
        reporter_phone="13812345678",
        now=DAY + dt.timedelta(days=2),
        **common,
    )
    services.receive(people["gina"], content="别的事", now=DAY, **common)
    return first, second


def test_a_proposal_is_shown_never_merged_by_itself(client, people, pair):
    first, second = pair
    assert Ticket.objects.filter(state="merged").count() == 0
    pairs = services.duplicate_pairs(Ticket.objects.all())
    assert [(a.pk, b.pk) for a, b, _ in pairs] == [(first.pk, second.pk)]
    client.force_login(people["alice"])
    page = client.get(reverse("tickets:detail", args=[second.pk])).content.decode()
    assert "可能重复" in page and first.code in page
    listing = client.get(reverse("tickets:duplicates")).content.decode()
    assert f"将 {second.code} 并入 {first.code}" in listing
    client.force_login(people["bob"])
    assert client.get(reverse("tickets:duplicates")).status_code == 403


def test_merge_links_and_counts_once(client, people, pair):
    first, second = pair
    before = metrics.compute(Ticket.objects.all())
    assert before["received"] == 3
    with pytest.raises(FlowError, match="只有本街道的督查管理员"):
        services.merge(people["gina"], second, first)
    client.force_login(people["alice"])
    client.post(reverse("tickets:merge", args=[second.pk, first.pk]))
    second.refresh_from_db()
    assert second.state == "merged" and second.merged_into == first
    step = Transition.objects.get(ticket=second, action="merge")
    assert step.actor == people["alice"] and first.code in step.reason
    assert Transition.objects.filter(ticket=first, action="merge").exists()
    stats = metrics.compute(Ticket.objects.all())
    assert stats["received"] == 2
    assert stats["received"] == sum(
        stats[k] for k in ("closed", "returned", "in_progress", "awaiting_dispatch")
    )
    page = client.get(reverse("tickets:detail", args=[second.pk])).content.decode()
    assert "已并入诉求" in page
    assert services.duplicate_pairs(Ticket.objects.all()) == []
    with pytest.raises(FlowError, match="已合并"):
        services.merge(people["alice"], second, first)
    with pytest.raises(FlowError, match="已并入其他诉求"):
        services.merge(people["alice"], first, second)


def test_a_dismissal_is_remembered(client, people, pair):
    first, second = pair
    client.force_login(people["alice"])
    client.post(reverse("tickets:dismiss", args=[second.pk, first.pk]))
    assert DuplicateDismissal.objects.get().ticket_id == first.pk  # lower id first
    assert services.duplicate_pairs(Ticket.objects.all()) == []
    assert services.duplicates_of(second, Ticket.objects.all()) == []
    assert "没有可能重复的诉求" in client.get(reverse("tickets:duplicates")).content.decode()


def test_only_a_request_still_in_hand_can_be_merged():
    from duban.tickets import flow
    from duban.tickets.flow import Action, Snapshot, State

    move = flow.step(Snapshot(State.RETURNED), Action.MERGE, now=DAY, calendar=None)
    assert move.after.state == State.MERGED and State.MERGED not in flow.COUNTED
    for state in (State.CLOSED, State.RATED, State.ARCHIVED, State.MERGED):
        with pytest.raises(FlowError, match="不能合并"):
            flow.step(Snapshot(state, unit=1), Action.MERGE, now=DAY, calendar=None)


def test_the_office_edits_the_settings_with_chinese_errors(client, people, pair):
    from duban.tickets.models import TicketSettings

    url = reverse("tickets:duplicates")
    client.force_login(people["alice"])
    page = client.post(url, {"duplicate_days": "0", "duplicate_similarity": "0.8"}, follow=True)
    assert "天数须在 1 至 365 之间" in page.content.decode()
    page = client.post(url, {"duplicate_days": "7", "duplicate_similarity": "abc"}, follow=True)
    assert "相似度须是 0.5 至 1 之间的小数" in page.content.decode()
    page = client.post(url, {"duplicate_days": "7", "duplicate_similarity": "1.5"}, follow=True)
    assert "相似度须在 0.5 至 1 之间" in page.content.decode()
    assert TicketSettings.load().duplicate_days == 7
    # a stricter similarity: the two texts (about 0.92 alike) are no longer proposed
    client.post(url, {"duplicate_days": "3", "duplicate_similarity": "0.99"})
    assert TicketSettings.load().duplicate_days == 3
    assert services.duplicate_pairs(Ticket.objects.all()) == []
    client.force_login(people["bob"])
    assert (
        client.post(url, {"duplicate_days": "9", "duplicate_similarity": "0.8"}).status_code == 403
    )


# ----- at a city's volume: grouped by the database, only the members read -----


def _request(office, n, *, phone="", address="", community=None, category=None, days=0, **kw):
    return Ticket.objects.create(
        office=office,
        source="hotline",
        source_number=f"D{n:04d}",
        received_at=DAY + dt.timedelta(days=days),
        content=kw.pop("content", "西苑3号楼门口路灯不亮"),
        reporter_phone=phone,
        address=address,
        community=community,
        category=category,
        **kw,
    )


def test_only_requests_sharing_a_phone_or_a_place_are_read(people, units, office):
    lamp = TicketCategory.objects.create(name="路灯")
    west = units["west"]
    for n in range(20):  # unique phones, no address: nothing to read
        _request(office, n, phone=f"1390000{n:04d}", content=f"各不相同的诉求{n}")
    a = _request(office, 100, phone="138-1234 5678")
    b = _request(office, 101, phone="13812345678", days=30)
    c = _request(office, 102, address="西苑路 12 号", community=west, category=lamp)
    d = _request(office, 103, address="西苑路12号。", community=west, category=lamp, days=3)
    visible = Ticket.objects.visible_to(people["alice"])
    found = services.duplicate_pairs(visible)
    assert {(x.pk, y.pk) for x, y, _why in found} == {(a.pk, b.pk), (c.pk, d.pk)}
    read = services._grouped(
        visible,
        services._stripped(F("reporter_phone"), services._PHONE_SEPARATORS),
        ~Q(reporter_phone=""),
    )
    assert sorted(t.pk for t in read) == [a.pk, b.pk]


def test_a_group_of_closed_requests_only_is_not_read(people, units, office):
    _request(office, 1, phone="13812345678", state="closed")
    _request(office, 2, phone="13812345678", state="rated", days=1)
    assert services.duplicate_pairs(Ticket.objects.visible_to(people["alice"])) == []


def test_a_very_large_group_compares_neighbours_in_time(people, units, office, monkeypatch):
    monkeypatch.setattr(services, "GROUP_CAP", 3)
    monkeypatch.setattr(services, "GROUP_WINDOW", 1)
    made = [_request(office, n, phone="12345", days=n) for n in range(4)]
    found = services.duplicate_pairs(Ticket.objects.visible_to(people["alice"]))
    assert sorted((x.pk, y.pk) for x, y, _ in found) == [
        (made[0].pk, made[1].pk),
        (made[1].pk, made[2].pk),
        (made[2].pk, made[3].pk),
    ]
