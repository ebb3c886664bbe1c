import pytest
from django.core.cache import cache

from duban.api.models import ApiClient
from duban.tickets.models import TicketCategory


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def category(db):
    return TicketCategory.objects.create(name="市容环境")


@pytest.fixture
def hotline(office):
    """A hotline client of the street, with its token."""
    client, token = ApiClient.create(name="区12345热线平台", office=office)
    client.token = token
    return client


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
