"""The one upload → preview → confirm flow of every import page.

An import page is a small declaration — a subclass of `ImportFlow` naming its form,
how to build the importer from what the form chose, who may use it, where to go
after and its words — and `flow.urls()` gives the three pages:

1. upload (`<app>:import`): the file is kept under UPLOAD_DIR under a generated
   name and remembered in the session with the form's choices;
2. preview (`<app>:import_preview`): what the import would do, nothing written. A
   preview that fails (an unreadable file, any row error) forgets its upload — the
   file and the session entry — and offers the upload form again, so the next try
   starts clean;
3. confirm (`<app>:import_confirm`, POST): every row in one transaction, or nothing.
   A file of more rows than DUBAN_JOB_ROWS (as its preview counted them) is written by a
   background job instead (core/jobs.py, `run_import`): the page goes to the job's
   progress bar and its result. The job checks again that its user may import, and
   builds the importer as the page would, with a stand-in request that has only `.user`.

Uploads abandoned after their preview are swept a day later.
"""

import functools
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from duban.core import jobs

SUFFIXES = (".xlsx", ".csv")


def check_upload(upload):
    """The file field's check shared by every import form: .xlsx or .csv, within the
    size limit. Returns the upload or raises a ValidationError in Chinese."""
    if not upload.name.lower().endswith(SUFFIXES):
        raise forms.ValidationError(
            _t("只能导入 .xlsx 格式的 Excel 文件或 .csv 文件；.xls 请先在 Excel 中另存为 .xlsx")
        )
    limit = settings.DUBAN_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _t("文件过大（%(size).1f MB），上限为 %(limit).0f MB")
            % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024}
        )
    return upload


def sweep_stale_uploads(max_age_hours=24):
    """Uploads abandoned after their preview are removed a day later."""
    folder = Path(settings.UPLOAD_DIR)
    if not folder.exists():
        return
    cutoff = time.time() - max_age_hours * 3600
    for suffix in SUFFIXES:
        for stale in folder.glob(f"*{suffix}"):
            if stale.stat().st_mtime < cutoff:
                stale.unlink(missing_ok=True)


