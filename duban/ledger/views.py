"""Pages of the key-task ledger (台账). Who sees what is decided by
`KeyTask.objects.visible_to` / `editable_by`; another unit's task answers 404,
a visible task one may not edit answers 403."""

import functools
from io import BytesIO
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from duban.core import jobs, locking
from duban.core.forms import text_html
from duban.core.http import PeriodError, bad_request, year_param
from duban.core.importflow import ImportFlow
from duban.core.listing import Col, Listing, xlsx_response
from duban.ledger import extensions as ext
from duban.ledger import taskversion
from duban.ledger.changelog import task_changes
from duban.ledger.exporter import build_template, build_workbook
from duban.ledger.filters import LedgerFilter, kept
from duban.ledger.forms import (
    AssignedItemForm,
    ImportUploadForm,
    KeyTaskForm,
    MilestoneFormSet,
    next_assigned_code,
    save_milestones,
)
from duban.ledger.importer import LedgerImport
from duban.ledger.models import KeyTask, Milestone, save_task
from duban.org import roles as R
from duban.org.models import Office

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_SESSION_KEY = "ledger_import"


def supervisor_required(view):
    """Only 督查管理员 (or a superuser) may write the ledger."""

    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not R.is_supervisor(request.user):
            raise PermissionDenied(_("只有督查管理员可以进行此操作"))
        return view(request, *args, **kwargs)

    return wrapped


# The ledger's order; tasks without a category (交办事项 often) come after the categories.
LEDGER_ORDER = [
    "office__order",
    "office_id",
    F("category__order").asc(nulls_last=True),
    "code",
    "pk",
]


# The columns one may sort the ledger by (core/listing.py); the ledger's order breaks ties.
# The export is the ledger's own Excel (importable back), in the order on screen.
LEDGER_LIST = Listing.define(
    Col("code", "编号", order=("code",)),
    Col("office", "所属街道", order=("office__order", "office__name")),
    Col("category", "类别", order=("category__order",)),
    Col("title", "事项名称", order=("title",)),
    Col("lead_unit", "牵头单位", order=("lead_unit__order", "lead_unit__name")),
    Col("leader", "责任领导", order=("leader",)),
    Col("deadline", "完成时限", order=("deadline",)),
)


def _listing(request, ledger):
    """The ledger's columns and those the extensions let one sort by (状态, 预警)."""
    extra = [
        Col(key, label, order=order)
        for extension in ledger.extensions
        for key, label, order in extension.sort_columns(ledger)
    ]
    return LEDGER_LIST.with_columns(*extra).bind(request.GET)


# What a row of the list shows, read as plain values: a page of fifty rows built model
# instances for each task, its category, lead unit and office (some 650 a request).
ROW_FIELDS = (
    "id",
    "code",
    "kind",
    "title",
    "leader",
    "deadline",
    "category_id",
    "category__name",
    "lead_unit__name",
    "office__name",
)


def page_rows(tasks, fields=ROW_FIELDS):
    """The rows of one page of `tasks` (ordered and cut to the page) as dicts of `fields`,
    with "partner_units" (names, in the units' order) and "milestones" (their number): three
    queries and no model instance. The list page and its JSON read their rows here."""
    rows = _rows(tasks, fields)
    _count_milestones(rows)
    return rows


def _rows(tasks, fields):
    """`page_rows` but the milestones: the task's own columns and its partners' names."""
    rows = list(tasks.values(*fields))
    ids = [row["id"] for row in rows]
    partners = {}
    if ids:
        through = KeyTask.partner_units.through.objects.filter(keytask_id__in=ids)
        for task_id, name in through.order_by("unit__order", "unit__name").values_list(
            "keytask_id", "unit__name"
        ):
            partners.setdefault(task_id, []).append(name)
    for row in rows:
        row["partner_units"] = partners.get(row["id"], [])
    return rows


