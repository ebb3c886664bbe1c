"""督查检查 and 整改事项: the only writer of inspections and their rectification items.

open ──reply (the unit)──▶ replied ──close (the office)──▶ closed
  ▲                            │
  └──── return (not enough) ───┘

Each step is a conditional UPDATE whose count is checked and leaves a historical
version; every refused step raises `SupervisionError` in Chinese and changes nothing.
"""

from django.db import transaction
from django.utils import timezone

from duban.core.audit import bulk_create_history
from duban.org import roles as R
from duban.org.scope import offices_in_scope
from duban.progress.workflow import WorkflowError, check_evidence
from duban.supervision.models import Inspection, InspectionPhoto, Rectification
from duban.supervision.services import UNIT_ROLES, SupervisionError

State = Rectification.State
IMAGE_TYPES = ("jpg", "jpeg", "png", "gif")


def _require(condition, message):
    if not condition:
        raise SupervisionError(message)


def _text(value):
    return (value or "").strip()


def visible_inspections(user):
    if not R.sees_whole_office(user):
        return Inspection.objects.none()
    return Inspection.objects.filter(office__in=offices_in_scope(user))


def record(user, office, *, on, kind, place, inspectors, findings, photos=()):
    """登记督查检查, with its photos (images only, checked as evidence is)."""
    _require(R.is_supervisor(user), "只有督查管理员可以登记督查检查")
    _require(on is not None, "请填写检查日期")
    _require(on <= timezone.localdate(), f"检查日期 {on} 晚于今天")
    _require(kind in Inspection.Kind.values, "请选择检查方式")
    for value, label in ((place, "地点"), (inspectors, "检查人员"), (findings, "发现问题")):
        _require(_text(value), f"请填写{label}")
    for photo in photos:
        name = photo.name or ""
        _require(
            name.rsplit(".", 1)[-1].lower() in IMAGE_TYPES,
            f"“{name}”不是照片，检查照片只能是 jpg、png 或 gif",
        )
        try:
            check_evidence(photo)
        except WorkflowError as error:
            raise SupervisionError(str(error))
    with transaction.atomic():
        inspection = Inspection.objects.create(
            office=office,
            on=on,
            kind=kind,
            place=_text(place),
            inspectors=_text(inspectors),
            findings=_text(findings),
            created_by=user,
        )
        for photo in photos:
            InspectionPhoto.objects.create(
                inspection=inspection, file=photo, name=photo.name[:200], size=photo.size
            )
    return inspection


def open_item(inspection, user, *, unit, description, deadline):
    """A finding opens a rectification item for a unit with a deadline."""
    _require(R.is_supervisor(user), "只有督查管理员可以交办整改事项")
    _require(unit is not None, "请选择责任单位")
    _require(_text(description), "请填写整改要求")
    _require(deadline is not None, "请填写整改时限")
    _require(deadline >= inspection.on, f"整改时限 {deadline} 早于检查日期 {inspection.on}")
    return Rectification.objects.create(
        inspection=inspection, unit=unit, description=_text(description), deadline=deadline
    )


def _move(item, expected, target, **changes):
    updated = Rectification.objects.filter(pk=item.pk, state=expected).update(
        state=target, **changes
    )
    if updated != 1:
        item.refresh_from_db()
        raise SupervisionError(
            f"该整改事项当前为“{item.get_state_display()}”，不能进行此操作（请刷新页面）"
        )
    item.refresh_from_db()
    bulk_create_history(Rectification, [item], "~")
    return item


def reply(item, user, measures):
    profile = R.profile_of(user)
    _require(
        profile is not None
        and profile.unit_id == item.unit_id
        and bool(R.roles_of(user) & UNIT_ROLES),
        "只有责任单位的填报员或负责人可以答复整改情况",
    )
    _require(item.state != State.CLOSED, "该整改事项已销号，不能再答复")
    _require(_text(measures), "请填写整改情况")
    with transaction.atomic():
        return _move(
            item, State.OPEN, State.REPLIED, measures=_text(measures), replied_at=timezone.now()
        )


def close(item, user, verification):
    _require(R.is_supervisor(user), "只有督查管理员可以销号")
    _require(_text(verification), "请填写核实情况")
    with transaction.atomic():
        return _move(
            item,
            State.REPLIED,
            State.CLOSED,
            verification=_text(verification),
            closed_at=timezone.now(),
        )


def send_back(item, user, comment):
    _require(R.is_supervisor(user), "只有督查管理员可以核实整改情况")
    _require(_text(comment), "请填写整改不到位的理由")
    with transaction.atomic():
        return _move(item, State.REPLIED, State.OPEN, verification=_text(comment))
