from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from duban.org import accounts


class PasswordChangeRequiredMiddleware:
    """Someone whose password an administrator set sees only the 修改密码 page (and may
    sign out) until they choose their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if accounts.must_change_password(getattr(request, "user", None)):
            target = reverse("account_password")
            allowed = (target, reverse("logout"), settings.STATIC_URL)
            if not request.path.startswith(allowed):
                return redirect(target)
        return self.get_response(request)