def _count_milestones(rows):
    milestones = milestone_counts([row["id"] for row in rows]) if rows else {}
    for row in rows:
        row["milestones"] = milestones.get(row["id"], 0)


# the columns whose order only the ledger's own tables decide (not 状态 or 预警)
OWN_SORT_KEYS = frozenset({"", *(column.key for column in LEDGER_LIST.columns)})


def ordered_rows(ledger, listing, start, stop, fields=ROW_FIELDS):
    """Rows `start` to `stop` of the ledger's filter in the listing's order, as
    `page_rows`. When only the ledger's own tables decide which tasks and in what order
    (`LedgerFilter.own_rows`, a ledger column or none chosen), the ids of them all in
    that order are kept under the org version (`filters.kept`), and so are the page's
    rows but their milestones (tasks, partners, categories, units and streets are all
    tables the org version watches; milestones are not, and are counted each time).
    Joining and sorting a district's 2,000 tasks of a year by street, category and
    number, for fifty of them, was most of the ledger's database time."""
    ordered = listing.order(ledger.queryset, *LEDGER_ORDER)
    if not (ledger.own_rows and listing.key in OWN_SORT_KEYS):
        return page_rows(ordered[start:stop], fields)
    order = (listing.key, listing.desc)
    ids = kept(
        "ledger.order",
        ordered.values_list("pk", flat=True),
        list,
        (*ledger.person, *ledger.choices(), *order),
    )[start:stop]
    by_id = KeyTask.objects.filter(pk__in=ids).order_by()
    kept_rows = kept("ledger.rows", by_id, lambda tasks: _rows(tasks, fields), (fields, *ids))
    position = {pk: index for index, pk in enumerate(ids)}
    # copies: the page adds its milestones and its extensions' columns to its own rows
    rows = sorted((dict(row) for row in kept_rows), key=lambda row: position[row["id"]])
    _count_milestones(rows)
    return rows


def milestone_counts(ids):
    """{task id: number of milestones} for a page of tasks, in one grouped query. (As a
    correlated subquery in the page's query, PostgreSQL counted it for every task of the
    year before sorting and cutting the page: most of the ledger page's database time.)"""
    return dict(
        Milestone.objects.filter(task_id__in=ids)
        .order_by()
        .values_list("task_id")
        .annotate(n=Count("pk"))
    )


def detail_url_maker():
    """A function giving a task page's address from its id, resolved once for a page of
    rows (the same as reverse("ledger:detail", args=[pk]))."""
    sample = reverse("ledger:detail", args=[0])
    head, tail = sample[: sample.rindex("0")], sample[sample.rindex("0") + 1 :]
    return lambda pk: f"{head}{int(pk)}{tail}"


