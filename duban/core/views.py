"""Pages of the ground floor: the CSRF failure page (CSRF_FAILURE_VIEW), in Chinese and
in the product's look instead of Django's English "Forbidden (403) CSRF verification failed"."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
