"""What `duban remind` reminds about comes from the apps above notify.

notify knows how to send (in-app, e-mail, the group robot), how to claim a send so a
rerun never repeats it, and how to log it — not what a report deadline or a red light
is. Each app that has something to remind about (progress: 催报 and 红灯催办; later the
requests' and the supervision notices' deadlines) registers a `ReminderSource` in its
AppConfig.ready(); the daily run asks every source for today's reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Reminder:
    """What one unit is told, of one kind, on one day. `title`, `body` and `url` are the
    source's words; notify only carries them."""

    kind: str
    kind_label: str
    unit: object
    title: str
    body: str
    url: str
    summary: str
    items: list = field(default_factory=list)
    recipients: list = field(default_factory=list)
    order: int = 0
    # How many things the reminder is about, when `items` lists only the first of them
    # (a unit holding thousands of late requests is told the number and the earliest).
    total: int = 0

    def __post_init__(self):
        self.total = max(self.total, len(self.items))


class ReminderSource:
    """A kind of reminder an app sends. `kinds` maps each kind's code (as kept in the
    reminder log) to its label; `plan` returns today's reminders, with their recipients,
    and appends to `warnings` what the person running the command should know."""

    kinds: dict = {}

    def plan(self, today, calendar, warnings):
        raise NotImplementedError


_sources: list[ReminderSource] = []


def register(source):
    if not any(type(s) is type(source) for s in _sources):
        _sources.append(source)
    return source


def sources():
    return list(_sources)


def kind_labels():
    return {code: label for source in _sources for code, label in source.kinds.items()}
