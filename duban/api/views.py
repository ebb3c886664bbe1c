"""设置 › 接口客户端: 督查管理员 create, disable and renew the tokens of the clients of
the offices they manage (superusers also in the admin). A token is shown once, on the
answer to the request that made it; only its digest is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from duban.api.forms import ApiClientForm
from duban.api.models import ApiClient
from duban.core.http import id_param
from duban.org import roles as R
from duban.org.scope import offices_in_scope


@never_cache  # the answer may hold a token
@login_required
def clients(request):
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以管理接口客户端")
    offices = offices_in_scope(request.user)
    mine = ApiClient.objects.filter(office__in=offices).select_related("office")
    form = ApiClientForm(offices=offices)
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action", "create")
        if action == "create":
            form = ApiClientForm(request.POST, offices=offices)
            if form.is_valid():
                client, new_token = ApiClient.create(created_by=request.user, **form.cleaned_data)
                form = ApiClientForm(offices=offices)
                messages.success(request, f"已创建接口客户端“{client.name}”")
        else:
            client = get_object_or_404(mine, pk=id_param(request.POST.get("client")) or 0)
            if action == "renew":
                new_token = client.set_token()
                client.save(update_fields=["token_hash", "token_hint"])
                messages.success(request, f"已为“{client.name}”生成新令牌，旧令牌已失效")
            elif action in ("disable", "enable"):
                client.active = action == "enable"
                client.save(update_fields=["active"])
                messages.success(request, f"已{'启用' if client.active else '停用'}“{client.name}”")
                return redirect("api_settings:clients")
    return render(
        request,
        "api/settings_clients.html",
        {
            "clients": mine,
            "form": form,
            "new_token": new_token,
            "several_offices": offices.count() > 1,
        },
    )
