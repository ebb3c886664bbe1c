"""The hotline API: tokens, idempotent pushes, PATCH by number, validation, masking,
rate limits, isolation between offices and the audit trail."""

import json

import pytest
from django.utils import timezone

from duban.api.models import ApiClient
from duban.core.audit import Channel
from duban.tickets.models import FollowUp, PersonalDataView, Ticket, Transition
from tests.api.conftest import bearer
from tests.factories import OfficeFactory, UnitFactory

URL = "/api/v1/tickets"


def order(number="GD001", **kw):
    values = {
        "number": number,
        "source": "12345热线",
        "received_at": "2023-03-06 09:30",
        "category": "市容环境",
        "content": "小区门口占道经营",
        "community": "东苑居民区",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        "unit": "城建中心",
        "state": "办理中",
    }
    values.update(kw)
    return values


def post(client, token, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **bearer(token), **extra)


def patch(client, token, number, body, source=None):
    url = f"{URL}/{number}" + (f"?source={source}" if source else "")
    return client.patch(url, json.dumps(body), content_type="application/json", **bearer(token))


@pytest.fixture
def setup(units, category, hotline):
    return hotline


# ----- authentication -----


@pytest.mark.parametrize(
    "headers, message",
    [
        ({}, "缺少接口令牌"),
        ({"HTTP_AUTHORIZATION": "Bearer dbk_wrong"}, "接口令牌无效"),
        ({"HTTP_AUTHORIZATION": "Token abc"}, "Bearer"),
    ],
)
def test_a_missing_or_wrong_token_answers_401(client, setup, headers, message):
    response = client.post(URL, json.dumps(order()), content_type="application/json", **headers)
    assert response.status_code == 401
    assert message in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Ticket.objects.exists()


def test_a_disabled_client_answers_401(client, setup):
    ApiClient.objects.filter(pk=setup.pk).update(active=False)
    response = post(client, setup.token, order())
    assert response.status_code == 401
    assert response.json()["detail"] == "该接口客户端已停用"


def test_only_the_digest_of_a_token_is_stored(setup):
    stored = ApiClient.objects.get(pk=setup.pk)
    assert setup.token not in (stored.token_hash, stored.token_hint)
    assert len(stored.token_hash) == 64
    assert not stored.user.is_active and not stored.user.has_usable_password()


def test_a_signed_in_person_cannot_write_without_a_token(client, setup, people):
    client.force_login(people["alice"])
    response = client.post(URL, json.dumps(order()), content_type="application/json")
    assert response.status_code == 401
    assert not Ticket.objects.exists()


# ----- writing -----


def test_the_same_order_pushed_twice_is_one_ticket(client, setup, units):
    first = post(client, setup.token, order())
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["outcome"] == "created"
    assert body["ticket"]["state"] == "in_progress"
    assert body["ticket"]["unit"] == "城建中心"
    second = post(client, setup.token, order())
    assert second.status_code == 200
    assert second.json()["outcome"] == "unchanged"
    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    assert ticket.source == "hotline" and ticket.source_number == "GD001"
    assert Transition.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize(
    "value", ["2023-03-06 09:30", "2023/3/6 9:30", "2023-03-06T09:30:00+08:00", "2023-03-06T01:30Z"]
)
def test_times_are_read_as_beijing_time_or_by_their_offset(client, setup, value):
    assert post(client, setup.token, order(received_at=value)).status_code == 201
    received = timezone.localtime(Ticket.objects.get().received_at)
    assert (received.date().isoformat(), received.hour, received.minute) == ("2023-03-06", 9, 30)


