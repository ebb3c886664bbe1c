"""What tickets tells the apps above it, which it must not import (supervision follows a
request with its notice). Sent inside the step's transaction: a receiver that fails
undoes the step, so a request and what follows it never disagree."""

from django.dispatch import Signal

#: 分单: a request was dispatched to a unit (also after 退单, and by a routing rule).
#: Arguments: ticket (already holding the new unit), unit_id, user (None: the system), at.
dispatched = Signal()

#: 分单 of many requests at once: an import (a file, an API push) changed requests'
#: fields, 承办单位 among them. Arguments: tickets (a QuerySet of the requests it changed,
#: each holding its unit now — for many the unit did not change; a receiver compares),
#: user (None: the system), at. One signal per import, however many rows: a receiver
#: works set-based, as supervision does with the few open notices among them.
reassigned = Signal()
