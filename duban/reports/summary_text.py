"""The words of the drafted work summary (工作总结 初稿), from its figures dict only
(reports.figures.summary).

Shaped like the offices' own summaries (shared/reference 2-, 3- and 5-): the title
marked （初稿）and a note that it is a draft for the office to edit, an opening paragraph,
一、主要工作完成情况 (the whole in one sentence, then one run-in paragraph per category:
its counts, what was completed with its quantities, what is under way with its reported
values against the targets, what lags; then the indicators and the requests when there
are any), 二、存在的问题 (one point per lag cause, largest first, with a unit's own
reason as example; the overdue items; the unexplained ones; the indicators behind time
progress; the requests left unsolved, unsatisfied or late), 三、下步工作计划 (per
category, the 下步措施 of the latest reports of open tasks, tasks sharing one text named
together; the next year's ledger by category), the signature.

Sentences vary as a person's would: each kind of sentence has several phrasings, chosen
by `prose.Phrasing` (seeded by the item, never the one just used, least used first).
The count, list and number rules live in reports/prose.py. A section the office edited
(figures["edits"]: opening, problems, plan) is printed as edited, one paragraph a line.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from duban.core.numfmt import pct
from duban.core.official_docx import chinese_date, heading_number
from duban.reports import prose
from duban.reports.figures import NO_REASON
from duban.reports.monthly_text import tickets_sentence

DRAFT_NOTE = (
    "（初稿说明：本稿由督查督办系统根据重点工作台账、各单位已采纳的进展填报、研判结果"
    "和民生诉求数据起草，仅供党政办公室修改完善，不作为正式文稿印发。）"
)
EDITABLE = {"opening": "开头", "problems": "二、存在的问题", "plan": "三、下步工作计划"}
IN_PROGRESS_TOLD = 2  # tasks under way whose reported values a category paragraph gives
PLAN_GROUPS = 4  # groups of tasks (one 下步措施 text each) a plan paragraph tells
NEXT_YEAR_NAMED = 4  # next year's tasks named per category before 等N项


def blocks(figures: dict) -> list[dict]:
    """The summary of `figures` as a list of blocks (see reports/monthly_text.py)."""
    office = figures["office"]["name"]
    say = prose.Phrasing(f"{office}{figures['period']}")
    edits = figures.get("edits") or {}
    out = [{"kind": "title", "text": figures["title"]}, _p(DRAFT_NOTE)]
    out += _edited(edits.get("opening")) or [_p(opening(figures))]

    out.append(_heading(1, heading_number(1, 1) + "主要工作完成情况"))
    out += achievements(figures, say)

    out.append(_heading(1, heading_number(1, 2) + "存在的问题"))
    out += _edited(edits.get("problems")) or [_p(t) for t in problems(figures, say)]

    out.append(_heading(1, heading_number(1, 3) + "下步工作计划"))
    out += _edited(edits.get("plan")) or plan(figures, say)

    out.append(
        {
            "kind": "signature",
            "office": f"{office}党政办公室",
            "date": chinese_date(figures["report_date"]),
        }
    )
    return out


def section_texts(figures):
    """{section: its drafted text, one paragraph a line} — what the page's edit boxes
    start from."""
    say = prose.Phrasing(f"{figures['office']['name']}{figures['period']}")
    achievements(figures, say)  # the phrasings used before these sections, as in blocks()
    return {
        "opening": opening(figures),
        "problems": "\n".join(problems(figures, say)),
        "plan": "\n".join(_block_text(b) for b in plan(figures, say)),
    }


def _p(text):
    return {"kind": "p", "text": text}


def _heading(level, text, run_in=""):
    block = {"kind": "heading", "level": level, "text": text}
    if run_in:
        block["run_in"] = run_in
    return block


def _block_text(block):
    return block.get("text", "") + block.get("run_in", "")


def _edited(text):
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [_p(line) for line in lines]


# --- the period ----------------------------------------------------------------------------


def _months(figures):
    """The months the cumulative figures cover: 1-6月, 1-11月, 全年."""
    last = int(figures["month"][5:])
    return prose.span_words(figures["period_kind"], last, whole=figures["period_ended"])


def _when(figures):
    return prose.as_of_words(figures["as_of"])


def opening(figures):
    office = figures["office"]["name"]
    year = figures["year"]
    total = figures["overall"]["total"]
    if not total:
        return (
            f"{figures['period_label']}，{office}{year}年度暂无纳入督查的重点工作。"
            "现将有关工作情况总结如下："
        )
    return (
        f"{figures['period_label']}，{office}在上级党委政府的领导下，围绕年初确定的{year}年度"
        f"重点工作，压实牵头单位责任，按月跟踪督查、逐项研判推进情况，各项工作总体有序推进。"
        "现将主要工作情况总结如下："
    )


# --- 一、主要工作完成情况 ------------------------------------------------------------------

COUNT_PHRASES = (
    "{name}{counts}。",
    "纳入督查的{name}{counts}。",
    "截至{when}，{name}{counts}。",
    "对照年度计划，{name}{counts}。",
)
DONE_PHRASES = (
    "{items}已经完成。",
    "已完成的工作有{items}。",
    "{items}已按要求完成。",
    "{items}均已全面完成。",
    "目前已完成{items}。",
)
DONE_ONE = (
    "{items}已经完成。",
    "已完成的是{items}。",
    "{items}已按要求完成。",
    "{items}已全面完成。",
)
DOING_PHRASES = (
    "从推进中的工作看，{items}。",
    "正在推进的工作中，{items}。",
    "其他工作按节点推进，{items}。",
    "推进中的工作进度如下：{items}。",
    "在建在推的工作里，{items}。",
)
LAG_PHRASES = (
    "{items}推进滞后，需加快进度。",
    "但{items}进度滞后，尚未达到序时要求。",
    "{items}未能按节点推进，列为下阶段督办重点。",
    "仍有{items}处于滞后状态。",
)


def _value_words(item):
    """ "（2个）" for a completed task with a value: its 完成值, or the one quantity its
    text gives in the task's unit; "" otherwise."""
    unit = item.get("target_unit") or ""
    value = item.get("completed_value")
    if value in (None, "") and unit:
        same = [q for q in item.get("quantities", []) if q["unit"] == unit]
        value = same[0]["value"] if len(same) == 1 else None
    if value in (None, "") or not unit:
        return ""
    if unit == "%":  # a rate reached, not an amount
        return f"（达到{prose.number(value)}%）"
    return f"（{prose.number(value)}{unit}）"