def _table_rows(rows, columns, several_offices):
    """The list's table rows, written in Python: the same cells a template loop gave
    (link, names, the extensions' cells...), without fifty passes through the template
    engine and its includes, which were most of the page's time."""
    detail_url = detail_url_maker()
    column_attrs = [
        (column, format_html(' data-col="{}"', column.name) if column.name else "")
        for column in columns
    ]
    out = []
    for row in rows:
        url = detail_url(row["id"])
        partners = "、".join(text_html(name) for name in row["partner_units"])
        deadline = row["deadline"]
        cells = [
            f'<td class="nowrap"><a href="{url}">{text_html(row["code"])}</a></td>',
            f'<td class="nowrap">{text_html(row["office__name"])}</td>' if several_offices else "",
            f"<td>{text_html(row['category__name']) if row['category_id'] else '—'}</td>",
            f'<td class="col-title wrap"><a href="{url}">{text_html(row["title"])}</a>'
            + (' <span class="tag">交办</span>' if row["kind"] == KeyTask.Kind.ASSIGNED else "")
            + "</td>",
            "".join(
                f'<td class="nowrap"{data_col}>{text_html(column.cell(row))}</td>'
                for column, data_col in column_attrs
            ),
            f"<td>{text_html(row['lead_unit__name'])}</td>",
            f'<td class="wrap">{partners or "—"}</td>',
            f"<td>{text_html(row['leader']) if row['leader'] else '—'}</td>",
            f'<td class="nowrap">{deadline.isoformat() if deadline else "—"}</td>',
            f'<td class="num">{row["milestones"]}</td>',
        ]
        out.append("\n          <tr>\n" + "".join(f"            {c}\n" for c in cells if c))
        out[-1] += "          </tr>\n        "
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@login_required
def task_list(request):
    ledger = LedgerFilter(request.GET, request.user)
    listing = _listing(request, ledger)
    paginator = Paginator(ledger.queryset, PAGE_SIZE)
    paginator.count = ledger.count()  # from the year's tally, which the chips read too
    page = paginator.get_page(request.GET.get("page"))
    start = (page.number - 1) * PAGE_SIZE
    page.object_list = rows = ordered_rows(ledger, listing, start, start + PAGE_SIZE)
    if rows:
        for extension in ledger.extensions:
            extension.prepare_rows(ledger, rows)  # what their columns show
    counts = ledger.category_counts()
    columns = ledger.columns()
    return render(
        request,
        "ledger/list.html",
        {
            "ledger": ledger,
            "listing": listing,
            "form": ledger.form,
            "page": page,
            "columns": columns,
            "rows": _table_rows(page.object_list, columns, ledger.several_offices),
            "colspan": 8 + len(columns) + (1 if ledger.several_offices else 0),
            "category_counts": counts,
            "year_total": sum(n for _category, n in counts),
        },
    )


@login_required
def export(request):
    """导出当前视图: the list page's filter, every page of it, as the ledger's Excel, with
    what the extensions add (the month's 状态, 预警 and 进展). More rows than DUBAN_JOB_ROWS
    are written by a background job (core/jobs.py), with a progress bar."""
    ledger = LedgerFilter(request.GET, request.user)
    count = ledger.queryset.count()
    if count > jobs.rows_threshold():
        job = jobs.start(
            export_job,
            user=request.user,
            title=_("导出重点工作台账（%(count)s 项）") % {"count": count},
            params={"query": request.GET.urlencode()},
            total=count,
        )
        return redirect(job)
    workbook, name = _export(request, ledger)
    return xlsx_response(workbook, name)


def _export(request, ledger):
    # the exporter loads what rows need; the order is the one on screen
    tasks = _listing(request, ledger).order(ledger.queryset, *LEDGER_ORDER)
    extra = [
        (extension.export_columns(ledger), extension.export_values(ledger, tasks))
        for extension in ledger.extensions
    ]
    return build_workbook(tasks, extra), f"重点工作台账-{ledger.year}.xlsx"


def export_job(run, query):
    """The export as a background job: the same filter, seen by the same person."""
    request = SimpleNamespace(GET=QueryDict(query), user=run.user)
    ledger = LedgerFilter(request.GET, run.user)
    count = ledger.queryset.count()
    run.progress(0, total=count, message="正在生成 Excel", force=True)
    workbook, name = _export(request, ledger)
    buffer = BytesIO()
    workbook.save(buffer)
    return jobs.Result(
        summary=_("已导出 %(count)s 项") % {"count": count}, filename=name, data=buffer.getvalue()
    )


@supervisor_required
def import_template(request):
    try:
        year = year_param(request)
    except PeriodError as error:
        return bad_request(request, str(error))
    template = build_template(year)
    return xlsx_response(template, "重点工作台账导入模板.xlsx")


