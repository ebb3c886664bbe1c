"""Which offices a person's pages span: their own office and, for a district, the streets
under it. Every office-wide query (ledger, reports, dashboard) starts from here."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from duban.org import roles as R
from duban.org.models import Office, Unit


def visible(queryset, user, *, office="office_id", unit=None, also=None):
    """The one visibility rule every `visible_to` is built on: nothing for an anonymous
    user or one without a profile, everything for a superuser; for 督查管理员, 领导 and
    只读 the rows whose `office` lies in their office scope; for unit roles what
    `unit(profile)` (a Q) allows; and whatever `also(user, profile, held)` adds (a Q or
    None) for roles with a rule of their own."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    profile = R.profile_of(user)
    if profile is None:
        return queryset.none()
    held = R.roles_of(user)
    condition = Q(pk__in=[])
    if held & R.SEES_WHOLE_OFFICE and profile.office_id:
        condition |= Q(**{f"{office}__in": R.office_scope_ids(user)})
    if unit is not None and held & R.SEES_OWN_UNIT and profile.unit_id:
        condition |= unit(profile)
    if also is not None:
        extra = also(user, profile, held)
        if extra is not None:
            condition |= extra
    return queryset.filter(condition)


def scope_key(user):
    """What decides, with the data under the org version, what `visible` lets `user` see
    when the model's rule has no `also`: whether the account is a superuser (on the
    account, not under the version), its office and unit and the roles it holds (under
    the version, and set in memory for an API client's service account). People with the
    same key see the same rows, so a cache keyed by it is shared by them; a model whose
    `also` looks at the person itself (the requests a 网格员 filed) cannot use it alone."""
    profile = R.profile_of(user)
    return (
        user.is_superuser,
        getattr(profile, "office_id", None),
        getattr(profile, "unit_id", None),
        tuple(sorted(R.roles_of(user))),
    )


def offices_in_scope(user):
    """The offices whose data `user` may see (all of them for a superuser)."""
    scope = R.office_scope_ids(user)
    return Office.objects.all() if scope is None else Office.objects.filter(pk__in=scope)


def units_in_scope(user):
    """The units of the offices `user` may see (人员管理, 单位管理)."""
    scope = R.office_scope_ids(user)
    units = Unit.objects.select_related("office", "parent")
    return units if scope is None else units.filter(office_id__in=scope)


def people_in_scope(user):
    """The accounts 督查管理员 manages: the people of its office scope. The deployment's
    superusers are managed by themselves, never from an office's page."""
    people = get_user_model().objects.filter(profile__isnull=False)
    scope = R.office_scope_ids(user)
    if scope is None:
        return people
    return people.filter(profile__office_id__in=scope, is_superuser=False)


def sees_every_office(user):
    """Whether `user`'s scope holds every office of the deployment: a superuser, the one
    street of a single-street install, or the district above all its streets. Settings
    shared by the whole deployment may be changed only by such a person, so one street
    never changes another's."""
    scope = R.office_scope_ids(user)
    if scope is None:
        return True
    return not Office.objects.exclude(pk__in=scope).exists()


SHARED_SETTINGS = (
    "这些设置为系统内各街道共用，只有管辖全部街道的督查管理员（或系统管理员在管理后台）可以修改。"
)


def shared_settings_access(request):
    """Whether `request.user` may change a setting the whole deployment shares (rules,
    reason categories, the working-day calendar, 交办来源 …): 督查管理员 may open such a
    page (anyone else: 403); only one whose scope holds every office may change it, so
    a POST by any other supervisor is refused with `SHARED_SETTINGS`."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以修改设置")
    may_change = sees_every_office(request.user)
    if request.method == "POST" and not may_change:
        raise PermissionDenied(SHARED_SETTINGS)
    return may_change


def default_office(user):
    """The office a person's pages and new records open on: their own office, else the
    first in their scope."""
    profile = R.profile_of(user)
    if profile is not None and profile.office_id:
        return profile.office
    return offices_in_scope(user).first()
