"""The words of the monthly report (督查报告), from its figures dict only.

Shaped like the office's own reports: an opening paragraph, 一、总体工作情况 (one
sentence per category, then the whole, then each category's progress as the units
reported it — what was done, quantities against targets — and its lagging tasks by
name), 二、滞后事项原因分析 (one point per cause, largest first, in words, with the units'
own reasons as examples; unexplained ones counted apart), 三、民生诉求办理情况 when the
office has requests (below), then 相关工作建议 last (三 or 四: the numbers are counted, not
written; one point per cause found, as the office edited it, then the follow-up), the
附件说明, the signature
dated the report's date, and the lagging items as a table on a new page. The sentences
are duban's own; the count, list and numbering rules live in reports/prose.py.

`blocks(figures)` is the document as a list of plain blocks; the Word builder
(reports/monthly_docx.py) and the HTML preview (templates/reports/_document.html) both
render that list, so the page shows exactly what the document says:

    {"kind": "title" | "p", "text"}            {"kind": "heading", "level": 1-4, "text"}
    {"kind": "table", "name": "street" | "lagging", "header": [...], "rows": [[...]]}
    {"kind": "attachment_note", "text"}        {"kind": "signature", "office", "date"}
    {"kind": "attachment", "title"}            (a new page; the lagging table follows)

民生诉求办理情况 comes before the suggestions when the office has requests
(figures["tickets"], see reports.figures.tickets_of): one paragraph of the period's figures and a table per
unit; one sentence when none was received in the period; no section at all for an
office without any request (and in reports archived before the section existed).
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import count

from duban.core.numfmt import month_span, pct
from duban.core.official_docx import chinese_date, heading_number
from duban.reports import prose
from duban.reports.figures import NO_REASON

ATTACHMENT_TITLE = "推进滞后事项明细表"
ATTACHMENT_COLUMNS = ["序号", "类别", "事项名称", "牵头单位", "完成时限", "进展情况", "滞后原因"]
STREET_COLUMNS = ["类别", "总数", "已完成", "推进正常", "推进滞后", "滞后项目占比"]
TICKET_COLUMNS = ["承办单位", "受理", "办结", "按时办结", "按时办结率", "解决率", "满意率"]
ON_TRACK_NAMED = 5  # on-track tasks are named briefly: the first few, then 等N项
DONE_WORDS = ("完成", "竣工", "建成", "投用", "投入使用", "验收", "办结", "已达成", "达标")
DESCRIBED = 3  # per status, the tasks whose reported progress a category paragraph tells
EXAMPLES = 2  # the units' own reasons quoted under one cause
LISTED = 4  # tasks named under one cause before 等N项
FOLLOW_UP = (
    "督办上要盯住不放。党政办公室将对滞后事项逐月跟踪，对连续滞后的事项开展实地督查，"
    "推动各项重点工作按期保质完成。"
)
GENERAL_ADVICE = (
    "建议各责任单位对照年度目标任务，继续压实责任、细化节点、加强协同，"
    "确保各项重点工作按期保质完成。"
)


def blocks(figures: dict) -> list[dict]:
    """The report of `figures` (reports.figures.monthly) as a list of blocks."""
    office = figures["office"]["name"]
    district = bool(figures["streets"])
    when = _when(figures)
    out = [{"kind": "title", "text": figures["title"]}, _p(_opening(figures))]

    out.append(_heading(1, heading_number(1, 1) + "总体工作情况"))
    out.append(_p(f"截至{when}，" + _overview(figures)))
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
        out.append(_p(_category_paragraph(tasks, figures, district)))

    section = count(2)  # 一 is above; the suggestions come last, whatever comes before
    out.append(_heading(1, heading_number(1, next(section)) + "滞后事项原因分析"))
    out += [_p(text) for text in _analysis(figures, when)]

    out += tickets_blocks(figures.get("tickets"), section)

    out.append(_heading(1, heading_number(1, next(section)) + "相关工作建议"))
    out += [_p(text) for text in _suggestions(figures)]

    items = figures["lagging_items"]
    if items:
        out.append({"kind": "attachment_note", "text": ATTACHMENT_TITLE})
    out.append(
        {
            "kind": "signature",
            "office": f"{office}党政办公室",
            "date": chinese_date(figures.get("report_date") or figures["generated_at"]),
        }
    )
    if items:
        out.append({"kind": "attachment", "title": ATTACHMENT_TITLE, "landscape": True})
        out.append(
            {
                "kind": "table",
                "name": "lagging",
                "header": ATTACHMENT_COLUMNS,
                "rows": attachment_rows(figures),
            }
        )
    return out


def _p(text):
    return {"kind": "p", "text": text}


def _heading(level, text):
    return {"kind": "heading", "level": level, "text": text}


# --- the period -----------------------------------------------------------------------


def _counted_month(figures):
    return int(figures["month"][5:])


def _last_month(figures):
    return figures.get("period_last_month") or _counted_month(figures)


def _behind(figures):
    """A past period counted at an earlier month (its last month not judged yet)."""
    return bool(figures.get("period_ended")) and _counted_month(figures) < _last_month(figures)


def _when(figures):
    """截至 what: the day the figures count to (7月底, 7月20日, 年底)."""
    return prose.as_of_words(figures["as_of"])


def _span(figures):
    """The months the report speaks of: 2022年1-7月, 2022年1-6月, 2022年全年."""
    ended = bool(figures.get("period_ended"))
    last = _last_month(figures) if ended else _counted_month(figures)
    kind = figures.get("period_kind", "month")
    return f"{figures['year']}年{prose.span_words(kind, last, whole=ended)}"


def _opening(figures):
    office = figures["office"]["name"]
    total = figures["overall"]["total"]
    year = figures["year"]
    span = _span(figures)
    note = ""
    if _behind(figures) and total:
        unjudged = month_span(_counted_month(figures) + 1, _last_month(figures))
        note = f"{unjudged}尚未研判，各项工作的状态按{_counted_month(figures)}月的研判结果统计。"
    if not total:
        return (
            f"{office}{year}年度暂无纳入督查的重点工作。党政办公室按月开展跟踪督查，"
            f"现将{span}重点工作督查情况报告如下。"
        )
    return (
        f"根据区委区政府年度工作部署，结合街道工作实际，{office}共确定{year}年度重点工作"
        f"{total}项。为推动各项重点工作有效落实、有序推进，党政办公室按月开展跟踪督查，"
        f"现将{span}各项工作推进落实情况梳理汇总报告如下。{note}"
    )


# --- 一、总体工作情况 -----------------------------------------------------------------


def _overview(figures):
    categories = figures["categories"]
    said = [f"{c['name']}{prose.breakdown(c)}。" for c in categories if c["total"]]
    said.append(prose.none_of_these([c["name"] for c in categories if not c["total"]]))
    overall = figures["overall"]
    if overall["total"]:
        said.append(f"总体来看，重点工作{prose.breakdown(overall)}。")
    else:
        said.append("总体来看，本期暂无纳入督查的重点工作。")
    return "".join(said)


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


def _told(task, figures, district):
    """What a task's latest accepted report says, as a sentence with its 完成值; "" when
    it reported nothing to tell."""
    name = _name(task, district)
    value, target = task.get("completed_value"), task.get("target_value")
    unit = task.get("target_unit", "")
    said = prose.progress_of(name, task["progress"])
    carried = task.get("progress_month")
    carried = carried if carried and carried != figures["month"] else None
    if said and carried:
        # an earlier month's text: its 本月 is that month, not this one
        said = said.replace("本月", f"{int(carried[5:])}月")
    if said and value and prose.number(value) in said:
        # the text gives the value already; add the share unless it gives that too
        toward = "" if _GIVES_SHARE.search(said) else prose.share(value, target, unit)
        said = f"{said[:-1]}，{toward}。" if toward else said
    elif said and value:
        said = f"{said[:-1]}，{prose.quantity(value, target, unit)}。"
    elif value:
        said = f"{name}{prose.quantity(value, target, unit)}。"
    if said and task["status"] == "completed" and not any(w in said for w in DONE_WORDS):
        said = f"{said[:-1]}，目前已完成。"  # an older text that does not say so
    if said and carried and task["status"] != "completed":
        # a finished task's text is simply dated (6月…已完成); an open one's is marked as old
        said = f"{said[:-1]}（沿用{int(carried[5:])}月进展）。"
    return said


# a progress text that already says how far toward the target it is
_GIVES_SHARE = re.compile(r"\d%|完成率|年度目标")


def _category_paragraph(tasks, figures, district):
    sentences = []
    told_ids = set()
    for status, verb in (("completed", "已完成"), ("on_track", "有序推进")):
        group = [t for t in tasks if t["status"] == status]
        told = []
        rest = []
        for task in group:
            said = _told(task, figures, district) if len(told) < DESCRIBED else ""
            if said:
                told.append(said)
                told_ids.add(id(task))
            else:
                rest.append(_name(task, district))
        sentences += told
        if rest:
            limit = ON_TRACK_NAMED if status == "on_track" else None
            also = "也" if told and status == "completed" else ""
            lead = "此外，" if told and status == "on_track" else ""
            sentences.append(f"{lead}{prose.named(rest, limit)}{also}{verb}。")
    lagging = [_name(t, district) for t in tasks if t["status"] == "lagging"]
    if lagging:
        sentences.append(f"{prose.named(lagging)}推进滞后。")
    # a task still open with no accepted report for the month is said to be so (one told
    # above with an earlier month's text already says 沿用X月进展)
    silent = [
        _name(t, district)
        for t in tasks
        if t["status"] != "completed" and not _reported(t, figures) and id(t) not in told_ids
    ]
    if silent:
        sentences.append(f"{prose.named(silent, ON_TRACK_NAMED)}{_the_month(figures)}未报送进展。")
    return "".join(sentences)


def _the_month(figures):
    """本月 in a month's report; the counted month by name in a longer period's (6月)."""
    if figures.get("period_kind", "month") == "month":
        return "本月"
    return f"{_counted_month(figures)}月"


def _reported(task, figures):
    """Whether the task's progress comes from an accepted report of the counted month
    (an archived report from before progress_month counts as reported)."""
    return task.get("progress_month", figures["month"]) == figures["month"]


# --- 二、滞后事项原因分析 --------------------------------------------------------------


def _explained(item):
    return item["reason_category"] != NO_REASON or bool(prose.clause(item["reason"]))


def _causes(figures):
    """[(category label, [lagging items])] of the explained lagging items, in the order of
    figures["reasons"]; items with a reason in words but no category go with 其他."""
    items = [i for i in figures["lagging_items"] if _explained(i)]
    order = [g["category"] for g in figures["reasons"] if g["category"] != NO_REASON]
    if any(i["reason_category"] == NO_REASON for i in items) and "其他" not in order:
        order.append("其他")
    grouped = []
    for label in order:
        members = [
            i
            for i in items
            if i["reason_category"] == label
            or (label == "其他" and i["reason_category"] == NO_REASON)
        ]
        if members:
            grouped.append((label, members))
    return grouped


def _examples(members):
    """The units' own reasons, up to EXAMPLES distinct ones, each after (the first two of)
    the tasks that gave it: "比如，A，规划许可尚未批复；B、C等3项工作，资金尚未落实。"."""
    by_text = {}
    for item in members:
        text = prose.clause(item["reason"])
        if text:
            by_text.setdefault(text, []).append(item["title"])
    quoted = [
        f"{prose.named(titles, 2)}，{text}" for text, titles in list(by_text.items())[:EXAMPLES]
    ]
    return f"比如，{'；'.join(quoted)}。" if quoted else ""


def _cause_point(label, members):
    """一 cause: its heading and meaning in words, the tasks it concerns, and the units'
    own reasons as examples (which then name the tasks)."""
    heading, meaning = prose.cause(label)
    examples = _examples(members)
    texts = {prose.clause(m["reason"]) for m in members}
    if examples and "" not in texts and len(texts) <= EXAMPLES:
        involved = ""  # the examples name every task
    elif examples:
        involved = f"涉及{len(members)}项工作"
    else:
        involved = f"涉及{prose.named([m['title'] for m in members], LISTED)}"
    said = "，".join(part for part in (meaning, involved) if part)
    return f"{heading}。" + (f"{said}。" if said else "") + examples


def _analysis(figures, when):
    items = figures["lagging_items"]
    if not figures["overall"]["total"]:
        return ["本期暂无纳入督查的重点工作，无滞后事项需作原因分析。"]
    if not items:
        return [f"截至{when}，各项重点工作均未出现推进滞后情况，本期无滞后事项需作原因分析。"]
    causes = _causes(figures)
    unexplained = [i["title"] for i in items if not _explained(i)]
    n = len(items)
    if not causes:
        return [
            f"截至{when}，{prose.named(unexplained)}推进滞后，"
            f"{prose.all_or_the_one(len(unexplained))}未说明原因，需责任单位在下月报送时补充，"
            "本期暂无法作原因分析。"
        ]
    points = [_cause_point(label, members) for label, members in causes]
    if len(points) == 1:
        out = [
            f"截至{when}，有{n}项工作推进滞后（具体情况详见附件）。",
            "滞后的主要原因是" + points[0],
        ]
    else:
        out = [
            f"截至{when}，推进滞后的{n}项工作滞后原因各有不同（具体情况详见附件），"
            "归纳起来主要有以下几个方面：",
            *prose.numbered(points),
        ]
    if unexplained:
        out.append(
            f"另有{len(unexplained)}项未说明原因（{'、'.join(unexplained)}），"
            "需责任单位在下月报送时补充。"
        )
    return out


# --- 四（或三）、相关工作建议 ----------------------------------------------------------


def _suggestions(figures):
    """One point per cause found (the office's text, its first line numbered), then the
    follow-up; the general advice alone when nothing lags."""
    if not figures["lagging_items"]:
        return [GENERAL_ADVICE]
    unexplained = any(not _explained(i) for i in figures["lagging_items"])
    points = []  # [(first line, [more lines])]
    for suggestion in figures["suggestions"]:
        if suggestion["category"] == NO_REASON and not unexplained:
            continue
        lines = [line.strip() for line in (suggestion["text"] or "").splitlines() if line.strip()]
        if lines:
            points.append((prose.without_ordinal(lines[0]), lines[1:]))
    points.append((FOLLOW_UP, []))
    firsts = prose.numbered([first for first, _more in points])
    out = []
    for first, (_text, more) in zip(firsts, points, strict=True):
        out += [first, *more]
    return out


# --- 三、民生诉求办理情况 ----------------------------------------------------------------


def tickets_blocks(tickets, numbers=None):
    """The requests' section: heading, figures in words, the units' table. `numbers`
    gives the section's number (the report's running count; 三 by default)."""
    if not tickets:
        return []
    number = next(numbers) if numbers is not None else 3
    out = [_heading(1, heading_number(1, number) + "民生诉求办理情况")]
    label = tickets["label"]
    if not tickets["received"]:
        out.append(_p(f"{label}未受理民生诉求。"))
        return out
    out.append(_p(tickets_sentence(tickets, label)))
    if tickets["by_unit"]:
        out.append(
            {
                "kind": "table",
                "name": "tickets",
                "header": TICKET_COLUMNS,
                "rows": [
                    [
                        u["name"],
                        u["received"],
                        u["closed"],
                        u["closed_on_time"],
                        pct(u["on_time_rate"], places=2),
                        pct(u["resolution_rate"], places=2),
                        pct(u["satisfaction_rate"], places=2),
                    ]
                    for u in tickets["by_unit"]
                ],
            }
        )
    return out


def tickets_sentence(tickets, lead):
    """A period's request figures in words (the monthly report's and the summary's), after
    `lead` (2022年7月 / 上半年, ...): received, its parts, where they came from,
    follow-ups and rates."""
    said = (
        f"{lead}共受理民生诉求{tickets['received']}件，其中办结{tickets['closed']}件、"
        f"退单{tickets['returned']}件、办处中{tickets['in_progress']}件、"
        f"待分派{tickets['awaiting_dispatch']}件。"
    )
    sources = tickets.get("by_source") or []  # absent from reports archived before it
    if len(sources) == 1:
        said += f"诉求均来自{sources[0]['name']}。"
    elif sources:
        said += "从来源看，" + "、".join(f"{s['name']}{s['received']}件" for s in sources) + "。"
    if tickets["followed_up"]:
        said += (
            f"回访{tickets['followed_up']}件，解决率{pct(tickets['resolution_rate'], places=2)}，"
            f"满意率{pct(tickets['satisfaction_rate'], places=2)}。"
        )
    if tickets["on_time_rate"] is not None:
        said += f"按时办结率{pct(tickets['on_time_rate'], places=2)}。"
    return said


# --- 附件 -------------------------------------------------------------------------------


def attachment_rows(figures, *, full_dates=False):
    """The rows of the lagging items' table (ATTACHMENT_COLUMNS), as the Word attachment
    and the Excel sheet of the same name both print them."""
    district = bool(figures["streets"])
    year = None if full_dates else figures["year"]
    return [
        _attachment_row(i, item, district, year, figures["month"])
        for i, item in enumerate(figures["lagging_items"], start=1)
    ]


def progress_cell(item, month):
    """A task's progress as a table prints it: its text, with "（沿用6月进展）" when that is
    an earlier month's; "未报送" when nothing was reported this year ("—" in an archived
    report from before progress_month)."""
    text = item["progress"]
    reported = item.get("progress_month", month)
    if not text:
        return "未报送" if "progress_month" in item and not reported else "—"
    if reported and reported != month:
        return f"{text}（沿用{int(reported[5:])}月进展）"
    return text


def _deadline(value, year):
    """12月31日 in the report's year (its title says the year), 2023年3月31日 otherwise;
    always in full when `year` is None."""
    if not value:
        return "未定"
    date = dt.date.fromisoformat(value)
    return f"{date.month}月{date.day}日" if date.year == year else chinese_date(date)


def _attachment_row(index, item, district, year, month):
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
        progress_cell(item, month),
        reason,
    ]
