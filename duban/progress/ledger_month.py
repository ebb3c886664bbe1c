"""The ledger's month view, as progress adds it to the ledger's pages
(`duban.ledger.extensions`): the month filter with 状态 and 预警, their columns, the
month's status/light/progress in the export, and on the task page the month strip, the
milestones' states, the reports and the office's adjustment form.

状态 and 预警 are the judgement (研判) of one month: the month chosen, or for a half-year,
a quarter or a year the latest judged month inside it (`month.reference_month`), or by
default the latest judged month of the year (`month.default_month`).
"""

from __future__ import annotations

from django import forms
from django.db.models import Case, IntegerField, OuterRef, Prefetch, Subquery, When
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from duban.core.periods import Period, PeriodError
from duban.ledger import taskversion
from duban.ledger.extensions import LedgerExtension, ListColumn
from duban.org import roles as R
from duban.progress import month as M
from duban.progress.models import Judgement, Light, Review, Status, Submission, drafts_seen_by
from duban.progress.status import SubmissionIn
from duban.progress.templatetags.progress_tags import light as light_tag
from duban.progress.templatetags.progress_tags import status as status_tag

REVIEW_FIELDS = ("submission_id", "action", "comment", "at", "actor")


def span_choices(year):
    months = [Period.month(year, m) for m in range(1, 13)]
    spans = [Period.parse(f"{year}-H1"), Period.parse(f"{year}-H2"), Period.parse(str(year))]
    return [(p.key, p.label) for p in months + spans]


# prepare_rows put the month's judgement (at most one) on each row of the page as
# (status, light), or ("", "") where the month is not judged


def _status_cell(row):
    return status_tag(row["month_judgement"][0])


def _light_cell(row):
    return light_tag(row["month_judgement"][1])


def _labels(model, name):
    """{value: label} of a choice field, translated once per page (get_FOO_display hashes
    every lazy label of the field on each call: a fifth of the task page's work)."""
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def _strip_items(strip):
    """The month strip's items, written in Python (as the ledger's rows: a dozen months of
    template tags were a good part of the task page's time)."""
    statuses, lights = _labels(Judgement, "status"), _labels(Judgement, "light")
    items = []
    for period, judgement in strip:
        if judgement:
            css = format_html(" strip-{}", judgement.light)
            status, light = judgement.status, judgement.light
            title = f"：{statuses.get(status, status)}，{lights.get(light, light)}"
            shown = light_tag(judgement.light) + status_tag(judgement.status)
        else:
            css, title = "", "：未研判"
            shown = '<span class="light light-none">—</span><span class="status status-none">未研判</span>'
        items.append(
            format_html(
                '<li class="strip-month{}" data-period="{}" title="{}{}">\n'
                '          <span class="strip-label">{}月</span>\n          {}\n        </li>',
                css,
                period.key,
                period.label,
                title,
                period.first_month,
                mark_safe(shown),  # noqa: S308 - the tags' own escaped HTML
            )
        )
    return mark_safe("\n        ".join(items))  # noqa: S308 - each item went through format_html


def _submission_rows(submissions):
    """The 填报记录 table's rows, written in Python (see `_strip_items`)."""
    states, self_statuses = _labels(Submission, "state"), _labels(Submission, "self_status")
    actions = _labels(Review, "action")
    # the reports' addresses from one reverse() (a dozen of them took a tenth of the table)
    submission_url = reverse("progress:submission", args=[0]).removesuffix("0/")
    rows = []
    for submission in submissions:
        reviews = [
            format_html(
                '<div class="review-line"><span class="nowrap">{}</span> {} <b>{}</b>{}</div>',
                f"{timezone.localtime(review.at):%Y-%m-%d %H:%M}",
                R.display_name(review.actor),
                actions.get(review.action, review.action),
                format_html("：{}", review.comment) if review.comment else "",
            )
            for review in submission.reviews.all()
        ]
        rows.append(
            format_html(
                '<tr data-period="{}">\n'
                '              <td class="nowrap"><a href="{}">{}</a></td>\n'
                '              <td class="nowrap"><span class="state-badge state-{}">{}</span></td>\n'
                '              <td class="nowrap">{}</td>\n'
                '              <td class="wrap prose">{}</td>\n'
                '              <td class="num">{}</td>\n'
                '              <td class="wrap">\n                {}\n              </td>\n'
                "            </tr>",
                submission.period,
                f"{submission_url}{submission.pk}/",
                submission.period,
                submission.state,
                states.get(submission.state, submission.state),
                self_statuses.get(submission.self_status, submission.self_status) or "—",
                linebreaksbr(submission.progress or "—", autoescape=True),
                submission.version,
                mark_safe("\n                ".join(reviews))  # noqa: S308 - format_html above
                if reviews
                else mark_safe('<span class="muted">—</span>'),
            )
        )
    return mark_safe("\n            ".join(rows))  # noqa: S308 - each row went through format_html


