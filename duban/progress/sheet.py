"""The batch sheet's task cards (批量填报), written in Python.

A unit's sheet holds up to fifty cards of about a hundred template nodes and eight
controls each; through the template engine the cards took four fifths of the page's time
(issue 14, docs/performance.md "页面速度"). `cards()` writes the same HTML as that
template did: every text escaped (`e`, Django's conditional_escape without its lazy
wrappers: most of the cards' time went to them), numbers and dates as the template engine
shows them, and each control as Django writes it — through Django for a
bound form (a sheet shown again with its errors), directly for an unbound one
(`control()`, compared with Django's output in tests/progress/test_batch_cards.py).

`progress/batch.html` keeps the page around the cards; `static/progress/batch.js` relies
on the cards' `data-*` attributes and class names (sheet-row, needs-reason, data-role).
"""

from html import escape

from django import forms
from django.db.models import prefetch_related_objects
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe

from duban.core.forms import QuickNumberInput, QuickSelect, QuickTextInput
from duban.ledger import taskversion
from duban.progress.models import Submission
from duban.progress.templatetags.progress_tags import light, status

REQUIRED = '<span class="req">*</span>'
REQUIRED_IF_LAGGING = '<span class="req req-lagging">*</span>'
REASON_HINT = '<small class="reason-hint">研判为推进滞后，须填写滞后原因和原因类别</small>'