UNDER_WAY = (
    "{title}累计完成{value}，{share}",
    "{title}已完成{value}，{share}",
    "{title}完成了{value}，{share}",
    "{title}到目前完成{value}，{share}",
    "{title}已累计完成{value}，{share}",
)
RATE_UNDER_WAY = (
    "{title}目前为{value}，年度目标{target}",
    "{title}已达到{value}，年度目标为{target}",
    "{title}现为{value}，年度目标是{target}",
)


def _under_way(item, say):
    """ "既有多层住宅加装电梯累计完成7台，占年度目标12台的58.3%" for a task with a
    reported value; "" without one."""
    value = item.get("completed_value")
    unit = item.get("target_unit") or ""
    if value in (None, "") or not unit:
        return ""
    title = item["title"]
    target = item.get("target_value")
    amount = f"{prose.number(value)}{unit}"
    if unit == "%":  # a rate: its level and its target, no share of a share
        if target in (None, ""):
            return f"{title}目前为{amount}"
        phrase = say.pick("rate", RATE_UNDER_WAY, title)
        return phrase.format(title=title, value=amount, target=f"{prose.number(target)}%")
    # "完成年度税收目标" → "年度税收目标完成了11.7亿元", not "完成…完成了"
    lead = title[2:] if title.startswith("完成") and len(title) > 4 else title
    toward = prose.share(value, target, unit)
    if not toward:
        return f"{lead}累计完成{amount}"
    return say.pick("underway", UNDER_WAY, title).format(title=lead, value=amount, share=toward)