@login_required
def task_detail(request, pk):
    task = get_object_or_404(
        taskversion.annotate(
            KeyTask.objects.visible_to(request.user).select_related(
                "category", "lead_unit", "office", "source"
            )
        ),
        pk=pk,
    )
    # its 协同单位 and 节点, kept under the task's data version (their history is watched;
    # a change of 协同单位 also changes the org version, under which all of it is kept)
    partners, milestones = taskversion.cached(
        task,
        ("ledger.head",),
        lambda: (
            list(task.partner_units.order_by("order", "name").values_list("name", flat=True)),
            list(task.milestones.all()),
        ),
    )
    states = {}
    sections = []
    for extension in ext.extensions():
        states.update(extension.milestone_states(request, task, milestones))
        sections += extension.task_sections(request, task)
    return render(
        request,
        "ledger/detail.html",
        {
            "task": task,
            "list_url": f"{reverse('ledger:list')}?year={task.year}",
            "partners": partners,
            "milestones": [(milestone, states.get(milestone.pk, "")) for milestone in milestones],
            "sections": sections,
            # 变更记录 as HTML, kept under the task's data version (its history is watched)
            "changes_html": taskversion.cached(
                task,
                ("ledger.changes",),
                lambda: render_to_string("ledger/_changes.html", {"changes": task_changes(task)}),
            ),
            "can_edit": task.editable_by(request.user),
        },
    )


def _editable_task(request, pk):
    """404 for a task the user cannot see, 403 for one they see but may not edit."""
    task = get_object_or_404(KeyTask.objects.visible_to(request.user), pk=pk)
    if not KeyTask.objects.editable_by(request.user).filter(pk=task.pk).exists():
        raise PermissionDenied(_("只有督查管理员可以修改台账"))
    return task


def _task_form(request, task, form_class):
    initial = {}
    if task.pk is None:
        try:
            year = year_param(request)
        except PeriodError as error:
            return bad_request(request, str(error))
        if year is not None:
            initial["year"] = year
    data = request.POST if request.method == "POST" else None
    # the version the page was loaded with (core/locking.py): kept as posted, so a page
    # shown again with errors still detects a save made meanwhile by someone else
    lock = locking.posted(data) if data is not None else None
    if lock is None:
        lock = locking.token(task)
    conflict_info = None
    form = form_class(data, instance=task, initial=initial, user=request.user)
    formset = MilestoneFormSet(data, instance=task, prefix="milestones")
    if data is not None and form.is_valid() and formset.is_valid():
        if task.pk and not form.has_changed() and not formset.has_changed():
            messages.info(request, _("没有修改任何内容"))
            return redirect("ledger:detail", pk=task.pk)
        creating = task.pk is None
        try:
            with transaction.atomic():
                if not creating:
                    locking.check(KeyTask.objects, task.pk, locking.posted(request.POST))
                task = form.save(commit=False)
                task.kind = form.kind
                save_task(task, form.cleaned_data["partner_units"])
                save_milestones(formset, task)
        except locking.EditConflict as conflict:
            current = conflict.current
            if current is None:
                raise Http404 from None  # deleted meanwhile
            lock = locking.token(current)
            conflict_info = {
                "message": locking.MESSAGE.format(who=locking.who_changed(current), what="该事项"),
                "rows": locking.differences(form, current)
                + _milestone_difference(formset, current),
            }
        except IntegrityError:
            # Someone else took the code between the check and the save.
            if creating:
                task.pk = None  # rolled back: the page must still read 新增
            form.add_error("code", _("该编号刚被占用，请换一个编号"))
        else:
            if creating:
                messages.success(request, _("已新增：%(task)s") % {"task": task})
            else:
                messages.success(request, _("已保存：%(task)s") % {"task": task})
            for warning in getattr(form, "calendar_warnings", ()):
                messages.warning(request, _("完成时限按工作日推算：") + warning)
            return redirect("ledger:detail", pk=task.pk)

    if form_class is AssignedItemForm and task.pk is None:
        proposed = next_assigned_code(task.office, form.selected_year())
        form.fields["code"].widget.attrs["placeholder"] = proposed
    return render(
        request,
        "ledger/form.html",
        {"form": form, "formset": formset, "task": task, "lock": lock, "conflict": conflict_info},
    )


