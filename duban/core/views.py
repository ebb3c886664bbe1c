"""工作台 (home): what needs the signed-in person now, per role.

The queries live in `duban.core.workbench`; this view only renders them.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from duban.core import workbench
from duban.core.templatetags.duban_tags import url_or_empty


@login_required
def home(request):
    bench = workbench.build(request.user)
    return render(
        request,
        "core/home.html",
        {
            "bench": bench,
            "batch_url": url_or_empty("progress:batch"),
            "review_url": url_or_empty("progress:review"),
            "notify_url": url_or_empty("notify:list"),
        },
    )