def category_paragraph(category, figures, say):
    name = category["name"]
    key = name
    sentences = [
        say.pick("count", COUNT_PHRASES, key).format(
            name=name, counts=prose.breakdown(category), when=_when(figures)
        )
    ]
    done = [f"{i['title']}{_value_words(i)}" for i in category["completed_items"]]
    if done:
        phrases = DONE_ONE if len(done) == 1 else DONE_PHRASES
        sentences.append(say.pick("done", phrases, key).format(items="、".join(done)))
    told = [i for i in category["in_progress"] if i.get("completed_value") not in (None, "")]
    doing = [s for s in (_under_way(i, say) for i in told[:IN_PROGRESS_TOLD]) if s]
    if doing:
        sentences.append(say.pick("doing", DOING_PHRASES, key).format(items="；".join(doing)))
    if category["lagging_titles"]:
        sentences.append(
            say.pick("lag", LAG_PHRASES, key).format(items=prose.named(category["lagging_titles"]))
        )
    return "".join(sentences)


def overview(figures):
    overall = figures["overall"]
    if not overall["total"]:
        return "本期暂无纳入督查的重点工作。"
    return (
        f"截至{_when(figures)}，纳入督查的{figures['year']}年度重点工作{prose.breakdown(overall)}。"
    )


def achievements(figures, say):
    out = [_p(overview(figures))]
    sub = count(1)
    for category in figures["categories"]:
        if not category["total"]:
            continue
        out.append(
            _heading(
                2,
                f"{heading_number(2, next(sub))}{category['name']}。",
                category_paragraph(category, figures, say),
            )
        )
    empty = prose.none_of_these([c["name"] for c in figures["categories"] if not c["total"]])
    if empty:
        out.append(_p(empty))
    if figures.get("indicators"):
        out.append(
            _heading(
                2,
                f"{heading_number(2, next(sub))}主要经济社会指标。",
                indicators_paragraph(figures["indicators"], figures),
            )
        )
    tickets = figures.get("tickets")
    if tickets:
        # the requests of the period's own days (2022年下半年: July to December)
        label = tickets["label"]
        said = (
            tickets_sentence(tickets, label) if tickets["received"] else f"{label}未受理民生诉求。"
        )
        out.append(_heading(2, f"{heading_number(2, next(sub))}民生诉求办理。", said))
    return out


INDICATOR_PHRASES = (
    "{name}{value}{unit}",
    "实现{name}{value}{unit}",
    "{name}达到{value}{unit}",
)


def indicators_paragraph(rows, figures):
    """The indicators (indicators.figures.summary_rows) in one paragraph: value, growth,
    completion of target; those behind time progress said apart. Rates are printed as the
    rows give them (growth.py rounds them once, to two decimals): rounding them again to one
    decimal would round twice (93.549 → 93.55 → 93.6)."""
    say = prose.Phrasing(f"{figures['office']['name']}指标")
    parts = []
    for row in rows:
        value = prose.number(row.get("value"))
        if not value:
            continue
        unit = row.get("unit") or ""
        said = say.pick("value", INDICATOR_PHRASES, row["name"]).format(
            name=row["name"], value=value, unit=unit
        )
        growth = row.get("growth_rate")
        if growth is not None:
            word = "增长" if float(growth) >= 0 else "下降"
            said += f"，同比{word}{prose.number(abs(Decimal(str(growth))))}%"
        completion = row.get("completion_rate")
        if completion is not None and row.get("target") not in (None, ""):
            said += (
                f"，完成年度目标{prose.number(row['target'])}{unit}的{prose.number(completion)}%"
            )
        parts.append(said)
    if not parts:
        return "本期指标数据尚未填报。"
    text = f"{_months(figures)}，" + "；".join(parts) + "。"
    behind = [row["name"] for row in rows if row.get("behind")]
    if behind:
        text += f"{prose.join(behind)}完成进度慢于时间进度，需要加力追赶。"
    return text


