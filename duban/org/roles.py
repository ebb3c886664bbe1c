"""Roles and what each may do. The rules of visibility live in the querysets
(`KeyTask.objects.visible_to(user)`); this module only answers "which roles
does this person hold" and names the roles.

- 督查管理员 supervisor: sees and edits its office's whole ledger.
- 领导 leader: sees everything in its office scope, edits nothing.
- 只读 readonly: sees its office's whole ledger, edits nothing.
- 单位负责人 unit_head / 单位填报员 reporter: see the tasks where their unit is lead or partner.
- 网格员 grid_worker: sees the tasks of their unit (their community), read only.
A district office's scope holds every street under it.
"""

from django.utils.translation import gettext_lazy as _

SUPERVISOR = "supervisor"
LEADER = "leader"
UNIT_HEAD = "unit_head"
REPORTER = "reporter"
GRID_WORKER = "grid_worker"
READONLY = "readonly"

ROLE_NAMES = {
    SUPERVISOR: _("督查管理员"),
    LEADER: _("领导"),
    UNIT_HEAD: _("单位负责人"),
    REPORTER: _("单位填报员"),
    GRID_WORKER: _("网格员"),
    READONLY: _("只读"),
}

SEES_WHOLE_OFFICE = {SUPERVISOR, LEADER, READONLY}
SEES_OWN_UNIT = {UNIT_HEAD, REPORTER, GRID_WORKER}


def roles_of(user):
    """The set of role codes a user holds (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_duban_roles", None)
    if cached is not None:
        return cached
    profile = profile_of(user)
    if profile is None:
        roles = frozenset()
    else:
        from duban.org import cache

        roles = cache.cached(
            ("roles", profile.pk),
            lambda: frozenset(profile.roles.values_list("code", flat=True)),
        )
    user._duban_roles = roles
    return roles


def profile_of(user):
    """The user's profile, read once per user object with its office and unit (every page's
    header names one of them: one query, not two) and the org version, under which the
    person's roles and the office tree are kept (`org/cache.py`)."""
    if user is None or not user.is_authenticated:
        return None
    from django.contrib.auth import get_user_model

    related = get_user_model().profile.related
    if not related.is_cached(user):
        from duban.org import cache
        from duban.org.models import Profile

        # kept where user.profile keeps it (None too: no second query for a superuser)
        profile = (
            Profile.objects.select_related("office", "unit")
            .annotate(org_version=cache.version_subquery())
            .filter(user=user)
            .first()
        )
        if profile is not None:
            cache.seen(profile.org_version, profile._state.db)
        if profile is None:
            related.set_cached_value(user, None)
        else:
            user.profile = profile  # caches both sides, as reading user.profile does
    try:
        return user.profile
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist has no public import path
        return None


def unit_id_of(user):
    """The id of the person's unit, or None (no profile, or a profile without a unit)."""
    profile = profile_of(user)
    return profile.unit_id if profile else None


def is_supervisor(user):
    return bool(
        user and user.is_authenticated and (user.is_superuser or SUPERVISOR in roles_of(user))
    )


def sees_whole_office(user):
    """督查管理员, 领导, 只读 (and superusers): the office-wide pages (报告中心, 驾驶舱)."""
    return bool(
        user and user.is_authenticated and (user.is_superuser or roles_of(user) & SEES_WHOLE_OFFICE)
    )


def office_scope_ids(user):
    """Ids of the offices whose data the user may see; None means all offices."""
    if user.is_superuser:
        return None
    profile = profile_of(user)
    if profile is None or profile.office_id is None:
        return []
    # kept on the user object (one request's) like its roles: one query, not one per use
    cached = getattr(user, "_duban_scope", None)
    if cached is None or cached[0] != profile.office_id:
        from duban.org.models import Office, scope_in

        scope = scope_in(Office.tree(), profile.office_id)
        cached = user._duban_scope = (profile.office_id, tuple(scope))
    return list(cached[1])


def display_name(user):
    """A person's name the Chinese way: family name first, no space (孙丽娜)."""
    if user is None:
        return "系统"
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.username