def e(value):
    """Django's conditional_escape: text marked safe kept, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def cards(rows, period, today):
    """Every row of the sheet (month `period`, its proposals the engine's of `today`) as
    its <article> card.

    A row shown as stored (`Row.plain`: no typing, no errors, no conflict) has its card
    kept per task under its data version (ledger/taskversion.py: the task, its reports
    with their reviews and evidence, its judgements) and the day (the proposal in it is
    the engine's of the day), inside the org version's entries (the rules, the calendar,
    the reason categories offered); its form is then never built, its evidence and
    last month's report never read."""
    writer = _Writer(period.previous())
    rows_of = {row.task.pk: row for row in rows}
    shown = [row for row in rows if not row.plain]
    _with_evidence(shown)

    def write(tasks):
        written = [rows_of[task.pk] for task in tasks]
        _with_evidence(written)
        return {row.task.pk: writer.card(row) for row in written}

    plain = [row.task for row in rows if row.plain]
    kept = taskversion.cached_many(plain, ("batch card", period.key, today), write)
    return mark_safe(  # noqa: S308 - escaped by e()
        "".join(kept[row.task.pk] if row.plain else writer.card(row) for row in rows)
    )


def _with_evidence(rows):
    """The evidence of the rows' reports, in one query (none for no report)."""
    prefetch_related_objects([row.submission for row in rows if row.submission], "evidence")


class _Writer:
    """What every card of one page shares: the links' prefixes, the select options."""

    def __init__(self, previous):
        self.previous_label = e(previous.label)
        self.task_url = reverse("ledger:detail", args=[0]).removesuffix("0/")
        self.submission_url = reverse("progress:submission", args=[0]).removesuffix("0/")
        self.evidence_url = reverse("progress:evidence", args=[0]).removesuffix("0/")
        self.options = {}  # field name -> (choices, [(value, option, option selected)])
        # get_FOO_display() builds its dict of choices on every call: once here instead
        self.states = {key: e(label) for key, label in Submission.State.choices}
        self.self_statuses = {key: e(label) for key, label in Submission.SelfStatus.choices}

    def label(self, labels, value):
        """What get_FOO_display() shows: the choice's label, else the value itself."""
        return labels[value] if value in labels else e(value)

    def card(self, row):
        form, task = row.form, row.task
        errors = form.errors if form.is_bound else {}
        classes = f"task-card sheet-row state-{e(row.state)}"
        if row.errors or errors:
            classes += " row-error"
        if (row.proposal and row.proposal.get("needs_reason")) or form[
            "self_status"
        ].value() == "lagging":
            classes += " needs-reason"
        editable = ' data-editable="1"' if row.editable else ""
        parts = [
            f'<article id="row-{task.pk}" data-task="{task.pk}" class="{classes}"{editable}>',
            self.head(row),
        ]
        if row.returned_by:
            parts.append(
                f'<div class="return-note" role="note"><b>退回意见</b>'
                f"（{e(row.returned_by.get_action_display())}）："
                f"{linebreaksbr(row.returned_by.comment)}</div>"
            )
        if row.editable:
            parts.append(
                f'<input type="hidden" name="{e(form.prefix)}-lock" value="{e(row.lock)}">'
            )
        if row.conflict:
            parts.append(
                render_to_string(
                    "core/_edit_conflict.html", {"lock": None, "conflict": row.conflict}
                )
            )
        problems = [*row.errors, *(form.non_field_errors() if form.is_bound else ())]
        if problems:
            items = "".join(f"<li>{e(problem)}</li>" for problem in problems)
            parts.append(f'<ul class="row-errors" role="alert">{items}</ul>')
        if row.last and row.editable:
            parts.append(self.last_month(row))
        parts.append(self.fields(row, errors))
        parts.append("</article>")
        return "".join(parts)

    def head(self, row):
        task, submission, proposal = row.task, row.submission, row.proposal
        code = e(task.code)
        if submission:
            code = f'<a href="{self.submission_url}{submission.pk}/">{code}</a>'
        version = ""
        if submission and submission.version:
            version = f' <span class="muted small">第 {e(localize(submission.version))} 版</span>'
        meta = f"完成时限 {task.deadline.isoformat() if task.deadline else '—'}"
        if task.target_display:
            meta += f" · 量化指标 {e(task.target_display)}"
        if task.goal:
            meta += (
                f'\n<details class="goal"><summary>工作目标</summary>'
                f"{linebreaksbr(task.goal)}</details>"
            )
        if proposal:
            judged = (
                f'<span class="proposal-label">系统研判</span>'
                f"{light(proposal['light'])}{status(proposal['status'])}"
            )
            if proposal.get("reasons"):
                why = "；".join(e(reason) for reason in proposal["reasons"])
                judged += f' <span class="proposal-why">{why}</span>'
        else:
            judged = '<span class="muted small">暂无系统研判</span>'
        return (
            f'<header class="task-head"><div class="task-title"><span class="task-code">{code}'
            f'</span> <a href="{self.task_url}{task.pk}/">{e(task.title)}</a></div>'
            f'<div class="task-state"><span class="badge badge-{e(row.state)}">'
            f"{self.label(self.states, row.state) if submission else e(row.state_label)}</span>"
            f"{version}</div>"
            f'<div class="task-meta muted small">{meta}</div>'
            f'<div class="proposal" aria-live="polite" data-role="proposal">{judged}</div>'
            "</header>"
        )

    def last_month(self, row):
        last, task = row.last, row.task
        facts = self.label(self.self_statuses, last.self_status) or "—"
        if last.completed_value is not None:
            facts += f"，完成值 {e(localize(last.completed_value))}"
            if task.target_unit:
                facts += f" {e(task.target_unit)}"
        steps = ""
        if last.next_steps:
            use = ""
            if not row.submission:
                use = (
                    ' <button type="button" class="btn btn-link btn-small" data-role="use-last">'
                    "引用到进展情况</button>"
                )
            steps = (
                f'<div><b>上月下步措施（本月工作起点）</b>：<span data-role="last-steps">'
                f"{e(last.next_steps)}</span>{use}</div>"
            )
        carried = ""
        if not row.submission and last.completed_value is not None:
            carried = '<div class="muted small">完成值已按上月填入，请按本月实际修改。</div>'
        return (
            f'<div class="last-month" data-role="last-month"><b>上月情况（{self.previous_label}，'
            f"{self.label(self.states, last.state)}）</b>：{facts}{steps}{carried}</div>"
        )

    def fields(self, row, errors):
        form, task = row.form, row.task

        def messages(name, role=""):
            return "".join(
                f'<small class="error"{role}>{e(m)}</small>' for m in errors.get(name, ())
            )

        def box(name, css, label, shown=True, after=""):
            """One labelled control; `shown`: with its errors; `after` follows it (a hint)."""
            if shown:
                if errors.get(name):
                    css += " field-error"
                after = messages(name) + after
            return (
                f'<div class="tf tf-{css}"><label for="{_id(form, name)}">{label}</label>\n'
                f"{self.control(form, name)}{after}</div>"
            )

        unit = e(task.target_unit)
        value_label = "完成值" + (f"（{unit}）" if unit else "")
        if "completed_value" in form.fields:
            value = box("completed_value", "value", value_label)
        else:
            value = (
                f'<div class="tf tf-value"><label>{value_label}</label>'
                '<span class="muted small">该事项无量化指标</span></div>'
            )
        files = ""
        if row.submission:
            items = "".join(
                f'<li><a href="{self.evidence_url}{item.pk}/">{e(item.name)}</a></li>'
                for item in row.submission.evidence.all()
            )
            files = f'\n<ul class="files">{items}</ul>'
        if row.editable:
            label = f'<label for="{_id(form, "evidence")}">佐证材料</label>'
            upload = "\n" + self.control(form, "evidence")
        else:
            label, upload = "<label>佐证材料</label>", ""
        alerts = messages("evidence", ' role="alert"')
        evidence = f'<div class="tf tf-evidence">{label}{files}{upload}{alerts}</div>'
        return "".join(
            [
                '<div class="task-fields">',
                box("progress", "progress", "进展情况" + REQUIRED),
                box("self_status", "status", "自评状态" + REQUIRED),
                value,
                box("reason_category", "category reason-field", "原因类别" + REQUIRED_IF_LAGGING),
                evidence,
                box(
                    "reason",
                    "reason reason-field",
                    "滞后原因" + REQUIRED_IF_LAGGING,
                    shown=False,
                    after="\n" + REASON_HINT,
                ),
                box("next_steps", "steps", "下步措施", shown=False),
                box("issues", "issues", "需协调解决的问题", shown=False),
                "</div>",
            ]
        )

    def control(self, form, name):
        """form[name] as Django writes it. A bound form goes through Django (its errors add
        aria attributes); an unbound one is written here, its select options once a page."""
        if form.is_bound:
            return str(form[name])
        field = form.fields[name]
        widget = field.widget
        attrs = dict(widget.attrs)
        if field.disabled:
            attrs["disabled"] = True
        attrs.setdefault("id", _id(form, name))
        html_name = e(form.add_prefix(name))
        value = widget.format_value(field.prepare_value(form.get_initial_for_field(field, name)))
        if isinstance(widget, forms.Textarea):
            return f'<textarea name="{html_name}"{_attrs(attrs)}>\n{e(value or "")}</textarea>'
        if type(widget) in (forms.Select, QuickSelect):
            chosen = value[0] if value else None
            options = "".join(
                selected if key == chosen else plain
                for key, plain, selected in self._options(name, field.choices)
            )
            return f'<select name="{html_name}"{_attrs(attrs)}>{options}</select>'
        if isinstance(widget, forms.FileInput) and value is None:  # no file shown as current
            return f'<input type="file" name="{html_name}"{_attrs(attrs)}>'
        if type(widget) in (forms.NumberInput, forms.TextInput, QuickNumberInput, QuickTextInput):
            shown = f' value="{e(value)}"' if value is not None else ""
            return f'<input type="{widget.input_type}" name="{html_name}"{shown}{_attrs(attrs)}>'
        return str(form[name])

    def _options(self, name, choices):
        """The options of a select, written once a page: every row offers the same ones
        (one list of reason categories per page), only the selected one differs."""
        known = self.options.get(name)
        if known is None or known[0] != choices:
            known = self.options[name] = (
                list(choices),
                [
                    (
                        str(value),
                        f'<option value="{e(value)}">{e(label)}</option>',
                        f'<option value="{e(value)}" selected>{e(label)}</option>',
                    )
                    for value, label in choices
                ],
            )
        return known[1]


def _id(form, name):
    return e(form.auto_id % form.add_prefix(name))


def _attrs(attrs):
    """Django's widgets/attrs.html: in order, True as a bare name, False left out."""
    return "".join(
        f" {e(key)}" if value is True else f' {e(key)}="{e(value)}"'
        for key, value in attrs.items()
        if value is not False
    )
