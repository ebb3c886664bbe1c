"""Every page reads its person's roles and the office tree; they are kept per process
under the org version that database triggers change with every write to offices, roles,
profiles and the roles they hold (org/cache.py): the next request reads them from the
cache, and any write shows at once — through the people pages, the admin, a queryset
update() or delete(), raw SQL — and one person's roles never reach another.

Committed transactions, as in production: on PostgreSQL the version changes at commit.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.org import cache
from duban.org import roles as R
from duban.org.models import Office, Profile, Role
from tests.factories import KeyTaskFactory, UnitFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def ledger(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ledger:list"))
    assert response.status_code == 200
    return response, [q["sql"] for q in queries]


def reads_org(sql):
    return [q for q in sql if '"org_role"' in q or q.startswith('SELECT "org_office"."id" AS')]


def test_roles_and_tree_are_read_once_then_kept(client, office, units, people):
    client.force_login(people["alice"])
    first, sql = ledger(client)
    assert reads_org(sql)  # the roles and the tree, read
    again, sql = ledger(client)
    assert reads_org(sql) == []
    assert again.context["is_supervisor"] and again.context["duban_roles"] == ["督查管理员"]


def test_a_role_taken_away_shows_on_the_next_request(client, office, units, people):
    alice = people["alice"]
    client.force_login(alice)
    assert ledger(client)[0].context["is_supervisor"]
    assert client.get(reverse("ledger:create")).status_code == 200

    # as the admin's or the people page's m2m write does, and as raw SQL would
    before = cache.current()
    Profile.roles.through.objects.filter(profile__user=alice).delete()
    assert cache.current() != before
    assert not ledger(client)[0].context["is_supervisor"]
    assert client.get(reverse("ledger:create")).status_code == 403

    alice.profile.roles.add(Role.objects.get(code=R.READONLY))
    assert ledger(client)[0].context["duban_roles"] == ["只读"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM org_profile_roles")
    assert ledger(client)[0].context["duban_roles"] == []


def test_a_street_added_or_moved_shows_on_the_next_request(client, office, units):
    district = Office.objects.create(name="某区", kind=Office.Kind.DISTRICT)
    Office.objects.filter(pk=office.pk).update(parent=district)
    leader = make_user("boss", R.LEADER, office=district)
    KeyTaskFactory(code="JD-01", office=office, lead_unit=units["build"])
    client.force_login(leader)
    assert "JD-01" in ledger(client)[0].content.decode()

    other = Office.objects.create(name="乙街道", parent=district)
    KeyTaskFactory(code="YJ-01", office=other, lead_unit=UnitFactory(office=other))
    assert "YJ-01" in ledger(client)[0].content.decode()

    Office.objects.filter(pk=other.pk).update(parent=None)  # moved out of the district
    page = ledger(client)[0].content.decode()
    assert "YJ-01" not in page and "JD-01" in page


def test_one_persons_roles_never_reach_another(client, office, units, people):
    for name in ("alice", "bob", "alice", "carol", "lily"):
        client.force_login(people[name])
        response = ledger(client)[0]
        held = R.roles_of(people[name])
        assert response.context["duban_roles"] == [
            str(label) for code, label in R.ROLE_NAMES.items() if code in held
        ]
        assert response.context["is_supervisor"] == (name == "alice")
    client.force_login(people["bob"])
    assert client.get(reverse("ledger:create")).status_code == 403


def test_nothing_is_kept_inside_a_transaction(office, units, people):
    alice = people["alice"]
    with transaction.atomic():
        profile = Profile.objects.annotate(org_version=cache.version_subquery()).get(user=alice)
        cache.seen(profile.org_version)
        assert R.roles_of(alice) == {R.SUPERVISOR}
        # a writer that changes roles and reads them again in its transaction sees its write
        profile.roles.set([Role.objects.get(code=R.LEADER)])
        del alice._duban_roles
        assert R.roles_of(alice) == {R.LEADER}
    cache.forget()


def test_the_profile_comes_with_the_account_in_one_query(client, office, units, people):
    client.force_login(people["bob"])
    ledger(client)
    _response, sql = ledger(client)
    assert not [q for q in sql if q.startswith('SELECT "org_profile"')]
    assert len([q for q in sql if 'FROM "auth_user"' in q and '"org_profile"' in q]) == 1


def test_a_session_signed_in_before_the_upgrade_stays_signed_in(client, office, units, people):
    """Sessions written before ProfileBackend name Django's ModelBackend: still listed."""
    client.force_login(people["bob"], backend="django.contrib.auth.backends.ModelBackend")
    response, _sql = ledger(client)
    assert response.context["user"].username == "bob"


def test_an_account_without_profile_or_made_inactive(client, office, units, people):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="pass12345")
    client.force_login(root)
    assert ledger(client)[0].status_code == 200
    client.force_login(people["bob"])
    get_user_model().objects.filter(username="bob").update(is_active=False)
    assert client.get(reverse("ledger:list")).status_code == 302  # signed out


def test_the_rules_are_kept_and_any_change_shows_on_the_next_request(client, office, people):
    from duban.progress.models import ProgressRules

    client.force_login(people["alice"])
    ledger(client)
    _response, sql = ledger(client)
    assert not [q for q in sql if '"progress_progressrules"' in q]

    ProgressRules.objects.filter(pk=1).update(submission_day=12)
    client.get(reverse("ledger:list"))  # a request reads the new version, then the rules
    assert ProgressRules.current().submission_day == 12

    # a form editing the rules changes its copy, never the kept one
    rules = ProgressRules.current()
    rules.submission_day = 3
    assert ProgressRules.current().submission_day == 12
