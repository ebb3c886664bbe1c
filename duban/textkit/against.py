"""Figures of a text against duban's own data for a period (--period): the counts of each
category named in the text (total, 已完成, 推进正常, 推进滞后), its lag rate, and the whole's,
read from `reports.figures.monthly` — the same figures the monthly report prints; the
request statistics (受理/办结/退单/办处中, 解决率/满意率/响应率/按时办结率) of sentences about
requests, from the same figures (`figures["tickets"]`, the report's 三、民生诉求办理情况); and
the 经济社会指标 a sentence names (its year-to-date value in the indicator's unit, 同比增长/下降,
完成年度目标 …%), from `indicators.figures.summary_rows` for the period's last month."""

from __future__ import annotations

import re
from decimal import Decimal

from duban.core.numfmt import pct
from duban.indicators.figures import figure_text, summary_rows
from duban.reports import figures as F
from duban.textkit import numbers as N

STATUS_KEYS = {"done": "completed", "normal": "on_track", "lagging": "lagging"}
STATUS_WORDS = {"done": "已完成", "normal": "推进正常", "lagging": "推进滞后"}
OVERALL_WORDS = ("总体", "全部重点工作", "重点工作共", "重点工作中")


def _squash(text):
    return re.sub(r"[、，,“”\"'（）()\s]", "", text or "")


def _statuses(group):
    plain = group.end_sentence.plain
    out = {}
    for part in group.parts:
        source = plain if group.end_sentence is not group.sentence else group.sentence.plain
        status = N._status(N._clause_around(source, part.start, part.end))
        if status:
            out[status] = out.get(status, 0) + part.value
    return group.statuses or out


def _label(group):
    if group.label:
        return group.label
    return group.sentence.plain[: group.whole.start]


def match(label, figures):
    """The category (or the whole) a group's words name, or None."""
    squashed = _squash(label)
    for category in figures["categories"]:
        name = _squash(category["name"])
        if name and (name in squashed or (len(squashed) >= 4 and squashed in name)):
            return category["name"], category
    if any(w in label for w in OVERALL_WORDS) and "项" not in label[-2:]:
        return "全部重点工作", figures["overall"]
    return None


def compare(paragraphs, figures):
    """Findings where the text's counts for a category differ from `figures`."""
    sentences = N.split(paragraphs)
    findings = []
    for group in N.groups_of(sentences):
        if group.whole.unit not in ("项", "个"):
            continue
        statuses = _statuses(group)
        if not statuses:
            continue
        found = match(_label(group), figures)
        if found is None:
            continue
        name, counts = found
        s = group.sentence
        quote = s.text[group.whole.start : group.whole.end]
        if group.whole.value != counts["total"]:
            findings.append(
                N.Finding(
                    "data",
                    s.paragraph,
                    s.number,
                    quote,
                    f"{counts['total']}项",
                    f"系统中{figures['period_label']}“{name}”共{counts['total']}项",
                )
            )
        for status, value in statuses.items():
            key = STATUS_KEYS[status]
            if Decimal(value) != counts[key]:
                findings.append(
                    N.Finding(
                        "data",
                        s.paragraph,
                        s.number,
                        f"{N.fmt(value)}项{STATUS_WORDS[status]}",
                        f"{counts[key]}项",
                        f"系统中{figures['period_label']}“{name}”{STATUS_WORDS[status]}"
                        f"{counts[key]}项",
                    )
                )
        findings += _lag_rates(group, counts, name, figures, sentences)
    return findings


def _lag_rates(group, counts, name, figures, sentences):
    out = []
    start, end = sentences.index(group.sentence), sentences.index(group.end_sentence)
    for s in sentences[start : end + 1]:
        for m in N.PERCENT.finditer(s.plain, group.whole.end if s is group.sentence else 0):
            clause = N._clause_around(s.plain, m.start(), m.end())
            if not any(w in clause for w in N.LAG_RATE_WORDS):
                continue
            rate = counts["lag_rate"]
            if rate is None or N.agrees(m.group("num"), Decimal(str(rate))):
                return out
            out.append(
                N.Finding(
                    "data",
                    s.paragraph,
                    s.number,
                    s.text[m.start() : m.end()],
                    pct(rate),
                    f"系统中{figures['period_label']}“{name}”滞后{counts['lagging']}项、"
                    f"共{counts['total']}项，滞后项目占比{pct(rate)}",
                )
            )
            return out
    return out


REQUEST_WORDS = ("12345", "热线", "工单", "诉求")
REQUEST_PARTS = (
    (("待分派", "待分单", "待审单"), "awaiting_dispatch", "待分派"),
    (("办理中", "办处中", "在办", "处理中"), "in_progress", "办处中"),
    (("办结",), "closed", "办结"),
    (("退单", "退回"), "returned", "退单"),
    (("受理",), "received", "受理"),
)
REQUEST_RATES = (
    ("按时办结率", "on_time_rate"),
    ("解决率", "resolution_rate"),
    ("满意率", "satisfaction_rate"),
    ("响应率", "response_rate"),
)


