"""The main navigation: the pages a person's roles open, the current one marked."""

from django import template

from duban.core.links import fixed
from duban.notify.models import Notification
from duban.org import roles as R
from duban.progress import workflow
from duban.supervision.models import Notice
from duban.tickets.views import entry_url as tickets_entry

register = template.Library()


@register.inclusion_tag("workbench/_nav.html", takes_context=True)
def main_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"items": []}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    app_name = match.app_name if match else ""
    held = R.roles_of(user)
    office_wide = R.sees_whole_office(user)
    items = [("工作台", fixed("home"), view_name == "home", None)]
    if office_wide:
        items.append(("驾驶舱", fixed("dashboard:index"), app_name == "dashboard", None))
    items.append(("台账", fixed("ledger:list"), app_name == "ledger", None))
    if held & {R.REPORTER, R.UNIT_HEAD}:
        items.append(("填报", fixed("progress:batch"), view_name == "progress:batch", None))
    if R.is_supervisor(user) or R.LEADER in held:
        items.append(("报送看板", fixed("progress:board"), view_name == "progress:board", None))
    if workflow.may_review(user):
        items.append(("审核", fixed("progress:review"), view_name == "progress:review", None))
    if R.is_supervisor(user):
        items.append(
            ("研判", fixed("progress:judge_month"), view_name == "progress:judge_month", None)
        )
    tickets_url = tickets_entry(user)
    if tickets_url:
        items.append(("诉求", tickets_url, app_name == "tickets", None))
    if office_wide:
        items.append(("督办", fixed("supervision:board"), app_name == "supervision", None))
    elif held & R.SEES_OWN_UNIT:
        waiting = Notice.objects.visible_to(user).filter(state__in=Notice.ACTIVE_STATES).count()
        items.append(
            ("督办单", fixed("supervision:inbox"), app_name == "supervision", waiting or None)
        )
    if office_wide:
        items.append(("指标", fixed("indicators:list"), app_name == "indicators", None))
        items.append(("报告", fixed("reports:index"), app_name == "reports", None))
        items.append(("数字核对", fixed("textkit:check"), app_name == "textkit", None))
    unread = Notification.objects.unread(user).count()
    items.append(("通知", fixed("notify:list"), app_name == "notify", unread or None))
    return {"items": items, "user": user}


@register.inclusion_tag("workbench/_user_menu.html", takes_context=True)
def user_menu(context):
    """The pages one opens now and then (设置, 使用说明, 管理后台, 修改密码), folded under
    the person's name so the main navigation stays on one line at 1366 px."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"items": []}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    app_name = match.app_name if match else ""
    items = []
    if R.is_supervisor(user):
        settings_page = app_name in ("org", "progress_settings")
        items.append(("设置", fixed("org:people"), settings_page))
    items.append(("使用说明", fixed("help"), view_name == "help"))
    items.append(("修改密码", fixed("account_password"), view_name == "account_password"))
    if user.is_superuser:
        items.append(("管理后台", fixed("admin:index"), False))
    return {"items": items, "context": context}
