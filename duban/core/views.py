"""Pages of the ground floor: the CSRF failure page (CSRF_FAILURE_VIEW), in Chinese and
in the product's look instead of Django's English "Forbidden (403) CSRF verification failed";
and the page of a background job (/jobs/<id>/, core/jobs.py)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


# ----- 后台任务 (core/jobs.py): the page of one job, its JSON state, its result file -----


def _own_job(request, pk):
    """The job, for the person who started it only: anyone else gets 404."""
    from django.shortcuts import get_object_or_404

    from duban.core.models import Job

    return get_object_or_404(Job, pk=pk, user=request.user)


@login_required
def job_detail(request, pk):
    from duban.core import jobs

    job = _own_job(request, pk)
    state = jobs.state(job)
    return render(
        request,
        "core/job.html",
        {
            "job": job,
            "state": state,
            "error_lines": job.error.splitlines(),
            "state_url": reverse("jobs:state", args=[job.pk]),
        },
    )


@login_required
def job_state(request, pk):
    from duban.core import jobs

    response = JsonResponse(jobs.state(_own_job(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def job_download(request, pk):
    from duban.core import jobs

    job = _own_job(request, pk)
    path = jobs.result_path(job)
    if job.status != job.Status.DONE or not job.result_name or not path.is_file():
        raise Http404("该任务没有可下载的结果")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.result_name,
        content_type=jobs.content_type(job),
    )


# ----- 500 and 503 (handler500 in duban/urls.py) -----

#: the database's errors when it cannot be reached (restarting, network, too many clients)
_DATABASE_DOWN = ("OperationalError", "InterfaceError")


def _database_unreachable(exc):
    """Whether `exc` says the database cannot be reached now — not a wrong query."""
    from django.db import InterfaceError, OperationalError

    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    # SQLite answers a locked or missing file with OperationalError too; a query against a
    # table that does not exist ("no such table") is a bug, not an outage.
    text = str(exc).lower()
    return not ("no such" in text or "syntax error" in text)


def server_error(request, template_name="500.html"):
    """Django's 500 view, except that a database that cannot be reached (restarting, the
    network between the app and PostgreSQL down) answers 503 「数据库暂时不可用」: the
    next request opens a new connection (CONN_HEALTH_CHECKS), so no restart of the app is
    needed once the database is back. Renders without the database and without the request
    context (the signed-in user is read from the database)."""
    import sys

    from django.template import loader

    exc = sys.exc_info()[1]
    if exc is not None and _database_unreachable(exc):
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": "数据库暂时不可用，请稍后再试"}, status=503)
        else:
            from django.http import HttpResponse

            response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    from django.views.defaults import server_error as default

    return default(request, template_name)