def test_a_push_of_changed_data_updates_the_ticket(client, setup):
    post(client, setup.token, order())
    response = post(
        client,
        setup.token,
        order(state="已办结", closed_at="2023-03-08 17:00", satisfaction="满意", contacted=True),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "updated"
    assert "状态" in body["changed"]
    ticket = Ticket.objects.get()
    assert ticket.state == "closed" and ticket.followed_up and ticket.contacted is True
    assert ticket.satisfaction == "satisfied"


def test_every_write_is_audited_with_the_client_as_actor(client, setup):
    post(client, setup.token, order())
    patch(client, setup.token, "GD001", {"content": "占道经营已持续一周"})
    ticket = Ticket.objects.get()
    versions = list(ticket.history.order_by("history_date", "history_id"))
    assert [v.history_type for v in versions] == ["+", "~"]
    assert all(v.history_user_id == setup.user_id for v in versions)
    assert all(v.channel == Channel.IMPORT for v in versions)
    assert ticket.created_by_id == setup.user_id
    assert Transition.objects.get(ticket=ticket).actor_id == setup.user_id
    assert str(setup.user.last_name) == "接口：区12345热线平台"


def test_patch_records_the_follow_up_and_keeps_the_rest(client, setup):
    post(client, setup.token, order(state="已办结", closed_at="2023-03-08 17:00"))
    response = patch(
        client,
        setup.token,
        "GD001",
        {"contacted": True, "resolved": False, "satisfaction": "不满意"},
    )
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert ticket.followed_up and ticket.contacted is True and ticket.resolved is False
    assert ticket.satisfaction == "unsatisfied"
    assert ticket.state == "closed" and ticket.content == "小区门口占道经营"
    assert ticket.reporter_phone == "13812345678"
    assert set(response.json()["changed"]) >= {"已回访", "是否联系", "是否解决", "满意度"}


def test_patch_keeps_a_state_the_office_reached_in_duban(client, setup):
    post(client, setup.token, order(state="待分派", unit=""))
    ticket = Ticket.objects.get()
    deadline = timezone.now() + timezone.timedelta(days=3)
    Ticket.objects.filter(pk=ticket.pk).update(state="dispatched", deadline=deadline)
    response = patch(client, setup.token, "GD001", {"content": "补充：晚上更严重"})
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.state == "dispatched" and ticket.deadline == deadline
    assert ticket.content == "补充：晚上更严重"


def test_patch_of_an_unknown_number_answers_404(client, setup):
    response = patch(client, setup.token, "NOPE", {"content": "x"})
    assert response.status_code == 404
    assert "找不到12345热线工单“NOPE”" in response.json()["detail"]


# ----- validation: 4xx in Chinese naming the field, nothing written -----


@pytest.mark.parametrize(
    "body, field, words",
    [
        (order(received_at="2023-02-30 09:00"), "received_at", "日期"),
        (order(received_at="昨天"), "received_at", "无法识别"),
        (order(received_at="9999-12-31 10:00"), "received_at", "年份应在"),
        (order(received_at="0001-01-01"), "received_at", "年份应在"),
        (order(content="占道\x00经营"), "content", "控制字符"),
        (order(reporter_phone="abcdefg"), "reporter_phone", "不是电话号码"),
        (order(category="不存在的类别"), "category", "不存在"),
        (order(unit="火星办"), "unit", "不存在"),
        (order(community="月亮居民区"), "community", "不存在"),
        (order(state="搁置"), "state", "无法识别"),
        (order(source="微博"), "source", "应为"),
        (order(satisfaction="很好"), "satisfaction", "无法识别"),
        (order(content=""), "content", "不能为空"),
        (order(number=123), "number", "应为字符串"),
        (order(contacted="也许"), "contacted", "true 或 false"),
        (order(closed_at="2023-03-01 08:00", state="已办结"), "closed_at", "早于受理时间"),
        ({**order(), "colour": "red"}, "colour", "不是可接受的字段"),
        ({"content": "只有内容"}, "number", "缺少必填字段"),
    ],
)
def test_bad_orders_answer_400_naming_the_field(client, setup, body, field, words):
    response = post(client, setup.token, body)
    assert response.status_code == 400, response.content
    answer = response.json()
    fields = {e["field"] for e in answer["errors"]}
    assert field in fields, answer
    assert words in answer["detail"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', b"\xff\xfe"])
def test_malformed_bodies_answer_400_never_500(client, setup, raw):
    response = post(client, setup.token, raw)
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith("请求")
    assert not Ticket.objects.exists()


# ----- reading -----


def test_a_client_reads_one_ticket_with_personal_data_masked(client, setup):
    post(client, setup.token, order())
    response = client.get(f"{URL}/GD001", **bearer(setup.token))
    assert response.status_code == 200
    body = response.json()
    assert body["reporter_name"] == "张*" and body["reporter_phone"] == "138****5678"
    assert body["personal_data_masked"] is True
    assert not PersonalDataView.objects.exists()


def test_a_client_allowed_personal_data_sees_it_and_it_is_logged(client, setup):
    post(client, setup.token, order())
    ApiClient.objects.filter(pk=setup.pk).update(personal_data=True)
    body = client.get(f"{URL}/GD001", **bearer(setup.token)).json()
    assert body["reporter_name"] == "张三" and body["reporter_phone"] == "13812345678"
    listing = client.get(URL, **bearer(setup.token)).json()
    assert listing["results"][0]["reporter_phone"] == "13812345678"
    logged = PersonalDataView.objects.filter(user_id=setup.user_id)
    assert logged.count() == 2


def test_the_list_filters_and_pages(client, setup, units):
    for n in range(7):
        post(client, setup.token, order(f"GD{n:03d}", received_at=f"2023-03-{n + 1:02d} 09:00"))
    post(client, setup.token, order("GD100", state="待分派", unit=""))
    page = client.get(URL, {"page_size": 3, "page": 2}, **bearer(setup.token)).json()
    assert page["count"] == 8 and page["pages"] == 3 and len(page["results"]) == 3
    waiting = client.get(URL, {"state": "received"}, **bearer(setup.token)).json()
    assert [t["number"] for t in waiting["results"]] == ["GD100"]
    by_label = client.get(URL, {"state": "待分单"}, **bearer(setup.token)).json()
    assert by_label["results"] == waiting["results"]
    early = client.get(URL, {"end": "2023-03-02"}, **bearer(setup.token)).json()
    assert {t["number"] for t in early["results"]} == {"GD000", "GD001"}
    build = client.get(URL, {"unit": units["build"].pk}, **bearer(setup.token)).json()
    assert build["count"] == 7


@pytest.mark.parametrize(
    "query, field",
    [
        ({"page": "x"}, "page"),
        ({"page_size": 1000}, "page_size"),
        ({"state": "flying"}, "state"),
        ({"start": "2023-02-30"}, "start"),
        ({"page": 9}, "page"),
    ],
)
def test_bad_list_filters_answer_4xx_naming_the_field(client, setup, query, field):
    post(client, setup.token, order())
    response = client.get(URL, query, **bearer(setup.token))
    assert 400 <= response.status_code < 500, response.content
    assert field in {e["field"] for e in response.json()["errors"]}


def test_a_signed_in_supervisor_reads_through_the_session(client, setup, people):
    post(client, setup.token, order())
    client.force_login(people["alice"])
    body = client.get(f"{URL}/GD001").json()
    assert body["reporter_name"] == "张三"  # 督查管理员 of the office: unmasked, logged
    assert PersonalDataView.objects.filter(user=people["alice"]).count() == 1
    client.force_login(people["carol"])  # 东苑 reporter: not her unit's request
    assert client.get(f"{URL}/GD001").status_code == 404


# ----- isolation -----


def test_a_client_of_another_street_sees_nothing_of_this_one(client, setup):
    post(client, setup.token, order())
    other = OfficeFactory(name="乙街道")
    UnitFactory(office=other, name="城建中心", kind="department")
    stranger, token = ApiClient.create(name="乙街道热线", office=other)
    assert client.get(f"{URL}/GD001", **bearer(token)).status_code == 404
    assert client.get(URL, **bearer(token)).json()["count"] == 0
    assert patch(client, token, "GD001", {"content": "改"}).status_code == 404
    # its own push of the same number is its own ticket, in its own office
    response = post(client, token, order(community=""))
    assert response.status_code == 201, response.content
    assert Ticket.objects.filter(source_number="GD001").count() == 2
    assert Ticket.objects.get(office=other).created_by_id == stranger.user_id
    assert Ticket.objects.get(office=setup.office).content == "小区门口占道经营"


# ----- rate limit -----


def test_a_client_past_its_rate_gets_429_with_retry_after(client, setup):
    ApiClient.objects.filter(pk=setup.pk).update(rate_limit=3)
    answers = [client.get(URL, **bearer(setup.token)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "每分钟最多 3 次" in refused.json()["detail"]
    # another client has its own counter
    _other, token = ApiClient.create(name="备用平台", office=setup.office)
    assert client.get(URL, **bearer(token)).status_code == 200


def test_the_window_resets_after_a_minute(setup):
    from duban.api.auth import ApiError, check_rate

    ApiClient.objects.filter(pk=setup.pk).update(rate_limit=2)
    setup.refresh_from_db()
    start = 1_700_000_040.0  # the start of a minute
    check_rate(setup, now=start)
    check_rate(setup, now=start + 1)
    with pytest.raises(ApiError) as refused:
        check_rate(setup, now=start + 20)
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "40"
    check_rate(setup, now=start + 61)  # a new window


def test_follow_up_rows_come_with_a_pushed_rating(client, setup):
    post(
        client,
        setup.token,
        order(state="已办结", closed_at="2023-03-08 17:00", satisfaction="满意"),
    )
    assert FollowUp.objects.get().satisfaction == "satisfied"


def test_a_push_that_loses_a_race_on_its_number_is_retried_once(client, setup, monkeypatch):
    from django.db import IntegrityError

    from duban.api import tickets as api_tickets

    real = api_tickets.OneOrder.merge
    calls = []

    def racing(self, stage, report):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("UNIQUE constraint failed: ticket_source_number_unique")
        return real(self, stage, report)

    monkeypatch.setattr(api_tickets.OneOrder, "merge", racing)
    response = post(client, setup.token, order())
    assert response.status_code == 201 and len(calls) == 2
    assert Ticket.objects.count() == 1
