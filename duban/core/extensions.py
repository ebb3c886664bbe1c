"""The one mechanism by which a higher app adds to a lower app's pages without the
lower app importing it: the lower app keeps a `Registry` of its extension class, the
higher app registers an instance in its AppConfig.ready(), and the page asks each
registered extension in turn, in `order` (ledger/extensions.py, tickets/extensions.py).
"""


class Registry:
    """Registered extensions, one per class, sorted by their `order`."""

    def __init__(self):
        self._items = []

    def register(self, extension):
        if not any(type(e) is type(extension) for e in self._items):
            self._items.append(extension)
            self._items.sort(key=lambda e: e.order)
        return extension

    def all(self):
        return list(self._items)
