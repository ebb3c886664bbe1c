"""The process's garbage collector, set once the apps are loaded.

Every entry point calls `settle()` right after `django.setup()`: the `duban` command
(and so `manage.py`, the task worker and `runserver`) and the WSGI application that
gunicorn loads. `gc.freeze()` moves the objects made at start-up — modules, models, the
app registry, translations, some 100,000 of them — to a permanent generation that later
collections skip: a full collection during an import walked all of them, a fifth of a
2,000-row progress import's time (docs/performance.md, "垃圾回收"). Under gunicorn's
preloading it also keeps those pages shared between the workers.

The collection thresholds stay Python's: raising the first one (fewer, larger passes)
saved a little more time but held cyclic garbage longer — 50–65 MB more at the peak of a
200,000-row request import.
"""

import gc


def settle():
    """Freeze what start-up made (idempotent: a second call freezes what came since)."""
    gc.freeze()
