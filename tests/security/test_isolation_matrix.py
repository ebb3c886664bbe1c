"""Nothing of another unit, or of another street, is reachable (issue 14).

Two streets (甲 示范街道, 乙 乙街道), each with an owning unit that holds one of every
thing a person can open — key task, submission and its evidence, notice and its evidence,
accountability record, request and its evidence, rectification item, notification, job —
and the street's own inspection (with a photo) and archived report. Every role of the
other unit of the same street, and every role of the other street, guesses their ids
and file URLs, opens every list, export and API answer, and must find nothing: the
guesses answer 403 or 404 and no list carries the owner's marker text. The owner (and
the street's 督查管理员) open the same URLs first, so a wrong URL cannot pass as a denial.

The world is built once per module (inside a transaction rolled back at the end)."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client

from duban.org import roles as R
from duban.org.models import Office

TZ = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"
NAME = "欧阳娜娜"


def _side(tag, office, owner_unit, people):
    """One of every thing, owned by `owner_unit` of `office`, each carrying `tag`."""
    from duban.core.models import Job
    from duban.notify.models import Notification
    from duban.progress.models import Evidence, Submission
    from duban.reports.models import Report
    from duban.supervision.models import (
        AccountabilityRecord,
        Inspection,
        InspectionPhoto,
        Notice,
        NoticeEvidence,
        Rectification,
    )
    from duban.tickets.models import Ticket, TicketEvidence
    from tests.factories import KeyTaskFactory

    marker = f"机密{tag}"
    reporter = people["reporter"]
    task = KeyTaskFactory(
        office=office, code=f"SEC-{tag}", title=f"{marker}事项", lead_unit=owner_unit
    )
    submission = Submission.objects.create(
        task=task,
        period="2022-07",
        unit=owner_unit,
        state=Submission.State.SUBMITTED,
        progress=f"{marker}进展",
        submitted_by=reporter,
        submitted_at=dt.datetime(2022, 8, 1, 9, tzinfo=TZ),
        version=1,
    )
    evidence = Evidence(submission=submission, name=f"{marker}.pdf", size=10, uploaded_by=reporter)
    evidence.file.save("e.pdf", ContentFile(f"%PDF {marker}".encode()), save=True)
    notice = Notice.objects.create(
        office=office,
        task=task,
        unit=owner_unit,
        level="blue",
        state=Notice.State.ISSUED,
        year=2022,
        serial=1,
        period="2022-07",
        reason=f"{marker}督办事由",
        issued_on=dt.date(2022, 8, 5),
        reply_by=dt.date(2022, 8, 12),
    )
    notice_evidence = NoticeEvidence(notice=notice, name=f"{marker}.pdf", size=10)
    notice_evidence.file.save("n.pdf", ContentFile(f"%PDF {marker}".encode()), save=True)
    record = AccountabilityRecord.objects.create(
        office=office,
        unit=owner_unit,
        year=2022,
        state=AccountabilityRecord.State.DECIDED,
        reason=f"{marker}问责事由",
        task=task,
    )
    ticket = Ticket.objects.create(
        office=office,
        source="hotline",
        source_number=f"SEC{tag}",
        received_at=dt.datetime(2022, 8, 1, 9, tzinfo=TZ),
        content=f"{marker}诉求内容",
        reporter_name=NAME,
        reporter_phone=PHONE,
        state="in_progress",
        unit=owner_unit,
        dispatched_at=dt.datetime(2022, 8, 1, 10, tzinfo=TZ),
        deadline=dt.datetime(2022, 8, 8, 18, tzinfo=TZ),
    )
    ticket_evidence = TicketEvidence(ticket=ticket, name=f"{marker}.jpg", size=10)
    ticket_evidence.file.save("t.jpg", ContentFile(marker.encode()), save=True)
    inspection = Inspection.objects.create(
        office=office,
        on=dt.date(2022, 8, 2),
        kind="site",
        place=f"{marker}地点",
        inspectors="检查组",
        findings=f"{marker}发现问题",
    )
    photo = InspectionPhoto(inspection=inspection, name=f"{marker}.jpg", size=10)
    photo.file.save("p.jpg", ContentFile(marker.encode()), save=True)
    rectification = Rectification.objects.create(
        inspection=inspection,
        unit=owner_unit,
        description=f"{marker}整改要求",
        deadline=dt.date(2022, 8, 31),
    )
    notification = Notification.objects.create(
        user=reporter, title=f"{marker}通知", url=f"/ledger/{task.pk}/"
    )
    job = Job.objects.create(
        user=reporter, title=f"{marker}导出", kind="x", status="done", result_name=f"{marker}.xlsx"
    )
    from duban.core.jobs import result_path

    result_path(job).parent.mkdir(parents=True)
    result_path(job).write_text(marker)
    from duban.reports import figures

    data = figures.monthly(office, "2022-07", today=dt.date(2022, 8, 10))
    report = Report.objects.create(
        office=office, period="2022-07", title=f"{marker}报告", figures=data
    )
    from duban.supervision.models import Topic
    from duban.tickets.models import ExtensionRequest, RoutingRule

    topic = Topic.objects.create(office=office, year=2022, name=f"{marker}专项")
    topic.tasks.set([task])
    rule = RoutingRule.objects.create(office=office, unit=owner_unit)
    extension = ExtensionRequest.objects.create(
        ticket=ticket,
        workdays=3,
        reason=f"{marker}延期理由",
        old_deadline=ticket.deadline,
        new_deadline=ticket.deadline + dt.timedelta(days=3),
        requested_by=reporter,
        requested_at=ticket.dispatched_at,
    )
    return {
        "topic": topic,
        "rule": rule,
        "extension": extension,
        "marker": marker,
        "office": office,
        "unit": owner_unit,
        "people": people,
        "task": task,
        "submission": submission,
        "evidence": evidence,
        "notice": notice,
        "notice_evidence": notice_evidence,
        "record": record,
        "ticket": ticket,
        "ticket_evidence": ticket_evidence,
        "inspection": inspection,
        "photo": photo,
        "rectification": rectification,
        "notification": notification,
        "job": job,
        "report": report,
    }


def _street(tag, office):
    from tests.factories import UnitFactory, make_user

    owner = UnitFactory(office=office, name=f"{tag}城建中心", kind="department")
    other = UnitFactory(office=office, name=f"{tag}东苑居民区", kind="community")
    people = {
        "supervisor": make_user(f"{tag}sup", R.SUPERVISOR, unit=owner),
        "leader": make_user(f"{tag}leader", R.LEADER, office=office),
        "readonly": make_user(f"{tag}ro", R.READONLY, office=office),
        "unit_head": make_user(f"{tag}head", R.UNIT_HEAD, unit=owner),
        "reporter": make_user(f"{tag}rep", R.REPORTER, unit=owner),
        "grid_worker": make_user(f"{tag}grid", R.GRID_WORKER, unit=owner),
    }
    others = {
        "unit_head": make_user(f"{tag}head2", R.UNIT_HEAD, unit=other),
        "reporter": make_user(f"{tag}rep2", R.REPORTER, unit=other),
        "grid_worker": make_user(f"{tag}grid2", R.GRID_WORKER, unit=other),
    }
    return _side(tag, office, owner, people), others


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test import override_settings

    from tests.conftest import seed_reference_data

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            JOBS_DIR=media / "jobs",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seed_reference_data()
            first = Office.objects.order_by("id").first()
            second = Office.objects.create(name="乙街道", kind=Office.Kind.STREET, order=2)
            a, a_others = _street("甲", first)
            b, b_others = _street("乙", second)
            yield {"media": media, "a": a, "b": b, "a_others": a_others, "b_others": b_others}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _world_media(world, settings):
    settings.MEDIA_ROOT = world["media"]
    settings.JOBS_DIR = world["media"] / "jobs"


def guesses(side):
    """Every URL that names one of `side`'s things by id, and the method to use."""
    s = side
    return [
        ("get", f"/ledger/{s['task'].pk}/"),
        ("get", f"/ledger/{s['task'].pk}/edit/"),
        ("post", f"/ledger/{s['task'].pk}/delete/"),
        ("get", f"/progress/submissions/{s['submission'].pk}/"),
        # with an action: an empty one is answered 404 whoever asks
        ("post", f"/progress/submissions/{s['submission'].pk}/act/", {"action": "accept"}),
        ("get", f"/progress/evidence/{s['evidence'].pk}/"),
        ("post", f"/progress/tasks/{s['task'].pk}/override/"),
        ("post", f"/progress/tasks/{s['task'].pk}/reopen/"),
        ("get", f"/supervision/notices/{s['notice'].pk}/"),
        ("post", f"/supervision/notices/{s['notice'].pk}/act/"),
        ("get", f"/supervision/notices/{s['notice'].pk}/docx/"),
        ("get", f"/supervision/evidence/{s['notice_evidence'].pk}/"),
        ("get", f"/supervision/inspections/{s['inspection'].pk}/"),
        ("get", f"/supervision/inspections/photos/{s['photo'].pk}/"),
        ("post", f"/supervision/rectifications/{s['rectification'].pk}/act/"),
        ("get", f"/supervision/tickets/{s['ticket'].pk}/new/"),
        ("get", f"/tickets/{s['ticket'].pk}/"),
        ("get", f"/tickets/evidence/{s['ticket_evidence'].pk}/"),
        ("post", f"/tickets/{s['ticket'].pk}/route/"),
        ("post", f"/tickets/{s['ticket'].pk}/extension/"),
        ("post", f"/tickets/{s['ticket'].pk}/close/"),
        ("get", f"/notifications/{s['notification'].pk}/"),
        ("get", f"/jobs/{s['job'].pk}/"),
        ("get", f"/jobs/{s['job'].pk}/state/"),
        ("get", f"/jobs/{s['job'].pk}/download/"),
        ("get", f"/reports/{s['report'].pk}/"),
        ("get", f"/reports/{s['report'].pk}/download/docx/"),
        ("get", f"/api/v1/tickets/{s['ticket'].source_number}"),
        ("get", f"/supervision/notices/new/?task={s['task'].pk}"),
        ("get", f"/supervision/topics/{s['topic'].pk}/"),
        ("post", f"/supervision/topics/{s['topic'].pk}/delete/"),
        ("get", f"/tickets/routing/{s['rule'].pk}/"),
        ("post", f"/tickets/extensions/{s['extension'].pk}/approve/"),
        ("get", f"/settings/people/{s['people']['reporter'].pk}/"),
        ("post", f"/settings/people/{s['people']['reporter'].pk}/password/"),
        ("post", f"/settings/people/{s['people']['reporter'].pk}/unlock/"),
        ("get", f"/settings/units/{s['unit'].pk}/"),
    ]