def _milestone_difference(formset, current):
    """The conflict table's row for the milestones: as saved meanwhile and as typed here."""
    saved = "；".join(str(m) for m in current.milestones.all())
    typed = "；".join(
        f"{form.cleaned_data['due']:%Y-%m-%d} {form.cleaned_data['description']}"
        for form in formset.forms
        if form not in formset.deleted_forms
        and (form.instance.pk or form.has_changed())
        and form.cleaned_data.get("due")
    )
    if saved == typed:
        return []
    return [(str(_("节点")), locking.show(saved), locking.show(typed))]


@supervisor_required
def task_create(request):
    return _task_form(request, KeyTask(kind=KeyTask.Kind.ANNUAL), KeyTaskForm)


@supervisor_required
def assigned_create(request):
    return _task_form(request, KeyTask(kind=KeyTask.Kind.ASSIGNED), AssignedItemForm)


@login_required
def task_edit(request, pk):
    task = _editable_task(request, pk)
    form_class = AssignedItemForm if task.kind == KeyTask.Kind.ASSIGNED else KeyTaskForm
    return _task_form(request, task, form_class)


@login_required
def task_delete(request, pk):
    task = _editable_task(request, pk)
    kept = task.records_kept()
    if kept:
        named = "、".join(f"{name} {count} 条" for name, count in kept)
        messages.error(
            request,
            f"“{task}”已有{named}，这些是工作留痕，删除事项会一并抹去，因此不能删除。"
            "如事项已取消，请在事项中注明。",
        )
        return redirect("ledger:detail", pk=task.pk)
    if request.method == "POST":
        year, label = task.year, str(task)
        with transaction.atomic():
            task.delete()
        messages.success(request, _("已删除：%(task)s") % {"task": label})
        return redirect(f"{reverse('ledger:list')}?year={year}")
    return render(
        request,
        "ledger/confirm_delete.html",
        {"task": task, "milestone_count": Milestone.objects.filter(task=task).count()},
    )


# ----- 导入台账: upload, preview, confirm (the one flow of core/importflow.py) -----


class LedgerImportFlow(ImportFlow):
    namespace = "ledger"
    session_key = IMPORT_SESSION_KEY
    form_class = ImportUploadForm
    title = "导入台账"
    write_step = "写入台账"
    file_noun = "台账文件"
    done_label = "查看台账"
    intro = (
        "上传后先预览：系统会逐行检查并列出将新增、更新的事项，确认后才会写入台账。"
        "已有编号的事项按编号更新。支持 Excel 文件和 CSV 文件（旧版 .xls 请先在 Excel 中另存为新格式）。"
    )

    @property
    def crumbs(self):
        return [("重点工作台账", reverse("ledger:list"))]

    def allowed(self, user):
        return R.is_supervisor(user)

    def choices(self, form):
        return {
            "year": form.cleaned_data["year"],
            "office_id": form.target_office.pk,
            "create_missing": form.cleaned_data["create_missing"],
        }

    def resolve(self, choices):
        office = Office.objects.filter(pk=choices["office_id"]).first()
        return None if office is None else {**choices, "office": office}

    def importer(self, request, pending):
        return LedgerImport(
            pending["office"],
            pending["year"],
            user=request.user,
            create_missing=pending["create_missing"],
        )

    def facts(self, pending):
        return [
            ("年度", f"{pending['year']}年"),
            ("所属街道", pending["office"].name),
            ("自动创建缺失的单位和类别", "是" if pending["create_missing"] else "否"),
        ]

    def initial(self, pending):
        return {
            "year": pending["year"],
            "office": pending["office"],
            "create_missing": pending["create_missing"],
        }

    def done_url(self, pending):
        return f"{reverse('ledger:list')}?year={pending['year']}"

    def template_link(self, form):
        return ("下载导入模板", reverse("ledger:template"))


import_flow = LedgerImportFlow()
