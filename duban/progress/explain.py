"""The engine's reasons in the office's words, for pages (the batch sheet, the review
cards, the proposal endpoint). The flags are those of `duban.progress.status`."""

from duban.progress.models import Light, Status


def _number(value):
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def reasons(status, flags):
    """Why the engine says what it says, one sentence each."""
    flags = flags or {}
    found = []
    if "overdue" in flags:
        found.append(f"已超过完成时限 {flags['overdue'].get('days', 0)} 天")
    if "milestone_missed" in flags:
        missed = flags["milestone_missed"]
        more = f"等 {missed['count']} 个节点" if missed.get("count", 1) > 1 else ""
        found.append(
            f"节点“{missed.get('description', '')}”（{missed.get('due', '')}）{more}已逾期"
            f" {missed.get('days_late', 0)} 天"
        )
    if "behind_pace" in flags:
        pace = flags["behind_pace"]
        found.append(
            f"完成值 {_number(pace.get('completed', 0))} 低于序时进度"
            f"（按时间进度应完成约 {_number(pace.get('expected', 0))}）"
        )
    streak = flags.get("lagging_streak", {}).get("periods", 0)
    if streak >= 2:
        found.append(f"连续 {streak} 个月推进滞后")
    if status == Status.LAGGING and not found:
        found.append("单位自评推进滞后")
    if "due_soon" in flags:
        found.append(f"距完成时限还有 {flags['due_soon'].get('workdays', 0)} 个工作日")
    if status == Status.COMPLETED:
        found.append("已报完成或完成值已达量化指标")
    return found


def describe(result):
    """A proposal (or judgement) as plain data: what the sheet shows and the endpoint returns."""
    status = result.status
    light = result.light
    return {
        "status": status,
        "status_label": str(Status(status).label) if status in Status.values else "",
        "light": light,
        "light_label": str(Light(light).label) if light in Light.values else "",
        "reasons": reasons(status, result.flags),
        "needs_reason": status == Status.LAGGING,
    }