# what a person of the same street but another unit may still open: nothing of the unit's,
# but the street's own inspection is not the unit's (unit roles see no inspection at all)
LISTS = [
    "/",
    "/ledger/",
    "/ledger/export/",
    "/progress/batch/",
    "/progress/board/",
    "/progress/review/",
    "/progress/judge/",
    "/tickets/",
    "/tickets/mine/",
    "/tickets/all/",
    "/tickets/all/?format=xlsx",
    "/tickets/unit/",
    "/tickets/stats/",
    "/tickets/duplicates/",
    "/tickets/extensions/",
    "/supervision/",
    "/supervision/inbox/",
    "/supervision/accountability/",
    "/supervision/inspections/",
    "/supervision/ranking/",
    "/supervision/ranking/?format=xlsx",
    "/reports/",
    "/reports/bulletin/",
    "/dashboard/",
    "/notifications/",
    "/api/v1/ledger",
    "/api/v1/tickets",
    "/api/v1/dashboard",
]

UNIT_ROLES = ("unit_head", "reporter", "grid_worker")
# (whose things, which people, role): the other unit of the same street, and every role of
# the other street (its own units and another unit of it)
OUTSIDERS = [
    *[("a", "a_others", role) for role in UNIT_ROLES],
    *[("a", "b", role) for role in R.ROLE_NAMES],
    *[("a", "b_others", role) for role in UNIT_ROLES],
    *[("b", "a", role) for role in R.ROLE_NAMES],
]
# the lists are the same pages for every outsider: the other unit's roles and the other
# street's roles read them (another unit of the other street adds nothing to that)
LIST_READERS = [o for o in OUTSIDERS if o[0] == "a" and o[1] != "b_others"]