def compare_requests(paragraphs, stats, label):
    """受理/办结/退单/办处中 counts and 解决率/满意率… of sentences about requests (12345,
    热线, 工单, 诉求) against the request statistics of the period."""
    findings = []
    for s in N.split(paragraphs):
        if not any(w in s.plain for w in REQUEST_WORDS):
            continue
        for q in N.quantities(s.plain):
            if q.unit != "件" or q.approx:
                continue
            clause = N._clause_around(s.plain, q.start, q.end)
            for words, key, name in REQUEST_PARTS:
                if any(w in clause for w in words):
                    if q.value != stats[key]:
                        findings.append(
                            N.Finding(
                                "data",
                                s.paragraph,
                                s.number,
                                s.text[q.start : q.end],
                                f"{stats[key]}件",
                                f"系统中{label}诉求{name}{stats[key]}件",
                            )
                        )
                    break
        for m in N.PERCENT.finditer(s.plain):
            head = s.plain[max(0, m.start() - 8) : m.start()]
            for word, key in REQUEST_RATES:
                if word in head:
                    value = stats[key]
                    if value is not None and not N.agrees(m.group("num"), Decimal(str(value))):
                        findings.append(
                            N.Finding(
                                "data",
                                s.paragraph,
                                s.number,
                                s.text[m.start() - len(head) + head.index(word) : m.end()],
                                pct(value, places=2),
                                f"系统中{label}诉求{word}为{pct(value, places=2)}",
                            )
                        )
                    break
    return findings


GROWTH = re.compile(r"同比(?P<dir>增长|上升|提高|下降|减少|回落)?\s*(?P<num>\d+(?:\.\d+)?)\s*%")
FALLS = ("下降", "减少", "回落")
COMPLETION = re.compile(
    r"(?:完成(?:全年|年度)?(?:目标|计划)?(?:任务)?的?|完成率(?:为|达)?)\s*(?P<num>\d+(?:\.\d+)?)\s*%"
)


def _value_pattern(unit):
    return re.compile(r"(?P<num>(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?)\s*" + re.escape(unit))


def compare_indicators(paragraphs, rows, label):
    """The figures a sentence gives after an indicator's name — its value in the
    indicator's unit, its 同比 growth, its completion of the year's target — against the
    indicator's figures for the period (rows of `indicators.figures.summary_rows`)."""
    rows = [r for r in rows if r["value"] is not None]
    if not rows:
        return []
    findings = []
    for s in N.split(paragraphs):
        plain = s.plain
        spots = sorted((plain.find(r["name"]), r) for r in rows if r["name"] and r["name"] in plain)
        for index, (at, row) in enumerate(spots):
            start = at + len(row["name"])
            end = spots[index + 1][0] if index + 1 < len(spots) else len(plain)
            segment = plain[start:end]
            unit, name = row["unit"], row["name"]

            def finding(m, expected, why, s=s, start=start):
                quote = s.text[start + m.start() : start + m.end()]
                findings.append(N.Finding("data", s.paragraph, s.number, quote, expected, why))

            value_text = f"{figure_text(row['value'], row['decimals'])}{unit}"
            if unit and unit != "%":
                m = _value_pattern(unit).search(segment)
                if m and not N.agrees(m.group("num").replace(",", ""), row["value"]):
                    finding(m, value_text, f"系统中{label}“{name}”为{value_text}")
            m = GROWTH.search(segment)
            if m and row["growth_rate"] is not None:
                printed = Decimal(m.group("num"))
                if m.group("dir") in FALLS:
                    printed = -printed
                exact = row["growth_rate"]
                same_sign = (printed < 0) == (exact < 0) or printed == 0
                if not same_sign or not N.agrees(m.group("num"), abs(exact)):
                    finding(
                        m,
                        _growth_words(exact),
                        f"系统中{label}“{name}”{value_text}，上年同期"
                        f"{figure_text(row['previous'], row['decimals'])}{unit}，{_growth_words(exact)}",
                    )
            m = COMPLETION.search(segment)
            if m and row["completion_rate"] is not None:
                if not N.agrees(m.group("num"), row["completion_rate"]):
                    rate = pct(row["completion_rate"], places=2)
                    finding(
                        m,
                        rate,
                        f"系统中{label}“{name}”{value_text}，年度目标"
                        f"{figure_text(row['target'], row['decimals'])}{unit}，完成{rate}",
                    )
    return findings


def _growth_words(rate):
    if rate < 0:
        return f"同比下降{pct(-rate, places=2)}"
    return f"同比增长{pct(rate, places=2)}"


def check(paragraphs, office, period):
    """The text's own findings plus those against duban's data for `period`."""
    figures = F.monthly(office, period)
    findings = compare(paragraphs, figures)
    stats = figures.get("tickets")  # the report's own request figures (None: no requests)
    if stats and stats["received"]:
        findings += compare_requests(paragraphs, stats, figures["period_label"])
    rows = summary_rows(office, period.year, period.last_month)
    findings += compare_indicators(paragraphs, rows, figures["period_label"])
    findings = N.check(paragraphs) + findings
    return sorted(findings, key=lambda f: (f.paragraph, f.sentence)), figures