# --- 二、存在的问题 -------------------------------------------------------------------------

CAUSE_PHRASES = (
    "{heading}。{meaning}，{n}项工作因此滞后{example}",
    "{heading}。{n}项工作受此影响进度滞后，{meaning}{example}",
    "{heading}。{meaning}，涉及{n}项工作{example}",
    "{heading}。从研判情况看，{meaning}，{n}项工作受到影响{example}",
)
EXAMPLE_PHRASES = (
    "，如{title}，{reason}。",
    "。比如{title}，{reason}。",
    "，{title}即属此类：{reason}。",
)


def _dated(text, month_key):
    """A unit's monthly words in a summary: its 本月/下月 named (本月 → 9月, 下月 → 10月)."""
    if not month_key:
        return text
    month = int(month_key[5:])
    later = f"{month + 1}月" if month < 12 else "次月"
    return text.replace("本月", f"{month}月").replace("下月", later)


def _example(label, items, say):
    """One unit's own reason under a cause, quoted with its task."""
    for item in items:
        reason = _dated(prose.clause(item["reason"]), item.get("progress_month"))
        if reason:
            return say.pick("example", EXAMPLE_PHRASES, label).format(
                title=item["title"], reason=reason
            )
    return "。"


def problems(figures, say):
    """The points of 二、存在的问题: one per lag cause, then the overdue items, the
    lagging items without a stated reason, the indicators behind time progress and the
    requests' shortfalls; one sentence when there is none of these."""
    lagging = figures["lagging_items"]
    overdue = figures["overdue_items"]
    if not figures["overall"]["total"]:
        return ["本期暂无纳入督查的重点工作，未发现需要专门说明的问题。"]
    points = []
    for group in figures["reasons"]:
        label = group["category"]
        if label == NO_REASON:
            continue
        items = [i for i in lagging if i["reason_category"] == label]
        heading, meaning = prose.cause(label)
        phrase = say.pick("cause", CAUSE_PHRASES, label)
        if not meaning:
            phrase = phrase.replace("{meaning}，", "").replace("，{meaning}", "")
        points.append(
            phrase.format(
                heading=heading,
                meaning=meaning,
                n=group["count"],
                example=_example(label, items, say),
            )
        )
    if overdue:
        longest = overdue[0]
        points.append(
            f"部分工作超过时限仍未完成。截至{_when(figures)}，有{len(overdue)}项工作超过完成时限"
            f"或节点时间仍未完成，超期最长的{longest['name']}已超期{longest['overdue_days']}天。"
        )
    unexplained = [i["title"] for i in lagging if i["reason_category"] == NO_REASON]
    if unexplained:
        points.append(
            f"个别滞后原因说得不清。{prose.named(unexplained, 3)}推进滞后，但"
            f"{prose.all_or_the_one(len(unexplained))}未说明原因，不利于对症督办。"
        )
    points += [
        point
        for point in (_indicators_behind(figures), _tickets_short(figures.get("tickets")))
        if point
    ]
    if not points:
        return [
            f"截至{_when(figures)}，各项重点工作没有出现推进滞后的情况，也没有超期未完成的事项。"
            "但对照年度目标和群众期盼，部分工作的质量和成效还有提升空间，需要在下步工作中持续用力。"
        ]
    lead = (
        "在肯定成绩的同时，我们也清醒地看到，工作中还存在一些问题和不足，主要是："
        if len(points) > 1
        else "在肯定成绩的同时，工作中还存在一些不足："
    )
    return [lead, *prose.numbered(points)]


def _behind(figures):
    """The indicators behind time progress (rows of indicators.figures.summary_rows)."""
    return [
        row
        for row in figures.get("indicators") or []
        if row.get("behind") and row.get("completion_rate") is not None
    ]