def _text(response):
    """What a person would read in the answer, unpacking Excel and Word files."""
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    return body.decode("utf-8", "replace")


def _person(world, group, role):
    if group in ("a", "b"):
        return world[group]["people"][role]
    return world[group][role]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


GUESSES = 37


@pytest.mark.parametrize("owner,url", [(s, n) for s in ("a", "b") for n in range(GUESSES)])
def test_the_owner_or_its_supervisor_reaches_every_guessed_url(db, world, owner, url):
    """The positive control: each URL names a thing its own street can open."""
    assert len(guesses(world[owner])) == GUESSES
    method, path, *data = guesses(world[owner])[url]
    side = world[owner]
    by = (
        side["people"]["reporter"]
        if path.startswith(("/notifications/", "/jobs/"))
        else (side["people"]["supervisor"])
    )
    response = getattr(_client(by), method)(path, *data)
    if method == "post":
        # an empty form: the view is reached and answers (a form error, a refusal in words
        # or a redirect), which an outsider's identical request never gets past
        assert response.status_code in (200, 302, 400, 409), (path, response.status_code)
    else:
        assert response.status_code in (200, 302), (path, response.status_code)


@pytest.mark.parametrize("owner,group,role", OUTSIDERS)
def test_an_outsider_guessing_ids_and_file_urls_finds_nothing(db, world, owner, group, role):
    client = _client(_person(world, group, role))
    side = world[owner]
    leaks = []
    for method, path, *data in guesses(side):
        response = getattr(client, method)(path, *data)
        if response.status_code not in (401, 403, 404):
            leaks.append((method, path, response.status_code))
    assert leaks == []
    # nothing was changed by the attempts
    side["submission"].refresh_from_db()
    side["notice"].refresh_from_db()
    side["extension"].refresh_from_db()
    assert side["submission"].state == "submitted"
    assert side["notice"].state == "issued"
    assert side["extension"].decision == "pending"
    assert side["people"]["reporter"].check_password("pass12345")


