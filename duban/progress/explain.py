"""The engine's reasons in the office's words — one home for every page that says why
(the batch sheet, the review cards, the proposal endpoint, 研判本月). The flags are those
of `duban.progress.status`."""

from duban.progress.models import Light, Status


def _number(value):
    """A figure as a sentence says it: whole from 10 up, else one decimal (6.96 → 7,
    1474.47 → 1474, 2.35 → 2.4)."""
    if value is None:
        return "0"
    value = float(value)
    value = round(value) if abs(value) >= 10 else round(value, 1)
    return f"{value:g}"


def reasons(status, flags, unit=""):
    """Why the engine says what it says, in the office's words, most serious first:
    ["已超过完成时限12天", "节点“完成招投标”（6月30日）未按期完成", ...]."""
    flags = flags or {}
    said = []
    if "overdue" in flags:
        said.append(f"已超过完成时限{flags['overdue'].get('days', 0)}天")
    if "milestone_missed" in flags:
        missed = flags["milestone_missed"]
        due = missed.get("due", "")
        when = f"{int(due[5:7])}月{int(due[8:10])}日" if len(due) == 10 else due
        more = f"等{missed['count']}个节点" if missed.get("count", 1) > 1 else ""
        said.append(f"节点“{missed.get('description', '')}”（{when}）{more}未按期完成")
    if "behind_pace" in flags:
        pace = flags["behind_pace"]
        said.append(
            f"完成值{_number(pace.get('completed'))}{unit}，低于序时进度"
            f"（按时间进度应完成约{_number(pace.get('expected'))}{unit}）"
        )
    if "lagging_streak" in flags and flags["lagging_streak"].get("periods", 1) > 1:
        said.append(f"已连续{flags['lagging_streak']['periods']}期推进滞后")
    if status == Status.LAGGING and not said:
        said.append("单位自评推进滞后")
    if "no_update" in flags:
        said.append("本月尚未报送进展")
    if "due_soon" in flags:
        left = flags["due_soon"].get("workdays", 0)
        said.append("今天到期" if left == 0 else f"距完成时限还有{left}个工作日")
    if status == Status.COMPLETED:
        said.append("已报完成或完成值已达量化指标")
    return said


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


LIGHT_ORDER = (Light.RED, Light.YELLOW, Light.BLUE, Light.GREEN)


def light_rank(light):
    """Most serious first: red 0, yellow 1, blue 2, green 3; no light last (4)."""
    return LIGHT_ORDER.index(light) if light in LIGHT_ORDER else len(LIGHT_ORDER)


def light_meanings(rules=None):
    """The one legend of the three-colour warning (三色预警), most serious first, as the
    engine decides each light (progress/status.py, "Light, first match wins"), with the
    office's own thresholds: [(light, "红灯", what it means, what to do)]."""
    streak = getattr(rules, "red_after_lagging_periods", 2)
    soon = getattr(rules, "due_soon_workdays", 5)
    return [
        (
            Light.RED,
            str(Light.RED.label),
            f"已超过完成时限仍未完成，或连续{streak}期推进滞后",
            "党政办发督办单，牵头单位限期整改",
        ),
        (
            Light.YELLOW,
            str(Light.YELLOW.label),
            "推进滞后：节点未按期完成、完成值低于序时进度，或单位自评滞后",
            "填报时须写明滞后原因和下步措施",
        ),
        (
            Light.BLUE,
            str(Light.BLUE.label),
            f"距完成时限{soon}个工作日以内，尚未完成",
            "抓紧完成，按时报送",
        ),
        (Light.GREEN, str(Light.GREEN.label), "已完成，或按计划推进正常", "保持"),
    ]
