"""Per-process caches of the facts every page reads about its person and the offices —
the roles a profile holds and the office tree — and of the few settings rows every page
reads (progress's rules), kept under the org version (one number database triggers
change with every write to offices, roles, profiles, the roles they hold and the tables
apps register with `watch`: `core/versioning.py`).

The version is read once per request in the same query as the account and its profile
(`accounts.ProfileBackend.get_user`; `roles.profile_of` where the account came another
way, the API's tokens) and remembered for that request only (forgotten when a request
starts and when it ends). Nothing is cached where no version was read (a command, a
background job, an anonymous page) nor inside a transaction (a writer, a test): there
the data is read as before.

Exact, for the reason `core/versioning.py` gives: whatever is cached under a version was
read after it. No person's data reaches another: roles are kept per profile id, the
tree is the same for everyone (who may see which office is computed from it per person).

Besides what is read (`cached`), a writer may note a fact it has just made true and that
only a write to a watched table can make false (`keep`, `known`: 人工调整's "every task of
this office's month is judged", progress/judging.py).
"""

import contextvars

from django.conf import settings
from django.db import connections

from duban.core import versioning

#: the models whose rows the cached facts come from; apps above org add theirs with
#: `watch` (progress: its rules). People's names (`roles.display_name`) are read from
#: their accounts: what is kept with names in it (a task page's review lines and history,
#: ledger/taskversion.py) is dropped when an account is added, removed or renamed —
#: not when someone signs in (`COLUMNS`: a sign-in writes the account's last_login).
TABLES = ["org.Office", "org.Role", "org.Profile", settings.AUTH_USER_MODEL]
COLUMNS = {settings.AUTH_USER_MODEL: ("username", "first_name", "last_name")}


def watch(*labels):
    """Apps above org: have the version change with writes to these models too (their
    triggers are installed with org's after every migrate), to keep rows of theirs that
    every page reads under it."""
    TABLES.extend(label for label in labels if label not in TABLES)


_version = contextvars.ContextVar("duban_org_version", default=None)
_state = (None, {})  # (version, {key: value}), replaced whole when the version changes
#: entries kept under one version at most (each scope of people, and each filter they
#: choose, is a key of its own): past it the process starts afresh rather than grow
#: without end
MAX_ENTRIES = 4000


def seen(version, using="default"):
    """Remember the version read for this request (None: do not cache)."""
    _version.set(None if connections[using].in_atomic_block else version)


def forget(**kwargs):
    """request_started, request_finished: no version read for what runs next."""
    _version.set(None)


def _entries():
    """The entries kept under this request's org version; None where nothing may be
    kept (no version read, or inside a transaction)."""
    global _state
    version = _version.get()
    if version is None or connections["default"].in_atomic_block:
        return None
    state_version, entries = _state
    if state_version != version:
        entries = {}
        _state = (version, entries)
    return entries


def _put(entries, key, value):
    if len(entries) >= MAX_ENTRIES:
        entries.clear()
    entries[key] = value
    return value


def cached(key, compute):
    """`compute()`, kept under this request's org version when one was read."""
    entries = _entries()
    if entries is None:
        return compute()
    try:
        return entries[key]
    except KeyError:
        return _put(entries, key, compute())


def cached_many(keys, compute):
    """{key: value} for every one of `keys`: those kept under this request's org version,
    and for the rest `compute(missing keys)` ({key: value}, in one call), kept in turn."""
    entries = _entries()
    if entries is None:
        return compute(list(keys))
    found, missing = {}, []
    for key in keys:
        if key in entries:
            found[key] = entries[key]
        else:
            missing.append(key)
    if missing:
        for key, value in compute(missing).items():
            found[key] = _put(entries, key, value)
    return found


def known(key):
    """What `keep` left under this request's org version for `key`, else None."""
    entries = _entries()
    return None if entries is None else entries.get(key)


def keep(key, value):
    """Keep a fact a writer has just established (after its transaction committed)
    under this request's org version, for `known`; nothing where nothing may be kept.
    Only for a fact that stays true until a watched table changes: the version read at
    the request's start is older than the fact, and the fact holds for that data too."""
    entries = _entries()
    if entries is not None:
        _put(entries, key, value)


def version_subquery():
    """The org version as a subquery, to read it in the same query as the profile."""
    from django.db.models import Subquery

    from duban.org.models import OrgVersion

    return Subquery(OrgVersion.objects.filter(pk=1).values("version")[:1])


def install(connection, apps):
    Profile = apps.get_model("org", "Profile")
    tables = [apps.get_model(label)._meta.db_table for label in TABLES]
    tables.append(Profile._meta.get_field("roles").remote_field.through._meta.db_table)
    columns = {apps.get_model(label)._meta.db_table: names for label, names in COLUMNS.items()}
    versioning.install(connection, "org", apps.get_model("org", "OrgVersion"), tables, columns)


def after_migrate(sender, using, apps=None, **kwargs):
    """post_migrate: (re)install on the database just migrated."""
    from django.apps import apps as global_apps

    install(connections[using], apps or global_apps)


def current(using="default"):
    from duban.org.models import OrgVersion

    return versioning.current(OrgVersion, using)
