"""Sign-in accounts: who is locked out, unlocking, and passwords an administrator sets.

- Throttling is django-axes (settings.AXES_*): 5 wrong passwords for one username from
  one address lock that pair for 30 minutes; a successful sign-in clears the count.
  This module reads and clears axes' attempt rows, so pages never touch axes directly.
- A password set by someone else (督查管理员 adding a person or resetting a password,
  a superuser in the admin) is known to two people: the person must change it at the
  next sign-in (`Profile.must_change_password`, enforced by
  `duban.org.middleware.PasswordChangeRequiredMiddleware`).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone

from duban.org import roles as R
from duban.org.models import Profile


def _attempts():
    from axes.models import AccessAttempt

    return AccessAttempt.objects


def locked_usernames(usernames):
    """The subset of `usernames` locked out now (from any address)."""
    attempts = _attempts().filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        attempts = attempts.filter(attempt_time__gt=timezone.now() - cooloff)
    return set(attempts.values_list("username", flat=True))


def is_locked(username):
    return username in locked_usernames([username])


def unlock(username):
    """Forget the failed sign-ins of `username` (every address); the number forgotten."""
    from axes.utils import reset

    return reset(username=username)


@transaction.atomic
def set_password_by_admin(user, password):
    """An administrator gives `user` a password: it works at once, and must be changed
    at the next sign-in. Any lockout of the account ends."""
    user.set_password(password)
    user.save(update_fields=["password"])
    Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    unlock(user.get_username())


def password_changed_by_owner(user):
    """The person chose their own password: no more forced change."""
    Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)


def must_change_password(user):
    profile = R.profile_of(user)
    return bool(profile and profile.must_change_password)


def lockout_response(request, original_response=None, credentials=None):
    """The page of a locked-out sign-in (settings.AXES_LOCKOUT_CALLABLE): in Chinese,
    status 429, saying how long the lock lasts and who can lift it."""
    from axes.helpers import get_client_username

    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cooloff.total_seconds() // 60) if cooloff else None,
    }
    return render(request, "registration/locked.html", context, status=429)


def client_address(request):
    """The address a sign-in came from (settings.AXES_CLIENT_IP_CALLABLE). Behind
    `DUBAN_PROXY_COUNT` reverse proxies, each appends the address it was reached from to
    X-Forwarded-For, so the client is the entry that many places from the end; anything
    before it was written by the client and is not trusted."""
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "DUBAN_PROXY_COUNT", 0)
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return remote


class ProfileBackend(ModelBackend):
    """Django's ModelBackend whose `get_user` (every signed-in request, from the session)
    reads the person's profile with its office and unit, and the org version, in the same
    query as the account: one query where there were two, and the person's roles and the
    office tree then come from the per-process cache (`org/cache.py`)."""

    def get_user(self, user_id):
        from duban.org import cache

        users = get_user_model()._default_manager.select_related("profile__office", "profile__unit")
        try:
            user = users.annotate(org_version=cache.version_subquery()).get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        cache.seen(user.org_version, user._state.db)
        return user
