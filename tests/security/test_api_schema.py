"""schemathesis against the API's own OpenAPI schema (issue 14): every operation, fed
what the schema allows and a little beyond, answers without a server error and as the
schema says it answers. Through WSGI in this process (no server), a few examples each."""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from duban.api.models import ApiClient
from duban.tickets.models import TicketCategory


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's own test client keeps the test's database connection open across a
    request; schemathesis calls the WSGI app directly, whose request signals would close
    it (and with it the test's transaction, on PostgreSQL). Do as the test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(office, units, tasks):
    cache.clear()
    TicketCategory.objects.get_or_create(name="市容环境")
    client, token = ApiClient.create(name="区12345热线平台", office=office, rate_limit=100_000)
    return token


def _schema():
    # the schema as the app serves it, and the app itself (WSGI) to call; the schema is
    # read without the database (pytest-django has set Django up by now)
    from duban.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says_and_never_with_a_server_error(db, case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
