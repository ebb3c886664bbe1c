"""What higher apps add to a request's page, without `tickets` importing them: the
supervision notices of a request are `supervision`'s. An app subclasses
`TicketExtension` and registers an instance in its AppConfig.ready() (core/extensions.py).
"""

from duban.core.extensions import Registry


class TicketExtension:
    order = 100

    def ticket_sections(self, request, ticket):
        """[html]: sections shown on the request's page after its details."""
        return []


_registry = Registry()
register = _registry.register
extensions = _registry.all
