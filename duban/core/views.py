"""工作台 (home). Being written: what needs me now, per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    return redirect("ledger:list")
