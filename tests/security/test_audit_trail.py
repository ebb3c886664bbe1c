"""The audit trail cannot be edited or deleted through the admin or the pages (issue 14):
historical rows, requests' transitions and follow-ups, the log of who saw a resident's
contact, review steps, notices and their steps, reminder and extension records."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from duban.notify.models import ReminderLog
from duban.progress.models import Submission
from duban.supervision.models import AccountabilityRecord, Inspection, Notice
from duban.tickets.models import ExtensionRequest, PersonalDataView, Ticket

# kept whole: nothing added, changed or deleted, even by a superuser
READ_ONLY = [
    Notice,
    AccountabilityRecord,
    Inspection,
    PersonalDataView,
    ReminderLog,
    ExtensionRequest,
]
# the record stays, its fields are read only (changes go through the workflow's pages)
NEVER_ADDED_OR_DELETED = [Submission, Ticket]


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", password="pass12345")


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_a_superuser_may_not_add_change_or_delete_a_record_of_the_trail(root, model):
    model_admin = admin.site._registry[model]
    request = _request(root)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.parametrize("model", NEVER_ADDED_OR_DELETED, ids=lambda m: m.__name__)
def test_reports_and_requests_are_never_deleted_in_the_admin(root, model):
    model_admin = admin.site._registry[model]
    request = _request(root)
    if model is Submission:
        assert not model_admin.has_add_permission(request)  # a report comes from its unit
    assert not model_admin.has_delete_permission(request)
    for inline in model_admin.get_inline_instances(request):
        # reviews, evidence, transitions, follow-ups: shown, never touched
        assert not inline.has_add_permission(request, None), inline
        assert not inline.has_change_permission(request, None), inline
        assert not inline.has_delete_permission(request, None), inline


def test_no_historical_table_is_editable_in_the_admin():
    registered = [model.__name__ for model in admin.site._registry]
    assert not [name for name in registered if name.startswith("Historical")]
    assert not [name for name in registered if name in ("Transition", "Review", "NoticeEvent")]


def test_people_are_deactivated_never_deleted(root, people):
    model_admin = admin.site._registry[get_user_model()]
    assert not model_admin.has_delete_permission(_request(root), people["bob"])


def test_a_request_cannot_be_deleted_through_the_admin_url(client, root, office, units):
    ticket = Ticket.objects.create(
        office=office,
        source="hotline",
        source_number="A1",
        received_at=dt.datetime(2022, 8, 1, 9, tzinfo=dt.UTC),
        content="路灯不亮",
        state="in_progress",
        unit=units["build"],
    )
    PersonalDataView.objects.create(user=root, ticket=ticket, purpose="查看诉求详情")
    client.force_login(root)
    assert (
        client.post(f"/admin/tickets/ticket/{ticket.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    view = PersonalDataView.objects.get()
    assert (
        client.post(
            f"/admin/tickets/personaldataview/{view.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Ticket.objects.filter(pk=ticket.pk).exists() and PersonalDataView.objects.exists()


def test_a_task_with_reports_is_not_deleted_and_says_why(client, people, tasks):
    task = tasks["build"]
    Submission.objects.create(task=task, period="2022-07", unit=task.lead_unit, state="submitted")
    client.force_login(people["alice"])
    response = client.post(reverse("ledger:delete", args=[task.pk]), follow=True)
    assert task.__class__.objects.filter(pk=task.pk).exists()
    assert Submission.objects.filter(task=task).exists()
    assert "进展填报 1 条" in response.content.decode()
    assert "不能删除" in response.content.decode()
    # nor from the admin, where only a task nothing was recorded about can be deleted
    task_admin = admin.site._registry[task.__class__]
    root = get_user_model().objects.create_superuser("root", password="pass12345")
    assert not task_admin.has_delete_permission(_request(root), task)
    assert task_admin.has_delete_permission(_request(root), tasks["west"])


def test_a_task_nothing_was_recorded_about_can_still_be_deleted(client, people, tasks):
    client.force_login(people["alice"])
    client.post(reverse("ledger:delete", args=[tasks["west"].pk]))
    assert not tasks["west"].__class__.objects.filter(pk=tasks["west"].pk).exists()
