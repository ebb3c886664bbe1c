"""The working-day calendar the engine reads (`judging.load_calendar`) is kept per process
under the org version, which the calendar's tables change (progress/apps.py watches
them): read once, any change shows on the next request, and what one calendar
remembers never reaches the next.

Committed transactions, as in production: on PostgreSQL the version changes at commit.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.core.models import CalendarYear, WorkdayOverride
from duban.org import cache
from duban.progress.judging import load_calendar

pytestmark = pytest.mark.django_db(transaction=True)

SATURDAY = dt.date(2031, 3, 1)


def a_request():
    """What a signed-in request does first: read the org version (org/cache.py)."""
    cache.seen(cache.current())


def test_the_calendar_is_read_once_then_kept():
    a_request()
    load_calendar()
    with CaptureQueriesContext(connection) as queries:
        calendar = load_calendar()
    assert len(queries) == 0
    assert not calendar.is_workday(SATURDAY)


def test_a_working_day_or_a_year_added_shows_on_the_next_request():
    a_request()
    assert not load_calendar().is_workday(SATURDAY)
    WorkdayOverride.objects.create(date=SATURDAY, is_workday=True, note="调休上班")
    a_request()
    assert load_calendar().is_workday(SATURDAY)

    CalendarYear.objects.create(year=2031)
    a_request()
    assert 2031 in load_calendar().manual_years

    WorkdayOverride.objects.filter(date=SATURDAY).delete()
    a_request()
    assert not load_calendar().is_workday(SATURDAY)


def test_what_one_calendar_remembers_stays_its_own():
    a_request()
    first = load_calendar()
    first.is_workday(SATURDAY)
    first.overrides[SATURDAY] = True  # nothing does this; if it did, only here
    second = load_calendar()
    assert second.asked_years == set()
    assert SATURDAY not in second.overrides


def test_nothing_is_kept_without_a_version():
    cache.forget()
    load_calendar()
    with CaptureQueriesContext(connection) as queries:
        load_calendar()
    assert len(queries) == 2
