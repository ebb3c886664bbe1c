from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "duban.progress"
    label = "progress"
    verbose_name = _("进展填报与研判")

    def ready(self):
        # What progress adds to the ledger's pages and to the daily reminder run.
        from duban.ledger import extensions
        from duban.notify import registry
        from duban.progress.ledger_month import MonthView
        from duban.progress.reminders import MonthlyReminders

        extensions.register(MonthView())
        # the rules every page reads and the working-day calendar the engine reads are
        # kept under the org version (ProgressRules.current, judging.load_calendar)
        from duban.org import cache

        cache.watch(
            "progress.ProgressRules",
            "core.WorkdayOverride",
            "core.CalendarYear",
            "progress.ReasonCategory",  # reason_choices, offered on every row of a sheet
        )
        # the task page's months and reports are kept under the task's data version
        # (ledger/taskversion.py, progress/ledger_month.py)
        from duban.ledger import taskversion

        taskversion.watch("progress.Submission")
        taskversion.watch(
            "progress.Review", "submission_id", ("progress.Submission", "id", "task_id")
        )
        taskversion.watch("progress.Judgement")
        # the batch sheet's cards list a report's evidence (progress/sheet.py)
        taskversion.watch(
            "progress.Evidence", "submission_id", ("progress.Submission", "id", "task_id")
        )
        registry.register(MonthlyReminders())
