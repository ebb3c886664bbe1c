"""The one helper that masks a resident's personal data (name and phone).

Every page, export, report and answer shows `张*` and `138****5678` unless the
viewer's role needs the real ones to do the work:

- 督查管理员 of the request's office (分单, 回访);
- the people of the unit that holds the request (单位负责人, 单位填报员) while it is
  theirs to claim or to handle;
- the 网格员 who filed it.

Every unmasked view or export is logged (`PersonalDataView`).
"""

from duban.org import roles as R
from duban.tickets import flow
from duban.tickets.models import PersonalDataView

HOLDING = {flow.State.DISPATCHED, flow.State.IN_PROGRESS}


def mask_name(name):
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_phone(phone):
    """13812345678 → 138****5678; a short number keeps only its last two digits."""
    phone = (phone or "").strip()
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:] if phone else ""


def may_see_personal(user, ticket):
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = R.profile_of(user)
    if profile is None:
        return False
    held = R.roles_of(user)
    if R.SUPERVISOR in held and profile.office_id:
        if ticket.office_id in profile.office.scope_ids():
            return True
    if (
        held & {R.UNIT_HEAD, R.REPORTER}
        and profile.unit_id
        and ticket.unit_id == profile.unit_id
        and flow.State(ticket.state) in HOLDING
    ):
        return True
    return R.GRID_WORKER in held and ticket.created_by_id == user.pk


def masked(ticket):
    """(name, phone) as anyone may see them."""
    return mask_name(ticket.reporter_name), mask_phone(ticket.reporter_phone)


def contact(user, ticket, purpose="查看诉求详情"):
    """(name, phone, unmasked) for `user`; an unmasked answer is logged."""
    if not (ticket.reporter_name or ticket.reporter_phone) or not may_see_personal(user, ticket):
        name, phone = masked(ticket)
        return name, phone, False
    PersonalDataView.objects.create(user=user, ticket=ticket, purpose=purpose)
    return ticket.reporter_name, ticket.reporter_phone, True
