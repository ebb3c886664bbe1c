"""The words of the monthly report (督查报告), from its figures dict only.

Shaped like the office's own reports: an opening paragraph, 一、总体工作情况 (one
sentence per category, then the whole, then each category's tasks by name),
二、滞后事项原因分析 (largest reason first), 三、相关工作建议 (the text as the office
edited it), the 附件说明, the signature, and the lagging items as a table on a new
page. The sentences are duban's own.

`blocks(figures)` is the document as a list of plain blocks; the Word builder
(reports/monthly_docx.py) and the HTML preview (templates/reports/_document.html) both
render that list, so the page shows exactly what the document says:

    {"kind": "title" | "p", "text"}            {"kind": "heading", "level": 1-4, "text"}
    {"kind": "table", "name": "street" | "lagging", "header": [...], "rows": [[...]]}
    {"kind": "attachment_note", "text"}        {"kind": "signature", "office", "date"}
    {"kind": "attachment", "title"}            (a new page; the lagging table follows)
"""

from __future__ import annotations

import calendar
import datetime as dt
from itertools import count

from duban.core.numfmt import pct
from duban.core.official_docx import chinese_date, chinese_numeral, heading_number
from duban.reports.figures import NO_REASON

ATTACHMENT_TITLE = "推进滞后事项明细表"
ATTACHMENT_COLUMNS = ["序号", "类别", "事项名称", "牵头单位", "完成时限", "进展情况", "滞后原因"]
STREET_COLUMNS = ["类别", "总数", "已完成", "推进正常", "推进滞后", "滞后项目占比"]
ON_TRACK_NAMED = 5  # on-track tasks are named briefly: the first few, then 等N项
GENERAL_ADVICE = (
    "建议各责任单位对照年度目标任务，继续压实责任、细化节点、加强协同，"
    "确保各项重点工作按期保质完成。"
)


def blocks(figures: dict) -> list[dict]:
    """The report of `figures` (reports.figures.monthly) as a list of blocks."""
    office = figures["office"]["name"]
    district = bool(figures["streets"])
    when = _as_of_words(figures)
    out = [{"kind": "title", "text": figures["title"]}, _p(_opening(figures))]

    out.append(_heading(1, heading_number(1, 1) + "总体工作情况"))
    sentences = [_category_sentence(c) for c in figures["categories"]]
    sentences.append(_overall_sentence(figures["overall"]))
    out.append(_p(f"截至{when}，" + "".join(sentences)))
    sub = count(1)
    if district:
        out.append(_heading(2, heading_number(2, next(sub)) + "各街道推进情况"))
        for i, street in enumerate(figures["streets"], start=1):
            out.append(_heading(3, heading_number(3, i) + street["name"]))
            out.append(
                {
                    "kind": "table",
                    "name": "street",
                    "header": STREET_COLUMNS,
                    "rows": _street_rows(street),
                }
            )
    for category in figures["categories"]:
        if not category["total"]:
            continue
        tasks = [t for t in figures["tasks"] if t["category"] == category["name"]]
        out.append(_heading(2, heading_number(2, next(sub)) + category["name"]))
        out.append(_p(_category_tasks(tasks, district)))

    out.append(_heading(1, heading_number(1, 2) + "滞后事项原因分析"))
    reasons = figures["reasons"]
    if reasons:
        lagging = figures["overall"]["lagging"]
        out.append(
            _p(
                f"截至{when}，推进滞后的{lagging}项重点工作按原因类别归集为{len(reasons)}类"
                f"（各事项的进展和具体原因详见附件）："
            )
        )
        out += [_p(_reason_sentence(i, group)) for i, group in enumerate(reasons, start=1)]
    else:
        out.append(
            _p(f"截至{when}，各项重点工作均未出现推进滞后情况，本期无滞后事项需作原因分析。")
        )

    out.append(_heading(1, heading_number(1, 3) + "相关工作建议"))
    written = [
        _p(line.strip())
        for suggestion in figures["suggestions"]
        for line in (suggestion["text"] or "").splitlines()
        if line.strip()
    ]
    out += written or [_p(GENERAL_ADVICE)]

    items = figures["lagging_items"]
    if items:
        out.append({"kind": "attachment_note", "text": ATTACHMENT_TITLE})
    out.append(
        {
            "kind": "signature",
            "office": f"{office}党政办公室",
            "date": chinese_date(figures["generated_at"]),
        }
    )
    if items:
        out.append({"kind": "attachment", "title": ATTACHMENT_TITLE, "landscape": True})
        out.append(
            {
                "kind": "table",
                "name": "lagging",
                "header": ATTACHMENT_COLUMNS,
                "rows": [
                    _attachment_row(i, item, district, figures["year"])
                    for i, item in enumerate(items, start=1)
                ],
            }
        )
    return out


def _p(text):
    return {"kind": "p", "text": text}


