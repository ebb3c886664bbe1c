"""Which offices a person's pages span: their own office and, for a district, the streets
under it. Every office-wide query (ledger, reports, dashboard) starts from here."""

from duban.org import roles as R
from duban.org.models import Office


def offices_in_scope(user):
    """The offices whose data `user` may see (all of them for a superuser)."""
    scope = R.office_scope_ids(user)
    return Office.objects.all() if scope is None else Office.objects.filter(pk__in=scope)