class ImportFlow:
    """Declare an import page: set the attributes, implement the hooks."""

    #: URL namespace of the app whose urls.py includes `flow.urls()`
    namespace = ""
    #: session key of the upload waiting for its preview and confirmation
    session_key = ""
    form_class = None
    #: words on the pages
    title = "导入"
    write_step = "写入"
    file_noun = "文件"
    intro = ""
    #: (label, url) of the page the crumbs start from
    crumbs = ()
    #: a column of the preview with each row's outcome (RowChange.outcome), or ""
    outcome_label = ""
    denied_message = "只有督查管理员可以导入"
    #: the label of done_url, on the page of a background import
    done_label = "查看导入结果"

    # --- hooks --------------------------------------------------------
    def allowed(self, user):
        raise NotImplementedError

    def choices(self, form):
        """What the form chose, as JSON-able values kept in the session."""
        raise NotImplementedError

    def resolve(self, choices):
        """The choices made usable (objects looked up); None when they are gone."""
        return choices

    def importer(self, request, pending):
        raise NotImplementedError

    def facts(self, pending):
        """[(label, text)] shown above the preview."""
        return []

    def initial(self, pending):
        """The upload form's initial values to try again with the same choices."""
        return {}

    def done_url(self, pending):
        raise NotImplementedError

    def template_link(self, form):
        """(label, url) of a blank template to download, or None."""
        return None

    def make_form(self, request, data=None, files=None, initial=None):
        return self.form_class(data, files, user=request.user, initial=initial)

    # --- the mechanism ------------------------------------------------
    def url(self, name):
        return reverse(f"{self.namespace}:{name}")

    def urls(self):
        return [
            path("import/", self.upload_view, name="import"),
            path("import/preview/", self.preview_view, name="import_preview"),
            path("import/confirm/", self.confirm_view, name="import_confirm"),
        ]

    def _guard(self, view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not self.allowed(request.user):
                raise PermissionDenied(self.denied_message)
            return view(request, *args, **kwargs)

        return wrapped

    def __init__(self):
        self.upload_view = self._guard(self.upload)
        self.preview_view = self._guard(self.preview)
        self.confirm_view = require_POST(self._guard(self.confirm))

    @staticmethod
    def _path(token, suffix):
        return Path(settings.UPLOAD_DIR) / f"{token}{suffix}"

    def _pending(self, request):
        """The upload waiting in this session, or None when it is gone."""
        saved = request.session.get(self.session_key)
        if not saved:
            return None
        pending = self.pending_from(saved)
        if pending is None:
            self.forget(request)
        return pending

    def pending_from(self, saved):
        """The upload a session entry names, its choices resolved; None when it is gone."""
        file_path = self._path(saved["token"], saved.get("suffix", ".xlsx"))
        resolved = self.resolve(saved["choices"]) if file_path.exists() else None
        if resolved is None:
            return None
        return {**resolved, "path": file_path, "filename": saved["filename"]}

    def forget(self, request):
        saved = request.session.pop(self.session_key, None)
        if saved:
            self._path(saved["token"], saved.get("suffix", ".xlsx")).unlink(missing_ok=True)

    def _context(self, request, form, **extra):
        if "pending" in extra:
            extra["facts"] = self.facts(extra["pending"])
        return {
            "flow": self,
            "form": form,
            "template_link": self.template_link(form) if form is not None else None,
            "upload_url": self.url("import"),
            "confirm_url": self.url("import_confirm"),
            **extra,
        }

    def upload(self, request):
        """Step 1: keep the file under UPLOAD_DIR and remember it in the session."""
        if request.method == "POST":
            form = self.make_form(request, request.POST, request.FILES)
        else:
            form = self.make_form(request)
        if form.is_bound and form.is_valid():
            self.forget(request)
            sweep_stale_uploads()
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            token = uuid.uuid4().hex
            file_path = self._path(token, suffix)
            file_path.parent.mkdir(parents=True, exist_ok=True)
            with file_path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            request.session[self.session_key] = {
                "token": token,
                "suffix": suffix,
                "filename": upload.name,
                "choices": self.choices(form),
            }
            return redirect(self.url("import_preview"))
        return render(request, "core/import_upload.html", self._context(request, form))

    def _failed(self, request, pending, report):
        """Show what stands in the way, forget the upload and offer the form again."""
        self.forget(request)
        form = self.make_form(request, initial=self.initial(pending))
        return render(
            request,
            "core/import_preview.html",
            self._context(request, form, pending=pending, report=report),
        )

    def _no_upload(self, request):
        messages.warning(
            request, _t("没有待确认的导入，请先上传%(noun)s") % {"noun": self.file_noun}
        )

    def preview(self, request):
        """Step 2: what the import would do; nothing is written yet."""
        pending = self._pending(request)
        if pending is None:
            self._no_upload(request)
            return redirect(self.url("import"))
        report = self.importer(request, pending).preview(pending["path"])
        if not report.ok:
            return self._failed(request, pending, report)
        # how many rows the confirm step will write: past DUBAN_JOB_ROWS, in the background
        rows = len(report.created) + len(report.updated) + len(report.unchanged)
        request.session[self.session_key] = {**request.session[self.session_key], "rows": rows}
        return render(
            request,
            "core/import_preview.html",
            self._context(request, None, pending=pending, report=report),
        )

    def confirm(self, request):
        """Step 3: write every row in one transaction, or nothing."""
        pending = self._pending(request)
        if pending is None:
            self._no_upload(request)
            return render(
                request, "core/import_upload.html", self._context(request, self.make_form(request))
            )
        saved = request.session[self.session_key]
        if saved.get("rows", 0) > jobs.rows_threshold():
            return self._confirm_in_background(request, saved)
        report = self.importer(request, pending).apply(pending["path"])
        if not report.ok:
            # the data changed since the preview: show what stands in the way now
            return self._failed(request, pending, report)
        self.forget(request)
        messages.success(request, _t("导入完成：%(summary)s") % {"summary": report.summary()})
        return redirect(self.done_url(pending))

    def _confirm_in_background(self, request, saved):
        """Hand the upload to a background job and show its progress bar."""
        request.session.pop(self.session_key, None)  # the file is the job's now
        job = jobs.start(
            run_import,
            user=request.user,
            title=f"{self.title}：{saved['filename']}",
            params={"flow": jobs.dotted_path(type(self)), "saved": saved},
            total=saved["rows"],
        )
        if not job.finished:
            messages.info(
                request,
                _t("共 %(rows)s 行，已转入后台导入，完成后本页显示结果") % {"rows": saved["rows"]},
            )
        return redirect(job)


def run_import(run, flow, saved):
    """The confirm step of an import flow, as a background job (core/jobs.py)."""
    flow = import_string(flow)()
    try:
        if not flow.allowed(run.user):
            raise jobs.JobError(flow.denied_message)
        pending = flow.pending_from(saved)
        if pending is None:
            raise jobs.JobError(
                f"找不到待导入的{flow.file_noun}（可能已过期被清理），未写入任何数据；请重新上传"
            )
        importer = flow.importer(SimpleNamespace(user=run.user), pending)
        importer.progress = run.progress
        report = importer.apply(pending["path"])
        if not report.ok:
            raise jobs.JobError(
                f"导入未完成：{report.summary()}（数据在预览后有变动时会这样，请修改后重新上传）",
                lines=[str(error) for error in report.errors[:200]],
            )
        return jobs.Result(
            summary=_t("导入完成：%(summary)s") % {"summary": report.summary()},
            link=(flow.done_label, flow.done_url(pending)),
        )
    finally:
        flow._path(saved["token"], saved.get("suffix", ".xlsx")).unlink(missing_ok=True)
