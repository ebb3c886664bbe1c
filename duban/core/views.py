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
