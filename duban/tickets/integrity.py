"""What the database no longer refuses, refused here: the requests' foreign keys are no
database constraints (`models.Ticket`: PostgreSQL checks a constraint row by row, most
of a million-row import's commit), so the writers keep them.

- The import checks the units, categories and office it names set-based and locks them
  FOR KEY SHARE until it commits (`importer.TicketImport.check_references`).
- The loop (`services`) writes ids of objects it has just read.
- Deleting through Django keeps on_delete (CASCADE, PROTECT, SET_NULL): its PROTECT check
  runs before the delete, but cannot see requests that a transaction still running
  (an import) is writing. `guard_delete` (pre_delete of a unit, a category, an office)
  locks the row FOR UPDATE — which waits for any import holding it — and checks again.

A delete by hand in SQL is not stopped any more; docs/tickets.md says so.
"""

from django.db import connection
from django.db.models import ProtectedError


def _protected():
    from duban.org.models import Office, Unit
    from duban.tickets.models import Ticket, TicketCategory, Transition

    return {
        Unit: [(Ticket, "unit"), (Ticket, "community"), (Transition, "unit")],
        TicketCategory: [(Ticket, "category")],
        Office: [(Ticket, "office")],
    }


def guard_delete(sender, instance, **kwargs):
    """Refuse to delete a row requests still name, once no import is writing to it."""
    if instance.pk is None:
        return
    if connection.vendor == "postgresql":
        # waits for an import that locked the row FOR KEY SHARE, then sees its requests
        list(sender.objects.select_for_update().filter(pk=instance.pk).values_list("pk"))
    for model, field in _protected()[sender]:
        named = model.objects.filter(**{f"{field}_id": instance.pk})
        if named.exists():
            raise ProtectedError(f"“{instance}”仍有诉求或流转记录引用，不能删除", set(named[:5]))


def connect():
    from django.db.models.signals import pre_delete

    for model in _protected():
        pre_delete.connect(
            guard_delete, sender=model, dispatch_uid=f"tickets_guard_{model._meta.label}"
        )
