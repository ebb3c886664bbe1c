"""The quarterly bulletin (督查督办工作通报) as a Word document, from its figures dict
alone (reports/bulletin.py), laid out by core/official_docx.py's blocks: 版头, title,
一、督查工作开展情况 (topics, categories), 二、存在的突出问题 (overdue items),
三、效能问责情况 (decisions by level), 四、下步督查重点, 特此通报。, signature and date."""

from __future__ import annotations

import datetime as dt

from duban.core.numfmt import pct
from duban.core.official_docx import SIZE_5, SIZE_SMALL_4, chinese_numeral, render_blocks

TABLES = {
    "categories": {
        "widths_mm": [55, 14, 17, 22, 22, 26],
        "align": ["left", "center", "center", "center", "center", "center"],
        "size": SIZE_SMALL_4,
    },
    "overdue": {
        "widths_mm": [22, 36, 30, 26, 20, 22],
        "align": ["center", "left", "left", "center", "center", "center"],
        "size": SIZE_5,
    },
}
LEVEL_WORDS = {"blue": "蓝色提醒单", "yellow": "黄色警示单", "red": "红色督办单"}


def _figure(value):
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _due(item):
    """The date an overdue item's days are counted from, a milestone's marked as such;
    a bulletin archived before `due` was kept shows the deadline."""
    if "due" not in item:
        return item["deadline"] or "—"
    return item["due"] + ("\n（节点）" if item["due_is_milestone"] else "")


def blocks(figures):
    office = figures["office"]["name"]
    label = figures["period_label"]
    overall = figures["overall"]
    out = [
        {"kind": "header", "organ": f"{office}党政办公室"},
        {"kind": "title", "text": figures["title"]},
        {"kind": "p", "text": f"现将{label}督查督办工作情况通报如下："},
        {"kind": "heading", "level": 1, "text": "一、督查工作开展情况"},
    ]
    n = 0
    for topic in figures["topics"]:
        n += 1
        unit = topic.get("unit", "")
        text = f"目标{_figure(topic['target'])}{unit}"
        if topic["done"] is not None:
            text += (
                f"，已完成{_figure(topic['done'])}{unit}，待完成{_figure(topic['pending'])}{unit}"
            )
        out.append(
            {
                "kind": "heading",
                "level": 2,
                "text": f"（{chinese_numeral(n)}）{topic['name']}。",
                "run_in": text + "。",
            }
        )
    n += 1
    out.append(
        {
            "kind": "heading",
            "level": 2,
            "text": f"（{chinese_numeral(n)}）重点工作推进情况。",
            "run_in": (
                f"纳入督查的重点工作共{overall['total']}项，已完成{overall['completed']}项，"
                f"推进正常{overall['on_track']}项，推进滞后{overall['lagging']}项，"
                f"滞后率{pct(overall['lag_rate'])}。"
            ),
        }
    )
    out.append(
        {
            "kind": "table",
            "name": "categories",
            "header": ["类别", "总数", "已完成", "推进正常", "推进滞后", "滞后率"],
            "rows": [
                [
                    c["name"],
                    str(c["total"]),
                    str(c["completed"]),
                    str(c["on_track"]),
                    str(c["lagging"]),
                    pct(c["lag_rate"]),
                ]
                for c in figures["categories"]
            ],
        }
    )
    notices = figures["notices"]
    issued = notices["issued"]
    n += 1
    out.append(
        {
            "kind": "heading",
            "level": 2,
            "text": f"（{chinese_numeral(n)}）督办单办理情况。",
            "run_in": (
                "本季度下发"
                + "、".join(f"{LEVEL_WORDS[k]}{issued.get(k, 0)}张" for k in LEVEL_WORDS)
                + f"，销号{notices['closed']}张，截至通报日仍在办理{notices['open']}张。"
                if any(issued.values()) or notices["closed"] or notices["open"]
                else "本季度未下发督办单，也没有在办的督办单。"
            ),
        }
    )

    out.append({"kind": "heading", "level": 1, "text": "二、存在的突出问题"})
    overdue = figures["overdue_items"]
    if overdue:
        out.append(
            {
                "kind": "p",
                "text": f"截至{_date(figures['as_of'])}，共有{len(overdue)}项工作超过完成时限或节点时间仍未完成：",
            }
        )
        out.append(
            {
                "kind": "table",
                "name": "overdue",
                "header": ["编号", "事项", "牵头单位", "应完成时间", "超期天数", "状态"],
                "rows": [
                    [
                        item["code"],
                        item["name"],
                        item["lead_unit"],
                        _due(item),
                        str(item["overdue_days"]),
                        item["status"],
                    ]
                    for item in overdue
                ],
            }
        )
        out.append({"kind": "p", "text": _overdue_words(overdue, figures)})
    else:
        text = "本季度没有超过完成时限或节点时间仍未完成的事项"
        if overall["lagging"]:
            # not past a date, yet judged behind: still the quarter's problem to name
            text += f"，但仍有{overall['lagging']}项工作推进滞后（{_lagging_where(figures)}），须加快推进"
        out.append({"kind": "p", "text": text + "。"})

    out.append({"kind": "heading", "level": 1, "text": "三、效能问责情况"})
    decisions = figures["accountability"]
    if decisions:
        by_level = {}
        for d in decisions:
            by_level.setdefault(d["level"], []).append(d)
        for i, (level, items) in enumerate(by_level.items(), start=1):
            out.append(
                {"kind": "heading", "level": 2, "text": f"（{chinese_numeral(i)}）实施{level}："}
            )
            for j, d in enumerate(items, start=1):
                reason = d["reason"].rstrip("。；;")
                end = "。" if j == len(items) else "；"
                out.append({"kind": "p", "text": f"{j}. 对{d['unit']}给予{level}（{reason}）{end}"})
    else:
        out.append({"kind": "p", "text": "本季度未实施效能问责。"})

    out.append({"kind": "heading", "level": 1, "text": "四、下步督查重点"})
    out.append({"kind": "p", "text": figures["next_focus"]})
    out.append({"kind": "p", "text": "特此通报。"})
    out.append(
        {"kind": "signature", "office": f"{office}党政办公室", "date": _date(figures["as_of"])}
    )
    return out


#: the overdue items a bulletin names in words under its table, longest first
OVERDUE_NAMED = 3


def _lagging_where(figures):
    return "、".join(f"{c['name']}{c['lagging']}项" for c in figures["categories"] if c["lagging"])


def _overdue_words(overdue, figures):
    """Under the overdue table, what a reader takes from it: the items overdue longest
    with their unit and the date they missed, then how many lag in all."""
    named = []
    for item in overdue[:OVERDUE_NAMED]:
        kind = "节点时间" if item.get("due_is_milestone") else "完成时限"
        due = _date(item["due"]) if item.get("due") else _date(item["deadline"])
        named.append(
            f"{item['name']}（{item['lead_unit']}，{kind}{due}，已超期{item['overdue_days']}天）"
        )
    text = f"超期时间最长的{'是' if len(named) == 1 else '依次是'}{'、'.join(named)}。"
    lagging = figures["overall"]["lagging"]
    if lagging:
        month = figures.get("judged_month")
        when = f"按{int(month[:4])}年{int(month[5:])}月研判，" if month else ""
        text += (
            f"{when}推进滞后的工作共{lagging}项"
            f"（{_lagging_where(figures)}），相关单位须加快推进、按期销号。"
        )
    return text


def _date(iso):
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def render_docx(figures):
    office = figures["office"]["name"]
    return render_blocks(
        blocks(figures), tables=TABLES, title=figures["title"], author=f"{office}党政办公室"
    )