@pytest.mark.parametrize("owner,group,role", LIST_READERS)
def test_an_outsider_finds_no_trace_in_lists_exports_and_the_api(db, world, owner, group, role):
    client = _client(_person(world, group, role))
    marker = world[owner]["marker"]
    leaks = []
    for path in LISTS:
        response = client.get(path)
        if response.status_code == 200 and marker in _text(response):
            leaks.append(path)
    assert leaks == []


def test_raw_media_urls_are_not_served(db, world, client):
    """Uploaded files are only ever answered by the views that check who asks."""
    client.force_login(world["a"]["people"]["supervisor"])
    for item in ("evidence", "notice_evidence", "ticket_evidence", "photo"):
        name = world["a"][item].file.name
        for prefix in ("/media/", "/static/", "/"):
            response = client.get(prefix + name, follow=True)
            assert response.status_code in (404, 405), prefix + name
            assert world["a"]["marker"] not in _text(response)


@pytest.mark.parametrize("role", R.ROLE_NAMES)
def test_a_residents_contact_is_shown_only_to_who_handles_it_and_every_showing_is_logged(
    db, world, role
):
    from duban.tickets.models import PersonalDataView

    side = world["a"]
    ticket = side["ticket"]
    user = side["people"][role]
    before = PersonalDataView.objects.filter(user=user, ticket=ticket).count()
    response = _client(user).get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    sees = role in (R.SUPERVISOR, R.UNIT_HEAD, R.REPORTER)
    assert (PHONE in html) is sees and (NAME in html) is sees
    if not sees:
        assert "139****5678" in html
    logged = PersonalDataView.objects.filter(user=user, ticket=ticket).count() - before
    assert logged == (1 if sees else 0)
    # the API answers a signed-in person the same way, and logs it the same way
    answer = _client(user).get(f"/api/v1/tickets/{ticket.source_number}")
    assert answer.status_code == 200
    assert (answer.json()["reporter_phone"] == PHONE) is sees
    logged = PersonalDataView.objects.filter(user=user, ticket=ticket).count() - before
    assert logged == (2 if sees else 0)


