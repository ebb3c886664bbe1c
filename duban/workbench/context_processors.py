"""What pages of lower apps may offer from apps above them, without naming them.

The batch sheet (progress) offers a 原因类别 suggestion while a unit types its 滞后原因; the
suggestion lives in textkit, above progress, so the top floor hands the page its address and
script here and the progress template only asks whether one is offered.
"""

from django.templatetags.static import static

from duban.core.links import fixed


def helpers(request):
    return {
        "reason_suggest": {
            "url": fixed("textkit:suggest_reason"),
            "script": static("textkit/reason_suggest.js"),
        }
    }