def _indicators_behind(figures):
    """The indicators behind time progress as a problem: how far each is, and a fall on
    the year before when there is one; None when none is behind."""
    rows = _behind(figures)
    if not rows:
        return None
    parts = []
    for row in rows:
        part = f"{row['name']}完成年度目标的{prose.number(row['completion_rate'])}%"
        growth = row.get("growth_rate")
        if growth is not None and Decimal(str(growth)) < 0:
            part += f"、同比下降{prose.number(abs(Decimal(str(growth))))}%"
        parts.append(part)
    time = {row.get("time_progress") for row in rows}
    said = "部分经济社会指标完成进度慢于时间进度。"
    if len(time) == 1 and None not in time:
        said += f"按时间进度应完成{prose.number(time.pop())}%，"
    return said + "；".join(parts) + "。"


#: a unit's on-time rate is named as the weakest only on this many closed requests
WEAKEST_UNIT_CLOSED = 5


def _ticket_gaps(tickets):
    """What the requests of the period fell short in: follow-ups that found the matter
    unsolved or the resident unsatisfied, requests closed after their deadline, and the
    unit slowest to close them (on enough closed requests, slower than the whole, its
    name its own: a district's streets share unit names); None when nothing fell short."""
    if not tickets or not tickets.get("received"):
        return None
    followed = tickets["followed_up"]
    unsolved = followed - tickets["resolved"] if followed else 0
    unhappy = tickets["unsatisfied"] if followed else 0
    on_time = tickets.get("closed_on_time")  # absent from reports archived before it
    late = max(tickets["closed"] - on_time, 0) if on_time is not None else 0
    if not (unsolved or unhappy or late):
        return None
    weakest = None
    if late:
        by_unit = tickets.get("by_unit") or []
        names = [u["name"] for u in by_unit]
        units = [
            u
            for u in by_unit
            if u["closed"] >= WEAKEST_UNIT_CLOSED
            and u["on_time_rate"] is not None
            and names.count(u["name"]) == 1
        ]
        slowest = min(units, key=lambda u: (u["on_time_rate"], u["name"]), default=None)
        if slowest and slowest["on_time_rate"] < tickets["on_time_rate"]:
            weakest = slowest
    return {"unsolved": unsolved, "unhappy": unhappy, "late": late, "weakest": weakest}


def _tickets_short(tickets):
    """The requests' shortfalls (`_ticket_gaps`) as a problem; None when there is none."""
    gaps = _ticket_gaps(tickets)
    if gaps is None:
        return None
    parts = []
    if gaps["unsolved"] or gaps["unhappy"]:
        found = [
            f"{gaps['unsolved']}件问题未解决" if gaps["unsolved"] else "",
            f"{gaps['unhappy']}件评价不满意" if gaps["unhappy"] else "",
        ]
        parts.append(f"回访的{tickets['followed_up']}件中，" + "、".join(f for f in found if f))
    if gaps["late"]:
        said = (
            f"办结的{tickets['closed']}件中有{gaps['late']}件超过办理时限，"
            f"按时办结率{pct(tickets['on_time_rate'], places=2)}"
        )
        weakest = gaps["weakest"]
        if weakest:
            said += f"，其中{weakest['name']}仅为{pct(weakest['on_time_rate'], places=2)}"
        parts.append(said)
    return f"民生诉求办理质量还有差距。{tickets['label']}" + "；".join(parts) + "。"


# --- 三、下步工作计划 -----------------------------------------------------------------------

STEP_PHRASES = (
    "{titles}方面，{text}",
    "围绕{titles}，{text}",
    "对{titles}，{text}",
    "推进{titles}，{text}",
    "抓好{titles}，{text}",
)
LAGGING_STEP = (
    "针对{titles}进度滞后的问题，{text}",
    "对滞后的{titles}，{text}",
    "{titles}要加快追赶进度，{text}",
)
PLAN_HEADINGS = (
    "扎实推进{name}",
    "加快推进{name}",
    "持续抓好{name}",
    "全力落实{name}",
    "统筹推进{name}",
)
REST_PHRASES = (
    "其余{n}项工作按既定节点推进",
    "另有{n}项工作按计划有序推进",
    "其他{n}项工作继续按节点落实",
)