@pytest.mark.parametrize("role", R.ROLE_NAMES)
def test_exports_never_carry_a_residents_contact(db, world, role):
    response = _client(world["a"]["people"][role]).get("/tickets/all/?format=xlsx")
    if response.status_code != 200:
        return
    text = _text(response)
    assert PHONE not in text and NAME not in text


def test_a_token_of_the_other_street_reaches_nothing_of_this_one(db, world, client):
    from django.core.cache import cache

    from duban.api.models import ApiClient

    cache.clear()
    api_client, token = ApiClient.create(name="乙街道热线", office=world["b"]["office"])
    ApiClient.objects.filter(pk=api_client.pk).update(personal_data=True, rate_limit=100_000)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    ticket = world["a"]["ticket"]
    assert client.get(f"/api/v1/tickets/{ticket.source_number}", **auth).status_code == 404
    patched = client.patch(
        f"/api/v1/tickets/{ticket.source_number}",
        '{"state": "已办结"}',
        content_type="application/json",
        **auth,
    )
    assert patched.status_code in (400, 404)
    for path in ("/api/v1/tickets", "/api/v1/ledger", "/api/v1/dashboard"):
        response = client.get(path, **auth)
        assert world["a"]["marker"] not in response.content.decode(), path
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    # its own street's request it reads in full (the client may see personal data), and
    # each reading, one request or a page of the list, is logged
    from duban.tickets.models import PersonalDataView

    logged = PersonalDataView.objects.filter(user=api_client.user)
    before = logged.count()
    own = client.get(f"/api/v1/tickets/{world['b']['ticket'].source_number}", **auth)
    assert own.status_code == 200 and own.json()["reporter_phone"] == PHONE
    listed = client.get("/api/v1/tickets", **auth).json()["results"]
    assert [row["reporter_phone"] for row in listed] == [PHONE]
    assert logged.count() == before + 2


OFFICE_PAGES = [
    "/ledger/?office={}",
    "/dashboard/?office={}",
    "/reports/preview/?office={}&period=2022-07",
    "/reports/bulletin/?office={}&period=2022-07",
    "/supervision/ranking/?office={}&year=2022",
    "/supervision/ranking/?office={}&year=2022&format=xlsx",
    "/tickets/stats/?office={}",
    "/progress/import/template/?office={}&period=2022-07",
    "/settings/supervision/scoring/?office={}",
    "/api/v1/ledger?office={}",
    "/api/v1/dashboard?office={}",
]


@pytest.mark.parametrize("role", [R.SUPERVISOR, R.LEADER, R.READONLY])
def test_naming_the_other_street_in_the_address_shows_nothing_of_it(db, world, role):
    client = _client(world["b"]["people"][role])
    other = world["a"]["office"].pk
    leaks = []
    for page in OFFICE_PAGES:
        response = client.get(page.format(other))
        if response.status_code == 200 and world["a"]["marker"] in _text(response):
            leaks.append(page)
    assert leaks == []
