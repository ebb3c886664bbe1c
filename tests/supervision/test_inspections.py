"""督查检查 and 整改事项: recorded by the office, answered by the unit, closed after checking."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.supervision import inspections as checks
from duban.supervision.models import Inspection, Rectification
from duban.supervision.services import SupervisionError

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture
def inspection(office, people):
    return checks.record(
        people["alice"],
        office,
        on=dt.date(2022, 8, 3),
        kind="unannounced",
        place="东苑居民区服务站",
        inspectors="孙丽娜、王强",
        findings="窗口人员离岗，群众等候时间长",
        photos=[SimpleUploadedFile("现场.png", PNG)],
    )


def test_record_refuses_missing_fields_and_non_photos(office, people):
    with pytest.raises(SupervisionError, match="请填写发现问题"):
        checks.record(
            people["alice"],
            office,
            on=dt.date(2022, 8, 3),
            kind="site",
            place="x",
            inspectors="y",
            findings=" ",
        )
    with pytest.raises(SupervisionError, match="不是照片"):
        checks.record(
            people["alice"],
            office,
            on=dt.date(2022, 8, 3),
            kind="site",
            place="x",
            inspectors="y",
            findings="z",
            photos=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")],
        )
    with pytest.raises(SupervisionError, match="督查管理员"):
        checks.record(
            people["lily"],
            office,
            on=dt.date(2022, 8, 3),
            kind="site",
            place="x",
            inspectors="y",
            findings="z",
        )
    assert not Inspection.objects.exists()


def test_a_finding_is_rectified_and_closed(client, office, people, units, inspection):
    assert inspection.photos.get().name == "现场.png"
    client.force_login(people["alice"])
    page = client.post(
        f"/supervision/inspections/{inspection.pk}/",
        {
            "unit": units["east"].pk,
            "description": "落实首问负责和离岗报备",
            "deadline": "2022-08-20",
        },
        follow=True,
    ).content.decode()
    assert "已交办整改事项" in page
    item = Rectification.objects.get()

    client.force_login(people["bob"])  # another unit
    client.post(f"/supervision/rectifications/{item.pk}/act/", {"action": "reply", "measures": "x"})
    item.refresh_from_db()
    assert item.state == "open"

    client.force_login(people["carol"])
    inbox = client.get("/supervision/inbox/").content.decode()
    assert "落实首问负责和离岗报备" in inbox
    client.post(
        f"/supervision/rectifications/{item.pk}/act/",
        {"action": "reply", "measures": "已建立离岗报备制度"},
    )
    item.refresh_from_db()
    assert item.state == "replied"

    client.force_login(people["alice"])
    client.post(
        f"/supervision/rectifications/{item.pk}/act/",
        {"action": "close", "verification": "复查无离岗"},
    )
    item.refresh_from_db()
    assert item.state == "closed" and item.history.count() == 3

    client.force_login(people["carol"])
    answer = client.post(
        f"/supervision/rectifications/{item.pk}/act/",
        {"action": "reply", "measures": "再答复"},
        follow=True,
    ).content.decode()
    assert "已销号，不能再答复" in answer
    item.refresh_from_db()
    assert item.measures == "已建立离岗报备制度"


def test_deadline_before_the_inspection_is_refused(office, people, units, inspection):
    with pytest.raises(SupervisionError, match="早于检查日期"):
        checks.open_item(
            inspection,
            people["alice"],
            unit=units["east"],
            description="整改",
            deadline=dt.date(2022, 8, 1),
        )


def test_units_do_not_see_inspections_but_their_items(client, people, units, inspection):
    checks.open_item(
        inspection,
        people["alice"],
        unit=units["east"],
        description="整改",
        deadline=dt.date(2022, 8, 20),
    )
    client.force_login(people["carol"])
    assert client.get("/supervision/inspections/").status_code == 403
    assert client.get(f"/supervision/inspections/{inspection.pk}/").status_code == 404
    assert Rectification.objects.visible_to(people["carol"]).count() == 1
    assert Rectification.objects.visible_to(people["bob"]).count() == 0
    client.force_login(people["lily"])
    assert "东苑居民区服务站" in client.get("/supervision/inspections/").content.decode()