def _heading(level, text):
    return {"kind": "heading", "level": level, "text": text}


def _as_of_words(figures):
    """截至7月底 when the report counts a whole month, else 截至7月20日."""
    as_of = dt.date.fromisoformat(figures["as_of"])
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    if as_of.day == last_day:
        return f"{as_of.month}月底"
    return f"{as_of.month}月{as_of.day}日"


def _opening(figures):
    office = figures["office"]["name"]
    total = figures["overall"]["total"]
    year, months = figures["year"], figures["months_covered"]
    if not total:
        return (
            f"{office}{year}年度暂无纳入督查的重点工作。党政办公室按月开展跟踪督查，"
            f"现将{year}年{months}重点工作督查情况报告如下。"
        )
    return (
        f"根据区委区政府年度工作部署，结合工作实际，{office}共确定{year}年度重点工作"
        f"{total}项。党政办公室按月对各项重点工作的推进落实情况开展跟踪督查，"
        f"现将{year}年{months}重点工作推进情况报告如下。"
    )


_BUCKETS = (("completed", "已完成"), ("on_track", "推进正常"), ("lagging", "推进滞后"))


def _breakdown(counts):
    """ "共10项，其中已完成2项、推进正常3项、推进滞后5项，滞后项目占比50%", with the whole
    said at once when every task is in one bucket."""
    total = counts["total"]
    rate = pct(counts["lag_rate"])
    if counts["completed"] == total:
        return f"{total}项已全部完成，滞后项目占比{rate}"
    if counts["on_track"] == total:
        return f"{total}项均推进正常，滞后项目占比{rate}"
    if counts["lagging"] == total:
        return f"{total}项均推进滞后，滞后项目占比{rate}"
    parts = "、".join(f"{label}{counts[key]}项" for key, label in _BUCKETS if counts[key])
    return f"共{total}项，其中{parts}，滞后项目占比{rate}"


def _category_sentence(category):
    if not category["total"]:
        return f"{category['name']}本期无此类重点工作。"
    return f"{category['name']}{_breakdown(category)}。"


def _overall_sentence(overall):
    if not overall["total"]:
        return "总体来看，本期暂无纳入督查的重点工作。"
    return f"总体来看，重点工作{_breakdown(overall)}。"


def _street_rows(street):
    rows = [
        [c["name"], c["total"], c["completed"], c["on_track"], c["lagging"], pct(c["lag_rate"])]
        for c in street["categories"]
    ]
    o = street["overall"]
    rows.append(
        ["合计", o["total"], o["completed"], o["on_track"], o["lagging"], pct(o["lag_rate"])]
    )
    return rows


def _name(task, district):
    return f"{task['title']}（{task['office']}）" if district else task["title"]


def _named(names, verb, limit=None):
    """ "A、B等3项工作已完成" / "A已完成"; with `limit`, only the first few are named."""
    shown = names[:limit] if limit else names
    listed = "、".join(shown)
    if len(names) == 1:
        return f"{listed}{verb}。"
    return f"{listed}等{len(names)}项工作{verb}。"


def _category_tasks(tasks, district):
    by_status = {
        key: [_name(t, district) for t in tasks if t["status"] == key] for key, _ in _BUCKETS
    }
    sentences = []
    if by_status["completed"]:
        sentences.append(_named(by_status["completed"], "已完成"))
    if by_status["on_track"]:
        sentences.append(_named(by_status["on_track"], "有序推进", limit=ON_TRACK_NAMED))
    if by_status["lagging"]:
        sentences.append(_named(by_status["lagging"], "推进滞后"))
    return "".join(sentences)


def _reason_sentence(index, group):
    lead = f"{chinese_numeral(index)}是"
    what = "未注明原因类别的" if group["category"] == NO_REASON else f"{group['category']}方面"
    items = "、".join(group["items"])
    joiner = "即" if group["count"] == 1 else "包括"
    return f"{lead}{what}{group['count']}项，{joiner}{items}。"


def _deadline(value, year):
    """12月31日 in the report's year (its title says the year), 2023年3月31日 otherwise."""
    if not value:
        return "未定"
    date = dt.date.fromisoformat(value)
    return f"{date.month}月{date.day}日" if date.year == year else chinese_date(date)


def _attachment_row(index, item, district, year):
    deadline = _deadline(item["deadline"], year)
    if item["overdue_days"]:
        deadline += f"\n（已超期{item['overdue_days']}天）"
    lead = item["lead_unit"] or "—"
    if district and item.get("office"):
        lead = f"{item['office']}\n{lead}"
    reason = item["reason_category"] or NO_REASON
    if item["reason"]:
        reason = f"{reason}：{item['reason']}"
    return [
        index,
        item["category"],
        item["title"],
        lead,
        deadline,
        item["progress"] or "—",
        reason,
    ]
