"""What tickets tells the apps above it, which it must not import (supervision follows a
request with its notice). Sent inside the step's transaction: a receiver that fails
undoes the step, so a request and what follows it never disagree."""

from django.dispatch import Signal

#: 分单: a request was dispatched to a unit (also after 退单, and by a routing rule).
#: Arguments: ticket (already holding the new unit), unit_id, user (None: the system), at.
dispatched = Signal()