def _plan_paragraph(name, steps, say):
    """One category's 下步措施: tasks with the same text named together, lagging first."""
    groups = {}
    for step in sorted(steps, key=lambda s: s["status"] != "lagging"):
        # a plan looks ahead from the summary, not from the month the unit wrote in:
        # its “下月” would name a month already past (or the plan's own first month)
        text = _dated(prose.clause(step["text"]).replace("下月", "近期"), step.get("month"))
        key = (step["status"] == "lagging", text)
        groups.setdefault(key, []).append(step["title"])
    clauses = []
    shown = list(groups.items())[:PLAN_GROUPS]
    for (lagging, text), titles in shown:
        phrases = LAGGING_STEP if lagging else STEP_PHRASES
        clauses.append(
            say.pick("lagstep" if lagging else "step", phrases, name, titles[0]).format(
                titles=prose.named(titles, 3), text=text
            )
        )
    rest = sum(len(titles) for _key, titles in list(groups.items())[PLAN_GROUPS:])
    if rest:
        clauses.append(say.pick("rest", REST_PHRASES, name).format(n=rest))
    return "；".join(clauses) + "。"


def plan(figures, say):
    office = figures["office"]["name"]
    out = [
        _p(
            f"{figures['plan_label']}，{office}将坚持目标导向和问题导向，对已完成的工作巩固成效，"
            "对推进中的工作盯紧节点，对滞后和超期的事项挂账督办，重点抓好以下几个方面："
        )
    ]
    sub = count(1)
    by_category = {}
    for step in figures["next_steps"]:
        by_category.setdefault(step["category"], []).append(step)
    for name, steps in by_category.items():
        head = say.pick("planhead", PLAN_HEADINGS, name).format(name=name)
        out.append(
            _heading(
                2, f"{heading_number(2, next(sub))}{head}。", _plan_paragraph(name, steps, say)
            )
        )
    following = figures.get("next_year")
    if following:
        year = following["year"]
        parts = "、".join(f"{c['name']}{len(c['titles'])}项" for c in following["categories"])
        said = f"{year}年台账已安排重点工作{following['total']}项，其中{parts}。"
        named = [
            f"{c['name']}重点是{prose.named(c['titles'], NEXT_YEAR_NAMED)}"
            for c in following["categories"]
        ]
        said += "；".join(named) + "。"
        out.append(_heading(2, f"{heading_number(2, next(sub))}{year}年重点工作安排。", said))
    # what 二、存在的问题 found beyond the ledger gets its own step
    behind = _behind(figures)
    if behind:
        names = [row["name"] for row in behind]
        named = prose.join(names) if len(names) <= 3 else "、".join(names[:3]) + "等"
        out.append(
            _heading(
                2,
                f"{heading_number(2, next(sub))}抓好经济社会指标追赶。",
                f"对{named}完成进度慢于时间进度的指标，"
                "逐项分析差距原因，明确追赶措施和时间节点，按月调度、按季分析。",
            )
        )
    gaps = _ticket_gaps(figures.get("tickets"))
    if gaps:
        steps = []
        if gaps["unsolved"] or gaps["unhappy"]:
            steps.append("对回访中问题未解决或群众不满意的诉求逐件复核，能重办的及时重办")
        if gaps["late"]:
            who = f"{gaps['weakest']['name']}等" if gaps["weakest"] else ""
            steps.append(f"{who}按时办结率偏低的单位要压缩办理时间，临近时限的诉求提前催办")
        out.append(
            _heading(
                2,
                f"{heading_number(2, next(sub))}提升民生诉求办理质效。",
                "；".join(steps) + "。",
            )
        )
    if len(out) == 1:
        out.append(
            _p("各项工作将按年度目标任务继续推进，党政办公室按月跟踪督查，确保按期保质完成。")
        )
    out.append(
        _p(
            "党政办公室将继续实行按月跟踪、逐项研判，对连续滞后的事项开展实地督查，"
            "推动各项工作按期保质完成。"
        )
    )
    return out