class MonthView(LedgerExtension):
    order = 10

    def filter_fields(self, year):
        return {
            "period": forms.ChoiceField(
                label=_("研判月份"), required=False, choices=span_choices(year)
            ),
            "status": forms.ChoiceField(
                label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices]
            ),
            "light": forms.ChoiceField(
                label=_("预警"), required=False, choices=[("", _("全部预警")), *Light.choices]
            ),
        }

    def setup(self, ledger, cleaned):
        ledger.status = cleaned.get("status") or ""
        ledger.light = cleaned.get("light") or ""
        chosen = cleaned.get("period")
        try:
            ledger.span = Period.parse(chosen) if chosen else None
        except PeriodError:
            ledger.span = None
        today = timezone.localdate()
        if ledger.span is not None:
            ledger.period = M.reference_month(ledger.in_year, ledger.span, today)
        else:
            ledger.period = M.default_month(ledger.in_year, ledger.year, today)
            # Show the month actually used, so the select and the columns agree.
            ledger.form.data["period"] = ledger.period.key

    def filter(self, ledger, tasks):
        judged = {}
        if ledger.status:
            judged["judgements__status"] = ledger.status
        if ledger.light:
            judged["judgements__light"] = ledger.light
        if judged:
            # One judgement per task and month, so the join adds no duplicate rows.
            tasks = tasks.filter(judgements__period=ledger.period.key, **judged)
        return tasks

    def columns(self, ledger):
        return [
            ListColumn("状态", _status_cell, "status", sort="status"),
            ListColumn("预警", _light_cell, "light", sort="light"),
        ]

    def sort_columns(self, ledger):
        """状态 and 预警 of the month shown, most serious first when ascending (推进滞后
        before 推进正常 before 已完成; red, yellow, blue, green); unjudged tasks last."""

        def rank(field, values):
            whens = [When(**{field: value}, then=index) for index, value in enumerate(values)]
            ranked = Judgement.objects.filter(task=OuterRef("pk"), period=ledger.period.key)
            return Subquery(
                ranked.annotate(rank=Case(*whens, output_field=IntegerField())).values("rank")[:1],
                output_field=IntegerField(),
            )

        statuses = [Status.LAGGING, Status.ON_TRACK, Status.COMPLETED]
        lights = [Light.RED, Light.YELLOW, Light.BLUE, Light.GREEN]
        return [
            ("status", "状态", lambda: (rank("status", statuses),)),
            ("light", "预警", lambda: (rank("light", lights),)),
        ]

    def prepare_rows(self, ledger, rows):
        # 状态 and 预警 of the chosen month: one query for the whole page
        judged = {
            task_id: (status, light)
            for task_id, status, light in Judgement.objects.filter(
                period=ledger.period.key, task_id__in=[row["id"] for row in rows]
            ).values_list("task_id", "status", "light")
        }
        for row in rows:
            row["month_judgement"] = judged.get(row["id"], ("", ""))

    def note(self, ledger):
        if ledger.span and not ledger.span.is_month:
            return f"状态与预警：{ledger.span.label}（截至{ledger.period.label}研判）"
        return f"状态与预警：{ledger.period.label}研判"

    def legends(self, ledger):
        return ["progress/_ledger_legend.html"]

    def export_columns(self, ledger):
        return [("状态", 10), ("预警", 8), (f"{ledger.period.label}进展", 50)]

    def export_values(self, ledger, tasks):
        ids = tasks if isinstance(tasks, list) else None
        chosen = {"task_id__in": ids} if ids is not None else {"task__in": tasks}
        judgements = dict(
            (task_id, (status, light))
            for task_id, status, light in Judgement.objects.filter(
                period=ledger.period.key, **chosen
            ).values_list("task_id", "status", "light")
        )
        progress = dict(
            Submission.objects.filter(
                period=ledger.period.key, state__in=M.REPORTED_STATES, **chosen
            ).values_list("task_id", "progress")
        )
        status_labels, light_labels = dict(Status.choices), dict(Light.choices)
        values = {}
        for task_id in ids if ids is not None else tasks.values_list("pk", flat=True):
            status, light = judgements.get(task_id, ("", ""))
            values[task_id] = [
                str(status_labels.get(status, "未研判")),
                str(light_labels.get(light, "")),
                progress.get(task_id, ""),
            ]
        return values

    # --- the task page -------------------------------------------------------
    def _context(self, request, task):
        cache = getattr(request, "_progress_task_context", None)
        if cache is not None and cache["task"].pk == task.pk:
            return cache
        today = timezone.localdate()
        drafts_of = drafts_seen_by(request.user)
        # what the rows give, kept under the task's data version (its reports, reviews
        # and judgements are watched: apps.py) for the day and the drafts this person sees
        context = dict(
            taskversion.cached(
                task,
                ("progress.task_page", today, drafts_of),
                lambda: self._task_rows(request.user, task, today),
            )
        )
        context.update(task=task, today=today, can_edit=task.editable_by(request.user))
        request._progress_task_context = context
        return context

    def _task_rows(self, user, task, today):
        judgements = {j.period: j for j in task.judgements.all()}
        submissions = list(
            Submission.objects.visible_to(user)
            .filter(task=task)
            .prefetch_related(
                Prefetch(
                    "reviews",
                    # what the review lines show: who (their name), when, what, the comment
                    queryset=Review.objects.select_related("actor").only(
                        *REVIEW_FIELDS, "actor__username", "actor__first_name", "actor__last_name"
                    ),
                )
            )
            .order_by("-period")
        )
        strip = M.month_strip(task.year, judgements, today)
        # the two sections' HTML as far as it comes from the rows (nothing of the person
        # or the request: the adjustment form is added per request in task_sections)
        strip_body = render_to_string(
            "progress/_task_strip_body.html",
            {"task": task, "strip": strip, "strip_items": _strip_items(strip)},
        )
        submissions_html = render_to_string(
            "progress/_task_submissions.html",
            {"submissions": submissions, "submission_rows": _submission_rows(submissions)},
        )
        # kept small (no rows): the months the adjustment form offers, and the accepted
        # reports as the engine reads them, for the milestones' states (per day)
        return {
            "done": M.completed_period(judgements.values(), submissions),
            "accepted": [
                SubmissionIn(s.period, s.self_status, s.completed_value, accepted=True)
                for s in submissions
                if s.state == Submission.State.ACCEPTED
            ],
            "months": [period for period, _judgement in strip],
            "strip_body": strip_body,
            "submissions_html": submissions_html,
        }

    def milestone_states(self, request, task, milestones):
        context = self._context(request, task)
        return {
            milestone.pk: M.milestone_state(
                task, milestone.due, context["accepted"], context["done"], context["today"]
            )
            for milestone in milestones
        }

    def task_sections(self, request, task):
        context = self._context(request, task)
        return [
            (
                "before_milestones",
                render_to_string("progress/_task_strip.html", context, request=request),
            ),
            ("after_milestones", context["submissions_html"]),
        ]
