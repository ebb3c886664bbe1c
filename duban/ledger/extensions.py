"""What higher apps add to the ledger's pages, without the ledger importing them.

The ledger owns tasks and milestones. A task's status and light in a month, its month
strip and its reports belong to `progress`; tomorrow's supervision notices to
`supervision`. Each such app subclasses `LedgerExtension` and registers an instance in its
AppConfig.ready(); the ledger's filter, list page, export and task page ask every
registered extension in turn, in `order`.

Every hook has a harmless default, so an extension implements only what it adds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from duban.core.extensions import Registry


@dataclass(frozen=True)
class ListColumn:
    """A column of the ledger list: its header, `cell(row)` giving one cell's HTML (safe,
    escaped by the extension; the list writes its rows in Python, fifty rows of templates
    were most of the page's time) from a row of `ledger.views.page_rows` (a dict, with
    what the extension's `prepare_rows` put on it) and an optional `data-col` name for
    tests and scripts."""

    header: str
    cell: Callable[[Any], str]
    name: str = ""
    sort: str = ""  # a key of `sort_columns` when the column can be sorted by


class LedgerExtension:
    order = 100

    # --- the filter (ledger/filters.py) ---------------------------------
    def filter_fields(self, year):
        """{name: forms.Field} added to the ledger's filter form, before 关键词."""
        return {}

    def setup(self, ledger, cleaned):
        """Read this extension's cleaned filter values; may set attributes on `ledger`."""

    def filter(self, ledger, tasks):
        """The tasks narrowed by this extension's filters."""
        return tasks

    # --- the list page ----------------------------------------------------
    def columns(self, ledger):
        """[ListColumn] shown after 事项名称."""
        return []

    def sort_columns(self, ledger):
        """[(key, label, order)]: columns the list may be sorted by (core/listing.py);
        `order` is a tuple of field paths or query expressions, or a function returning
        one (called only when the list is sorted by it)."""
        return []

    def prepare_rows(self, ledger, rows):
        """Put what the columns need on the page's rows (dicts from `ledger.views.page_rows`,
        "id" the task's), under keys of the extension's own. Must not add a query per row."""

    def note(self, ledger):
        """A short text above the table (which month the columns show), or ""."""
        return ""

    def legends(self, ledger):
        """[template name]: explanations shown above the table (灯色说明 for the lights)."""
        return []

    # --- the Excel export of a view ---------------------------------------
    def export_columns(self, ledger):
        """[(header, width)] added after the ledger's own columns."""
        return []

    def export_values(self, ledger, tasks):
        """{task id: [values]} for `export_columns`, in a fixed number of queries. `tasks`
        is a queryset (an export) or a list of task ids (a page of the API)."""
        return {}

    # --- the task page ----------------------------------------------------
    def milestone_states(self, request, task, milestones):
        """{milestone id: state text} shown in the milestones table, or {}."""
        return {}

    def task_sections(self, request, task):
        """[(place, html)]: sections of the task page; place is "before_milestones" or
        "after_milestones"."""
        return []


_registry = Registry()
register = _registry.register
extensions = _registry.all
