"""The process's garbage collector, set once the apps are loaded.

Every entry point calls `settle()` right after `django.setup()`: the `duban` command
(and so `manage.py`, the task worker and `runserver`) and the WSGI application that
gunicorn loads. Two settings, both about CPython's cyclic collector, which otherwise
spends a fifth of a 2,000-row progress import walking objects that live as long as the
process (docs/performance.md, "垃圾回收"):

- `gc.freeze()`: the objects made at start-up — modules, models, the app registry,
  translations — move to a permanent generation that later collections skip. Under
  gunicorn's preloading it also keeps those pages shared between the workers.
- a first-generation threshold of 20,000 container objects instead of 700: an import or
  a report allocates hundreds of thousands of small objects (rows, model instances,
  cells), and the default starts a collection every 700 of them. Garbage in reference
  cycles is still collected, in fewer and larger passes.
"""

import gc

FIRST_GENERATION = 20_000


def settle():
    """Freeze what start-up made and collect less often (idempotent)."""
    _first, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION, second, third)
    gc.freeze()
