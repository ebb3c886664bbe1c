"""Whatever a platform sends, the answer is a clear 4xx or a write — never a 500, and a
refused order writes nothing (issue 14: hypothesis feeds malformed API payloads)."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.api.models import ApiClient
from duban.tickets.models import Ticket
from tests.api.conftest import bearer

FIELDS = [
    "number",
    "source",
    "received_at",
    "category",
    "content",
    "community",
    "reporter_name",
    "reporter_phone",
    "unit",
    "state",
    "closed_at",
    "contacted",
    "resolved",
    "satisfaction",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(
        ["12345热线", "2023-02-29 10:00", "2023-03-06 09:30", "已办结", "满意", "城建中心", "0"]
    ),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
VALID = {
    "number": "GD001",
    "received_at": "2023-03-06 09:30",
    "category": "市容环境",
    "content": "小区门口占道经营",
    "community": "东苑居民区",
    "unit": "城建中心",
    "state": "办理中",
}
CHANGES = st.dictionaries(st.sampled_from(FIELDS + ["extra"]), VALUES, max_size=3)
PAYLOADS = st.one_of(
    CHANGES.map(lambda changes: {**VALID, **changes}),  # a valid order, a few fields spoilt
    st.dictionaries(st.sampled_from(FIELDS + ["extra"]), VALUES, max_size=len(FIELDS)),
    VALUES,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=PAYLOADS)
def test_any_payload_gets_a_4xx_or_a_write_never_a_500(client, units, category, hotline, payload):
    ApiClient.objects.filter(pk=hotline.pk).update(rate_limit=100_000)
    before = Ticket.objects.count()
    response = client.post(
        "/api/v1/tickets",
        json.dumps(payload),
        content_type="application/json",
        **bearer(hotline.token),
    )
    assert response.status_code in (200, 201, 400), (payload, response.content[:300])
    body = response.json()
    if response.status_code == 400:
        assert body["detail"] and Ticket.objects.count() == before
    patched = client.patch(
        "/api/v1/tickets/GD001",
        json.dumps(payload),
        content_type="application/json",
        **bearer(hotline.token),
    )
    assert patched.status_code in (200, 400, 404), (payload, patched.content[:300])


def test_the_fuzzed_orders_include_valid_ones(client, units, category, hotline):
    # the strategy's base order is accepted: the fuzz above also exercises writes
    response = client.post(
        "/api/v1/tickets",
        json.dumps(VALID),
        content_type="application/json",
        **bearer(hotline.token),
    )
    assert response.status_code == 201
